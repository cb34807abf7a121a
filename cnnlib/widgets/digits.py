"""DigitInspector: one digit through a trained CNN: probabilities and feature maps.

Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np

from .. import data, losses
from ..plotting.training import plot_digit
from .base import Explorer

__all__ = ["DigitInspector", "quick_model"]


@functools.lru_cache(maxsize=1)
def quick_model():
    """course_cnn trained for 2 epochs with Adam (~2 s, ~95 % test accuracy), built once per
    process: what DigitInspector() shows when it is given no model."""
    from ..losses import CrossEntropyLoss
    from ..models import course_cnn
    from ..optim import Adam
    from ..train import fit

    X, y, _, _ = data.load_mnist()
    rng = np.random.default_rng(0)
    model = course_cnn(rng)
    fit(model, X, y, epochs=2, batch_size=64, optimizer=Adam(model.parameters(), lr=3e-3),
        loss_fn=CrossEntropyLoss(), rng=rng, progress=False)
    return model.eval()


def _map_layers(model) -> list[tuple[str, int]]:
    """(label, index) of every layer before the first one that flattens the maps (its class
    declares rf_kind = "stop": Flatten, Linear): those layers have feature maps."""
    options = []
    for k, layer in enumerate(model.layers):
        if getattr(layer, "rf_kind", None) == "stop":
            break
        options.append((f"{k}: {type(layer).__name__}", k))
    return options


class DigitInspector(Explorer):
    """Pick a test digit and a layer: class probabilities and that layer's feature maps.

    ``DigitInspector(model, X, y)``: a trained cnnlib Sequential and images (N, 1, 28,
    28) with labels; with no arguments, :func:`quick_model` and the MNIST test digits.
    Controls: ``index`` and ``layer``. State: ``image`` (28, 28), ``label``, ``probs``
    (10,) summing to 1, ``pred``, ``maps`` (C, H, W) of the chosen layer, ``activations``
    (every layer's output for this digit).
    Introduced in notebooks/07_full_cnn.ipynb.
    """

    title = "Digit inspector"

    def __init__(self, model=None, X=None, y=None, index: int = 0, layer: int | None = None):
        if model is None:
            model = quick_model()
        if X is None:
            _, _, X, y = data.load_mnist()
        if y is None or len(X) != len(y):
            raise ValueError("DigitInspector: give the labels y with the images X (one per "
                             "image), e.g. DigitInspector(model, X_test, y_test).")
        self.model, self.X, self.y = model, X, np.asarray(y)
        self._options = _map_layers(model)
        if not self._options:
            raise ValueError("DigitInspector: the model has no layer before Flatten, so there "
                             "are no feature maps to show.")
        self._defaults = {"index": index, "layer": self._options[0][1] if layer is None
                          else layer}
        super().__init__()

    def _make_controls(self) -> dict:
        return {
            "index": widgets.IntSlider(value=self._defaults["index"], min=0,
                                       max=len(self.X) - 1, description="digit"),
            "layer": widgets.Dropdown(options=self._options, value=self._defaults["layer"],
                                      description="layer"),
        }

    def compute(self, index, layer) -> dict:
        if not 0 <= index < len(self.X):
            raise ValueError(f"DigitInspector: there is no digit {index}; choose 0 to "
                             f"{len(self.X) - 1}.")
        out = self.X[index:index + 1]
        activations = []
        for lay in self.model.layers:
            out = lay.forward(out)
            activations.append(out[0])
        probs = losses.softmax(out.astype(np.float64))[0]
        return {"index": index, "image": self.X[index, 0], "label": int(self.y[index]),
                "probs": probs, "pred": int(np.argmax(probs)), "layer": layer,
                "layer_name": dict((v, k) for k, v in self._options)[layer],
                "maps": activations[layer], "activations": activations}

    def draw(self, state):
        return plot_digit(state["image"], state["probs"], state["label"], state["maps"],
                          state["layer_name"])

    def describe(self, state) -> str:
        ok = "correct" if state["pred"] == state["label"] else "WRONG"
        return (f"digit {state['index']}: label {state['label']}, predicted {state['pred']} "
                f"({state['probs'][state['pred']]:.1%}, {ok})")
