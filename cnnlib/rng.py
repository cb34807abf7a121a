"""The course's source of randomness: one numpy Generator, reseedable with manual_seed.

Layers take an ``rng`` argument (a ``numpy.random.Generator``); when it is omitted they use
:func:`default_rng`, which :func:`manual_seed` resets, as ``torch.manual_seed`` does.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

_GENERATOR = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the course-wide generator (like ``torch.manual_seed``) and return it.

    Not used in the notebooks.
    """
    global _GENERATOR
    _GENERATOR = np.random.default_rng(seed)
    return _GENERATOR


def default_rng() -> np.random.Generator:
    """The course-wide generator used when no ``rng`` is given.

    Not used in the notebooks.
    """
    return _GENERATOR
