"""Pictures of convolution: number grids, a kernel on a photo, the sliding window, conv_matrix.

Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .core import new_figure

__all__ = [
    "cell_lines", "draw_number_grid", "plot_conv_matrix", "plot_image_channels",
    "plot_kernel_result", "plot_number_grids", "plot_sliding_window", "update_kernel_result",
    "update_sliding_window",
]

PAD_COLOUR = "#d9d9d9"


def _fmt(v) -> str:
    if not np.isfinite(v):
        return ""
    if float(v).is_integer():
        return f"{int(v)}"
    return f"{v:.2f}".rstrip("0")


def cell_lines(ax, H, W, color="0.35", lw=0.6):
    """Outline every cell of an H x W image in ``ax`` and hide the ticks (cheap: two
    line collections instead of one tick object per line).
    Introduced in notebooks/02_convolution.ipynb."""
    ax.vlines(np.arange(W + 1) - 0.5, -0.5, H - 0.5, colors=color, lw=lw)
    ax.hlines(np.arange(H + 1) - 0.5, -0.5, W - 0.5, colors=color, lw=lw)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlim(-0.5, W - 0.5)
    ax.set_ylim(H - 0.5, -0.5)


def _limits(values, vmin=None, vmax=None):
    finite = values[np.isfinite(values)]
    lo = float(finite.min()) if finite.size else 0.0
    hi = float(finite.max()) if finite.size else 1.0
    vmin = lo if vmin is None else vmin
    vmax = hi if vmax is None else vmax
    return vmin, (vmax if vmax > vmin else vmin + 1.0)


def _set_grid(ax, values, vmin=None, vmax=None) -> None:
    """Put new numbers (same shape) into a grid drawn by :func:`draw_number_grid`."""
    values = np.asarray(values, dtype=float)
    im = ax.images[0]
    im.set_data(np.ma.masked_invalid(values))
    im.set_clim(*_limits(values, vmin, vmax))
    for text, v in zip(ax.texts, values.ravel(), strict=True):
        text.set_text(_fmt(v))


def draw_number_grid(ax, values, cmap="Blues", title="", fontsize=9, vmin=None, vmax=None,
                     pad=0):
    """Draw a 2-D array as coloured cells with each number written in it (NaN cells blank).

    ``pad`` > 0 greys the outer ``pad`` rows and columns (zero padding).
    Introduced in notebooks/02_convolution.ipynb.
    """
    values = np.asarray(values, dtype=float)
    vmin, vmax = _limits(values, vmin, vmax)
    ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=vmin, vmax=vmax, alpha=0.6)
    H, W = values.shape
    if pad:
        mask = np.zeros((H, W), bool)
        mask[:pad], mask[-pad:], mask[:, :pad], mask[:, -pad:] = True, True, True, True
        ax.imshow(np.where(mask, 1.0, np.nan), cmap="Greys", vmin=0, vmax=6, alpha=0.9)
    for r in range(H):  # one text per cell, in row-major order ("" for NaN): see _set_grid
        for c in range(W):
            ax.text(c, r, _fmt(values[r, c]), ha="center", va="center", fontsize=fontsize)
    cell_lines(ax, H, W)
    ax.set_title(title, fontsize=10)
    return ax


def plot_number_grids(grids: dict, cmap="Blues", fontsize=9):
    """Side-by-side number grids, e.g. ``{"input 4x4": x, "kernel 3x3": w, "output 2x2": out}``.

    Introduced in notebooks/02_convolution.ipynb.
    """
    if not grids:
        raise ValueError("plot_number_grids: grids is empty; pass {title: 2-D array}.")
    widths = [max(np.shape(g)[1], 1) for g in grids.values()]
    fig = new_figure(min(1.0 + 0.45 * sum(widths) + 0.4 * len(grids), 11), 2.6)
    axes = fig.subplots(1, len(grids), squeeze=False, width_ratios=widths)[0]
    for ax, (title, g) in zip(axes, grids.items(), strict=True):
        draw_number_grid(ax, g, cmap=cmap, title=title, fontsize=fontsize)
    return fig


def plot_image_channels(image):
    """A colour image ``(3, H, W)`` (C x H x W, values in [0, 1]) and its three channels.

    Introduced in notebooks/02_convolution.ipynb.
    """
    image = np.asarray(image)
    if image.ndim != 3 or image.shape[0] != 3:
        raise ValueError(f"plot_image_channels: image must be (3, H, W), got {image.shape}.")
    fig = new_figure(8.0, 2.4)
    axes = fig.subplots(1, 4)
    axes[0].imshow(np.clip(np.moveaxis(image, 0, -1), 0, 1))
    axes[0].set_title(f"image {image.shape[0]} x {image.shape[1]} x {image.shape[2]}",
                      fontsize=9)
    for ax, ch, cmap in zip(axes[1:], image, ("Reds", "Greens", "Blues"), strict=True):
        ax.imshow(ch, cmap=cmap, vmin=0, vmax=1)
        ax.set_title(f"{cmap[:-1].lower()} channel ({ch.shape[0]} x {ch.shape[1]})", fontsize=9)
    for ax in axes:
        ax.set_axis_off()
    return fig


def _sym(a) -> float:
    m = float(np.max(np.abs(a))) if np.size(a) else 1.0
    return m if m > 0 else 1.0


def plot_kernel_result(image, kernel, output, relu_output, title=""):
    """Four panels: grey input ``(H, W)``, the kernel ``(K, K)`` with its numbers, the raw output
    ``(H_out, W_out)`` (red > 0, blue < 0) and ReLU(output).

    Introduced in notebooks/02_convolution.ipynb.
    """
    fig = new_figure(8.4, 2.7)
    axes = fig.subplots(1, 4, width_ratios=[3, 1.6, 3, 3])
    axes[0].imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    draw_number_grid(axes[1], kernel, cmap="PuOr", vmin=-_sym(kernel), vmax=_sym(kernel),
                     fontsize=8 if np.shape(kernel)[0] < 5 else 6)
    m = _sym(output)
    axes[2].imshow(output, cmap="RdBu_r", vmin=-m, vmax=m, interpolation="nearest")
    axes[3].imshow(relu_output, cmap="gray", vmin=0, vmax=max(_sym(relu_output), 1e-12),
                   interpolation="nearest")
    for ax in (axes[0], axes[2], axes[3]):
        ax.set_axis_off()
    _kernel_titles(axes, image, kernel, output)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def _kernel_titles(axes, image, kernel, output) -> None:
    h, w = np.shape(image)
    k = np.shape(kernel)[0]
    ho, wo = np.shape(output)
    axes[0].set_title(f"input {h} x {w}", fontsize=9)
    axes[1].set_title(f"kernel {k} x {k}", fontsize=9)
    axes[2].set_title(f"output {ho}x{wo}: [{np.min(output):.2f}, {np.max(output):.2f}]",
                      fontsize=9)
    axes[3].set_title("ReLU(output)", fontsize=9)


def update_kernel_result(fig, image, kernel, output, relu_output):
    """Redraw a figure made by :func:`plot_kernel_result` in place (fast: no new artists
    for the three images); returns ``fig``. Introduced in notebooks/02_convolution.ipynb."""
    axes = fig.axes
    axes[0].images[0].set_data(image)
    axes[0].images[0].set_extent((-0.5, np.shape(image)[1] - 0.5, np.shape(image)[0] - 0.5, -0.5))
    axes[1].clear()
    draw_number_grid(axes[1], kernel, cmap="PuOr", vmin=-_sym(kernel), vmax=_sym(kernel),
                     fontsize=8 if np.shape(kernel)[0] < 5 else 6)
    m = _sym(output)
    for ax, data, clim in ((axes[2], output, (-m, m)),
                           (axes[3], relu_output, (0, max(_sym(relu_output), 1e-12)))):
        im = ax.images[0]
        im.set_data(data)
        im.set_clim(*clim)
        h, w = np.shape(data)
        im.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
    _kernel_titles(axes, image, kernel, output)
    return fig


def plot_sliding_window(x_padded, kernel, products, out_so_far, position, stride=1, padding=0):
    """The sliding window at one output position, in four panels.

    ``x_padded`` (Hp, Wp) with ``padding`` grey rows/columns around it, ``kernel`` (K, K),
    ``products`` (K, K) = window * kernel, ``out_so_far`` (H_out, W_out) with NaN where not yet
    computed, ``position = (i, j)``; the window's top-left is ``(i * stride, j * stride)``.
    Introduced in notebooks/02_convolution.ipynb.
    """
    x_padded = np.asarray(x_padded, dtype=float)
    K = np.shape(kernel)[0]
    i, j = position
    Hp = x_padded.shape[0]
    fs = 9 if Hp <= 7 else 7
    fig = new_figure(9.2, 2.9)
    axes = fig.subplots(1, 4, width_ratios=[max(Hp, 3), max(K, 2), max(K, 2),
                                            max(np.shape(out_so_far)[1], 2)])
    draw_number_grid(axes[0], x_padded, cmap="Blues", pad=padding, fontsize=fs,
                     title=f"input (padding {padding}, stride {stride})")
    r0, c0 = i * stride, j * stride
    axes[0].add_patch(Rectangle((c0 - 0.5, r0 - 0.5), K, K, fill=False, ec="#e67e22", lw=3))
    draw_number_grid(axes[1], kernel, cmap="PuOr", title="kernel",
                     vmin=-_sym(kernel), vmax=_sym(kernel))
    draw_number_grid(axes[2], products, cmap="Oranges", fontsize=fs,
                     title=f"window * kernel\nsum = {_fmt(float(np.sum(products)))}")
    draw_number_grid(axes[3], out_so_far, cmap="Greens", title=f"output, cell ({i}, {j})")
    axes[3].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec="#e67e22", lw=3))
    return fig


def update_sliding_window(fig, products, out_so_far, position, stride=1):
    """Move the window of a figure made by :func:`plot_sliding_window` (same geometry) to
    ``position`` in place: new products, sum and output cells, no new artists; returns fig.
    Introduced in notebooks/02_convolution.ipynb."""
    ax_in, _, ax_prod, ax_out = fig.axes
    i, j = position
    ax_in.patches[0].set_xy((j * stride - 0.5, i * stride - 0.5))
    _set_grid(ax_prod, products)
    ax_prod.set_title(f"window * kernel\nsum = {_fmt(float(np.sum(products)))}", fontsize=10)
    _set_grid(ax_out, out_so_far)
    ax_out.patches[0].set_xy((j - 0.5, i - 0.5))
    ax_out.set_title(f"output, cell ({i}, {j})", fontsize=10)
    return fig


def plot_conv_matrix(matrix, title="convolution as a matrix"):
    """A convolution written as a matrix ``(outputs, inputs)``: zeros white, weights coloured.

    Build it with integer-valued weights 1..n (``cnnlib.conv.conv_matrix``) to see which
    entries are tied: equal colours are the same kernel weight.
    Introduced in notebooks/02_convolution.ipynb.
    """
    matrix = np.asarray(matrix, dtype=float)
    if matrix.ndim != 2:
        raise ValueError(f"plot_conv_matrix: matrix must be 2-D, got shape {matrix.shape}.")
    rows, cols = matrix.shape
    fig = new_figure(min(1.5 + 0.28 * cols, 9.0), min(1.2 + 0.28 * rows, 5.0))
    ax = fig.subplots()
    ax.imshow(np.ma.masked_equal(matrix, 0.0), cmap="tab20", interpolation="nearest",
              aspect="equal")
    if rows * cols <= 2500:
        cell_lines(ax, rows, cols, color="0.85", lw=0.5)
    if rows * cols <= 400:
        for r in range(rows):
            for c in range(cols):
                if matrix[r, c] != 0:
                    ax.text(c, r, _fmt(matrix[r, c]), ha="center", va="center", fontsize=7)
    ax.set_xlabel(f"input pixel (flattened), {cols} columns")
    ax.set_ylabel(f"output pixel, {rows} rows")
    zeros = int(np.sum(matrix == 0))
    ax.set_title(f"{title}: {zeros} of {matrix.size} entries are 0", fontsize=10)
    return fig
