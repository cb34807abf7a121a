"""Two checkers kept only to test the checker machinery (cnnlib/exercises/core.py, compare.py).

``check_pad2d(fn)`` and ``check_output_size(fn)`` were exercises of notebook 03 until its
exercises became design / find / count / debug ones; many tests of the machinery (wrong
types, errors, signatures, form mistakes) were written against them and still use them here.
They are built with the same ``run_check`` as every notebook checker.
"""

from __future__ import annotations

import math

import numpy as np

from cnnlib.exercises.core import Case, Wrong, run_check
from cnnlib.shapes import conv_output_size

__all__ = ["check_output_size", "check_pad2d"]


# ------------------------------------------------------------- pad2d
def _pad(x, before, after, mode="constant", **kw):
    return np.pad(x, ((before, after), (before, after)), mode=mode, **kw)


def check_pad2d(fn, verbose=True):
    """Check ``fn(x, p)``: x (H, W) -> (H + 2p, W + 2p) with p zeros on every side.

    Prints the result; returns a CheckResult.
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


# ------------------------------------------------------------- output size
def _k_eff(K, D):
    return D * (K - 1) + 1


def check_output_size(fn, verbose=True):
    """Check ``fn(W, K, P, S, D)`` -> floor((W + 2P - D(K-1) - 1) / S) + 1, an int.

    Prints the result; returns a CheckResult.
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
