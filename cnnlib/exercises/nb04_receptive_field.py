"""Exercises of notebooks/04_receptive_field.ipynb: receptive field size and position."""

from __future__ import annotations

import math

from ..receptive_field import conv, input_region, receptive_field
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_input_span", "check_receptive_field_size"]


def _specs(layers):
    return [conv(k, stride=s) for k, s in layers]


def _ref_size(layers):
    rows = receptive_field(_specs(layers))
    return int(rows[-1].size[0]) if rows else 1


STACKS = [
    ("three 3x3 layers, stride 1 (3 -> 5 -> 7)", [(3, 1), (3, 1), (3, 1)]),
    ("a stride-2 layer first", [(3, 2), (3, 1)]),
    ("three 2x2 stride-2 layers (pooling-like)", [(2, 2), (2, 2), (2, 2)]),
    ("a mixed stack", [(5, 1), (2, 2), (3, 1), (2, 2), (3, 1)]),
    ("a single 1x1 layer", [(1, 1)]),
    ("stride 2 everywhere", [(7, 2), (3, 2), (1, 1), (3, 1)]),
    ("no layers: a pixel sees itself", []),
]


# ------------------------------------------------------------- size
def _wrong_no_jump(layers):
    return 1 + sum(k - 1 for k, _ in layers)


def _wrong_own_stride(layers):  # the layer's own stride used too early
    size, jump = 1, 1
    for k, s in layers:
        jump *= s
        size += (k - 1) * jump
    return size


def _wrong_product(layers):
    return math.prod(k for k, _ in layers)


def _wrong_sum(layers):
    return sum(k for k, _ in layers) if layers else 1


def _wrong_start_zero(layers):
    return _ref_size(layers) - 1


def check_receptive_field_size(fn, verbose=True):
    """Check ``fn(layers)``: layers a list of (kernel, stride) -> receptive field size, int.

    Prints the result; returns a CheckResult. Introduced in notebooks/04_receptive_field.ipynb.
    """
    cases = [Case(label, {"layers": layers}, _ref_size(layers)) for label, layers in STACKS]
    wrongs = [
        Wrong("no_jump", "you forgot the jump: after a stride-s layer, neighbouring units are "
              "s input pixels apart, so each later layer adds (K - 1) * jump, with jump the "
              "product of the EARLIER strides.", _wrong_no_jump),
        Wrong("own_stride", "a layer's own stride only affects the layers after it: add "
              "(K - 1) * jump first, then update jump *= stride.", _wrong_own_stride),
        Wrong("sum", "kernel sizes do not simply add up: two 3x3 layers see 5x5, not 6x6 "
              "(each layer adds K - 1, times the jump).", _wrong_sum),
        Wrong("product", "kernel sizes do not multiply: three 3x3 layers see 7x7, not 27x27.",
              _wrong_product),
        Wrong("start_zero", "start from a field of 1 (a unit of the input sees one pixel), "
              "then add (K - 1) * jump per layer.", _wrong_start_zero),
    ]
    return run_check("receptive_field_size", fn, cases, wrongs,
                     "start with size = 1, jump = 1; for each (K, S): size += (K - 1) * jump, "
                     "then jump *= S.", verbose)


# ------------------------------------------------------------- position
def _ref_span(layers, i):
    if not layers:
        return (i, i)
    r = input_region(_specs(layers), i, 0)
    return (int(r.top), int(r.bottom))


def _jump(layers):
    return math.prod(s for _, s in layers)


def _wrong_span_no_jump(layers, i):
    first = i
    return (first, first + _ref_size(layers) - 1)


def _wrong_span_inclusive(layers, i):
    first = i * _jump(layers)
    return (first, first + _ref_size(layers))


def _wrong_span_last_stride(layers, i):
    first = i * (layers[-1][1] if layers else 1)
    return (first, first + _ref_size(layers) - 1)


def _wrong_span_tiles(layers, i):
    size = _ref_size(layers)
    return (i * size, i * size + size - 1)


def check_input_span(fn, verbose=True):
    """Check ``fn(layers, i)`` -> (first, last) input index (inclusive) seen by output unit i.

    Prints the result; returns a CheckResult. Introduced in notebooks/04_receptive_field.ipynb.
    """
    picks = {0: 0, 1: 2, 2: 1, 3: 3, 4: 5, 5: 2, 6: 4}
    cases = []
    for n, (label, layers) in enumerate(STACKS):
        i = picks[n]
        cases.append(Case(f"{label}, unit {i}", {"layers": layers, "i": i},
                          _ref_span(layers, i)))
    cases.insert(0, Case("three 3x3 layers, unit 0", {"layers": STACKS[0][1], "i": 0},
                         _ref_span(STACKS[0][1], 0)))
    wrongs = [
        Wrong("no_jump", "unit i of the last layer starts i * jump pixels in, where jump is "
              "the product of ALL the strides; you used i.", _wrong_span_no_jump),
        Wrong("inclusive", "off by one: the span is inclusive, so last = first + size - 1.",
              _wrong_span_inclusive),
        Wrong("last_stride", "the jump is the product of all strides, not only the last "
              "layer's.", _wrong_span_last_stride),
        Wrong("tiles", "neighbouring units' fields overlap: they start jump pixels apart, not "
              "size pixels apart.", _wrong_span_tiles),
    ]
    return run_check("input_span", fn, cases, wrongs,
                     "with no padding, first = i * (product of strides) and last = first + "
                     "size - 1, size being the receptive field size.", verbose)


EXERCISES = [
    Exercise(
        "receptive_field_size", "How far does one unit see?",
        "Write `receptive_field_size(layers)` where `layers` is a list of `(kernel_size, "
        "stride)` pairs of convolution (or pooling) layers without dilation. Return the width "
        "in input pixels seen by one unit of the last layer. Keep two numbers while walking "
        "through the layers: the field `size` (starts at 1) and the `jump` (the distance in "
        "input pixels between neighbouring units, starts at 1). Three 3x3 stride-1 layers "
        "give 7.",
        'def receptive_field_size(layers):\n'
        '    """layers: list of (kernel_size, stride) -> receptive field width (int)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def receptive_field_size(layers):\n'
        '    """layers: list of (kernel_size, stride) -> receptive field width (int)."""\n'
        '    size, jump = 1, 1\n'
        '    for kernel_size, stride in layers:\n'
        '        size += (kernel_size - 1) * jump   # K - 1 more units, each jump pixels apart\n'
        '        jump *= stride                     # only the layers after this one see it\n'
        '    return size\n'),
    Exercise(
        "input_span", "Which pixels does unit i see?",
        "Write `input_span(layers, i)` for the same `(kernel_size, stride)` list (no "
        "padding): return `(first, last)`, the first and last input index (inclusive) seen by "
        "unit `i` of the last layer along one axis. For three 3x3 layers, unit 0 sees `(0, 6)` "
        "and unit 2 sees `(2, 8)`.",
        'def input_span(layers, i):\n'
        '    """(first, last) input index, inclusive, seen by output unit i."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def input_span(layers, i):\n'
        '    """(first, last) input index, inclusive, seen by output unit i."""\n'
        '    size, jump = 1, 1\n'
        '    for kernel_size, stride in layers:\n'
        '        size += (kernel_size - 1) * jump\n'
        '        jump *= stride\n'
        '    first = i * jump                   # neighbouring units are jump pixels apart\n'
        '    return (first, first + size - 1)\n'),
]

_THREE = [(3, 1)] * 3
_STRIDED = [(3, 2), (3, 1), (3, 1)]

PREDICTIONS = [
    Prediction(
        "LayerStackExplorer",
        "**Predict, then move the sliders.** Three 3x3 convolutions with stride 1: how wide "
        "is the receptive field of one unit of the last layer? And if the FIRST layer has "
        "stride 2 instead? Write both numbers down, then set the layers and check.",
        f"Stride 1 everywhere: 3 -> 5 -> {_ref_size(_THREE)} (each layer adds K - 1 = 2). "
        f"With stride 2 in the first layer the later layers add 2 x 2 each: 3 -> 7 -> "
        f"{_ref_size(_STRIDED)}."),
    Prediction(
        "EffectiveRFExplorer",
        "**Predict, then move the slider.** Inside the theoretical receptive field of a stack "
        "of 3x3 layers, do all input pixels matter equally? And from 4 to 16 layers the "
        "theoretical field grows from 9 to 33 pixels: does the effective spread grow as "
        "fast? Guess, then move the layers slider.",
        "No, and no. The influence is largest in the centre and fades towards the border, "
        "roughly like a Gaussian: a central pixel reaches the unit through many more paths "
        "(for two 3x3 layers, 9 paths against 1 for a corner pixel). Its spread grows like "
        "the square root of the depth, so from 4 to 16 layers it only about doubles while "
        "the theoretical side grows 3.7 times: the effective field is a shrinking share of "
        "the theoretical one."),
]
