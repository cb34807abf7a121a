"""Number grids: a small 2-D array drawn as coloured cells with each number written in it.

Colours follow the course's palette (:mod:`cnnlib.plotting.core`); numbers are black on light
cells and white on dark ones. Arrays in, axes filled (no pyplot).
Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .core import add_colorbar, finite_range, new_figure, pick_palette, short_number, text_colour

__all__ = ["OWN_SCALES", "cell_lines", "draw_number_grid", "plot_number_grids", "set_title",
           "update_number_grid"]

PAD_HATCH = "0.6"  # padding cells keep their value's colour (0: black) under grey hatching
OWN_SCALES = "colours: each grid on its own scale"  # the caption of grids that are not shared


def set_title(ax, text, fontsize=10, **kw):
    """``ax.set_title`` at a fixed height (y=1): the same place as matplotlib's automatic one
    for axes without ticks on top, but no tick measuring on every draw (explorers redraw
    faster). Not used in the notebooks."""
    return ax.set_title(text, fontsize=fontsize, y=1.0, **kw)


def cell_lines(ax, H, W, color="0.35", lw=0.6):
    """Outline every cell of an H x W image in ``ax`` and hide the ticks (cheap: two
    line collections instead of one tick object per line).
    Not used in the notebooks."""
    ax.vlines(np.arange(W + 1) - 0.5, -0.5, H - 0.5, colors=color, lw=lw)
    ax.hlines(np.arange(H + 1) - 0.5, -0.5, W - 0.5, colors=color, lw=lw)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, W - 0.5)
    ax.set_ylim(H - 0.5, -0.5)


def _grid_palette(values, cmap, vmin, vmax, signed):
    """(cmap, vmin, vmax) of a number grid: the course's palette unless ``cmap`` is given."""
    if cmap is not None:
        lo, hi = finite_range(values)
        lo = lo if vmin is None else vmin
        hi = hi if vmax is None else vmax
        return cmap, lo, (hi if hi > lo else lo + 1.0)
    if vmin is not None or vmax is not None:  # limits given: e.g. of the whole output
        values = [v for v in (vmin, vmax) if v is not None]
    return pick_palette(values, signed)


def _colour_texts(ax, values) -> None:
    """Black numbers on light cells, white on dark ones."""
    im = ax.images[0]
    colours = im.cmap(im.norm(np.nan_to_num(np.asarray(values, dtype=float).ravel())))
    for text, rgba in zip(ax.texts, colours, strict=True):
        text.set_color(text_colour(rgba))


def update_number_grid(ax, values, cmap=None, vmin=None, vmax=None, signed=None) -> None:
    """Put new numbers (same shape) into a grid drawn by :func:`draw_number_grid`, with the
    same palette rule (fast: no new artists). Not used in the notebooks."""
    values = np.asarray(values, dtype=float)
    cmap, lo, hi = _grid_palette(values, cmap, vmin, vmax, signed)
    im = ax.images[0]
    im.set_data(np.ma.masked_invalid(values))
    im.set_cmap(cmap)
    im.set_clim(lo, hi)
    for text, v in zip(ax.texts, values.ravel(), strict=True):
        text.set_text(short_number(v))
    _colour_texts(ax, values)


def _hatch_padding(ax, H, W, pad) -> None:
    for x, y, w, h in ((0, 0, W, pad), (0, H - pad, W, pad), (0, pad, pad, H - 2 * pad),
                       (W - pad, pad, pad, H - 2 * pad)):
        ax.add_patch(Rectangle((x - 0.5, y - 0.5), w, h, fill=False, hatch="///",
                               edgecolor=PAD_HATCH, lw=0))


def draw_number_grid(ax, values, cmap=None, title="", fontsize=9, vmin=None, vmax=None,
                     pad=0, signed=None):
    """Draw a 2-D array as coloured cells with each number written in it (NaN cells blank).

    Colours follow the course's palette (:func:`cnnlib.plotting.core.pick_palette`): grey with
    0 = black for a grid with no negative number, the diverging map centred on 0 for signed
    numbers (``signed=True`` forces it, e.g. for a kernel). ``vmin``/``vmax`` fix the limits
    (e.g. to those of a whole output that is filled in cell by cell); ``cmap`` overrides the
    palette. ``pad`` > 0 hatches the outer ``pad`` rows and columns (zero padding).
    Not used in the notebooks.
    """
    values = np.asarray(values, dtype=float)
    cmap, lo, hi = _grid_palette(values, cmap, vmin, vmax, signed)
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=lo, vmax=hi)
    H, W = values.shape
    for r in range(H):  # one text per cell, in row-major order ("" for NaN): see update_number_grid
        for c in range(W):
            ax.text(c, r, short_number(values[r, c]), ha="center", va="center",
                    fontsize=fontsize)
    _colour_texts(ax, values)
    if pad:
        _hatch_padding(ax, H, W, pad)
    cell_lines(ax, H, W)
    set_title(ax, title)
    return ax


def plot_number_grids(grids: dict, cmap=None, fontsize=9, shared=False):
    """Side-by-side number grids, e.g. ``{"input 4x4": x, "kernel 3x3": w, "output 2x2": out}``,
    each coloured by the course's palette (grey if it has no negative number, else the
    diverging map centred on 0; ``cmap`` overrides it).

    ``shared=False``: each grid has its own colour scale, and a caption below says so (read
    the numbers, not the colours, across grids). ``shared=True``: one scale for all (signed
    if any number is negative), with one colour bar: for grids of the same quantity, e.g. a
    kernel and its estimate. Introduced in notebooks/02_convolution.ipynb.
    """
    if not grids:
        raise ValueError("plot_number_grids: grids is empty; pass {title: 2-D array}.")
    widths = [max(np.shape(g)[1], 1) for g in grids.values()]
    fig = new_figure(min(1.0 + 0.45 * sum(widths) + 0.4 * len(grids) + 0.5 * shared, 11),
                     2.6 + 0.2 * (not shared and len(grids) > 1))
    axes = fig.subplots(1, len(grids), squeeze=False, width_ratios=widths)[0]
    limits = {}
    if shared:
        _, lo, hi = _grid_palette(np.concatenate([np.ravel(g) for g in grids.values()]), cmap,
                                  None, None, None)
        limits = {"vmin": lo, "vmax": hi}
    for ax, (title, g) in zip(axes, grids.items(), strict=True):
        draw_number_grid(ax, g, cmap=cmap, title=title, fontsize=fontsize, **limits)
    if shared:
        add_colorbar(axes[-1], axes[-1].images[0])
    elif len(grids) > 1:
        fig.supxlabel(OWN_SCALES, fontsize=8, color="0.3")
    return fig
