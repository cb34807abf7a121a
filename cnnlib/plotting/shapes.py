"""Pictures of output-size arithmetic: padding, stride, dilation and transposed convolution.

Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .core import COUNT_CMAP, new_figure
from .grids import cell_lines

__all__ = ["plot_conv_shape", "plot_transposed_shape"]

WHITE = (1.0, 1.0, 1.0)
PAD = (0.82, 0.82, 0.82)
FIRST = (0.99, 0.80, 0.55)
MISSED = (0.91, 0.30, 0.24)
OUT = (0.72, 0.88, 0.72)


def _grid_lines(ax, h, w, color="0.45"):
    cell_lines(ax, h, w, color=color)


def plot_conv_shape(H, kernel_size, stride, padding, dilation, visited, H_out, formula=""):
    """A square convolution's geometry, left the padded input, right the output.

    ``visited`` is a bool ``(H + 2P, H + 2P)`` mask of the padded input cells that some
    kernel tap touches. Padding is grey, the first window's taps orange (outlined), a dot
    marks every window's top-left, input pixels never visited are red. The output is an
    ``H_out x H_out`` grid. ``formula`` is written underneath.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    K, S, P, D = kernel_size, stride, padding, dilation
    visited = np.asarray(visited, dtype=bool)
    Hp = H + 2 * P
    rgb = np.empty((Hp, Hp, 3))
    rgb[:] = PAD
    inner = (slice(P, P + H), slice(P, P + H))
    rgb[inner] = WHITE
    missed = np.zeros((Hp, Hp), bool)
    missed[inner] = ~visited[inner]
    rgb[missed] = MISSED
    taps = np.arange(K) * D
    rgb[np.ix_(taps, taps)] = FIRST
    fig = new_figure(7.2, 3.5)
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[max(Hp, 1), max(H_out, 1) + 2])
    ax_in.imshow(rgb, interpolation="nearest")
    _grid_lines(ax_in, Hp, Hp)
    span = D * (K - 1) + 1
    ax_in.add_patch(Rectangle((-0.5, -0.5), span, span, fill=False, ec="#d35400", lw=2.5))
    starts = np.arange(H_out) * S
    yy, xx = np.meshgrid(starts, starts, indexing="ij")
    ax_in.scatter(xx.ravel(), yy.ravel(), s=10 if Hp > 12 else 18, c="#1f5fa8", zorder=3)
    n_missed = int(missed.sum())
    ax_in.set_title(f"input {H}x{H} + padding {P}  ({n_missed} pixels never visited)",
                    fontsize=9)
    out = np.empty((H_out, H_out, 3))
    out[:] = OUT
    ax_out.imshow(out, interpolation="nearest")
    _grid_lines(ax_out, H_out, H_out)
    ax_out.set_xlim(-1.5, H_out + 0.5)
    ax_out.set_ylim(H_out + 0.5, -1.5)
    ax_out.set_title(f"output {H_out}x{H_out}", fontsize=9)
    ax_out.set_axis_off()
    if formula:
        fig.supxlabel(formula, fontsize=9, family="monospace")
    return fig


def plot_transposed_shape(H, kernel_size, stride, padding, dilation, counts, H_out,
                          formula=""):
    """A square transposed convolution: each input pixel stamps a (dilated) kernel onto the
    output, ``stride`` cells apart.

    ``counts`` ``(H_full, H_full)`` says how many stamps cover each cell before the crop of
    ``padding`` rows/columns on every side (``H_full = (H-1)S + D(K-1) + 1``); the kept
    ``H_out x H_out`` part is outlined, the cropped frame greyed.
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    P = padding
    counts = np.asarray(counts, dtype=float)
    full = counts.shape[0]
    fig = new_figure(7.2, 3.5)
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[H + 2, max(full, 1)])
    ax_in.imshow(np.full((H, H, 3), OUT), interpolation="nearest")
    _grid_lines(ax_in, H, H)
    ax_in.set_xlim(-1.5, H + 0.5)
    ax_in.set_ylim(H + 0.5, -1.5)
    ax_in.set_axis_off()
    ax_in.set_title(f"input {H}x{H}", fontsize=9)
    ax_out.imshow(counts, cmap=COUNT_CMAP, vmin=0, vmax=max(counts.max(), 1) * 1.4,
                  interpolation="nearest")
    if P:  # the cropped frame: a flat grey over it
        frame = np.zeros((full, full, 4))
        frame[..., :3] = PAD
        frame[..., 3] = 0.85
        frame[P:full - P, P:full - P, 3] = 0.0
        ax_out.imshow(frame, interpolation="nearest")
    if full <= 16:
        for r in range(full):
            for c in range(full):
                ax_out.text(c, r, f"{int(counts[r, c])}", ha="center", va="center", fontsize=7)
    _grid_lines(ax_out, full, full)
    ax_out.add_patch(Rectangle((P - 0.5, P - 0.5), H_out, H_out, fill=False, ec="#d35400",
                               lw=2.5))
    ax_out.set_title(f"output {H_out}x{H_out} (numbers: stamps per cell)", fontsize=9)
    if formula:
        fig.supxlabel(formula, fontsize=9, family="monospace")
    return fig
