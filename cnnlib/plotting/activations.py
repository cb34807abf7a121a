"""Plots of activation functions and their derivatives (arrays in, Figure out).

Every slope panel uses one y scale (SLOPE_LIMITS, widened only if a slope leaves it), so
that "the sigmoid's slope is at most 0.25, tanh's and ReLU's reach 1" can be seen. A jump
in a curve (ReLU's slope at 0) is drawn as a jump, not as a vertical line.
Introduced in notebooks/01_neural_network_recap.ipynb.
"""

from __future__ import annotations

import numpy as np

from .core import new_figure

__all__ = ["SLOPE_LIMITS", "break_jumps", "plot_activation", "plot_activation_grid",
           "update_activation"]

SLOPE_LIMITS = (-0.1, 1.1)  # the four activations' slopes all lie in [0, 1]


def break_jumps(x, y, threshold: float = 0.25):
    """``(x, y)`` with a NaN inserted wherever y jumps between neighbours by more than
    ``threshold`` times its range, so that matplotlib leaves a gap instead of a vertical line.

    x, y: 1-D, same length. Returns two new 1-D float arrays (longer by the number of jumps).
    Not used in the notebooks.
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    finite = y[np.isfinite(y)]
    span = float(finite.max() - finite.min()) if finite.size else 0.0
    if y.size < 2 or span == 0.0:
        return x.copy(), y.copy()
    jumps = np.flatnonzero(np.abs(np.diff(y)) > threshold * span) + 1
    return np.insert(x, jumps, np.nan), np.insert(y, jumps, np.nan)


def _style(ax, x) -> None:
    ax.axhline(0.0, color="0.6", lw=0.8)
    ax.axvline(0.0, color="0.6", lw=0.8)
    ax.set_xlim(float(x[0]), float(x[-1]))
    ax.grid(alpha=0.3)


def _limits(ax, x, data) -> None:
    ax.set_xlim(float(x[0]), float(x[-1]))
    lo, hi = float(np.min(data)), float(np.max(data))
    pad = 0.05 * (hi - lo) if hi > lo else 0.5
    ax.set_ylim(min(lo - pad, -pad), max(hi + pad, pad))


def _slope_limits(ax, data) -> None:
    """The shared slope scale, widened only if a slope leaves it."""
    lo, hi = SLOPE_LIMITS
    ax.set_ylim(min(lo, float(np.min(data)) - 0.05), max(hi, float(np.max(data)) + 0.05))


def plot_activation(x, y, dy, name: str = "activation"):
    """Two panels: ``y = f(x)`` and its derivative ``dy = f'(x)``; x, y, dy are 1-D, same length.

    The slope panel has the shared scale SLOPE_LIMITS.
    Not used in the notebooks.
    """
    x, y, dy = (np.asarray(a, dtype=float) for a in (x, y, dy))
    fig = new_figure(6.4, 2.6)
    ax_f, ax_d = fig.subplots(1, 2)
    ax_f.plot(x, y, color="#1f5fa8", lw=2)
    ax_f.set_title(f"{name}(x)")
    ax_d.plot(*break_jumps(x, dy), color="#c0392b", lw=2)
    ax_d.set_title(f"{name}'(x)  (the slope)")
    for ax in (ax_f, ax_d):
        _style(ax, x)
        ax.set_xlabel("x")
    _limits(ax_f, x, y)
    _slope_limits(ax_d, dy)
    return fig


def update_activation(fig, x, y, dy, name: str = "activation"):
    """Redraw a figure made by :func:`plot_activation` with new curves, in place; returns fig.
    Not used in the notebooks."""
    x, y, dy = (np.asarray(a, dtype=float) for a in (x, y, dy))
    ax_f, ax_d = fig.axes
    ax_f.lines[0].set_data(x, y)  # lines[0] is the curve (then the two axis lines)
    ax_f.set_title(f"{name}(x)")
    _limits(ax_f, x, y)
    ax_d.lines[0].set_data(*break_jumps(x, dy))
    ax_d.set_title(f"{name}'(x)  (the slope)")
    ax_d.set_xlim(float(x[0]), float(x[-1]))
    _slope_limits(ax_d, dy)
    return fig


def plot_activation_grid(curves: dict):
    """One column per activation, function on top and derivative below.

    ``curves`` maps a name to ``(x, y, dy)`` (1-D arrays of one length). All the slope panels
    share one y scale (SLOPE_LIMITS), and each is labelled with its largest slope.
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    n = len(curves)
    if n == 0:
        raise ValueError("plot_activation_grid: curves is empty; pass {name: (x, y, dy)}.")
    fig = new_figure(2.3 * n, 4.0)
    axes = np.asarray(fig.subplots(2, n, sharex="col", squeeze=False))
    for col, (name, (x, y, dy)) in enumerate(curves.items()):
        x, dy = np.asarray(x, dtype=float), np.asarray(dy, dtype=float)
        axes[0, col].plot(x, y, color="#1f5fa8", lw=2)
        axes[0, col].set_title(name)
        axes[1, col].plot(*break_jumps(x, dy), color="#c0392b", lw=2)
        axes[1, col].set_title(f"largest slope {dy.max():.3g}", fontsize=9)
        axes[1, col].set_xlabel("x")
        for ax in axes[:, col]:
            _style(ax, x)
        _slope_limits(axes[1, col], dy)
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f'(x), one scale")
    return fig
