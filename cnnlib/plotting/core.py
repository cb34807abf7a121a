"""Figure helpers shared by every plot, and the course's one palette.

Palette (every figure of the course follows it):

* **images** - photos, digits, feature maps after ReLU, any map that is never negative: grey,
  **dark = 0** (``IMAGE_CMAP``; :func:`show_image`, limits from 0).
* **signed data** - kernels, edge responses, gradients, convolution outputs: ONE diverging map
  centred on 0 (``SIGNED_CMAP``: blue < 0, white = 0, red > 0), symmetric limits, with a colour
  bar (:func:`show_signed`). No other diverging map appears next to it.
* one colour channel of a photo: black -> that colour (``CHANNEL_CMAPS``), so dark = 0 there too.
* counts with their numbers written in each cell (a confusion matrix, stamps per cell): light
  blue, white = 0 (``COUNT_CMAP``); tied weights (same value, same colour): ``CATEGORY_CMAP``.
* a map that is zero everywhere (a dead ReLU) is black and labelled "dead" (:func:`mark_dead`).

:func:`pick_palette` says which of the first two a given array gets.
Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import io

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, to_rgb
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

__all__ = [
    "LayoutCache", "add_colorbar", "fig_to_png", "finite_range", "fixed_figure", "freeze_layout",
    "mark_dead", "message_figure", "new_figure", "panel_grid", "pick_palette", "short_number",
    "show_image", "show_map", "show_signed", "signed_limit", "text_colour",
]

DPI = 80

IMAGE_CMAP = "gray"  # images: 0 is black, the largest value white
SIGNED_CMAP = "RdBu_r"  # signed data: blue < 0 < red, 0 is white
COUNT_CMAP = "Blues"  # counts under their written numbers: 0 is white
WINDOW_COLOUR = "#e67e22"  # orange: the window being read, and the output cell it gives
CATEGORY_CMAP = "tab20"  # one colour per value (which weights are the same weight)
ERROR_CMAP = "viridis"  # log10 of an error (a magnitude): sequential, colour-blind safe
CHANNEL_CMAPS = {name: LinearSegmentedColormap.from_list(f"black_{name}", ["black", name])
                 for name in ("red", "green", "blue")}
GAP_COLOUR = "#f5deb3"  # between the tiles of a mosaic: a colour neither map uses
DEAD_COLOUR = "black"
DEAD_LABEL_COLOUR = "#f39c12"


# ------------------------------------------------------------------ figures
def new_figure(width: float = 6.0, height: float = 3.0) -> Figure:
    """A Figure attached to an Agg canvas, outside pyplot (no global state, no flicker).
    Introduced in notebooks/01_neural_network_recap.ipynb."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def panel_grid(n: int, ncols: int, size: float, extra_height: float = 0.0):
    """(fig, axes): a :func:`new_figure` with ceil(n / ncols) rows of ``ncols`` square panels
    of ``size`` inches, ticks off; the n axes to draw in (the grid's spare ones are hidden).
    Not used in the notebooks."""
    nrows = -(-n // ncols)
    fig = new_figure(size * ncols, size * nrows + extra_height)
    axes = list(np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel())
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_axis_off()
    return fig, axes[:n]


def fixed_figure(width: float, height: float) -> Figure:
    """A Figure with no layout engine: axes go exactly where ``add_axes`` puts them.

    Skipping constrained layout saves a layout pass per redraw (explorers stay fast).
    Not used in the notebooks.
    """
    fig = Figure(figsize=(width, height), dpi=DPI, layout="none")
    FigureCanvasAgg(fig)
    return fig


def freeze_layout(fig: Figure) -> Figure:
    """Keep every axes where it is now: later draws do not run the layout engine again.

    ``set_layout_engine("none")`` (public matplotlib API) swaps constrained layout for a
    placeholder engine whose ``execute`` does nothing, so positions computed by an earlier
    draw (see :class:`LayoutCache`) stay as they are.
    Not used in the notebooks.
    """
    fig.set_layout_engine("none")
    return fig


class LayoutCache:
    """Lay out the first figure of each geometry once, then reuse its axes positions.

    ``cache.apply(fig, key)``: the first figure with ``key`` runs constrained layout once
    (``draw_without_rendering``) and its positions are stored; later figures with the same key
    get the stored positions. Either way the layout is then frozen (:func:`freeze_layout`),
    which saves a layout pass per redraw of an explorer.
    Not used in the notebooks.
    """

    def __init__(self) -> None:
        self._positions: dict = {}

    def apply(self, fig: Figure, key=None) -> Figure:
        if key in self._positions:
            for ax, pos in zip(fig.axes, self._positions[key], strict=False):
                ax.set_position(pos)
        else:
            fig.draw_without_rendering()
            self._positions[key] = [ax.get_position(original=True) for ax in fig.axes]
        return freeze_layout(fig)


def fig_to_png(fig: Figure) -> bytes:
    """Render ``fig`` with Agg and return the PNG bytes (what ``ipywidgets.Image`` shows).

    ``canvas.print_png`` draws once; ``savefig`` would run the layout engine twice.
    Not used in the notebooks.
    """
    buf = io.BytesIO()
    fig.canvas.print_png(buf)
    return buf.getvalue()


def message_figure(text: str, width: float = 6.0, height: float = 1.6) -> Figure:
    """A figure that only shows a message: what an explorer draws for impossible settings.
    Not used in the notebooks."""
    fig = new_figure(width, height)
    fig.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=11,
             family="monospace", color="#8a1c1c")
    return fig


# ------------------------------------------------------------------ numbers
def short_number(v) -> str:
    """A number in at most about 6 characters, for cells, tiles and titles.

    Whole numbers below 100000 in full (``-12``), others with two significant digits
    (``0.11``, ``0.004``), very large or very small ones as ``1e23`` / ``-3e-7``; NaN is ``""``.
    Not used in the notebooks.
    """
    v = float(v)
    if np.isnan(v):
        return ""
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    a = abs(v)
    if v.is_integer() and a < 1e5:
        return str(int(v))
    if 0.01 <= a < 1e5:
        return f"{v:.2f}".rstrip("0").rstrip(".")
    if 0.001 <= a < 0.01:
        return f"{v:.3f}".rstrip("0")
    mantissa, exponent = f"{v:.0e}".split("e")
    return f"{mantissa}e{int(exponent)}"


# ------------------------------------------------------------------ the palette
def finite_range(values) -> tuple[float, float]:
    """(min, max) of the finite entries; (0, 0) when there are none.
    Not used in the notebooks."""
    a = np.asarray(values, dtype=float)
    finite = a[np.isfinite(a)]
    return (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)


def signed_limit(values) -> float:
    """The largest |value| (finite entries), or 1 for an all-zero array: limits are +-this.
    Not used in the notebooks."""
    lo, hi = finite_range(values)
    m = max(-lo, hi)
    return m if m > 0 else 1.0


def pick_palette(values, signed: bool | None = None) -> tuple[str, float, float]:
    """(cmap, vmin, vmax) by the course's convention.

    Signed data (any entry < 0, or ``signed=True``): ``SIGNED_CMAP`` over ``[-m, m]``,
    m = the largest |value|. Otherwise an image: ``IMAGE_CMAP`` over ``[0, max]`` (dark = 0).
    Not used in the notebooks.
    """
    lo, hi = finite_range(values)
    if signed or (signed is None and lo < 0):
        m = signed_limit(values)
        return SIGNED_CMAP, -m, m
    return IMAGE_CMAP, 0.0, hi if hi > 0 else 1.0


def add_colorbar(ax, im, cax=None):
    """A slim colour bar for the image ``im`` of ``ax`` (beside it, or in ``cax``).
    Not used in the notebooks."""
    fig = ax.get_figure()
    kw = {"cax": cax} if cax is not None else {"ax": ax, "shrink": 0.85, "pad": 0.02,
                                                  "fraction": 0.06}
    bar = fig.colorbar(im, **kw)
    bar.ax.tick_params(labelsize=7)
    return bar


def show_image(ax, values, vmax=None, **kw):
    """Draw a non-negative map in grey, dark = 0, white = ``vmax`` (default: its maximum).
    Introduced in notebooks/01_neural_network_recap.ipynb."""
    if vmax is None:
        vmax = pick_palette(values, signed=False)[2]
    return ax.imshow(values, cmap=IMAGE_CMAP, vmin=0, vmax=vmax,
                     interpolation=kw.pop("interpolation", "nearest"), **kw)


def show_signed(ax, values, limit=None, colorbar=True, cax=None, **kw):
    """Draw signed data with ``SIGNED_CMAP`` over ``[-limit, limit]`` (default: its largest
    |value|), white = 0, and a colour bar; returns the image.
    Not used in the notebooks.
    """
    m = signed_limit(values) if limit is None else limit
    im = ax.imshow(values, cmap=SIGNED_CMAP, vmin=-m, vmax=m,
                   interpolation=kw.pop("interpolation", "nearest"), **kw)
    if colorbar:
        add_colorbar(ax, im, cax)
    return im


def show_map(ax, values, signed=None, colorbar=True, **kw):
    """Draw any 2-D map by the convention: :func:`show_signed` (with a colour bar) if it is
    signed, else :func:`show_image`. Returns the image.
    Not used in the notebooks.
    """
    cmap, _, vmax = pick_palette(values, signed)
    if cmap == SIGNED_CMAP:
        return show_signed(ax, values, limit=vmax, colorbar=colorbar, **kw)
    return show_image(ax, values, vmax=vmax, **kw)


def text_colour(rgba) -> str:
    """"black" or "white": whichever reads better on a cell of colour ``rgba``.
    Not used in the notebooks."""
    r, g, b = to_rgb(rgba)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"


def mark_dead(ax, boxes, fontsize=6) -> None:
    """Black out each (top, left, height, width) box of an image and label it "dead":
    how a map that is zero everywhere (a dead ReLU) is drawn.
    Not used in the notebooks.
    """
    for top, left, h, w in boxes:
        ax.add_patch(Rectangle((left - 0.5, top - 0.5), w, h, color=DEAD_COLOUR, zorder=3))
        ax.text(left + (w - 1) / 2, top + (h - 1) / 2, "dead", ha="center", va="center",
                fontsize=fontsize, color=DEAD_LABEL_COLOUR, zorder=4)
