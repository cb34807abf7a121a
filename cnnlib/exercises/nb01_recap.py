"""Exercises of notebooks/01_neural_network_recap.ipynb: a stable sigmoid, softmax + loss."""

from __future__ import annotations

import numpy as np

from ..activations import sigmoid
from ..losses import cross_entropy
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_softmax_cross_entropy", "check_stable_sigmoid"]


# ------------------------------------------------------------- stable sigmoid
def _wrong_naive(x):
    return 1 / (1 + np.exp(-x))


def _wrong_where(x):  # np.where evaluates both branches everywhere
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def _wrong_sign(x):
    return 1 / (1 + np.exp(x))


def _wrong_tanh(x):  # sigmoid(x) = (1 + tanh(x / 2)) / 2, the /2 forgotten
    return (0.5 * (1 + np.tanh(x))).astype(x.dtype)


def _wrong_ratio(x):  # exp(x) / (1 + exp(x)) everywhere: inf / inf for large x
    return np.exp(x) / (1 + np.exp(x))


def check_stable_sigmoid(fn, verbose=True):
    """Check ``fn(x)``: sigmoid of any array, no overflow warning, dtype kept.

    Prints the result; returns a CheckResult. Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    rng = np.random.default_rng(1)
    arrays = [
        ("small values", np.array([-2.0, -1.0, 0.0, 0.5, 3.0])),
        ("huge values: exp(1000) overflows", np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])),
        ("a 2-D array", rng.normal(scale=5.0, size=(3, 4))),
        ("float32, beyond exp's float32 range", np.array([-200, -88, 0, 88, 200], np.float32)),
        ("a single value", np.array([0.0])),
    ]
    cases = [Case(label, {"x": x}, sigmoid(x), no_warnings=True,
                  rtol=1e-5 if x.dtype == np.float32 else 1e-9, atol=1e-30)
             for label, x in arrays]
    wrongs = [
        Wrong("naive", "for very negative x, np.exp(-x) overflows (numpy warns). Only ever "
              "compute exp(-|x|): 1/(1 + exp(-x)) where x >= 0 and exp(x)/(1 + exp(x)) where "
              "x < 0, each on its own elements (boolean masks).", _wrong_naive),
        Wrong("where", "np.where computes BOTH branches for every element, so np.exp still "
              "overflows on the elements it then throws away. Compute each branch only on its "
              "own elements (out[mask] = ...), or build everything from exp(-abs(x)).",
              _wrong_where),
        Wrong("ratio", "exp(x) / (1 + exp(x)) becomes inf / inf = nan for large x: use that "
              "form only where x < 0, and 1 / (1 + exp(-x)) where x >= 0.", _wrong_ratio),
        Wrong("sign", "you computed sigmoid(-x): check the sign in the exponent "
              "(sigmoid(2) is about 0.88, above 1/2).", _wrong_sign),
        Wrong("tanh", "sigmoid(x) = (1 + tanh(x / 2)) / 2: the x / 2 is missing.", _wrong_tanh),
    ]
    return run_check("stable_sigmoid", fn, cases, wrongs,
                     "compare with 1 / (1 + exp(-x)) on the small values, and make sure no "
                     "np.exp ever receives a large positive number.", verbose)


# ------------------------------------------------------------- softmax + cross-entropy
def _onehot(y, classes, dtype):
    out = np.zeros((len(y), classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def _wrong_no_mean_grad(logits, y):
    loss, d = cross_entropy(logits, y)
    return loss, d * len(y)


def _wrong_sum_loss(logits, y):
    loss, d = cross_entropy(logits, y)
    return loss * len(y), d


def _wrong_sign_grad(logits, y):
    loss, d = cross_entropy(logits, y)
    return loss, -d


def _wrong_axis0(logits, y):
    e = np.exp(logits - logits.max(axis=0, keepdims=True))
    p = e / e.sum(axis=0, keepdims=True)
    n = np.arange(len(y))
    return float(-np.mean(np.log(p[n, y]))), (p - _onehot(y, logits.shape[1], p.dtype)) / len(y)


def _wrong_no_shift(logits, y):
    e = np.exp(logits)
    p = e / e.sum(axis=1, keepdims=True)
    n = np.arange(len(y))
    return float(-np.mean(np.log(p[n, y]))), (p - _onehot(y, logits.shape[1], p.dtype)) / len(y)


def check_softmax_cross_entropy(fn, verbose=True):
    """Check ``fn(logits, y)`` -> (mean loss, dlogits) against cnnlib.losses.cross_entropy.

    Prints the result; returns a CheckResult. Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    rng = np.random.default_rng(3)
    data = [
        ("2 samples, 3 classes", np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]]), [0, 2]),
        ("a batch of 1", np.array([[0.0, 1.0, -1.0, 3.0]]), [3]),
        ("huge logits: exp(1000) overflows", np.array([[1000.0, 0.0, -1000.0],
                                                      [10.0, 1010.0, 1000.0]]), [0, 2]),
        ("5 samples, 10 classes", rng.normal(scale=3.0, size=(5, 10)), [1, 0, 9, 9, 4]),
        ("float32 logits", rng.normal(size=(3, 4)).astype(np.float32), [0, 3, 1]),
    ]
    cases = []
    for label, logits, y in data:
        y = np.array(y)
        f32 = logits.dtype == np.float32
        cases.append(Case(label, {"logits": logits, "y": y}, cross_entropy(logits, y),
                          no_warnings=True, rtol=1e-5 if f32 else 1e-7,
                          atol=1e-7 if f32 else 1e-12))
    wrongs = [
        Wrong("no_mean_grad", "the loss is a mean over the N samples, so its gradient is "
              "(softmax - onehot) / N: divide dlogits by N.", _wrong_no_mean_grad),
        Wrong("sum_loss", "the loss is the MEAN over the batch, not the sum: divide by N.",
              _wrong_sum_loss),
        Wrong("sign", "the gradient has the wrong sign: dlogits = (softmax(z) - onehot(y)) / N "
              "(raising the right class's logit must lower the loss).", _wrong_sign_grad),
        Wrong("axis0", "softmax runs over the classes of each sample: use axis=1 with "
              "keepdims=True (each ROW sums to 1), not axis=0.", _wrong_axis0),
        Wrong("no_shift", "exp(1000) overflows: subtract each row's max before np.exp "
              "(z - z.max(axis=1, keepdims=True)); softmax does not change.", _wrong_no_shift),
    ]
    return run_check("softmax_cross_entropy", fn, cases, wrongs,
                     "loss = mean over samples of -log softmax(z)[n, y[n]], dlogits = "
                     "(softmax(z) - onehot(y)) / N; return (loss, dlogits).", verbose)


EXERCISES = [
    Exercise(
        "stable_sigmoid", "A sigmoid that never overflows",
        "`1 / (1 + np.exp(-x))` overflows for very negative `x` (try `x = -1000`: numpy warns). "
        "Write `stable_sigmoid(x)` for any float array that gives the same values without any "
        "warning, keeps `x`'s dtype, and works for `x = ±1000`. Hint: for `x < 0` the same "
        "value is `exp(x) / (1 + exp(x))`, and `exp` of a negative number is always safe.",
        'def stable_sigmoid(x):\n'
        '    """Sigmoid of a float array, element-wise, no overflow; same shape and dtype."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def stable_sigmoid(x):\n'
        '    """Sigmoid of a float array, element-wise, no overflow; same shape and dtype."""\n'
        '    out = np.empty_like(x)\n'
        '    pos = x >= 0\n'
        '    out[pos] = 1 / (1 + np.exp(-x[pos]))      # exp of a number <= 0: safe\n'
        '    e = np.exp(x[~pos])                       # x < 0 here: safe too\n'
        '    out[~pos] = e / (1 + e)\n'
        '    return out\n'),
    Exercise(
        "softmax_cross_entropy", "Softmax, cross-entropy and its gradient",
        "Write `softmax_cross_entropy(logits, y)` for `logits` of shape `(N, classes)` and "
        "integer labels `y` of shape `(N,)`. Return `(loss, dlogits)`: the loss is the mean "
        "over the batch of `-log(softmax(logits)[n, y[n]])` (a Python float), and `dlogits = "
        "(softmax(logits) - onehot(y)) / N` has the shape and dtype of `logits`. It must stay "
        "finite for logits like 1000.",
        'def softmax_cross_entropy(logits, y):\n'
        '    """logits (N, classes), y (N,) ints -> (mean loss, dlogits (N, classes))."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def softmax_cross_entropy(logits, y):\n'
        '    """logits (N, classes), y (N,) ints -> (mean loss, dlogits (N, classes))."""\n'
        '    N = logits.shape[0]\n'
        '    shifted = logits - logits.max(axis=1, keepdims=True)   # largest is 0: no overflow\n'
        '    e = np.exp(shifted)\n'
        '    p = e / e.sum(axis=1, keepdims=True)\n'
        '    rows = np.arange(N)\n'
        '    log_p = shifted[rows, y] - np.log(e.sum(axis=1))\n'
        '    loss = float(-np.mean(log_p))\n'
        '    dlogits = p.copy()\n'
        '    dlogits[rows, y] -= 1\n'
        '    return loss, dlogits / N\n'),
]

PREDICTIONS = [
    Prediction(
        "ActivationExplorer",
        "**Predict, then move the slider.** What is the slope of the sigmoid at `x = 0`, and "
        "of tanh? Far from 0 (say `x = ±6`), which of the four activations still lets a "
        "gradient through on both sides? Choose each activation in turn and check.",
        "The sigmoid's slope at 0 is 1/4, tanh's is 1. At x = ±6 sigmoid and tanh are flat "
        "(slopes about 0.0025 and 0.000025: saturated); ReLU passes a slope of 1 for x > 0 and "
        "0 for x < 0; only leaky ReLU keeps a non-zero slope on both sides."),
]
