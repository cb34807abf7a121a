"""Sequential: a stack of layers run in order, and its summary table.

``forward`` feeds each layer's output to the next; ``backward`` runs the layers in reverse,
each turning the gradient of its output into the gradient of its input (the chain rule, one
layer at a time). ``summary(input_shape)`` lists every layer's output shape, parameter count
and receptive field: the shape arithmetic of the network, made visible.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import receptive_field as rf
from .checks import fail
from .module import Module

__all__ = ["ModelSummary", "Sequential"]


class Sequential(Module):
    """Layers applied one after another, like torch.nn.Sequential; ``.layers`` is the list.

    ``model(x)`` runs forward; ``model.backward(dout)`` returns dx after storing every
    parameter's gradient; ``model[i]``, ``len(model)`` and iteration work as for a list.
    Introduced in notebooks/07_full_cnn.ipynb.
    """

    def __init__(self, *layers):
        for k, layer in enumerate(layers):
            is_layer = callable(getattr(layer, "forward", None)) and callable(
                getattr(layer, "backward", None))
            if isinstance(layer, type) or not is_layer:
                what = (f"the class {layer.__name__}" if isinstance(layer, type)
                        else f"a {type(layer).__name__}")
                raise fail("Sequential", f"argument {k} is {what}, not a layer.",
                           "  Pass layer objects, e.g. Sequential(Conv2d(1, 8, 3), ReLU()); "
                           "note the parentheses: ReLU(), not ReLU.")
            if not isinstance(layer, Module):
                raise fail("Sequential", f"argument {k} (a {type(layer).__name__}) has forward "
                           "and backward but is not a Module.",
                           f"  Write  class {type(layer).__name__}(Module):  (from "
                           "cnnlib.module import Module) so that its Parameters are found, "
                           "trained and cast with the rest of the model.")
        self.layers = list(layers)

    # A container does not mix samples itself; fit also checks every layer inside it.
    batch_independent = True

    def forward(self, x):
        for layer in self.layers:  # each layer's output is the next layer's input
            x = layer.forward(x)
        return x

    def backward(self, dout, need_dx=True):
        """Back through the layers in reverse; returns dx (None if need_dx=False).

        Each layer turns the gradient of its output into the gradient of its input and adds
        its weight gradients to p.grad (the chain rule, one layer at a time).
        need_dx=False lets a first layer that supports it (``can_skip_dx``, e.g. Conv2d)
        skip the gradient of its input: the data never needs one.
        """
        if not self.layers:
            return dout
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        first = self.layers[0]
        if getattr(first, "can_skip_dx", False):
            return first.backward(dout, need_dx=need_dx)
        dx = first.backward(dout)
        return dx if need_dx else None

    can_skip_dx = True

    def output_shape(self, input_shape):
        for layer in self.layers:
            input_shape = layer.output_shape(input_shape)
        return input_shape

    def __getitem__(self, index):
        if isinstance(index, slice):
            return Sequential(*self.layers[index])
        return self.layers[index]

    def __len__(self):
        return len(self.layers)

    def __iter__(self):
        return iter(self.layers)

    def __repr__(self):
        lines = [f"  ({k}): " + repr(layer).replace("\n", "\n  ")
                 for k, layer in enumerate(self.layers)]
        return "Sequential(\n" + "\n".join(lines) + "\n)" if lines else "Sequential()"

    def summary(self, input_shape):
        """Table of output shape and parameters per layer (a ModelSummary), plus the
        receptive field (notebook 04) when the model has convolution or pooling layers.

        input_shape: (C, H, W) or (N, C, H, W); with (C, H, W) the batch shows as N.
        Printing the result (or ending a notebook cell with it) shows the table.
        """
        return ModelSummary(self, input_shape)


class ModelSummary:
    """The numbers of :meth:`Sequential.summary`: ``rows`` (one dict per layer),
    ``total_params``, ``input_shape``, ``output_shape``; ``str()`` is the table.
    ``has_rf``: whether the table shows receptive-field columns (only for a model with
    windows: a layer whose rf_kind is "conv" or "pool").
    Not used in the notebooks.
    """

    def __init__(self, model, input_shape):
        shape = tuple(int(s) for s in input_shape)
        if len(shape) not in (3, 4):
            raise fail("summary", f"input_shape must be (C, H, W) or (N, C, H, W), got {shape}.",
                       "  For MNIST digits: model.summary((1, 28, 28)).")
        self.batch = "N" if len(shape) == 3 else str(shape[0])
        shape = (1, *shape) if len(shape) == 3 else shape
        self.input_shape = shape
        self.has_rf = any(getattr(layer, "rf_kind", None) in ("conv", "pool")
                          for layer in model.layers)
        fields = []
        if self.has_rf:
            try:
                fields = rf.receptive_field(model.layers)  # stops at Flatten / Linear
            except ValueError:  # e.g. a learner's layer without rf_kind: no RF columns
                self.has_rf = False
        self.rows = []
        for k, layer in enumerate(model.layers):
            shape = layer.output_shape(shape)
            field = fields[k] if k < len(fields) else None
            self.rows.append({
                "index": k, "layer": repr(layer), "output_shape": shape,
                "params": int(sum(p.size for p in layer.parameters())),
                "rf_size": field.size if field else None,
                "rf_jump": field.jump if field else None,
            })
        self.output_shape = shape
        self.total_params = int(sum(r["params"] for r in self.rows))
        dtypes = {p.data.dtype for p in model.parameters()}
        self.dtype = dtypes.pop() if len(dtypes) == 1 else np.dtype(np.float32)

    def _shape(self, shape):
        return "(" + ", ".join([self.batch, *map(str, shape[1:])]) + ")"

    def __str__(self):
        def pair_text(p):
            return "-" if p is None else (str(p[0]) if p[0] == p[1] else f"{p[0]}x{p[1]}")

        table = [["#", "layer", "output shape", "params", "RF size", "RF jump"],
                 ["", "input", self._shape(self.input_shape), "", "1", "1"]]
        for r in self.rows:
            table.append([str(r["index"]), r["layer"], self._shape(r["output_shape"]),
                          f"{r['params']:,}", pair_text(r["rf_size"]), pair_text(r["rf_jump"])])
        columns = 6 if self.has_rf else 4
        table = [line[:columns] for line in table]
        widths = [max(len(line[c]) for line in table) for c in range(columns)]
        fmt = [str.rjust, str.ljust, str.ljust, str.rjust, str.rjust, str.rjust][:columns]
        lines = ["  ".join(f(cell, w) for f, cell, w in zip(fmt, line, widths, strict=True))
                 for line in table]
        rule = "-" * len(lines[0])
        size_mb = self.total_params * self.dtype.itemsize / 1e6
        return "\n".join([lines[0], rule, *lines[1:], rule,
                          f"Total parameters: {self.total_params:,} "
                          f"({size_mb:.2f} MB as {self.dtype})"])

    __repr__ = __str__
