"""The texts of notebook 06's exercises (statements, stubs, solutions) and of its "predict,
then move the controls" question; the checkers are in :mod:`.nb06_backprop`.
Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

from .core import Exercise, Prediction

__all__ = ["EXERCISES", "IM2COL_FIXED", "IM2COL_PLANTED", "PREDICTIONS"]

_STUB = "    raise NotImplementedError  # your code here\n"

# Exercise 3: every shape is right, it runs, only dx is wrong, and only when F > 1
IM2COL_PLANTED = '''\
def conv_backward_im2col(dout, x, w, stride, pad):
    """(dx, dw, db) in the matrix view. ONE line is wrong: find it and fix it."""
    raise NotImplementedError  # your code here: delete this line, run the check, fix
    from cnnlib.im2col_simple import col2im_simple, im2col_simple

    F, C, KH, KW = w.shape
    cols = im2col_simple(x, (KH, KW), stride, pad)           # (C*KH*KW, N*H_out*W_out)
    dout_matrix = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N*H_out*W_out)
    dw = (dout_matrix @ cols.T).reshape(w.shape)             # (F, C, KH, KW)
    W_T = w.reshape(-1, F)                                   # (C*KH*KW, F)
    dcols = W_T @ dout_matrix                                # (C*KH*KW, N*H_out*W_out)
    dx = col2im_simple(dcols, x.shape, (KH, KW), stride, pad)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
'''

IM2COL_FIXED = IM2COL_PLANTED.replace(
    '    """(dx, dw, db) in the matrix view. ONE line is wrong: find it and fix it."""\n'
    "    raise NotImplementedError  # your code here: delete this line, run the check, fix\n",
    '    """(dx, dw, db) in the matrix view: the planted bug fixed."""\n').replace(
    "    W_T = w.reshape(-1, F)                                   # (C*KH*KW, F)\n",
    "    # FIXED: W_matrix.T. Its row (c, ki, kj) must hold w[:, c, ki, kj], the F weights of\n"
    "    # that kernel entry; w.reshape(-1, F) has the right shape but cuts w's memory order\n"
    "    # (f, c, ki, kj) into rows of F numbers that mix filters and entries.\n"
    "    W_T = w.reshape(F, -1).T                                 # (C*KH*KW, F)\n")

_TOUCHED = '''\
def touched_region(i, j, K, S, P, H, W):
    """Rows top:bottom and columns left:right of dx that dout[i, j] alone changes."""
'''

_BACKWARD = '''\
def conv_backward(dout, x, w, stride, pad):
    """dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, KH, KW) -> dx, dw, db."""
'''

_NUMERIC = '''\
def numerical_gradient_array(f, x, dout, h=1e-5):
    """dL/dx for L = sum(f(x) * dout), by central differences; the shape of x."""
'''

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
        _TOUCHED + _STUB,
        _TOUCHED +
        "    top, left = S * i - P, S * j - P     # the window's corner, in x's coordinates\n"
        "    return max(top, 0), min(top + K, H), max(left, 0), min(left + K, W)\n"),
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
        "against cnnlib; on a failure it says which gradient is wrong, names the mistake "
        "when it recognises yours (or else the section to re-read), and after a pass it runs "
        "a float64 gradient check of your function.",
        _BACKWARD + _STUB,
        _BACKWARD +
        "    N, C, H, W = x.shape\n"
        "    F, _, KH, KW = w.shape\n"
        "    S, P = stride, pad\n"
        "    xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))\n"
        "    dxp = np.zeros_like(xp)                  # the gradient of the padded input\n"
        "    dw = np.zeros_like(w)\n"
        "    for n in range(N):\n"
        "        for f in range(F):\n"
        "            for i in range(dout.shape[2]):\n"
        "                for j in range(dout.shape[3]):\n"
        "                    rows = slice(S * i, S * i + KH)   # the window of output (i, j)\n"
        "                    cols = slice(S * j, S * j + KW)\n"
        "                    g = dout[n, f, i, j]\n"
        "                    dw[f] += g * xp[n, :, rows, cols]  # the window, as read\n"
        "                    dxp[n, :, rows, cols] += g * w[f]  # the kernel, stamped back\n"
        "    dx = dxp[:, :, P:P + H, P:P + W]         # cut the padding off\n"
        "    db = dout.sum(axis=(0, 2, 3))\n"
        "    return dx, dw, db\n"),
    Exercise(
        "conv_backward_im2col", "Find the planted bug (debug)",
        "A colleague wrote the matrix view of section 5 as a function. It runs, every shape "
        "in it is right (the comments say so), and yet the check fails: exactly one line is "
        "wrong. Delete the `raise` line and run the check cell. Read the evidence first: "
        "which cases pass, which fail, and which of `dx`, `dw`, `db` are wrong? Then reason: "
        "which lines does the wrong gradient use that the right ones do not? Test your guess "
        "on a tiny array (print it), then fix the line.",
        IM2COL_PLANTED, IM2COL_FIXED),
    Exercise(
        "numerical_gradient_array", "The numerical gradient of a layer (write)",
        "Section 7 checks every backward pass against the numerical gradient of "
        "`L = sum(f(x) * dout)`, and computed one entry of it with two copies of `x`. Write "
        "the whole of it: `numerical_gradient_array(f, x, dout, h=1e-5)` for a layer `f` "
        "that maps an array `x` to an array of `dout`'s shape. For every index `k` of `x`, "
        "`dx[k] = sum((f(x + h e_k) - f(x - h e_k)) * dout) / (2h)`, where only entry `k` "
        "moves. Copying `x` for every entry is slow for large arrays: nudge `x[k]` in place, "
        "call `f(x)`, and put `x[k]` back afterwards (`np.ndindex(x.shape)` walks every "
        "index of any shape). Then use it: does your `dx` for section 1's convolution agree "
        "with `conv2d_backward`'s?",
        _NUMERIC + _STUB,
        _NUMERIC +
        "    dx = np.zeros_like(x)\n"
        "    for k in np.ndindex(x.shape):\n"
        "        old = x[k]\n"
        "        x[k] = old + h\n"
        "        out_plus = f(x)\n"
        "        x[k] = old - h\n"
        "        out_minus = f(x)\n"
        "        x[k] = old                       # put it back before the next index\n"
        "        dx[k] = np.sum((out_plus - out_minus) * dout) / (2 * h)\n"
        "    return dx\n"),
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
        "about 1e-7, so with h = 1e-5 the error is about 3e-3, and even at its best "
        "(h = 1e-3) about 3e-5: gradient checks are done in float64. (2) With the rotation "
        "missing, the error of dx jumps to the order of 1, the wrong band, at every h: the "
        "whole curve lies in the top band, because no step size repairs a wrong formula. The "
        "bug is in dx only, so the check of dw stays good: check every gradient separately, "
        "a passing dw proves nothing about dx."),
]
