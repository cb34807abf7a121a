"""Pictures of receptive fields: the input region of one unit, and the effective field.

Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/04_receptive_field.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .core import IMAGE_CMAP, fixed_figure, new_figure

__all__ = ["plot_erf", "plot_erf_growth", "plot_layer_stack",
           "plot_stacked_fields"]


def _square(ax, top, left, size_h, size_w, **style):
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), size_w, size_h, fill=False, **style))


def plot_layer_stack(image, region, paths, table, note="", title=""):
    """One output unit's receptive field drawn on the input, beside the per-layer table.

    image (H, W) grey in [0, 1]; region (top, left, bottom, right) inclusive input
    rectangle (may reach into the padding, drawn dashed there); paths (H, W): how many
    paths through the stack join each pixel to the unit (0 = not seen), shown in orange
    (and written in each pixel of grids up to 8 x 8);
    table: the text of cnnlib.receptive_field.receptive_field_table; note: a last line.
    Not used in the notebooks.
    """
    H, W = image.shape
    fig = fixed_figure(8.4, 3.6)
    ax = fig.add_axes([0.01, 0.06, 0.36, 0.84])
    ax.imshow(image, cmap=IMAGE_CMAP, vmin=0, vmax=1, interpolation="nearest")
    p = np.asarray(paths, dtype=float)
    if p.max() > 0:
        rgba = np.zeros((H, W, 4))
        rgba[..., :3] = (0.95, 0.45, 0.05)
        rgba[..., 3] = np.where(p > 0, 0.25 + 0.5 * p / p.max(), 0.0)
        ax.imshow(rgba, interpolation="nearest")
        if max(H, W) <= 8:  # small grids: write the number of paths in each pixel
            for (r, c), v in np.ndenumerate(p):
                if v:
                    ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=8)
    top, left, bottom, right = region
    _square(ax, top, left, bottom - top + 1, right - left + 1, ec="#c0392b", lw=2.2,
            ls="--" if (top < 0 or left < 0 or bottom >= H or right >= W) else "-")
    pad = max(0, -top, -left, bottom - H + 1, right - W + 1)
    ax.set_xlim(-0.5 - pad, W - 0.5 + pad)
    ax.set_ylim(H - 0.5 + pad, -0.5 - pad)
    ax.add_patch(Rectangle((-0.5, -0.5), W, H, fill=False, ec="0.3", lw=0.8))
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or f"rows {top}..{bottom}, cols {left}..{right}", fontsize=9)
    tab = fig.add_axes([0.39, 0.02, 0.6, 0.96])
    tab.set_axis_off()
    text = table + (f"\n\n{note}" if note else "")
    size = 8 if text.count("\n") < 16 else 6.5
    tab.text(0, 1, text, family="monospace", fontsize=size, va="top", ha="left")
    return fig


def plot_stacked_fields(size, regions, labels, title=""):
    """Nested input squares of one unit after each layer, on a size x size grid.

    regions: list of (top, left, bottom, right), one per layer, drawn from dark to light.
    Introduced in notebooks/04_receptive_field.ipynb.
    """
    fig = new_figure(3.2, 3.2)
    ax = fig.add_subplot()
    ax.set_xlim(-0.5, size - 0.5)  # an empty white grid, one square per input pixel
    ax.set_ylim(size - 0.5, -0.5)
    ax.set_aspect("equal")
    ax.vlines(np.arange(size + 1) - 0.5, -0.5, size - 0.5, colors="0.7", lw=0.6)
    ax.hlines(np.arange(size + 1) - 0.5, -0.5, size - 0.5, colors="0.7", lw=0.6)
    colours = ["#f39c12", "#d35400", "#8e44ad", "#2c3e50", "#16a085", "#c0392b"]
    for k, ((top, left, bottom, right), label) in enumerate(zip(regions, labels, strict=True)):
        c = colours[k % len(colours)]
        inset = 0.06 * k
        ax.add_patch(Rectangle((left - 0.5 + inset, top - 0.5 + inset),
                               right - left + 1 - 2 * inset, bottom - top + 1 - 2 * inset,
                               fill=False, ec=c, lw=2.4))
        ax.text(left - 0.35 + inset, top - 0.1 + inset + 0.3 * k, label, color=c, fontsize=8,
                va="top")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title, fontsize=9)
    return fig


def plot_erf(erf, theory_size, title="", spread=None, expected=None):
    """The effective receptive field as a heat map, the theoretical square on top, and the
    profile through the centre row.

    erf (S, S) non-negative (odd S, the unit at the centre); theory_size: side of the
    theoretical field (centred); spread: optional std in pixels (a grey band from -2 std to
    +2 std, labelled); expected: optional (S, S) map whose centre row is drawn as a dashed
    line (e.g. the normalised path counts that the average should approach).
    Introduced in notebooks/04_receptive_field.ipynb.
    """
    erf = np.asarray(erf, dtype=float)
    S = erf.shape[0]
    c = S // 2
    fig = fixed_figure(7.0, 3.0)
    ax = fig.add_axes([0.02, 0.05, 0.4, 0.82])
    ax.imshow(erf / erf.max(), cmap=IMAGE_CMAP, vmin=0, vmax=1, interpolation="nearest")
    half = (theory_size - 1) / 2
    _square(ax, c - half, c - half, theory_size, theory_size, ec="#2ecc71", lw=2)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_title(title or "effective field, theoretical field in green", fontsize=9)
    prof = fig.add_axes([0.52, 0.16, 0.45, 0.7])
    offsets = np.arange(S) - c
    peak = erf[c].max()
    prof.fill_between(offsets, erf[c] / peak, step="mid", color="#e67e22", alpha=0.5,
                      label="measured")
    if expected is not None:
        exp_row = np.asarray(expected, dtype=float)[c]
        exp_row = exp_row / exp_row.sum() * erf[c].sum()  # same total as the measured row
        prof.step(offsets, exp_row / peak, where="mid", color="#8e44ad", lw=1.4, ls="--",
                  label="path counts")
    box = (np.abs(offsets) <= half).astype(float)
    prof.step(offsets, box, where="mid", color="#2ecc71", lw=2, label="theoretical")
    if spread:
        prof.axvspan(-2 * spread, 2 * spread, color="0.88", zorder=0,
                     label=f"std {spread:.1f} px, band \u00b12 std")
    prof.set_xlim(-c - 0.5, c + 0.5)
    prof.set_ylim(0, 1.35)
    prof.set_xlabel("offset from the centre (pixels)", fontsize=8)
    prof.tick_params(labelsize=7)
    prof.legend(fontsize=7, frameon=False, loc="upper left", ncol=2)
    prof.set_title("centre row, scaled to its peak", fontsize=9)
    return fig


def plot_erf_growth(depths, uniform_std, spread, fit_exponent=None, prediction=None):
    """Two standard deviations against depth, on log-log axes: the effective field's spread
    (measured) and that of a field spread evenly over the theoretical square.

    uniform_std: per depth, the std (per axis) of a uniform field filling the square of side
    2n + 1, sqrt(n (n + 1) / 3): like with like, a std beside a std, not beside a width.
    prediction: optional spreads predicted for each depth (e.g. the random walk's
    sqrt(2n/3)), drawn dotted; without it a sqrt(depth) line through the first point.
    Introduced in notebooks/04_receptive_field.ipynb.
    """
    depths = np.asarray(depths, float)
    fig = new_figure(4.8, 3.2)
    ax = fig.add_subplot()
    ax.loglog(depths, uniform_std, "s-", color="#2ecc71",
              label="uniform over the theoretical square: sqrt(n (n + 1) / 3)")
    label = "effective field, measured"
    if fit_exponent is not None:
        label += f": fit depth^{fit_exponent:.2f}"
    ax.loglog(depths, spread, "o", color="#e67e22", label=label)
    if prediction is not None:
        ax.loglog(depths, prediction, ":", color="0.3", label="random walk: sqrt(2n / 3)")
    else:
        ax.loglog(depths, spread[0] * np.sqrt(depths / depths[0]), ":", color="0.4",
                  label="sqrt(depth) reference")
    ax.minorticks_off()
    ax.set_xticks(depths, [f"{d:g}" for d in depths])
    ticks = [t for t in (1, 2, 4, 8, 16, 32) if t <= 1.5 * max(np.max(uniform_std), 1)]
    ax.set_yticks(ticks, [str(t) for t in ticks])
    ax.set_xlabel("number n of 3x3 layers")
    ax.set_ylabel("standard deviation (pixels)")
    ax.legend(fontsize=7.5, frameon=False)
    return fig
