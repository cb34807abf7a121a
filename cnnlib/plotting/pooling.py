"""Pictures of pooling: the windows, the pooled map and where the gradient goes back.

Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/05_pooling.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .core import fixed_figure, new_figure

__all__ = ["plot_maps", "plot_pooling"]


def _numbers(ax, values, fmt="{:g}", fontsize=8):
    for (r, c), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(c, r, fmt.format(round(float(v), 2)), ha="center", va="center",
                    fontsize=fontsize, color="black")


def _show(ax, a, small):
    """Light colours under numbers for small grids, grey pixels for images."""
    lo, hi = float(np.min(a)), float(np.max(a))
    if small:
        ax.imshow(a, cmap="Blues", vmin=lo, vmax=hi + 1.2 * (hi - lo) + 1e-9,
                  interpolation="nearest")
    else:
        ax.imshow(a, cmap="gray", vmin=lo, vmax=max(hi, lo + 1e-9), interpolation="nearest")


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
    Small inputs (<= 8 x 8) show their numbers. Introduced in notebooks/05_pooling.ipynb.
    """
    H, W = x.shape
    K, S, P = kernel_size, stride, padding
    small = max(H, W) <= 8
    fig = fixed_figure(8.4, 3.1)
    axes = [fig.add_axes([0.01 + k * 0.335, 0.03, 0.31, 0.82]) for k in range(3)]
    ax = axes[0]
    _show(ax, x, small)
    _frame(ax, H, W, P)
    H_out, W_out = out.shape
    tops = np.arange(H_out) * S - P
    lefts = np.arange(W_out) * S - P
    ty, tx = np.meshgrid(tops, lefts, indexing="ij")
    ax.scatter(tx.ravel() - 0.38, ty.ravel() - 0.38, s=6 if not small else 12, c="#e67e22",
               zorder=3, marker="s", lw=0)
    top, left = window
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), K, K, fill=False, ec="#e67e22", lw=2.5))
    if winner is not None:
        ax.add_patch(Rectangle((winner[1] - 0.5, winner[0] - 0.5), 1, 1, fill=False,
                               ec="#c0392b", lw=2))
    if small:
        _numbers(ax, x)
    ax.set_title(f"input {H}x{W}, window {K}x{K}, stride {S}, pad {P}", fontsize=9)
    ax = axes[1]
    _show(ax, out, small)
    i, j = (top + P) // S, (left + P) // S
    ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#e67e22", lw=2.5))
    _frame(ax, H_out, W_out, 0)
    if max(H_out, W_out) <= 8:
        _numbers(ax, out)
    ax.set_title(f"{mode} pool -> {H_out}x{W_out}", fontsize=9)
    ax = axes[2]
    m = float(np.abs(dx).max()) or 1.0
    ax.imshow(dx, cmap="RdBu_r", vmin=-2 * m, vmax=2 * m, interpolation="nearest")
    _frame(ax, H, W, P)
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), K, K, fill=False, ec="#e67e22", lw=1,
                           ls="--"))
    if small:
        _numbers(ax, np.where(dx != 0, dx, np.nan), fontsize=7)
    ax.set_title(f"backward: dout = 1 at ({i}, {j})", fontsize=9)
    return fig


def plot_maps(maps, titles=None, cmap="gray", ncols=None, size=1.6, suptitle="",
              symmetric=False):
    """A row (or grid) of 2-D maps with titles, each with its own colour scale.

    maps: sequence of (H, W) arrays; symmetric=True centres each colour scale on 0.
    Introduced in notebooks/05_pooling.ipynb.
    """
    maps = [np.asarray(m, dtype=float) for m in maps]
    n = len(maps)
    ncols = ncols or n
    nrows = -(-n // ncols)
    fig = new_figure(size * ncols, size * nrows + (0.3 if suptitle else 0))
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for k, ax in enumerate(axes):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= n:
            ax.set_axis_off()
            continue
        m = maps[k]
        if symmetric:
            v = float(np.abs(m).max()) or 1.0
            ax.imshow(m, cmap=cmap, vmin=-v, vmax=v, interpolation="nearest")
        else:
            ax.imshow(m, cmap=cmap, interpolation="nearest")
        if titles is not None:
            ax.set_title(titles[k], fontsize=8)
    if suptitle:
        fig.suptitle(suptitle, fontsize=9)
    return fig
