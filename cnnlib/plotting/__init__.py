"""Pure matplotlib drawing functions: arrays in, ``matplotlib.figure.Figure`` out.

Nothing here touches pyplot's global state or ipywidgets, so every function is testable
with the Agg backend. The explorers in :mod:`cnnlib.widgets` render these figures to PNG.
The course's palette (grey images with dark = 0; one diverging map centred on 0, with a
colour bar, for signed data) is defined once, in :mod:`cnnlib.plotting.core`.
Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

from .core import (
    IMAGE_CMAP,
    SIGNED_CMAP,
    LayoutCache,
    fig_to_png,
    fixed_figure,
    freeze_layout,
    message_figure,
    new_figure,
    pick_palette,
    show_image,
    show_map,
    show_signed,
)

__all__ = ["IMAGE_CMAP", "SIGNED_CMAP", "LayoutCache", "fig_to_png", "fixed_figure",
           "freeze_layout", "message_figure", "new_figure", "pick_palette", "show_image",
           "show_map", "show_signed"]
