"""Exercises of notebooks/04_receptive_field.ipynb: predict fields by hand, design the
cheapest stack, and find which pixels a unit sees."""

from __future__ import annotations

import math

from ..receptive_field import conv, input_region, pool, receptive_field
from .by_hand import hide_answer
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_fewest_layers", "check_input_span", "check_predicted_field"]


def _specs(layers):
    return [conv(k, stride=s) for k, s in layers]


def _ref_size(layers):
    rows = receptive_field(_specs(layers))
    return int(rows[-1].size[0]) if rows else 1


# ------------------------------------------------------------- 1. predict by hand
# the stacks of exercise 1, in the explorer's notation, and as cnnlib specs
PREDICT_STACKS = {
    "A": ("conv3, conv3 s2, conv3", [conv(3), conv(3, stride=2), conv(3)]),
    "B": ("conv5, conv3, pool2", [conv(5), conv(3), pool(2)]),
    "C": ("conv3 s2, pool2, conv5", [conv(3, stride=2), pool(2), conv(5)]),
    "D": ("conv3 d2, conv3 s2, conv3 d2", [conv(3, dilation=2), conv(3, stride=2),
                                           conv(3, dilation=2)]),
}


def _layers(stack):
    """(K, S, D, kind) of each layer of stack A-D; a pooling's stride is its K."""
    return [(s["kernel_size"], s["stride"] or s["kernel_size"], s.get("dilation", 1), s["kind"])
            for s in PREDICT_STACKS[stack][1]]


def _field(stack, own_stride=False, dilation=True, pools=True, start=1,
           dilation_strides=False, last_stride=True):
    """(size, jump) of stack A-D, with one of the typical mistakes switched on."""
    layers = _layers(stack)
    size, jump = start, 1
    for n, (K, S, D, kind) in enumerate(layers):
        k_eff = D * (K - 1) + 1 if dilation else K
        if dilation_strides:  # the dilation read as a stride: the outputs D pixels apart
            S *= D
        if not last_stride and n == len(layers) - 1:
            S = 1
        if own_stride:
            jump *= S
        if pools or kind != "pool":
            size += (k_eff - 1) * jump
        if not own_stride:
            jump *= S
    return size, jump


def _ref_field(stack):
    last = receptive_field(PREDICT_STACKS[stack][1])[-1]
    return int(last.size[0]), int(last.jump[0])


def _wrong_field_no_jump(stack):
    return (1 + sum(D * (K - 1) for K, _, D, _ in _layers(stack)),
            math.prod(S for _, S, _, _ in _layers(stack)))


def check_predicted_field(fn, verbose=True):
    """Check ``fn(stack)`` -> (size, jump) of one unit of the last layer of stack "A"-"D".

    Prints the result; returns a CheckResult. Introduced in notebooks/04_receptive_field.ipynb.
    """
    cases = [Case(f"stack {name}: {text}", {"stack": name}, _ref_field(name))
             for name, (text, _) in PREDICT_STACKS.items()]
    wrongs = [
        Wrong("no_jump", "each layer adds (K - 1) * jump, where jump is the product of the "
              "strides BEFORE it: after a stride-2 layer, a 3x3 window spans 2 x 2 = 4 more "
              "pixels, not 2.", _wrong_field_no_jump),
        Wrong("own_stride", "a layer's own stride does not widen its own window: it spaces "
              "out the units of its OUTPUT, so only the layers after it see a larger jump. Add "
              "(K - 1) * jump first, then multiply the jump.",
              lambda stack: _field(stack, own_stride=True)),
        Wrong("no_dilation", "a dilated kernel spreads its K taps D pixels apart: its "
              "effective size is K_eff = D (K - 1) + 1 (5 for conv3 d2, 9 for conv3 d4).",
              lambda stack: _field(stack, dilation=False)),
        Wrong("pool_free", "pooling has no weights, but it does have a window: a 2x2 pooling "
              "adds (2 - 1) * jump to the field, like any 2x2 layer, and multiplies the jump "
              "by 2.", lambda stack: _field(stack, pools=False)),
        Wrong("start_zero", "one pixel sees itself: start from size 1 (not 0), then add "
              "(K - 1) * jump per layer.", lambda stack: _field(stack, start=0)),
        Wrong("dilation_as_stride", _DILATION_HINT,
              lambda stack: _field(stack, dilation=False, dilation_strides=True)),
        Wrong("dilation_strides", _DILATION_HINT,
              lambda stack: _field(stack, dilation_strides=True)),
        Wrong("no_last_stride", "the jump is the spacing of the LAST layer's outputs, so it "
              "includes that layer's own stride: in B the final pool2 puts its outputs 2 "
              "pixels apart (jump 1 x 1 x 2 = 2), even though it does not widen its own "
              "window by more than K - 1 = 1.", lambda stack: _field(stack, last_stride=False)),
    ]
    result = run_check("predicted_field", fn, cases, wrongs,
                       "walk through the layers with size = 1, jump = 1: size += (K_eff - 1) * "
                       "jump, then jump *= S. Check a stack in the explorer (type it in the "
                       "layers box) to see where your count goes wrong.", verbose=False)
    return hide_answer(result, fn, cases, _explain_field, verbose)


_DILATION_HINT = ("a dilation is not a stride: dilation D spreads the kernel's taps D pixels "
                  "apart (K_eff = D (K - 1) + 1 = 5 for conv3 d2), but the layer's outputs "
                  "stay 1 px apart, so it does not multiply the jump. Only strides (and "
                  "poolings) do.")


def _explain_field(case, wrong):
    names = ["size", "jump"]
    bad = " and the ".join(names[k] for k in wrong)
    good = [names[k] for k in range(2) if k not in wrong]
    return f"the {bad} {'is' if len(wrong) == 1 else 'are'} wrong" + (
        f"; the {good[0]} is right" if good else "")


# ------------------------------------------------------------- 2. design: fewest layers
def _ref_fewest(target):
    n, size, jump = 0, 1, 1
    while size < target:
        size += 2 * jump
        jump *= 2
        n += 1
    return n, max(0, math.ceil((target - 1) / 2))


def _wrong_fewest_strict(target):  # "more than target" instead of "at least target"
    n, size, jump = 0, 1, 1
    while size <= target:
        size += 2 * jump
        jump *= 2
        n += 1
    return n, (target - 1) // 2 + 1


def _wrong_fewest_log2(target):
    return (math.ceil(math.log2(target)) if target > 1 else 0), _ref_fewest(target)[1]


def _wrong_fewest_floor(target):
    return _ref_fewest(target)[0], (target - 1) // 2


def _wrong_fewest_own_stride(target):
    n, size, jump = 0, 1, 1
    while size < target:
        jump *= 2
        size += 2 * jump
        n += 1
    return n, _ref_fewest(target)[1]


def _wrong_fewest_log2_minus_one(target):
    return max(0, math.ceil(math.log2(target)) - 1), _ref_fewest(target)[1]


def _wrong_fewest_plus_one(target):
    return _ref_fewest(target)[0], target - 1


def check_fewest_layers(fn, verbose=True):
    """Check ``fn(target)`` -> (fewest 3x3 layers with strides 1 or 2 free, fewest with
    stride 1 only) for one unit to see at least ``target`` pixels.

    Prints the result; returns a CheckResult. Introduced in notebooks/04_receptive_field.ipynb.
    """
    data = [(7, "the example: 7 pixels"), (32, "32 pixels"),
            (100, "a 100-pixel object (section 2's example)"), (1, "1 pixel: a pixel sees itself"),
            (3, "3 pixels: one layer"), (8, "8 pixels: one more than 7"),
            (64, "64 pixels: one more than 63")]
    cases = [Case(label, {"target": t}, _ref_fewest(t)) for t, label in data]
    wrongs = [
        Wrong("strict", "'sees at least target pixels' means size >= target: stop as soon "
              "as the field reaches it (3x3 layers with stride 2 see 3, 7, 15, 31, ...; "
              "with stride 1, 3, 5, 7, ...).", _wrong_fewest_strict),
        Wrong("log2", "the field is not a power of 2: with stride 2 everywhere it is "
              "3, 7, 15, 31, 63 = 2^(n+1) - 1 after n layers, so 7 pixels need 2 layers "
              "and 32 pixels need 5.", _wrong_fewest_log2),
        Wrong("floor", "with stride 1 each 3x3 layer adds 2 pixels: n layers see 2n + 1, "
              "so n must be at least (target - 1) / 2 rounded UP (31 pixels is one short "
              "of 32).", _wrong_fewest_floor),
        Wrong("own_stride", "a layer's stride does not widen its own window, only the "
              "windows after it: with stride 2 everywhere, n layers see 3, 7, 15, 31, 63 = "
              "2^(n+1) - 1 pixels (each layer adds 2 x the jump BEFORE it), not 5, 13, 29, 61; "
              "so 32 pixels need 5 layers.", _wrong_fewest_own_stride),
        Wrong("log2_minus_one", "count the sizes layer by layer: with stride 2 everywhere, "
              "n layers see 3, 7, 15, 31, 63 = 2^(n+1) - 1 pixels, so n_free is the smallest n "
              "with 2^(n+1) - 1 >= target. A power of 2 such as 32 is one more than 31: it "
              "needs 5 layers, where ceil(log2(32)) - 1 says 4.", _wrong_fewest_log2_minus_one),
        Wrong("plus_one", "a 3x3 layer adds K - 1 = 2 pixels, not 1: stride-1 stacks see "
              "3, 5, 7, ... = 2n + 1.", _wrong_fewest_plus_one),
    ]
    return run_check("fewest_layers", fn, cases, wrongs,
                     "simulate: size, jump = 1, 1; each 3x3 layer does size += 2 * jump, "
                     "then jump *= stride. With free strides the best is stride 2 on every "
                     "layer (only the layers after a stride profit from it); stride 1 gives "
                     "2n + 1.", verbose)


# ------------------------------------------------------------- 3. position
STACKS = [
    ("three 3x3 layers, stride 1 (3 -> 5 -> 7)", [(3, 1), (3, 1), (3, 1)]),
    ("a stride-2 layer first", [(3, 2), (3, 1)]),
    ("three 2x2 stride-2 layers (pooling-like)", [(2, 2), (2, 2), (2, 2)]),
    ("a mixed stack", [(5, 1), (2, 2), (3, 1), (2, 2), (3, 1)]),
    ("a single 1x1 layer", [(1, 1)]),
    ("strides 2, 2, 1, 1: a 7x7 and a 3x3 with stride 2, then a 1x1 and a 3x3",
     [(7, 2), (3, 2), (1, 1), (3, 1)]),
    ("no layers: a pixel sees itself", []),
]


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


_PREDICT_TEXT = "\n".join(f"- **{name}**: `{text}`" for name, (text, _) in
                          PREDICT_STACKS.items())

EXERCISES = [
    Exercise(
        "predicted_field", "Predict, then check (pen and paper)",
        "Work out BY HAND, without running cnnlib, the receptive field size and the jump of "
        "one unit of the last layer of each stack below (the explorer's notation: `conv3 s2` "
        "is a 3x3 convolution with stride 2, `pool2` a 2x2 pooling with stride 2, `d2` a "
        "dilation of 2; padding does not change the size, so there is none):\n\n"
        f"{_PREDICT_TEXT}\n\n"
        "Write `predicted_field(stack)` that returns your `(size, jump)` for `stack` = "
        "`\"A\"`, `\"B\"`, `\"C\"` or `\"D\"` (a dictionary of your four answers is enough). "
        "Only then run the check. It does not show the right answer; it says whether the "
        "size or the jump is wrong, with a hint. Then type that stack into the explorer's "
        "layers box and read its table row by row.",
        'def predicted_field(stack):\n'
        '    """(size, jump) of one unit of the last layer of stack "A", "B", "C" or "D",\n'
        '    worked out by hand."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def predicted_field(stack):\n'
        '    """(size, jump) of one unit of the last layer of stack "A", "B", "C" or "D",\n'
        '    worked out by hand."""\n'
        '    answers = {\n'
        '        # A: 3, 3 + 2 = 5 (the stride-2 layer\'s own window still adds K - 1 = 2),\n'
        '        #    then its outputs are 2 px apart: 5 + 2 * 2 = 9; jump 1 * 2 * 1 = 2\n'
        '        "A": (9, 2),\n'
        '        # B: 5, 5 + 2 = 7, the pool2 adds K - 1 = 1: 8; its outputs are 2 px apart:\n'
        '        #    jump 1 * 1 * 2 = 2\n'
        '        "B": (8, 2),\n'
        '        # C: 3 (jump 2), the pool2 adds 1 * 2: 5 (jump 4), the conv5 adds 4 * 4: 21\n'
        '        "C": (21, 4),\n'
        '        # D: K_eff = 5, 3, 5: 5, 5 + 2 = 7 (jump 2 after the stride), 7 + 4 * 2 = 15;\n'
        '        #    a dilation does not change the jump: 1 * 2 * 1 = 2\n'
        '        "D": (15, 2),\n'
        '    }\n'
        '    return answers[stack]\n'),
    Exercise(
        "fewest_layers", "The cheapest stack that sees `target` pixels",
        "Only `3 x 3` convolutions, each with stride 1 or stride 2, no pooling. Every layer "
        "costs the same 9 weights per pair of channels, so the cheapest stack is the one with "
        "the fewest layers. Write `fewest_layers(target)` that returns `(n_free, n_stride1)`: "
        "the fewest layers after which one unit sees at least `target` pixels when you may "
        "choose every stride, and the fewest when every stride is 1. For 7 pixels: "
        "`conv3 s2, conv3` sees 3 + 2 x 2 = 7, so `(2, 3)`. Design first: which layers "
        "should get stride 2? Then predict the answer for 32 pixels, and for the "
        "100-pixel object of section 2, before you run the check.",
        'def fewest_layers(target):\n'
        '    """(fewest 3x3 layers, strides 1 or 2 free; fewest with stride 1 only) for one\n'
        '    unit to see at least target pixels."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def fewest_layers(target):\n'
        '    """(fewest 3x3 layers, strides 1 or 2 free; fewest with stride 1 only) for one\n'
        '    unit to see at least target pixels."""\n'
        '    # A stride only helps the layers AFTER it, so the best stack strides every layer\n'
        '    # (the last stride is free: nothing comes after it): 3, 7, 15, 31, 63, ...\n'
        '    n_free, size, jump = 0, 1, 1\n'
        '    while size < target:\n'
        '        size += (3 - 1) * jump\n'
        '        jump *= 2\n'
        '        n_free += 1\n'
        '    n_stride1 = 0                       # stride 1: 3, 5, 7, ... = 2n + 1\n'
        '    while 2 * n_stride1 + 1 < target:\n'
        '        n_stride1 += 1\n'
        '    return n_free, n_stride1\n'),
    Exercise(
        "input_span", "Which pixels does unit i see?",
        "Write `input_span(layers, i)` for a list of `(kernel_size, stride)` pairs (no "
        "padding, no dilation): return `(first, last)`, the first and last input index "
        "(inclusive) seen by unit `i` of the last layer along one axis. For three 3x3 layers, "
        "unit 0 sees `(0, 6)` and unit 2 sees `(2, 8)`.",
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

def _uniform_std(n):
    """Standard deviation (per axis) of a field spread evenly over the square of side
    2n + 1: sqrt(((2n + 1)^2 - 1) / 12) = sqrt(n (n + 1) / 3)."""
    return math.sqrt(n * (n + 1) / 3)


_THREE = [(3, 1)] * 3
_STRIDED = [(3, 2), (3, 1), (3, 1)]

PREDICTIONS = [
    Prediction(
        "LayerStackExplorer",
        "**Predict, then move the sliders.** Three 3x3 convolutions with stride 1: how wide "
        "is the receptive field of one unit of the last layer? And if the FIRST layer has "
        "stride 2 instead? Write both numbers down, then set the layers and check "
        "(type `conv3 s2, conv3, conv3` in the layers box).",
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
        "like a Gaussian: a central pixel reaches the unit through many more paths (for two "
        "3x3 layers, 9 paths against 1 for a corner pixel). Its spread grows like the square "
        "root of the depth, sqrt(2n/3): from 4 to 16 layers it only doubles (1.6 to 3.3 "
        "pixels) while the theoretical side grows 3.7 times (9 to 33 pixels; spread evenly "
        f"over that square, a field would have a standard deviation of {_uniform_std(4):.1f} "
        f"to {_uniform_std(16):.1f} pixels)."),
]
