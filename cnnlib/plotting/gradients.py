"""Pictures of backpropagation: small gradients as numbers, gradient checks (per-entry errors
and the V-shaped error-versus-h curve).

Arrays in, ``Figure`` out (no pyplot).
Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib import colormaps
from matplotlib.patches import Rectangle

from .core import ERROR_CMAP, WINDOW_COLOUR, add_colorbar, fixed_figure, new_figure
from .grids import draw_number_grid
from .mosaic import mosaic

__all__ = ["BANDS", "as_2d", "plot_error_vs_h", "plot_gradcheck", "plot_signed_grids"]



def plot_signed_grids(grids: dict, boxes: dict | None = None, pads: dict | None = None,
                      title: str = ""):
    """Small signed arrays side by side, each number written in its cell, in the course's
    diverging map (0 white) with a colour bar: dout, kernels, gradients.

    grids: {title: 2-D array}; boxes: {title: (top, left, height, width)} outlines a window
    (orange); pads: {title: p} hatches the outer p rows and columns (zero padding).
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    if not grids:
        raise ValueError("plot_signed_grids: grids is empty; pass {title: 2-D array}.")
    boxes, pads = boxes or {}, pads or {}
    widths = [max(np.shape(g)[1], 1) + 1.2 for g in grids.values()]
    fig = new_figure(min(0.55 * sum(widths) + 0.3, 12.0), 2.9 + (0.25 if title else 0))
    axes = fig.subplots(1, len(grids), squeeze=False, width_ratios=widths)[0]
    for ax, (name, g) in zip(axes, grids.items(), strict=True):
        draw_number_grid(ax, np.asarray(g, dtype=float), title=name, fontsize=8, signed=True,
                         pad=pads.get(name, 0))
        ax.title.set_fontsize(9)
        add_colorbar(ax, ax.images[0])
        if name in boxes:
            top, left, h, w = boxes[name]
            ax.add_patch(Rectangle((left - 0.5, top - 0.5), w, h, fill=False, ec=WINDOW_COLOUR,
                                   lw=2.5, zorder=4))
    if title:
        fig.suptitle(title, fontsize=9)
    return fig

# (upper edge, label, colour, lower edge) of the relative-error bands read in float64
BANDS = [(1.0, "wrong (>= 1e-2)", "#f5b7b1", 1e-2), (1e-2, "suspicious", "#fdebd0", 1e-7),
         (1e-7, "good (<= 1e-7)", "#d5f5e3", 1e-18)]


def as_2d(a, gap: bool = False) -> np.ndarray:
    """Lay an array out flat for a heat map: (N, C, H, W) -> (N*H, C*W) (channels side by
    side, images one below the other), 1-D -> (1, n). ``gap``: a column of NaN between the
    channels and a row of NaN between the images (drawn blank), so that they read apart.
    Not used in the notebooks."""
    a = np.asarray(a)
    if a.ndim == 4:
        N, C, H, W = a.shape
        if not gap:
            return a.transpose(0, 2, 1, 3).reshape(N * H, C * W)
        return mosaic(a.reshape(N * C, H, W), ncols=C, shared=True)  # row n: image n
    if a.ndim == 1:
        return a[None, :]
    return a.reshape(a.shape[0], -1) if a.ndim != 2 else a


def _bands(ax, labels=True):
    for top, label, colour, bottom in BANDS:
        ax.axhspan(bottom, top, color=colour, zorder=0)
        if labels:  # outside the axes, right of them: never under a curve or the star
            ax.text(1.02, np.sqrt(top * max(bottom, 1e-13)), label.split(" ")[0], fontsize=7,
                    ha="left", va="center", color="0.3", transform=ax.get_yaxis_transform(),
                    clip_on=False)


def _curve(ax, curves, h=None):
    markers = {"float64": "o-", "float32": "s--"}
    for name, (hs, errs) in curves.items():
        ax.loglog(hs, errs, markers.get(name, "o-"), ms=4, label=name)
    if h is not None:
        ax.axvline(h, color="0.2", lw=1, ls=":")
    _bands(ax)
    ax.set_ylim(1e-13, 1.5)
    # plain-text tick labels: log axes would otherwise typeset every label as mathtext
    ax.set_yticks([1e-12, 1e-9, 1e-6, 1e-3, 1.0], ["1e-12", "1e-9", "1e-6", "1e-3", "1"])
    ax.set_xticks([1e-12, 1e-9, 1e-6, 1e-3], ["1e-12", "1e-9", "1e-6", "1e-3"])
    ax.minorticks_off()
    ax.set_xlabel("step h", fontsize=8)
    ax.set_ylabel("relative error", fontsize=8)
    ax.tick_params(labelsize=7)


def plot_error_vs_h(curves, title="relative error against the step h"):
    """``curves``: {label: (h values, relative errors)} on log-log axes over the bands.

    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    fig = fixed_figure(5.6, 3.4)
    ax = fig.add_axes([0.13, 0.15, 0.72, 0.75])
    _curve(ax, curves)
    ax.legend(fontsize=7, loc="lower left", frameon=False, ncols=2)
    ax.set_title(title, fontsize=9)
    return fig


def plot_gradcheck(errors, rel, h, curves, title=""):
    """Left: log10 of each entry's |analytic - numerical| / scale, in a sequential map (a
    magnitude, not signed data) with a labelled colour bar, channels side by side with a gap;
    right: the curves of relative error against h (dotted line and star at the current h)
    over the bands.

    errors: array of any shape (laid out with :func:`as_2d`); rel: the scalar rel_error;
    curves: {label: (hs, errs)}. Not used in the notebooks.
    """
    fig = fixed_figure(7.6, 3.0)
    ax = fig.add_axes([0.01, 0.12, 0.31, 0.7])
    e = as_2d(errors, gap=True).astype(float)
    cmap = colormaps[ERROR_CMAP].with_extremes(bad="white")
    logs = np.ma.masked_invalid(np.log10(np.maximum(e, 1e-17)))
    im = ax.imshow(logs, cmap=cmap, vmin=-14, vmax=0, interpolation="nearest",
                   aspect="auto" if e.shape[0] == 1 else "equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or f"log10 error per entry (max {rel:.1e})", fontsize=9)
    ax.set_xlabel("one square per entry; channels side by side", fontsize=7)
    bar = add_colorbar(ax, im, cax=fig.add_axes([0.33, 0.16, 0.012, 0.62]))
    bar.set_ticks([-14, -10, -7, -4, -2, 0])
    bar.set_label("log10 error", fontsize=7)
    right = fig.add_axes([0.53, 0.16, 0.38, 0.74])
    _curve(right, curves, h)
    right.plot([h], [max(rel, 1e-13)], "k*", ms=11, zorder=5)
    right.legend(fontsize=7, loc="lower left", frameon=False)
    right.set_title(f"h = {h:.0e}: relative error {rel:.1e}", fontsize=9)
    return fig
