"""Pure matplotlib drawing functions: arrays in, ``matplotlib.figure.Figure`` out.

Nothing here touches pyplot's global state or ipywidgets, so every function is testable
with the Agg backend. The explorers in :mod:`cnnlib.widgets` render these figures to PNG.
Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

from .core import fig_to_png, fixed_figure, freeze_layout, message_figure, new_figure

__all__ = ["fig_to_png", "fixed_figure", "freeze_layout", "message_figure", "new_figure"]
