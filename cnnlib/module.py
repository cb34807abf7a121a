"""The base of every layer: Parameter (an array and its gradient) and Module.

A Module runs ``forward`` when called, lists its Parameters, and can be cast to another
dtype with ``to``; the concrete layers are in layers.py, Sequential in sequential.py.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import fail, shape_line
from .rng import default_rng

__all__ = ["Module", "Parameter", "accumulate", "check_input", "init_array"]


class Parameter:
    """A learnable array: ``data`` (the values) and ``grad`` (same shape, or None before backward).

    Introduced in notebooks/07_full_cnn.ipynb.
    """

    def __init__(self, data):
        self.data = data
        self.grad = None

    @property
    def shape(self):
        return self.data.shape

    @property
    def size(self):
        return self.data.size

    def __repr__(self):
        return f"Parameter(shape={self.data.shape}, dtype={self.data.dtype})"


class Module:
    """Base class: ``__call__`` runs ``forward``; parameters, zero_grad, train/eval, to(dtype).
    Introduced in notebooks/07_full_cnn.ipynb."""

    training = True
    _cache = None

    def __call__(self, x):
        return self.forward(x)

    def parameters(self):
        """The layer's Parameters (weight first, then bias), as a list."""
        return [p for p in (getattr(self, "weight", None), getattr(self, "bias", None))
                if isinstance(p, Parameter)]

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        self.training = bool(mode)
        return self

    def eval(self):
        return self.train(False)

    def to(self, dtype):
        """Cast every parameter (and its gradient) to ``dtype``, in place; returns self."""
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise fail(f"{type(self).__name__}.to", f"dtype must be a float type, got {dtype}.")
        for p in self.parameters():
            p.data = p.data.astype(dtype)
            p.grad = None if p.grad is None else p.grad.astype(dtype)
        return self

    def output_shape(self, input_shape):
        """The output shape for an input of ``input_shape`` (element-wise layers: the same)."""
        return tuple(input_shape)

    def _saved(self):
        if self._cache is None:
            raise fail(f"{type(self).__name__}.backward", "there is no forward pass to go back "
                       "through.", "  Call layer(x) (forward) first, then layer.backward(dout).")
        return self._cache

    def __repr__(self):
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self):
        return ""


def accumulate(param, grad):
    """p.grad += grad (PyTorch's rule); the first gradient after zero_grad() is stored as is.
    Introduced in notebooks/07_full_cnn.ipynb."""
    if param.grad is None:
        param.grad = grad
    else:
        param.grad += grad


def check_input(layer, x, ndim, labels, weight):
    """Refuse non-arrays, the wrong number of axes and a dtype other than the weights'.
    Introduced in notebooks/07_full_cnn.ipynb."""
    name = type(layer).__name__
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        what = type(x).__name__ if not isinstance(x, np.ndarray) else f"dtype {x.dtype}"
        raise fail(name, f"x must be a floating-point numpy array, got {what}.",
                   "  Use np.asarray(x, dtype=np.float32).")
    if x.ndim != ndim:
        hint = ""
        if ndim == 2 and x.ndim > 2:
            hint = (f"  Flatten first: put Flatten() before {layer!r}; it turns "
                    f"{x.shape} into {(x.shape[0], int(np.prod(x.shape[1:])))}.")
        elif ndim == 4 and x.ndim == 3:
            hint = f"  A single image needs a batch axis: x[None] has shape {(1, *x.shape)}."
        raise fail(name, f"x must have {ndim} dimensions {labels}, got {x.ndim}.",
                   shape_line("x", x.shape, labels), f"  layer: {layer!r}", hint)
    if x.dtype != weight.data.dtype:
        raise fail(name, f"x is {x.dtype} but the layer's weights are {weight.data.dtype}.",
                   f"  Cast one of them: x.astype(np.{weight.data.dtype}) or "
                   f"model.to(np.{x.dtype}).")


def init_array(shape, fan_in, fan_out, init, rng, dtype, func):
    """Random weights of ``shape``, normal with mean 0 and a standard deviation set by ``init``:

    'kaiming' (He) sqrt(2 / fan_in), for layers followed by ReLU;
    'xavier' (Glorot) sqrt(2 / (fan_in + fan_out)), for sigmoid / tanh networks;
    'small' 0.01, for the last layer: logits start near 0, so the loss starts near log(classes).
    Introduced in notebooks/07_full_cnn.ipynb.
    """
    if init in ("kaiming", "he"):
        std = np.sqrt(2.0 / fan_in)
    elif init in ("xavier", "glorot"):
        std = np.sqrt(2.0 / (fan_in + fan_out))
    elif init == "small":
        std = 0.01
    else:
        raise fail(func, f"init must be 'kaiming' (ReLU networks), 'xavier' (sigmoid/tanh) or "
                   f"'small' (the last layer), got {init!r}.")
    rng = default_rng() if rng is None else rng
    return (rng.standard_normal(shape) * std).astype(dtype)
