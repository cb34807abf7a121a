"""Pictures of pooling: the windows, the pooled map and where the gradient goes back.

Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/05_pooling.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .core import (
    GAP_COLOUR,
    SIGNED_CMAP,
    WINDOW_COLOUR,
    fixed_figure,
    panel_grid,
    show_image,
    show_map,
    show_signed,
    text_colour,
)
from .mosaic import draw_mosaic

__all__ = ["plot_maps", "plot_pooling"]


def _numbers(ax, values, fontsize=8):
    """Write each finite value in its cell: black on light cells, white on dark ones."""
    im = ax.images[0]
    for (r, c), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(c, r, f"{round(float(v), 2):g}", ha="center", va="center",
                    fontsize=fontsize, color=text_colour(im.cmap(im.norm(v))))


def _frame(ax, H, W, pad):
    ax.set_xlim(-0.5 - pad, W - 0.5 + pad)
    ax.set_ylim(H - 0.5 + pad, -0.5 - pad)
    ax.set_xticks([])
    ax.set_yticks([])
    if pad:
        ax.add_patch(Rectangle((-0.5 - pad, -0.5 - pad), W + 2 * pad, H + 2 * pad,
                               color="#d9d9d9", zorder=-1))


def plot_pooling(x, out, dx, window, kernel_size, stride, padding, mode="max", winner=None):
    """Input with the pooling windows, the pooled output, and the gradient routed back.

    x (H, W); out (H_out, W_out); dx (H, W) = the backward pass of a dout that is 1 at the
    chosen output cell and 0 elsewhere; window = (top, left) of that cell's window in input
    coordinates (negative inside the padding); winner = (row, col) of the max, or None.
    Small inputs (<= 8 x 8) show their numbers. Not used in the notebooks.
    """
    H, W = x.shape
    K, S, P = kernel_size, stride, padding
    small = max(H, W) <= 8
    fig = fixed_figure(8.4, 3.1)
    axes = [fig.add_axes([0.01 + k * 0.31, 0.03, 0.29, 0.82]) for k in range(3)]
    ax = axes[0]
    show_image(ax, x)
    _frame(ax, H, W, P)
    H_out, W_out = out.shape
    tops = np.arange(H_out) * S - P
    lefts = np.arange(W_out) * S - P
    ty, tx = np.meshgrid(tops, lefts, indexing="ij")
    ax.scatter(tx.ravel() - 0.38, ty.ravel() - 0.38, s=6 if not small else 12, c=WINDOW_COLOUR,
               zorder=3, marker="s", lw=0)
    top, left = window
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), K, K, fill=False, ec=WINDOW_COLOUR, lw=2.5))
    if winner is not None:
        ax.add_patch(Rectangle((winner[1] - 0.5, winner[0] - 0.5), 1, 1, fill=False,
                               ec="#c0392b", lw=2))
    if small:
        _numbers(ax, x)
    ax.set_title(f"input {H}x{W}, window {K}x{K}, stride {S}, pad {P}", fontsize=9)
    ax = axes[1]
    show_image(ax, out)
    i, j = (top + P) // S, (left + P) // S
    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec=WINDOW_COLOUR, lw=2.5))
    _frame(ax, H_out, W_out, 0)
    if max(H_out, W_out) <= 8:
        _numbers(ax, out)
    ax.set_title(f"{mode} pool -> {H_out}x{W_out}", fontsize=9)
    ax = axes[2]
    show_signed(ax, dx, cax=fig.add_axes([0.93, 0.1, 0.01, 0.68]))
    _frame(ax, H, W, P)
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), K, K, fill=False, ec=WINDOW_COLOUR, lw=1,
                           ls="--"))
    if small:
        _numbers(ax, np.where(dx != 0, dx, np.nan), fontsize=7)
    ax.set_title(f"backward: dout = 1 at ({i}, {j})", fontsize=9)
    return fig


def plot_maps(maps, titles=None, cmap=None, ncols=None, size=1.6, suptitle="",
              symmetric=False, vmax=None):
    """A row (or grid) of maps with titles, each on its own colour scale unless ``vmax``.

    maps: a sequence of 2-D maps (H, W), or of stacks (C, H, W) drawn as a mosaic (each map
    scaled on its own; maps that are zero everywhere black and labelled "dead"). Colours follow
    the course's palette: grey with dark = 0 for a map with no negative value, the diverging
    map centred on 0 with a colour bar for a signed one (``symmetric=True``: every map is drawn
    as signed). Another ``cmap`` replaces the palette (min..max, or centred on 0 if symmetric).
    ``vmax``: one shared scale for the non-negative 2-D maps, dark = 0 and white = vmax (e.g.
    1.0 for images in [0, 1], so that a dimmer map looks dimmer).
    Introduced in notebooks/04_receptive_field.ipynb.
    """
    maps = [np.asarray(m, dtype=float) for m in maps]
    fig, axes = panel_grid(len(maps), ncols or len(maps), size, 0.3 if suptitle else 0.0)
    palette = cmap is None or cmap == SIGNED_CMAP
    signed = True if symmetric or cmap == SIGNED_CMAP else None
    for k, ax in enumerate(axes):
        m = maps[k]
        if np.isnan(m).any():
            ax.set_facecolor(GAP_COLOUR)  # the gaps of a mosaic
        if m.ndim == 3:
            draw_mosaic(ax, m, signed=signed)
        elif palette and vmax is not None and not signed and np.nanmin(m) >= 0:
            show_image(ax, m, vmax=vmax)
        elif palette:
            show_map(ax, m, signed=signed)
        else:
            v = float(np.nanmax(np.abs(m))) or 1.0
            ax.imshow(m, cmap=cmap, interpolation="nearest",
                      **({"vmin": -v, "vmax": v} if symmetric else {}))
        if titles is not None:
            ax.set_title(titles[k], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle, fontsize=9)
    return fig
