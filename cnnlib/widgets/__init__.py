"""Interactive explorers: thin ipywidgets wrappers around :mod:`cnnlib.plotting`.

Every explorer is a class whose controls can be driven from plain Python
(``explorer.set(kernel_size=5)``), whose computed arrays are readable
(``explorer.state``), and which shows an ``ipywidgets.Image`` of Agg-rendered PNG bytes,
updated in place. See :class:`cnnlib.widgets.base.Explorer` for the contract.

``from cnnlib.widgets import KernelSandbox`` works for every explorer below; each lives in
a small module named after its concept and is imported only when first used.
"""

from __future__ import annotations

import importlib

# explorer class -> module that defines it (and the notebook that introduces it)
EXPLORERS = {
    "ActivationExplorer": "activation",  # 01_neural_network_recap
    "KernelSandbox": "kernel",  # 02_convolution
    "SlidingWindowStepper": "sliding_window",  # 02_convolution
    "MultiChannelExplorer": "multichannel",  # 02_convolution
    "ShapeExplorer": "shape",  # 03_padding_and_stride
    "LayerStackExplorer": "receptive",  # 04_receptive_field
    "EffectiveRFExplorer": "effective_rf",  # 04_receptive_field
    "PoolingExplorer": "pooling",  # 05_pooling
    "GradCheckLab": "gradlab",  # 06_backpropagation_through_conv
    "DigitInspector": "digits",  # 07_full_cnn
}

__all__ = ["Explorer", *EXPLORERS]


def __getattr__(name: str):
    if name == "Explorer":
        from .base import Explorer

        return Explorer
    if name in EXPLORERS:
        module = importlib.import_module(f".{EXPLORERS[name]}", __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'cnnlib.widgets' has no attribute {name!r}")
