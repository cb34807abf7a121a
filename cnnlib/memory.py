"""Keep freed memory for reuse: a one-line fix for a hidden cost of big temporary arrays.

A training step allocates and frees several arrays of a few MB (im2col's columns, layer
outputs, gradients). With its default settings, glibc's malloc (Linux) hands memory freed at
the top of its heap back to the operating system once more than twice its "mmap threshold"
is free; that threshold starts at 128 kB and only grows when a big array obtained with mmap
is freed. The next step then takes fresh pages from the kernel again, one page fault per
4 kB, and that can cost more time than the arithmetic (benchmarks/bench_conv.py measures it).

:func:`keep_freed_memory` allocates one 30 MB array and frees it at once (it is never
written, so it costs no page faults). glibc then raises both thresholds (mmap to 30 MB, trim
to 60 MB) and keeps up to that much freed memory for the next arrays. It changes malloc for
the whole process, so it is not done at ``import cnnlib``: ``fit`` calls it when training
starts (and each worker process of ``fit(workers=N)``). It does something only with glibc,
once per process, and not at all when the environment sets CNNLIB_KEEP_FREED_MEMORY=0.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import os
import platform
import sys

import numpy as np

__all__ = ["keep_freed_memory"]

_BYTES = 30 << 20  # below glibc's 32 MB cap on the dynamic mmap threshold (64-bit)
_done = False


def _meaningful() -> bool:
    """glibc's malloc, not switched off by CNNLIB_KEEP_FREED_MEMORY=0."""
    if os.environ.get("CNNLIB_KEEP_FREED_MEMORY", "1") == "0" or sys.platform == "emscripten":
        return False
    return platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def keep_freed_memory() -> int:
    """Make glibc keep freed memory up to ~60 MB instead of returning it (see the module doc).

    Returns the bytes allocated and freed: 30 MB the first time in a glibc process, 0 after
    that, elsewhere, or when CNNLIB_KEEP_FREED_MEMORY=0. Not used in the notebooks.
    """
    global _done
    if _done or not _meaningful():
        return 0
    block = np.empty(_BYTES, dtype=np.uint8)
    del block
    _done = True
    return _BYTES
