"""EffectiveRFExplorer: how the effective receptive field of random 3x3 stacks grows with depth.

Introduced in notebooks/04_receptive_field.ipynb.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np

from ..effective_rf import effective_receptive_field, erf_spread, random_walk_spread
from ..plotting.receptive import plot_erf
from .base import Explorer

__all__ = ["EffectiveRFExplorer", "cached_erf"]


@functools.lru_cache(maxsize=64)
def cached_erf(depth: int, nonlinearity: str, size: int = 41) -> np.ndarray:
    """effective_receptive_field(depth, 3, size, nonlinearity=...) (the mean squared gradient
    over 32 random weight draws) computed once per setting (seeded, so always the same map).
    Introduced in notebooks/04_receptive_field.ipynb."""
    return effective_receptive_field(depth, 3, size=size, n_inputs=1, n_inits=32,
                                     nonlinearity=nonlinearity,
                                     rng=np.random.default_rng(depth))


class EffectiveRFExplorer(Explorer):
    """Depth of a stack of random 3x3 convolutions -> its effective receptive field.

    Controls: ``depth`` (1-16 layers) and ``nonlinearity`` ("linear" or "relu"). State:
    ``erf`` (41, 41) mean (d out / d x)^2 (sums to 1), ``theory_size`` = 2 depth + 1,
    ``spread`` (std in pixels, :func:`cnnlib.effective_rf.erf_spread`), ``walk_spread`` (the
    linear stack's prediction sqrt(2 depth / 3)), ``inside_theory`` (the share inside the
    theoretical square: 1 up to rounding), ``centroid``, ``peak``.
    Introduced in notebooks/04_receptive_field.ipynb.
    """

    title = "Effective receptive field of random 3x3 stacks"
    SIZE = 41
    MAX_DEPTH = 16

    def __init__(self, depth: int = 5, nonlinearity: str = "linear") -> None:
        self._defaults = {"depth": depth, "nonlinearity": nonlinearity}
        if nonlinearity in ("linear", "relu"):
            for d in range(1, self.MAX_DEPTH + 1):  # ~0.6 s once per process
                cached_erf(d, nonlinearity, self.SIZE)
        super().__init__()

    def _make_controls(self) -> dict:
        return {
            "depth": widgets.IntSlider(value=self._defaults["depth"], min=1,
                                       max=self.MAX_DEPTH,
                                       description="layers"),
            "nonlinearity": widgets.ToggleButtons(options=["linear", "relu"],
                                                  value=self._defaults["nonlinearity"],
                                                  description="between"),
        }

    def compute(self, depth, nonlinearity) -> dict:
        if not 1 <= depth <= self.MAX_DEPTH:
            raise ValueError(f"EffectiveRFExplorer: depth={depth} is out of range: the map is "
                             f"{self.SIZE}x{self.SIZE}, drawn for 1 to {self.MAX_DEPTH} layers "
                             "of 3x3.")
        erf = cached_erf(depth, nonlinearity, self.SIZE)
        theory = 2 * depth + 1
        c = self.SIZE // 2
        h = depth
        inside = float(erf[c - h:c + h + 1, c - h:c + h + 1].sum())
        rows, cols = np.indices(erf.shape)
        centroid = (float((erf * rows).sum()), float((erf * cols).sum()))
        return {"depth": depth, "nonlinearity": nonlinearity, "erf": erf,
                "theory_size": theory, "spread": erf_spread(erf),
                "walk_spread": random_walk_spread(depth, 3), "inside_theory": inside,
                "centroid": centroid,
                "peak": np.unravel_index(int(np.argmax(erf)), erf.shape)}

    def draw(self, state):
        return plot_erf(state["erf"], state["theory_size"], spread=state["spread"],
                        title=f"{state['depth']} layers ({state['nonlinearity']}): "
                              f"theory {state['theory_size']}x{state['theory_size']}")

    def describe(self, state) -> str:
        n = state["depth"]
        return (f"theoretical side {state['theory_size']} px (spread evenly over it, a field "
                f"would have std {np.sqrt(n * (n + 1) / 3):.2f} px); effective spread (std) "
                f"{state['spread']:.2f} px; a linear stack's random walk predicts "
                f"sqrt(2n/3) = {state['walk_spread']:.2f} px")
