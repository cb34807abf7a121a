"""im2col and col2im: turn a convolution into one matrix multiply, and back.

``im2col`` copies every window of the (zero-padded) input into a column, so that a
convolution becomes ``w.reshape(F, -1) @ cols``; ``col2im`` is its adjoint: it adds each
column back onto the window it came from (overlapping windows add up).

Read the readable versions first, in :mod:`cnnlib.im2col_simple` (re-exported here:
``from cnnlib.im2col import im2col_simple`` works). This module is the fast machinery shared
by ``cnnlib.conv`` and ``cnnlib.conv_transpose`` (a column layout chosen by shape, reused
buffers, three ways to compute dx); it computes the same numbers.
Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import fail
from .im2col_simple import col2im_simple, im2col_simple

__all__ = [
    "col2im", "col2im_matmul", "col2im_simple", "choose_step", "im2col", "im2col_simple",
    "input_grad_same", "input_grad_stride1", "pad_input", "spread_outputs", "take_outputs",
]


def pad_input(x, padding):
    """Zero-pad the last two axes of ``x`` (N, C, H, W) by ``padding = (PH, PW)``.

    Returns ``x`` itself (no copy) when there is no padding, else a new array
    (N, C, H + 2PH, W + 2PW) of the same dtype.
    Not used in the notebooks.
    """
    PH, PW = padding
    if PH == 0 and PW == 0:
        return x
    N, C, H, W = x.shape
    xp = np.zeros((N, C, H + 2 * PH, W + 2 * PW), dtype=x.dtype)
    xp[:, :, PH:PH + H, PW:PW + W] = x
    return xp


def choose_step(stride, padded_width, out_width, n_rows, n_out):
    """Pick the layout of im2col's columns: output (i, j) goes to column i*step + j.

    step = Wp (the padded width) makes each row of cols one contiguous run of the padded
    input: a cheaper im2col, but out and dout need copying out of / into that layout
    (take_outputs, spread_outputs). Worth it (measured) only with stride 1 and more than
    twice as many rows n_rows = C*KH*KW as output channels n_out. Otherwise step = W_out.
    Not used in the notebooks.
    """
    flat = tuple(stride) == (1, 1) and n_rows > 2 * n_out
    return padded_width if flat else out_width


def im2col(x, kernel_hw, stride, padding, dilation, out_hw, step=None, out=None):
    """Copy every window of ``x`` into a column: cols (N, C*KH*KW, L).

    ``cols[n, (c*KH + ki)*KW + kj, i*step + j] = xp[n, c, i*SH + ki*DH, j*SW + kj*DW]``,
    xp being x zero-padded: column i*step + j belongs to output (i, j), so that
    ``w.reshape(F, -1) @ cols`` is (N, F, L), already in NCHW order. By default
    step = W_out and L = H_out*W_out; step = Wp (stride 1 only, see choose_step) gives
    L = (H_out - 1)*Wp + W_out, the unused columns between output rows included.
    ``out``: an array of that shape and dtype to fill instead of a new one (a layer reuses
    its last batch's columns: allocating a few MB afresh every batch costs page faults); it
    may be a slice out[:, :rows] of a bigger buffer (conv.py adds a row of ones for the bias).
    Not used in the notebooks.
    """
    (KH, KW), (SH, SW), (DH, DW), (H_out, W_out) = kernel_hw, stride, dilation, out_hw
    N, C = x.shape[:2]
    xp = np.ascontiguousarray(pad_input(x, padding))
    if step is not None and step != W_out:
        if (SH, SW) != (1, 1) or step != xp.shape[3]:  # the view below would leave xp
            raise fail("im2col", f"step={step} needs stride 1 and step = the padded width "
                       f"{xp.shape[3]} (or step = W_out = {W_out}); see choose_step.")
        L = (H_out - 1) * step + W_out
        sN, sC, sH, sW = xp.strides
        # view[n, c, ki, kj, p] = xp.ravel()[.. + ki*DH*Wp + kj*DW + p]: stays inside xp
        view = _strided(xp, (N, C, KH, KW, L), (sN, sC, sH * DH, sW * DW, sW))
        if out is None:
            return view.reshape(N, C * KH * KW, L)
        _fill(out, view)
        return out
    # windows[n, c, ki, kj, i, j] = xp[n, c, i*SH + ki*DH, j*SW + kj*DW]: a view, no copy yet
    sN, sC, sH, sW = xp.strides
    windows = _strided(xp, (N, C, KH, KW, H_out, W_out),
                       (sN, sC, sH * DH, sW * DW, sH * SH, sW * SW))
    # (N, C, KH, KW, H_out, W_out): the one copy happens in the reshape or _fill below.
    if out is None:
        return windows.reshape(N, C * KH * KW, H_out * W_out)
    _fill(out, windows)
    return out


def _strided(a, shape, strides):
    """A read-only view of ``a`` with the given shape and byte strides: numpy's
    as_strided(..., writeable=False), with less overhead when ``a`` is C-contiguous."""
    if not a.flags.c_contiguous:
        return np.lib.stride_tricks.as_strided(a, shape, strides, writeable=False)
    view = np.ndarray(shape, dtype=a.dtype, buffer=a, strides=strides)
    view.flags.writeable = False
    return view


def _fill(out, values):
    """out[...] = values, out (N, rows, L) being reshaped to values' shape as a view, never
    as a copy (a copy would be filled instead of out, silently); out may be non-contiguous."""
    N, rows, L = values.shape[0], int(np.prod(values.shape[1:4])), int(np.prod(values.shape[4:]))
    if out.shape != (N, rows, L) or out.dtype != values.dtype:
        raise fail("im2col", f"out must be an array of shape {(N, rows, L)} and dtype "
                   f"{values.dtype}, got {out.shape} {out.dtype}.")
    target = out.reshape(values.shape)
    if not np.may_share_memory(target, out):  # reshape had to copy: out would stay unfilled
        raise fail("im2col", f"out (shape {out.shape}, strides {out.strides}) cannot be "
                   f"viewed as {values.shape}; pass a contiguous array or a row slice of one.")
    target[...] = values


def take_outputs(y, out_hw, step):
    """From y (N, F, L) with output (i, j) at column i*step + j, return (N, F, H_out, W_out).
    Not used in the notebooks."""
    N, F, L = y.shape
    H_out, W_out = out_hw
    if step == W_out:
        return y.reshape(N, F, H_out, W_out)
    s = y.strides
    return _strided(y, (N, F, H_out, W_out), (s[0], s[1], s[2] * step, s[2])).copy()


def spread_outputs(dout, step):
    """Inverse of :func:`take_outputs`: (N, F, H_out, W_out) -> (N, F, L), zeros between rows.
    Not used in the notebooks."""
    N, F, H_out, W_out = dout.shape
    if step == W_out:
        return dout.reshape(N, F, H_out * W_out)
    spread = np.zeros((N, F, H_out, step), dtype=dout.dtype)
    spread[..., :W_out] = dout
    return spread.reshape(N, F, H_out * step)[..., :(H_out - 1) * step + W_out]


def col2im(cols, x_shape, kernel_hw, stride, padding, dilation, out_hw, step=None):
    """Add every column of cols (N, C*KH*KW, L) back onto its window: dx (N, C, H, W).

    The adjoint of :func:`im2col` (same layout). One addition per kernel offset (KH*KW
    of them), correct for any stride, dilation and overlap. Returns a view of the padded
    buffer (no copy is made to crop the padding).
    Not used in the notebooks.
    """
    (KH, KW), (SH, SW), (PH, PW), (DH, DW), (H_out, W_out) = (
        kernel_hw, stride, padding, dilation, out_hw)
    N, C, H, W = x_shape
    dxp = np.zeros((N, C, H + 2 * PH, W + 2 * PW), dtype=cols.dtype)
    if step is not None and step != W_out:  # im2col's stride-1 layout
        cols = cols.reshape(N, C, KH, KW, -1)
        L = cols.shape[-1]
        flat = dxp.reshape(N, C, -1)
        for ki in range(KH):
            for kj in range(KW):
                start = ki * DH * step + kj * DW
                flat[:, :, start:start + L] += cols[:, :, ki, kj]
        return dxp[:, :, PH:PH + H, PW:PW + W]
    cols = cols.reshape(N, C, KH, KW, H_out, W_out)
    for ki in range(KH):
        for kj in range(KW):
            top, left = ki * DH, kj * DW
            dxp[:, :, top:top + SH * (H_out - 1) + 1:SH,
                left:left + SW * (W_out - 1) + 1:SW] += cols[:, :, ki, kj]
    return dxp[:, :, PH:PH + H, PW:PW + W]


def col2im_matmul(w, d, x_shape, stride, padding, dilation, out_hw, step):
    """``col2im(w.reshape(F, -1).T @ d)`` without building the columns: dx (N, C, H, W).

    w (F, C, KH, KW), d (N, F, L) in im2col's layout (see spread_outputs). For each kernel
    offset (ki, kj), one matmul w[:, :, ki, kj].T @ d (N, C, L) is added onto the input
    pixels that offset touched: the same sum as col2im, in a tenth of the memory (faster).
    Not used in the notebooks.
    """
    F, C, KH, KW = w.shape
    (SH, SW), (PH, PW), (DH, DW), (H_out, W_out) = stride, padding, dilation, out_hw
    N, _, H, W = x_shape
    dxp = np.zeros((N, C, H + 2 * PH, W + 2 * PW), dtype=d.dtype)
    flat, L = dxp.reshape(N, C, -1), d.shape[-1]
    w_t = np.ascontiguousarray(w.transpose(2, 3, 1, 0))  # w_t[ki, kj] = w[:, :, ki, kj].T
    part = np.empty((N, C, L), dtype=d.dtype)             # reused: fewer fresh pages
    for ki in range(KH):
        for kj in range(KW):
            np.matmul(w_t[ki, kj], d, out=part)  # (N, C, L): what this offset sends back
            if step != W_out:  # im2col's stride-1 layout: one contiguous run per row
                start = ki * DH * step + kj * DW
                flat[:, :, start:start + L] += part
            else:
                top, left = ki * DH, kj * DW
                dxp[:, :, top:top + SH * (H_out - 1) + 1:SH,
                    left:left + SW * (W_out - 1) + 1:SW] += part.reshape(N, C, H_out, W_out)
    return dxp[:, :, PH:PH + H, PW:PW + W]


def input_grad_stride1(w, dout, x_shape, padding, dilation):
    """dx (N, C, H, W) of a stride-1 convolution, gathered rather than scattered.

    dx is a convolution of dout, zero-padded, with the flipped kernel. The padded input
    is flattened row by row (width Wp), so kernel offset (ki, kj) is a shift of
    s = ki*DH*Wp + kj*DW and ``dxp[q] = sum over (ki, kj) of w[:, :, ki, kj].T @ d[q - s]``.
    The KW column shifts of d are stacked (KW contiguous copies), which leaves one matmul
    per kernel row (K = KW*F) instead of KH*KW small ones each added into dx. A few images
    at a time, so that the stack stays in the CPU cache. Returns a view of the padded
    buffer (its padding cropped), like col2im.
    Not used in the notebooks.
    """
    F, C, KH, KW = w.shape
    N, _, H, W = x_shape
    (PH, PW), (DH, DW), (H_out, W_out) = padding, dilation, dout.shape[2:]
    Wp = W + 2 * PW
    front = (KH - 1) * DH * Wp + (KW - 1) * DW           # the largest shift
    rows = (H + 2 * PH + (KH - 1) * DH) * Wp            # stack length: every row shift fits
    first, size = PH * Wp, H * Wp                       # only the unpadded rows of dx
    w_rows = np.ascontiguousarray(w.transpose(2, 1, 3, 0)).reshape(KH, C, KW * F)
    n = max(1, min(N, 2 ** 18 // (KW * F * rows)))     # images per chunk: stack <= 1 MB
    dz = np.zeros((n, F, rows + (KW - 1) * DW), dtype=dout.dtype)   # d, shifted by front
    stack = np.empty((n, KW, F, rows), dtype=dout.dtype)
    part = np.empty((n, C, size), dtype=dout.dtype)
    dxp = np.empty((N, C, size), dtype=dout.dtype)
    for start in range(0, N, n):
        m = min(n, N - start)
        dz[:m, :, front:front + H_out * Wp].reshape(m, F, H_out, Wp)[..., :W_out] = (
            dout[start:start + m])           # the zeros between rows stay zero
        for kj in range(KW):                 # stack[:, kj, f, r] = dz[:, f, r + u]
            u = (KW - 1 - kj) * DW
            stack[:m, kj] = dz[:m, :, u:u + rows]
        flat = stack[:m].reshape(m, KW * F, rows)
        out = dxp[start:start + m]
        for ki in range(KH):
            v = (KH - 1 - ki) * DH * Wp + first
            np.matmul(w_rows[ki], flat[:, :, v:v + size], out=out if ki == 0 else part[:m])
            if ki:
                out += part[:m]
    return dxp.reshape(N, C, H, Wp)[..., PW:PW + W]



def input_grad_same(w, dout, x_shape, padding, dilation):
    """dx (N, C, H, W) of a stride-1 "same" convolution (H_out, W_out = H, W) by long shifts.

    One matmul gives what every kernel offset sends back, P[c, ki, kj] = w[:, c, ki, kj] @ dout
    (N, H, W each). dx pixel (r, s) takes P[c, ki, kj] at output (r + a, s + b), with
    a = PH - ki*DH and b = PW - kj*DW. Laid end to end, the N images are one long signal of
    N*H*W values, in which that is a single shift by a*W + b: one long contiguous addition per
    offset (numpy is quick on those, slow on many short rows). The shift would also carry
    values across a row's or an image's edge; exactly those rows and columns of P are ones
    that no dx pixel may take (rows r + a outside 0..H-1, columns s + b outside 0..W-1), so
    they are set to 0 first. Measured faster than :func:`input_grad_stride1` for C = 1
    (a first layer), slower for C = 8: P does not stay in the CPU cache.
    Not used in the notebooks.
    """
    F, C, KH, KW = w.shape
    N, _, H, W = x_shape
    (PH, PW), (DH, DW) = padding, dilation
    total = N * H * W
    parts = np.empty((C * KH * KW, N, H, W), dtype=dout.dtype)
    w_t = np.ascontiguousarray(w.reshape(F, -1).T)                  # (C*KH*KW, F)
    np.matmul(w_t, dout.reshape(N, F, H * W), out=parts.reshape(-1, N, H * W).transpose(1, 0, 2))
    parts = parts.reshape(C, KH, KW, N, H, W)
    dx = np.zeros((C, total), dtype=dout.dtype)
    for ki in range(KH):
        a = PH - ki * DH
        for kj in range(KW):
            b, p = PW - kj * DW, parts[:, ki, kj]                   # (C, N, H, W)
            p[:, :, :max(a, 0)] = 0                                 # rows no pixel takes
            p[:, :, max(H + min(a, 0), 0):] = 0
            p[..., :max(b, 0)] = 0                                  # columns no pixel takes
            p[..., max(W + min(b, 0), 0):] = 0
            shift, flat = a * W + b, p.reshape(C, total)
            if shift >= 0:                                          # dx[q] += P[q + shift]
                dx[:, :max(total - shift, 0)] += flat[:, shift:]
            else:
                dx[:, min(-shift, total):] += flat[:, :max(total + shift, 0)]
    return np.ascontiguousarray(dx.reshape(C, N, H, W).transpose(1, 0, 2, 3))
