"""cnnlib: convolutional neural networks from scratch in numpy.

The helper package of the course in ``notebooks/``. Numeric modules import only numpy;
plotting (matplotlib) and widgets (ipywidgets) are imported on demand, so
``import cnnlib`` stays light. Layout is NCHW, as in PyTorch.
"""

from __future__ import annotations

__version__ = "0.1.0"

import os  # noqa: E402

from . import shapes  # noqa: E402  (light, numpy only)
from .memory import keep_freed_memory  # noqa: E402
from .rng import manual_seed  # noqa: E402

if os.environ.get("CNNLIB_KEEP_FREED_MEMORY", "1") != "0":
    keep_freed_memory()  # reuse freed arrays, not fresh pages (memory.py); opt out with =0

__all__ = ["__version__", "manual_seed", "shapes"]
