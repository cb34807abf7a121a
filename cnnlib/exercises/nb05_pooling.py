"""Exercises of notebooks/05_pooling.ipynb: max pooling forward and backward."""

from __future__ import annotations

import numpy as np

from ..pool import avg_pool2d_forward, max_pool2d_backward, max_pool2d_forward
from ..shapes import pool_output_size
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_max_pool2d", "check_max_pool2d_grad"]


def _ref(x, kernel_size, stride=None):
    return max_pool2d_forward(x[None, None], kernel_size, stride)[0][0, 0]


def _windows(x, K, S):
    """Yield (i, j, window) over the floor-sized output grid."""
    H_out, W_out = (x.shape[0] - K) // S + 1, (x.shape[1] - K) // S + 1
    for i in range(H_out):
        for j in range(W_out):
            yield i, j, x[i * S:i * S + K, j * S:j * S + K]


# ------------------------------------------------------------- forward
def _wrong_avg(x, kernel_size, stride=None):
    return avg_pool2d_forward(x[None, None], kernel_size, stride)[0][0, 0]


def _wrong_default_stride_1(x, kernel_size, stride=None):
    return _ref(x, kernel_size, 1 if stride is None else stride)


def _wrong_stride_is_k(x, kernel_size, stride=None):
    return _ref(x, kernel_size, kernel_size)


def _wrong_ceil(x, kernel_size, stride=None):
    S = kernel_size if stride is None else stride
    H_out = -(-(x.shape[0] - kernel_size) // S) + 1
    W_out = -(-(x.shape[1] - kernel_size) // S) + 1
    out = np.empty((H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = x[i * S:i * S + kernel_size, j * S:j * S + kernel_size].max()
    return out


def _wrong_sum(x, kernel_size, stride=None):
    return _wrong_avg(x, kernel_size, stride) * kernel_size ** 2


def check_max_pool2d(fn, verbose=True):
    """Check ``fn(x, kernel_size, stride=None)``: max pooling of a 2-D array (floor mode).

    Prints the result; returns a CheckResult. Introduced in notebooks/05_pooling.ipynb.
    """
    rng = np.random.default_rng(6)
    data = [
        ("4x4, 2x2 windows, stride None (= 2)", (4, 4), 2, None),
        ("5x5, 2x2 stride 2: the last row and column are dropped", (5, 5), 2, 2),
        ("overlapping windows: 5x5, 3x3 stride 1", (5, 5), 3, 1),
        ("non-square 4x6, 2x2 stride 1", (4, 6), 2, 1),
        ("1x1 windows: nothing changes", (3, 2), 1, 1),
        ("6x7, 3x3 stride 2", (6, 7), 3, 2),
        ("float32 stays float32", (4, 4), 2, 2),
    ]
    cases = []
    for label, shape, k, s in data:
        x = rng.normal(size=shape).astype(np.float32 if "float32" in label else np.float64)
        cases.append(Case(label, {"x": x, "kernel_size": k, "stride": s}, _ref(x, k, s)))
    wrongs = [
        Wrong("avg", "you averaged the window: max pooling keeps its LARGEST value "
              "(window.max()).", _wrong_avg),
        Wrong("sum", "you summed the window: max pooling keeps its largest value.", _wrong_sum),
        Wrong("default_stride_1", "stride=None means stride = kernel_size (as in PyTorch), not "
              "1: the windows do not overlap by default.", _wrong_default_stride_1),
        Wrong("stride_is_k", "the stride argument is ignored: use it when it is given, and "
              "kernel_size only when it is None.", _wrong_stride_is_k),
        Wrong("ceil", "a window that does not fit is dropped: H_out = (H - K) // S + 1 "
              "(floor), so leftover rows and columns are ignored.", _wrong_ceil),
    ]
    return run_check("max_pool2d", fn, cases, wrongs,
                     "S = kernel_size if stride is None else stride; H_out = (H - K) // S + 1; "
                     "out[i, j] = x[i*S:i*S+K, j*S:j*S+K].max().", verbose)


# ------------------------------------------------------------- backward
def _ref_backward(dout, x, kernel_size, stride=None):
    _, cache = max_pool2d_forward(x[None, None], kernel_size, stride)
    return max_pool2d_backward(dout[None, None], cache)[0, 0]


def _wrong_assign(dout, x, kernel_size, stride=None):
    S = kernel_size if stride is None else stride
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, kernel_size, S):
        a, b = np.unravel_index(np.argmax(win), win.shape)
        dx[i * S + a, j * S + b] = dout[i, j]
    return dx


def _wrong_spread(dout, x, kernel_size, stride=None, scale=None):
    S = kernel_size if stride is None else stride
    dx = np.zeros_like(x)
    share = 1.0 / kernel_size ** 2 if scale is None else scale
    for i, j, _ in _windows(x, kernel_size, S):
        dx[i * S:i * S + kernel_size, j * S:j * S + kernel_size] += dout[i, j] * share
    return dx


def _wrong_swapped_index(dout, x, kernel_size, stride=None):
    S = kernel_size if stride is None else stride
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, kernel_size, S):
        k = int(np.argmax(win))
        a, b = k % kernel_size, k // kernel_size
        dx[i * S + a, j * S + b] += dout[i, j]
    return dx


def check_max_pool2d_grad(fn, verbose=True):
    """Check ``fn(dout, x, kernel_size, stride=None)`` -> dx of max pooling (2-D arrays).

    Prints the result; returns a CheckResult. Introduced in notebooks/05_pooling.ipynb.
    """
    rng = np.random.default_rng(7)
    shared = rng.normal(size=(4, 4))
    shared[2, 2] = 5.0  # the max of all four 3x3 windows
    data = [
        ("4x4, 2x2 windows that do not overlap", rng.normal(size=(4, 4)), 2, None),
        ("overlapping 3x3 windows (stride 1) sharing one maximum", shared, 3, 1),
        ("5x5, 2x2 stride 2: last row and column get no gradient", rng.normal(size=(5, 5)), 2, 2),
        ("5x5, 3x3 stride 2: windows overlap on row and column 2", rng.normal(size=(5, 5)), 3, 2),
        ("non-square 3x6, 2x2 stride 1", rng.normal(size=(3, 6)), 2, 1),
        ("float32 stays float32", rng.normal(size=(4, 4)).astype(np.float32), 2, 2),
    ]
    cases = []
    for label, x, k, s in data:
        dout = rng.normal(size=_ref(x, k, s).shape).astype(x.dtype)
        cases.append(Case(label, {"dout": dout, "x": x, "kernel_size": k, "stride": s},
                          _ref_backward(dout, x, k, s)))
    wrongs = [
        Wrong("assign", "overlapping windows can pick the same input: ACCUMULATE with "
              "dx[r, c] += dout[i, j]; plain = keeps only the last window's gradient.",
              _wrong_assign),
        Wrong("spread", "that is average pooling's backward: in max pooling only the input "
              "that won the window gets dout[i, j]; the others get 0.", _wrong_spread),
        Wrong("spread_all", "every input of the window got the whole dout[i, j]: only the "
              "maximum (np.argmax of the window) should receive it.",
              lambda dout, x, kernel_size, stride=None: _wrong_spread(dout, x, kernel_size,
                                                                      stride, 1.0)),
        Wrong("swapped_index", "the winner's position is mixed up: np.argmax flattens the "
              "window row by row, so use a, b = np.unravel_index(k, window.shape) (row, "
              "column).", _wrong_swapped_index),
    ]
    return run_check("max_pool2d_grad", fn, cases, wrongs,
                     "dx starts at zeros; for each window, find its argmax (row a, column b) "
                     "and do dx[i*S + a, j*S + b] += dout[i, j].", verbose)


EXERCISES = [
    Exercise(
        "max_pool2d", "Max pooling, forward",
        "Write `max_pool2d(x, kernel_size, stride=None)` for a 2-D array `x` `(H, W)` and "
        "square windows: `stride=None` means `stride = kernel_size` (as in PyTorch); the output "
        "has `(H - K) // S + 1` rows (windows that do not fit are dropped) and keeps `x`'s "
        "dtype.",
        'def max_pool2d(x, kernel_size, stride=None):\n'
        '    """x (H, W) -> (H_out, W_out), H_out = (H - K) // S + 1, the max of each window."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def max_pool2d(x, kernel_size, stride=None):\n'
        '    """x (H, W) -> (H_out, W_out), H_out = (H - K) // S + 1, the max of each window."""\n'
        '    K = kernel_size\n'
        '    S = K if stride is None else stride\n'
        '    H_out, W_out = (x.shape[0] - K) // S + 1, (x.shape[1] - K) // S + 1\n'
        '    out = np.zeros((H_out, W_out), dtype=x.dtype)\n'
        '    for i in range(H_out):\n'
        '        for j in range(W_out):\n'
        '            out[i, j] = x[i * S:i * S + K, j * S:j * S + K].max()\n'
        '    return out\n'),
    Exercise(
        "max_pool2d_grad", "Max pooling, backward (with overlapping windows)",
        "Write `max_pool2d_grad(dout, x, kernel_size, stride=None)`: `dout` has the shape "
        "of the pooled output, and the result `dx` has the shape of `x`. Each `dout[i, j]` "
        "goes to the input that won window `(i, j)` (the first maximum, as `np.argmax` gives "
        "it); everything else gets 0. When windows overlap, one input can win several "
        "windows.",
        'def max_pool2d_grad(dout, x, kernel_size, stride=None):\n'
        '    """dout (H_out, W_out), x (H, W) -> dx (H, W)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def max_pool2d_grad(dout, x, kernel_size, stride=None):\n'
        '    """dout (H_out, W_out), x (H, W) -> dx (H, W)."""\n'
        '    K = kernel_size\n'
        '    S = K if stride is None else stride\n'
        '    dx = np.zeros_like(x)\n'
        '    for i in range(dout.shape[0]):\n'
        '        for j in range(dout.shape[1]):\n'
        '            window = x[i * S:i * S + K, j * S:j * S + K]\n'
        '            a, b = np.unravel_index(np.argmax(window), window.shape)\n'
        '            dx[i * S + a, j * S + b] += dout[i, j]   # += : windows may share a winner\n'
        '    return dx\n'),
]

PREDICTIONS = [
    Prediction(
        "PoolingExplorer",
        "**Predict, then move the sliders.** A 2x2 max pool with stride 2 turns a 32x32x12 "
        "volume into what shape? On the `numbers 6x6` grid with a 3x3 window and stride 2, "
        "how many outputs are there per side, and which rows and columns are never read? "
        "Pick the 32x32 photo, then the grid, set the sliders and check.",
        f"32x32x12 -> {pool_output_size(32, 2)}x{pool_output_size(32, 2)}x12: pooling works "
        "on each channel separately, so the depth stays 12. On the 6x6 grid, "
        f"(6 - 3) // 2 + 1 = {pool_output_size(6, 3, stride=2)} per side: the windows cover "
        "rows 0-2 and 2-4 (row 2 is shared by two windows), and the last row and column "
        "fit no window, so they are never read."),
]
