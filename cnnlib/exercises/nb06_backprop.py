"""Exercises of notebooks/06_backpropagation_through_conv.ipynb: conv backward, gradcheck."""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward, conv2d_forward
from ..gradcheck import numerical_gradient
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_central_difference_gradient", "check_conv_backward_dw",
           "check_conv_backward_dx"]


def _grads(x, k, dout):
    """cnnlib's (dx, dk) of out = corr(x, k) (single channel, valid, stride 1)."""
    _, cache = conv2d_forward(x[None, None], k[None, None])
    dx, dw, _ = conv2d_backward(dout[None, None], cache)
    return dx[0, 0], dw[0, 0]


def _corr(x, k):
    return conv2d_forward(x[None, None], k[None, None])[0][0, 0]


def _data(rng, label, x_shape, k_shape):
    dtype = np.float32 if "float32" in label else np.float64
    x = rng.normal(size=x_shape).astype(dtype)
    k = rng.normal(size=k_shape).astype(dtype)
    H_out, W_out = x_shape[0] - k_shape[0] + 1, x_shape[1] - k_shape[1] + 1
    dout = rng.normal(size=(H_out, W_out)).astype(dtype)
    return x, k, dout, dtype


SHAPES = [
    ("4x4 input, 3x3 kernel: dout is 2x2", (4, 4), (3, 3)),
    ("non-square: 5x6 input, 2x3 kernel", (5, 6), (2, 3)),
    ("1x1 kernel: dout as large as x", (3, 4), (1, 1)),
    ("kernel as large as the input: dout is 1x1", (3, 3), (3, 3)),
    ("float32 stays float32", (5, 5), (3, 3)),
]


def _tol(dtype):
    return 1e-5 if dtype == np.float32 else 1e-7


# ------------------------------------------------------------- dw
def _wrong_dw_rotated(x, dout):
    return _corr(x, dout)[::-1, ::-1]


def _wrong_dw_mean(x, dout):
    return _corr(x, dout) / dout.size


def _wrong_dw_assign(x, dout):  # dk = window * dout[i, j] overwritten at every position
    KH, KW = x.shape[0] - dout.shape[0] + 1, x.shape[1] - dout.shape[1] + 1
    i, j = dout.shape[0] - 1, dout.shape[1] - 1
    return x[i:i + KH, j:j + KW] * dout[i, j]


def check_conv_backward_dw(fn, verbose=True):
    """Check ``fn(x, dout)`` -> dk for out = corr(x, k), valid, stride 1.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    rng = np.random.default_rng(8)
    cases = []
    for label, xs, ks in SHAPES:
        x, k, dout, dtype = _data(rng, label, xs, ks)
        cases.append(Case(label, {"x": x, "dout": dout}, _grads(x, k, dout)[1],
                          rtol=_tol(dtype), atol=_tol(dtype)))
    wrongs = [
        Wrong("rotated", "dw is the cross-correlation of x with dout, with no flip: "
              "dk[u, v] = sum_ij dout[i, j] * x[i + u, j + v]; you rotated it by 180°.",
              _wrong_dw_rotated),
        Wrong("mean", "the gradient SUMS the contributions of every output position; do not "
              "divide by their number.", _wrong_dw_mean),
        Wrong("assign", "every output position contributes: accumulate "
              "dk += dout[i, j] * x[i:i+KH, j:j+KW] over all (i, j) instead of assigning.",
              _wrong_dw_assign),
    ]
    return run_check("conv_backward_dw", fn, cases, wrongs,
                     "dk has shape (H - H_out + 1, W - W_out + 1) and dk[u, v] = "
                     "sum_ij dout[i, j] * x[i + u, j + v].", verbose)


# ------------------------------------------------------------- dx
def _full_corr(dout, k):
    KH, KW = k.shape
    return _corr(np.pad(dout, ((KH - 1, KH - 1), (KW - 1, KW - 1))), k)


def _wrong_dx_no_rotation(dout, k):
    return _full_corr(dout, k)


def _wrong_dx_valid(dout, k):  # no padding: valid correlation with the rotated kernel
    kr = k[::-1, ::-1].copy()
    if dout.shape[0] < k.shape[0] or dout.shape[1] < k.shape[1]:
        return kr[:0, :0]
    return _corr(dout, kr)


def _wrong_dx_assign(dout, k):
    KH, KW = k.shape
    dx = np.zeros((dout.shape[0] + KH - 1, dout.shape[1] + KW - 1), dtype=dout.dtype)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i:i + KH, j:j + KW] = dout[i, j] * k
    return dx


def _wrong_dx_same(dout, k):
    KH, KW = k.shape
    ph, pw = KH // 2, KW // 2
    return _corr(np.pad(dout, ((ph, ph), (pw, pw))), k[::-1, ::-1].copy())


def check_conv_backward_dx(fn, verbose=True):
    """Check ``fn(dout, k)`` -> dx for out = corr(x, k), valid, stride 1.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    rng = np.random.default_rng(9)
    cases = []
    for label, xs, ks in SHAPES:
        x, k, dout, dtype = _data(rng, label, xs, ks)
        cases.append(Case(label, {"dout": dout, "k": k}, _grads(x, k, dout)[0],
                          rtol=_tol(dtype), atol=_tol(dtype)))
    wrongs = [
        Wrong("no_rotation", "you forgot the 180° rotation: dx is the FULL cross-correlation "
              "of dout with k rotated by 180° (k[::-1, ::-1]), i.e. a true convolution.",
              _wrong_dx_no_rotation),
        Wrong("assign", "neighbouring windows overlap: scatter with dx[i:i+KH, j:j+KW] += "
              "dout[i, j] * k; plain = loses the overlapping contributions.", _wrong_dx_assign),
        Wrong("valid", "dx has the shape of x, (H_out + KH - 1, W_out + KW - 1): pad dout "
              "with KH - 1 rows and KW - 1 columns of zeros on each side first ('full').",
              _wrong_dx_valid),
        Wrong("same", "pad dout by K - 1 (not K // 2) on each side, so that dx has the shape "
              "of x.", _wrong_dx_same),
    ]
    return run_check("conv_backward_dx", fn, cases, wrongs,
                     "simplest: dx = zeros of x's shape, then for each (i, j): "
                     "dx[i:i+KH, j:j+KW] += dout[i, j] * k.", verbose)


# ------------------------------------------------------------- numerical gradient
def sum_of_squares(x):
    return float(np.sum(x ** 2))


def sum_of_cubes(x):
    return float(np.sum(x ** 3))


def coupled(x):
    """Every entry interacts with every other one."""
    return float(np.sum(np.arange(1, x.size + 1) * x.ravel()) ** 2 + np.sum(np.sin(x)))


def _wrong_forward(f, x, h=1e-5):
    dx = np.zeros_like(x)
    fx = f(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        dx[i] = (f(x) - fx) / h
        x[i] = old
    return dx


def _wrong_no_restore(f, x, h=1e-5):
    dx = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        fp = f(x)
        x[i] -= 2 * h
        fm = f(x)
        dx[i] = (fp - fm) / (2 * h)
    return dx


def _wrong_over_h(f, x, h=1e-5):
    return numerical_gradient(f, x, h) * 2


def check_central_difference_gradient(fn, verbose=True):
    """Check ``fn(f, x, h)``: central-difference gradient of a scalar function f.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    rng = np.random.default_rng(10)
    data = [
        ("f = sum(x**2) at [1, 2, 3]", sum_of_squares, np.array([1.0, 2.0, 3.0]), 1e-3),
        ("f = sum(x**3) on a 2x3 array", sum_of_cubes, rng.normal(size=(2, 3)), 1e-3),
        ("a function coupling all entries", coupled, rng.normal(size=(3,)), 1e-4),
        ("a single entry", sum_of_cubes, np.array([2.0]), 1e-3),
        ("the default h, a 2x2 array", coupled, rng.normal(size=(2, 2)), 1e-5),
    ]
    cases = [Case(label, {"f": f, "x": x, "h": h}, numerical_gradient(f, x.copy(), h),
                  rtol=1e-6, atol=1e-8) for label, f, x, h in data]
    wrongs = [
        Wrong("forward", "(f(x + h) - f(x)) / h is the one-sided difference (error O(h)); use "
              "the central one, (f(x + h) - f(x - h)) / (2h) (error O(h²)).", _wrong_forward),
        Wrong("no_restore", "restore x[i] to its old value after the two evaluations: "
              "otherwise every later entry is measured at a shifted x.", _wrong_no_restore),
        Wrong("over_h", "divide by 2h: x + h and x - h are 2h apart.", _wrong_over_h),
    ]
    return run_check("central_difference_gradient", fn, cases, wrongs,
                     "for each index i: save x[i], set x[i] + h, f, set x[i] - h, f, restore; "
                     "dx[i] = (f_plus - f_minus) / (2h).", verbose)


EXERCISES = [
    Exercise(
        "conv_backward_dw", "The kernel's gradient",
        "For `out = corr(x, k)` (single channel, valid, stride 1) and the upstream gradient "
        "`dout` (the shape of `out`), write `conv_backward_dw(x, dout)` returning `dk`: every "
        "output `(i, j)` used the window `x[i:i+KH, j:j+KW]`, so it adds "
        "`dout[i, j] * window` to `dk`. The kernel size is `KH = H - H_out + 1`.",
        'def conv_backward_dw(x, dout):\n'
        '    """x (H, W), dout (H_out, W_out) -> dk (H - H_out + 1, W - W_out + 1)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def conv_backward_dw(x, dout):\n'
        '    """x (H, W), dout (H_out, W_out) -> dk (H - H_out + 1, W - W_out + 1)."""\n'
        '    H_out, W_out = dout.shape\n'
        '    KH, KW = x.shape[0] - H_out + 1, x.shape[1] - W_out + 1\n'
        '    dk = np.zeros((KH, KW), dtype=x.dtype)\n'
        '    for i in range(H_out):\n'
        '        for j in range(W_out):\n'
        '            dk += dout[i, j] * x[i:i + KH, j:j + KW]\n'
        '    return dk\n'),
    Exercise(
        "conv_backward_dx", "The input's gradient",
        "Same convolution: write `conv_backward_dx(dout, k)` returning `dx`, of shape "
        "`(H_out + KH - 1, W_out + KW - 1)` (the shape of `x`). Every output `(i, j)` sends "
        "`dout[i, j] * k` back onto the window it read. (Equivalently: the full "
        "cross-correlation of `dout` with `k` rotated by 180°. Try both!)",
        'def conv_backward_dx(dout, k):\n'
        '    """dout (H_out, W_out), k (KH, KW) -> dx (H_out + KH - 1, W_out + KW - 1)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def conv_backward_dx(dout, k):\n'
        '    """dout (H_out, W_out), k (KH, KW) -> dx (H_out + KH - 1, W_out + KW - 1)."""\n'
        '    H_out, W_out = dout.shape\n'
        '    KH, KW = k.shape\n'
        '    dx = np.zeros((H_out + KH - 1, W_out + KW - 1), dtype=dout.dtype)\n'
        '    for i in range(H_out):\n'
        '        for j in range(W_out):\n'
        '            dx[i:i + KH, j:j + KW] += dout[i, j] * k   # windows overlap: +=\n'
        '    return dx\n'),
    Exercise(
        "central_difference_gradient", "A numerical gradient",
        "Write `central_difference_gradient(f, x, h=1e-5)` for a function `f` that takes an "
        "array and returns one number: for every index `i` of `x`, "
        "`dx[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)`, where only entry `i` moves. Change "
        "`x[i]` in place, call `f(x)`, and put `x[i]` back afterwards. `np.ndindex(x.shape)` "
        "walks every index of any shape.",
        'def central_difference_gradient(f, x, h=1e-5):\n'
        '    """Gradient of the scalar f at x by central differences; the shape of x."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def central_difference_gradient(f, x, h=1e-5):\n'
        '    """Gradient of the scalar f at x by central differences; the shape of x."""\n'
        '    dx = np.zeros_like(x)\n'
        '    for i in np.ndindex(x.shape):\n'
        '        old = x[i]\n'
        '        x[i] = old + h\n'
        '        f_plus = f(x)\n'
        '        x[i] = old - h\n'
        '        f_minus = f(x)\n'
        '        x[i] = old                       # put it back before the next index\n'
        '        dx[i] = (f_plus - f_minus) / (2 * h)\n'
        '    return dx\n'),
]

PREDICTIONS = [
    Prediction(
        "GradCheckLab",
        "**Predict, then move the slider.** For a correct backward pass in float64 with "
        "`h = 1e-5` (log10 h = -5), about how large is the relative error between the "
        "analytic and the numerical gradient? Does it go down or up when you slide h to "
        "`1e-12`? And what happens in float32?",
        "Float64, h = 1e-5: far below the 1e-7 the course accepts. With a tiny h the error "
        "goes UP: f(x + h) and f(x - h) then agree in almost all their digits, and rounding "
        "errors (about 1e-16 relative) divided by 2h dominate. Float32 rounds at about 1e-7, "
        "so even with h = 1e-5 the error is around 1e-3: gradient checks are done in "
        "float64."),
]
