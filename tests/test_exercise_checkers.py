"""The exercise checkers against a careless learner: wrong types, lists, None, huge ints, errors.

Every answer of the wrong type gets one plain sentence naming what came back and what to
return; values are checked before the container or the dtype; tuples may come as lists;
nothing raises from inside cnnlib. The battery at the end runs every registered exercise
(including ones added later) on its solution and on ~20 bogus functions.
"""

import os
import re

import numpy as np
import pytest
from exercise_helpers import check, define, line
from machinery_checkers import check_output_size, check_pad2d

import cnnlib.exercises as ex
from cnnlib.exercises import nb07_training
from cnnlib.exercises.compare import compare
from cnnlib.exercises.core import Case, Wrong, run_check
from cnnlib.exercises.words import describe, show

ALL = [e for items in ex.EXERCISES.values() for e in items]
IDS = [e.name for e in ALL]
# Notebook 08's checkers need PyTorch: skipped without it, unless CNN_REQUIRE_TORCH=1 (CI).
try:
    import torch  # noqa: F401
    NO_TORCH = False
except ImportError:
    NO_TORCH = os.environ.get("CNN_REQUIRE_TORCH") != "1"
TORCH_EXERCISES = {e.name for e in ex.EXERCISES.get("08_from_cnnlib_to_pytorch", [])}
# Answers that are objects, not values (a torch.nn network): a wrong one is told "not a
# torch.nn module" instead of a value type (tests/test_exercises_nb08.py checks it).
OBJECT_ANSWERS = {"to_torch_by_hand"}


def _params(exercises):
    skip = pytest.mark.skipif(NO_TORCH, reason="torch not installed: `make torch` adds the "
                                               "CPU build")
    return [pytest.param(e, id=e.name, marks=[skip] if e.name in TORCH_EXERCISES else [])
            for e in exercises]


PARAMS = _params(ALL)
VALUE_PARAMS = _params([e for e in ALL if e.name not in OBJECT_ANSWERS])


def returning(value):
    def learner(*args, **kwargs):
        return gen() if value is gen else value
    return learner


def wrapped(exercise, transform):
    """The exercise's solution, its answer passed through transform."""
    solution = define(exercise.solution, exercise.name)

    def learner(*args, **kwargs):
        return transform(solution(*args, **kwargs))
    return learner


# ----------------------------------------------------------------- 1. wrong types
def gen():
    return (v for v in range(3))


WRONG_TYPES = [
    # (what the learner returns, the start of the problem, a word of the hint)
    ("abc", "your function returned a str ('abc'); return a numpy array", "not text"),
    ({"a": 1}, "your function returned a dict; return a numpy array", "np.zeros"),
    (gen, "your function returned a generator; return a numpy array", "generator"),
    (None, "your function returned None: is `return` missing?", "return"),
    (3, "your function returned an int (3); return a numpy array", "whole array"),
    (2.5, "your function returned a float (2.5); return a numpy array", "whole array"),
    ([[1.0, 2.0], [3.0]], "your function returned a list whose rows have different lengths",
     "range"),
    (np.ones((4, 5), complex), "your function returned a numpy array of shape (4, 5) of "
     "complex numbers", "real"),
    (np.full((4, 5), "1"), "your function returned a numpy array of shape (4, 5) of strings",
     "numbers"),
    (np.ones((4, 5), bool), "your function returned a numpy array of shape (4, 5) of "
     "True/False values (dtype bool); return a numpy array of shape (4, 5), dtype float64",
     "True/False"),
    (np.array([None, 1.0]), "your function returned a numpy array of shape (2,) of Python "
     "objects", "numbers"),
    (np.array(1.0), "your function returned one number (a 0-d array)", "whole array"),
    (print, "your function returned a function (print)", "call it"),
    ([["1", "2"]], "your function returned a list of strings", "numbers"),
]


@pytest.mark.parametrize(("value", "problem", "hint"), WRONG_TYPES,
                         ids=[type(v).__name__ if not callable(v) else "call" for v, _, _
                              in WRONG_TYPES])
def test_wrong_type_gets_one_plain_sentence(value, problem, hint):
    result = check_pad2d(returning(value), verbose=False)
    assert result.status == "fail" and result.case == 1 and result.variant is None
    assert line(result, "problem").startswith(problem), result.message
    assert hint in result.hint
    assert "shape ()" not in result.message and "Traceback" not in result.message


@pytest.mark.parametrize("exercise", VALUE_PARAMS)
def test_every_checker_names_a_wrong_type(exercise):
    for value in ["abc", {"a": 1}, gen, np.ones((2, 2), complex), np.full((2, 2), "x"),
                  np.ones((2, 2), bool)]:
        result = check(exercise.name, returning(value))
        sample = gen() if value is gen else value
        problem = line(result, "problem")
        if isinstance(value, np.ndarray) and value.dtype == bool and problem.startswith(
                "shape (2, 2), expected ("):
            continue  # the answer is a boolean mask: True/False values are its type
        assert problem.startswith(f"your function returned {describe(sample)}; return "), \
            result.message
        assert result.variant is None and "shape ()" not in problem


# ----------------------------------------------------------------- 2. None
@pytest.mark.parametrize("exercise", PARAMS)
def test_none_asks_whether_return_is_missing(exercise):
    result = check(exercise.name, wrapped(exercise, lambda out: None))
    assert line(result, "problem") == "your function returned None: is `return` missing?"
    assert "return" in result.hint and result.case == 1


def test_none_inside_a_tuple_is_named():
    result = ex.check_sgd_momentum_step(lambda p, grad, v, lr, momentum: (p - lr * grad, None),
                                        verbose=False)
    assert line(result, "problem") == "item [1] of your tuple is None"
    assert "return" in result.hint


# ----------------------------------------------------------------- 3. huge ints
def test_int_above_1e308_is_a_message_not_an_overflow():
    def output_size(W, K, P=0, S=1, D=1):
        return (W + 2 * P - D * (K - 1)) ** 1100

    result = check_output_size(output_size, verbose=False)
    assert result.status == "fail" and result.case == 1
    assert line(result, "problem") == "expected 2, got an int of about 332 digits"
    assert "an int of about 332 digits (int)" in result.message


@pytest.mark.parametrize("exercise", VALUE_PARAMS)
def test_huge_ints_anywhere(exercise):
    for value in [10 ** 400, 10 ** 5000, -(10 ** 400), (10 ** 400, 1)]:
        result = check(exercise.name, returning(value))
        assert result.status == "fail" and "digits" in result.message, result.message


def test_huge_int_where_a_float_is_expected():
    result = ex.check_sigmoid_square_loss(lambda z, y: (10 ** 400, z), verbose=False)
    assert line(result, "problem").startswith("item [0]: expected 0.433367, got an int of about")


# ----------------------------------------------------------------- 4. output fed back
def sgd_lists(p, grad, v, lr, momentum):
    v_new = momentum * v + grad
    return list(p - lr * v_new), list(v_new)


def test_sgd_returning_lists_is_told_plainly_at_the_first_case():
    result = ex.check_sgd_momentum_step(sgd_lists, verbose=False)
    assert result.case == 1 and "raised" not in result.message
    assert line(result, "problem") == ("item [0] of your tuple is a list: the values are "
                                       "right, but return a numpy array")
    assert "np.array(" in result.hint


def test_three_steps_feed_back_arrays_not_the_learners_lists():
    p, v = np.ones(3), np.zeros(3)
    grads = [np.full(3, 0.5)] * 3
    p_new, v_new = nb07_training._three_steps(sgd_lists, p, grads, v, 0.1, 0.9)
    ref = nb07_training._three_steps(lambda *a: tuple(map(np.array, sgd_lists(*a))),
                                     p, grads, v, 0.1, 0.9)
    assert np.allclose(p_new, ref[0]) and np.allclose(v_new, ref[1])
    assert nb07_training._three_steps(lambda *a: None, p, grads, v, 0.1, 0.9) is None


def test_lists_only_from_the_second_step_on():
    calls = []

    def sgd(p, grad, v, lr, momentum):
        calls.append(type(p).__name__)
        v_new = momentum * v + grad
        return list(p - lr * v_new), list(v_new)

    cases = [Case("three steps", {"p": np.ones(2), "grads": [np.ones(2)] * 3,
                                  "v": np.zeros(2), "lr": 0.1, "momentum": 0.5},
                  nb07_training._three_steps(lambda *a: tuple(map(np.array, sgd(*a))),
                                             np.ones(2), [np.ones(2)] * 3, np.zeros(2),
                                             0.1, 0.5),
                  run=nb07_training._three_steps)]
    calls.clear()
    result = run_check("sgd", sgd, cases, [], "generic", False)
    assert set(calls) == {"ndarray"}, "the learner only ever sees arrays"
    assert "raised" not in result.message and "list" in line(result, "problem")


# ----------------------------------------------------------------- 5. lists
def cost_as(kind):
    def layer_cost(layer):
        return kind(ex.nb02_mistakes.layer_cost(layer))
    return layer_cost


@pytest.mark.parametrize("kind", [tuple, list, np.array, lambda t: np.array(t, np.int32)],
                         ids=["tuple", "list", "array", "int32-array"])
def test_a_tuple_answer_may_be_a_list_or_an_array(kind):
    assert ex.check_layer_cost(cost_as(kind), verbose=False).passed
    solution = define(next(e for e in ALL if e.name == "input_span").solution, "input_span")
    assert ex.check_input_span(lambda layers, i: kind(solution(layers, i)), verbose=False).passed


def test_a_tuple_of_floats_for_a_count_is_told_to_be_ints():
    result = ex.check_layer_cost(cost_as(lambda t: tuple(float(v) for v in t)), verbose=False)
    assert line(result, "problem") == ("item [0] of your tuple is a float (100480.0): the value "
                                       "is right, but return an int")


def test_nested_lists_fail_at_the_first_case_and_say_list():
    def conv_matrix(k, H, W):
        KH, KW = k.shape
        H_out, W_out = H - KH + 1, W - KW + 1
        M = [[0.0] * (H * W) for _ in range(H_out * W_out)]
        for i in range(H_out):
            for j in range(W_out):
                for u in range(KH):
                    for v in range(KW):
                        M[i * W_out + j][(i + u) * W + (j + v)] = float(k[u, v])
        return M

    result = ex.check_conv_matrix(conv_matrix, verbose=False)
    assert result.case == 1
    assert line(result, "problem") == ("your function returned a list: the values are right, "
                                       "but return a numpy array")
    assert "np.array(result, dtype=np.float64)" in result.hint


def test_a_list_with_wrong_values_gets_the_mistake_and_says_list():
    def flipped(k, H, W):
        return ex.nb02_mistakes.matrix_flipped(k, H, W).tolist()

    result = ex.check_conv_matrix(flipped, verbose=False)
    assert result.variant == "flipped"
    assert line(result, "problem").endswith("; also, it is a list, not a numpy array")


def to_lists(out):
    if isinstance(out, np.ndarray):
        return out.tolist()
    if isinstance(out, tuple):
        return [to_lists(o) for o in out]
    return out


@pytest.mark.parametrize("exercise", PARAMS)
def test_lists_are_accepted_or_named_the_same_way_everywhere(exercise):
    result = check(exercise.name, wrapped(exercise, to_lists))
    if not result.passed:
        assert result.case == 1, result.message
        assert re.search(r"(returned|is) a list: the values are right, but return a numpy "
                         r"array$",
                         line(result, "problem")), result.message
        assert "np.array(" in result.hint


@pytest.mark.parametrize("exercise", PARAMS)
def test_numbers_as_a_1d_array_are_accepted_for_tuples(exercise):
    def as_array(out):
        if isinstance(out, tuple) and all(isinstance(o, int | float | np.number) for o in out):
            return np.array(out)
        return out

    assert check(exercise.name, wrapped(exercise, as_array)).passed


@pytest.mark.parametrize("exercise", PARAMS)
def test_numbers_may_be_numpy_scalars_or_0d_arrays(exercise):
    def numpy_numbers(out):
        if isinstance(out, tuple):
            return tuple(numpy_numbers(o) for o in out)
        if isinstance(out, int):
            return np.int64(out)
        if isinstance(out, float):
            return np.array(out)
        return out

    assert check(exercise.name, wrapped(exercise, numpy_numbers)).passed


# ----------------------------------------------------------------- 6. values before dtype
def cm_float_transposed(y_true, y_pred, num_classes):
    M = np.zeros((num_classes, num_classes))
    for t, p in zip(y_true, y_pred, strict=True):
        M[p, t] += 1
    return M


def cm_bool(y_true, y_pred, num_classes):
    M = np.zeros((num_classes, num_classes), dtype=bool)
    for t, p in zip(y_true, y_pred, strict=True):
        M[t, p] = True
    return M


def cm_float(y_true, y_pred, num_classes):
    M = np.zeros((num_classes, num_classes))
    for t, p in zip(y_true, y_pred, strict=True):
        M[t, p] += 1
    return M


def test_float_transposed_counts_get_the_transposed_hint():
    result = ex.check_build_confusion_matrix(cm_float_transposed, verbose=False)
    assert result.variant == "transposed" and "rows are the TRUE" in result.hint
    assert "right" not in result.message
    assert line(result, "problem").endswith("; also, the counts are stored as float64, "
                                            "not integers")


def test_a_bool_matrix_is_named_not_called_right():
    result = ex.check_build_confusion_matrix(cm_bool, verbose=False)
    assert line(result, "problem").startswith(
        "your function returned a numpy array of shape (3, 3) of True/False values")
    assert "right" not in result.message and "+= 1" in result.hint


def test_float_counts_with_the_right_values_are_told_so():
    result = ex.check_build_confusion_matrix(cm_float, verbose=False)
    assert "counts are right but stored as floats" in result.hint
    assert "(the values are right)" in line(result, "problem")


def wrong_and_retyped(out):
    """Wrong values AND the wrong container or dtype."""
    if isinstance(out, tuple):
        return tuple(wrong_and_retyped(o) for o in out)
    if isinstance(out, np.ndarray):
        other = {"f": np.float32 if out.dtype == np.float64 else np.float64}.get(
            out.dtype.kind, np.float64)
        return (out + 1).astype(other)
    return out + 1.5


def right_but_retyped(out):
    if isinstance(out, tuple):
        return tuple(right_but_retyped(o) for o in out)
    if isinstance(out, np.ndarray):  # exact values in another dtype
        return out.astype(np.float64 if out.dtype != np.float64 else np.longdouble)
    return float(out)


@pytest.mark.parametrize("exercise", VALUE_PARAMS)
def test_values_are_checked_before_the_form(exercise):
    wrong = check(exercise.name, wrapped(exercise, wrong_and_retyped))
    assert wrong.status == "fail" and "right" not in wrong.message, wrong.message
    right = check(exercise.name, wrapped(exercise, right_but_retyped))
    if not right.passed:
        assert "right" in line(right, "problem") or "right" in right.hint, right.message


def test_dtype_change_with_wrong_values_is_a_values_problem():
    result = check_pad2d(lambda x, p: np.pad(x, p).astype(np.float64) + 1, verbose=False)
    assert "values differ" in line(result, "problem") and "right" not in result.message


# ----------------------------------------------------------------- 7. errors (regressions)
def test_an_error_is_reported_with_its_inputs():
    result = check_pad2d(lambda x, p: 1 / 0, verbose=False)
    assert result.case == 1 and line(result, "problem") == "raised ZeroDivisionError: " \
        "division by zero"
    assert "Run it on them yourself" in result.hint and "x = shape (2, 3)" in result.message


@pytest.mark.parametrize("fn", [lambda x: x, lambda: 0, lambda x, p, mode: x],
                         ids=["one-arg", "no-arg", "extra-arg"])
def test_a_wrong_signature_says_how_it_is_called(fn):
    result = check_pad2d(fn, verbose=False)
    assert result.case == 1
    assert line(result, "problem").startswith("your function cannot be called as "
                                              "pad2d(x, p): ")
    assert "the checker calls pad2d(x, p): keep the parameters" in result.hint


@pytest.mark.parametrize("thing", [None, "pad2d", 3, np.zeros(2)])
def test_not_a_function(thing, capsys):
    result = check_pad2d(thing)
    assert result.status == "fail" and result.hint == "pass the function itself"
    assert f"expected a function, got {type(thing).__name__}" in capsys.readouterr().out


def test_a_stub_is_still_not_attempted():
    def pad2d(x, p):
        raise NotImplementedError  # your code here

    assert check_pad2d(pad2d, verbose=False).status == "not attempted"


def test_an_exception_that_cannot_print_itself():
    class Weird(Exception):
        def __str__(self):
            raise RuntimeError("no")

    def pad2d(x, p):
        raise Weird

    result = check_pad2d(pad2d, verbose=False)
    assert result.status == "fail" and "Weird" in result.message


def test_an_answer_that_cannot_print_itself():
    class Weird:
        def __repr__(self):
            raise RuntimeError("no")

    result = check_pad2d(returning(Weird()), verbose=False)
    assert line(result, "problem").startswith("your function returned a Weird; return")
    assert "cannot be printed" in result.message


# ----------------------------------------------------------------- the words themselves
def test_describe_and_show_never_raise():
    for value in [None, True, 10 ** 5000, 1.5, 1j, "x" * 500, b"x", [1] * 1000, (1, [2]),
                  {1}, gen(), np.array([None]), np.zeros(0), np.array(2)]:
        assert describe(value) and show(value)
    assert show(10 ** 5000) == "an int of about 5,001 digits (int)"
    assert len(show("x" * 500)) < 220


def test_compare_is_backward_compatible():
    case = Case("c", {}, None)
    assert compare(np.ones(2), np.ones(2), case) is None
    reason = compare(np.ones(2), np.zeros(2), case)
    assert isinstance(reason, str) and reason.startswith("2 of 2 values differ")
    assert reason.kind == "values"


def test_a_form_mistake_of_a_known_variant_is_named():
    """2.0 for 2 is the division without the floor: named, not only "return an int"."""
    result = check_output_size(lambda W, K, P=0, S=1, D=1: (W + 2 * P - D * (K - 1) - 1)
                                  / S + 1, verbose=False)
    assert result.case == 1 and result.variant == "no_floor"
    assert "the value is right, but return an int" in line(result, "problem")


def test_a_form_mistake_is_not_blamed_on_a_variant_that_passes_the_case():
    cases = [Case("one", {"a": 2}, 4)]
    wrongs = [Wrong("same", "never shown", lambda a: 4.0 if a == 2 else 0)]
    result = run_check("double", lambda a: 4.0, cases, wrongs, "generic", False)
    assert result.variant == "same"  # the variant gives 4.0 too and fails the case: named
    wrongs = [Wrong("right", "never shown", lambda a: 4)]
    result = run_check("double", lambda a: 4.0, cases, wrongs, "generic", False)
    assert result.variant is None and "//" in result.hint


# ----------------------------------------------------------------- the battery
class Unprintable:
    def __repr__(self):
        raise RuntimeError("no repr")


def _first_array(args):
    return next((a for a in args if isinstance(a, np.ndarray)), np.zeros((2, 2)))


def _scribble(*args, **kwargs):
    for a in args:
        if isinstance(a, np.ndarray):
            a[...] = 0
    return _first_array(args)


def _late_stub():
    calls = []

    def fn(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise NotImplementedError
        return 0
    return fn


BOGUS = {
    "none": lambda *a, **k: None,
    "str": lambda *a, **k: "42",
    "dict": lambda *a, **k: {"answer": 42},
    "set": lambda *a, **k: {1, 2},
    "generator": lambda *a, **k: (x for x in a),
    "zero": lambda *a, **k: 0,
    "bool": lambda *a, **k: True,
    "huge_int": lambda *a, **k: 10 ** 400,
    "nan": lambda *a, **k: float("nan"),
    "inf_array": lambda *a, **k: np.full((2, 2), np.inf),
    "ragged": lambda *a, **k: [[1.0, 2.0], [3.0]],
    "complex": lambda *a, **k: _first_array(a) * 1j,
    "strings": lambda *a, **k: _first_array(a).astype(str),
    "bool_matrix": lambda *a, **k: np.ones((3, 3), dtype=bool),
    "identity": lambda *a, **k: a[0] if a else None,
    "last_arg": lambda *a, **k: a[-1] if a else None,
    "zeros_like": lambda *a, **k: np.zeros_like(_first_array(a)),
    "empty_list": lambda *a, **k: [],
    "tuple_of_none": lambda *a, **k: (None, None),
    "unprintable": lambda *a, **k: Unprintable(),
    "raises": lambda *a, **k: [][1],
    "scribbles": _scribble,
    "no_args": lambda: 0,
    "not_a_function": 42,
}


@pytest.mark.parametrize("exercise", PARAMS)
def test_the_reference_solution_passes(exercise):
    assert check(exercise.name, define(exercise.solution, exercise.name)).passed


@pytest.mark.parametrize("bogus", list(BOGUS) + ["late_stub"])
@pytest.mark.parametrize("exercise", PARAMS)
def test_no_bogus_function_passes_or_crashes_the_checker(exercise, bogus):
    fn = _late_stub() if bogus == "late_stub" else BOGUS[bogus]
    result = check(exercise.name, fn)
    assert result.status == "fail" and not result.passed, result.message
    assert result.hint and result.message.startswith(f"❌ {exercise.name}:")
    assert "Traceback" not in result.message
    if callable(fn) and bogus not in ("no_args",):
        assert result.case is not None
        assert "problem:" in result.message and "got:" in result.message
    if bogus in ("none", "str", "dict", "set", "generator", "bool_matrix", "unprintable") and (
            exercise.name not in OBJECT_ANSWERS or bogus == "none"):
        if bogus == "bool_matrix" and line(result, "problem").startswith("shape (3, 3), "
                                                                         "expected ("):
            return  # the answer is a boolean mask: True/False values are its type
        assert line(result, "problem").startswith("your function returned"), result.message
        assert "shape ()" not in result.message


# ----------------------------------------------------------------- answers to come
def test_a_boolean_mask_answer_is_read_the_same_way():
    """E.g. a "which pixels are never read?" exercise: the mask is compared value by value."""
    mask = np.array([[True, False], [False, True]])
    cases = [Case("mask", {"a": 1}, mask)]
    wrongs = [Wrong("inverted", "inverted", lambda a: ~mask)]

    def run(answer):
        return run_check("mask", lambda a: answer, cases, wrongs, "generic", False)

    assert run(mask.copy()).passed
    assert run(~mask).variant == "inverted"
    assert "(the values are right)" in line(run(mask.astype(int)), "problem")
    assert line(run(mask.tolist()), "problem") == ("your function returned a list: the values "
                                                   "are right, but return a numpy array")
    assert "np.array(result, dtype=np.bool)" in run(mask.tolist()).hint


def test_a_nearly_whole_float_is_printed_in_full():
    result = run_check("n", lambda a: 2.0000000001, [Case("c", {"a": 1}, 2)], [], "g", False)
    assert line(result, "problem") == "expected 2, got 2.0000000001"
