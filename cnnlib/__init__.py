"""cnnlib: convolutional neural networks from scratch in numpy.

The helper package of the course in ``notebooks/``. Numeric modules import only numpy;
plotting (matplotlib) and widgets (ipywidgets) are imported on demand, so
``import cnnlib`` stays light and changes nothing in the process it is imported into.
Layout is NCHW, as in PyTorch.
"""

from __future__ import annotations

__version__ = "0.1.0"

from . import shapes  # (light, numpy only)
from .rng import manual_seed

__all__ = ["__version__", "manual_seed", "shapes"]
