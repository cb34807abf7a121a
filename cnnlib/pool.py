"""Max and average pooling on NCHW arrays, with loop versions beside the fast ones.

A K x K window slides over each channel with stride S (default S = K) and is replaced by
its maximum or its mean; channels never mix. Sizes floor, as in PyTorch::

    H_out = (H + 2P - KH) // SH + 1        W_out = (W + 2P - KW) // SW + 1

Padding follows PyTorch: max pooling pads with -inf (padding never wins), average pooling
pads with zeros that count (always divide by KH*KW), and P <= K // 2.
The fast versions loop over the KH*KW offsets of the window and handle a whole strided
slice of the input at a time. Introduced in notebooks/05_pooling.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import NCHW, check_dout, check_float_array, pair, shape_line
from .shapes import pool_out_hw

__all__ = [
    "avg_pool2d_backward", "avg_pool2d_backward_naive", "avg_pool2d_forward",
    "avg_pool2d_forward_naive", "global_avg_pool2d_backward", "global_avg_pool2d_forward",
    "max_pool2d_backward", "max_pool2d_backward_naive", "max_pool2d_forward",
    "max_pool2d_forward_naive",
]


# ---------------------------------------------------------------- shared helpers
def _setup(func, x, kernel_size, stride, padding):
    """Check the arguments; return (K, S, P, (H_out, W_out)) as (h, w) pairs."""
    check_float_array(x, "x", func, ndim=4, labels=NCHW)
    out_hw = pool_out_hw(func, x.shape[2:], kernel_size, stride, padding,
                         details=(lambda: shape_line("x", x.shape, NCHW),))
    K = pair(kernel_size, "kernel_size", func)
    S = K if stride is None else pair(stride, "stride", func)
    P = pair(padding, "padding", func)
    return K, S, P, out_hw


def _pad(x, P, value):
    """Surround H and W with P rows/columns of ``value`` (no copy when P == 0)."""
    if P == (0, 0):
        return x
    N, C, H, W = x.shape
    xp = np.full((N, C, H + 2 * P[0], W + 2 * P[1]), value, dtype=x.dtype)
    xp[:, :, P[0]:P[0] + H, P[1]:P[1] + W] = x
    return xp


def _crop(dxp, P, x_shape):
    """Undo :func:`_pad`: the gradient of the padding is dropped."""
    if P == (0, 0):
        return dxp
    H, W = x_shape[2:]
    return np.ascontiguousarray(dxp[:, :, P[0]:P[0] + H, P[1]:P[1] + W])


def _offset_views(xp, K, S, out_hw):
    """For each offset (di, dj) of the window (row-major), the strided view
    ``xp[:, :, di + S*i, dj + S*j]`` over all output positions (i, j)."""
    (KH, KW), (SH, SW), (H_out, W_out) = K, S, out_hw
    return [xp[:, :, di:di + SH * (H_out - 1) + 1:SH, dj:dj + SW * (W_out - 1) + 1:SW]
            for di in range(KH) for dj in range(KW)]


def _check_backward(func, dout, cache_shape, dtype):
    labels = NCHW if len(cache_shape) == 4 else "(N, C)"
    check_dout(dout, cache_shape, func, labels=labels, dtype=dtype)


def _scatter(dxp, parts, K, S, out_hw):
    """Put ``parts[k]`` (shape of the output) back at window offset k; add where windows
    overlap (stride < kernel), so a pixel in several windows gets every gradient."""
    overlap = S[0] < K[0] or S[1] < K[1]
    for view, part in zip(_offset_views(dxp, K, S, out_hw), parts, strict=True):
        if overlap:
            view += part
        else:
            view[...] = part


# ---------------------------------------------------------------- max pooling
def max_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Max pooling: the largest value of each KH x KW window, channel by channel.

    x (N, C, H, W) -> out (N, C, H_out, W_out), H_out = (H + 2P - KH) // SH + 1.
    stride defaults to kernel_size; padding (<= K // 2) is -inf, so it never wins.
    Ties: the gradient goes to exactly one maximum, the first in row-major order within
    the window (what np.argmax gives), as in max_pool2d_forward_naive.
    Returns (out, cache). Introduced in notebooks/05_pooling.ipynb.
    """
    K, S, P, out_hw = _setup("max_pool2d_forward", x, kernel_size, stride, padding)
    if K == S == (2, 2) and P == (0, 0):  # the common case: a faster route, same results
        return _max_pool_2x2_forward(x, out_hw)
    views = _offset_views(_pad(x, P, -np.inf), K, S, out_hw)
    out = views[0].copy()
    for view in views[1:]:
        np.maximum(out, view, out=out)
    # winners[k] marks the windows whose first maximum sits at offset k.
    winners = np.empty((len(views), *out.shape), dtype=bool)
    taken = np.zeros(out.shape, dtype=bool)
    for k, view in enumerate(views):
        np.equal(view, out, out=winners[k])
        if k > 0:
            winners[k] &= ~taken
        if k < len(views) - 1:
            taken |= winners[k]
    return out, (winners, x.shape, x.dtype, K, S, P)


def max_pool2d_backward(dout, cache):
    """Gradient of max pooling: each dout value goes to the input that won its window.

    dout (N, C, H_out, W_out) -> dx (N, C, H, W); overlapping windows add up.
    Introduced in notebooks/05_pooling.ipynb.
    """
    winners, x_shape, dtype, K, S, P = cache
    if isinstance(winners, _PairChoices):
        _check_backward("max_pool2d_backward", dout, winners.out_shape, dtype)
        return _max_pool_2x2_backward(dout, winners, x_shape)
    out_hw = winners.shape[-2:]
    _check_backward("max_pool2d_backward", dout, winners.shape[1:], dtype)
    N, C, H, W = x_shape
    dxp = np.zeros((N, C, H + 2 * P[0], W + 2 * P[1]), dtype=dtype)
    _scatter(dxp, (dout * w for w in winners), K, S, out_hw)
    return _crop(dxp, P, x_shape)


class _PairChoices:
    """What the 2x2 max pool remembers (bool arrays, one value per window): in
    [[a, b], [c, d]], a_wins_top = a >= b, c_wins_bottom = c >= d, top_wins = the top
    pair's maximum >= the bottom pair's."""

    def __init__(self, a_wins_top, c_wins_bottom, top_wins, out_shape):
        self.a_wins_top, self.c_wins_bottom = a_wins_top, c_wins_bottom
        self.top_wins, self.out_shape = top_wins, out_shape


def _max_pool_2x2_forward(x, out_hw):
    """2x2 windows, stride 2, as a small tournament: a vs b, c vs d, then top vs bottom.

    Each window [[a, b], [c, d]] is split into four planes first (one copy), so that every
    comparison runs over long contiguous arrays (numpy is slow on short or strided rows).
    Ties go to a before b before c before d: the first maximum in row-major order, as
    np.argmax and max_pool2d_forward_naive.
    """
    (N, C), x_shape, (H_out, W_out) = x.shape[:2], x.shape, out_hw
    windows = x[:, :, :2 * H_out, :2 * W_out].reshape(N * C * H_out, 2, W_out, 2)
    planes = np.empty((2, 2, N * C * H_out, W_out), dtype=x.dtype)
    planes[...] = windows.transpose(1, 3, 0, 2)        # planes[row, column] of each window
    (a, b), (c, d) = planes
    a_wins_top, c_wins_bottom = a >= b, c >= d
    top, bottom = np.maximum(a, b), np.maximum(c, d)
    top_wins = top >= bottom
    out = np.maximum(top, bottom, out=top).reshape(N, C, H_out, W_out)
    choices = _PairChoices(a_wins_top, c_wins_bottom, top_wins, out.shape)
    return out, (choices, x_shape, x.dtype, (2, 2), (2, 2), (0, 0))


def _max_pool_2x2_backward(dout, choices, x_shape):
    """Send each dout value down the tournament: to the top or bottom pair, then to the
    left or right pixel of that pair; the other three pixels of the window get 0."""
    N, C, H, W = x_shape
    H_out, W_out = choices.out_shape[2:]
    g = dout.reshape(N * C * H_out, W_out)
    planes = np.empty((2, 2, N * C * H_out, W_out), dtype=dout.dtype)
    (ga, gb), (gc, gd) = planes
    np.multiply(g, choices.top_wins, out=gb)        # what reaches the top pair ...
    np.subtract(g, gb, out=gd)                      # ... and the bottom pair
    np.multiply(gb, choices.a_wins_top, out=ga)     # a if it won the top pair,
    np.subtract(gb, ga, out=gb)                     # else b
    np.multiply(gd, choices.c_wins_bottom, out=gc)  # c if it won the bottom pair,
    np.subtract(gd, gc, out=gd)                     # else d
    dx = np.empty((N, C, 2 * H_out, 2 * W_out), dtype=dout.dtype)
    windows = dx.reshape(N * C * H_out, 2, W_out, 2)
    for row in range(2):        # four strided copies: numpy is slow at one interleaving
        for column in range(2):  # copy whose innermost axis has length 2
            windows[:, row, :, column] = planes[row, column]
    if (2 * H_out, 2 * W_out) != (H, W):            # odd sizes: the cropped edge gets 0
        full = np.zeros(x_shape, dtype=dout.dtype)
        full[:, :, :2 * H_out, :2 * W_out] = dx
        dx = full
    return dx


def max_pool2d_forward_naive(x, kernel_size, stride=None, padding=0):
    """Loop version of :func:`max_pool2d_forward` (same arguments, same result).

    Remembers np.argmax of each window: the first maximum in row-major order.
    Introduced in notebooks/05_pooling.ipynb.
    """
    (KH, KW), (SH, SW), P, (H_out, W_out) = _setup(
        "max_pool2d_forward_naive", x, kernel_size, stride, padding)
    xp = _pad(x, P, -np.inf)
    N, C = x.shape[:2]
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    argmax = np.empty((N, C, H_out, W_out), dtype=np.intp)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, c, i * SH:i * SH + KH, j * SW:j * SW + KW]
                    k = np.argmax(window)          # index into window.ravel()
                    argmax[n, c, i, j] = k
                    out[n, c, i, j] = window.flat[k]
    return out, (argmax, x.shape, x.dtype, (KH, KW), (SH, SW), P)


def max_pool2d_backward_naive(dout, cache):
    """Loop version of :func:`max_pool2d_backward`. Introduced in notebooks/05_pooling.ipynb."""
    argmax, x_shape, dtype, (KH, KW), (SH, SW), P = cache
    _check_backward("max_pool2d_backward_naive", dout, argmax.shape, dtype)
    N, C, H, W = x_shape
    dxp = np.zeros((N, C, H + 2 * P[0], W + 2 * P[1]), dtype=dtype)
    for n in range(N):
        for c in range(C):
            for i in range(argmax.shape[2]):
                for j in range(argmax.shape[3]):
                    di, dj = divmod(int(argmax[n, c, i, j]), KW)
                    dxp[n, c, i * SH + di, j * SW + dj] += dout[n, c, i, j]
    return _crop(dxp, P, x_shape)


# ---------------------------------------------------------------- average pooling
def avg_pool2d_forward(x, kernel_size, stride=None, padding=0):
    """Average pooling: the mean of each KH x KW window, channel by channel.

    x (N, C, H, W) -> out (N, C, H_out, W_out), H_out = (H + 2P - KH) // SH + 1.
    Padded zeros count: every window is divided by KH*KW (PyTorch's default).
    Returns (out, cache). Introduced in notebooks/05_pooling.ipynb.
    """
    K, S, P, out_hw = _setup("avg_pool2d_forward", x, kernel_size, stride, padding)
    views = _offset_views(_pad(x, P, 0), K, S, out_hw)
    out = views[0].copy()
    for view in views[1:]:
        out += view
    out /= K[0] * K[1]
    return out, (x.shape, x.dtype, K, S, P, out.shape)


def avg_pool2d_backward(dout, cache):
    """Gradient of average pooling: each input of a window gets dout / (KH*KW).

    dout (N, C, H_out, W_out) -> dx (N, C, H, W); overlapping windows add up.
    Introduced in notebooks/05_pooling.ipynb.
    """
    x_shape, dtype, K, S, P, out_shape = cache
    _check_backward("avg_pool2d_backward", dout, out_shape, dtype)
    N, C, H, W = x_shape
    dxp = np.zeros((N, C, H + 2 * P[0], W + 2 * P[1]), dtype=dtype)
    share = dout / (K[0] * K[1])
    _scatter(dxp, [share] * (K[0] * K[1]), K, S, out_shape[2:])
    return _crop(dxp, P, x_shape)


def avg_pool2d_forward_naive(x, kernel_size, stride=None, padding=0):
    """Loop version of :func:`avg_pool2d_forward`. Introduced in notebooks/05_pooling.ipynb."""
    (KH, KW), (SH, SW), P, (H_out, W_out) = _setup(
        "avg_pool2d_forward_naive", x, kernel_size, stride, padding)
    xp = _pad(x, P, 0)
    N, C = x.shape[:2]
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for c in range(C):
            for i in range(H_out):
                for j in range(W_out):
                    window = xp[n, c, i * SH:i * SH + KH, j * SW:j * SW + KW]
                    out[n, c, i, j] = window.sum() / (KH * KW)
    return out, (x.shape, x.dtype, (KH, KW), (SH, SW), P, out.shape)


def avg_pool2d_backward_naive(dout, cache):
    """Loop version of :func:`avg_pool2d_backward`. Not used in the notebooks."""
    x_shape, dtype, (KH, KW), (SH, SW), P, out_shape = cache
    _check_backward("avg_pool2d_backward_naive", dout, out_shape, dtype)
    N, C, H, W = x_shape
    dxp = np.zeros((N, C, H + 2 * P[0], W + 2 * P[1]), dtype=dtype)
    for n in range(N):
        for c in range(C):
            for i in range(out_shape[2]):
                for j in range(out_shape[3]):
                    window = dxp[n, c, i * SH:i * SH + KH, j * SW:j * SW + KW]
                    window += dout[n, c, i, j] / (KH * KW)
    return _crop(dxp, P, x_shape)


# ---------------------------------------------------------------- global average pooling
def global_avg_pool2d_forward(x):
    """Global average pooling: the mean of each whole channel.

    x (N, C, H, W) -> out (N, C), out[n, c] = mean over (h, w) of x[n, c, h, w].
    Returns (out, cache). Introduced in notebooks/05_pooling.ipynb.
    """
    check_float_array(x, "x", "global_avg_pool2d_forward", ndim=4, labels=NCHW)
    return x.mean(axis=(2, 3)), (x.shape, x.dtype)


def global_avg_pool2d_backward(dout, cache):
    """Gradient of global average pooling: every pixel gets dout[n, c] / (H*W).

    dout (N, C) -> dx (N, C, H, W). Not used in the notebooks.
    """
    x_shape, dtype = cache
    _check_backward("global_avg_pool2d_backward", dout, x_shape[:2], dtype)
    share = dout / (x_shape[2] * x_shape[3])
    return np.broadcast_to(share[:, :, None, None], x_shape).copy()
