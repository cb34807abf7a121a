"""Exercises of notebooks/03_padding_and_stride.ipynb: padding, strided conv, output size."""

from __future__ import annotations

import math

import numpy as np

from ..conv import conv2d_forward
from ..shapes import conv_output_size
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_conv2d_strided", "check_output_size", "check_pad2d"]


# ------------------------------------------------------------- pad2d
def _pad(x, before, after, mode="constant", **kw):
    return np.pad(x, ((before, after), (before, after)), mode=mode, **kw)


def check_pad2d(fn, verbose=True):
    """Check ``fn(x, p)``: x (H, W) -> (H + 2p, W + 2p) with p zeros on every side.

    Prints the result; returns a CheckResult. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    rng = np.random.default_rng(4)
    data = [
        ("a 2x3 array, p = 1", np.arange(1.0, 7.0).reshape(2, 3), 1),
        ("non-square 3x1, p = 2", np.array([[1.0], [2.0], [3.0]]), 2),
        ("p = 0 changes nothing", rng.normal(size=(2, 2)), 0),
        ("a single pixel, p = 3", np.array([[5.0]]), 3),
        ("float32 stays float32", rng.normal(size=(3, 4)).astype(np.float32), 1),
    ]
    cases = [Case(label, {"x": x, "p": p}, np.pad(x, p)) for label, x, p in data]
    wrongs = [
        Wrong("one_side_after", "you padded one side only (bottom and right): put p zeros "
              "before AND after, so the size grows by 2p.", lambda x, p: _pad(x, 0, p)),
        Wrong("one_side_before", "you padded one side only (top and left): put p zeros before "
              "AND after, so the size grows by 2p.", lambda x, p: _pad(x, p, 0)),
        Wrong("rows_only", "only the rows were padded: pad the columns too "
              "(np.pad(x, ((p, p), (p, p))) or a zero array of (H + 2p, W + 2p)).",
              lambda x, p: np.pad(x, ((p, p), (0, 0)))),
        Wrong("cols_only", "only the columns were padded: pad the rows too.",
              lambda x, p: np.pad(x, ((0, 0), (p, p)))),
        Wrong("edge", "the frame must be zeros, not copies of the border pixels "
              "(zero padding).", lambda x, p: _pad(x, p, p, mode="edge")),
        Wrong("ones", "the frame must be zeros, not ones.",
              lambda x, p: _pad(x, p, p, constant_values=1)),
        Wrong("double", "you added 2p on each side: p on each side makes the size H + 2p.",
              lambda x, p: _pad(x, 2 * p, 2 * p)),
    ]
    return run_check("pad2d", fn, cases, wrongs,
                     "the result is a zero array of shape (H + 2p, W + 2p) with x copied into "
                     "rows p..p+H-1 and columns p..p+W-1.", verbose)


# ------------------------------------------------------------- strided conv
def _ref(x, k, stride=1, padding=0):
    return conv2d_forward(x[None, None], k[None, None], stride=stride, padding=padding)[0][0, 0]


def _wrong_no_padding(x, k, stride=1, padding=0):
    return _ref(x, k, stride, 0)


def _wrong_window_at_i(x, k, stride=1, padding=0):  # window starts at i, not i * stride
    H_out, W_out = _ref(x, k, stride, padding).shape
    return _ref(x, k, 1, padding)[:H_out, :W_out]


def _wrong_one_side(x, k, stride=1, padding=0):
    return _ref(np.pad(x, ((0, 2 * padding), (0, 2 * padding))), k, stride, 0)


def _wrong_flip(x, k, stride=1, padding=0):
    return _ref(x, k[::-1, ::-1].copy(), stride, padding)


def _wrong_no_stride(x, k, stride=1, padding=0):
    return _ref(x, k, 1, padding)


def check_conv2d_strided(fn, verbose=True):
    """Check ``fn(x, k, stride, padding)``: single-channel cross-correlation, zero padding.

    Prints the result; returns a CheckResult. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    rng = np.random.default_rng(5)
    data = [
        ("5x5 input, 3x3 kernel, padding 1, stride 2 -> 3x3", (5, 5), (3, 3), 2, 1),
        ("stride that does not divide: 6x6, 3x3, stride 2 -> 2x2", (6, 6), (3, 3), 2, 0),
        ("stride 1, padding 1 ('same')", (4, 4), (3, 3), 1, 1),
        ("non-square 5x8 input, 2x3 kernel, stride 3, padding 1", (5, 8), (2, 3), 3, 1),
        ("1x1 kernel, stride 2: keeps every other pixel", (5, 5), (1, 1), 2, 0),
        ("padding 2 with stride 1", (3, 3), (3, 3), 1, 2),
        ("float32 in, float32 out", (7, 7), (3, 3), 2, 1),
    ]
    cases = []
    for label, xs, ks, s, p in data:
        dtype = np.float32 if "float32" in label else np.float64
        x = rng.normal(size=xs).astype(dtype)
        k = rng.normal(size=ks).astype(dtype)
        cases.append(Case(label, {"x": x, "k": k, "stride": s, "padding": p}, _ref(x, k, s, p),
                          rtol=1e-5 if dtype == np.float32 else 1e-6))
    wrongs = [
        Wrong("no_padding", "padding is ignored: pad x with `padding` zeros on every side "
              "first (your pad2d), then slide the kernel.", _wrong_no_padding),
        Wrong("one_side", "you padded one side only: put `padding` zeros before and after "
              "each axis.", _wrong_one_side),
        Wrong("window_at_i", "the window of output (i, j) starts at row i * stride and column "
              "j * stride, not at (i, j).", _wrong_window_at_i),
        Wrong("no_stride", "the stride is ignored: H_out = (H + 2P - K) // S + 1 and the "
              "windows start every S pixels.", _wrong_no_stride),
        Wrong("flipped", "you flipped the kernel: that is true convolution; frameworks and "
              "this course compute cross-correlation.", _wrong_flip),
    ]
    return run_check("conv2d_strided", fn, cases, wrongs,
                     "pad first, then H_out = (H + 2P - KH) // S + 1 and out[i, j] = "
                     "sum(xp[i*S:i*S+KH, j*S:j*S+KW] * k).", verbose)


# ------------------------------------------------------------- output size
def _k_eff(K, D):
    return D * (K - 1) + 1


def check_output_size(fn, verbose=True):
    """Check ``fn(W, K, P, S, D)`` -> floor((W + 2P - D(K-1) - 1) / S) + 1, an int.

    Prints the result; returns a CheckResult. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    data = [
        ("the 4x4 input, 3x3 kernel example", (4, 3, 0, 1, 1)),
        ("7 wide, K=3, S=2", (7, 3, 0, 2, 1)),
        ("5 wide, K=3, P=1, S=2", (5, 3, 1, 2, 1)),
        ("stride that does not divide: W=6, K=3, S=2", (6, 3, 0, 2, 1)),
        ("dilation 2: a 3-tap kernel spans 5", (7, 3, 0, 1, 2)),
        ("'same' padding: W=32, K=5, P=2", (32, 5, 2, 1, 1)),
        ("all at once: W=10, K=3, P=1, S=3, D=2", (10, 3, 1, 3, 2)),
        ("1x1 kernel on a 1-wide input", (1, 1, 0, 1, 1)),
        ("W=28, K=5, S=2, no padding", (28, 5, 0, 2, 1)),
    ]
    names = ("W", "K", "P", "S", "D")
    cases = [Case(label, dict(zip(names, args, strict=True)),
                  conv_output_size(args[0], args[1], stride=args[3], padding=args[2],
                                   dilation=args[4])) for label, args in data]
    wrongs = [
        Wrong("no_floor", "a size is a whole number: use floor division "
              "(W + 2P - D(K-1) - 1) // S + 1; a window that does not fit is not counted.",
              lambda W, K, P=0, S=1, D=1: (W + 2 * P - _k_eff(K, D)) / S + 1),
        Wrong("ceil", "round DOWN, not up: a last window that would run past the padded input "
              "is dropped (floor).",
              lambda W, K, P=0, S=1, D=1: math.ceil((W + 2 * P - _k_eff(K, D)) / S) + 1),
        Wrong("no_dilation", "dilation spreads the kernel: it spans D(K - 1) + 1 pixels, so use "
              "that instead of K.", lambda W, K, P=0, S=1, D=1: (W + 2 * P - K) // S + 1),
        Wrong("dilation_dk", "a dilated kernel spans D(K - 1) + 1 pixels, not D*K (there are "
              "K - 1 gaps between K taps).",
              lambda W, K, P=0, S=1, D=1: (W + 2 * P - D * K) // S + 1),
        Wrong("pad_once", "padding is added on both sides: 2P, not P.",
              lambda W, K, P=0, S=1, D=1: (W + P - _k_eff(K, D)) // S + 1),
        Wrong("no_plus_one", "off by one: (W + 2P - K_eff) // S counts the steps; the number "
              "of windows is one more.",
              lambda W, K, P=0, S=1, D=1: (W + 2 * P - _k_eff(K, D)) // S),
        Wrong("plus_one_inside", "the + 1 comes after the division: (W + 2P - K_eff) // S + 1.",
              lambda W, K, P=0, S=1, D=1: (W + 2 * P - _k_eff(K, D) + 1) // S),
    ]
    return run_check("output_size", fn, cases, wrongs,
                     "W_out = (W + 2P - D(K - 1) - 1) // S + 1, returned as an int.", verbose)


EXERCISES = [
    Exercise(
        "pad2d", "Zero padding",
        "Write `pad2d(x, p)` that surrounds a 2-D array `x` of shape `(H, W)` with a frame of "
        "`p` zeros on every side, giving shape `(H + 2p, W + 2p)` and `x`'s dtype. Do it "
        "without `np.pad`: make a zero array and copy `x` into its middle.",
        'def pad2d(x, p):\n'
        '    """x (H, W) -> (H + 2p, W + 2p), p zeros on every side, same dtype."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def pad2d(x, p):\n'
        '    """x (H, W) -> (H + 2p, W + 2p), p zeros on every side, same dtype."""\n'
        '    H, W = x.shape\n'
        '    out = np.zeros((H + 2 * p, W + 2 * p), dtype=x.dtype)\n'
        '    out[p:p + H, p:p + W] = x\n'
        '    return out\n'),
    Exercise(
        "conv2d_strided", "Padding and stride in the loop",
        "Write `conv2d_strided(x, k, stride=1, padding=0)` for a 2-D `x` `(H, W)` and kernel "
        "`k` `(KH, KW)`: pad `x` with zeros, then compute the cross-correlation with the window "
        "of output `(i, j)` starting at `(i * stride, j * stride)`. The output has "
        "`(H + 2P - KH) // S + 1` rows (and likewise columns).",
        'def conv2d_strided(x, k, stride=1, padding=0):\n'
        '    """x (H, W), k (KH, KW) -> (H_out, W_out), H_out = (H + 2P - KH) // S + 1."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def conv2d_strided(x, k, stride=1, padding=0):\n'
        '    """x (H, W), k (KH, KW) -> (H_out, W_out), H_out = (H + 2P - KH) // S + 1."""\n'
        '    H, W = x.shape\n'
        '    KH, KW = k.shape\n'
        '    xp = np.zeros((H + 2 * padding, W + 2 * padding), dtype=x.dtype)\n'
        '    xp[padding:padding + H, padding:padding + W] = x\n'
        '    H_out = (H + 2 * padding - KH) // stride + 1\n'
        '    W_out = (W + 2 * padding - KW) // stride + 1\n'
        '    out = np.zeros((H_out, W_out), dtype=x.dtype)\n'
        '    for i in range(H_out):\n'
        '        for j in range(W_out):\n'
        '            r, c = i * stride, j * stride\n'
        '            out[i, j] = np.sum(xp[r:r + KH, c:c + KW] * k)\n'
        '    return out\n'),
    Exercise(
        "output_size", "The general output-size formula",
        "Write `output_size(W, K, P=0, S=1, D=1)`: the number of outputs along one axis of a "
        "convolution of a `W`-wide input with a `K`-wide kernel, padding `P`, stride `S` and "
        "dilation `D`, as an int. A window that does not fit is not counted; a dilated kernel "
        "spans `D(K - 1) + 1` pixels.",
        'def output_size(W, K, P=0, S=1, D=1):\n'
        '    """Outputs along one axis: an int."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def output_size(W, K, P=0, S=1, D=1):\n'
        '    """Outputs along one axis: an int."""\n'
        '    span = D * (K - 1) + 1              # pixels covered by the dilated kernel\n'
        '    return (W + 2 * P - span) // S + 1  # floor: incomplete windows do not count\n'),
]

PREDICTIONS = [
    Prediction(
        "ShapeExplorer",
        "**Predict, then move the sliders.** With `K = 3`, `P = 0`, `S = 2` on a 7-wide "
        "input, how many outputs are there? And on a 6-wide input: does every input column get "
        "read? Set the sliders and check.",
        f"7 wide: (7 - 3) // 2 + 1 = {conv_output_size(7, 3, stride=2)} outputs, and every "
        f"column is read. 6 wide: (6 - 3) // 2 + 1 = {conv_output_size(6, 3, stride=2)} "
        "outputs (the floor drops half a step), and the last column is never read."),
]
