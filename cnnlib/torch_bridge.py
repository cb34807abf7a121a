"""The PyTorch twin of a cnnlib model: the same layers in torch.nn, with the same weights.

A convenience: ``to_torch(model)`` builds the matching ``torch.nn`` layers and copies every
weight across; ``grads_from_torch(net)`` reads the gradients of the twin back as numpy
arrays, in the order of ``model.parameters()``. Notebook 08 writes the same copying out by
hand first. The layouts already agree, so the weights copy as they are: conv weights
(F, C, KH, KW), linear weights (out_features, in_features), Flatten from dim 1.

PyTorch is optional: it is imported inside the functions, never when cnnlib is imported
(``make torch`` or ``pip install -e ".[torch]"`` adds the CPU build).
Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import fail

__all__ = ["grads_from_torch", "to_torch"]

KNOWN = ("Sequential, Conv2d, Linear, MaxPool2d, AvgPool2d, Flatten, ReLU, LeakyReLU, "
         "Sigmoid, Tanh")


def _torch(func):
    """Import torch, or say in one sentence how to add it."""
    try:
        import torch
    except ImportError:
        raise ImportError(f"{func} needs PyTorch, which is not installed: `make torch` (or "
                          "pip install -e \".[torch]\" --extra-index-url "
                          "https://download.pytorch.org/whl/cpu) adds the CPU build.") from None
    return torch


def _torch_dtype(torch, dtype, model):
    """The torch dtype for ``dtype`` (numpy or torch); None: the dtype of model's weights."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype is None:
        params = model.parameters()
        dtype = params[0].data.dtype if params else np.float32
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise fail("to_torch", f"dtype must be a float type, got {dtype}.")
    return torch.from_numpy(np.zeros(0, dtype)).dtype


def _copy(torch, target, source):
    """target (a torch Parameter) <- source (a cnnlib Parameter), cast to target's dtype."""
    if tuple(target.shape) != source.data.shape:  # only possible for a mis-built layer
        raise fail("to_torch", f"weight shape {source.data.shape} does not fit the torch "
                   f"layer's {tuple(target.shape)}.")
    with torch.no_grad():
        target.copy_(torch.as_tensor(np.asarray(source.data)))


def _twin(torch, layer, dtype, where):
    """The torch.nn module that computes what ``layer`` computes, weights copied."""
    from . import layers as L

    nn = torch.nn
    kind = type(layer)  # exact types: a subclass may compute something else
    if kind is L.Sequential:
        return nn.Sequential(*(_twin(torch, sub, dtype, f"{where}[{k}]")
                               for k, sub in enumerate(layer.layers)))
    if kind is L.Conv2d:
        twin = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                         stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                         bias=layer.bias is not None, dtype=dtype)
    elif kind is L.Linear:
        twin = nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                         dtype=dtype)
    elif kind is L.MaxPool2d:
        return nn.MaxPool2d(layer.kernel_size, stride=layer.stride, padding=layer.padding)
    elif kind is L.AvgPool2d:  # cnnlib divides every window by KH*KW: padded zeros count
        return nn.AvgPool2d(layer.kernel_size, stride=layer.stride, padding=layer.padding,
                            count_include_pad=True)
    elif kind is L.Flatten:
        return nn.Flatten()  # start_dim=1, as cnnlib's Flatten
    elif kind is L.LeakyReLU:
        return nn.LeakyReLU(layer.negative_slope)
    elif kind in (L.ReLU, L.Sigmoid, L.Tanh):
        return getattr(nn, kind.__name__)()
    else:
        raise fail("to_torch", f"no PyTorch twin for {where}: {layer!r}.",
                   f"  to_torch knows {KNOWN}.",
                   "  For another layer, build the torch.nn layer yourself and copy its "
                   "weights with torch.no_grad() as notebook 08 shows.")
    _copy(torch, twin.weight, layer.weight)
    if layer.bias is not None:
        _copy(torch, twin.bias, layer.bias)
    return twin


def to_torch(model, dtype=None):
    """The torch.nn twin of a cnnlib layer or Sequential, with a copy of every weight.

    model: a cnnlib Sequential (-> torch.nn.Sequential, layer for layer) or one layer.
    dtype: numpy or torch float dtype of the twin; None keeps the model's (float32 unless
    ``model.to(np.float64)``). The twin's ``parameters()`` come in the order of
    ``model.parameters()``; AvgPool2d counts padded zeros (count_include_pad=True).
    A convenience: notebook 08 builds the twin and copies the weights by hand first.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    torch = _torch("to_torch")
    return _twin(torch, model, _torch_dtype(torch, dtype, model), "model")


def grads_from_torch(net):
    """The gradients of a torch module's parameters as numpy arrays (None where unset).

    In the order of ``net.parameters()``, which for a twin made by :func:`to_torch` is the
    order of the cnnlib model's ``parameters()``: compare ``p.grad`` one for one.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    _torch("grads_from_torch")
    return [None if p.grad is None else p.grad.detach().cpu().numpy().copy()
            for p in net.parameters()]
