"""Named image kernels (3x3 and 5x5): the filters people used before networks learned them.

Every kernel is a float64 ``(K, K)`` array, used with cross-correlation (as in PyTorch)::

    out[i, j] = sum_{u, v} kernel[u, v] * image[i + u, j + v]

* ``identity``   a single 1 in the centre: the output is the input.
* ``box_blur``   all weights 1 / K^2: the mean of the window.
* ``gaussian``   outer product of the binomial row [1 2 1] (or [1 4 6 4 1]), normalised.
* ``sharpen``    2 * identity - box blur: the input plus its difference from the local mean.
* ``sobel_x``    smoothing down the rows times a derivative across the columns: responds to
  vertical edges (positive where the image gets brighter to the right).
* ``sobel_y``    the transpose of ``sobel_x``: horizontal edges (brighter downwards).
* ``laplacian``  sum of second differences; zero on flat regions and on linear ramps.
* ``emboss``     a diagonal ramp from -2 to 2 plus the identity: a relief look.

Kernels that sum to 1 keep the brightness: a flat region stays as bright as it was (identity,
the two blurs, sharpen, emboss; only the blurs smooth, sharpen does the opposite). Derivative
kernels sum to 0: a flat region -> 0, only change (edges) gives an output.
Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import fail

__all__ = ["KERNEL_NAMES", "get_kernel"]

KERNEL_NAMES = ("identity", "box_blur", "gaussian", "sharpen", "sobel_x", "sobel_y",
                "laplacian", "emboss")

_SMOOTH = {3: np.array([1.0, 2.0, 1.0]), 5: np.array([1.0, 4.0, 6.0, 4.0, 1.0])}
_DERIV = {3: np.array([-1.0, 0.0, 1.0]), 5: np.array([-1.0, -2.0, 0.0, 2.0, 1.0])}


def _identity(K: int) -> np.ndarray:
    k = np.zeros((K, K))
    k[K // 2, K // 2] = 1.0
    return k


def _build(name: str, K: int) -> np.ndarray:
    if name == "identity":
        return _identity(K)
    if name == "box_blur":
        return np.full((K, K), 1.0 / K**2)
    if name == "gaussian":
        g = np.outer(_SMOOTH[K], _SMOOTH[K])
        return g / g.sum()
    if name == "sharpen":
        return 2.0 * _identity(K) - np.full((K, K), 1.0 / K**2)
    if name == "sobel_x":
        return np.outer(_SMOOTH[K], _DERIV[K])
    if name == "sobel_y":
        return np.outer(_DERIV[K], _SMOOTH[K])
    if name == "laplacian":
        if K == 3:  # the 4-neighbour Laplacian
            return np.array([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])
        k = np.ones((K, K))  # 5x5: every neighbour minus 24 times the centre
        k[K // 2, K // 2] = 1.0 - K * K
        return k
    # emboss: (row + column - (K - 1)) scaled, a ramp from dark top-left to light
    # bottom-right, plus the identity; for K = 3 it is the classic [[-2 -1 0] [-1 1 1] [0 1 2]]
    i = np.arange(K, dtype=float)
    return (np.add.outer(i, i) - (K - 1)) * (2.0 / (K - 1)) + _identity(K)


def get_kernel(name: str, size: int = 3) -> np.ndarray:
    """A fresh float64 ``(size, size)`` copy of the named kernel (``size`` is 3 or 5).

    >>> get_kernel("sobel_x")
    array([[-1.,  0.,  1.],
           [-2.,  0.,  2.],
           [-1.,  0.,  1.]])

    Introduced in notebooks/02_convolution.ipynb.
    """
    if name not in KERNEL_NAMES:
        raise fail("get_kernel", f"no kernel named {name!r}; choose one of "
                   f"{list(KERNEL_NAMES)}.")
    if isinstance(size, bool) or size not in (3, 5):
        raise fail("get_kernel", f"size must be 3 or 5, got {size!r}.",
                   "  Named kernels are odd-sized so that they have a centre pixel.")
    return _build(name, int(size))
