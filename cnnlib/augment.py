"""Data augmentation for image batches: new training images from old ones, on the fly.

A digit moved by a pixel or two is still the same digit, so showing the network shifted
copies teaches it that position does not matter much, and reduces overfitting on a small
training set. Everything works on whole NCHW batches at once and draws from an explicit
``rng`` (a ``numpy.random.Generator``), so a training run can be repeated exactly.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import NCHW, as_int, check_float_array, fail
from .rng import default_rng

__all__ = ["random_affine", "random_shift"]


def random_shift(X, max_shift=2, rng=None):
    """Shift each image by its own random (dy, dx), |dy|, |dx| <= max_shift; pad with zeros.

    X (N, C, H, W) -> a new array of the same shape and dtype. Pad-and-crop: the batch is
    padded by ``max_shift`` zeros on every side, and image n is cropped from the padded
    one at offset (max_shift + dy_n, max_shift + dx_n), i.e. ``out[n, :, i, j] =
    X[n, :, i + dy_n, j + dx_n]`` (0 outside). All channels of an image move together.
    ``rng``: numpy Generator (default: cnnlib.rng.default_rng()).
    Introduced in notebooks/07_full_cnn.ipynb.
    """
    func = "random_shift"
    check_float_array(X, "X", func, ndim=4, labels=NCHW)
    m = as_int(max_shift, "max_shift", func, minimum=0)
    N, C, H, W = X.shape
    if m >= min(H, W):
        raise fail(func, f"max_shift={m} would move a {H}x{W} image entirely out of view.",
                   "  Use a shift smaller than the image, e.g. 2 for 28x28 digits.")
    if m == 0 or N == 0:
        return X.copy()
    rng = default_rng() if rng is None else rng
    dy, dx = rng.integers(-m, m + 1, size=(2, N))
    padded = np.zeros((N, C, H + 2 * m, W + 2 * m), dtype=X.dtype)
    padded[:, :, m:m + H, m:m + W] = X
    # windows[n, c, a, b] is the H x W crop of padded image n starting at (a, b).
    windows = np.lib.stride_tricks.sliding_window_view(padded, (H, W), axis=(2, 3))
    n = np.arange(N)
    return np.ascontiguousarray(windows[n, :, m + dy, m + dx])


def random_affine(X, max_rotation=10.0, max_scale=0.1, max_shift=2.0, rng=None):
    """Rotate, scale and shift each image by its own random amounts (bilinear, zeros outside).

    X (N, C, H, W) -> a new array of the same shape and dtype. Per image: an angle in
    [-max_rotation, max_rotation] degrees, a zoom s in [1 - max_scale, 1 + max_scale] and a
    shift (dy, dx) in [-max_shift, max_shift] pixels, about the image centre c. Output pixel
    p reads the input at ``R(-angle) (p - c - shift) / s + c``, interpolated bilinearly.
    ``rng``: numpy Generator (default: cnnlib.rng.default_rng()).
    Not used in the notebooks.
    """
    func = "random_affine"
    check_float_array(X, "X", func, ndim=4, labels=NCHW)
    for name, value in (("max_rotation", max_rotation), ("max_scale", max_scale),
                        ("max_shift", max_shift)):
        if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
            raise fail(func, f"{name} must be a number >= 0, got {value!r}.")
    if max_scale >= 1:
        raise fail(func, f"max_scale={max_scale} would shrink an image to nothing; use < 1.")
    rng = default_rng() if rng is None else rng
    N, C, H, W = X.shape
    angle = np.deg2rad(rng.uniform(-max_rotation, max_rotation, N))
    scale = rng.uniform(1 - max_scale, 1 + max_scale, N)
    shift = rng.uniform(-max_shift, max_shift, (2, N))
    cy, cx = (H - 1) / 2, (W - 1) / 2
    i, j = np.meshgrid(np.arange(H) - cy, np.arange(W) - cx, indexing="ij")
    cos, sin = (np.cos(angle) / scale)[:, None, None], (np.sin(angle) / scale)[:, None, None]
    u = i[None] - shift[0][:, None, None]            # (N, H, W), relative to the centre
    v = j[None] - shift[1][:, None, None]
    src_i = cos * u - sin * v + cy                   # where output (i, j) reads the input
    src_j = sin * u + cos * v + cx
    i0, j0 = np.floor(src_i).astype(np.intp), np.floor(src_j).astype(np.intp)
    fi, fj = (src_i - i0).astype(X.dtype), (src_j - j0).astype(X.dtype)
    n = np.arange(N)[:, None, None]
    out = np.zeros_like(X)
    for di, dj, weight in ((0, 0, (1 - fi) * (1 - fj)), (0, 1, (1 - fi) * fj),
                           (1, 0, fi * (1 - fj)), (1, 1, fi * fj)):
        ii, jj = i0 + di, j0 + dj                    # one of the 4 neighbours
        weight *= (ii >= 0) & (ii < H) & (jj >= 0) & (jj < W)   # outside the image: 0
        ii, jj = np.clip(ii, 0, H - 1), np.clip(jj, 0, W - 1)
        for c in range(C):
            out[:, c] += weight * X[n, c, ii, jj]
    return out
