"""What the exercise tests share: run an exercise text, call a checker, read its report.

Used by test_exercises.py, test_exercise_checkers.py and test_exercises_nbNN.py.
"""

from __future__ import annotations

import re

import numpy as np

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
    assert result.status == "fail" and not result.passed, result.message
    assert result.variant == variant, result.message
    for word in words:
        assert word in result.hint, (word, result.hint)
    assert "expected:" in out and "got:" in out and "hint:" in out, out
    return result, out
