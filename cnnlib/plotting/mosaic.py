"""Feature maps as one picture: a mosaic of tiles, and which maps are dead.

A stack of maps (F, H, W) is tiled into one 2-D image (one imshow instead of F axes keeps
drawing fast) and drawn by the course's palette, each map on its own scale or on one shared
scale; a map that is zero everywhere (a dead ReLU) is blacked out and labelled "dead".
Used by the training pictures (:mod:`cnnlib.plotting.training`) and by ``plot_maps``.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from .core import GAP_COLOUR, SIGNED_CMAP, add_colorbar, mark_dead, pick_palette

__all__ = ["dead_maps", "draw_mosaic", "mosaic"]


def dead_maps(maps) -> np.ndarray:
    """(F,) bool: which of the maps (F, H, W) are zero everywhere (a dead ReLU gives one).
    Introduced in notebooks/07_full_cnn.ipynb."""
    maps = np.asarray(maps)
    return ~np.any(maps != 0, axis=(1, 2))


def mosaic(maps, ncols=None, gap=1, shared=False) -> np.ndarray:
    """Tile maps (F, H, W) into one 2-D image; the gaps between tiles are NaN (drawn blank).

    ``shared=False``: each map is divided by its own largest |value|, so it lies in [0, 1]
    (no negative value) or [-1, 1] (signed) and 0 stays 0: a map that is zero everywhere stays
    0 (black in grey), never mid-grey. ``shared=True``: the values as they are, for one colour
    scale over all maps (filters: their sign and relative size stay visible).
    One imshow instead of F axes keeps drawing fast. Not used in the notebooks.
    """
    maps = np.asarray(maps, dtype=float)
    F, H, W = maps.shape
    ncols = ncols or int(np.ceil(np.sqrt(F)))
    nrows = -(-F // ncols)
    out = np.full((nrows * (H + gap) - gap, ncols * (W + gap) - gap), np.nan)
    for k in range(F):
        m = maps[k]
        if not shared:
            top = np.max(np.abs(m))
            m = m / top if top > 0 else np.zeros_like(m)
        r, c = divmod(k, ncols)
        out[r * (H + gap):r * (H + gap) + H, c * (W + gap):c * (W + gap) + W] = m
    return out


def draw_mosaic(ax, maps, shared=False, signed=None, colorbar=True, colorbar_rect=None,
                ncols=None, colorbar_label="value", grey_colorbar=False):
    """Draw maps (F, H, W) as a :func:`mosaic` in ``ax`` by the course's palette: grey with
    dark = 0 when no value is negative, else the diverging map centred on 0 with a colour bar
    (in new axes at ``colorbar_rect`` = [left, bottom, width, height] if given, else beside
    ``ax``); ``grey_colorbar=True`` gives the grey mosaic a colour bar too. Every colour bar
    is labelled: ``colorbar_label`` on a shared scale; without ``shared`` each map is divided
    by its own largest |value|, and the bar says so ("value / max|value| of its map").
    Maps that are zero everywhere are black and labelled "dead". Returns the image.
    Not used in the notebooks.
    """
    maps = np.asarray(maps, dtype=float)
    F, H, W = maps.shape
    ncols = ncols or int(np.ceil(np.sqrt(F)))
    tiles = mosaic(maps, ncols=ncols, shared=shared)
    cmap, lo, hi = pick_palette(tiles, signed)
    ax.set_facecolor(GAP_COLOUR)
    im = ax.imshow(tiles, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    if colorbar and (cmap == SIGNED_CMAP or grey_colorbar):
        cax = None if colorbar_rect is None else ax.get_figure().add_axes(colorbar_rect)
        bar = add_colorbar(ax, im, cax)
        # each map on its own scale: the bar is in units of its largest |value|
        label = colorbar_label if shared else "value / max|value|\nof its map"
        bar.set_label(label, fontsize=6, labelpad=2)
    dead = [(r * (H + 1), c * (W + 1), H, W)
            for r, c in (divmod(int(k), ncols) for k in np.flatnonzero(dead_maps(maps)))]
    mark_dead(ax, dead, fontsize=6 if W >= 6 else 5)
    ax.set_xticks([])
    ax.set_yticks([])
    for side in ax.spines.values():
        side.set_visible(False)
    return im
