"""Plots of activation functions and their derivatives (arrays in, Figure out).

Introduced in notebooks/01_neural_network_recap.ipynb.
"""

from __future__ import annotations

import numpy as np

from .core import new_figure

__all__ = ["plot_activation", "plot_activation_grid", "update_activation"]


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


def plot_activation(x, y, dy, name: str = "activation"):
    """Two panels: ``y = f(x)`` and its derivative ``dy = f'(x)``; x, y, dy are 1-D, same length.

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    x, y, dy = (np.asarray(a, dtype=float) for a in (x, y, dy))
    fig = new_figure(6.4, 2.6)
    ax_f, ax_d = fig.subplots(1, 2)
    ax_f.plot(x, y, color="#1f5fa8", lw=2)
    ax_f.set_title(f"{name}(x)")
    ax_d.plot(x, dy, color="#c0392b", lw=2)
    ax_d.set_title(f"{name}'(x)  (the slope)")
    for ax, data in ((ax_f, y), (ax_d, dy)):
        _style(ax, x)
        _limits(ax, x, data)
        ax.set_xlabel("x")
    return fig


def update_activation(fig, x, y, dy, name: str = "activation"):
    """Redraw a figure made by :func:`plot_activation` with new curves, in place; returns fig.
    Introduced in notebooks/01_neural_network_recap.ipynb."""
    x, y, dy = (np.asarray(a, dtype=float) for a in (x, y, dy))
    ax_f, ax_d = fig.axes
    for ax, data, title in ((ax_f, y, f"{name}(x)"), (ax_d, dy, f"{name}'(x)  (the slope)")):
        ax.lines[0].set_data(x, data)  # lines[0] is the curve (then the two axis lines)
        ax.set_title(title)
        _limits(ax, x, data)
    return fig


def plot_activation_grid(curves: dict):
    """One column per activation, function on top and derivative below.

    ``curves`` maps a name to ``(x, y, dy)`` (1-D arrays of one length).
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    n = len(curves)
    if n == 0:
        raise ValueError("plot_activation_grid: curves is empty; pass {name: (x, y, dy)}.")
    fig = new_figure(2.3 * n, 3.8)
    axes = np.asarray(fig.subplots(2, n, sharex="col", squeeze=False))
    for col, (name, (x, y, dy)) in enumerate(curves.items()):
        x = np.asarray(x, dtype=float)
        axes[0, col].plot(x, y, color="#1f5fa8", lw=2)
        axes[0, col].set_title(name)
        axes[1, col].plot(x, dy, color="#c0392b", lw=2)
        axes[1, col].set_xlabel("x")
        for ax in axes[:, col]:
            _style(ax, x)
    axes[0, 0].set_ylabel("f(x)")
    axes[1, 0].set_ylabel("f'(x)")
    return fig
