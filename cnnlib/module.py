"""The base of every layer: Parameter (an array and its gradient) and Module.

A Module runs ``forward`` when called, lists its Parameters, and can be cast to another
dtype with ``to``; the concrete layers are in layers.py, Sequential in sequential.py.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import fail
from .rng import default_rng

__all__ = ["Module", "Parameter", "accumulate", "init_array"]


class Parameter:
    """A learnable array: ``data`` (the values) and ``grad`` (same shape, or None before backward).

    Not used in the notebooks.
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

    A subclass writes ``forward(x)`` and ``backward(dout)`` (which adds to each ``p.grad``
    and returns dx). Every :class:`Parameter` it keeps as an attribute - any name, also
    inside a list or inside another Module - is found by :meth:`parameters`, so it trains.

    ``batch_independent``: True when the layer treats every sample of a batch on its own
    (sample n's output depends only on sample n). Only then may ``fit`` cut a batch into
    pieces whose gradients add up (faster) or share it among processes. It is False unless
    a layer says otherwise, because a layer that looks at the whole batch (a batch mean, as
    in batch normalisation) would get a different gradient from pieces of the batch.
    Not used in the notebooks."""

    training = True
    batch_independent = False
    _cache = None

    def __call__(self, x):
        return self.forward(x)

    def modules(self):
        """This module and every Module inside it (attributes, lists, tuples), depth first."""
        found, seen = [], set()

        def visit(module):
            if id(module) in seen:
                return
            seen.add(id(module))
            found.append(module)
            for value in vars(module).values():
                for item in value if isinstance(value, list | tuple) else (value,):
                    if isinstance(item, Module):
                        visit(item)

        visit(self)
        return found

    def parameters(self):
        """Every Parameter held by this module or the modules inside it, each once: its own
        first, then those of the modules inside, in the order the attributes were set (a
        Conv2d: weight, then bias), as PyTorch orders them."""
        params, seen = [], set()
        for module in self.modules():
            for value in vars(module).values():
                for item in value if isinstance(value, list | tuple) else (value,):
                    if isinstance(item, Parameter) and id(item) not in seen:
                        seen.add(id(item))
                        params.append(item)
        return params

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def train(self, mode=True):
        """Training mode (mode=True) or evaluation mode, for this module and those inside."""
        for module in self.modules():
            module.training = bool(mode)
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
    Not used in the notebooks."""
    if param.grad is None:
        param.grad = grad
    else:
        param.grad += grad


def init_array(shape, fan_in, fan_out, init, rng, dtype, func):
    """Random weights of ``shape``, normal with mean 0 and a standard deviation set by ``init``:

    'kaiming' (He) sqrt(2 / fan_in), for layers followed by ReLU;
    'xavier' (Glorot) sqrt(2 / (fan_in + fan_out)), for sigmoid / tanh networks;
    'small' 0.01, for the last layer: logits start near 0, so the loss starts near log(classes).
    Not used in the notebooks.
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
