"""The effective receptive field: how strongly each input pixel moves one output unit.

Luo, Li, Urtasun & Zemel, "Understanding the Effective Receptive Field in Deep
Convolutional Neural Networks" (NeurIPS 2016): send a unit gradient back from the centre
output of a stack of randomly initialised stride-1 convolutions and look at d out / d x.
The theoretical field of n KxK layers is a square of side n(K - 1) + 1, but the gradient
is concentrated near its centre, in a roughly Gaussian blob.

For a linear stack with independent zero-mean weights the mean SQUARED gradient is exactly
proportional to the number of paths from each pixel to the unit (:func:`path_counts`: the
products of different weights average to 0), i.e. to where a random walk of n steps
(each uniform on -(K-1)/2 .. (K-1)/2 per axis) ends: its standard deviation is
sqrt(n (K^2 - 1) / 12), sqrt(2n/3) for K = 3 (:func:`random_walk_spread`). The mean
ABSOLUTE gradient is roughly the square root of that map (at each pixel the gradient is close
to normal across weight draws, so E|g| ~ sqrt(2/pi) sqrt(E g^2)): wider, with a variance of
about 4n/3 - 1 px^2 for K = 3. The -1 does not fade with depth: each 3-point step of the walk
is flatter than a Gaussian, and the square root turns that into a constant. All gradients
come from cnnlib's backward passes. Introduced in notebooks/04_receptive_field.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import activations, conv, pool
from .checks import as_int, fail

__all__ = ["effective_receptive_field", "erf_spread", "path_counts", "power_law_exponent",
           "random_walk_spread"]


def effective_receptive_field(depth, kernel_size=3, size=None, channels=4, n_inputs=4,
                              n_inits=4, nonlinearity="linear", rng=None, dtype=np.float64,
                              measure="square"):
    """Mean (d out_centre / d x)^2 (or |d out_centre / d x|) of ``depth`` stride-1,
    'same'-padded KxK conv layers.

    For each of ``n_inits`` random weight draws (He normal, std sqrt(2 / (C K K))) and
    ``n_inputs`` standard-normal inputs x (n_inputs, channels, size, size): forward through
    the stack (ReLU between layers if nonlinearity="relu"), set dout = 1 at the centre unit
    of every output channel and 0 elsewhere, backpropagate with conv2d_backward, and add
    dx**2 (measure="square") or |dx| (measure="abs"), summed over channels. Returns the
    (size, size) map scaled to sum to 1. size defaults to 2 * depth * (K - 1) + 1 (twice
    the theoretical field). Without ReLU the gradient does not depend on x at all.
    Introduced in notebooks/04_receptive_field.ipynb.
    """
    func = "effective_receptive_field"
    depth = as_int(depth, "depth", func, minimum=1)
    K = as_int(kernel_size, "kernel_size", func, minimum=1)
    if K % 2 == 0:
        raise fail(func, f"kernel_size={K} is even: 'same' padding (K - 1) / 2 needs an odd "
                   "kernel, so that the centre output sits over the centre input.")
    if nonlinearity not in ("linear", "relu"):
        raise fail(func, f"nonlinearity must be 'linear' or 'relu', got {nonlinearity!r}.")
    if measure not in ("square", "abs"):
        raise fail(func, f"measure must be 'square' (mean squared gradient) or 'abs' (mean "
                   f"absolute gradient), got {measure!r}.")
    theory = depth * (K - 1) + 1
    size = 2 * theory - 1 if size is None else as_int(size, "size", func, minimum=1)
    if size % 2 == 0 or size < theory:
        raise fail(func, f"size={size} must be odd and at least the theoretical field "
                   f"{theory} = depth * (K - 1) + 1 = {depth} * {K - 1} + 1.")
    C = as_int(channels, "channels", func, minimum=1)
    rng = np.random.default_rng(0) if rng is None else rng
    c = size // 2
    total = np.zeros((size, size), dtype=np.float64)
    for _ in range(as_int(n_inits, "n_inits", func, minimum=1)):
        weights = [(rng.standard_normal((C, C, K, K)) * np.sqrt(2.0 / (C * K * K))).astype(dtype)
                   for _ in range(depth)]
        x = rng.standard_normal((as_int(n_inputs, "n_inputs", func, minimum=1), C, size, size))
        out, caches = x.astype(dtype), []
        for k, w in enumerate(weights):
            out, cache = conv.conv2d_forward(out, w, padding=K // 2)
            relu_cache = None
            if nonlinearity == "relu" and k < depth - 1:
                out, relu_cache = activations.relu_forward(out)
            caches.append((cache, relu_cache))
        dout = np.zeros_like(out)
        dout[:, :, c, c] = 1
        for cache, relu_cache in reversed(caches):
            if relu_cache is not None:
                dout = activations.relu_backward(dout, relu_cache)
            dout = conv.conv2d_backward(dout, cache)[0]
        total += (dout ** 2 if measure == "square" else np.abs(dout)).sum(axis=(0, 1))
    return total / total.sum()


def erf_spread(erf):
    """Standard deviation (in pixels) of a 2-D map read as a distribution over positions.

    erf (H, W), non-negative -> sqrt of the mean of the row and column variances.
    Introduced in notebooks/04_receptive_field.ipynb.
    """
    g = np.asarray(erf, dtype=np.float64)
    g = g / g.sum()
    rows, cols = np.indices(g.shape)
    var = []
    for pos in (rows, cols):
        mean = (g * pos).sum()
        var.append((g * (pos - mean) ** 2).sum())
    return float(np.sqrt(np.mean(var)))


def power_law_exponent(x, y):
    """Slope a of the least-squares line log y = a log x + b: y grows like x**a.

    Introduced in notebooks/04_receptive_field.ipynb.
    """
    a, _ = np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)
    return float(a)


def random_walk_spread(depth, kernel_size=3):
    """sqrt(depth * (K^2 - 1) / 12): the standard deviation (pixels, per axis) of the end of
    a random walk of ``depth`` steps, each uniform on -(K-1)/2 .. (K-1)/2.

    The spread of the mean squared gradient map of a linear stack of ``depth`` KxK layers
    (sqrt(2 depth / 3) for K = 3). Not used in the notebooks.
    """
    func = "random_walk_spread"
    K = as_int(kernel_size, "kernel_size", func, minimum=1)
    return float(np.sqrt(as_int(depth, "depth", func, minimum=0) * (K * K - 1) / 12))


def path_counts(specs, input_size, i, j) -> np.ndarray:
    """How many paths join each input pixel to output unit (i, j) of the stack.

    specs: dicts from cnnlib.receptive_field.conv / pool. Sends a one-hot gradient back
    through the stack with all-ones single-channel kernels (cnnlib.conv.conv2d_backward)
    and, for pooling, through average pooling times K*K (every pixel of a window counts):
    the effective receptive field of uniform weights, non-zero exactly on the pixels the
    unit depends on. Returns (input_size, input_size) counts.
    Introduced in notebooks/04_receptive_field.ipynb.
    """
    x = np.zeros((1, 1, input_size, input_size))
    caches = []
    for s in specs:
        K = s["kernel_size"]
        if s["kind"] == "conv":
            x, cache = conv.conv2d_forward(x, np.ones((1, 1, K, K)), stride=s["stride"],
                                           padding=s["padding"], dilation=s["dilation"])
        else:
            x, cache = pool.avg_pool2d_forward(x, K, s["stride"], s["padding"])
        caches.append((s, cache))
    d = np.zeros_like(x)
    d[0, 0, i, j] = 1.0
    for s, cache in reversed(caches):
        if s["kind"] == "conv":
            d = conv.conv2d_backward(d, cache)[0]
        else:
            d = pool.avg_pool2d_backward(d, cache) * s["kernel_size"] ** 2
    return np.rint(d[0, 0])
