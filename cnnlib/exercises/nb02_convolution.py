"""Exercises of notebooks/02_convolution.ipynb: the convolution loop, channels, output size."""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_forward
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_conv2d_multi_channel", "check_conv2d_single_channel",
           "check_conv_output_shape"]


def _rng():
    return np.random.default_rng(2)


def _conv(x, w, b=None):
    """cnnlib's answer for one image: x (C, H, W), w (F, C, KH, KW) -> (F, H_out, W_out)."""
    return conv2d_forward(x[None], w, b)[0][0]


def _ref_single(x, k):
    return _conv(x[None], k[None, None])[0]


# ------------------------------------------------------------- single channel
def _wrong_flipped(x, k):
    return _ref_single(x, k[::-1, ::-1].copy())


def _wrong_short(x, k):  # range(H - KH) instead of range(H - KH + 1)
    return _ref_single(x, k)[:-1, :-1]


def _wrong_transposed(x, k):
    return _ref_single(x, k).T


def _wrong_same(x, k):  # zero-padded "same" output
    ph, pw = (k.shape[0] - 1) // 2, (k.shape[1] - 1) // 2
    xp = np.pad(x, ((ph, k.shape[0] - 1 - ph), (pw, k.shape[1] - 1 - pw)))
    return _ref_single(xp, k)


def _wrong_elementwise_sum(x, k):  # summed window + kernel instead of window * kernel
    H, W = x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1
    out = np.zeros((H, W), dtype=x.dtype)
    for i in range(H):
        for j in range(W):
            out[i, j] = np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] + k)
    return out


def check_conv2d_single_channel(fn, verbose=True):
    """Check ``fn(x, k)``: valid cross-correlation of x (H, W) with k (KH, KW).

    Prints the result; returns a CheckResult. Introduced in notebooks/02_convolution.ipynb.
    """
    rng = _rng()
    x44 = np.arange(16, dtype=np.float64).reshape(4, 4)
    k33 = np.array([[1.0, 0, -1], [2, 0, -2], [1, 0, -1]])
    arrays = [
        ("4x4 input, 3x3 Sobel kernel (the 2x2 example)", x44, k33),
        ("5x5 input, 3x3 asymmetric kernel", rng.normal(size=(5, 5)),
         np.arange(9.0).reshape(3, 3) - 4),
        ("non-square: 5x7 input, 2x3 kernel", rng.normal(size=(5, 7)),
         rng.normal(size=(2, 3))),
        ("1x1 kernel (output = 2.5 * x)", rng.normal(size=(3, 4)), np.array([[2.5]])),
        ("kernel as large as the input: one output", rng.normal(size=(3, 3)),
         rng.normal(size=(3, 3))),
        ("a 6x1 column with a 3x1 kernel", rng.normal(size=(6, 1)), np.array([[1.0], [2], [3]])),
        ("float32 in, float32 out", rng.normal(size=(4, 5)).astype(np.float32),
         rng.normal(size=(2, 2)).astype(np.float32)),
    ]
    cases = [Case(label, {"x": x, "k": k}, _ref_single(x, k),
                  rtol=1e-5 if x.dtype == np.float32 else 1e-6) for label, x, k in arrays]
    wrongs = [
        Wrong("flipped", "you flipped the kernel: that is true convolution. Frameworks and this "
              "course compute cross-correlation: out[i, j] = sum(x[i:i+KH, j:j+KW] * k).",
              _wrong_flipped),
        Wrong("short", "one row and one column are missing: there are H - KH + 1 window "
              "positions, so loop over range(H - KH + 1) (and W - KW + 1).", _wrong_short),
        Wrong("transposed", "rows and columns are swapped: out[i, j] uses rows i..i+KH-1 and "
              "columns j..j+KW-1 of x.", _wrong_transposed),
        Wrong("same", "the output is as large as the input: this exercise asks for the 'valid' "
              "convolution (no padding), with H - KH + 1 rows.", _wrong_same),
        Wrong("added", "multiply the window by the kernel element by element, then sum: "
              "np.sum(window * k), not np.sum(window + k).", _wrong_elementwise_sum),
    ]
    return run_check("conv2d_single_channel", fn, cases, wrongs,
                     "compare your loop with out[i, j] = sum(x[i:i+KH, j:j+KW] * k) on the "
                     "case above, by hand for one output value.", verbose)


# ------------------------------------------------------------- multi channel
def _wrong_no_bias(x, w, b):
    return _conv(x, w)


def _wrong_first_channel(x, w, b):
    return _conv(x[:1], w[:, :1], b)


def _wrong_mean_channels(x, w, b):
    return (_conv(x, w) / x.shape[0] + b[:, None, None]).astype(x.dtype)


def _wrong_bias_per_channel(x, w, b):
    return _conv(x, w) + x.shape[0] * b[:, None, None]


def _wrong_flipped_multi(x, w, b):
    return _conv(x, w[:, :, ::-1, ::-1].copy(), b)


def check_conv2d_multi_channel(fn, verbose=True):
    """Check ``fn(x, w, b)``: x (C, H, W), w (F, C, KH, KW), b (F,) -> (F, H_out, W_out).

    Prints the result; returns a CheckResult. Introduced in notebooks/02_convolution.ipynb.
    """
    rng = _rng()
    shapes = [
        ("RGB 4x4 image, 2 filters of 3x3x3", (3, 4, 4), (2, 3, 3, 3)),
        ("one input channel, one filter", (1, 5, 5), (1, 1, 3, 3)),
        ("non-square: 2 channels of 5x6, 4 filters of 2x3", (2, 5, 6), (4, 2, 2, 3)),
        ("1x1 kernels mix channels only", (3, 3, 4), (2, 3, 1, 1)),
        ("kernel as large as the image: one value per filter", (2, 3, 3), (3, 2, 3, 3)),
        ("float32 in, float32 out", (2, 4, 4), (2, 2, 3, 3)),
    ]
    cases = []
    for label, xs, ws in shapes:
        dtype = np.float32 if "float32" in label else np.float64
        x = rng.normal(size=xs).astype(dtype)
        w = rng.normal(size=ws).astype(dtype)
        b = rng.normal(size=ws[0]).astype(dtype)
        cases.append(Case(label, {"x": x, "w": w, "b": b}, _conv(x, w, b),
                          rtol=1e-5 if dtype == np.float32 else 1e-6))
    wrongs = [
        Wrong("no_bias", "the bias is missing: add b[f] once to every output of filter f.",
              _wrong_no_bias),
        Wrong("bias_per_channel", "the bias was added once per input channel: add b[f] once, "
              "after summing over the channels.", _wrong_bias_per_channel),
        Wrong("first_channel", "only the first input channel counts: sum the products over "
              "all C channels, out[f] = sum_c corr(x[c], w[f, c]) + b[f].", _wrong_first_channel),
        Wrong("mean_channels", "you averaged over the channels: a filter SUMS its C channel "
              "responses (no division by C).", _wrong_mean_channels),
        Wrong("flipped", "you flipped the kernels: that is true convolution; frameworks and "
              "this course compute cross-correlation (no flip).", _wrong_flipped_multi),
    ]
    return run_check("conv2d_multi_channel", fn, cases, wrongs,
                     "each output channel f is sum over c of the cross-correlation of x[c] with "
                     "w[f, c], plus b[f]; check the shapes first: (F, H - KH + 1, W - KW + 1).",
                     verbose)


# ------------------------------------------------------------- output shape
def _wrong_shape_minus(x_shape, w_shape):
    N, _, H, W = x_shape
    return (N, w_shape[0], H - w_shape[2], W - w_shape[3])


def _wrong_shape_channels(x_shape, w_shape):
    N, C, H, W = x_shape
    return (N, C, H - w_shape[2] + 1, W - w_shape[3] + 1)


def _wrong_shape_square(x_shape, w_shape):
    N, _, H, W = x_shape
    return (N, w_shape[0], H - w_shape[2] + 1, H - w_shape[2] + 1)


def _wrong_shape_plus(x_shape, w_shape):
    N, _, H, W = x_shape
    return (N, w_shape[0], H + w_shape[2] - 1, W + w_shape[3] - 1)


def check_conv_output_shape(fn, verbose=True):
    """Check ``fn(x_shape, w_shape)`` -> (N, F, H_out, W_out) of a valid stride-1 conv.

    Prints the result; returns a CheckResult. Introduced in notebooks/02_convolution.ipynb.
    """
    pairs = [
        ("a 4x4 image, a 3x3 kernel", (1, 1, 4, 4), (1, 1, 3, 3)),
        ("RGB 128x128, 16 filters of 3x3", (8, 3, 128, 128), (16, 3, 3, 3)),
        ("non-square 28x20 image, 5x3 kernels", (2, 1, 28, 20), (6, 1, 5, 3)),
        ("1x1 kernel keeps the size", (4, 32, 7, 9), (64, 32, 1, 1)),
        ("kernel as large as the input", (1, 3, 5, 5), (10, 3, 5, 5)),
    ]
    cases = []
    for label, xs, ws in pairs:
        expected = (xs[0], ws[0], xs[2] - ws[2] + 1, xs[3] - ws[3] + 1)
        cases.append(Case(label, {"x_shape": xs, "w_shape": ws}, expected))
    wrongs = [
        Wrong("minus", "off by one: a K-wide kernel fits W - K + 1 times (W - K counts the "
              "steps between positions, not the positions).", _wrong_shape_minus),
        Wrong("channels", "the output has one channel per FILTER (w_shape[0] = F), not one per "
              "input channel: each filter sums over all C input channels.",
              _wrong_shape_channels),
        Wrong("square", "height and width can differ: use H and KH for the rows, W and KW for "
              "the columns.", _wrong_shape_square),
        Wrong("plus", "a valid convolution shrinks the image: W - K + 1, not W + K - 1 (that "
              "is the 'full' size).", _wrong_shape_plus),
    ]
    return run_check("conv_output_shape", fn, cases, wrongs,
                     "x_shape is (N, C, H, W), w_shape is (F, C, KH, KW); the answer is "
                     "(N, F, H - KH + 1, W - KW + 1) as a tuple of ints.", verbose)


EXERCISES = [
    Exercise(
        "conv2d_single_channel", "One channel, one kernel, with loops",
        "Write `conv2d_single_channel(x, k)` for a grey image `x` of shape `(H, W)` and a kernel "
        "`k` of shape `(KH, KW)`: the *valid* cross-correlation, "
        "`out[i, j] = sum(x[i:i+KH, j:j+KW] * k)`, of shape `(H - KH + 1, W - KW + 1)`. "
        "Two nested loops over the output are enough; keep `x`'s dtype.",
        'def conv2d_single_channel(x, k):\n'
        '    """x (H, W), k (KH, KW) -> out (H - KH + 1, W - KW + 1), no flip, no padding."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def conv2d_single_channel(x, k):\n'
        '    """x (H, W), k (KH, KW) -> out (H - KH + 1, W - KW + 1), no flip, no padding."""\n'
        '    KH, KW = k.shape\n'
        '    H_out, W_out = x.shape[0] - KH + 1, x.shape[1] - KW + 1\n'
        '    out = np.zeros((H_out, W_out), dtype=x.dtype)\n'
        '    for i in range(H_out):\n'
        '        for j in range(W_out):\n'
        '            out[i, j] = np.sum(x[i:i + KH, j:j + KW] * k)\n'
        '    return out\n'),
    Exercise(
        "conv2d_multi_channel", "Several input channels, several filters",
        "Write `conv2d_multi_channel(x, w, b)` for one image `x` of shape `(C, H, W)`, filters "
        "`w` of shape `(F, C, KH, KW)` and a bias `b` of shape `(F,)`. Each filter has the "
        "input's depth: output channel `f` is the sum over the `C` channels of the "
        "cross-correlation of `x[c]` with `w[f, c]`, plus `b[f]`. The result has shape "
        "`(F, H - KH + 1, W - KW + 1)`. You may reuse `conv2d_single_channel` or write the "
        "loops again.",
        'def conv2d_multi_channel(x, w, b):\n'
        '    """x (C, H, W), w (F, C, KH, KW), b (F,) -> out (F, H_out, W_out)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def conv2d_multi_channel(x, w, b):\n'
        '    """x (C, H, W), w (F, C, KH, KW), b (F,) -> out (F, H_out, W_out)."""\n'
        '    F, C, KH, KW = w.shape\n'
        '    H_out, W_out = x.shape[1] - KH + 1, x.shape[2] - KW + 1\n'
        '    out = np.zeros((F, H_out, W_out), dtype=x.dtype)\n'
        '    for f in range(F):\n'
        '        for i in range(H_out):\n'
        '            for j in range(W_out):\n'
        '                window = x[:, i:i + KH, j:j + KW]      # (C, KH, KW): all channels\n'
        '                out[f, i, j] = np.sum(window * w[f]) + b[f]\n'
        '    return out\n'),
    Exercise(
        "conv_output_shape", "Shapes before computing",
        "Write `conv_output_shape(x_shape, w_shape)` that returns the output shape "
        "`(N, F, H_out, W_out)` of a valid, stride-1 convolution of a batch of shape "
        "`x_shape = (N, C, H, W)` with filters of shape `w_shape = (F, C, KH, KW)`, as a "
        "tuple of ints. (Example: a 4x4 input and a 3x3 kernel give 2x2.)",
        'def conv_output_shape(x_shape, w_shape):\n'
        '    """(N, C, H, W), (F, C, KH, KW) -> (N, F, H_out, W_out)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def conv_output_shape(x_shape, w_shape):\n'
        '    """(N, C, H, W), (F, C, KH, KW) -> (N, F, H_out, W_out)."""\n'
        '    N, C, H, W = x_shape\n'
        '    F, _, KH, KW = w_shape\n'
        '    return (N, F, H - KH + 1, W - KW + 1)\n'),
]

PREDICTIONS = [
    Prediction(
        "SlidingWindowStepper",
        "**Predict, then step.** The stepper slides a 3x3 kernel over a 4x4 input with stride "
        "1 and no padding. How many positions does the window take, and which input pixels "
        "are covered by *every* position? Write your guess down, then step through and check.",
        "2 x 2 = 4 positions (4 - 3 + 1 = 2 per axis). Only the central 2x2 pixels, rows and "
        "columns 1..2, lie under all four windows; each corner pixel is read by one window "
        "only."),
    Prediction(
        "KernelSandbox",
        "**Predict, then look.** With the `sobel_x` preset (it subtracts the column on one "
        "side from the column on the other), which edges of the photo light up: vertical "
        "edges, horizontal edges, or both? What changes when you tick *flip*?",
        "Vertical edges (brightness changing from left to right) light up; horizontal edges "
        "stay dark. Flipping the kernel turns it 180°, so for this kernel every output only "
        "changes sign: bright and dark edges swap, the same edges are found."),
]
