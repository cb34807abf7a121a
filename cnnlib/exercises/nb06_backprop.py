"""Exercises of notebooks/06_backpropagation_through_conv.ipynb: where one dout lands, the full
conv_backward (CS231n level), a planted bug in the im2col backward, a numerical gradient."""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward, conv2d_forward
from ..gradcheck import check_pair, numerical_gradient
from .core import Case, Exercise, Prediction, Wrong, run_check
from .nb06_mistakes import conv_backward_loop

__all__ = ["check_central_difference_gradient", "check_conv_backward",
           "check_conv_backward_im2col", "check_touched_region"]


# ------------------------------------------------------------- where one dout lands
def _region(i, j, K, S, P, H, W, shift=True, stride=True, clip=True, stop=0):
    """(top, bottom, left, right) of the rows/columns of x under output (i, j)'s window."""
    top = (S if stride else 1) * i - (P if shift else 0)
    left = (S if stride else 1) * j - (P if shift else 0)
    bottom, right = top + K + stop, left + K + stop
    if clip:
        top, left, bottom, right = max(top, 0), max(left, 0), min(bottom, H), min(right, W)
    return (top, bottom, left, right)


def check_touched_region(fn, verbose=True):
    """Check ``fn(i, j, K, S, P, H, W)`` -> (top, bottom, left, right): dx[top:bottom,
    left:right] are the entries of dx that one nonzero dout[i, j] changes.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    data = [
        ("inside: output (1, 1), K = 3, stride 1, no padding, 5x5 input", 1, 1, 3, 1, 0, 5, 5),
        ("stride 2: output (1, 2) of a 7x7 input, no padding", 1, 2, 3, 2, 0, 7, 7),
        ("padding 1: output (0, 0)'s window hangs over the top-left corner", 0, 0, 3, 1, 1, 4, 4),
        ("stride 2, padding 1, the last output (2, 2) of a 5x5 input: cut at the bottom and "
         "right", 2, 2, 3, 2, 1, 5, 5),
        ("non-square 4x6 input, K = 2, stride 2, padding 1, output (2, 1)", 2, 1, 2, 2, 1, 4, 6),
        ("K = 5, stride 3, padding 2, 8x8 input, output (0, 2)", 0, 2, 5, 3, 2, 8, 8),
    ]
    cases = [Case(label, {"i": i, "j": j, "K": K, "S": S, "P": P, "H": H, "W": W},
                  _region(i, j, K, S, P, H, W)) for label, i, j, K, S, P, H, W in data]

    def variant(**kw):
        return lambda i, j, K, S, P, H, W: _region(i, j, K, S, P, H, W, **kw)

    wrongs = [
        Wrong("no_shift", "the window of output (i, j) starts at row S*i of the PADDED input "
              "xp, which is row S*i - P of x: subtract the padding.", variant(shift=False)),
        Wrong("no_stride", "output i's window starts S*i rows down (the stride), not i rows.",
              variant(stride=False)),
        Wrong("no_clip", "dx only has the H x W pixels of x: window rows in the padding (< 0 or "
              ">= H) receive nothing. Clip: top = max(top, 0), bottom = min(bottom, H).",
              variant(clip=False)),
        Wrong("inclusive", "bottom and right are slice ends, as in dx[top:bottom]: one past the "
              "last row, top + K (before clipping), not top + K - 1.", variant(stop=-1)),
    ]
    return run_check("touched_region", fn, cases, wrongs,
                     "top = S*i - P and bottom = top + K (the window in x's coordinates), then "
                     "clipped to 0..H; the same for the columns with j and W.", verbose)


# ------------------------------------------------------------- the full conv_backward
def _reference(dout, x, w, stride, pad):
    _, cache = conv2d_forward(x, w, np.zeros(w.shape[0], dtype=x.dtype), stride=stride,
                              padding=pad)
    return conv2d_backward(dout, cache)


def _not_dilated(dout, x, w, stride, pad):
    """dx as the full correlation of dout, NOT dilated, with the rotated kernel, cropped."""
    K = w.shape[2:]
    w_rot = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))
    dxp = conv2d_forward(dout, w_rot, padding=(K[0] - 1, K[1] - 1))[0]
    dx = dxp[:, :, pad:dxp.shape[2] - pad, pad:dxp.shape[3] - pad]
    return dx, *_reference(dout, x, w, stride, pad)[1:]


BACKWARD_SHAPES = [
    # label, (N, C, H, W), (F, KH, KW), stride, pad
    ("one 4x4 image, one 3x3 filter, stride 1, no padding", (1, 1, 4, 4), (1, 3, 3), 1, 0),
    ("F = C = 2, padding 1 (out as large as x), 2 images", (2, 2, 5, 5), (2, 3, 3), 1, 1),
    ("stride 2, padding 1: neighbouring windows share a row", (2, 3, 7, 7), (4, 3, 3), 2, 1),
    ("stride 2, no padding, 6x6: the floor drops the last row and column (they get 0)",
     (2, 2, 6, 6), (3, 3, 3), 2, 0),
    ("a 2x3 kernel, stride 3, padding 1, a 6x8 input", (1, 2, 6, 8), (2, 2, 3), 3, 1),
    ("the kernel covers the whole padded input: dout is 1x1", (1, 2, 3, 3), (3, 5, 5), 1, 1),
    ("float32 stays float32", (2, 2, 5, 5), (3, 3, 3), 2, 1),
]


def _gradient_check(fn, stride=2, pad=1):
    """check_pair of the learner's backward against cnnlib's forward (float64)."""
    rng = np.random.default_rng(12)
    x, w, b = rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)

    def forward(x, w, b):
        return conv2d_forward(x, w, b, stride=stride, padding=pad)

    def backward(dout, cache):
        return fn(dout, cache["x"], cache["w"], stride, pad)

    return check_pair(forward, backward, {"x": x, "w": w, "b": b})


def check_conv_backward(fn, verbose=True):
    """Check ``fn(dout, x, w, stride, pad)`` -> (dx, dw, db) of a convolution with stride and
    zero padding, against cnnlib; on a pass, also a float64 gradient check.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    rng = np.random.default_rng(11)
    cases = []
    for label, (N, C, H, W), (F, KH, KW), S, P in BACKWARD_SHAPES:
        dtype = np.float32 if "float32" in label else np.float64
        x = rng.normal(size=(N, C, H, W)).astype(dtype)
        w = rng.normal(size=(F, C, KH, KW)).astype(dtype)
        out = conv2d_forward(x, w, stride=S, padding=P)[0]
        dout = rng.normal(size=out.shape).astype(dtype)
        tol = 1e-4 if dtype == np.float32 else 1e-7
        cases.append(Case(label, {"dout": dout, "x": x, "w": w, "stride": S, "pad": P},
                          _reference(dout, x, w, S, P), rtol=tol, atol=tol))

    def mistake(key):
        return lambda dout, x, w, stride, pad: conv_backward_loop(dout, x, w, stride, pad, key)

    rotation = ("dx is the cross-correlation of the zero-padded dout with the kernel ROTATED "
                "by 180° (w[:, :, ::-1, ::-1]), i.e. a true convolution with w as it is. In the "
                "loop view there is no rotation: each output stamps g * w[f], unrotated.")
    stride = ("with stride S the window of output (i, j) starts at (S*i, S*j) of xp: stamp "
              "there (in the correlation view: dilate dout first, S - 1 zeros between entries).")
    assign = ("windows overlap, and every filter f sends something back to the same pixels: "
              "ACCUMULATE with += (dxp[...] += g * w[f], dw[f] += g * window).")
    db = "db[f] adds dout over the images AND the positions: dout.sum(axis=(0, 2, 3))."
    wrongs = [
        Wrong("no_rotation", rotation, mistake("no_rotation")),
        Wrong("no_crop", "dx has the shape of x: you returned the gradient of the padded input "
              "xp; cut P rows and columns off each side, dxp[:, :, P:P + H, P:P + W].",
              mistake("no_crop")),
        Wrong("crop_one_side", "cut the padding off BOTH sides: dxp[:, :, P:P + H, P:P + W], "
              "not dxp[:, :, :H, :W].", mistake("crop_one_side")),
        Wrong("crop_minus", "with pad = 0, dxp[:, :, P:-P] is EMPTY (-0 is 0, so it means "
              "0:0): write dxp[:, :, P:P + H, P:P + W].", mistake("crop_minus")),
        Wrong("not_dilated", stride, _not_dilated),
        Wrong("dx_step_1", stride, mistake("dx_step_1")),
        Wrong("no_stride", stride + " The same window gives dw.", mistake("no_stride")),
        Wrong("assign_dx", assign, mistake("assign_dx")),
        Wrong("assign_both", assign, mistake("assign_both")),
        Wrong("swap_fc", "dx[n, c] collects from every FILTER f through w[f, c]: the stamp is "
              "g * w[f] (shape (C, KH, KW)); in the correlation view the rotated kernel is "
              "w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), shape (C, F, KH, KW). Without the "
              "swap it only runs when F == C, and is wrong.", mistake("swap_fc")),
        Wrong("db_no_batch", db, mistake("db_no_batch")),
        Wrong("db_only_batch", db, mistake("db_only_batch")),
        Wrong("dw_mean", "the gradient SUMS the contributions of every image: do not divide "
              "by N.", mistake("dw_mean")),
        Wrong("dw_rotated", "dw has no rotation: dw[f] += dout[n, f, i, j] * window, the "
              "window as the forward pass read it.", mistake("dw_rotated")),
    ]
    result = run_check("conv_backward", fn, cases, wrongs,
                       "loop over n, f, i, j: window = xp[n, :, S*i:S*i+KH, S*j:S*j+KW]; "
                       "dw[f] += g * window; dxp[n, :, S*i:S*i+KH, S*j:S*j+KW] += g * w[f]; "
                       "then dx = dxp without the padding, db = dout.sum(axis=(0, 2, 3)).",
                       verbose=False)
    if result.passed:
        errors = _gradient_check(fn)
        result.message += ("\n   and a float64 gradient check (cnnlib.gradcheck.check_pair, "
                           "stride 2, padding 1): " +
                           ", ".join(f"d{k} {v:.1e}" for k, v in errors.items()) +
                           (": good" if max(errors.values()) < 1e-7 else ": NOT good"))
    if verbose:
        print(result.message)
    return result


# ------------------------------------------------------------- the planted im2col bug
IM2COL_PLANTED = (
    "def conv_backward_im2col(dout, x, w, stride, pad):\n"
    '    """(dx, dw, db) in the matrix view. ONE line is wrong: find it and fix it."""\n'
    "    raise NotImplementedError  # your code here: delete this line, run the check, fix\n"
    "    from cnnlib.im2col import col2im_simple, im2col_simple\n"
    "\n"
    "    F, C, KH, KW = w.shape\n"
    "    cols = im2col_simple(x, (KH, KW), stride, pad)         # (C*KH*KW, N*H_out*W_out)\n"
    "    dout_matrix = dout.reshape(F, -1)                      # (F, N*H_out*W_out)\n"
    "    dw = (dout_matrix @ cols.T).reshape(w.shape)\n"
    "    dcols = w.reshape(F, -1).T @ dout_matrix               # (C*KH*KW, N*H_out*W_out)\n"
    "    dx = col2im_simple(dcols, x.shape, (KH, KW), stride, pad)\n"
    "    db = dout.sum(axis=(0, 2, 3))\n"
    "    return dx, dw, db\n")


def _im2col_backward(dout, x, w, stride, pad, dw_layout="right", dx_layout="right"):
    """The matrix-view backward; a layout other than "right" is the learner's mistake."""
    from ..im2col import col2im_simple, im2col_simple

    F, _, KH, KW = w.shape
    cols = im2col_simple(x, (KH, KW), stride, pad)
    layouts = {"right": dout.transpose(1, 0, 2, 3).reshape(F, -1),
               "planted": dout.reshape(F, -1), "reshape_T": dout.reshape(-1, F).T}
    dw = (layouts[dw_layout] @ cols.T).reshape(w.shape)
    dx = col2im_simple(w.reshape(F, -1).T @ layouts[dx_layout], x.shape, (KH, KW), stride, pad)
    return dx, dw, dout.sum(axis=(0, 2, 3))


def check_conv_backward_im2col(fn, verbose=True):
    """Check ``fn(dout, x, w, stride, pad)`` -> (dx, dw, db): the planted im2col backward, fixed.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    rng = np.random.default_rng(13)
    data = [
        ("one image (N = 1), stride 1, padding 1", (1, 2, 5, 5), (3, 3), 1, 1),
        ("two images (N = 2), stride 1, padding 1", (2, 2, 5, 5), (3, 3), 1, 1),
        ("three images, one channel, stride 2, padding 1", (3, 1, 7, 7), (2, 3), 2, 1),
        ("float32 stays float32", (2, 2, 6, 6), (2, 3), 2, 0),
    ]
    cases = []
    for label, (N, C, H, W), (F, K), S, P in data:
        dtype = np.float32 if "float32" in label else np.float64
        x = rng.normal(size=(N, C, H, W)).astype(dtype)
        w = rng.normal(size=(F, C, K, K)).astype(dtype)
        dout = rng.normal(size=conv2d_forward(x, w, stride=S, padding=P)[0].shape).astype(dtype)
        tol = 1e-4 if dtype == np.float32 else 1e-7
        cases.append(Case(label, {"dout": dout, "x": x, "w": w, "stride": S, "pad": P},
                          _reference(dout, x, w, S, P), rtol=tol, atol=tol))

    def layout(dw_layout, dx_layout):
        return lambda dout, x, w, stride, pad: _im2col_backward(dout, x, w, stride, pad,
                                                                dw_layout, dx_layout)

    wrongs = [
        Wrong("planted", "still the planted bug. One image passes, two fail: so it is about "
              "how the images are laid out. cols has one column per output (n, i, j), n "
              "slowest. Does row f of dout_matrix list dout[n, f, i, j] in that same order? "
              "Print dout.reshape(F, -1) for a dout with N = 2 and compare.",
              layout("planted", "planted")),
        Wrong("reshape_T", "dout.reshape(-1, F).T still reads dout in its memory order "
              "(n, f, i, j), so F consecutive numbers are not one output's F filters: move "
              "the F axis to the front first (transpose), then reshape.",
              layout("reshape_T", "reshape_T")),
        Wrong("dx_still_planted", "dw is right now, dx is not: dcols = W.T @ dout_matrix must "
              "use the corrected dout_matrix too.", layout("right", "planted")),
        Wrong("dw_still_planted", "dx is right now, dw is not: dw = dout_matrix @ cols.T "
              "must use the corrected dout_matrix too.", layout("planted", "right")),
    ]
    return run_check("conv_backward_im2col", fn, cases, wrongs,
                     "only the line that builds dout_matrix is wrong: its columns must be in "
                     "the order of cols' columns, (n, i, j).", verbose)


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


# ------------------------------------------------------------- texts
IM2COL_FIXED = IM2COL_PLANTED.replace(
    '    """(dx, dw, db) in the matrix view. ONE line is wrong: find it and fix it."""\n'
    "    raise NotImplementedError  # your code here: delete this line, run the check, fix\n",
    '    """(dx, dw, db) in the matrix view: the planted bug fixed."""\n').replace(
    "    dout_matrix = dout.reshape(F, -1)                      # (F, N*H_out*W_out)\n",
    "    # FIXED: F to the front first, so that row f lists its outputs in cols' (n, i, j) order\n"
    "    dout_matrix = dout.transpose(1, 0, 2, 3).reshape(F, -1)\n")

EXERCISES = [
    Exercise(
        "touched_region", "Where does one `dout` land? (predict)",
        "A convolution with a `K x K` kernel, stride `S` and padding `P` (with `P < K`) reads "
        "an `H x W` input. Only one entry of `dout` is nonzero: `dout[i, j] = g`. Before "
        "running anything, work out which entries of `dx` it changes, and write "
        "`touched_region(i, j, K, S, P, H, W)` returning `(top, bottom, left, right)` such "
        "that exactly `dx[top:bottom, left:right]` changes (for a kernel without zero "
        "weights). Think in the padded input `xp` first (where does output `(i, j)`'s window "
        "start?), then move to `x`'s coordinates and keep what lies inside `x`. Afterwards, "
        "confirm one case with `cnnlib.conv.conv2d_backward` as in section 4, and ask "
        "yourself which values that region holds.",
        'def touched_region(i, j, K, S, P, H, W):\n'
        '    """Rows top:bottom and columns left:right of dx that dout[i, j] alone changes."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def touched_region(i, j, K, S, P, H, W):\n'
        '    """Rows top:bottom and columns left:right of dx that dout[i, j] alone changes."""\n'
        '    top, left = S * i - P, S * j - P     # the window\'s corner, in x\'s coordinates\n'
        '    return max(top, 0), min(top + K, H), max(left, 0), min(left + K, W)\n'),
    Exercise(
        "conv_backward", "The whole backward pass (write)",
        "The CS231n assignment, in this course's names. The forward pass was `out = "
        "conv2d_forward(x, w, b, stride=stride, padding=pad)` with `x` `(N, C, H, W)`, `w` "
        "`(F, C, KH, KW)`, and `stride`, `pad` ints. Write `conv_backward(dout, x, w, stride, "
        "pad)` returning `(dx, dw, db)`, with the shapes of `x`, `w` and `(F,)` and `x`'s "
        "dtype. Sections 3 and 4 wrote the one-channel, stride-1, unpadded loops and the "
        "formulas for the rest: here you handle the batch, the channels and filters, the "
        "stride and the padding (one loop over `n, f, i, j` can fill `dw` and `dxp` "
        "together; the correlation view of section 4 works too). The check runs 7 cases "
        "against cnnlib, names the usual mistake when it recognises yours, and after a pass "
        "runs a float64 gradient check of your function.",
        'def conv_backward(dout, x, w, stride, pad):\n'
        '    """dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, KH, KW) -> dx, dw, db."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def conv_backward(dout, x, w, stride, pad):\n'
        '    """dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, KH, KW) -> dx, dw, db."""\n'
        '    N, C, H, W = x.shape\n'
        '    F, _, KH, KW = w.shape\n'
        '    S, P = stride, pad\n'
        '    xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))\n'
        '    dxp = np.zeros_like(xp)                  # the gradient of the padded input\n'
        '    dw = np.zeros_like(w)\n'
        '    for n in range(N):\n'
        '        for f in range(F):\n'
        '            for i in range(dout.shape[2]):\n'
        '                for j in range(dout.shape[3]):\n'
        '                    rows = slice(S * i, S * i + KH)   # the window of output (i, j)\n'
        '                    cols = slice(S * j, S * j + KW)\n'
        '                    g = dout[n, f, i, j]\n'
        '                    dw[f] += g * xp[n, :, rows, cols]  # the window, as read\n'
        '                    dxp[n, :, rows, cols] += g * w[f]  # the kernel, stamped back\n'
        '    dx = dxp[:, :, P:P + H, P:P + W]         # cut the padding off\n'
        '    db = dout.sum(axis=(0, 2, 3))\n'
        '    return dx, dw, db\n'),
    Exercise(
        "conv_backward_im2col", "Find the planted bug (debug)",
        "A colleague wrote the matrix view of section 5 as a function, and the gradient check "
        "fails: `dx` and `dw` are wrong, `db` is right. Exactly one line is wrong. Delete the "
        "`raise` line, run the check cell and read which cases pass and which fail; make a "
        "guess, test it on a tiny array (print it), then fix the line. Try to find it from "
        "the evidence before you compare with section 5.",
        IM2COL_PLANTED, IM2COL_FIXED),
    Exercise(
        "central_difference_gradient", "A numerical gradient (write)",
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
        "**Predict, then move the controls.** (1) A correct backward pass in float64 with "
        "`h = 1e-5` (log10 h = -5): about how large is the relative error? Does it go down or "
        "up when you slide h to `1e-12`? And in float32? (2) Now plant the bug `no rotation` "
        "with the gradient `dx`: which band does the error land in, and can any h bring it "
        "back? Then switch the gradient to `dw`: does the check still see the bug?",
        "(1) Float64, h = 1e-5: about 1e-10, far below the 1e-7 of the good band. With a tiny "
        "h the error goes UP: f(x + h) and f(x - h) then agree in almost all their digits, "
        "and rounding errors (about 1e-16 relative) divided by 2h dominate. Float32 rounds at "
        "about 1e-7, so even with h = 1e-5 the error is around 1e-3: gradient checks are done "
        "in float64. (2) With the rotation missing, the error of dx jumps to the order of 1, "
        "the wrong band, at every h: the whole curve lies in the red band, because no step "
        "size repairs a wrong formula. The bug is in dx only, so the check of dw stays good: "
        "check every gradient separately, a passing dw proves nothing about dx."),
]
