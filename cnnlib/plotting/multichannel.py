"""Picture of a multi-channel convolution: a C x K x K filter over a C-channel image.

One row per input channel: the channel (black -> its colour, dark = 0) with the window, that
channel's K x K slice of the filter (numbers, signed colours), and the map it gives alone.
The three maps add up to the filter's output map (one output channel); beside it, every
filter's map: the output channels, stacked. Both use the one diverging map, centred on 0,
on two scales: the filter's weights on their own (a slim colour bar beside them), all maps
on a shared one (the colour bar on the right).

Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from .core import CHANNEL_CMAPS, WINDOW_COLOUR, add_colorbar, fixed_figure, show_signed
from .grids import draw_number_grid, set_title, update_number_grid

__all__ = ["decimals3", "plot_multichannel", "update_multichannel"]

CHANNEL_NAMES = ("red", "green", "blue")
_ROW_H = 0.30  # height of one channel row, as a fraction of the figure


def _weight_limit(weights, f):
    return max(float(np.max(np.abs(weights[f]))), 1e-12)


def _rows(C):
    """Bottom of each channel row (top row first)."""
    return [0.66 - k * _ROW_H for k in range(C)]


def _mark(ax, j, i, size, lw=2.0):
    ax.add_patch(Rectangle((j - 0.5, i - 0.5), size, size, fill=False, ec=WINDOW_COLOUR, lw=lw))


def _bare(ax, frame=False):
    ax.set_axis_off()  # no ticks, no spines: less to draw on every update
    if frame:  # a thin outline, so that a map that is 0 everywhere (white) still shows
        ax.add_patch(Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, lw=0.8,
                               ec="0.6", clip_on=False))


def _limit(outputs, maps):
    return max(float(np.max(np.abs(outputs))), float(np.max(np.abs(maps))), 1e-12)


def decimals3(v) -> str:
    """A value with at most 3 decimals ("-0.292", "0.5", "0"), so that printed parts add up.
    Not used in the notebooks."""
    v = round(float(v), 3) + 0.0  # + 0.0: no "-0"
    return f"{v:.3f}".rstrip("0").rstrip(".") if v else "0"


def _map_title(c, value):
    return f"{CHANNEL_NAMES[c]} alone: {decimals3(value)}"


def _out_title(f, parts, value, bias):
    terms = decimals3(parts[0]) + "".join(f" {'-' if p < 0 else '+'} {decimals3(abs(p))}"
                                          for p in [*parts[1:], bias])
    return f"out[{f}] = {terms} (bias)\n= {decimals3(value)}"


def plot_multichannel(image, weights, f, position, maps, outputs, bias=0.0, names=None):
    """Filter ``f`` of ``weights`` (F, C, K, K) over ``image`` (C, H, W) at output ``position``.

    ``maps`` (C, H_out, W_out): channel c of the image cross-correlated with ``weights[f, c]``
    alone; ``outputs`` (F, H_out, W_out): every filter's output map, ``bias`` of filter f
    included.
    ``names``: a short name per filter (tile titles). C must be 3 (an RGB image).
    Not used in the notebooks.
    """
    image, weights = np.asarray(image, dtype=float), np.asarray(weights, dtype=float)
    C, H, W = image.shape
    F, _, K, _ = weights.shape
    if C != 3 or weights.shape[1] != C:
        raise ValueError(f"plot_multichannel: image must be (3, H, W) and weights (F, 3, K, K), "
                         f"got {image.shape} and {weights.shape}.")
    i, j = position
    limit = _limit(outputs, maps)
    fig = fixed_figure(10.4, 4.6)
    rows = _rows(C)
    h = _ROW_H - 0.07
    for c, bottom in enumerate(rows):  # the channels, with the window
        ax = fig.add_axes([0.01, bottom, 0.15, h])
        ax.imshow(image[c], cmap=CHANNEL_CMAPS[CHANNEL_NAMES[c]], vmin=0, vmax=1,
                  interpolation="nearest")
        _mark(ax, j, i, K)
        set_title(ax, f"x[{c}]: {CHANNEL_NAMES[c]}, {H} x {W}", fontsize=8)
        _bare(ax)
    m = _weight_limit(weights, f)
    for c, bottom in enumerate(rows):  # the filter's slices
        ax = fig.add_axes([0.168, bottom, 0.095, h])
        draw_number_grid(ax, weights[f, c], signed=True, vmin=-m, vmax=m, fontsize=7,
                         title=f"w[{f}, {c}]")
        set_title(ax, f"w[{f}, {c}]", fontsize=8)
        _bare(ax)
    weight_grid = ax
    for c, bottom in enumerate(rows):  # what each channel contributes
        ax = fig.add_axes([0.312, bottom, 0.14, h])
        show_signed(ax, maps[c], limit=limit, colorbar=False)
        _mark(ax, j, i, 1)
        set_title(ax, _map_title(c, maps[c, i, j]), fontsize=8)
        _bare(ax, frame=True)
        if c < C - 1:
            fig.text(0.457, bottom - 0.02, "+", ha="left", va="center", fontsize=13)
    ax = fig.add_axes([0.50, 0.30, 0.22, 0.46])  # their sum: one output channel
    show_signed(ax, outputs[f], limit=limit, colorbar=False)
    _mark(ax, j, i, 1, lw=2.5)
    set_title(ax, _out_title(f, maps[:, i, j], outputs[f, i, j], bias), fontsize=9)
    _bare(ax, frame=True)
    fig.text(0.477, 0.53, "=", ha="center", va="center", fontsize=16)
    fig.text(0.61, 0.20, f"filter {f}: {C} x {K} x {K} weights\none output channel "
             f"(feature map)", ha="center", va="top", fontsize=8)
    tile_h = min(0.9 / F, 0.21)
    for g in range(F):  # every filter: the output channels, stacked
        ax = fig.add_axes([0.765, 0.95 - (g + 1) * tile_h, 0.09, tile_h - 0.03])
        im = show_signed(ax, outputs[g], limit=limit, colorbar=False)
        label = f"out[{g}]" + (f" {names[g]}" if names else "")
        set_title(ax, label, fontsize=7, pad=2)
        _bare(ax, frame=True)
        _frame_tile(ax, g == f)
    fig.text(0.81, 0.01, f"output: {F} x {outputs.shape[1]} x {outputs.shape[2]}",
             ha="center", va="bottom", fontsize=8)
    cax = fig.add_axes([0.90, 0.12, 0.015, 0.76])
    add_colorbar(ax, im, cax)
    set_title(cax, "maps", fontsize=7, pad=4)
    wax = fig.add_axes([0.268, 0.08, 0.007, 0.72])  # the weights' own scale
    bar = add_colorbar(weight_grid, weight_grid.images[0], wax)
    bar.locator = MaxNLocator(nbins=2, symmetric=True)  # -m, 0, m: few ticks in little room
    bar.update_ticks()
    bar.ax.tick_params(labelsize=6, pad=1)
    fig.text(0.264, 0.83, "weights", ha="left", va="bottom", fontsize=7)
    return fig


def _frame_tile(ax, selected):
    frame = ax.patches[-1]
    frame.set_edgecolor(WINDOW_COLOUR if selected else "0.6")
    frame.set_linewidth(3 if selected else 0.8)


def update_multichannel(fig, image, weights, f, position, maps, outputs, bias=0.0):
    """Redraw a figure made by :func:`plot_multichannel` (same sizes) in place: new window,
    filter, maps and titles, no new artists; returns ``fig``.
    Not used in the notebooks."""
    image, weights = np.asarray(image, dtype=float), np.asarray(weights, dtype=float)
    C = image.shape[0]
    F, _, K, _ = weights.shape
    i, j = position
    limit = _limit(outputs, maps)
    axes = fig.axes
    chans, kernels, parts = axes[:C], axes[C:2 * C], axes[2 * C:3 * C]
    out_ax, tiles = axes[3 * C], axes[3 * C + 1:3 * C + 1 + F]
    m = _weight_limit(weights, f)  # the weights' colour bar follows their images' limits
    for c in range(C):
        chans[c].images[0].set_data(image[c])
        chans[c].patches[0].set_xy((j - 0.5, i - 0.5))
        update_number_grid(kernels[c], weights[f, c], signed=True, vmin=-m, vmax=m)
        kernels[c].title.set_text(f"w[{f}, {c}]")
        parts[c].images[0].set_data(maps[c])
        parts[c].images[0].set_clim(-limit, limit)
        parts[c].patches[0].set_xy((j - 0.5, i - 0.5))
        parts[c].title.set_text(_map_title(c, maps[c, i, j]))
    out_ax.images[0].set_data(outputs[f])
    out_ax.images[0].set_clim(-limit, limit)
    out_ax.patches[0].set_xy((j - 0.5, i - 0.5))
    out_ax.title.set_text(_out_title(f, maps[:, i, j], outputs[f, i, j], bias))
    for text in fig.texts:
        if text.get_text().startswith("filter "):
            text.set_text(f"filter {f}: {C} x {K} x {K} weights\none output channel "
                          f"(feature map)")
    for g, ax in enumerate(tiles):
        ax.images[0].set_data(outputs[g])
        ax.images[0].set_clim(-limit, limit)
        _frame_tile(ax, g == f)
    return fig
