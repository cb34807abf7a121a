"""Notebook 05's exercises and facts: learner-style wrong answers get the hint of their
mistake, the numbers in the "predict" answer are recomputed with cnnlib, and every assert of
the notebook states its fact. (The generic checks of every exercise are in test_exercises.py.)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from exercise_helpers import assert_two_wrong_answers_each, wrong_answers_get_their_hints

import cnnlib.exercises as ex

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_pooling.ipynb"


# ----------------------------------------------------------------- wrong answers
def routed_last_tie(case):
    return {"A": [0, 10, 0, 20], "B": [0, 1, 0, 0, 10, 100, 0], "C": [0, 1, 0, 110, 0],
            "D": [1, 4, 3]}[case]


def routed_overwrite(case):
    # B: the 3 at index 4 wins two windows, but only the last dout is kept
    return {"A": [10, 0, 0, 20], "B": [0, 1, 0, 0, 100, 0, 0], "C": [0, 10, 0, 100, 0],
            "D": [1, 4, 3]}[case]


def routed_average_as_max(case):
    return {"A": [10, 0, 0, 20], "B": [0, 1, 0, 0, 110, 0, 0], "C": [0, 11, 0, 100, 0],
            "D": [2, 0, 6]}[case]


def routed_split_tie(case):
    # A: the tie [3, 3] shares 10 as 5 + 5
    return {"A": [5, 5, 0, 20], "B": [0, 1, 0, 0, 60, 50, 0], "C": [0, 6, 0, 105, 0],
            "D": [1, 4, 3]}[case]


def routed_every_tie_gets_all(case):
    return {"A": [10, 10, 0, 20], "B": [0, 1, 0, 0, 110, 100, 0], "C": [0, 11, 0, 110, 0],
            "D": [1, 4, 3]}[case]


def routed_average_over_k_squared(case):
    # D: a 1-D window of 2 divided by 2^2 = 4
    return {"A": [10, 0, 0, 20], "B": [0, 1, 0, 0, 110, 0, 0], "C": [0, 11, 0, 100, 0],
            "D": [0.5, 2, 1.5]}[case]


def _grad_with_ties(dout, x, kernel_size, stride, pick):
    s = stride or kernel_size
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            win = x[i * s:i * s + kernel_size, j * s:j * s + kernel_size]
            for a, b in pick(np.argwhere(win == win.max())):
                dx[i * s + a, j * s + b] += dout[i, j]
    return dx


def pool_grad_last_tie(dout, x, kernel_size, stride=None):
    return _grad_with_ties(dout, x, kernel_size, stride, lambda hits: hits[-1:])


def pool_grad_every_tie(dout, x, kernel_size, stride=None):
    # CS231n-style mask (window == max) * dout: every tied maximum gets the whole dout
    return _grad_with_ties(dout, x, kernel_size, stride, lambda hits: hits)


def pool_grad_assign(dout, x, kernel_size, stride=None):
    s = stride or kernel_size
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            win = x[i * s:i * s + kernel_size, j * s:j * s + kernel_size]
            a, b = np.unravel_index(win.argmax(), win.shape)
            dx[i * s + a, j * s + b] = dout[i, j]
    return dx


def pool_grad_average(dout, x, kernel_size, stride=None):
    s = stride or kernel_size
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i * s:i * s + kernel_size, j * s:j * s + kernel_size] += (
                dout[i, j] / kernel_size ** 2)
    return dx


def absorbed_phase_off_by_one(width, kernel_size, stride):
    return np.array([c for c in range(width - 1) if c % kernel_size != 0], dtype=int)


def absorbed_same_tile(width, kernel_size, stride):
    return np.array([c for c in range(width - 1) if c // stride == (c + 1) // stride], dtype=int)


def absorbed_never(width, kernel_size, stride):
    return np.array([], dtype=int)


WRONG = [
    ("routed_gradient", routed_last_tie, "last_tie", ["FIRST"]),
    ("routed_gradient", routed_overwrite, "assign", ["SUM"]),
    ("routed_gradient", routed_average_as_max, "avg_as_max", ["AVERAGE"]),
    ("routed_gradient", routed_split_tie, "split_tie", ["one window, one winner", "WHOLE"]),
    ("routed_gradient", routed_every_tie_gets_all, "all_ties", ["twice", "never creates"]),
    ("routed_gradient", routed_average_over_k_squared, "avg_k2", ["dout / K", "K x K"]),
    ("max_pool2d_grad", pool_grad_last_tie, "last_tie", ["FIRST"]),
    ("max_pool2d_grad", pool_grad_every_tie, "all_ties", ["one window, one winner"]),
    ("max_pool2d_grad", pool_grad_assign, "assign", ["ACCUMULATE", "+="]),
    ("max_pool2d_grad", pool_grad_average, "spread", ["average pooling"]),
    ("absorbed_shifts", absorbed_phase_off_by_one, "phase", ["c % K != K - 1"]),
    ("absorbed_shifts", absorbed_same_tile, "tiles", ["several windows"]),
    ("absorbed_shifts", absorbed_never, "never", ["ARE absorbed"]),
]


test_wrong_answer_gets_its_hint = wrong_answers_get_their_hints(WRONG)


def test_route_by_hand_does_not_give_the_answer_away(capsys):
    """Exercise 1 is routed by hand: a failure names the wrong inputs, never the right dx."""
    result = ex.check_routed_gradient(routed_overwrite)
    out = capsys.readouterr().out
    assert result.variant == "assign" and "row B" in out, out
    shown = out.split("expected:")[1].split("got:")[0]
    assert "110" not in shown and "expected 110" not in out, out
    assert "dx is wrong at input 4 (x = 3); right at the other 6 inputs" in out, out
    split = ex.check_routed_gradient(routed_split_tie, verbose=False)
    assert "dx is wrong at inputs 0 (x = 3) and 1 (x = 3); right at the other 2 inputs" \
        in split.message, split.message
    none = ex.check_routed_gradient(lambda case: None, verbose=False)
    assert "returned None" in none.message and "not shown" in none.message


def test_max_pool2d_grad_has_a_case_with_ties_and_overlap():
    from cnnlib.exercises.nb05_pooling import TIES, _ref_backward

    dout = np.arange(1.0, 10.0).reshape(3, 3)
    dx = _ref_backward(dout, TIES, 2, 1)
    # the 2 at (2, 2) is the first maximum of three windows (all 2s, or a 1 beside it)
    assert dx.sum() == dout.sum() and dx[2, 2] == 6 + 8 + 9 and dx[0, 1] == 1 + 2
    result = ex.check_max_pool2d_grad(pool_grad_every_tie, verbose=False)
    assert result.case == 5 and "ties" in result.message, result.message


def test_every_checker_has_two_wrong_answers():
    assert_two_wrong_answers_each(WRONG, (e.name for e in ex.EXERCISES["05_pooling"]))


def test_at_least_half_of_the_exercises_need_reasoning():
    names = [e.name for e in ex.EXERCISES["05_pooling"]]
    reasoning = {"routed_gradient", "absorbed_shifts"}  # route by hand; find
    assert 2 * len(reasoning & set(names)) >= len(names)


def test_routed_answers_may_be_lists_tuples_or_arrays():
    from cnnlib.exercises.nb05_pooling import _ref_route

    assert ex.check_routed_gradient(lambda c: list(_ref_route(c)), verbose=False).passed
    assert ex.check_routed_gradient(lambda c: np.array(_ref_route(c)), verbose=False).passed
    ints = {"A": [10, 0, 0, 20], "B": [0, 1, 0, 0, 110, 0, 0], "C": [0, 11, 0, 100, 0],
            "D": [1, 4, 3]}
    assert ex.check_routed_gradient(ints.__getitem__, verbose=False).passed
    floats = {k: [float(v) for v in row] for k, row in ints.items()}
    assert ex.check_routed_gradient(floats.__getitem__, verbose=False).passed


def test_absorbed_shifts_as_a_list_is_told_to_return_an_array():
    from cnnlib.exercises.nb05_pooling import _ref_absorbed

    result = ex.check_absorbed_shifts(lambda w, k, s: _ref_absorbed(w, k, s).tolist(),
                                      verbose=False)
    assert result.status == "fail" and "numpy array" in result.hint
    mask = ex.check_absorbed_shifts(lambda w, k, s: np.isin(np.arange(w - 1), _ref_absorbed(w, k, s)),
                                    verbose=False)
    assert mask.status == "fail" and mask.message.count("True/False") >= 1, mask.message


def test_absorbed_shifts_by_reasoning_matches_the_rule():
    """With stride = K the shift is absorbed exactly when c is not the last pixel of a window
    (the dropped pixels at the end never change the output)."""
    from cnnlib.exercises.nb05_pooling import _ref_absorbed

    for width in range(2, 12):
        for K in range(1, 5):
            if K > width:
                continue
            expected = np.flatnonzero(np.arange(width - 1) % K != K - 1)
            np.testing.assert_array_equal(_ref_absorbed(width, K, K), expected)


# ----------------------------------------------------------------- facts in the answer
def test_fact_pooling_explorer_answer():
    from cnnlib import pool
    from cnnlib.shapes import pool_output_size
    from cnnlib.widgets.pooling import GRIDS

    text = next(p.answer for p in ex.PREDICTIONS["05_pooling"] if p.explorer == "PoolingExplorer")
    assert pool_output_size(28, 2) == 14 and pool_output_size(32, 2) == 16
    assert "28x28 -> 14x14" in text and "32x32 -> 16x16" in text and "16x16x12" in text
    assert pool_output_size(6, 3, stride=2) == 2
    read = np.zeros(6, bool)
    for i in range(2):
        read[2 * i:2 * i + 3] = True
    assert read[:5].all() and not read[5]
    out, cache = pool.max_pool2d_forward(GRIDS["ties 4x4"][None, None], 2)
    dout = np.zeros_like(out)
    dout[0, 0, 1, 1] = 1
    dx = pool.max_pool2d_backward(dout, cache)[0, 0]
    assert tuple(np.argwhere(dx)[0]) == (2, 2) and "input (2, 2)" in text


# ----------------------------------------------------------------- the notebook's asserts
def code_cells():
    cells = json.loads(NOTEBOOK.read_text())["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            yield "\n".join(line for line in src.splitlines()
                            if not line.lstrip().startswith(("%", "!")))


def test_no_cell_drives_the_explorer():
    for src in code_cells():
        assert "pooling.set(" not in src and "pooling.state" not in src, src[:80]
