"""The readable im2col and col2im: a convolution as one matrix product, in a few lines.

``im2col_simple`` copies every window of the (zero-padded) input into one column, so that a
convolution is ``w.reshape(F, -1) @ cols``; ``col2im_simple`` adds every column back onto the
window it came from (overlapping windows add up): the backward pass of that product. One
layout, no speed tricks: notebook 06 prints them. The fast versions that ``cnnlib.conv`` runs
(the same numbers) are in :mod:`cnnlib.im2col`, which also re-exports these two.
Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import NCHW, as_int, check_float_array, fail, pair, shape_line
from .shapes import conv_out_hw

__all__ = ["col2im_simple", "im2col_simple"]


def _simple_sizes(func, x_shape, kernel_size, stride, padding):
    """(KH, KW), S, P and (H_out, W_out) of the readable versions, checked."""
    KH, KW = pair(kernel_size, "kernel_size", func, minimum=1)
    S = as_int(stride, "stride", func, minimum=1)
    P = as_int(padding, "padding", func, minimum=0)
    out_hw = conv_out_hw(func, x_shape[2:], (KH, KW), S, P,
                         details=(shape_line("x", x_shape, NCHW),))
    return (KH, KW), S, P, out_hw


def im2col_simple(x, kernel_size, stride=1, padding=0):
    """The readable im2col: every window of the zero-padded x becomes one column.

    x (N, C, H, W) -> cols (C*KH*KW, N*H_out*W_out). Column (n*H_out + i)*W_out + j is the
    window of output (n, i, j), flattened in the order of ``w.reshape(F, -1)``'s rows
    (c, ki, kj). So ``w.reshape(F, -1) @ cols`` is the convolution, as (F, N*H_out*W_out).
    ``kernel_size``: K or (KH, KW); ``stride`` and ``padding``: ints.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    func = "im2col_simple"
    check_float_array(x, "x", func, ndim=4, labels=NCHW)
    (KH, KW), S, P, _ = _simple_sizes(func, x.shape, kernel_size, stride, padding)
    xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    # windows[n, c, i, j] = xp[n, c, S*i:S*i + KH, S*j:S*j + KW]: a view, nothing copied yet
    windows = np.lib.stride_tricks.sliding_window_view(xp, (KH, KW), axis=(2, 3))[:, :, ::S, ::S]
    # (N, C, H_out, W_out, KH, KW) -> rows (c, ki, kj), columns (n, i, j); reshape copies
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(x.shape[1] * KH * KW, -1)


def col2im_simple(cols, x_shape, kernel_size, stride=1, padding=0):
    """The readable col2im: add every column back onto the window it came from.

    cols (C*KH*KW, N*H_out*W_out), laid out as :func:`im2col_simple` makes them ->
    (N, C, H, W). Overlapping windows ADD up (``+=``); the padding is cut off at the end.
    It is the adjoint of im2col_simple: ``sum(im2col_simple(x) * cols) ==
    sum(x * col2im_simple(cols))``. Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    func = "col2im_simple"
    check_float_array(cols, "cols", func, ndim=2)
    N, C, H, W = x_shape
    (KH, KW), S, P, (H_out, W_out) = _simple_sizes(func, x_shape, kernel_size, stride, padding)
    if cols.shape != (C * KH * KW, N * H_out * W_out):
        raise fail(func, f"cols must have shape (C*KH*KW, N*H_out*W_out) = "
                   f"({C}*{KH}*{KW}, {N}*{H_out}*{W_out}) = {(C * KH * KW, N * H_out * W_out)}.",
                   shape_line("cols", cols.shape), shape_line("x", x_shape, NCHW))
    dxp = np.zeros((N, C, H + 2 * P, W + 2 * P), dtype=cols.dtype)   # padded, like xp
    for n in range(N):
        for i in range(H_out):
            for j in range(W_out):
                column = cols[:, (n * H_out + i) * W_out + j]      # the window of output (n, i, j)
                dxp[n, :, S * i:S * i + KH, S * j:S * j + KW] += column.reshape(C, KH, KW)
    return dxp[:, :, P:P + H, P:P + W]                              # cut the padding off
