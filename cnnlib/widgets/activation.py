"""ActivationExplorer: pick an activation, see it and its slope over a chosen x-range.

Introduced in notebooks/01_neural_network_recap.ipynb.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import activations
from ..plotting.activations import plot_activation, update_activation
from ..plotting.core import LayoutCache
from .base import Explorer

__all__ = ["ActivationExplorer"]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu")
N_POINTS = 401


class ActivationExplorer(Explorer):
    """An activation function and its derivative, computed with :mod:`cnnlib.activations`.

    Controls: ``activation`` (sigmoid, tanh, relu, leaky_relu), ``x_range`` (x runs over
    [-x_range, x_range]) and ``negative_slope`` (leaky ReLU only; disabled otherwise).
    State: ``x``, ``y = f(x)``, ``dy = f'(x)`` (float64, 401 points) and the name.
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """

    title = "Activation functions and their slopes"

    def __init__(self, activation: str = "sigmoid", x_range: float = 6.0,
                 negative_slope: float = 0.1) -> None:
        self._defaults = {"activation": activation, "x_range": x_range,
                          "negative_slope": negative_slope}
        self._layout = LayoutCache()
        self._fig = None
        super().__init__()

    def _make_controls(self) -> dict:
        d = self._defaults
        act = widgets.Dropdown(options=list(ACTIVATIONS), value=d["activation"],
                               description="activation")
        x_range = widgets.FloatSlider(value=d["x_range"], min=1.0, max=10.0, step=0.5,
                                      description="x range ±")
        slope = widgets.FloatSlider(value=d["negative_slope"], min=0.0, max=0.5, step=0.01,
                                    description="leaky slope",
                                    disabled=d["activation"] != "leaky_relu")
        return {"activation": act, "x_range": x_range, "negative_slope": slope}

    def _reactions(self) -> dict:
        return {"activation": self._on_activation}

    def _on_activation(self, change) -> None:
        self.controls["negative_slope"].disabled = change["new"] != "leaky_relu"

    def compute(self, activation, x_range, negative_slope) -> dict:
        if activation not in ACTIVATIONS:
            raise ValueError(f"ActivationExplorer: unknown activation {activation!r}; "
                             f"choose one of {list(ACTIVATIONS)}.")
        if not x_range > 0:
            raise ValueError("ActivationExplorer: x_range must be positive: x runs over "
                             f"[-x_range, x_range], got {x_range}.")
        x = np.linspace(-x_range, x_range, N_POINTS)
        if activation == "leaky_relu":
            y = activations.leaky_relu(x, negative_slope)
            dy = activations.leaky_relu_derivative(x, negative_slope)
        else:
            y = getattr(activations, activation)(x)
            dy = getattr(activations, f"{activation}_derivative")(x)
        return {"name": activation, "x": x, "y": y, "dy": dy,
                "negative_slope": float(negative_slope)}

    def draw(self, state):
        args = (state["x"], state["y"], state["dy"], state["name"])
        if self._fig is not None:
            return update_activation(self._fig, *args)
        self._fig = self._layout.apply(plot_activation(*args), None)
        return self._fig

    def describe(self, state) -> str:
        y, dy = state["y"], state["dy"]
        return (f"{state['name']}: outputs in [{y.min():.3g}, {y.max():.3g}], "
                f"largest slope {dy.max():.3g}, smallest slope {dy.min():.3g}")
