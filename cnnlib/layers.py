"""Layers shaped like torch.nn: thin classes that hold weights and call the functional pairs.

Each layer's ``forward(x)`` (also ``layer(x)``) calls ``<op>_forward`` and keeps the cache;
``backward(dout)`` calls ``<op>_backward``, stores the weight gradients in ``p.grad`` (added
to what is there, as in PyTorch, until ``zero_grad()``) and returns dx. The maths lives in
conv.py, pool.py, activations.py and linear.py; here there is only bookkeeping.
Weights are float32 unless ``dtype=`` says otherwise (``model.to(np.float64)`` for gradient
checks), initialised with He (Kaiming) or Glorot (Xavier) normals from an ``rng``.
Each layer declares two facts as class attributes: ``batch_independent = True`` (it treats
the samples of a batch one by one; see Module) and ``rf_kind``, what it does to a receptive
field (cnnlib.receptive_field): "conv" or "pool" (a window), "pass" (element-wise) or
"stop" (Flatten, Linear: every output sees the whole input).
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from . import activations, conv, linear, pool
from .checks import FCKK, NCHW, check_layer_input, fail, pair, shape_line
from .module import Module, Parameter, accumulate, init_array
from .sequential import Sequential
from .shapes import conv_out_hw, pool_out_hw

__all__ = [
    "AvgPool2d", "Conv2d", "Flatten", "LeakyReLU", "Linear", "MaxPool2d", "Module", "Parameter",
    "ReLU", "Sequential", "Sigmoid", "Tanh", "init_weights",
]


class Conv2d(Module):
    """2-D convolution (cross-correlation) like torch.nn.Conv2d, NCHW.

    x (N, in_channels, H, W) -> out (N, out_channels, H_out, W_out),
    H_out = (H + 2P - D(KH - 1) - 1) // S + 1. weight (out_channels, in_channels, KH, KW),
    bias (out_channels,). init: 'kaiming' (default), 'xavier' or 'small'; bias starts at 0.
    Introduced in notebooks/04_receptive_field.ipynb.
    """

    batch_independent = True
    rf_kind = "conv"

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 bias=True, init="kaiming", rng=None, dtype=np.float32):
        f = "Conv2d"
        self.in_channels = pair(in_channels, "in_channels", f, minimum=1)[0]
        self.out_channels = pair(out_channels, "out_channels", f, minimum=1)[0]
        self.kernel_size = pair(kernel_size, "kernel_size", f, minimum=1)
        self.stride = pair(stride, "stride", f, minimum=1)
        self.padding = pair(padding, "padding", f, minimum=0)
        self.dilation = pair(dilation, "dilation", f, minimum=1)
        KH, KW = self.kernel_size
        shape = (self.out_channels, self.in_channels, KH, KW)
        self.weight = Parameter(init_array(shape, self.in_channels * KH * KW,
                                      self.out_channels * KH * KW, init, rng, dtype, f))
        self.bias = Parameter(np.zeros(self.out_channels, dtype)) if bias else None

    def forward(self, x):
        check_layer_input(self, x, 4, NCHW, self.weight)
        if x.shape[1] != self.in_channels:
            raise fail("Conv2d", f"x has {x.shape[1]} channel(s) but this layer expects "
                       f"in_channels={self.in_channels}.", shape_line("x", x.shape, NCHW),
                       shape_line("weight", self.weight.shape, FCKK), f"  layer: {self!r}")
        b = None if self.bias is None else self.bias.data
        # The last batch's cache is passed on so that its im2col columns (the biggest
        # array) are refilled rather than allocated again: same result, less time.
        out, self._cache = conv._conv2d_forward(x, self.weight.data, b, self.stride,
                                                self.padding, self.dilation, spare=self._cache)
        return out

    can_skip_dx = True

    def backward(self, dout, need_dx=True):
        """dx (None when need_dx=False: a first layer skips it); adds dw, db to the grads."""
        dx, dw, db = conv.conv2d_backward(dout, self._saved(), need_dx=need_dx)
        accumulate(self.weight, dw)
        if self.bias is not None:
            accumulate(self.bias, db)
        return dx

    def output_shape(self, input_shape):
        H, W = conv_out_hw("Conv2d", input_shape[-2:], self.kernel_size, self.stride,
                           self.padding, self.dilation,
                           details=(shape_line("x", input_shape, NCHW),))
        return (*input_shape[:-3], self.out_channels, H, W)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0, 0):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        return s + (", bias=False" if self.bias is None else "")


class _Pool2d(Module):
    """Shared part of MaxPool2d and AvgPool2d (no parameters; dilation is always (1, 1))."""

    batch_independent = True
    rf_kind = "pool"
    _forward = _backward = None

    def __init__(self, kernel_size, stride=None, padding=0):
        f = type(self).__name__
        self.kernel_size = pair(kernel_size, "kernel_size", f, minimum=1)
        self.stride = self.kernel_size if stride is None else pair(stride, "stride", f, 1)
        self.padding = pair(padding, "padding", f, minimum=0)
        self.dilation = (1, 1)

    def forward(self, x):
        out, self._cache = type(self)._forward(x, self.kernel_size, self.stride, self.padding)
        return out

    def backward(self, dout):
        return type(self)._backward(dout, self._saved())

    def output_shape(self, input_shape):
        H, W = pool_out_hw(type(self).__name__, input_shape[-2:], self.kernel_size,
                           self.stride, self.padding,
                           details=(shape_line("x", input_shape, NCHW),))
        return (*input_shape[:-2], H, W)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxPool2d(_Pool2d):
    """Max pooling like torch.nn.MaxPool2d; stride defaults to kernel_size.

    x (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H + 2P - K) // S + 1.
    Introduced in notebooks/07_full_cnn.ipynb.
    """

    _forward = staticmethod(pool.max_pool2d_forward)
    _backward = staticmethod(pool.max_pool2d_backward)


class AvgPool2d(_Pool2d):
    """Average pooling like torch.nn.AvgPool2d; stride defaults to kernel_size.

    x (N, C, H, W) -> (N, C, H_out, W_out), H_out = (H + 2P - K) // S + 1.
    Not used in the notebooks.
    """

    _forward = staticmethod(pool.avg_pool2d_forward)
    _backward = staticmethod(pool.avg_pool2d_backward)


class _Elementwise(Module):
    """An activation: out has x's shape; forward/backward are one functional pair."""

    batch_independent = True
    rf_kind = "pass"
    _forward = _backward = None

    def forward(self, x):
        out, self._cache = type(self)._forward(x)
        return out

    def backward(self, dout):
        return type(self)._backward(dout, self._saved())


class ReLU(_Elementwise):
    """ReLU: max(0, x), any shape. Introduced in notebooks/04_receptive_field.ipynb."""

    _forward = staticmethod(activations.relu_forward)
    _backward = staticmethod(activations.relu_backward)


class Sigmoid(_Elementwise):
    """Sigmoid: 1 / (1 + exp(-x)), any shape.

    Not used in the notebooks.
    """

    _forward = staticmethod(activations.sigmoid_forward)
    _backward = staticmethod(activations.sigmoid_backward)


class Tanh(_Elementwise):
    """Tanh, any shape. Not used in the notebooks."""

    _forward = staticmethod(activations.tanh_forward)
    _backward = staticmethod(activations.tanh_backward)


class LeakyReLU(_Elementwise):
    """Leaky ReLU: x if x > 0 else negative_slope * x, any shape.

    Not used in the notebooks.
    """

    def __init__(self, negative_slope=0.01):
        self.negative_slope = float(negative_slope)

    def forward(self, x):
        out, self._cache = activations.leaky_relu_forward(x, self.negative_slope)
        return out

    def backward(self, dout):
        return activations.leaky_relu_backward(dout, self._saved())

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}"


class Flatten(Module):
    """Flatten each sample: (N, C, H, W) -> (N, C*H*W), as torch.nn.Flatten().

    Introduced in notebooks/07_full_cnn.ipynb.
    """

    batch_independent = True
    rf_kind = "stop"

    def forward(self, x):
        out, self._cache = linear.flatten_forward(x)
        return out

    def backward(self, dout):
        return linear.flatten_backward(dout, self._saved())

    def output_shape(self, input_shape):
        return (*input_shape[:1], int(np.prod(input_shape[1:])))


class Linear(Module):
    """Fully connected layer like torch.nn.Linear: out = x @ weight.T + bias.

    x (N, in_features) -> out (N, out_features); weight (out_features, in_features),
    bias (out_features,). init: 'kaiming' (default), 'xavier' or 'small'; bias starts at 0.
    Introduced in notebooks/07_full_cnn.ipynb.
    """

    batch_independent = True
    rf_kind = "stop"

    def __init__(self, in_features, out_features, bias=True, init="kaiming", rng=None,
                 dtype=np.float32):
        self.in_features = pair(in_features, "in_features", "Linear", minimum=1)[0]
        self.out_features = pair(out_features, "out_features", "Linear", minimum=1)[0]
        shape = (self.out_features, self.in_features)
        self.weight = Parameter(init_array(shape, self.in_features, self.out_features, init, rng,
                                      dtype, "Linear"))
        self.bias = Parameter(np.zeros(self.out_features, dtype)) if bias else None

    def forward(self, x):
        labels = "(N, in_features)"
        check_layer_input(self, x, 2, labels, self.weight)
        if x.shape[1] != self.in_features:
            raise fail("Linear", f"x has {x.shape[1]} features but this layer expects "
                       f"in_features={self.in_features}.", shape_line("x", x.shape, labels),
                       shape_line("weight", self.weight.shape, "(out_features, in_features)"),
                       f"  layer: {self!r}")
        b = None if self.bias is None else self.bias.data
        out, self._cache = linear.linear_forward(x, self.weight.data, b)
        return out

    def backward(self, dout):
        dx, dw, db = linear.linear_backward(dout, self._saved())
        accumulate(self.weight, dw)
        if self.bias is not None:
            accumulate(self.bias, db)
        return dx

    def output_shape(self, input_shape):
        if len(input_shape) != 2 or input_shape[1] != self.in_features:
            hint = (f"  Put Flatten() before it; then in_features must be C*H*W = "
                    f"{int(np.prod(input_shape[1:]))}." if len(input_shape) != 2 else
                    f"  Make in_features {input_shape[1]}, or change the layers before it.")
            raise fail("Linear", f"an input of shape {tuple(input_shape)} does not fit "
                       f"{self!r}: it needs (N, {self.in_features}).", hint)
        return (input_shape[0], self.out_features)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


def init_weights(model, scheme="kaiming", rng=None):
    """Re-initialise every Conv2d and Linear of ``model``: 'kaiming', 'xavier' or 'small';
    biases to 0.

    Returns the model. Not used in the notebooks.
    """
    layers = model.layers if hasattr(model, "layers") else [model]
    for layer in layers:
        if isinstance(layer, Conv2d | Linear):
            w = layer.weight.data
            fan_in = int(np.prod(w.shape[1:]))
            fan_out = w.shape[0] * int(np.prod(w.shape[2:]))
            layer.weight.data = init_array(w.shape, fan_in, fan_out, scheme, rng, w.dtype,
                                      "init_weights")
            if layer.bias is not None:
                layer.bias.data = np.zeros_like(layer.bias.data)
    return model
