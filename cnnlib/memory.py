"""Keep freed memory for reuse: a one-line fix for a hidden cost of big temporary arrays.

A training step allocates and frees several arrays of a few MB (im2col's columns, layer
outputs, gradients). With its default settings, glibc's malloc (Linux) hands memory freed at
the top of its heap back to the operating system once more than twice its "mmap threshold"
is free; that threshold starts at 128 kB and only grows when a big array obtained with mmap
is freed. The next call then takes fresh pages from the kernel, one page fault per 4 kB:
measured here, the course network's two convolutions (forward and backward, batch 64) took
7.5 ms per step instead of 2.3 ms: 2,132 page faults per step, against none with the fix.

:func:`keep_freed_memory` allocates one 30 MB array and frees it at once (it is never
written, so it costs no page faults). glibc then raises both thresholds (mmap to 30 MB, trim
to 60 MB) and keeps up to that much freed memory for the next arrays. ``import cnnlib`` calls
it once, unless the environment sets CNNLIB_KEEP_FREED_MEMORY=0. Elsewhere (macOS, Windows,
musl) it is harmless: an untouched allocation and a free. Every notebook gets it through
``import cnnlib``; benchmarks/bench_conv.py shows its effect (section 3).
"""

from __future__ import annotations

import numpy as np

__all__ = ["keep_freed_memory"]

_BYTES = 30 << 20  # below glibc's 32 MB cap on the dynamic mmap threshold (64-bit)


def keep_freed_memory():
    """Make glibc keep freed memory up to ~60 MB instead of returning it (see the module doc).

    Returns the number of bytes of the array it allocated and freed.
    Introduced in notebooks/00_start_here.ipynb: it runs at ``import cnnlib``.
    """
    block = np.empty(_BYTES, dtype=np.uint8)
    del block
    return _BYTES
