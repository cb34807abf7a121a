"""What the exercise tests share: run an exercise text, call a checker, read its report.

Used by test_exercises.py, test_exercise_checkers.py and test_exercises_nbNN.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import cnnlib.exercises as ex


def define(code, name):
    """Exec code (a def) with numpy available and return the function called name."""
    namespace = {"np": np}
    exec(code, namespace)  # noqa: S102  (our own exercise texts)
    return namespace[name]


def check(name, fn):
    """Run check_<name> on fn without printing; returns its CheckResult."""
    return getattr(ex, f"check_{name}")(fn, verbose=False)


def line(result, label):
    """The text of the report line `label:` (problem, hint, got...)."""
    found = re.search(rf"^   {label}:\s+(.*)$", result.message, re.M)
    assert found, result.message
    return found.group(1)


def assert_gets_hint(name, fn, variant, words, capsys):
    """check_<name>(fn) fails, recognises the mistake `variant`, and its printed report has
    expected/got/hint lines and a hint holding each of `words`. Returns the result and output."""
    result = getattr(ex, f"check_{name}")(fn)
    out = capsys.readouterr().out
    assert_recognised(result, variant, words)
    assert "expected:" in out and "got:" in out and "hint:" in out, out
    return result, out


def assert_recognised(result, variant, words):
    """A checker's result is a failure that names the mistake ``variant``, with a hint that
    holds each of ``words``."""
    assert result.status == "fail" and not result.passed, result.message
    assert result.variant == variant, result.message
    for word in words:
        assert word in result.hint, (word, result.hint)


def wrong_answers_get_their_hints(wrong, case_line=False):
    """The test for a notebook's WRONG list [(exercise, learner's function, variant, words)]:
    each wrong answer gets the hint of its mistake (and, with case_line, says which case).
    Use as ``test_wrong_answer_gets_its_hint = wrong_answers_get_their_hints(WRONG)``."""

    @pytest.mark.parametrize(("name", "fn", "variant", "words"), wrong,
                             ids=[f"{w[0]}-{w[2]}" for w in wrong])
    def test(name, fn, variant, words, capsys):
        result, out = assert_gets_hint(name, fn, variant, words, capsys)
        if case_line:
            assert f"case {result.case} of {result.n_cases}" in out, out

    return test


def assert_two_wrong_answers_each(wrong, exercise_names):
    """Every exercise of the notebook has at least two learner-style wrong answers in the
    WRONG list, and the list names no other exercise."""
    names = list(exercise_names)
    counts = {name: sum(w[0] == name for w in wrong) for name in names}
    assert {w[0] for w in wrong} <= set(names), ({w[0] for w in wrong} - set(names))
    assert min(counts.values()) >= 2, counts
