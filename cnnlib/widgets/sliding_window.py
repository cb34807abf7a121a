"""SlidingWindowStepper: one window at a time - the products, their sum, the output cell it fills.

Computes with :func:`cnnlib.conv.conv2d_forward`. Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import conv, shapes
from ..plotting.conv import plot_sliding_window, update_sliding_window
from ..plotting.core import LayoutCache, finite_range
from .base import Explorer

__all__ = ["SlidingWindowStepper"]

MAX_K = 5


class SlidingWindowStepper(Explorer):
    """Step a kernel over a small grid of numbers, one output cell at a time.

    Controls: ``size`` (input H = W), ``kernel_size``, ``padding``, ``stride`` and ``position``
    (output cells numbered row by row). State: ``x`` (H, W), ``x_padded``, ``kernel`` (K, K),
    ``position`` (i, j), ``window`` (K, K), ``products`` = window * kernel, ``sum``, ``out``
    (the whole output from cnnlib.conv.conv2d_forward) and ``out_so_far`` (NaN after the
    current cell). Pass ``x`` and ``kernel`` to step through your own numbers.
    Introduced in notebooks/02_convolution.ipynb.
    """

    title = "Sliding window: one output cell at a time"

    def __init__(self, x=None, kernel=None, size: int = 4, kernel_size: int = 3,
                 padding: int = 0, stride: int = 1) -> None:
        rng = np.random.default_rng(0)
        self._x_all = rng.integers(0, 10, (7, 7)).astype(float)
        self._k_all = rng.integers(-1, 3, (MAX_K, MAX_K)).astype(float)
        self._x = None if x is None else self._square(x, "x")
        self._k = None if kernel is None else self._square(kernel, "kernel")
        self._defaults = {
            "size": size if self._x is None else self._x.shape[0],
            "kernel_size": kernel_size if self._k is None else self._k.shape[0],
            "padding": padding, "stride": stride,
        }
        self._layout = LayoutCache()
        self._figs: dict = {}  # geometry -> its figure, reused when only the window moves
        super().__init__()

    @staticmethod
    def _square(a, name):
        a = np.asarray(a, dtype=float)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(f"SlidingWindowStepper: {name} must be a square 2-D array, got "
                             f"shape {a.shape}.")
        return a

    def _make_controls(self) -> dict:
        d = self._defaults
        fixed_x, fixed_k = self._x is not None, self._k is not None
        size = widgets.IntSlider(value=d["size"], min=d["size"] if fixed_x else 3,
                                 max=d["size"] if fixed_x else 7, description="input size",
                                 disabled=fixed_x)
        ks = widgets.IntSlider(value=d["kernel_size"], min=d["kernel_size"] if fixed_k else 1,
                               max=d["kernel_size"] if fixed_k else MAX_K,
                               description="kernel", disabled=fixed_k)
        padding = widgets.IntSlider(value=d["padding"], min=0, max=2, description="padding")
        stride = widgets.IntSlider(value=d["stride"], min=1, max=3, description="stride")
        n = self._n_positions(d["size"], d["kernel_size"], d["padding"], d["stride"]) or 1
        position = widgets.IntSlider(value=0, min=0, max=n - 1, description="output cell")
        return {"size": size, "kernel_size": ks, "padding": padding, "stride": stride,
                "position": position}

    def _reactions(self) -> dict:
        return dict.fromkeys(("size", "kernel_size", "padding", "stride"), self._on_geometry)

    @staticmethod
    def _n_positions(size, K, P, S):
        try:
            return shapes.conv_output_size(size, K, S, P) ** 2
        except ValueError:
            return None

    def _on_geometry(self, change) -> None:
        """Keep the output-cell slider inside the new output."""
        v = self.values
        n = self._n_positions(v["size"], v["kernel_size"], v["padding"], v["stride"])
        if n is not None:
            position = self.controls["position"]
            position.value = min(position.value, n - 1)
            position.max = n - 1

    def compute(self, size, kernel_size, padding, stride, position) -> dict:
        x = self._x if self._x is not None else self._x_all[:size, :size]
        k = self._k if self._k is not None else self._k_all[:kernel_size, :kernel_size]
        K, P, S = k.shape[0], padding, stride
        H_out = shapes.conv_output_size(x.shape[0], K, S, P)  # teaching ValueError if too big
        if not 0 <= position < H_out * H_out:
            raise ValueError(f"SlidingWindowStepper: output cell {position} does not exist; "
                             f"the output has {H_out}x{H_out} = {H_out * H_out} cells "
                             f"(0 to {H_out * H_out - 1}).")
        out = conv.conv2d_forward(x[None, None], k[None, None], stride=S, padding=P)[0][0, 0]
        i, j = divmod(position, H_out)
        x_padded = np.pad(x, P)
        window = x_padded[i * S:i * S + K, j * S:j * S + K]
        products = window * k
        so_far = np.full(out.shape, np.nan)
        so_far.ravel()[:position + 1] = out.ravel()[:position + 1]
        return {"x": x, "x_padded": x_padded, "kernel": k, "position": (i, j),
                "window": window, "products": products, "sum": float(products.sum()),
                "out": out, "out_so_far": so_far, "H_out": H_out, "W_out": H_out,
                "stride": S, "padding": P}

    def draw(self, state):
        key = (state["x_padded"].shape, state["kernel"].shape, state["out"].shape,
               state["stride"], state["padding"])
        if key in self._figs:  # this geometry was drawn before: only move the window
            return update_sliding_window(self._figs[key], state["products"],
                                         state["out_so_far"], state["position"], state["stride"],
                                         out_range=finite_range(state["out"]))
        fig = plot_sliding_window(state["x_padded"], state["kernel"], state["products"],
                                  state["out_so_far"], state["position"], state["stride"],
                                  state["padding"], out_range=finite_range(state["out"]))
        if len(self._figs) >= 64:
            self._figs.clear()
        self._figs[key] = fig
        return self._layout.apply(fig, key)

    def describe(self, state) -> str:
        i, j = state["position"]
        terms = " + ".join(f"{a:g}*{b:g}" for a, b in
                           zip(state["window"].ravel(), state["kernel"].ravel(), strict=True))
        if len(terms) > 160:
            terms = terms[:157] + "..."
        return f"out[{i}, {j}] = {terms} = {state['sum']:g}"
