"""Exercises of notebooks/01_neural_network_recap.ipynb.

1. ``log_sigmoid`` (write): log(sigmoid(x)) without overflow or log(0).
2. ``sigmoid_square_loss`` (write, backprop): the seed's square loss on sigmoid outputs and
   its gradient by the chain rule, compared with central differences.
3. ``two_layer_backward`` (debug): a backward pass with one planted bug.
4. ``xor_scores`` (design): weights of a 2-2-1 ReLU network that computes XOR.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..activations import sigmoid
from ..gradcheck import numerical_gradient
from ..losses import cross_entropy, mse_loss
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_log_sigmoid", "check_sigmoid_square_loss", "check_two_layer_backward",
           "check_xor_scores"]


# ------------------------------------------------------------- hints with the learner's numbers
# Some mistakes have a signature rather than one formula: a clipped log (for any eps), scores
# too close to 0 (for any weights). Once a check has failed with the generic hint (or the
# hint of a variant that needs the learner's numbers), the learner's function is probed and
# the hint is replaced by one that quotes its own values. Probing only after the check leaves
# the check itself untouched (a function with state is called as often as before).
def _probe(fn, x):
    """fn(x) read as a 1-D float64 array of finite numbers, quietly; None if fn raises (the
    stub too) or returns anything else."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            out = np.asarray(fn(x.copy()), dtype=np.float64)
    except Exception:  # noqa: BLE001  (whatever the learner's function does)
        return None
    if out.ndim == 2 and out.shape[1] == 1:
        out = out[:, 0]
    return out if out.shape == (len(x),) and np.all(np.isfinite(out)) else None


def _finish(result, verbose, key=None, hint=None):
    """Give a failed result the hint ``hint`` (variant ``key``) if any, then print it."""
    if hint is not None:
        result.hint, result.variant = hint, key
        result.message = "\n".join(f"   hint:     {hint}" if line.startswith("   hint:") else
                                   line for line in result.message.splitlines())
    if verbose:
        print(result.message)
    return result


# ------------------------------------------------------------- 1. log-sigmoid
def _log_sigmoid(x):
    """Reference, computed in float64: min(x, 0) - log(1 + exp(-|x|))."""
    x64 = x.astype(np.float64)
    return (np.minimum(x64, 0) - np.log1p(np.exp(-np.abs(x64)))).astype(x.dtype)


def _wrong_log_naive(x):
    return np.log(1 / (1 + np.exp(-x)))


def _wrong_log_of_sigmoid(x):  # a sigmoid that never overflows still underflows to 0
    return np.log(sigmoid(x))


def _wrong_log_where(x):  # np.where evaluates both branches everywhere
    return np.where(x >= 0, -np.log1p(np.exp(-x)), x - np.log1p(np.exp(x)))


def _wrong_log_one_branch(x):  # -log(1 + e^-x) everywhere: e^-x overflows for x << 0
    return -np.log1p(np.exp(-x))


def _wrong_log_symmetric(x):  # the min(x, 0) forgotten: this is log sigmoid(|x|)
    return -np.log1p(np.exp(-np.abs(x)))


def _wrong_log_sign(x):
    return np.minimum(-x, 0) - np.log1p(np.exp(-np.abs(x)))


def _clipped_value(fn):
    """The learner's log_sigmoid(-1000) when it equals log_sigmoid(-2000) and is far above
    -1000: the signature of a clipped log (np.log(np.clip(s, eps, 1)), or x clipped); else None."""
    v = _probe(fn, np.array([-1000.0, -2000.0]))
    if v is None or not np.isclose(v[0], v[1], rtol=1e-9, atol=0) or v[0] < -999:
        return None
    return float(v[0])


def check_log_sigmoid(fn, verbose=True):
    """Check ``fn(x)``: log(sigmoid(x)) of any float array, no warning, dtype kept.

    Prints the result; returns a CheckResult. Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    rng = np.random.default_rng(1)
    arrays = [
        ("small values", np.array([-2.0, -1.0, 0.0, 0.5, 3.0])),
        ("huge values: sigmoid(-1000) rounds to 0", np.array([-1000.0, -50.0, 0.0, 50.0,
                                                              1000.0])),
        ("a 2-D array", rng.normal(scale=5.0, size=(3, 4))),
        ("float32, beyond exp's float32 range", np.array([-200, -88, 0, 88, 200], np.float32)),
        ("a single value", np.array([0.0])),
    ]
    # atol: log(1 + e^-50) and log1p(e^-50) differ by 2e-22; either is fine here
    cases = [Case(label, {"x": x}, _log_sigmoid(x), no_warnings=True,
                  rtol=1e-5 if x.dtype == np.float32 else 1e-9,
                  atol=1e-6 if x.dtype == np.float32 else 1e-12)
             for label, x in arrays]
    domain = ("stay in the log domain: log σ(x) = -log(1 + e^(-x)) where x >= 0 and "
              "x - log(1 + e^x) where x < 0, so exp only ever sees a number <= 0 "
              "(np.log1p(v) is log(1 + v)).")
    wrongs = [
        Wrong("naive", "for x = -1000, np.exp(-x) overflows, 1/inf = 0 and log(0) = -inf, "
              "although log σ(-1000) is simply about -1000: " + domain, _wrong_log_naive),
        Wrong("log_of_sigmoid", "even a sigmoid that never overflows returns 0.0 for x = -1000 "
              "(e^-1000 is below the smallest float), and log(0) = -inf. Do not take the log "
              "of a sigmoid: " + domain, _wrong_log_of_sigmoid),
        Wrong("where", "np.where computes BOTH branches for every element, so np.exp still "
              "overflows on the elements it then throws away. Compute each branch only on its "
              "own elements (out[mask] = ...), or write one formula with min(x, 0) and "
              "exp(-|x|).", _wrong_log_where),
        Wrong("one_branch", "-log(1 + e^(-x)) is right, but e^(-x) overflows for x below "
              "about -709 (-88 in float32): where x < 0 use the equal form x - log(1 + e^x).",
              _wrong_log_one_branch),
        Wrong("symmetric", "-log(1 + e^(-|x|)) is log σ(|x|): for x < 0, "
              "log σ(x) = x - log(1 + e^x), so the x in front is missing.",
              _wrong_log_symmetric),
        Wrong("sign", "you computed log σ(-x): log σ(2) is about -0.127 (σ(2) is close to 1), "
              "log σ(-2) about -2.127.", _wrong_log_sign),
    ]
    generic = ("compare with np.log(1 / (1 + np.exp(-x))) on the small values, and make sure "
               "no np.exp ever receives a large positive number.")
    result = run_check("log_sigmoid", fn, cases, wrongs, generic, verbose=False)
    if result.status != "fail" or result.hint != generic:
        return _finish(result, verbose)
    clipped = _clipped_value(fn)
    if clipped is None or cases[result.case - 1].inputs["x"].min() > clipped - 1:
        return _finish(result, verbose)
    return _finish(result, verbose, "clipped", (
        f"your function gives {clipped:.1f} at both x = -1000 and x = -2000, whose true "
        "values are -1000 and -2000. Clipping (σ(x) at a small eps before the log, or x "
        "itself) hides the -inf by giving every x beyond the clip the same value, "
        f"{clipped:.1f}, and a slope of 0 there: a loss built on it can neither tell those "
        "samples apart nor push them back. Compute the log directly: " + domain))


# ------------------------------------------------------------- 2. square loss on sigmoids
def _onehot(y, classes, dtype):
    out = np.zeros((len(y), classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out


def _square_loss(z, y):
    s = sigmoid(z)
    return mse_loss(s, _onehot(y, z.shape[1], z.dtype))[0]


def _square_parts(z, y):
    s = sigmoid(z)
    t = _onehot(y, z.shape[1], z.dtype)
    return s, t, z.size


def _wrong_sq_no_slope(z, y):  # dL/ds, the sigmoid's output, not dL/dz
    s, t, n = _square_parts(z, y)
    return float(np.mean((s - t) ** 2)), 2 * (s - t) / n


def _wrong_sq_slope_of_z(z, y):
    s, t, n = _square_parts(z, y)
    return float(np.mean((s - t) ** 2)), 2 * (s - t) / n * z * (1 - z)


def _wrong_sq_per_sample(z, y):  # summed over the classes, averaged over N only
    s, t, _ = _square_parts(z, y)
    N = len(y)
    return float(np.sum((s - t) ** 2) / N), 2 * (s - t) / N * s * (1 - s)


def _wrong_sq_no_mean(z, y):  # the 1 / z.size of the mean forgotten in dz
    s, t, _ = _square_parts(z, y)
    return float(np.mean((s - t) ** 2)), 2 * (s - t) * s * (1 - s)


def _wrong_sq_ce_gradient(z, y):  # section 5's (p - onehot(y)) / N, with s in place of p
    s, t, _ = _square_parts(z, y)
    return float(np.mean((s - t) ** 2)), (s - t) / len(y)


def _wrong_sq_eye64(z, y):  # np.eye(C)[y] is float64: float32 scores come back as float64
    s = sigmoid(z)
    t = np.eye(z.shape[1])[y]
    return float(np.mean((s - t) ** 2)), 2 * (s - t) / z.size * s * (1 - s)


def _wrong_sq_no_two(z, y):
    s, t, n = _square_parts(z, y)
    return float(np.mean((s - t) ** 2)), (s - t) / n * s * (1 - s)


def _wrong_sq_sign(z, y):
    s, t, n = _square_parts(z, y)
    return float(np.mean((s - t) ** 2)), 2 * (t - s) / n * s * (1 - s)


def check_sigmoid_square_loss(fn, verbose=True):
    """Check ``fn(z, y)`` -> (mean square loss of sigmoid(z) against onehot(y), dz).

    The expected dz is a numerical gradient (central differences, in float64).
    Prints the result; returns a CheckResult. Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    rng = np.random.default_rng(3)
    data = [
        ("2 samples, 3 classes", np.array([[2.0, 1.0, 0.1], [0.5, 2.5, -1.0]]), [0, 2]),
        ("a batch of 1", np.array([[0.0, 1.0, -1.0, 3.0]]), [3]),
        ("confidently wrong: z = -8 for the true class", np.array([[-8.0, 8.0, 0.0]]), [0]),
        ("5 samples, 10 classes", rng.normal(scale=3.0, size=(5, 10)), [1, 0, 9, 9, 4]),
        ("float32 logits", rng.normal(size=(3, 4)).astype(np.float32), [0, 3, 1]),
    ]
    cases = []
    for label, z, y in data:
        y = np.array(y)
        f32 = z.dtype == np.float32
        z64 = z.astype(np.float64)
        dz = numerical_gradient(lambda v, y=y: _square_loss(v, y), z64.copy(), h=1e-6)
        cases.append(Case(label, {"z": z, "y": y}, (_square_loss(z64, y), dz.astype(z.dtype)),
                          no_warnings=True, rtol=1e-5 if f32 else 1e-6,
                          atol=1e-7 if f32 else 1e-9))
    wrongs = [
        Wrong("no_slope", "that is dL/ds, the gradient with respect to the sigmoid's OUTPUT "
              "s. The chain rule multiplies it by the sigmoid's slope: "
              "dL/dz = dL/ds * s * (1 - s).", _wrong_sq_no_slope),
        Wrong("slope_of_z", "the sigmoid's slope is s * (1 - s) with s = sigmoid(z), not "
              "z * (1 - z).", _wrong_sq_slope_of_z),
        Wrong("per_sample", "the loss is the mean over all N * classes entries (as "
              "cnnlib.losses.mse_loss): divide by z.size, not by N.", _wrong_sq_per_sample),
        Wrong("no_mean", "your dz is z.size times too large: L is the MEAN of z.size squares, "
              "so dL/ds carries the 1 / z.size of that mean.", _wrong_sq_no_mean),
        Wrong("ce_gradient", "(s - t) / N is section 5's gradient of softmax + cross-entropy, "
              "with s in place of p. It holds for that pair only: there the log cancels the "
              "exponential, and no slope factor is left. For the square loss apply the chain "
              "rule: dL/ds, then times ds/dz.", _wrong_sq_ce_gradient),
        Wrong("eye_float64", "np.eye(C)[y] is float64, so s - t turns float32 scores into "
              "float64. Make the one-hot targets in z's dtype: np.eye(C, dtype=z.dtype)[y].",
              _wrong_sq_eye64),
        Wrong("no_two", "the derivative of (s - t)^2 with respect to s is 2 (s - t): the "
              "factor 2 is missing.", _wrong_sq_no_two),
        Wrong("sign", "the gradient has the wrong sign: (s - t), not (t - s) (raising a "
              "score whose sigmoid is already above its target must raise the loss).",
              _wrong_sq_sign),
    ]
    return run_check("sigmoid_square_loss", fn, cases, wrongs,
                     "dz is the product of two factors, element by element. dL/ds: "
                     "differentiate L = mean((s - t)**2) with respect to one entry of s (the "
                     "mean has z.size terms). ds/dz: the sigmoid's slope, written with s "
                     "(section 3's table). Print both on case 1 and check each by hand.",
                     verbose)


# ------------------------------------------------------------- 3. debug a backward pass
def _forward_parts(x, y, W1, b1, W2, b2):
    a = x @ W1.T + b1
    h = sigmoid(a)
    z = h @ W2.T + b2
    dz = cross_entropy(z, y)[1]
    return a, h, dz


def _two_layer_loss(x, y, W1, b1, W2, b2):
    h = sigmoid(x @ W1.T + b1)
    return cross_entropy(h @ W2.T + b2, y)[0]


def _backward_from(x, h, dz, W2, da_rule, db_rule=None):
    dW2, db2 = dz.T @ h, dz.sum(axis=0)
    dh = dz @ W2
    da = da_rule(dh)
    db1 = da.sum(axis=0) if db_rule is None else db_rule(da)
    return da.T @ x, db1, dW2, db2


def _wrong_planted(x, y, W1, b1, W2, b2):  # the stub's bug: the slope taken at a, not h
    a, h, dz = _forward_parts(x, y, W1, b1, W2, b2)
    return _backward_from(x, h, dz, W2, lambda dh: dh * a * (1 - a))


def _wrong_no_slope(x, y, W1, b1, W2, b2):
    _, h, dz = _forward_parts(x, y, W1, b1, W2, b2)
    return _backward_from(x, h, dz, W2, lambda dh: dh)


def _wrong_mean_bias(x, y, W1, b1, W2, b2):  # "fixed" the wrong line: db1 averaged, bug kept
    a, h, dz = _forward_parts(x, y, W1, b1, W2, b2)
    return _backward_from(x, h, dz, W2, lambda dh: dh * a * (1 - a),
                          lambda da: da.mean(axis=0))


def _wrong_sigmoid_of_h(x, y, W1, b1, W2, b2):  # slope as sigmoid'(h): the sigmoid applied twice
    _, h, dz = _forward_parts(x, y, W1, b1, W2, b2)
    s = sigmoid(h)
    return _backward_from(x, h, dz, W2, lambda dh: dh * s * (1 - s))


def check_two_layer_backward(fn, verbose=True):
    """Check ``fn(x, y, W1, b1, W2, b2)`` -> (dW1, db1, dW2, db2) of the mean cross-entropy of
    x -> sigmoid(x @ W1.T + b1) -> @ W2.T + b2. Expected: central differences (float64).

    Prints the result; returns a CheckResult. Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    rng = np.random.default_rng(5)
    shapes = [("4 samples, 3 inputs, 5 hidden units, 3 classes", 4, 3, 5, 3, 1.0),
              ("one sample", 1, 4, 3, 2, 1.0),
              ("one hidden unit", 5, 3, 1, 4, 1.0),
              ("6 samples, 10 classes", 6, 4, 6, 10, 1.0),
              ("large pre-activations (|a| up to ~10)", 4, 3, 4, 3, 4.0)]
    cases = []
    for label, N, D, H, C, scale in shapes:
        x = rng.normal(scale=scale, size=(N, D))
        y = rng.integers(0, C, size=N)
        params = [rng.normal(size=(H, D)), rng.normal(size=H), rng.normal(size=(C, H)),
                  rng.normal(size=C)]
        expected = []
        for k in range(4):
            work = [p.copy() for p in params]
            expected.append(numerical_gradient(
                lambda _, x=x, y=y, work=work: _two_layer_loss(x, y, *work), work[k],
                h=1e-6))
        inputs = dict(zip(("x", "y", "W1", "b1", "W2", "b2"), (x, y, *params), strict=True))
        cases.append(Case(label, inputs, tuple(expected), rtol=1e-6, atol=1e-9))
    wrongs = [
        Wrong("planted", "dW2 and db2 are already right; dW1 and db1 are not. So the bug is "
              "on a line that dW1 needs and dW2 does not: dh or da. Compare each with the "
              "chain rule of section 6, symbol by symbol.",
              _wrong_planted),
        Wrong("no_slope", "da = dh * (the sigmoid's slope at a), and that slope is h * (1 - h) "
              "with h = sigmoid(a): it cannot be dropped.", _wrong_no_slope),
        Wrong("mean_bias", "the bias gradient SUMS over the batch (the 1/N is already in dz); "
              "db1 was not the bug. Look at the line that computes da.", _wrong_mean_bias),
        Wrong("sigmoid_of_h", "h is already sigmoid(a): the slope is h * (1 - h), without "
              "applying the sigmoid again.", _wrong_sigmoid_of_h),
    ]
    return run_check("two_layer_backward", fn, cases, wrongs,
                     "check each gradient with numerical_gradient (section 6); the first wrong "
                     "one, going backwards from the loss, shows the line to look at.", verbose)


# ------------------------------------------------------------- 4. design: XOR
def _classes(out):
    """The checker's reading of the scores: 1.0 where score > 0, else 0.0 (NaN stays NaN).
    Anything that is not a 1-D array of numbers (or (N, 1)) is passed on unchanged, so that
    the usual sentence about a wrong type is printed."""
    arr = out
    if isinstance(out, list | tuple):
        try:
            arr = np.asarray(out, dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            return out
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "iuf":
        return out
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        return out
    arr = arr.astype(np.float64)
    return np.where(np.isfinite(arr), (arr > 0).astype(np.float64), np.nan)


def _run_xor(fn, x):
    return _classes(fn(x))


def _net(W1, b1, W2, b2):
    W1, b1, W2, b2 = (np.array(v, dtype=np.float64) for v in (W1, b1, W2, b2))
    return lambda x: (np.maximum(x @ W1.T + b1, 0) @ W2.T + b2)[:, 0]


_XOR = _net([[1, 1], [1, 1]], [0, -1], [[1, -2]], [-0.5])
_wrong_zeros = _net([[0, 0], [0, 0]], [0, 0], [[0, 0]], [0])
_wrong_or = _net([[1, 1], [0, 0]], [0, 0], [[1, 0]], [-0.5])
_wrong_and = _net([[1, 1], [0, 0]], [-1, 0], [[1, 0]], [-0.5])
_wrong_xnor = _net([[1, 1], [1, 1]], [0, -1], [[-1, 2]], [0.5])
CORNERS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
NEAR = np.array([[0.1, 0.1], [-0.1, 0.05], [0.1, 0.9], [0.0, 1.1], [-0.1, 0.9], [0.9, 0.0],
                 [1.1, -0.1], [0.9, 0.1], [0.9, 0.9], [1.1, 1.1], [0.9, 1.1]])


def _point(p):
    return f"({p[0]:g}, {p[1]:g})"


def _xor_hints(fn):
    """Hints that quote the learner's scores: (or, margin, scores). or: at (1, 1); margin
    (None unless the corners are right and a point near them is not): the points that tip
    over; scores (None if fn cannot be probed): the four corners."""
    corners, near = _probe(fn, CORNERS), _probe(fn, NEAR)
    if corners is None:
        return None, None, None
    or_hint = (f"your score at (1, 1) is {corners[3]:+.2f}: XOR(1, 1) = 0 needs a score below "
               "0, so your network computes OR. A hidden unit that fires only when BOTH inputs "
               "are on, like relu(x1 + x2 - 1) (0 at the other three corners, 1 at (1, 1)), "
               "must pull that score below 0 through its weight in W2: enough to cancel all "
               "that the other units add at (1, 1) (a unit x1 + x2 gives 2 there, not 1).")
    listed = ", ".join(f"{_point(p)}: {v:+.2f}" for p, v in zip(CORNERS, corners, strict=True))
    scores = (f"your scores are {listed}; XOR needs them below, above, above and below 0. "
              "Compute relu(x @ W1.T + b1) @ W2.T + b2 by hand at the corner that is wrong.")
    xor = CORNERS[:, 0] != CORNERS[:, 1]
    if near is None or not np.array_equal(corners > 0, xor):
        return or_hint, None, scores
    expected = np.round(NEAR[:, 0]) != np.round(NEAR[:, 1])
    bad = [f"{_point(p)} scores {v:+.2f}" for p, v, e in zip(NEAR, near, expected, strict=True)
           if (v > 0) != e]
    if not bad:
        return or_hint, None, scores
    closest = float(np.min(np.abs(corners)))
    why = ("A score of exactly 0 counts as 'XOR is 0', so a corner that scores 0 passes while "
           "its neighbour tips over." if closest == 0 else
           f"A corner that scores only {closest:.2f} away from 0 tips over when the input "
           "moves by 0.1.")
    margin = (f"right at the four corners ({listed}), but not within 0.1 of them: "
              f"{' and '.join(bad[:2])}, on the wrong side of 0. {why} Aim for about ±0.5 at "
              "every corner (shift b2): then a nudge of 0.1 cannot flip the sign.")
    return or_hint, margin, scores


def check_xor_scores(fn, verbose=True):
    """Check ``fn(x)``: scores (N,) for x (N, 2) whose sign is x1 XOR x2 (score > 0 means 1),
    on the four corners and on points within 0.1 of them.

    Prints the result; returns a CheckResult. Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    corners, near = CORNERS, NEAR
    data = [
        ("the four corners (got: 1 where your score > 0, else 0)", corners),
        ("the corners in another order, each twice", np.vstack([corners[::-1], corners])),
        ("points within 0.1 of the corners (a small margin)", near),
        ("the single point (1, 0)", np.array([[1.0, 0.0]])),
    ]
    cases = [Case(label, {"x": x}, _classes(_XOR(x)), run=_run_xor, check_dtype=False)
             for label, x in data]
    static_or = ("your network says 1 at (1, 1) too: that is OR. Add a hidden unit that fires "
                 "only when BOTH inputs are on, with a negative weight in W2.")
    generic = ("compute score = relu(x @ W1.T + b1) @ W2.T + b2 by hand at (0, 0), (0, 1), "
               "(1, 0) and (1, 1), and check its sign at each.")
    wrongs = [
        Wrong("zeros", "every score is 0 (or below): with all-zero weights the network "
              "answers 0 everywhere. Choose W1, b1, W2, b2 yourself.", _wrong_zeros),
        Wrong("or", static_or, _wrong_or),
        Wrong("and", "your network says 1 only for (1, 1): that is AND. XOR is 'OR but not "
              "AND': one hidden unit for each, with opposite signs in W2.", _wrong_and),
        Wrong("xnor", "every answer is the opposite of XOR: multiply W2 and b2 by -1.",
              _wrong_xnor),
    ]
    result = run_check("xor_scores", fn, cases, wrongs, generic, verbose=False)
    if result.status != "fail" or result.hint not in (static_or, generic):
        return _finish(result, verbose)
    or_hint, margin, scores = _xor_hints(fn)
    if result.variant == "or":
        return _finish(result, verbose, "or", or_hint)
    if margin is not None and cases[result.case - 1].inputs["x"] is near:
        return _finish(result, verbose, "margin", margin)
    return _finish(result, verbose, None, scores)


# ------------------------------------------------------------- the texts
_TWO_LAYER_DOC = (
    '    """Gradients (dW1, db1, dW2, db2) of the mean cross-entropy of the network\n'
    '    x -> a = x @ W1.T + b1 -> h = sigmoid(a) -> z = h @ W2.T + b2, labels y."""\n')
_TWO_LAYER_HEAD = (
    '    a = x @ W1.T + b1\n'
    '    h = 1 / (1 + np.exp(-a))\n'
    '    z = h @ W2.T + b2\n'
    '    p = np.exp(z - z.max(axis=1, keepdims=True))\n'
    '    p = p / p.sum(axis=1, keepdims=True)                # softmax\n'
    '    dz = p.copy()\n'
    '    dz[np.arange(len(y)), y] -= 1\n'
    '    dz = dz / len(y)                                    # (p - onehot(y)) / N\n'
    '    dW2 = dz.T @ h\n'
    '    db2 = dz.sum(axis=0)\n'
    '    dh = dz @ W2\n')
_TWO_LAYER_TAIL = (
    '    dW1 = da.T @ x\n'
    '    db1 = da.sum(axis=0)\n'
    '    return dW1, db1, dW2, db2\n')

_XOR_DOC = ('    """Scores (N,) of a 2-2-1 ReLU network for x (N, 2): score > 0 means '
            '"x1 XOR x2 is 1"."""\n')
_XOR_FORWARD = (
    '    h = np.maximum(x @ W1.T + b1, 0)        # hidden layer: 2 ReLU units\n'
    '    return (h @ W2.T + b2)[:, 0]            # one score per sample\n')

EXERCISES = [
    Exercise(
        "log_sigmoid", "log σ(x) without -inf (write)",
        "Section 3 showed that `np.log(sigmoid(-1000.0))` is `-inf`, even with the stable "
        "sigmoid, although the true value is about -1000. Binary classifiers need exactly this "
        "number, log σ(x). Write `log_sigmoid(x)` for any float array: the same values as "
        "`np.log(sigmoid(x))` where that works, finite for `x = ±1000`, no numpy warning, "
        "`x`'s dtype kept. Start from `log σ(x) = -log(1 + e^(-x))` and find a second form "
        "that is safe for `x < 0` (multiply the fraction by `e^x / e^x`). `np.log1p(v)` "
        "computes `log(1 + v)`.",
        'def log_sigmoid(x):\n'
        '    """log(sigmoid(x)) of a float array, element-wise, finite; same shape and dtype."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def log_sigmoid(x):\n'
        '    """log(sigmoid(x)) of a float array, element-wise, finite; same shape and dtype."""\n'
        '    # x >= 0: -log(1 + e^-x);  x < 0: x - log(1 + e^x). Both are\n'
        '    # min(x, 0) - log(1 + e^-|x|), and e^-|x| lies in (0, 1]: nothing overflows.\n'
        '    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))\n'),
    Exercise(
        "sigmoid_square_loss", "The seed's square loss, backwards (write: chain rule)",
        "The first seed names the **square loss** beside cross-entropy. Put it on top of a "
        "sigmoid per class: `s = sigmoid(z)`, `t = onehot(y)`, `L = mean((s - t)**2)` over all "
        "`N * classes` entries (as `cnnlib.losses.mse_loss`). Write "
        "`sigmoid_square_loss(z, y)` returning `(L, dz)` with `dz = dL/dz` of the shape and "
        "dtype of `z`. Make the targets in `z`'s dtype, `t = np.eye(C, dtype=z.dtype)[y]` "
        "with `C = z.shape[1]`: section 5's `np.eye(C)[y]` is float64 and would turn float32 "
        "scores into float64. Derive `dz` with the chain rule first: `dL/ds`, then `ds/dz`. "
        "The checker compares your `dz` with central differences.\n\n"
        "Then take a confidently wrong network, `z = np.array([[-8.0, 8.0]])`, "
        "`y = np.array([0])`, and compare how hard three losses push the true class's score "
        "up (`dz[0, 0]`): your sigmoid + square loss; sigmoid + **binary cross-entropy**, "
        "`L = -mean(t log s + (1 - t) log(1 - s))` over the same entries, whose gradient is "
        "`dz = (s - t) / z.size` (check it with the chain rule); and section 5's softmax + "
        "cross-entropy. From the first to the last, two things change: sigmoid becomes "
        "softmax, and the square loss becomes cross-entropy. Which change makes the "
        "difference?",
        'def sigmoid_square_loss(z, y):\n'
        '    """z (N, classes) scores, y (N,) labels -> (mean square loss, dz (N, classes))."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def sigmoid_square_loss(z, y):\n'
        '    """z (N, classes) scores, y (N,) labels -> (mean square loss, dz (N, classes))."""\n'
        '    s = 1 / (1 + np.exp(-z))                 # safe for |z| < 700\n'
        '    t = np.eye(z.shape[1], dtype=z.dtype)[y]  # one-hot targets, in z\'s dtype\n'
        '    loss = float(np.mean((s - t) ** 2))\n'
        '    ds = 2 * (s - t) / z.size                # dL/ds\n'
        '    dz = ds * s * (1 - s)                    # chain rule: ds/dz = s (1 - s)\n'
        '    return loss, dz\n'
        '\n'
        '# z = [[-8, 8]], y = [0]: the push dz[0, 0] on the true class\'s score\n'
        '#   sigmoid + square loss          -0.00034  (the slope s (1 - s) = 0.00034 stays in)\n'
        '#   sigmoid + binary cross-entropy -0.50     ((s - t) / 2: about 1,500 times more)\n'
        '#   softmax + cross-entropy        -1.0      (its mean is over N = 1 sample, not over\n'
        '#                                             2 entries: the factor 2 is only that)\n'
        '# The loss makes the difference, not sigmoid vs softmax: the log of cross-entropy\n'
        '# cancels the exponential inside the sigmoid (or softmax); the square loss keeps its\n'
        '# flat slope. A confidently wrong sigmoid + square loss barely learns.\n'),
    Exercise(
        "two_layer_backward", "Find the bug in a backward pass (debug)",
        "Below is a backward pass for section 6's network, written in plain numpy. It runs, "
        "its shapes are right, and yet one line is wrong. Delete the `raise` line and run the "
        "check: which of the four gradients are wrong? Backpropagation runs from the loss "
        "backwards, so the bug sits on a line that the wrong gradients need and the right "
        "ones do not. Find it with the chain rule of section 6 (or with "
        "`cnnlib.gradcheck.numerical_gradient` on each parameter), fix it, run the check "
        "again.",
        'def two_layer_backward(x, y, W1, b1, W2, b2):\n' + _TWO_LAYER_DOC
        + '    raise NotImplementedError  # your code here\n'
        '    # Delete the line above. The code below runs, but one line is wrong.\n'
        + _TWO_LAYER_HEAD
        + '    da = dh * a * (1 - a)\n'
        + _TWO_LAYER_TAIL,
        'def two_layer_backward(x, y, W1, b1, W2, b2):\n' + _TWO_LAYER_DOC
        + _TWO_LAYER_HEAD
        + '    da = dh * h * (1 - h)      # the slope of the sigmoid at a is h (1 - h), '
        'not a (1 - a)\n'
        + _TWO_LAYER_TAIL),
    Exercise(
        "xor_scores", "Design a network that computes XOR (design)",
        "**XOR** of two bits is 1 when exactly one of them is 1: (0, 0) -> 0, (0, 1) -> 1, "
        "(1, 0) -> 1, (1, 1) -> 0. No single layer `x @ W.T + b` can compute it (no straight "
        "line separates {(0, 1), (1, 0)} from {(0, 0), (1, 1)}), but one hidden layer of two "
        "ReLU units can. Choose the numbers in `W1, b1, W2, b2` below so that the score is "
        "above 0 exactly when XOR is 1, also for inputs up to 0.1 away from the corners. "
        "Design it on paper: what could each hidden unit detect?",
        'def xor_scores(x):\n' + _XOR_DOC
        + '    raise NotImplementedError  # your code here\n'
        '    # Delete the line above, then choose the numbers (keep the shapes).\n'
        '    W1 = np.array([[0.0, 0.0],\n'
        '                   [0.0, 0.0]])             # (2 hidden units, 2 inputs)\n'
        '    b1 = np.array([0.0, 0.0])               # (2,)\n'
        '    W2 = np.array([[0.0, 0.0]])             # (1 output, 2 hidden units)\n'
        '    b2 = np.array([0.0])                    # (1,)\n'
        + _XOR_FORWARD,
        'def xor_scores(x):\n' + _XOR_DOC
        + '    # unit 1: x1 + x2 (how many inputs are on); unit 2: on only when both are\n'
        '    W1 = np.array([[1.0, 1.0],\n'
        '                   [1.0, 1.0]])\n'
        '    b1 = np.array([0.0, -1.0])\n'
        '    # score = (x1 + x2) - 2 relu(x1 + x2 - 1) - 0.5: -0.5, 0.5, 0.5, -0.5 at the corners\n'
        '    W2 = np.array([[1.0, -2.0]])\n'
        '    b2 = np.array([-0.5])\n'
        + _XOR_FORWARD),
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
