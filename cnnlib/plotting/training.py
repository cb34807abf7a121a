"""Pictures of a training run and of a trained digit classifier.

Curves, learned filters, feature maps, class probabilities, a confusion matrix.
Arrays in, ``Figure`` out (no pyplot). Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from .core import fixed_figure, new_figure

__all__ = ["mosaic", "plot_confusion", "plot_dashboard", "plot_digit", "plot_filters"]


def mosaic(maps, ncols=None, gap=1) -> np.ndarray:
    """Tile maps (F, H, W) into one 2-D image, each scaled to [0, 1] on its own; the gaps
    are NaN (drawn blank). One imshow instead of F axes keeps drawing fast.
    Introduced in notebooks/07_full_cnn.ipynb."""
    maps = np.asarray(maps, dtype=float)
    F, H, W = maps.shape
    ncols = ncols or int(np.ceil(np.sqrt(F)))
    nrows = -(-F // ncols)
    out = np.full((nrows * (H + gap) - gap, ncols * (W + gap) - gap), np.nan)
    for k in range(F):
        m = maps[k]
        lo, hi = m.min(), m.max()
        r, c = divmod(k, ncols)
        out[r * (H + gap):r * (H + gap) + H, c * (W + gap):c * (W + gap) + W] = \
            (m - lo) / (hi - lo) if hi > lo else 0.5
    return out


def plot_filters(weight, title="first-layer filters"):
    """The kernels of a conv weight (F, C, KH, KW) (channel 0) as a mosaic, grey scale.

    Introduced in notebooks/07_full_cnn.ipynb.
    """
    fig = new_figure(3.0, 3.0)
    ax = fig.add_subplot()
    ax.imshow(mosaic(np.asarray(weight)[:, 0]), cmap="gray", interpolation="nearest")
    ax.set_axis_off()
    ax.set_title(title, fontsize=9)
    return fig


def plot_dashboard(batch_loss, epoch_ends, train_acc, val_acc, weight, done, total, elapsed,
                   title="training"):
    """Live training picture: loss per batch (and its running mean), accuracy per epoch
    (train and validation), the first-layer filters and a progress bar.

    batch_loss: losses of every batch so far; epoch_ends: batch counts at each epoch end;
    train_acc / val_acc: per epoch (val may hold None); weight (F, C, K, K).
    Introduced in notebooks/07_full_cnn.ipynb.
    """
    fig = fixed_figure(8.4, 2.9)
    bar = fig.add_axes([0.05, 0.9, 0.62, 0.05])
    frac = done / total if total else 0.0
    bar.barh([0], [frac], color="#2e86c1", height=1)
    bar.set_xlim(0, 1)
    bar.set_axis_off()
    rate = f", {elapsed / done * (total - done):.0f} s left" if 0 < done < total else ""
    bar.text(1.01, 0, f"{done}/{total} batches, {elapsed:.1f} s{rate}", va="center",
             fontsize=8, transform=bar.get_yaxis_transform())
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
        acc.plot(epochs, train_acc, "o-", ms=3, label="train")
        val = [np.nan if v is None else v for v in val_acc]
        acc.plot(epochs[:len(val)], val, "s-", ms=3, label="test")
        best = np.nanmax(val) if np.isfinite(val).any() else np.nan
        acc.set_title(f"accuracy (test {val[-1]:.1%})" if np.isfinite(best) else "accuracy",
                      fontsize=9)
        acc.legend(fontsize=7, frameon=False, loc="lower right")
    else:
        acc.set_title("accuracy", fontsize=9)
    low = min([0.8, *train_acc, *[v for v in val_acc if v is not None]])
    acc.set_ylim(max(low - 0.02, 0.0), 1.0)
    acc.set_xlabel("epoch", fontsize=8)
    acc.tick_params(labelsize=7)
    fil = fig.add_axes([0.73, 0.08, 0.25, 0.72])
    fil.imshow(mosaic(np.asarray(weight)[:, 0]), cmap="gray", interpolation="nearest")
    fil.set_axis_off()
    fil.set_title("first-layer filters", fontsize=9)
    return fig


def plot_digit(image, probs, label, maps, layer_name=""):
    """A digit, its class probabilities (true class in green, prediction outlined) and
    the feature maps (C, H, W) of one layer as a mosaic.

    Introduced in notebooks/07_full_cnn.ipynb.
    """
    fig = fixed_figure(8.0, 2.6)
    ax = fig.add_axes([0.01, 0.06, 0.22, 0.8])
    ax.imshow(image, cmap="gray", interpolation="nearest")
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
    fm = fig.add_axes([0.62, 0.03, 0.37, 0.84])
    fm.imshow(mosaic(maps), cmap="viridis", interpolation="nearest")
    fm.set_axis_off()
    fm.set_title(f"{layer_name}: {maps.shape[0]} maps of {maps.shape[1]}x{maps.shape[2]}",
                 fontsize=9)
    return fig


def plot_confusion(matrix, title="confusion matrix (rows: true, columns: predicted)"):
    """Counts (classes, classes) with the numbers written in each cell.

    Introduced in notebooks/07_full_cnn.ipynb.
    """
    M = np.asarray(matrix)
    n = M.shape[0]
    fig = new_figure(4.6, 4.2)
    ax = fig.add_subplot()
    off = M.astype(float).copy()
    np.fill_diagonal(off, np.nan)
    ax.imshow(np.log1p(M), cmap="Blues", interpolation="nearest")
    for (r, c), v in np.ndenumerate(M):
        if v:
            ax.text(c, r, str(v), ha="center", va="center", fontsize=7,
                    color="white" if r == c else ("#c0392b" if v else "black"))
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    return fig
