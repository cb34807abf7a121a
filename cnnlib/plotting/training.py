"""Pictures of a training run and of a trained digit classifier.

Curves, learned filters, feature maps, class probabilities, a confusion matrix. The mosaic
of feature maps they share lives in :mod:`cnnlib.plotting.mosaic` (re-exported here).
Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np
from matplotlib.patches import Rectangle

from .core import (
    COUNT_CMAP,
    DEAD_LABEL_COLOUR,
    IMAGE_CMAP,
    add_colorbar,
    fixed_figure,
    new_figure,
    panel_grid,
    show_image,
    text_colour,
)
from .mosaic import dead_maps, draw_mosaic, mosaic  # re-exported (in __all__)

__all__ = ["dead_maps", "draw_mosaic", "mosaic", "plot_confusion", "plot_dashboard",
           "plot_digit", "plot_feature_maps", "plot_filters", "plot_history", "plot_schedule",
           "stop_index"]


def plot_filters(weight, title="first-layer filters", bias=None, dead=None):
    """The kernels of a conv weight (F, C, KH, KW) (channel 0) in one row, on one shared scale,
    in the diverging map centred on 0 with a colour bar: each weight keeps its sign and size.

    Each tile is labelled with its index (and its bias, if ``bias`` (F,) is given); the tiles
    where ``dead`` (F,) bool is True are outlined and labelled "dead" (their output is zero
    after ReLU on every image looked at). Introduced in notebooks/07_full_cnn.ipynb.
    """
    w = np.asarray(weight)[:, 0]
    F, KH, KW = w.shape
    fig = fixed_figure(min(1.0 + 0.75 * F, 9.0), 2.0)
    ax = fig.add_axes([0.02, 0.18, 0.86, 0.62])
    draw_mosaic(ax, w, shared=True, signed=True, ncols=F,
                colorbar_rect=[0.9, 0.2, 0.015, 0.58], colorbar_label="weight")
    dead = np.zeros(F, bool) if dead is None else np.asarray(dead, bool)
    for k in range(F):
        left = k * (KW + 1)
        label = str(k) if bias is None else f"{k}: b={float(np.asarray(bias)[k]):+.2f}"
        ax.text(left + (KW - 1) / 2, KH - 0.2, label, ha="center", va="top", fontsize=7)
        if dead[k]:
            ax.add_patch(Rectangle((left - 0.5, -0.5), KW, KH, fill=False, lw=2.5,
                                   edgecolor=DEAD_LABEL_COLOUR, zorder=5))
            ax.text(left + (KW - 1) / 2, -0.6, "dead", ha="center", va="bottom", fontsize=8,
                    color=DEAD_LABEL_COLOUR, fontweight="bold")
    ax.set_ylim(KH + 0.9, -1.4)
    ax.set_title(title, fontsize=9, pad=12)
    return fig


def plot_schedule(schedule, epochs, warmup=0.0, points=400):
    """The learning rate ``schedule(t)`` over t in [0, epochs] (fractional epochs), the
    warm-up shaded. Introduced in notebooks/07_full_cnn.ipynb."""
    t = np.linspace(0, epochs, points)
    lr = np.array([schedule(v) for v in t])
    fig = new_figure(5.0, 2.2)
    ax = fig.add_subplot()
    if warmup:
        ax.axvspan(0, warmup, color="#fdebd0", label="warm-up")
    ax.plot(t, lr, color="#2e86c1", lw=1.8, label="learning rate")
    ax.set_xlim(0, epochs)
    ax.set_ylim(0, lr.max() * 1.08)
    ax.set_xlabel("epoch", fontsize=8)
    ax.set_ylabel("lr", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("learning-rate schedule (set before every batch)", fontsize=9)
    return fig


def stop_index(val_acc, val_loss):
    """Index of the early-stopping epoch: the highest validation accuracy, ties broken by the
    lowest validation loss (notebook 07's exercise 3). Not used in the notebooks."""
    acc = np.array([np.nan if v is None else v for v in val_acc], dtype=float)
    loss = np.array([np.nan if v is None else v for v in val_loss], dtype=float)
    tied = np.flatnonzero(acc == np.nanmax(acc))
    return int(tied[np.argmin(loss[tied])])


def plot_history(history, title="training", val_label="validation"):
    """Learning curves of a finished ``fit`` (its history dict): loss and accuracy per epoch,
    train (the running mean over the epoch's batches) and validation (measured after the
    epoch); the accuracy twice, over the whole run (every point visible) and zoomed on the
    end of the run, where the curves are read; the early-stopping epoch marked
    (:func:`stop_index`: the best validation accuracy, ties broken by the lowest validation
    loss); and the learning rate at each epoch's end. A static picture: it stays in a saved
    notebook. Introduced in notebooks/07_full_cnn.ipynb.
    """
    epochs = np.asarray(history["epoch"])
    train_acc = np.asarray(history["train_acc"], dtype=float)
    val_acc = np.array([np.nan if v is None else v for v in history["val_acc"]], dtype=float)
    val_loss = np.array([np.nan if v is None else v for v in history["val_loss"]], dtype=float)
    fig = new_figure(10.5, 2.6)
    panels = fig.subplots(1, 4, gridspec_kw={"width_ratios": [1, 1, 1, 0.8]})
    curves = ((panels[0], "train_loss", val_loss, "loss"),
              (panels[1], "train_acc", val_acc, "accuracy, whole run"),
              (panels[2], "train_acc", val_acc, "accuracy, zoomed on the end"))
    for ax, key, values, name in curves:
        ax.plot(epochs, history[key], "o-", ms=3, label="train (running)")
        if np.isfinite(values).any():
            ax.plot(epochs, values, "s-", ms=3, label=val_label)
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    panels[0].set_yscale("log")
    panels[0].legend(fontsize=7, frameon=False)
    values = np.concatenate([train_acc, val_acc])
    panels[1].set_ylim(max(np.floor((np.nanmin(values) - 0.02) * 20) / 20, 0), 1.0)
    low = np.nanpercentile(values, 20)
    bottom = max(min(low, 0.95) - 0.01, 0)
    panels[2].set_ylim(bottom, 1.0)
    panels[1].axhspan(bottom, 1.0, color="#eaecee", zorder=0, label="zoomed on the right")
    panels[1].legend(fontsize=7, frameon=False, loc="lower right")
    if np.isfinite(val_acc).any():
        best = stop_index(val_acc, val_loss)
        for ax in panels[1:3]:
            ax.plot(epochs[best], val_acc[best], "*", ms=11, color="#c0392b",
                    label=f"stop (exercise 3's rule): epoch {epochs[best]}")
        panels[2].legend(handles=panels[2].lines[-1:], fontsize=7, frameon=False,
                         loc="upper left")  # the curves rise from the lower left
    panels[3].plot(epochs, history["lr"], "o-", ms=3, color="#7d3c98")
    panels[3].set_xlabel("epoch", fontsize=8)
    panels[3].set_title("learning rate at the epoch's end", fontsize=9)
    panels[3].tick_params(labelsize=7)
    fig.suptitle(title, fontsize=10)
    return fig


def plot_dashboard(batch_loss, epoch_ends, train_acc, val_acc, weight, done, total, elapsed,
                   title="training", val_label="validation", status=None):
    """Live training picture: loss per batch (and its running mean), accuracy per epoch
    (train and validation), the first-layer filters and a progress bar.

    batch_loss: losses of every batch so far; epoch_ends: batch counts at each epoch end;
    train_acc / val_acc: per epoch (val may hold None), val_acc drawn as ``val_label``;
    weight (F, C, K, K), drawn on one shared scale in the diverging map (signed weights).
    status: a line that replaces the time left (e.g. "stopped at epoch 3"); the bar turns
    orange. Not used in the notebooks.
    """
    fig = fixed_figure(8.4, 2.9)
    bar = fig.add_axes([0.05, 0.9, 0.62, 0.05])
    frac = done / total if total else 0.0
    bar.barh([0], [1.0], color="#eaecee", height=1)
    bar.barh([0], [frac], color="#e67e22" if status else "#2e86c1", height=1)
    bar.set_xlim(0, 1)
    bar.set_axis_off()
    if status:
        rate = f": {status}"
    else:
        rate = f", {elapsed / done * (total - done):.0f} s left" if 0 < done < total else ""
    bar.text(1.01, 0, f"{done}/{total} batches, {elapsed:.1f} s{rate}", va="center",
             fontsize=8, transform=bar.get_yaxis_transform(),
             color="#a04000" if status else "black")
    ax = fig.add_axes([0.06, 0.14, 0.3, 0.66])
    loss = np.asarray(batch_loss, dtype=float)
    if loss.size:
        ax.plot(loss, color="#aab7b8", lw=0.6)
        k = min(25, loss.size)
        smooth = np.convolve(loss, np.ones(k) / k, mode="valid")
        ax.plot(np.arange(k - 1, loss.size), smooth, color="#c0392b", lw=1.5)
        ax.set_yscale("log")
        ax.set_yticks([0.01, 0.1, 1.0], ["0.01", "0.1", "1"])
        ax.minorticks_off()
        ax.set_ylim(min(0.01, float(loss.min())), max(3.0, float(loss.max())))
    ax.set_xlabel("batch", fontsize=8)
    ax.set_title("loss", fontsize=9)
    ax.tick_params(labelsize=7)
    acc = fig.add_axes([0.43, 0.14, 0.26, 0.66])
    epochs = np.arange(1, len(train_acc) + 1)
    if len(train_acc):
        acc.plot(epochs, train_acc, "o-", ms=3, label="train (running)")
        val = [np.nan if v is None else v for v in val_acc]
        acc.plot(epochs[:len(val)], val, "s-", ms=3, label=val_label)
        best = np.nanmax(val) if np.isfinite(val).any() else np.nan
        acc.set_title(f"accuracy ({val_label} {val[-1]:.1%})" if np.isfinite(best) else
                      "accuracy",
                      fontsize=9)
        acc.legend(fontsize=7, frameon=False, loc="lower right")
    else:
        acc.set_title("accuracy", fontsize=9)
    low = min([0.8, *train_acc, *[v for v in val_acc if v is not None]])
    acc.set_ylim(max(low - 0.02, 0.0), 1.0)
    acc.set_xlabel("epoch", fontsize=8)
    acc.tick_params(labelsize=7)
    fil = fig.add_axes([0.7, 0.08, 0.22, 0.72])
    draw_mosaic(fil, np.asarray(weight)[:, 0], shared=True, signed=True,
                colorbar_rect=[0.93, 0.14, 0.012, 0.6], colorbar_label="weight")
    fil.set_title("first-layer filters", fontsize=9)
    return fig


def plot_digit(image, probs, label, maps, layer_name=""):
    """A digit, its class probabilities (true class in green, prediction outlined) and
    the feature maps (C, H, W) of one layer as a :func:`draw_mosaic` (each map on its own
    scale; grey after ReLU, the diverging map for signed conv outputs; dead maps labelled).

    Not used in the notebooks.
    """
    fig = fixed_figure(8.0, 2.6)
    ax = fig.add_axes([0.01, 0.06, 0.22, 0.8])
    ax.imshow(image, cmap=IMAGE_CMAP, vmin=0, vmax=1, interpolation="nearest")
    ax.set_axis_off()
    pred = int(np.argmax(probs))
    ax.set_title(f"label {label}, predicted {pred}", fontsize=9,
                 color="#1e8449" if pred == label else "#c0392b")
    bars = fig.add_axes([0.28, 0.14, 0.3, 0.72])
    colours = ["#27ae60" if k == label else "#85929e" for k in range(len(probs))]
    bars.bar(np.arange(len(probs)), probs, color=colours)
    bars.bar([pred], [probs[pred]], fill=False, edgecolor="black")
    bars.set_xticks(np.arange(len(probs)))
    bars.set_ylim(0, 1)
    bars.set_yticks([0, 0.5, 1], ["0", "0.5", "1"])
    bars.tick_params(labelsize=7)
    bars.set_title(f"probabilities (max {probs[pred]:.1%})", fontsize=9)
    fm = fig.add_axes([0.6, 0.03, 0.3, 0.84])
    draw_mosaic(fm, maps, colorbar_rect=[0.895, 0.1, 0.012, 0.7])
    fm.set_title(f"{layer_name}: {maps.shape[0]} maps of {maps.shape[1]}x{maps.shape[2]}",
                 fontsize=9)
    return fig


def plot_confusion(matrix, title="confusion matrix (rows: true, columns: predicted)"):
    """Counts (classes, classes) with the number written in every cell.

    The diagonal (right answers) is drawn in light grey, numbers only; the mistakes, off the
    diagonal, are coloured on their own scale, white = 0 to the largest mistake count, with a
    labelled colour bar: one or two mistakes stay visible next to a diagonal of hundreds.
    Introduced in notebooks/07_full_cnn.ipynb.
    """
    M = np.asarray(matrix)
    n = M.shape[0]
    fig = new_figure(5.0, 4.2)
    ax = fig.add_subplot()
    off = M.astype(float).copy()
    np.fill_diagonal(off, 0)
    top = max(float(off.max()), 1.0)
    im = ax.imshow(off, cmap=COUNT_CMAP, vmin=0, vmax=top, interpolation="nearest")
    for k in range(n):
        ax.add_patch(Rectangle((k - 0.5, k - 0.5), 1, 1, color="#d5d8dc", zorder=2))
    for (r, c), v in np.ndenumerate(M):
        if r == c:
            ax.text(c, r, str(v), ha="center", va="center", fontsize=7, zorder=3)
        elif v:
            ax.text(c, r, str(v), ha="center", va="center", fontsize=8, fontweight="bold",
                    color=text_colour(im.cmap(im.norm(v))), zorder=3)
    bar = add_colorbar(ax, im)
    bar.set_label("mistakes: count off the diagonal", fontsize=8)
    bar.set_ticks(np.arange(0, int(top) + 1, max(1, int(top) // 5)))
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title + "\ndiagonal (right answers) in grey", fontsize=9)
    return fig


def plot_feature_maps(maps, titles, ncols=4, size=3.0):
    """One panel per entry of ``maps``: a 2-D image (grey, 0 to 1, e.g. the input digit) or a
    stack (C, H, W) of feature maps drawn as a :func:`draw_mosaic`, each map divided by its own
    largest |value|. Every panel has a labelled colour bar: the diverging map from -1 to 1 for
    a signed stack, grey from 0 to 1 for a stack with no negative value (after ReLU); maps
    that are zero everywhere are black and labelled "dead". ``ncols`` panels to a row.
    Introduced in notebooks/07_full_cnn.ipynb.
    """
    fig, axes = panel_grid(len(maps), ncols, size)
    for k, ax in enumerate(axes):
        m = np.asarray(maps[k], dtype=float)
        if m.ndim == 2:
            bar = add_colorbar(ax, show_image(ax, m, vmax=1.0))
            bar.set_label("pixel value", fontsize=6, labelpad=2)
        else:
            draw_mosaic(ax, m, grey_colorbar=True)
        ax.set_title(titles[k], fontsize=9)
    return fig
