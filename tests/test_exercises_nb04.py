"""Notebook 04's exercises and facts: learner-style wrong answers get the hint of their
mistake, the numbers in the "predict" answers are recomputed with cnnlib, and every assert of
the notebook states its fact. (The generic checks of every exercise - solutions pass, stubs
are "not attempted", garbage answers fail cleanly - are in test_exercises.py.)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
from exercise_helpers import assert_two_wrong_answers_each, wrong_answers_get_their_hints

import cnnlib.exercises as ex
from cnnlib.exercises import nb04_receptive_field as nb04

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_receptive_field.ipynb"


# ----------------------------------------------------------------- wrong answers
def predicted_without_jump(stack):
    # each layer adds K - 1 (K_eff - 1 with dilation), whatever the strides before it
    return {"A": (7, 2), "B": (8, 2), "C": (8, 4), "D": (11, 2)}[stack]


def predicted_own_stride(stack):
    # the stride-2 layer's own window counted with jump 2
    return {"A": (11, 2), "B": (9, 2), "C": (25, 4), "D": (17, 2)}[stack]


def predicted_pool_is_free(stack):
    # "pooling has no weights, so it does not grow the field"
    return {"A": (9, 2), "B": (7, 2), "C": (19, 4), "D": (15, 2)}[stack]


def predicted_no_dilation(stack):
    return {"A": (9, 2), "B": (8, 2), "C": (21, 4), "D": (9, 2)}[stack]


def predicted_dilation_is_a_stride(stack):
    # "d2" read as "outputs 2 pixels apart": conv3 d2 -> 3 (jump 2), 3 + 2 * 2 = 7 (jump 4),
    # 7 + 2 * 4 = 15 (jump 8)
    return {"A": (9, 2), "B": (8, 2), "C": (21, 4), "D": (15, 8)}[stack]


def predicted_jump_without_last_stride(stack):
    # B ends with pool2: its outputs are 2 px apart, but the jump stops before it
    return {"A": (9, 2), "B": (8, 1), "C": (21, 4), "D": (15, 2)}[stack]


def fewest_log2_minus_one(target):
    return max(0, math.ceil(math.log2(target)) - 1), target // 2


def fewest_log2(target):
    return (math.ceil(math.log2(target)) if target > 1 else 0), math.ceil((target - 1) / 2)


def fewest_floor(target):
    n, size, jump = 0, 1, 1
    while size < target:
        size, jump, n = size + 2 * jump, jump * 2, n + 1
    return n, (target - 1) // 2


def fewest_strictly_more(target):
    n, size, jump = 0, 1, 1
    while size <= target:
        size += 2 * jump
        jump *= 2
        n += 1
    plain = 0
    while 2 * plain + 1 <= target:
        plain += 1
    return n, plain


def span_no_jump(layers, i):
    size, jump = 1, 1
    for k, s in layers:
        size += (k - 1) * jump
        jump *= s
    return (i, i + size - 1)


def span_exclusive(layers, i):
    size, jump = 1, 1
    for k, s in layers:
        size += (k - 1) * jump
        jump *= s
    return (i * jump, i * jump + size)


WRONG = [
    # (exercise, learner's function, variant the checker must recognise, words of the hint)
    ("predicted_field", predicted_without_jump, "no_jump", ["BEFORE"]),
    ("predicted_field", predicted_own_stride, "own_stride", ["own stride"]),
    ("predicted_field", predicted_pool_is_free, "pool_free", ["(2 - 1) * jump"]),
    ("predicted_field", predicted_no_dilation, "no_dilation", ["D (K - 1) + 1"]),
    ("predicted_field", predicted_dilation_is_a_stride, "dilation_as_stride",
     ["not a stride", "1 px apart"]),
    ("predicted_field", predicted_jump_without_last_stride, "no_last_stride",
     ["own stride", "1 x 1 x 2 = 2"]),
    ("fewest_layers", fewest_log2, "log2", ["2^(n+1) - 1"]),
    ("fewest_layers", fewest_log2_minus_one, "log2_minus_one", ["2^(n+1) - 1", "5 layers"]),
    ("fewest_layers", fewest_floor, "floor", ["rounded UP"]),
    ("fewest_layers", fewest_strictly_more, "strict", ["size >= target"]),
    ("input_span", span_no_jump, "no_jump", ["jump"]),
    ("input_span", span_exclusive, "inclusive", ["size - 1"]),
]


test_wrong_answer_gets_its_hint = wrong_answers_get_their_hints(WRONG)


def test_the_by_hand_check_does_not_give_the_answer_away(capsys):
    """Exercise 1 is worked out by hand: a failure says which of size and jump is wrong,
    never the right numbers."""
    ex.check_predicted_field(predicted_dilation_is_a_stride)
    out = capsys.readouterr().out
    assert "stack D" in out and "expected 2" not in out, out
    shown = out.split("expected:")[1].split("got:")[0]
    assert "15" not in shown and "2" not in shown, out
    assert "expected: not shown" in out and "the jump is wrong; the size is right" in out, out
    both = ex.check_predicted_field(lambda stack: (1, 1), verbose=False)
    assert "the size and the jump are wrong" in both.message and "(9, 2)" not in both.message
    typed = ex.check_predicted_field(lambda stack: "9, 2", verbose=False)
    assert "your function returned a str" in typed.message, typed.message


def test_every_checker_has_two_wrong_answers():
    assert_two_wrong_answers_each(WRONG, (e.name for e in ex.EXERCISES["04_receptive_field"]))


def test_at_least_half_of_the_exercises_need_reasoning():
    names = [e.name for e in ex.EXERCISES["04_receptive_field"]]
    reasoning = {"predicted_field", "fewest_layers"}  # predict by hand; design
    assert 2 * len(reasoning & set(names)) >= len(names)


def test_a_learner_writing_the_recursion_in_code_also_passes():
    """Exercise 1 asks for numbers worked out by hand; code that computes them is right too."""
    def by_code(stack):
        size, jump = 1, 1
        for K, S, D, _ in nb04._layers(stack):
            size += D * (K - 1) * jump
            jump *= S
        return size, jump

    assert ex.check_predicted_field(by_code, verbose=False).passed


def test_fewest_layers_is_really_the_fewest():
    """Brute force over every stride pattern: no shorter stack of 3x3 layers reaches target."""
    from itertools import product

    for target in (2, 7, 8, 31, 32, 63, 64, 100):
        n_free, n_plain = nb04._ref_fewest(target)
        best = None
        for n in range(0, 8):
            for strides in product((1, 2), repeat=n):
                size, jump = 1, 1
                for s in strides:
                    size, jump = size + 2 * jump, jump * s
                if size >= target:
                    best = n
                    break
            if best is not None:
                break
        assert best == n_free, target
        assert 2 * n_plain + 1 >= target > 2 * (n_plain - 1) + 1 or n_plain == 0


# ----------------------------------------------------------------- facts in the answers
def answer(explorer):
    return next(p.answer for p in ex.PREDICTIONS["04_receptive_field"]
                if p.explorer == explorer)


def test_fact_exercise_1_answers_are_the_calculator_s():
    sizes = {k: nb04._ref_field(k) for k in "ABCD"}
    assert sizes == {"A": (9, 2), "B": (8, 2), "C": (21, 4), "D": (15, 2)}
    solution = next(e.solution for e in ex.EXERCISES["04_receptive_field"]
                    if e.name == "predicted_field")
    for k, (size, jump) in sizes.items():
        assert f'"{k}": ({size}, {jump})' in solution
    assert "1 * 2 * 1 = 2" in solution and "1 * 1 * 2 * 1" not in solution


def test_exercise_1_stacks_are_not_computed_in_the_notebook():
    """The four stacks of exercise 1 appear nowhere above the exercises."""
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    first = next(k for k, c in enumerate(cells) if "".join(c["source"]).startswith("## Exercises"))
    before = "".join("".join(c["source"]) for c in cells[:first])
    for text, _ in nb04.PREDICT_STACKS.values():
        assert text not in before, text


def test_fact_layer_stack_answer():
    assert nb04._ref_size([(3, 1)] * 3) == 7 and nb04._ref_size([(3, 2), (3, 1), (3, 1)]) == 11
    assert "-> 11" in answer("LayerStackExplorer")


def test_fact_effective_field_answer():
    from cnnlib import receptive_field as rf
    from cnnlib.effective_rf import erf_spread, path_counts, random_walk_spread
    from cnnlib.widgets.effective_rf import cached_erf

    paths = path_counts([rf.conv(3)] * 2, 5, 0, 0)  # two 3x3 layers
    assert paths[2, 2] == 9 and paths[0, 0] == 1
    assert f"{random_walk_spread(4):.1f} to {random_walk_spread(16):.1f}" in answer(
        "EffectiveRFExplorer")
    s4, s16 = erf_spread(cached_erf(4, "linear")), erf_spread(cached_erf(16, "linear"))
    assert 1.8 < s16 / s4 < 2.2, "the measured spread doubles too"
    assert round(33 / 9, 1) == 3.7 and "3.7 times" in answer("EffectiveRFExplorer")


def test_fact_effective_field_grows_like_a_square_root():
    """The notebook's sentence: spread ~ depth^0.50 for the mean squared gradient; the mean
    absolute gradient fits as depth^0.60 because its variance has an offset of about -1."""
    from cnnlib.effective_rf import effective_receptive_field, erf_spread, power_law_exponent

    depths = [2, 3, 4, 6, 8, 12, 16]
    for measure, window in (("square", (0.47, 0.53)), ("abs", (0.55, 0.65))):
        spread = np.array([erf_spread(effective_receptive_field(
            d, size=41, n_inputs=1, n_inits=16, measure=measure,
            rng=np.random.default_rng(1000 + d))) for d in depths])
        a = power_law_exponent(depths, spread)
        assert window[0] < a < window[1], (measure, a)
    slope, offset = np.polyfit(depths, spread ** 2, 1)
    assert abs(slope - 4 / 3) < 0.1 and -1.4 < offset < -0.7


# ----------------------------------------------------------------- the notebook's asserts
def code_cells():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            yield "\n".join(line for line in src.splitlines()
                            if not line.lstrip().startswith(("%", "!")))


def test_no_cell_drives_an_explorer():
    """Explorer internals are checked in tests/, never by moving the learner's explorer."""
    for src in code_cells():
        for name in ("stack", "erf_explorer"):
            assert f"{name}.set(" not in src and f"{name}.state" not in src, src[:80]
