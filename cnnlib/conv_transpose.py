"""Transposed convolution: the adjoint of conv2d's input gradient (PyTorch's ConvTranspose2d).

Shapes: x (N, C_in, H, W), w (C_in, C_out, KH, KW) as in PyTorch, b (C_out,),
out (N, C_out, H_out, W_out) with ``H_out = (H - 1)S - 2P + D(KH - 1) + 1 + output_padding``.
Each input pixel scatters ``x[n, c, i, j] * w[c]`` into the output; with the same stride,
padding and dilation it computes exactly conv2d_backward's dx. Introduced in
notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import checks
from .checks import NCHW, fail, shape_line
from .im2col import (
    choose_step,
    col2im_matmul,
    im2col,
    spread_outputs,
    take_outputs,
)
from .shapes import conv_transpose_output_size

__all__ = [
    "conv_transpose2d_backward", "conv_transpose2d_backward_naive", "conv_transpose2d_forward",
    "conv_transpose2d_forward_naive",
]

CCKK = "(C_in, C_out, KH, KW)"


def _check_forward(func, x, w, b, stride, padding, dilation, output_padding):
    """Validate a transposed-conv forward; return (S, P, D, (H_out, W_out))."""
    checks.check_conv_arrays(func, x, w, b, w_channel_axis=0, w_labels=CCKK)
    S = checks.pair(stride, "stride", func, minimum=1)
    P = checks.pair(padding, "padding", func, minimum=0)
    D = checks.pair(dilation, "dilation", func, minimum=1)
    OP = checks.pair(output_padding, "output_padding", func, minimum=0)
    try:
        out_hw = conv_transpose_output_size(x.shape[2:], w.shape[2:], S, P, D, OP)
    except ValueError as err:  # re-raise under the name of the function that was called
        message, *details = str(err).split("\n")
        raise fail(func, message.split(": ", 1)[1], *details,
                   shape_line("x", x.shape, NCHW), shape_line("w", w.shape, CCKK)) from None
    return S, P, D, out_hw


def _make_cache(x, w, b, S, P, D, out_hw):
    return {"x": x, "w": w, "has_bias": b is not None, "stride": S, "padding": P,
            "dilation": D, "out_hw": out_hw}


def _check_backward(func, dout, cache):
    x = cache["x"]
    checks.check_dout(dout, (x.shape[0], cache["w"].shape[1], *cache["out_hw"]), func,
                      dtype=x.dtype)


def conv_transpose2d_forward_naive(x, w, b=None, stride=1, padding=0, dilation=1,
                                   output_padding=0):
    """Transposed convolution with plain loops: every input pixel stamps x[n, c, i, j] * w[c].

    x (N, C_in, H, W), w (C_in, C_out, KH, KW), b (C_out,) or None -> out, cache with
    out (N, C_out, H_out, W_out), H_out = (H - 1)S - 2P + D(KH - 1) + 1 + output_padding.
    Not used in the notebooks.
    """
    S, P, D, out_hw = _check_forward("conv_transpose2d_forward_naive", x, w, b, stride,
                                     padding, dilation, output_padding)
    N, C_in, H, W = x.shape
    _, C_out, KH, KW = w.shape
    # the output before cropping `padding` rows and columns from each border
    outp = np.zeros((N, C_out, out_hw[0] + 2 * P[0], out_hw[1] + 2 * P[1]), dtype=x.dtype)
    for n in range(N):
        for c in range(C_in):
            for i in range(H):
                for j in range(W):
                    top, left = i * S[0], j * S[1]  # input steps of 1 are output steps of S
                    outp[n, :, top:top + D[0] * (KH - 1) + 1:D[0],
                         left:left + D[1] * (KW - 1) + 1:D[1]] += x[n, c, i, j] * w[c]
    out = outp[:, :, P[0]:P[0] + out_hw[0], P[1]:P[1] + out_hw[1]].copy()
    if b is not None:
        out += b[:, None, None]
    return out, _make_cache(x, w, b, S, P, D, out_hw)


def conv_transpose2d_backward_naive(dout, cache):
    """Gradients of the transposed convolution with plain loops (each stamp gathers dout back).

    dout (N, C_out, H_out, W_out) -> dx (N, C_in, H, W), dw (C_in, C_out, KH, KW), db.
    Not used in the notebooks.
    """
    _check_backward("conv_transpose2d_backward_naive", dout, cache)
    x, w, S, P, D = cache["x"], cache["w"], cache["stride"], cache["padding"], cache["dilation"]
    N, C_in, H, W = x.shape
    KH, KW = w.shape[2:]
    doutp = np.pad(dout, ((0, 0), (0, 0), (P[0], P[0]), (P[1], P[1])))
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for n in range(N):
        for c in range(C_in):
            for i in range(H):
                for j in range(W):
                    top, left = i * S[0], j * S[1]
                    region = doutp[n, :, top:top + D[0] * (KH - 1) + 1:D[0],
                                   left:left + D[1] * (KW - 1) + 1:D[1]]  # where the stamp went
                    dx[n, c, i, j] = np.sum(region * w[c])
                    dw[c] += x[n, c, i, j] * region
    db = dout.sum(axis=(0, 2, 3)) if cache["has_bias"] else None
    return dx, dw, db


def conv_transpose2d_forward(x, w, b=None, stride=1, padding=0, dilation=1, output_padding=0):
    """Transposed convolution by matrix multiplies and col2im (fast; same as the loops).

    x (N, C_in, H, W), w (C_in, C_out, KH, KW), b (C_out,) or None -> out, cache with
    out (N, C_out, H_out, W_out), H_out = (H - 1)S - 2P + D(KH - 1) + 1 + output_padding.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    S, P, D, out_hw = _check_forward("conv_transpose2d_forward", x, w, b, stride, padding,
                                     dilation, output_padding)
    N, C_in, H, W = x.shape
    C_out, KH, KW = w.shape[1:]
    step = choose_step(S, out_hw[1] + 2 * P[1], W, C_out * KH * KW, C_in)  # im2col's layout
    # col2im(w.reshape(C_in, -1).T @ x): every input pixel times w[c], added onto the output
    out = col2im_matmul(w, spread_outputs(x, step), (N, C_out, *out_hw), S, P, D, (H, W), step)
    out = out + b[:, None, None] if b is not None else np.ascontiguousarray(out)
    return out, _make_cache(x, w, b, S, P, D, out_hw)


def conv_transpose2d_backward(dout, cache):
    """Gradients of the transposed convolution: dx is conv2d(dout, w); dw one batched matmul.

    dout (N, C_out, H_out, W_out) -> dx (N, C_in, H, W), dw (C_in, C_out, KH, KW), db.
    Not used in the notebooks.
    """
    _check_backward("conv_transpose2d_backward", dout, cache)
    x, w, S, P, D = cache["x"], cache["w"], cache["stride"], cache["padding"], cache["dilation"]
    N, C_in, H, W = x.shape
    C_out, KH, KW = w.shape[1:]
    step = choose_step(S, dout.shape[3] + 2 * P[1], W, C_out * KH * KW, C_in)  # as forward
    cols = im2col(dout, (KH, KW), S, P, D, (H, W), step)         # (N, C_out*KH*KW, L)
    dx = take_outputs(np.matmul(w.reshape(C_in, -1), cols), (H, W), step)
    dw = np.matmul(spread_outputs(x, step), cols.transpose(0, 2, 1)).sum(axis=0)
    db = dout.sum(axis=0).sum(axis=(1, 2)) if cache["has_bias"] else None
    return dx, dw.reshape(w.shape), db
