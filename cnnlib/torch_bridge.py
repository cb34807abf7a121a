"""The PyTorch twin of a cnnlib model: the same layers in torch.nn, with the same weights.

A convenience: ``to_torch(model)`` builds the matching ``torch.nn`` layers and copies every
weight across; ``grads_from_torch(net)`` reads the gradients of the twin back as numpy
arrays, in the order of ``model.parameters()``. Notebook 08 writes the same copying out by
hand first. The layouts already agree, so the weights copy as they are: conv weights
(F, C, KH, KW), linear weights (out_features, in_features), Flatten from dim 1.

PyTorch is optional: it is imported inside the functions, never when cnnlib is imported
(``make torch`` or ``pip install -e ".[torch]"`` adds the CPU build). ``require_torch()``
is notebook 08's first check: without torch it raises :class:`TorchMissing`, which a
notebook shows as one sentence saying how to add it (no traceback), and Run All stops there.
Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
"""

from __future__ import annotations

import sys

import numpy as np

from .checks import fail

__all__ = ["TorchMissing", "grads_from_torch", "require_torch", "to_torch"]

HOW_TO_ADD = ("`make torch` in the course folder (or pip install -e \".[torch]\" "
              "--extra-index-url https://download.pytorch.org/whl/cpu) adds the CPU build")
KNOWN = ("Sequential, Conv2d, Linear, MaxPool2d, AvgPool2d, Flatten, ReLU, LeakyReLU, "
         "Sigmoid, Tanh")


class TorchMissing(ImportError):
    """PyTorch is not installed. In IPython and Jupyter the error shows as its message alone,
    one line instead of a traceback (``_render_traceback_``); a Run All stops at it.
    Not used in the notebooks."""

    def _render_traceback_(self):  # IPython shows these lines in place of the traceback
        return [str(self)]


def _torch(func):
    """Import torch, or say in one sentence how to add it."""
    try:
        import torch
    except ImportError:
        raise TorchMissing(f"{func} needs PyTorch, which is not installed: "
                           f"{HOW_TO_ADD}.") from None
    return torch


def require_torch():
    """Return the torch module; without it, raise :class:`TorchMissing` whose one-sentence
    message says how to add PyTorch (a notebook shows that sentence and nothing else).
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    try:
        import torch
    except ImportError:
        raise TorchMissing(f"This notebook needs PyTorch, which is not installed in this "
                           f"Python ({sys.executable}): {HOW_TO_ADD}; then restart the kernel "
                           "and run the notebook again.") from None
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


def _plain(hw):
    """2 for (2, 2): torch's pooling layers keep (and print) what they are given, as a person
    would write it; a non-square (h, w) stays a pair."""
    return hw[0] if hw[0] == hw[1] else tuple(hw)


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
        return nn.MaxPool2d(_plain(layer.kernel_size), stride=_plain(layer.stride),
                            padding=_plain(layer.padding))
    elif kind is L.AvgPool2d:  # cnnlib divides every window by KH*KW: padded zeros count
        return nn.AvgPool2d(_plain(layer.kernel_size), stride=_plain(layer.stride),
                            padding=_plain(layer.padding), count_include_pad=True)
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
