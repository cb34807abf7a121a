"""PoolingExplorer: max or average pooling on a digit, a photo or a grid of numbers,
with the windows, the output and where the gradient of one output cell goes back.

Introduced in notebooks/05_pooling.ipynb.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np

from .. import data, pool, shapes
from ..plotting.pooling import plot_pooling
from .base import Explorer

__all__ = ["PoolingExplorer", "stroke_cell"]

# the 4x4 grid has ties: the tie rule decides where the gradient goes
GRIDS = {
    "numbers 6x6": np.array([[1, 5, 2, 0, 3, 1], [4, 2, 8, 1, 0, 2], [0, 7, 3, 3, 6, 1],
                             [2, 1, 9, 4, 2, 5], [6, 0, 1, 2, 8, 3], [3, 4, 2, 7, 1, 0]], float),
    "ties 4x4": np.array([[1, 3, 3, 0], [3, 2, 1, 1], [0, 0, 2, 2], [0, 1, 2, 2]], float),
}
IMAGES = ["digit 28x28", "photo 32x32", *GRIDS]
GEOMETRY = ("image", "kernel_size", "stride", "padding")  # the controls that set the output size


@functools.lru_cache(maxsize=8)
def _image(name: str) -> np.ndarray:
    if name in GRIDS:
        return GRIDS[name]
    if name.startswith("digit"):
        return data.load_mnist()[0][0, 0].astype(np.float64)  # a training digit
    img = data.load_image("camera", gray=True)
    rows = np.linspace(0, img.shape[0] - 1, 32).round().astype(int)
    cols = np.linspace(0, img.shape[1] - 1, 32).round().astype(int)
    return img[np.ix_(rows, cols)].astype(np.float64)


def stroke_cell(x: np.ndarray, K: int, S: int, P: int) -> tuple[int, int]:
    """The output cell nearest the middle whose window has ONE largest value, above half the
    image's maximum (a cell on a stroke, where the gradient's route is not a tie).
    Falls back to the middle cell. Not used in the notebooks.
    """
    out, _ = pool.max_pool2d_forward(x[None, None], K, S, P)
    H_out, W_out = out.shape[2:]
    xp = np.pad(x, P, constant_values=-np.inf)
    mid = (H_out // 2, W_out // 2)
    cells = sorted(np.ndindex(H_out, W_out),
                   key=lambda c: ((c[0] - mid[0]) ** 2 + (c[1] - mid[1]) ** 2, c))
    for i, j in cells:
        window = xp[i * S:i * S + K, j * S:j * S + K]
        top = window.max()
        if top > 0.5 * x.max() and (window == top).sum() == 1:
            return int(i), int(j)
    return mid


def _out_size(image, K, S, P):
    try:
        return shapes.pool_output_size(_image(image).shape[0], K, S, P)
    except ValueError:
        return None


class PoolingExplorer(Explorer):
    """Max / average pooling: windows, output and the backward routing of one cell.

    Controls: ``image``, ``mode`` ("max" or "avg"), ``kernel_size``, ``stride``,
    ``padding`` and the output cell ``i``, ``j`` (by default a cell on a stroke whose window
    has a single maximum: :func:`stroke_cell`). State: ``x`` (H, W), ``out`` (the cnnlib.pool
    forward), ``dx`` (its backward for dout = one-hot at (i, j)), ``window`` (top, left of the
    cell's window, in input coordinates), ``winner`` (max only), ``ties`` (how many pixels of
    the window share its maximum; max only, else 0) and ``shape`` (H_out, W_out).
    Introduced in notebooks/05_pooling.ipynb.
    """

    title = "Pooling: windows, output, backward"

    def __init__(self, image: str = "digit 28x28", mode: str = "max", kernel_size: int = 2,
                 stride: int = 2, padding: int = 0, i: int | None = None,
                 j: int | None = None) -> None:
        self._defaults = {"image": image, "mode": mode, "kernel_size": kernel_size,
                          "stride": stride, "padding": padding, "i": i, "j": j}
        super().__init__()

    def _make_controls(self) -> dict:
        d = self._defaults
        out = _out_size(d["image"], d["kernel_size"], d["stride"], d["padding"]) or 1
        cell = (out // 2, out // 2)
        if out > 1 and (d["i"] is None or d["j"] is None):
            cell = stroke_cell(_image(d["image"]), d["kernel_size"], d["stride"], d["padding"])
        i = cell[0] if d["i"] is None else d["i"]
        j = cell[1] if d["j"] is None else d["j"]
        c = {
            "image": widgets.Dropdown(options=IMAGES, value=d["image"], description="image"),
            "mode": widgets.ToggleButtons(options=["max", "avg"], value=d["mode"],
                                          description="pooling"),
            "kernel_size": widgets.IntSlider(value=d["kernel_size"], min=1, max=4,
                                             description="kernel K"),
            "stride": widgets.IntSlider(value=d["stride"], min=1, max=4, description="stride S"),
            "padding": widgets.IntSlider(value=d["padding"], min=0, max=2,
                                         description="padding P"),
            "i": widgets.IntSlider(value=min(i, out - 1), min=0, max=out - 1,
                                   description="cell i"),
            "j": widgets.IntSlider(value=min(j, out - 1), min=0, max=out - 1,
                                   description="cell j"),
        }
        return c

    def _reactions(self) -> dict:
        return dict.fromkeys(GEOMETRY, self._on_geometry)

    def _on_geometry(self, change) -> None:
        """Keep the cell sliders inside the new output."""
        v = self.values
        out = _out_size(v["image"], v["kernel_size"], v["stride"], v["padding"])
        if out is None:
            return
        for name in ("i", "j"):
            s = self.controls[name]
            if out - 1 >= s.max:
                s.max = out - 1
            else:
                s.value = min(s.value, out - 1)
                s.max = out - 1

    def set(self, **values):
        """As :meth:`Explorer.set`; a cell (i, j) set together with a new geometry is read in
        that geometry."""
        if not ({"i", "j"} & set(values) and set(GEOMETRY) & set(values)):
            return super().set(**values)
        with self.quiet():
            for name in ("i", "j"):
                self.controls[name].max = 999  # the new geometry decides the range of i, j
            super().set(**values)
            self._on_geometry(None)
        return self

    def compute(self, image, mode, kernel_size, stride, padding, i, j) -> dict:
        x = _image(image)
        K, S, P = kernel_size, stride, padding
        forward = pool.max_pool2d_forward if mode == "max" else pool.avg_pool2d_forward
        backward = pool.max_pool2d_backward if mode == "max" else pool.avg_pool2d_backward
        out, cache = forward(x[None, None], K, S, P)  # teaching ValueError if impossible
        H_out, W_out = out.shape[2:]
        if i >= H_out or j >= W_out:
            raise ValueError(f"PoolingExplorer: output cell ({i}, {j}) does not exist; the "
                             f"output is {H_out}x{W_out}: choose i, j < {H_out}.")
        dout = np.zeros_like(out)
        dout[0, 0, i, j] = 1.0
        dx = backward(dout, cache)[0, 0]
        top, left = i * S - P, j * S - P
        winner, ties = None, 0
        if mode == "max":
            winner = tuple(int(v) for v in np.argwhere(dx != 0)[0])
            window = np.pad(x, P, constant_values=-np.inf)[i * S:i * S + K, j * S:j * S + K]
            ties = int((window == window.max()).sum())
        return {"x": x, "out": out[0, 0], "dx": dx, "window": (top, left), "winner": winner,
                "ties": ties,
                "shape": (H_out, W_out), "mode": mode, "kernel_size": K, "stride": S,
                "padding": P, "cell": (i, j)}

    def draw(self, state):
        return plot_pooling(state["x"], state["out"], state["dx"], state["window"],
                            state["kernel_size"], state["stride"], state["padding"],
                            state["mode"], state["winner"])

    def describe(self, state) -> str:
        H, W = state["x"].shape
        Ho, Wo = state["shape"]
        i, j = state["cell"]
        text = (f"{H}x{W} -> {Ho}x{Wo}; out[{i}, {j}] = {state['out'][i, j]:.3g}")
        if state["winner"] is not None and state["ties"] > 1:
            text += (f"; a tie: {state['ties']} pixels of the window hold this maximum, and "
                     f"the first in row-major order, input pixel {state['winner']}, gets the "
                     "whole gradient")
        elif state["winner"] is not None:
            text += f"; its gradient goes to input pixel {state['winner']}"
        else:
            K, (top, left) = state["kernel_size"], state["window"]
            inside = (len(range(max(top, 0), min(top + K, H)))
                      * len(range(max(left, 0), min(left + K, W))))
            if inside == K * K:
                text += f"; its gradient is shared: 1/{K * K} to each pixel of the window"
            else:
                text += (f"; its gradient is shared: 1/{K * K} to each of the {K * K} places "
                         f"of the window, but {K * K - inside} of them are padding: only "
                         f"{inside}/{K * K} reaches the image")
        return text
