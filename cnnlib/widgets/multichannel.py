"""MultiChannelExplorer: a 3 x 3 x 3 filter slides over an RGB photo; the three channels'
products add up to one output map, and several filters stack into output channels.

Computes with :func:`cnnlib.conv.conv2d_forward` and draws with
:func:`cnnlib.plotting.multichannel.plot_multichannel`.
Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np

from .. import conv, data
from ..kernels import get_kernel
from ..plotting.core import LayoutCache
from ..plotting.multichannel import decimals3, plot_multichannel, update_multichannel
from .base import Explorer

__all__ = ["FILTERS", "MultiChannelExplorer", "filter_bank", "small_rgb"]

SIDE = 32  # the photo is shrunk to SIDE x SIDE pixels: each pixel stays visible
IMAGES = ("chelsea", "coffee", "astronaut")
# the square part of each photo that is shrunk (top, left, side), in pixels of the original
CROPS = {"chelsea": (10, 48, 128), "coffee": (0, 36, 128), "astronaut": (0, 64, 128)}
FILTERS = ("edges |, all channels", "edges -, all channels", "red minus blue",
           "edges |, green only")


@functools.lru_cache(maxsize=len(IMAGES))
def small_rgb(name: str) -> np.ndarray:
    """A cnnlib.data photo as (3, SIDE, SIDE) float64 in [0, 1]: a square crop, each output
    pixel the mean of a block of the original. Introduced in notebooks/02_convolution.ipynb."""
    top, left, side = CROPS[name]
    img = data.load_image(name)[top:top + side, left:left + side].astype(np.float64)
    b = side // SIDE
    img = img[:b * SIDE, :b * SIDE].reshape(SIDE, b, SIDE, b, 3).mean(axis=(1, 3))
    out = np.ascontiguousarray(img.transpose(2, 0, 1))
    out.flags.writeable = False
    return out


def filter_bank() -> np.ndarray:
    """The explorer's four 3 x 3 x 3 filters, (4, 3, 3, 3), in the order of ``FILTERS``.

    0: Sobel x / 4 in every channel (vertical edges of the brightness); 1: Sobel y / 4 in
    every channel (horizontal edges); 2: the mean of the window in red minus the same in blue
    (a colour filter: no edge at all); 3: Sobel x / 4 in green, zeros in red and blue.
    Not used in the notebooks.
    """
    sx, sy = get_kernel("sobel_x") / 4, get_kernel("sobel_y") / 4
    box, zero = get_kernel("box_blur"), np.zeros((3, 3))
    return np.stack([np.stack([sx, sx, sx]), np.stack([sy, sy, sy]),
                     np.stack([box, zero, -box]), np.stack([zero, sx, zero])])


class MultiChannelExplorer(Explorer):
    """One 3-D filter (3 x 3 x 3) over an RGB photo: per-channel maps, their sum, the stack.

    Controls: ``image`` (a photo of cnnlib.data, shrunk to 32 x 32), ``filter`` (which of the
    four filters of :func:`filter_bank` is taken apart), ``row`` and ``col`` (the output cell,
    i.e. the window's top-left pixel). State: ``x`` (3, 32, 32), ``w`` (4, 3, 3, 3), ``b``
    (4,) zeros, ``out`` (4, 30, 30) from cnnlib.conv.conv2d_forward, ``maps`` (3, 30, 30):
    channel c alone with ``w[filter, c]``, ``window`` (3, 3, 3), ``products`` = window *
    w[filter], ``parts`` (3,): the sum of each channel's products, ``value`` = out[filter,
    row, col] and ``position``.
    Introduced in notebooks/02_convolution.ipynb.
    """

    title = "Multi-channel convolution: one 3 x 3 x 3 filter, three channels, one sum"

    def __init__(self, image: str = "chelsea", filter: int = 0, row: int = 11,
                 col: int = 13) -> None:
        self._defaults = {"image": image, "filter": filter, "row": row, "col": col}
        self._w = filter_bank()
        self._b = np.zeros(len(self._w))
        self._fig = None
        super().__init__()

    def _make_controls(self) -> dict:
        d = self._defaults
        n = SIDE - self._w.shape[2] + 1
        return {
            "image": widgets.Dropdown(options=list(IMAGES), value=d["image"],
                                      description="image"),
            "filter": widgets.Dropdown(options=[(f"{k}: {name}", k)
                                                for k, name in enumerate(FILTERS)],
                                       value=d["filter"], description="filter",
                                       layout=widgets.Layout(width="300px")),
            "row": widgets.IntSlider(value=d["row"], min=0, max=n - 1, description="out row"),
            "col": widgets.IntSlider(value=d["col"], min=0, max=n - 1,
                                     description="out col"),
        }

    def compute(self, image, filter, row, col) -> dict:
        x = small_rgb(image)
        w, b = self._w, self._b
        K = w.shape[2]
        out = conv.conv2d_forward(x[None], w, b)[0][0]                      # (F, 30, 30)
        f = int(filter)
        maps = np.stack([conv.conv2d_forward(x[None, c:c + 1], w[f:f + 1, c:c + 1])[0][0, 0]
                         for c in range(x.shape[0])])                        # (3, 30, 30)
        window = x[:, row:row + K, col:col + K]
        products = window * w[f]
        return {"x": x, "w": w, "b": b, "out": out, "maps": maps, "filter": f,
                "position": (row, col), "window": window, "products": products,
                "parts": products.sum(axis=(1, 2)), "value": float(out[f, row, col])}

    def draw(self, state):
        args = (state["x"], state["w"], state["filter"], state["position"], state["maps"],
                state["out"], float(state["b"][state["filter"]]))
        if self._fig is None:
            self._fig = LayoutCache().apply(plot_multichannel(*args))
            return self._fig
        return update_multichannel(self._fig, *args)

    def describe(self, state) -> str:
        f, (i, j) = state["filter"], state["position"]
        parts = " + ".join(f"{name} {decimals3(p)}" for name, p in
                           zip(("red", "green", "blue"), state["parts"], strict=True))
        return (f"filter {f} ({FILTERS[f]}) at out[{f}, {i}, {j}]: {parts} + bias "
                f"{decimals3(state['b'][f])} = {decimals3(state['value'])}")
