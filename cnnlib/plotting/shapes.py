"""Pictures of output-size arithmetic: padding, stride, dilation and transposed convolution.

Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .core import COUNT_CMAP, add_colorbar, new_figure, show_signed, signed_limit
from .grids import cell_lines

__all__ = ["plot_conv_shape", "plot_stamps", "plot_transposed_shape", "plot_use_counts"]

WHITE = (1.0, 1.0, 1.0)
PAD = (0.82, 0.82, 0.82)
FIRST = (0.99, 0.80, 0.55)
MISSED = (0.91, 0.30, 0.24)
OUT = (0.72, 0.88, 0.72)
FIRST_EDGE = "#d35400"  # the first window / the first stamp
SECOND_EDGE = "#1f5fa8"  # the second window / the second stamp: S cells further on


def _grid_lines(ax, h, w, color="0.45"):
    cell_lines(ax, h, w, color=color)


def _box(ax, top, left, size, colour, dashed=False):
    ax.add_patch(Rectangle((left - 0.5, top - 0.5), size, size, fill=False, ec=colour,
                           lw=2.5, ls="--" if dashed else "-", zorder=4))


def plot_use_counts(panels: dict, numbers: bool | None = None):
    """Side-by-side maps of how many windows read each pixel, ``{title: counts (H, W)}``.

    Counts are light blue (white = 0, the course's count colours) with the number written in
    each cell when the map is at most 12 wide (``numbers`` forces it on or off); pixels that
    no window reads (count 0) are red. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    if not panels:
        raise ValueError("plot_use_counts: panels is empty; pass {title: 2-D array of counts}.")
    widths = [max(np.shape(c)[1], 1) for c in panels.values()]
    fig = new_figure(min(1.2 + 0.42 * sum(widths) + 0.5 * len(panels), 10.5),
                     3.2 if max(widths) <= 12 else 4.2)
    axes = fig.subplots(1, len(panels), squeeze=False, width_ratios=widths)[0]
    top = max(max(float(np.max(c)) for c in panels.values()), 1.0)
    for ax, (title, counts) in zip(axes, panels.items(), strict=True):
        counts = np.asarray(counts)
        H, W = counts.shape
        ax.imshow(counts, cmap=COUNT_CMAP, vmin=0, vmax=top * 1.3, interpolation="nearest")
        never = counts == 0
        if never.any():
            red = np.zeros((H, W, 4))
            red[never] = (*MISSED, 1.0)
            ax.imshow(red, interpolation="nearest")
        if numbers or (numbers is None and max(H, W) <= 12):
            for r in range(H):
                for c in range(W):
                    ax.text(c, r, str(int(counts[r, c])), ha="center", va="center",
                            fontsize=8, color="white" if never[r, c] else "black")
        _grid_lines(ax, H, W, color="0.6" if max(H, W) > 12 else "0.45")
        ax.set_title(f"{title}\n{int(never.sum())} of {H * W} pixels never read", fontsize=9)
    return fig


def plot_conv_shape(H, kernel_size, stride, padding, dilation, visited, H_out, formula=""):
    """A square convolution's geometry, left the padded input, right the output.

    ``visited`` is a bool ``(H + 2P, H + 2P)`` mask of the padded input cells that some
    kernel tap touches. Padding is grey, the first window's taps orange (outlined), the
    second window (``stride`` cells to the right) outlined in dashed blue, a dot marks every
    window's top-left, input pixels that no window reads are red. The output is an
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
    fig = new_figure(7.2, 3.5) if Hp <= 20 else new_figure(8.4, 5.6)  # a large input: larger
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[max(Hp, 1), max(H_out, 1) + 2])
    ax_in.imshow(rgb, interpolation="nearest")
    _grid_lines(ax_in, Hp, Hp)
    span = D * (K - 1) + 1
    _box(ax_in, 0, 0, span, FIRST_EDGE)
    if H_out > 1:  # the next window along the row: the step S made visible
        _box(ax_in, 0, S, span, SECOND_EDGE, dashed=True)
    starts = np.arange(H_out) * S
    yy, xx = np.meshgrid(starts, starts, indexing="ij")
    ax_in.scatter(xx.ravel(), yy.ravel(), s=10 if Hp > 12 else 18, c=SECOND_EDGE, zorder=3)
    n_missed = int(missed.sum())
    ax_in.set_title(f"input {H}x{H} + padding {P}  ({n_missed} pixels never read)",
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
    ``H_out x H_out`` part is outlined in black, the cropped frame greyed. The stamps of the
    first two input pixels, (0, 0) and (0, 1), are outlined in orange and dashed blue on
    the output, and those pixels are filled with the same colours on the input.
    Not used in the notebooks.
    """
    K, S, P, D = kernel_size, stride, padding, dilation
    counts = np.asarray(counts, dtype=float)
    full = counts.shape[0]
    span = D * (K - 1) + 1
    fig = new_figure(7.2, 3.5)
    ax_in, ax_out = fig.subplots(1, 2, width_ratios=[H + 2, max(full, 1)])
    rgb = np.full((H, H, 3), OUT)
    rgb[0, 0] = FIRST
    if H > 1:
        rgb[0, 1] = (0.65, 0.78, 0.95)
    ax_in.imshow(rgb, interpolation="nearest")
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
    _box(ax_out, 0, 0, span, FIRST_EDGE)  # the stamp of input pixel (0, 0)
    if H > 1:
        _box(ax_out, 0, S, span, SECOND_EDGE, dashed=True)  # of pixel (0, 1): S cells on
    ax_out.add_patch(Rectangle((P - 0.5, P - 0.5), H_out, H_out, fill=False, ec="black",
                               lw=1.5, zorder=5))
    kept = " inside the black frame" if P else ""
    ax_out.set_title(f"output {H_out}x{H_out}{kept} (numbers: stamps per cell)", fontsize=9)
    if formula:
        fig.supxlabel(formula, fontsize=9, family="monospace")
    return fig


def plot_stamps(y, kernel, stride=1, padding=0):
    """A transposed convolution stamp by stamp: one panel per input value ``y[i, j]`` with
    its scaled copy ``y[i, j] * kernel`` placed at ``(i * stride, j * stride)`` of the
    output, then their sum with the kept part (``padding`` cropped from every side)
    outlined. Signed values: the course's diverging map centred on 0, one shared colour bar.
    ``y`` should be small (at most 2x3 stamps fit).
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    y, kernel = np.asarray(y, dtype=float), np.asarray(kernel, dtype=float)
    h, w = y.shape
    K = kernel.shape[0]
    full_h, full_w = (h - 1) * stride + K, (w - 1) * stride + K
    stamps, total = [], np.zeros((full_h, full_w))
    for i in range(h):
        for j in range(w):
            one = np.full((full_h, full_w), np.nan)  # blank where this stamp does not reach
            one[i * stride:i * stride + K, j * stride:j * stride + K] = y[i, j] * kernel
            total[i * stride:i * stride + K, j * stride:j * stride + K] += y[i, j] * kernel
            stamps.append(((i, j), one))
    limit = signed_limit(np.concatenate([total.ravel(), (y.ravel()[:, None] *
                                                         kernel.ravel()[None]).ravel()]))
    n = len(stamps) + 1
    fig = new_figure(min(1.3 + 1.75 * n, 11.5), 2.6)
    axes = fig.subplots(1, n, squeeze=False)[0]
    for ax, ((i, j), one) in zip(axes, stamps, strict=False):
        show_signed(ax, one, limit=limit, colorbar=False)  # NaN: blank (white)
        _grid_lines(ax, full_h, full_w, color="0.7")
        _box(ax, i * stride, j * stride, K, FIRST_EDGE)
        ax.set_title(f"y[{i},{j}] = {y[i, j]:.2f}\nstamp at ({i * stride}, {j * stride})",
                     fontsize=8)
    im = show_signed(axes[-1], total, limit=limit, colorbar=False)
    _grid_lines(axes[-1], full_h, full_w, color="0.7")
    if padding:
        axes[-1].add_patch(Rectangle((padding - 0.5, padding - 0.5), full_w - 2 * padding,
                                     full_h - 2 * padding, fill=False, ec="black", lw=2,
                                     zorder=4))
    axes[-1].set_title("sum of the stamps" + (f"\n(kept: {padding} cut off each side)"
                                             if padding else ""), fontsize=8)
    add_colorbar(axes[-1], im)
    return fig
