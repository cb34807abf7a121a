"""2-D convolution (cross-correlation, as in PyTorch): loop and fast versions, forward and backward.

Shapes: x (N, C, H, W), w (F, C, KH, KW), b (F,), out (N, F, H_out, W_out) with
``H_out = (H + 2P - D(KH - 1) - 1) // S + 1`` (same for W). Zero padding.
The loop versions (``_naive``) are the ones to read; the fast versions use im2col and
one matrix multiply. Both take and return the same cache, so either backward accepts
either forward's cache. Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import checks
from .checks import FCKK, NCHW, shape_line
from .conv_transpose import (
    conv_transpose2d_backward,
    conv_transpose2d_backward_naive,
    conv_transpose2d_forward,
    conv_transpose2d_forward_naive,
)
from .im2col import (
    choose_step,
    col2im_matmul,
    im2col,
    input_grad_same,
    input_grad_stride1,
    spread_outputs,
    take_outputs,
)
from .shapes import conv_out_hw

__all__ = [
    "conv2d_backward", "conv2d_backward_naive", "conv2d_forward", "conv2d_forward_naive",
    "conv_matrix", "conv_matrix_stats", "conv_transpose2d_backward",
    "conv_transpose2d_backward_naive", "conv_transpose2d_forward",
    "conv_transpose2d_forward_naive",
]


def _check_forward(func, x, w, b, stride, padding, dilation):
    """Validate the arguments of a conv2d forward; return (S, P, D, (H_out, W_out))."""
    checks.check_conv_arrays(func, x, w, b)
    S = checks.pair(stride, "stride", func, minimum=1)
    P = checks.pair(padding, "padding", func, minimum=0)
    D = checks.pair(dilation, "dilation", func, minimum=1)
    out_hw = conv_out_hw(func, x.shape[2:], w.shape[2:], S, P, D,
                         details=(lambda: shape_line("x", x.shape, NCHW) + "\n" +
                                  shape_line("w", w.shape, FCKK),))
    return S, P, D, out_hw


def _check_backward(func, dout, cache):
    x = cache["x"]
    N, F, (H_out, W_out) = x.shape[0], cache["w"].shape[0], cache["out_hw"]
    checks.check_dout(dout, (N, F, H_out, W_out), func, dtype=x.dtype)


def conv2d_forward_naive(x, w, b=None, stride=1, padding=0, dilation=1):
    """Convolution with plain loops: out[n, f, i, j] = sum(window * w[f]) + b[f].

    x (N, C, H, W), w (F, C, KH, KW), b (F,) or None -> out (N, F, H_out, W_out), cache.
    H_out = (H + 2P - D(KH - 1) - 1) // S + 1. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    (SH, SW), (PH, PW), (DH, DW), (H_out, W_out) = _check_forward(
        "conv2d_forward_naive", x, w, b, stride, padding, dilation)
    N, F, KH, KW = x.shape[0], w.shape[0], w.shape[2], w.shape[3]
    xp = np.pad(x, ((0, 0), (0, 0), (PH, PH), (PW, PW)))  # a frame of zeros around each image
    out = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for n in range(N):                  # every image
        for f in range(F):              # every filter
            for i in range(H_out):      # every output row
                for j in range(W_out):  # every output column
                    top, left = i * SH, j * SW  # the window starts stride steps further on
                    # the window under the kernel: every D-th pixel, all C channels
                    window = xp[n, :, top:top + DH * (KH - 1) + 1:DH,
                                left:left + DW * (KW - 1) + 1:DW]
                    out[n, f, i, j] = np.sum(window * w[f])  # multiply and add up
            if b is not None:
                out[n, f] += b[f]        # one bias per filter
    cache = {"x": x, "w": w, "has_bias": b is not None, "stride": (SH, SW),
             "padding": (PH, PW), "dilation": (DH, DW), "out_hw": (H_out, W_out), "cols": None}
    return out, cache


def conv2d_backward_naive(dout, cache):
    """Gradients of the convolution with plain loops: each output sends dout back to its window.

    dout (N, F, H_out, W_out) -> dx (N, C, H, W), dw (F, C, KH, KW), db (F,) or None.
    dw[f] += dout[n, f, i, j] * window; dx[window] += dout[n, f, i, j] * w[f].
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    _check_backward("conv2d_backward_naive", dout, cache)
    x, w = cache["x"], cache["w"]
    (SH, SW), (PH, PW), (DH, DW) = cache["stride"], cache["padding"], cache["dilation"]
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (PH, PH), (PW, PW)))
    dxp = np.zeros_like(xp)  # gradient of the padded input; the frame is cut off at the end
    dw = np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    top, left = i * SH, j * SW
                    rows = slice(top, top + DH * (KH - 1) + 1, DH)  # the window, as in forward
                    columns = slice(left, left + DW * (KW - 1) + 1, DW)
                    g = dout[n, f, i, j]  # how much the loss cares about out[n, f, i, j]
                    # out[n, f, i, j] = sum(window * w[f]), so its gradient flows
                    dw[f] += g * xp[n, :, rows, columns]  # to each weight: times its pixel,
                    dxp[n, :, rows, columns] += g * w[f]  # to each pixel: times its weight
    dx = dxp[:, :, PH:PH + H, PW:PW + W]
    db = dout.sum(axis=(0, 2, 3)) if cache["has_bias"] else None
    return dx, dw, db


def conv2d_forward(x, w, b=None, stride=1, padding=0, dilation=1):
    """Convolution by im2col and one matrix multiply (fast; same results as the naive loops).

    x (N, C, H, W), w (F, C, KH, KW), b (F,) or None -> out (N, F, H_out, W_out), cache.
    H_out = (H + 2P - D(KH - 1) - 1) // S + 1; out = w.reshape(F, -1) @ cols (+ b).
    Introduced in notebooks/02_convolution.ipynb.
    """
    return _conv2d_forward(x, w, b, stride, padding, dilation)


def _conv2d_forward(x, w, b, stride, padding, dilation, spare=None):
    """conv2d_forward; ``spare``: a cache that is no longer needed (Conv2d passes its last
    one), whose columns are overwritten instead of allocating new ones when they fit."""
    S, P, D, out_hw = _check_forward("conv2d_forward", x, w, b, stride, padding, dilation)
    F = w.shape[0]
    cols, step = _columns(x, w.shape, b is not None, S, P, D, out_hw,
                          None if spare is None else spare.get("cols"))
    weights = w.reshape(F, -1) if b is None else np.concatenate((w.reshape(F, -1), b[:, None]), 1)
    out = take_outputs(np.matmul(weights, cols), out_hw, step)   # (N, F, H_out, W_out)
    cache = {"x": x, "w": w, "has_bias": b is not None, "stride": S, "padding": P,
             "dilation": D, "out_hw": out_hw, "cols": cols, "step": step}
    return out, cache


def _columns(x, w_shape, has_bias, S, P, D, out_hw, buffer=None):
    """im2col's columns (N, C*KH*KW, L), plus a last row of ones when there is a bias: then
    [w | b] @ cols adds the bias within the matmul, and dout @ cols.T gives db with dw.
    ``buffer``: an old cols array to refill if its shape and dtype fit. Returns (cols, step),
    step being the layout choose_step picks."""
    F, C, KH, KW = w_shape
    step = choose_step(S, x.shape[3] + 2 * P[1], out_hw[1], C * KH * KW, F)
    rows, L = C * KH * KW, (out_hw[0] - 1) * step + out_hw[1]
    shape = (x.shape[0], rows + has_bias, L)
    if buffer is None or buffer.shape != shape or buffer.dtype != x.dtype:
        buffer = np.empty(shape, dtype=x.dtype)
    im2col(x, (KH, KW), S, P, D, out_hw, step, out=buffer[:, :rows])
    if has_bias:
        buffer[:, rows] = 1
    return buffer, step


def conv2d_backward(dout, cache, need_dx=True):
    """Gradients of the convolution: dw and db by one matmul of dout with the cached columns
    (their row of ones gives db, the sum of dout); dx by one of three strategies, chosen by
    shape, that give the same numbers:
    stride 1, one channel, "same" output size: long shifted additions (input_grad_same);
    any other stride 1: dout correlated with the flipped kernel (input_grad_stride1);
    stride > 1: col2im of w.reshape(F, -1).T @ dout, one kernel offset at a time
    (col2im_matmul).

    dout (N, F, H_out, W_out) -> dx (N, C, H, W), dw (F, C, KH, KW), db (F,) or None.
    need_dx=False skips dx (returns None): the first layer never needs it.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    _check_backward("conv2d_backward", dout, cache)
    x, w, cols, has_bias = cache["x"], cache["w"], cache["cols"], cache["has_bias"]
    S, P, D, out_hw = cache["stride"], cache["padding"], cache["dilation"], cache["out_hw"]
    F, C, KH, KW = w.shape
    if cols is None:  # a cache from conv2d_forward_naive
        cols, step = _columns(x, w.shape, has_bias, S, P, D, out_hw)
    else:
        step = cache["step"]
    d = spread_outputs(dout, step)                              # (N, F, L), as out was made
    dwb = np.matmul(d, cols.transpose(0, 2, 1)).sum(axis=0)     # sum_n dout[n] @ cols[n].T
    dw = dwb[:, :C * KH * KW].reshape(w.shape)
    db = dwb[:, -1].copy() if has_bias else None                # the row of ones: sum of dout
    if not need_dx:
        dx = None
    elif S == (1, 1) and C == 1 and out_hw == x.shape[2:]:  # a few long additions (measured:
        dx = input_grad_same(w, dout, x.shape, P, D)         # faster for C = 1, slower for 8)
    elif S == (1, 1):  # dout convolved with the flipped kernel: fewer, larger matmuls
        dx = input_grad_stride1(w, dout, x.shape, P, D)
    else:  # dx = col2im(w.reshape(F, -1).T @ d), one kernel offset at a time (less memory)
        dx = col2im_matmul(w, d, x.shape, S, P, D, out_hw, step)
    return dx, dw, db


def conv_matrix(w, input_hw, stride=1, padding=0, dilation=1):
    """A convolution as one dense matrix M: out[n].ravel() == M @ x[n].ravel().

    w (F, C, KH, KW), input_hw (H, W) -> M (F*H_out*W_out, C*H*W).

    Built with a loop over output positions (bias not included).
    Most entries of M are zero and the others are copies (tied) of the F*C*KH*KW weights.
    Introduced in notebooks/02_convolution.ipynb.
    """
    func = "conv_matrix"
    checks.check_float_array(w, "w", func, ndim=4, labels=FCKK)
    H, W = checks.pair(input_hw, "input_hw", func, minimum=1)
    S, P, D = (checks.pair(v, name, func, minimum=m) for v, name, m in
               ((stride, "stride", 1), (padding, "padding", 0), (dilation, "dilation", 1)))
    F, C, KH, KW = w.shape
    H_out, W_out = conv_out_hw(func, (H, W), (KH, KW), S, P, D,
                               details=(shape_line("w", w.shape, FCKK),))
    M = np.zeros((F * H_out * W_out, C * H * W), dtype=w.dtype)
    for f in range(F):
        for i in range(H_out):
            for j in range(W_out):
                row = (f * H_out + i) * W_out + j        # this output's place in out[n].ravel()
                for c in range(C):
                    for ki in range(KH):
                        for kj in range(KW):
                            r = i * S[0] - P[0] + ki * D[0]  # input pixel under w[f, c, ki, kj]
                            s = j * S[1] - P[1] + kj * D[1]
                            if 0 <= r < H and 0 <= s < W:    # padding pixels are zeros: skip
                                M[row, (c * H + r) * W + s] = w[f, c, ki, kj]
    return M


def conv_matrix_stats(w, input_hw, stride=1, padding=0, dilation=1):
    """Count what :func:`conv_matrix` holds: entries, zeros, and how often each weight repeats.

    Returns a dict: shape, entries, zeros, nonzeros, zero_fraction, repeats (an int array
    shaped like w: how many entries of M hold that weight), conv_params (w.size) and
    dense_params (entries: the weights of a dense layer of the same in/out sizes).
    Introduced in notebooks/02_convolution.ipynb.
    """
    checks.check_float_array(w, "w", "conv_matrix_stats", ndim=4, labels=FCKK)
    ids = np.arange(1, w.size + 1, dtype=np.float64).reshape(w.shape)  # weight k -> value k
    M = conv_matrix(ids, input_hw, stride, padding, dilation)
    repeats = np.bincount(M.ravel().astype(np.int64), minlength=w.size + 1)[1:]
    entries, nonzeros = M.size, int(repeats.sum())
    return {"shape": M.shape, "entries": entries, "zeros": entries - nonzeros,
            "nonzeros": nonzeros, "zero_fraction": 1 - nonzeros / entries,
            "repeats": repeats.reshape(w.shape), "conv_params": w.size, "dense_params": entries}
