"""Pictures of convolution: colour channels, a kernel on a photo, the sliding window, conv_matrix.

The number grids they draw on are in :mod:`cnnlib.plotting.grids` (re-exported here).

Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .core import (
    CATEGORY_CMAP,
    CHANNEL_CMAPS,
    IMAGE_CMAP,
    WINDOW_COLOUR,
    add_colorbar,
    finite_range,
    new_figure,
    pick_palette,
    short_number,
    show_image,
)
from .grids import (
    OWN_SCALES,
    cell_lines,
    draw_number_grid,
    plot_number_grids,
    set_title,
    update_number_grid,
)

__all__ = [
    "cell_lines", "clipped_fraction", "draw_number_grid", "output_palette", "plot_conv_matrix",
    "percent", "plot_image_channels", "plot_kernel_pairs", "plot_kernel_result",
    "plot_number_grids", "plot_sliding_window",
    "update_kernel_result", "update_sliding_window",
]

SUMS_TO_ONE_TOL = 0.01  # a kernel whose weights sum to 1 within this keeps the brightness


def plot_image_channels(image):
    """A colour image ``(3, H, W)`` (C x H x W, values in [0, 1]) and its three channels, each
    from black (0) to its colour (1): dark stays dark in every channel.

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
    for ax, ch, name in zip(axes[1:], image, CHANNEL_CMAPS, strict=True):
        ax.imshow(ch, cmap=CHANNEL_CMAPS[name], vmin=0, vmax=1)
        ax.set_title(f"{name} channel ({ch.shape[0]} x {ch.shape[1]})", fontsize=9)
    for ax in axes:
        ax.set_axis_off()
    return fig


def clipped_fraction(output) -> float:
    """The fraction of ``output``'s pixels outside [0, 1]: drawn grey over [0, 1], they are
    clipped to black (< 0) or white (> 1). Not used in the notebooks."""
    out = np.asarray(output, dtype=float)
    return float(np.mean((out < 0) | (out > 1))) if out.size else 0.0


def percent(fraction) -> str:
    """A fraction as a percentage with one decimal ("14.5 %"; "< 0.1 %" for a tiny one).
    Not used in the notebooks."""
    p = 100 * fraction
    return "< 0.1 %" if 0 < p < 0.1 else f"{p:.1f} %"


def output_palette(kernel, output) -> tuple[str, float, float, str]:
    """How the kernel sandbox draws a filtered photo: (cmap, vmin, vmax, note).

    A kernel that sums to 1 keeps the brightness (identity, the blurs, sharpen, emboss): the
    output is a photo, grey over the input's [0, 1]; what falls outside [0, 1] is clipped to
    black or white, and the note gives its share (:func:`clipped_fraction`). An output with no
    negative value is an image too (grey, dark = 0). Anything else is signed (edges: the
    kernel sums to 0): the diverging map centred on 0.
    Not used in the notebooks.
    """
    if abs(float(np.sum(kernel)) - 1.0) <= SUMS_TO_ONE_TOL:
        outside = clipped_fraction(output)
        note = (f"grey, clipped: {percent(outside)} outside [0, 1]" if outside else
                "grey: the kernel sums to 1")
        return IMAGE_CMAP, 0.0, 1.0, note
    cmap, lo, hi = pick_palette(output)
    note = "grey: no value < 0" if cmap == IMAGE_CMAP else "blue < 0 < red"
    return cmap, lo, hi, note


def _kernel_grid(ax, kernel) -> None:
    draw_number_grid(ax, kernel, signed=True, fontsize=8 if np.shape(kernel)[0] < 5 else 6)


def plot_kernel_result(image, kernel, output, relu_output, title=""):
    """Four panels: grey input ``(H, W)``, the kernel ``(K, K)`` with its numbers (signed
    colours), the raw output ``(H_out, W_out)`` with a colour bar, drawn as
    :func:`output_palette` says (grey like a photo when the kernel sums to 1, blue < 0 < red
    for signed responses), and ReLU(output) in grey.

    Not used in the notebooks.
    """
    fig = new_figure(8.6, 2.8)
    axes = fig.subplots(1, 4, width_ratios=[3, 1.6, 3, 3])
    axes[0].imshow(image, cmap=IMAGE_CMAP, vmin=0, vmax=1, interpolation="nearest")
    _kernel_grid(axes[1], kernel)
    cmap, lo, hi, _ = output_palette(kernel, output)
    im = axes[2].imshow(output, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
    add_colorbar(axes[2], im)
    show_image(axes[3], relu_output, vmax=_relu_top(kernel, relu_output))
    for ax in (axes[0], axes[2], axes[3]):
        ax.set_axis_off()
    _kernel_titles(axes, image, kernel, output)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig


def plot_kernel_pairs(pairs, per_row=2):
    """Kernels and what they make of a photo, ``per_row`` (kernel, output) pairs a row.

    ``pairs``: a list of (title, kernel (K, K), output (H_out, W_out)). Each kernel is drawn
    with its numbers (signed colours), each output as :func:`output_palette` says (grey like a
    photo when the kernel sums to 1, blue < 0 < red otherwise), with a colour bar.
    Introduced in notebooks/02_convolution.ipynb.
    """
    if not pairs:
        raise ValueError("plot_kernel_pairs: pairs is empty; pass [(title, kernel, output)].")
    rows = -(-len(pairs) // per_row)
    fig = new_figure(4.6 * per_row, 2.5 * rows)
    axes = fig.subplots(rows, 2 * per_row, squeeze=False,
                        width_ratios=[1.2, 3] * per_row).ravel()
    for ax in axes[2 * len(pairs):]:
        ax.set_axis_off()
    for n, (title, kernel, output) in enumerate(pairs):
        ax_k, ax_o = axes[2 * n], axes[2 * n + 1]
        _kernel_grid(ax_k, kernel)
        set_title(ax_k, title, fontsize=9)
        cmap, lo, hi, note = output_palette(kernel, output)
        im = ax_o.imshow(output, cmap=cmap, vmin=lo, vmax=hi, interpolation="nearest")
        add_colorbar(ax_o, im)
        set_title(ax_o, f"output ({note})", fontsize=9)
        ax_o.set_axis_off()
    return fig


def _relu_top(kernel, relu_output) -> float:
    if abs(float(np.sum(kernel)) - 1.0) <= SUMS_TO_ONE_TOL:
        return 1.0
    return pick_palette(relu_output, signed=False)[2]


def _kernel_titles(axes, image, kernel, output) -> None:
    h, w = np.shape(image)
    k = np.shape(kernel)[0]
    ho, wo = np.shape(output)
    note = output_palette(kernel, output)[3]
    set_title(axes[0], f"input {h} x {w}", fontsize=9)
    set_title(axes[1], f"kernel {k}x{k}\nsum {short_number(np.sum(kernel))}", fontsize=9)
    set_title(axes[2], f"output {ho}x{wo}\n{note}", fontsize=9)
    set_title(axes[3], "ReLU(output)\ngrey, 0 = black", fontsize=9)


def update_kernel_result(fig, image, kernel, output, relu_output):
    """Redraw a figure made by :func:`plot_kernel_result` in place (fast: no new artists
    for the images; the colour bar follows the output's palette); returns ``fig``.
    Not used in the notebooks."""
    axes = fig.axes
    axes[0].images[0].set_data(image)
    axes[0].images[0].set_extent((-0.5, np.shape(image)[1] - 0.5, np.shape(image)[0] - 0.5, -0.5))
    if len(axes[1].texts) == np.size(kernel):
        update_number_grid(axes[1], kernel, signed=True)
    else:  # a new kernel size: draw the grid again
        axes[1].clear()
        _kernel_grid(axes[1], kernel)
    cmap, lo, hi, _ = output_palette(kernel, output)
    for ax, data, cm, clim in ((axes[2], output, cmap, (lo, hi)),
                               (axes[3], relu_output, IMAGE_CMAP,
                                (0.0, _relu_top(kernel, relu_output)))):
        im = ax.images[0]
        im.set_data(data)
        im.set_cmap(cm)
        im.set_clim(*clim)
        h, w = np.shape(data)
        im.set_extent((-0.5, w - 0.5, h - 0.5, -0.5))
    _kernel_titles(axes, image, kernel, output)
    return fig


def plot_sliding_window(x_padded, kernel, products, out_so_far, position, stride=1, padding=0,
                        out_range=None):
    """The sliding window at one output position, in four panels.

    ``x_padded`` (Hp, Wp) with ``padding`` hatched rows/columns around it, ``kernel`` (K, K),
    ``products`` (K, K) = window * kernel, ``out_so_far`` (H_out, W_out) with NaN where not yet
    computed, ``position = (i, j)``; the window's top-left is ``(i * stride, j * stride)``.
    ``out_range`` = (min, max) of the whole output keeps its colours fixed while it fills in.
    Colours: the course's palette (the kernel, and the products of a kernel with negative
    weights, are signed). Not used in the notebooks.
    """
    x_padded = np.asarray(x_padded, dtype=float)
    K = np.shape(kernel)[0]
    i, j = position
    Hp = x_padded.shape[0]
    fs = 9 if Hp <= 7 else 7
    fig = new_figure(9.2, 2.9)
    axes = fig.subplots(1, 4, width_ratios=[max(Hp, 3), max(K, 2), max(K, 2),
                                            max(np.shape(out_so_far)[1], 2)])
    draw_number_grid(axes[0], x_padded, pad=padding, fontsize=fs,
                     title=f"input (padding {padding}, stride {stride})")
    r0, c0 = i * stride, j * stride
    axes[0].add_patch(Rectangle((c0 - 0.5, r0 - 0.5), K, K, fill=False, ec=WINDOW_COLOUR, lw=3))
    draw_number_grid(axes[1], kernel, signed=True, title="kernel")
    draw_number_grid(axes[2], products, fontsize=fs, signed=_signed_kernel(kernel),
                     title=f"window * kernel\nsum = {short_number(np.sum(products))}")
    draw_number_grid(axes[3], out_so_far, title=f"output, cell ({i}, {j})",
                     **_range_kw(out_so_far, out_range))
    axes[3].add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, ec=WINDOW_COLOUR, lw=3))
    fig.supxlabel(OWN_SCALES, fontsize=8, color="0.3")  # short: redrawn at every step
    return fig


def _signed_kernel(kernel):
    return True if np.min(kernel) < 0 else None


def _range_kw(values, out_range):
    lo, hi = finite_range(values) if out_range is None else out_range
    return {"vmin": lo, "vmax": hi}


def update_sliding_window(fig, products, out_so_far, position, stride=1, out_range=None):
    """Move the window of a figure made by :func:`plot_sliding_window` (same geometry) to
    ``position`` in place: new products, sum and output cells, no new artists; returns fig.
    Not used in the notebooks."""
    ax_in, ax_k, ax_prod, ax_out = fig.axes
    i, j = position
    ax_in.patches[-1].set_xy((j * stride - 0.5, i * stride - 0.5))
    update_number_grid(ax_prod, products, signed=_signed_kernel(ax_k.images[0].get_array()))
    set_title(ax_prod, f"window * kernel\nsum = {short_number(np.sum(products))}")
    update_number_grid(ax_out, out_so_far, **_range_kw(out_so_far, out_range))
    ax_out.patches[-1].set_xy((j - 0.5, i - 0.5))
    set_title(ax_out, f"output, cell ({i}, {j})")
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
    ax.imshow(np.ma.masked_equal(matrix, 0.0), cmap=CATEGORY_CMAP, interpolation="nearest",
              aspect="equal")
    if rows * cols <= 2500:
        cell_lines(ax, rows, cols, color="0.85", lw=0.5)
    if rows * cols <= 400:
        for r in range(rows):
            for c in range(cols):
                if matrix[r, c] != 0:
                    ax.text(c, r, short_number(matrix[r, c]), ha="center", va="center", fontsize=7)
    ax.set_xlabel(f"input pixel (flattened), {cols} columns")
    ax.set_ylabel(f"output pixel, {rows} rows")
    zeros = int(np.sum(matrix == 0))
    ax.set_title(f"{title}: {zeros} of {matrix.size} entries are 0", fontsize=10)
    return fig
