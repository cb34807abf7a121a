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

# Every checker of every notebook's module, importable from here: the notebooks write
# ``from cnnlib.exercises import check_<name>`` (scripts/add_exercises.py generates it).
CHECKERS = {name: fn for module in MODULES.values() for name, fn in sorted(vars(module).items())
            if name.startswith("check_") and fn.__module__ == module.__name__}
globals().update(CHECKERS)

__all__ = ["CHECKERS", "EXERCISES", "MODULES", "PREDICTIONS", "CheckResult", *CHECKERS]
