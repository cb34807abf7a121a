"""Notebook 03's exercises against learner-style answers: design (pick P and S), find (the pixels
a layer never reads), count (a network's parameters and multiply-adds), debug (a strided conv).

The generic tests of every checker (solutions pass, stubs "not attempted", wrong types, lists,
bogus functions) are in tests/test_exercises.py and tests/test_exercise_checkers.py.
"""

import re

import numpy as np
import pytest
from exercise_helpers import (
    assert_two_wrong_answers_each,
    check,
    define,
    line,
    wrong_answers_get_their_hints,
)

import cnnlib.exercises as ex
from cnnlib.exercises import nb03_padding_stride as nb03
from cnnlib.shapes import conv_output_size

EXERCISES = {e.name: e for e in ex.EXERCISES["03_padding_and_stride"]}


# ----------------------------------------------------------------- learner-style answers
def pick_same_padding_no_stride(W_in, W_out, K):
    return (K - 1) // 2, 1


def pick_no_padding(W_in, W_out, K):
    S = 1
    while S * W_out < W_in:
        S += 1
    return 0, S


def pick_rounded_down(W_in, W_out, K):
    return (K - 1) // 2, W_in // W_out


def pick_swapped(W_in, W_out, K):
    for S in range(1, W_in + 1):
        for P in range(K):
            if (W_in + 2 * P - K) // S + 1 == W_out:
                return S, P


def pick_solved_for_stride(W_in, W_out, K):
    P = (K - 1) // 2
    return P, (W_in + 2 * P - K) // (W_out - 1)  # the size formula solved for S


def never_read_unpadded_count(H, K, S, P):
    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=int)
    n = (H - K) // S + 1  # forgot the 2P
    for i in range(n):
        for j in range(n):
            counts[i * S:i * S + K, j * S:j * S + K] += 1
    return counts[P:P + H, P:P + H] == 0


def never_read_minus_p(H, K, S, P):
    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=int)
    n = (H + 2 * P - K) // S + 1
    for i in range(n):
        for j in range(n):
            counts[i * S:i * S + K, j * S:j * S + K] += 1
    return counts[P:-P, P:-P] == 0  # empty when P = 0


def never_read_range_short(H, K, S, P):
    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=int)
    for r in range(0, H + 2 * P - K, S):  # stops one window early
        for c in range(0, H + 2 * P - K, S):
            counts[r:r + K, c:c + K] += 1
    return counts[P:P + H, P:P + H] == 0


def never_read_narrow(H, K, S, P):
    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=int)
    n = (H + 2 * P - K) // S + 1
    for i in range(n):
        for j in range(n):
            counts[i * S:i * S + K - 1, j * S:j * S + K - 1] += 1  # thought the end was included
    return counts[P:P + H, P:P + H] == 0


def never_read_no_stride(H, K, S, P):
    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=int)
    n = (H + 2 * P - K) // S + 1
    for i in range(n):
        for j in range(n):
            counts[i:i + K, j:j + K] += 1  # forgot the stride
    return counts[P:P + H, P:P + H] == 0


def never_read_read(H, K, S, P):
    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=int)
    n = (H + 2 * P - K) // S + 1
    for i in range(n):
        for j in range(n):
            counts[i * S:i * S + K, j * S:j * S + K] += 1
    return counts[P:P + H, P:P + H] > 0  # the pixels that ARE read


def never_read_uncropped(H, K, S, P):
    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=int)
    n = (H + 2 * P - K) // S + 1
    for i in range(n):
        for j in range(n):
            counts[i * S:i * S + K, j * S:j * S + K] += 1
    return counts == 0  # the padding is still there


def cost_without_bias(H, C_in, layers):
    params = macs = 0
    for C_out, K, S, P in layers:
        H_out = (H + 2 * P - K) // S + 1
        params += C_out * C_in * K * K
        macs += H_out * H_out * C_out * C_in * K * K
        H, C_in = H_out, C_out
    return params, macs


def cost_input_positions(H, C_in, layers):
    params = macs = 0
    for C_out, K, S, P in layers:
        params += C_out * (C_in * K * K + 1)
        macs += H * H * C_out * C_in * K * K  # the input's positions, not the output's
        H, C_in = (H + 2 * P - K) // S + 1, C_out
    return params, macs


def cost_c_in_fixed(H, C_in, layers):
    params = macs = 0
    for C_out, K, S, P in layers:
        H = (H + 2 * P - K) // S + 1
        params += C_out * (C_in * K * K + 1)
        macs += H * H * C_out * C_in * K * K  # C_in never becomes the last C_out
    return params, macs


def cost_bias_as_mac(H, C_in, layers):
    params = macs = 0
    for C_out, K, S, P in layers:
        H_out = (H + 2 * P - K) // S + 1
        params += C_out * (C_in * K * K + 1)
        macs += H_out * H_out * C_out * (C_in * K * K + 1)  # counted the bias as a multiply-add
        H, C_in = H_out, C_out
    return params, macs


def cost_last_layer_only(H, C_in, layers):
    params = macs = 0
    for C_out, K, S, P in layers:
        H_out = (H + 2 * P - K) // S + 1
        params = C_out * (C_in * K * K + 1)  # = instead of +=
        macs = H_out * H_out * C_out * C_in * K * K
        H, C_in = H_out, C_out
    return params, macs


RAISE_LINE = ("    raise NotImplementedError  # your code here: delete this line, then find the two "
              "bugs below\n")
ONE_SIDE, EVERY_SIDE = "xp[:H, :W] = x", "xp[padding:padding + H, padding:padding + W] = x"
SLICE, SLICE_FIXED = ("xp[i * stride:i + KH, j * stride:j + KW]",
                      "xp[i * stride:i * stride + KH, j * stride:j * stride + KW]")


def buggy_conv(fix_pad=False, fix_slice=False, edit=()):
    """The debug exercise's code with none, one or both of its bugs fixed (and ``edit``, pairs
    (old, new), applied after)."""
    code = EXERCISES["conv2d_strided"].stub.replace(RAISE_LINE, "")
    assert ONE_SIDE in code and SLICE in code, "the two planted bugs"
    if fix_pad:
        code = code.replace(ONE_SIDE, EVERY_SIDE)
    if fix_slice:
        code = code.replace(SLICE, SLICE_FIXED)
    for old, new in edit:
        assert old in code, old
        code = code.replace(old, new)
    return define(code, "conv2d_strided")


WRONG = [
    # (exercise, learner's function, variant the checker must recognise, words of the hint)
    ("pick_padding_stride", pick_same_padding_no_stride, "no_stride", ["stride"]),
    ("pick_padding_stride", pick_no_padding, "no_padding", ["padding"]),
    ("pick_padding_stride", pick_rounded_down, "floor_stride", ["round UP"]),
    ("pick_padding_stride", pick_swapped, "swapped", ["(P, S)"]),
    ("never_read", never_read_no_stride, "no_stride", ["i * S"]),
    ("never_read", never_read_read, "inverted", ["NEVER"]),
    ("never_read", never_read_uncropped, "no_crop", ["cut P rows"]),
    ("network_cost", cost_without_bias, "no_bias", ["bias"]),
    ("network_cost", cost_input_positions, "input_positions", ["H_out x H_out"]),
    ("network_cost", cost_c_in_fixed, "same_c_in", ["C_in is this layer's C_out"]),
    ("pick_padding_stride", pick_solved_for_stride, "solved_for_S", ["LARGEST stride"]),
    ("never_read", never_read_unpadded_count, "unpadded_count", ["the 2P is missing"]),
    ("never_read", never_read_minus_p, "minus_p_crop", ["empty when P = 0", "[P:P + H]"]),
    ("never_read", never_read_range_short, "one_window_short", ["check the 2P and the + 1"]),
    ("never_read", never_read_narrow, "narrow_window", ["i * S + K"]),
    ("network_cost", cost_bias_as_mac, "bias_mac", ["added, not multiplied"]),
    ("network_cost", cost_last_layer_only, "last_layer_only", ["+="]),
    ("conv2d_strided", buggy_conv(), "slice_end", ["END of its slice"]),
    ("conv2d_strided", buggy_conv(fix_pad=True), "slice_end", ["i * stride + KH"]),
    ("conv2d_strided", buggy_conv(fix_slice=True), "one_side", ["EVERY side", EVERY_SIDE]),
    ("conv2d_strided", buggy_conv(fix_pad=True, fix_slice=True, edit=[
        ("(H + 2 * padding - KH)", "(H + padding - KH)"),
        ("(W + 2 * padding - KW)", "(W + padding - KW)")]), "pad_once", ["2P: both sides"]),
    ("conv2d_strided", buggy_conv(fix_pad=True, fix_slice=True, edit=[
        ("(H + 2 * padding - KH)", "(H - KH)"), ("(W + 2 * padding - KW)", "(W - KW)")]),
     "short", ["forgets the padding"]),
    ("conv2d_strided", buggy_conv(fix_pad=True, edit=[(SLICE, "xp[i:i + KH, j:j + KW]")]),
     "window_at_i", ["i * stride"]),
    ("conv2d_strided", buggy_conv(fix_pad=True, edit=[
        (SLICE, "xp[i * stride:i * stride + KH, j:j + KW]")]), "rows_only", ["j * stride"]),
]


test_wrong_answer_gets_its_hint = wrong_answers_get_their_hints(WRONG)


def test_never_read_reports_a_small_case_first():
    """A learner's mistake shows on a grid small enough to read (6x6 .. 10x10), not 34x34."""
    for name, fn, _, _ in WRONG:
        if name == "never_read":
            result = check(name, fn)
            assert "34x34" not in result.message.split("\n")[0], result.message
            assert re.search(r"^   H = (6|8|9|10) ", result.message, re.M), result.message


def test_solved_for_stride_is_told_its_size():
    result = check("pick_padding_stride", pick_solved_for_stride)
    assert line(result, "your layer") == ("P = 0, S = 1 gives floor((7 + 0 - 2) / 1) + 1 = 6 "
                                          "outputs, not 4.")


def test_every_checker_has_two_wrong_answers():
    assert_two_wrong_answers_each(WRONG, EXERCISES)


def test_at_least_half_the_exercises_are_reasoning():
    kinds = [e.title.rsplit("(", 1)[1].rstrip(")") for e in EXERCISES.values()]
    assert kinds == ["design", "find", "count", "debug"]


# ----------------------------------------------------------------- design: several answers pass
def pick_largest_padding(W_in, W_out, K):
    for S in range(1, W_in + 1):
        for P in reversed(range(K)):
            if (W_in + 2 * P - K) // S + 1 == W_out:
                return P, S


def pick_largest_stride(W_in, W_out, K):
    for S in reversed(range(1, W_in + 1)):
        for P in range(K):
            if (W_in + 2 * P - K) // S + 1 == W_out:
                return [P, S]


@pytest.mark.parametrize("fn", [pick_largest_padding, pick_largest_stride,
                                lambda *a: np.array(pick_largest_padding(*a)),
                                lambda *a: tuple(np.int64(v) for v in pick_largest_stride(*a))])
def test_any_design_with_the_size_passes(fn):
    answers = {pick_largest_padding(*a) for a in [(34, 9, 3), (32, 8, 4)]}
    assert answers == {(2, 4), (1, 4)}, "these designs differ from the reference's (1, 4), (0, 4)"
    assert check("pick_padding_stride", fn).passed


def test_a_design_that_only_pads_is_refused():
    result = check("pick_padding_stride", lambda W_in, W_out, K: (7, 3))  # 28 -> 14 with K = 3
    assert result.status == "fail" and result.case == 1
    assert conv_output_size(28, 3, stride=3, padding=7) == 14, "the size alone would be right"
    assert "P = 7 >= K = 3: the first windows would see only zeros" in line(result, "your layer")


def test_a_wrong_design_is_told_its_size():
    result = check("pick_padding_stride", pick_no_padding)
    assert line(result, "your layer") == ("P = 0, S = 2 gives floor((28 + 0 - 3) / 2) + 1 = 13 "
                                          "outputs, not 14.")


def test_a_design_as_floats_is_told_to_return_ints_only():
    result = check("pick_padding_stride", lambda *a: tuple(float(v) for v in
                                                           pick_largest_padding(*a)))
    assert "the value is right, but return an int" in line(result, "problem")
    assert "your layer" not in result.message


def test_negative_or_zero_steps_are_explained():
    result = check("pick_padding_stride", lambda W_in, W_out, K: (1, 0))
    assert "a stride is at least 1" in line(result, "your layer")


# ----------------------------------------------------------------- find, count: the notebook's numbers
def test_never_read_finds_the_seeds_480_pixels():
    never_read = define(EXERCISES["never_read"].solution, "never_read")
    mask = never_read(34, 3, 4, 1)
    assert mask.sum() == 480 and round(100 * mask.mean()) == 42
    assert np.flatnonzero(mask.all(axis=1)).tolist() == [2, 6, 10, 14, 18, 22, 26, 30]
    assert not never_read(34, 3, 3, 1).any() and not never_read(34, 3, 2, 1).any()
    assert never_read(6, 3, 2, 0).sum() == 11  # the floor: row 5 and column 5


def test_network_cost_matches_section_4_and_alexnet():
    cost = define(EXERCISES["network_cost"].solution, "network_cost")
    assert cost(32, 16, [(16, 3, 1, 1)]) == (16 * 16 * 9 + 16, 2_359_296)
    assert cost(16, 32, [(32, 3, 1, 1)]) == (32 * 32 * 9 + 32, 2_359_296)
    assert cost(227, 3, [(96, 11, 4, 0)]) == (34_944, 105_415_200)
    per_layer = [cost(*args) for args in [(28, 1, [(8, 3, 1, 1)]), (28, 8, [(16, 3, 2, 1)]),
                                          (14, 16, [(32, 3, 2, 1)])]]
    assert per_layer == [(80, 56_448), (1_168, 225_792), (4_640, 225_792)]
    assert "80, 1,168, 4,640" in EXERCISES["network_cost"].solution
    assert "56,448, 225,792, 225,792" in EXERCISES["network_cost"].solution


def test_debug_stub_has_two_bugs_the_general_loop_does_not_name():
    stub = EXERCISES["conv2d_strided"].stub
    solution = EXERCISES["conv2d_strided"].solution.splitlines()
    assert "raise NotImplementedError  # your code here" in stub.splitlines()[2]
    body = stub.replace(RAISE_LINE, "").splitlines()
    changed = [s for s in solution if s not in body]
    assert len(changed) == 3, changed  # where x goes, the window's start, and its slice
    assert "(H + 2 * padding - KH) // stride + 1" in stub, "the size formula is right"
    assert check("conv2d_strided", buggy_conv(fix_pad=True, fix_slice=True)).passed
    x, k = np.arange(25.0).reshape(5, 5), np.ones((3, 3))
    ref = nb03._ref(x, k)
    assert np.array_equal(buggy_conv()(x, k, 1, 0), ref), "right for S = 1, P = 0"
    with pytest.raises(ValueError, match="broadcast"):
        buggy_conv()(x, k, 2, 1)  # the slice end: a 3x2 window at (0, 1)
    assert not np.allclose(buggy_conv()(x, k, 1, 1), nb03._ref(x, k, 1, 1)), "wrong with P = 1"


def test_debug_hint_for_a_broadcast_error_is_only_given_for_it():
    def raises_otherwise(x, k, stride=1, padding=0):
        raise ValueError("something else")

    result = check("conv2d_strided", raises_otherwise)
    assert result.variant is None and "END" not in result.message


# ----------------------------------------------------------------- the predict question
def test_fact_shape_explorer_prediction():
    answer = nb03.PREDICTIONS[0].answer
    assert nb03.PREDICTIONS[0].explorer == "ShapeExplorer"
    assert conv_output_size(12, 3, stride=4, padding=1) == 3
    assert conv_output_size(12, 3, stride=3, padding=1) == 4
    never_read = define(EXERCISES["never_read"].solution, "never_read")
    assert never_read(12, 3, 4, 1).sum() == 80 and never_read(12, 3, 3, 1).sum() == 23
    assert np.flatnonzero(never_read(12, 3, 4, 1).all(axis=1)).tolist() == [2, 6, 10, 11]
    for fact in ["= 3 outputs", "rows 2 and 6", "144 - 64 = 80", "4 outputs",
                 "144 - 121 = 23"]:
        assert fact in answer, fact
    from cnnlib.widgets import ShapeExplorer

    e = ShapeExplorer(size=12, kernel_size=3, padding=1, stride=4)
    assert e.state["H_out"] == 3 and e.state["n_never_visited"] == 80
    e.set(stride=3)
    assert e.state["H_out"] == 4 and e.state["n_never_visited"] == 23
