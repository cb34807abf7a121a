"""Reports for exercises worked out BY HAND: a failing case names which items of the answer
are wrong (and which are right), and never prints the expected answer itself.

A checker runs :func:`cnnlib.exercises.core.run_check` with ``verbose=False`` as usual, then
passes the result to :func:`hide_answer`, which rewrites the report's "expected" and
"problem" lines and prints it. Answers of the wrong type keep the plain sentence of
:mod:`.compare` (it names the kind of answer wanted, not its values).
Introduced in notebooks/04_receptive_field.ipynb.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import numpy as np

from .core import Case, CheckResult
from .words import is_real

__all__ = ["hide_answer"]

HIDDEN = "   expected: not shown: this one is worked out by hand"


def _wrong_items(fn, case: Case) -> list[int] | None:
    """Positions where fn's answer on ``case`` differs from the expected tuple; None when the
    answer is not a sequence of numbers of the right length (or is right item by item)."""
    expected = case.expected
    try:
        got = fn(*(copy.deepcopy(v) for v in case.inputs.values()))
        if isinstance(got, np.ndarray) and got.ndim == 1:
            got = got.tolist()
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            return None
        if not all(is_real(g) for g in got):
            return None
        wrong = [k for k, (e, g) in enumerate(zip(expected, got, strict=True))
                 if not np.isclose(float(g), float(e), rtol=case.rtol, atol=case.atol)]
    except Exception:  # noqa: BLE001  (the report was made already; never raise here)
        return None
    return wrong or None


def hide_answer(result: CheckResult, fn, cases: list[Case],
                explain: Callable[[Case, list[int]], str], verbose: bool = True) -> CheckResult:
    """Rewrite a failure report of ``run_check`` so that it does not give the answer away.

    The "expected" line says the answer is not shown; when the learner's answer is a sequence
    of numbers of the right length, the "problem" line becomes ``explain(case, wrong)``
    (wrong: the positions of the wrong items). Prints the report if ``verbose``.
    Not used in the notebooks.
    """
    if result.status == "fail" and result.case is not None and callable(fn):
        case = cases[result.case - 1]
        wrong = _wrong_items(fn, case)
        lines, hiding = [], False
        for line in result.message.splitlines():
            if line.startswith("   expected:"):
                line, hiding = HIDDEN, True
            elif hiding and line.startswith("      "):
                continue  # the items of the expected answer, one per line
            else:
                hiding = False
                if line.startswith("   problem:") and wrong is not None:
                    line = "   problem:  " + explain(case, wrong)
            lines.append(line)
        result.message = "\n".join(lines)
    if verbose:
        print(result.message)
    return result
