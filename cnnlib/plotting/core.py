"""Figure helpers shared by every plot: a pyplot-free Figure, PNG bytes, a message card."""

from __future__ import annotations

import io

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

DPI = 80


def new_figure(width: float = 6.0, height: float = 3.0) -> Figure:
    """A Figure attached to an Agg canvas, outside pyplot (no global state, no flicker)."""
    fig = Figure(figsize=(width, height), dpi=DPI, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def fixed_figure(width: float, height: float):
    """A :func:`new_figure` without a layout engine: axes go where ``add_axes`` puts them.

    Skipping constrained layout saves a layout pass per redraw (explorers stay fast).
    """
    return freeze_layout(new_figure(width, height))


def freeze_layout(fig: Figure) -> Figure:
    """Drop ``fig``'s layout engine, keeping the current axes positions.

    ``set_layout_engine("none")`` leaves a placeholder engine that still costs a layout pass
    on every draw; clearing it keeps redraws of an explorer cheap.
    """
    fig.set_layout_engine("none")
    if hasattr(fig, "_layout_engine"):
        fig._layout_engine = None
    return fig


def fig_to_png(fig: Figure) -> bytes:
    """Render ``fig`` with Agg and return the PNG bytes (what ``ipywidgets.Image`` shows).

    ``canvas.print_png`` draws once; ``savefig`` would run the layout engine twice.
    """
    buf = io.BytesIO()
    fig.canvas.print_png(buf)
    return buf.getvalue()


def message_figure(text: str, width: float = 6.0, height: float = 1.6) -> Figure:
    """A figure that only shows a message: what an explorer draws for impossible settings."""
    fig = new_figure(width, height)
    fig.text(0.5, 0.5, text, ha="center", va="center", wrap=True, fontsize=11,
             family="monospace", color="#8a1c1c")
    return fig
