"""Fully connected (linear) layer and the flatten step that feeds it.

A linear layer multiplies every input feature by a weight and adds a bias, in PyTorch's
order: ``out = x @ w.T + b`` with w of shape (out_features, in_features). A CNN flattens its
last (N, C, H, W) feature maps to (N, C*H*W) first. Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import check_dout, check_float_array, check_same_dtype, fail, shape_line

__all__ = [
    "flatten_backward", "flatten_forward", "linear_backward", "linear_backward_naive",
    "linear_forward", "linear_forward_naive",
]

XL = "(N, in_features)"
WL = "(out_features, in_features)"
OL = "(N, out_features)"


def _check_linear(func, x, w, b):
    """Validate x (N, in_features), w (out_features, in_features), b (out_features,)."""
    check_float_array(x, "x", func)
    if x.ndim != 2:
        hint = ""
        if x.ndim > 2:
            flat = (x.shape[0], int(np.prod(x.shape[1:])))
            hint = (f"  Flatten it first: flatten_forward(x) or x.reshape(N, -1) gives "
                    f"shape {flat}.")
        raise fail(func, f"x must have 2 dimensions {XL}, got {x.ndim}.",
                   shape_line("x", x.shape), hint)
    check_float_array(w, "w", func, ndim=2, labels=WL)
    if x.shape[1] != w.shape[1]:
        raise fail(func, f"x has {x.shape[1]} features but w expects {w.shape[1]}.",
                   shape_line("x", x.shape, XL), shape_line("w", w.shape, WL),
                   "  The last axis of x must equal the last axis of w (y = x @ w.T + b).")
    if b is not None:
        check_float_array(b, "b", func)
        if b.shape != (w.shape[0],):
            raise fail(func, f"b must hold one bias per output feature: shape ({w.shape[0]},).",
                       shape_line("b", b.shape, "(out_features,)"),
                       shape_line("w", w.shape, WL))
    check_same_dtype(func, x=x, w=w, b=b)


def linear_forward(x, w, b=None):
    """Fully connected layer: out = x @ w.T + b.

    x (N, in_features), w (out_features, in_features), b (out_features,) or None
    -> out (N, out_features). Returns (out, cache). Introduced in
    notebooks/01_neural_network_recap.ipynb.
    """
    _check_linear("linear_forward", x, w, b)
    out = x @ w.T
    if b is not None:
        out += b
    return out, (x, w, b is not None)


def linear_backward(dout, cache):
    """Gradients of out = x @ w.T + b.

    dout (N, out_features) -> dx = dout @ w (N, in_features), dw = dout.T @ x
    (out_features, in_features), db = dout summed over N (None without bias).
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    x, w, has_bias = cache
    _check_dout("linear_backward", dout, x, w)
    dx = dout @ w
    dw = dout.T @ x
    db = dout.sum(axis=0) if has_bias else None
    return dx, dw, db


def linear_forward_naive(x, w, b=None):
    """Loop version of :func:`linear_forward`: one dot product per (sample, output).

    Not used in the notebooks.
    """
    _check_linear("linear_forward_naive", x, w, b)
    N, F = x.shape[0], w.shape[0]
    out = np.zeros((N, F), dtype=x.dtype)
    for n in range(N):
        for o in range(F):
            out[n, o] = np.sum(x[n, :] * w[o, :])
            if b is not None:
                out[n, o] += b[o]
    return out, (x, w, b is not None)


def linear_backward_naive(dout, cache):
    """Loop version of :func:`linear_backward`. Not used in the notebooks."""
    x, w, has_bias = cache
    _check_dout("linear_backward_naive", dout, x, w)
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    db = np.zeros(w.shape[0], dtype=w.dtype) if has_bias else None
    for n in range(x.shape[0]):
        for o in range(w.shape[0]):
            dx[n, :] += dout[n, o] * w[o, :]     # out[n, o] used every x[n, i] ...
            dw[o, :] += dout[n, o] * x[n, :]     # ... and every w[o, i]
            if has_bias:
                db[o] += dout[n, o]
    return dx, dw, db


def _check_dout(func, dout, x, w):
    check_dout(dout, (x.shape[0], w.shape[0]), func, labels=OL, dtype=x.dtype)


def flatten_forward(x):
    """Flatten every sample to one row: x (N, C, H, W) -> out (N, C*H*W).

    Works for any x with a batch axis first, (N, ...) -> (N, prod(...)); row-major order,
    as torch.flatten(x, 1). Returns (out, cache). Not used in the notebooks.
    """
    check_float_array(x, "x", "flatten_forward")
    if x.ndim < 2:
        raise fail("flatten_forward", "x needs a batch axis first: shape (N, ...).",
                   shape_line("x", x.shape, "(N, C, H, W)"),
                   f"  A single sample becomes a batch of one with x[None], shape {(1, *x.shape)}.")
    return x.reshape(x.shape[0], -1), (x.shape, x.dtype)


def flatten_backward(dout, cache):
    """Gradient of flatten: reshape dout (N, C*H*W) back to x's shape (N, C, H, W).

    Not used in the notebooks.
    """
    x_shape, dtype = cache
    flat = (x_shape[0], int(np.prod(x_shape[1:])))
    check_dout(dout, flat, "flatten_backward", labels="(N, C*H*W)", dtype=dtype)
    return dout.reshape(x_shape)
