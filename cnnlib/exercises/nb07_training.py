"""Exercises of notebooks/07_full_cnn.ipynb: an SGD-with-momentum step, a confusion matrix."""

from __future__ import annotations

import numpy as np

from ..module import Parameter
from ..optim import SGD
from ..receptive_field import conv, pool, receptive_field
from ..train import confusion_matrix
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_build_confusion_matrix", "check_sgd_momentum_step"]


# ------------------------------------------------------------- SGD with momentum
def _ref_step(p, grad, v, lr, momentum):
    param = Parameter(p.copy())
    opt = SGD([param], lr=lr, momentum=momentum)
    if momentum:
        opt.velocity[0][...] = v
    param.grad = grad
    opt.step()
    v_new = opt.velocity[0] if momentum else grad.copy()
    return param.data, v_new.astype(p.dtype)


def _three_steps(fn, p, grads, v, lr, momentum):
    """Call fn three times, feeding back its (p, v), with the gradients grads[0..2].

    What comes back is fed in as arrays, like the inputs shown (a list would make the
    learner's code fail in a way those inputs cannot reproduce); the last answer is returned
    as it is, and anything that is not a pair of numbers at once, for the checker to report.
    """
    out = None
    for g in grads:
        out = fn(p, g, v, lr, momentum)
        try:
            p, v = (np.asarray(a, dtype=p.dtype) for a in out)
        except (TypeError, ValueError):
            return out
    return out


def _wrong_after(p, grad, v, lr, momentum):  # update with the OLD velocity
    return p - lr * v, momentum * v + grad


def _wrong_dampened(p, grad, v, lr, momentum):
    v = momentum * v + (1 - momentum) * grad
    return p - lr * v, v


def _wrong_lr_inside(p, grad, v, lr, momentum):
    v = momentum * v + lr * grad
    return p - v, v


def _wrong_sign(p, grad, v, lr, momentum):
    v = momentum * v + grad
    return p + lr * v, v


def _wrong_plain(p, grad, v, lr, momentum):
    return p - lr * grad, momentum * v + grad


def _wrong_old_v(p, grad, v, lr, momentum):
    return p - lr * (momentum * v + grad), v


def check_sgd_momentum_step(fn, verbose=True):
    """Check ``fn(p, grad, v, lr, momentum)`` -> (p_new, v_new), PyTorch's formulation.

    Prints the result; returns a CheckResult. Introduced in notebooks/07_full_cnn.ipynb.
    """
    rng = np.random.default_rng(11)
    p0, g0 = np.array([1.0, -2.0, 0.5]), np.array([0.1, 0.3, -0.2])
    cases = [
        Case("first step: v = 0", {"p": p0, "grad": g0, "v": np.zeros(3), "lr": 0.1,
                                   "momentum": 0.9}, _ref_step(p0, g0, np.zeros(3), 0.1, 0.9)),
        Case("a velocity from earlier steps", {"p": p0, "grad": g0, "v": np.array(
            [0.5, -0.5, 1.0]), "lr": 0.1, "momentum": 0.9},
            _ref_step(p0, g0, np.array([0.5, -0.5, 1.0]), 0.1, 0.9)),
    ]
    p1, v1 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    g1 = rng.normal(size=(2, 2))
    cases.append(Case("momentum 0 is plain SGD", {"p": p1, "grad": g1, "v": v1 * 0, "lr": 0.5,
                                                  "momentum": 0.0},
                      _ref_step(p1, g1, v1 * 0, 0.5, 0.0)))
    grads = [rng.normal(size=4) for _ in range(3)]
    p_start = rng.normal(size=4)
    exp_p, exp_v = p_start, np.zeros(4)
    for g in grads:
        exp_p, exp_v = _ref_step(exp_p, g, exp_v, 0.05, 0.8)
    cases.append(Case("three steps in a row, feeding back (p, v)",
                      {"p": p_start, "grads": grads, "v": np.zeros(4), "lr": 0.05,
                       "momentum": 0.8}, (exp_p, exp_v), run=_three_steps))
    p32 = rng.normal(size=(2, 3)).astype(np.float32)
    g32 = rng.normal(size=(2, 3)).astype(np.float32)
    v32 = rng.normal(size=(2, 3)).astype(np.float32)
    cases.append(Case("float32 stays float32", {"p": p32, "grad": g32, "v": v32, "lr": 0.01,
                                                 "momentum": 0.9},
                      _ref_step(p32, g32, v32, 0.01, 0.9), rtol=1e-5, atol=1e-6))
    cases = [c if c.run else Case(c.label, c.inputs, tuple(c.expected), rtol=c.rtol,
                                  atol=c.atol) for c in cases]
    wrongs = [
        Wrong("after", "the update used the OLD velocity: first v = momentum * v + grad, then "
              "p = p - lr * v with that new v.", _wrong_after),
        Wrong("dampened", "PyTorch's SGD does not scale the gradient by (1 - momentum): "
              "v = momentum * v + grad.", _wrong_dampened),
        Wrong("lr_inside", "in PyTorch's formulation v holds gradients, not steps: "
              "v = momentum * v + grad, then p = p - lr * v (lr outside v).", _wrong_lr_inside),
        Wrong("sign", "gradient DEScent: p = p - lr * v (you moved uphill).", _wrong_sign),
        Wrong("plain", "the parameter update ignored the velocity: p = p - lr * v, with the "
              "new v.", _wrong_plain),
        Wrong("old_v", "return the NEW velocity (it is fed back in at the next step).",
              _wrong_old_v),
    ]
    return run_check("sgd_momentum_step", fn, cases, wrongs,
                     "v_new = momentum * v + grad; p_new = p - lr * v_new; return "
                     "(p_new, v_new).", verbose)


# ------------------------------------------------------------- confusion matrix
def _wrong_transposed(y_true, y_pred, num_classes):
    return confusion_matrix(y_true, y_pred, num_classes).T


def _wrong_from_max(y_true, y_pred, num_classes):
    n = int(max(y_true.max(), y_pred.max())) + 1
    return confusion_matrix(y_true, y_pred, n)


def _wrong_marks(y_true, y_pred, num_classes):  # = 1 instead of += 1
    return (confusion_matrix(y_true, y_pred, num_classes) > 0).astype(np.int64)


def _wrong_diagonal_only(y_true, y_pred, num_classes):
    return np.diag(np.diag(confusion_matrix(y_true, y_pred, num_classes)))


def check_build_confusion_matrix(fn, verbose=True):
    """Check ``fn(y_true, y_pred, num_classes)`` -> M with M[i, j] = #(true i, predicted j).

    Prints the result; returns a CheckResult. Introduced in notebooks/07_full_cnn.ipynb.
    """
    rng = np.random.default_rng(12)
    data = [
        ("3 classes, some mistakes", [0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 0], 3),
        ("everything right: only the diagonal", [2, 0, 1, 2], [2, 0, 1, 2], 3),
        ("class 3 never appears (num_classes = 4)", [0, 1, 2, 1], [1, 1, 2, 0], 4),
        ("a single sample", [4], [7], 10),
        ("50 samples, 10 classes", list(rng.integers(0, 10, 50)),
         list(rng.integers(0, 10, 50)), 10),
    ]
    cases = []
    for label, yt, yp, n in data:
        yt, yp = np.array(yt, dtype=np.int64), np.array(yp, dtype=np.int64)
        cases.append(Case(label, {"y_true": yt, "y_pred": yp, "num_classes": n},
                          confusion_matrix(yt, yp, n)))
    wrongs = [
        Wrong("transposed", "rows are the TRUE classes and columns the predictions: "
              "M[y_true[n], y_pred[n]] += 1.", _wrong_transposed),
        Wrong("from_max", "the size comes from num_classes, not from the largest label seen: "
              "a class may be missing from a small batch.", _wrong_from_max),
        Wrong("marks", "count every sample: M[t, p] += 1, not = 1.", _wrong_marks),
        Wrong("diagonal", "the mistakes belong in the matrix too (off the diagonal): "
              "M[t, p] += 1 for every sample.", _wrong_diagonal_only),
    ]
    return run_check("build_confusion_matrix", fn, cases, wrongs,
                     "M = np.zeros((num_classes, num_classes), dtype=np.int64); for each "
                     "sample M[y_true[n], y_pred[n]] += 1.", verbose)


EXERCISES = [
    Exercise(
        "sgd_momentum_step", "One step of SGD with momentum",
        "Write `sgd_momentum_step(p, grad, v, lr, momentum)` returning `(p_new, v_new)` in "
        "PyTorch's formulation: first the velocity `v_new = momentum * v + grad`, then the "
        "step `p_new = p - lr * v_new`. With "
        "`momentum = 0` this is plain SGD.",
        'def sgd_momentum_step(p, grad, v, lr, momentum):\n'
        '    """One update: returns (p_new, v_new), arrays of the shape of p."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def sgd_momentum_step(p, grad, v, lr, momentum):\n'
        '    """One update: returns (p_new, v_new), arrays of the shape of p."""\n'
        '    v_new = momentum * v + grad      # a running sum of gradients\n'
        '    p_new = p - lr * v_new           # the step uses the NEW velocity\n'
        '    return p_new, v_new\n'),
    Exercise(
        "build_confusion_matrix", "A confusion matrix",
        "Write `build_confusion_matrix(y_true, y_pred, num_classes)` for two integer label "
        "arrays of shape `(N,)`: return an int64 array `M` of shape `(num_classes, "
        "num_classes)` where `M[i, j]` counts the samples of true class `i` predicted as "
        "`j`. The accuracy is then `np.trace(M) / M.sum()`.",
        'def build_confusion_matrix(y_true, y_pred, num_classes):\n'
        '    """M[i, j] = number of samples of true class i predicted as j (int64)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def build_confusion_matrix(y_true, y_pred, num_classes):\n'
        '    """M[i, j] = number of samples of true class i predicted as j (int64)."""\n'
        '    M = np.zeros((num_classes, num_classes), dtype=np.int64)\n'
        '    for t, p in zip(y_true, y_pred):\n'
        '        M[t, p] += 1                 # row: truth, column: prediction\n'
        '    return M\n'),
]


# the geometry of cnnlib.models.course_cnn (tests check it against the model)
COURSE_CNN_WINDOWS = [conv(3, padding=1), pool(2), conv(3, padding=1), pool(2)]


def _course_rf():
    last = receptive_field(COURSE_CNN_WINDOWS)[-1]
    return last.size[0], last.jump[0]


_RF, _JUMP = _course_rf()

PREDICTIONS = [
    Prediction(
        "DigitInspector",
        "**Predict, then move the slider.** The last feature maps of the course CNN are 7x7 "
        "for a 28x28 digit. How many input pixels wide is the patch one of their units sees, "
        "and how many pixels apart are neighbouring units? Then go through a few digits and "
        "look for the misclassified ones: are they digits you would hesitate on too?",
        f"Conv 3x3 -> pool 2 -> conv 3x3 -> pool 2 gives a receptive field of {_RF}x{_RF} "
        f"pixels, with neighbouring units {_JUMP} pixels apart (3 -> 4 -> 8 -> {_RF}; jump "
        f"1 -> 2 -> 2 -> {_JUMP}). Whether the mistakes look ambiguous to you too has no "
        "fixed answer: look and judge."),
]
