"""The exercise checkers (cnnlib/exercises) and the exercises in notebooks 01-07.

- every solution, from cnnlib.exercises.EXERCISES and from the notebooks' <details> blocks,
  passes its checker; every untouched stub gives "not attempted" without raising;
- typical wrong answers, written here as a learner would (loops, not the checker's own
  variants), are rejected with the hint of their mistake;
- the facts in the "predict, then move the slider" answers are recomputed with cnnlib.
"""

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest
from exercise_helpers import check, define
from hypothesis import given, settings
from hypothesis import strategies as st
from machinery_checkers import check_output_size, check_pad2d

import cnnlib.exercises as ex
from cnnlib.exercises.core import Case, Wrong, run_check

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ALL = [(nb, e) for nb, items in ex.EXERCISES.items() for e in items]
IDS = [e.name for _, e in ALL]
# notebook 08's checkers need PyTorch: skipped without it, unless CNN_REQUIRE_TORCH=1 (CI)
TORCH_NOTEBOOKS = {"08_from_cnnlib_to_pytorch"}
try:
    import torch  # noqa: F401
    NO_TORCH = False
except ImportError:
    NO_TORCH = os.environ.get("CNN_REQUIRE_TORCH") != "1"
NEEDS_TORCH = pytest.mark.skipif(NO_TORCH, reason="torch not installed: `make torch` adds the "
                                                  "CPU build")


def _marks(nb):
    return [NEEDS_TORCH] if nb in TORCH_NOTEBOOKS else []


PARAMS = [pytest.param(nb, e, id=e.name, marks=_marks(nb)) for nb, e in ALL]
NOTEBOOK_PARAMS = [pytest.param(nb, marks=_marks(nb)) for nb in ex.EXERCISES]
RUNNABLE_IDS = [e.name for nb, e in ALL if not (NO_TORCH and nb in TORCH_NOTEBOOKS)]
SOLUTION = re.compile(r"<details>\s*<summary>\s*Solution\s*</summary>\s*```python\n(.*?)```",
                      re.S)


# ----------------------------------------------------------------- the package's texts
@pytest.mark.parametrize(("nb", "exercise"), PARAMS)
def test_solution_passes(nb, exercise, capsys):
    result = getattr(ex, exercise.check)(define(exercise.solution, exercise.name))
    out = capsys.readouterr().out
    assert result.passed and result.status == "pass", result.message
    assert out.startswith(f"✅ {exercise.name}: all {result.n_cases} cases pass")
    assert result.n_cases >= 4, "several cases, edge cases included"


@pytest.mark.parametrize(("nb", "exercise"), PARAMS)
def test_stub_is_not_attempted(nb, exercise, capsys):
    assert "raise NotImplementedError  # your code here" in exercise.stub
    assert f"def {exercise.name}(" in exercise.stub
    assert f"def {exercise.name}(" in exercise.solution
    result = getattr(ex, exercise.check)(define(exercise.stub, exercise.name))
    assert result.status == "not attempted" and not result
    assert "not attempted yet" in capsys.readouterr().out


def test_two_to_four_exercises_per_notebook():
    assert list(ex.EXERCISES) == [
        "01_neural_network_recap", "02_convolution", "03_padding_and_stride",
        "04_receptive_field", "05_pooling", "06_backpropagation_through_conv", "07_full_cnn",
        "08_from_cnnlib_to_pytorch"]
    for nb, items in ex.EXERCISES.items():
        assert 2 <= len(items) <= 4, nb
    checks = {name for name in ex.__all__ if name.startswith("check_")}
    assert checks == {e.check for _, e in ALL}, "every checker is re-exported and used"


# ----------------------------------------------------------------- the notebooks
def notebook_exercises(name):
    """(solutions {function name: code}, check calls, cells after '## Exercises') or None."""
    path = NOTEBOOKS / f"{name}.ipynb"
    if not path.exists():
        return None
    cells = json.loads(path.read_text())["cells"]
    text = ["".join(c["source"]) for c in cells]
    heads = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
             and text[i].lstrip().startswith("## Exercises")]
    if not heads:
        return None
    after = list(zip(cells[heads[-1] + 1:], text[heads[-1] + 1:], strict=True))
    solutions = {}
    for _, src in after:
        for code in SOLUTION.findall(src):
            fn_name = re.search(r"^def (\w+)\(", code, re.M).group(1)
            solutions[fn_name] = code
    calls = [m.group(1) for c, src in after if c["cell_type"] == "code"
             for m in re.finditer(r"^(check_\w+)\(", src, re.M)]
    return solutions, calls, after, cells, text


@pytest.mark.parametrize("name", NOTEBOOK_PARAMS)
def test_notebook_solutions_pass(name):
    found = notebook_exercises(name)
    if found is None:
        pytest.skip(f"{name}.ipynb missing or without an '## Exercises' heading")
    solutions, calls, after, _, _ = found
    if not any(c["cell_type"] == "code" or "<details>" in src for c, src in after):
        pytest.skip(f"{name}.ipynb has no exercises yet (run /work/helpers/add_exercises.py)")
    assert 2 <= len(solutions) <= 4, f"{name}: {len(solutions)} exercises, expected 2-4"
    assert sorted(calls) == sorted(f"check_{n}" for n in solutions), \
        "one check cell per solution"
    for fn_name, code in solutions.items():
        result = check(fn_name, define(code, fn_name))
        assert result.passed, f"{name}: solution of {fn_name} fails:\n{result.message}"
    stubs = [src for c, src in after if c["cell_type"] == "code" and src.startswith("def ")]
    assert len(stubs) == len(solutions)
    for src in stubs:
        fn_name = re.match(r"def (\w+)\(", src).group(1)
        assert check(fn_name, define(src, fn_name)).status == "not attempted"


@pytest.mark.parametrize("name", list(ex.PREDICTIONS))
def test_notebook_predict_questions(name):
    found = notebook_exercises(name)
    if found is None:
        pytest.skip(f"{name}.ipynb missing or without an '## Exercises' heading")
    _, _, after, cells, text = found
    if not any(c["cell_type"] == "code" for c, _ in after):
        pytest.skip(f"{name}.ipynb has no exercises yet")
    for pred in ex.PREDICTIONS[name]:
        first = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"
                      and f"{pred.explorer}(" in text[i]), None)
        if first is None:
            continue
        before = text[first - 1]
        assert before.startswith("**Predict") and "<details><summary>Answer" in before, \
            f"{name}: no predict question right before {pred.explorer}(...)"
        assert text.count(before) == 1, "inserted once"


# ----------------------------------------------------------------- wrong answers
def test_every_notebook_tests_its_wrong_answers_in_its_own_file():
    """Each notebook's learner-style wrong answers (at least two per checker, each asserting
    its targeted hint) live in tests/test_exercises_nbNN.py."""
    for nb, module in ex.MODULES.items():
        prefix = module.__name__.rsplit(".", 1)[1].split("_")[0]  # "nb02"
        path = Path(__file__).with_name(f"test_exercises_{prefix}.py")
        assert path.exists(), f"{nb}: its wrong answers belong in {path.name}"
        text = path.read_text()
        for name in (e.name for e in ex.EXERCISES[nb]):
            assert text.count(name) >= 2, f"{path.name} never tests {name}'s wrong answers"


# ----------------------------------------------------------------- the machinery
def test_exception_is_reported_not_raised(capsys):
    def broken(x, p):
        return x[p, p, p]

    result = check_pad2d(broken)
    out = capsys.readouterr().out
    assert result.status == "fail" and result.case == 1
    assert "IndexError" in out and "x = " in out


def test_missing_return_and_not_a_function(capsys):
    def forgot(x, p):
        np.pad(x, p)

    assert "return" in check_pad2d(forgot).hint
    assert check_pad2d("pad2d").status == "fail"
    assert "expected a function" in capsys.readouterr().out


def test_late_not_implemented_is_a_failure():
    def partial(W, K, P=0, S=1, D=1):
        if D != 1:
            raise NotImplementedError
        return (W + 2 * P - K) // S + 1

    result = check_output_size(partial)
    assert result.status == "fail" and "NotImplementedError" in result.message


def test_dtype_upcast_is_caught():
    def upcast(x, p):
        out = np.zeros((x.shape[0] + 2 * p, x.shape[1] + 2 * p))
        out[p:p + x.shape[0], p:p + x.shape[1]] = x
        return out

    result = check_pad2d(upcast, verbose=False)
    assert result.status == "fail" and "dtype" in result.hint
    assert "float32" in result.message


def test_unknown_mistake_gets_the_generic_hint():
    result = check_pad2d(lambda x, p: np.pad(x, p) + 1.0, verbose=False)
    assert result.status == "fail" and result.variant is None
    assert "zero array of shape (H + 2p, W + 2p)" in result.hint


def test_learner_mutating_inputs_does_not_spoil_later_cases():
    def pad_and_scribble(x, p):
        out = np.pad(x, p)
        x[...] = 7.0
        return out

    assert check_pad2d(pad_and_scribble, verbose=False).passed


def test_result_is_short_and_truthy():
    result = run_check("demo", lambda a: a, [Case("one", {"a": 1}, 1)], [], "hint", False)
    assert repr(result) == "CheckResult(demo: pass)" and result
    assert result._ipython_display_() is None


def test_diagnosis_prefers_the_variant_that_agrees_most():
    cases = [Case("a", {"a": 2}, 4), Case("b", {"a": 3}, 6)]
    wrongs = [Wrong("plus_two", "plus two", lambda a: a + 2),
              Wrong("square", "square", lambda a: a * a)]
    result = run_check("double", lambda a: a * a, cases, wrongs, "generic", False)
    assert result.case == 2 and result.variant == "square"


# ----------------------------------------------------------------- facts in the answers
def test_fact_shapes():
    from cnnlib.shapes import conv_output_size

    assert conv_output_size(7, 3, stride=2) == 3 and conv_output_size(6, 3, stride=2) == 2







GARBAGE = st.one_of(
    st.none(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=3),
    st.lists(st.integers(0, 3), max_size=4), st.just(float("nan")),
    st.tuples(st.integers(1, 3), st.integers(1, 3)).map(lambda s: np.full(s, np.nan)),
    st.tuples(st.integers(1, 4), st.integers(1, 4)).map(np.zeros),
)


@settings(max_examples=30, deadline=None)
@given(garbage=GARBAGE, which=st.sampled_from(RUNNABLE_IDS))
def test_any_return_value_fails_cleanly(garbage, which):
    """Whatever a learner returns, the checker reports a failure and never raises."""
    result = check(which, lambda *args, **kwargs: garbage)
    assert result.status == "fail" and result.case is not None and result.hint


@pytest.mark.parametrize(("nb", "exercise"), PARAMS)
def test_every_known_mistake_is_recognised(nb, exercise, monkeypatch):
    """Each checker's own wrong variants fail it, each with its own hint (no shadowing)."""
    module = ex.MODULES[nb]
    seen = {}

    def capture(name, fn, cases, wrongs, generic_hint, verbose=True):
        seen["wrongs"] = wrongs
        return run_check(name, fn, cases, wrongs, generic_hint, verbose)

    monkeypatch.setattr(module, "run_check", capture)
    checker = getattr(ex, exercise.check)
    assert checker(define(exercise.solution, exercise.name), verbose=False).passed
    assert len(seen["wrongs"]) >= 3
    for wrong in seen["wrongs"]:
        result = checker(wrong.fn, verbose=False)
        assert result.status == "fail" and result.variant == wrong.key, result.message
