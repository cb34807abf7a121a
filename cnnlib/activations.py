"""Element-wise activation functions: ReLU, leaky ReLU, sigmoid and tanh.

Each comes four ways: ``relu(x)`` (just the values), ``relu_derivative(x)`` (the slope at
x, for plots), and the pair ``out, cache = relu_forward(x)`` / ``dx = relu_backward(dout,
cache)`` used in a network. Any input shape works; float32 stays float32.
Introduced in notebooks/01_neural_network_recap.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np

from .checks import check_dout, check_float_array, fail

__all__ = [
    "leaky_relu", "leaky_relu_backward", "leaky_relu_derivative", "leaky_relu_forward",
    "relu", "relu_backward", "relu_derivative", "relu_forward", "sigmoid", "sigmoid_backward",
    "sigmoid_derivative", "sigmoid_forward", "sigmoid_naive", "tanh", "tanh_backward",
    "tanh_derivative", "tanh_forward",
]


def _slope(value, func):
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise fail(func, f"negative_slope must be a number, got {value!r}.")
    return float(value)


# ---------------------------------------------------------------- ReLU
def relu(x):
    """ReLU: max(0, x), element-wise, any shape.

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(x, "x", "relu")
    return _relu_values(x)


def _relu_values(x):
    # np.maximum(x, 0) broadcasts a scalar, which numpy does not vectorise: comparing each
    # sample with a row of zeros gives the same values about 3x faster on large arrays.
    if x.ndim >= 2 and x.size and x.flags.c_contiguous:
        rows = x.reshape(x.shape[0], -1)
        return np.maximum(rows, np.zeros(rows.shape[1], x.dtype)).reshape(x.shape)
    return np.maximum(x, 0)


def relu_derivative(x):
    """Slope of ReLU: 1 where x > 0, else 0 (0 at x = 0, as in PyTorch).

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(x, "x", "relu_derivative")
    return (x > 0).astype(x.dtype)


def relu_forward(x):
    """ReLU layer: out = max(0, x); x and out have any shape, the same one.

    Returns (out, cache). Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(x, "x", "relu_forward")
    return _relu_values(x), (x > 0, x.dtype)


def relu_backward(dout, cache):
    """Gradient of ReLU: dx = dout where x > 0, else 0. dout and dx have x's shape.

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    mask, dtype = cache
    check_dout(dout, mask.shape, "relu_backward", labels=None, dtype=dtype)
    return dout * mask


# ---------------------------------------------------------------- leaky ReLU
def leaky_relu(x, negative_slope=0.01):
    """Leaky ReLU: x where x > 0, else negative_slope * x, element-wise, any shape.

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    return leaky_relu_forward(x, negative_slope)[0]


def leaky_relu_derivative(x, negative_slope=0.01):
    """Slope of leaky ReLU: 1 where x > 0, else negative_slope.

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(x, "x", "leaky_relu_derivative")
    slope = _slope(negative_slope, "leaky_relu_derivative")
    return np.where(x > 0, x.dtype.type(1), x.dtype.type(slope))


def leaky_relu_forward(x, negative_slope=0.01):
    """Leaky ReLU layer: out = x if x > 0 else negative_slope * x; any shape.

    Returns (out, cache). Not used in the notebooks.
    """
    check_float_array(x, "x", "leaky_relu_forward")
    slope = _slope(negative_slope, "leaky_relu_forward")
    # max(x, 0) + slope * min(x, 0): the same values as np.where(x > 0, x, slope * x),
    # but several times faster on large float32 arrays.
    out = np.maximum(x, 0)
    out += slope * np.minimum(x, 0)
    return out, (x > 0, slope, x.dtype)


def leaky_relu_backward(dout, cache):
    """Gradient of leaky ReLU: dx = dout where x > 0, else negative_slope * dout.

    Not used in the notebooks.
    """
    mask, slope, dtype = cache
    check_dout(dout, mask.shape, "leaky_relu_backward", labels=None, dtype=dtype)
    return dout * mask + (slope * dout) * ~mask


# ---------------------------------------------------------------- sigmoid
def sigmoid_naive(x):
    """The textbook sigmoid 1 / (1 + exp(-x)): do NOT use it in a network.

    For x very negative (about -89 in float32, -710 in float64) exp(-x) overflows to inf:
    numpy warns "overflow encountered in exp". Use :func:`sigmoid` instead.
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    return 1 / (1 + np.exp(-x))


def sigmoid(x):
    """Sigmoid 1 / (1 + exp(-x)), computed without overflow, element-wise, any shape.

    Only exp(-|x|) is ever evaluated (it lies in (0, 1]):
    x >= 0: 1 / (1 + exp(-x));   x < 0: exp(x) / (1 + exp(x)).
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(x, "x", "sigmoid")
    return _stable_sigmoid(x)


def _stable_sigmoid(x):
    # exp(-|x|) is below the smallest normal float for |x| > limit: use exactly 0 there
    # rather than letting exp underflow (no floating-point warning even for |x| = 1000).
    # In-place steps: fewer large temporaries make this several times faster.
    limit = x.dtype.type(np.floor(-np.log(np.finfo(x.dtype).tiny)))
    e = np.empty_like(x)
    np.abs(x, out=e)                        # (out= keeps a 0-d input an array)
    small = e < limit
    np.minimum(e, limit, out=e)
    np.negative(e, out=e)
    np.exp(e, out=e)                        # e = exp(-|x|), in (0, 1]
    e *= small
    out = np.maximum(e, x >= 0)             # numerator: 1 where x >= 0, exp(x) where x < 0
    e += 1
    out /= e
    return out


def sigmoid_derivative(x):
    """Slope of the sigmoid: s(x) * (1 - s(x)); largest (1/4) at x = 0.

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(x, "x", "sigmoid_derivative")
    s = _stable_sigmoid(x)
    return s * (1 - s)


def sigmoid_forward(x):
    """Sigmoid layer: out = sigmoid(x), any shape. Returns (out, cache).

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(x, "x", "sigmoid_forward")
    out = _stable_sigmoid(x)
    return out, out


def sigmoid_backward(dout, cache):
    """Gradient of the sigmoid: dx = dout * out * (1 - out).

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    out = cache
    check_dout(dout, out.shape, "sigmoid_backward", labels=None, dtype=out.dtype)
    return dout * out * (1 - out)


# ---------------------------------------------------------------- tanh
def tanh(x):
    """Hyperbolic tangent, element-wise, any shape; outputs in (-1, 1).

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(x, "x", "tanh")
    return np.tanh(x)


def tanh_derivative(x):
    """Slope of tanh: 1 - tanh(x)**2; equal to 1 at x = 0.

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(x, "x", "tanh_derivative")
    t = np.tanh(x)
    return 1 - t * t


def tanh_forward(x):
    """Tanh layer: out = tanh(x), any shape. Returns (out, cache).

    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    check_float_array(x, "x", "tanh_forward")
    out = np.tanh(x)
    return out, out


def tanh_backward(dout, cache):
    """Gradient of tanh: dx = dout * (1 - out**2).

    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    out = cache
    check_dout(dout, out.shape, "tanh_backward", labels=None, dtype=out.dtype)
    return dout * (1 - out * out)
