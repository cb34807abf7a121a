"""Checkers for the exercises at the end of notebooks 01-08.

Each ``check_<name>(fn)`` runs the learner's function on several cases (edge cases
included), compares with cnnlib's reference and prints a pass, "not attempted yet" (for an
untouched stub) or the first failing case with a hint aimed at the likely mistake. It
never raises, so notebooks run under nbval; it returns a :class:`CheckResult` (``.passed``,
``.status``, ``.hint``, ``.variant``) that shows nothing more in a notebook.

The same rules for every answer (:mod:`.compare`): an answer of the wrong type (None, a str,
a dict, a generator, a ragged list, an array of bools, complex numbers or strings...) gets one
plain sentence naming what came back and what to return; values are checked before the
container or the dtype; a tuple may be returned as a list (or, for numbers, a 1-D array), a
number as any Python or numpy int or float; an array must be a numpy array ("your function
returned a list: the values are right, but return a numpy array").
``EXERCISES[notebook]`` and ``PREDICTIONS[notebook]`` hold the exercise texts, stubs and
solutions, and the "predict, then move the slider" questions.
"""

from __future__ import annotations

from . import (
    nb01_recap,
    nb02_convolution,
    nb03_padding_stride,
    nb04_receptive_field,
    nb05_pooling,
    nb06_backprop,
    nb07_training,
    nb08_pytorch,
)
from .core import CheckResult
from .nb01_recap import check_softmax_cross_entropy, check_stable_sigmoid
from .nb02_convolution import (
    check_conv2d_multi_channel,
    check_conv2d_single_channel,
    check_conv_output_shape,
)
from .nb03_padding_stride import check_conv2d_strided, check_output_size, check_pad2d
from .nb04_receptive_field import check_input_span, check_receptive_field_size
from .nb05_pooling import check_max_pool2d, check_max_pool2d_grad
from .nb06_backprop import (
    check_central_difference_gradient,
    check_conv_backward_dw,
    check_conv_backward_dx,
)
from .nb07_training import check_build_confusion_matrix, check_sgd_momentum_step
from .nb08_pytorch import check_flat_features, check_to_torch_by_hand, check_train_step

MODULES = {
    "01_neural_network_recap": nb01_recap,
    "02_convolution": nb02_convolution,
    "03_padding_and_stride": nb03_padding_stride,
    "04_receptive_field": nb04_receptive_field,
    "05_pooling": nb05_pooling,
    "06_backpropagation_through_conv": nb06_backprop,
    "07_full_cnn": nb07_training,
    "08_from_cnnlib_to_pytorch": nb08_pytorch,
}
EXERCISES = {name: module.EXERCISES for name, module in MODULES.items()}
PREDICTIONS = {name: module.PREDICTIONS for name, module in MODULES.items()}

__all__ = [
    "EXERCISES", "MODULES", "PREDICTIONS", "CheckResult",
    "check_build_confusion_matrix", "check_central_difference_gradient", "check_flat_features",
    "check_conv2d_multi_channel", "check_conv2d_single_channel", "check_conv2d_strided",
    "check_conv_backward_dw", "check_conv_backward_dx", "check_conv_output_shape",
    "check_input_span", "check_max_pool2d", "check_max_pool2d_grad", "check_output_size",
    "check_pad2d", "check_receptive_field_size", "check_sgd_momentum_step",
    "check_softmax_cross_entropy", "check_stable_sigmoid", "check_to_torch_by_hand",
    "check_train_step",
]
