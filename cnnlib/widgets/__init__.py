"""Interactive explorers: thin ipywidgets wrappers around :mod:`cnnlib.plotting`.

Every explorer is a class whose controls can be driven from plain Python
(``explorer.set(kernel_size=5)``), whose computed arrays are readable
(``explorer.state``), and which shows an ``ipywidgets.Image`` of Agg-rendered PNG bytes,
updated in place. See :class:`cnnlib.widgets.base.Explorer`.
"""

from __future__ import annotations

from .base import Explorer

__all__ = ["Explorer"]
