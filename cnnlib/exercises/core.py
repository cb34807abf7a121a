"""Shared machinery of the exercise checkers: run cases, compare, diagnose, print.

A checker builds a list of :class:`Case` (inputs + the answer of cnnlib's reference) and a
list of :class:`Wrong` variants (a typical mistake written as a function, with its hint),
then calls :func:`run_check`. It prints one line on a pass, or the first failing case
(inputs, expected vs got, and the hint of the wrong variant that gives exactly the learner's
answer, else a generic hint). An untouched stub (raises NotImplementedError) prints
"not attempted yet" and never raises, so notebooks still run under nbval.

Whatever the learner's function does, the checker prints a report, never a traceback from
inside cnnlib: an error it raises is shown with the inputs; a function that cannot take the
case's arguments is told how the checker calls it; an answer is read by :mod:`.compare`
(wrong types get one plain sentence, values are checked before the container or dtype,
tuples may come as lists). A wrong variant is named when it gives the learner's values, or,
when only the form is wrong (2.0 for 2), exactly the learner's answer.

The returned :class:`CheckResult` is for tests (``.passed``, ``.status``, ``.hint``,
``.variant``, ``.case``); in a notebook it displays nothing beyond the printed lines.
"""

from __future__ import annotations

import copy
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .compare import Mismatch, compare
from .words import show

__all__ = ["Case", "CheckResult", "Exercise", "Prediction", "Wrong", "compare", "run_check",
           "show"]


@dataclass(frozen=True)
class Exercise:
    """One notebook exercise: statement (markdown), stub and solution (code), checker name.
    Not used in the notebooks."""

    name: str
    title: str
    statement: str
    stub: str
    solution: str

    @property
    def check(self) -> str:
        return f"check_{self.name}"


@dataclass(frozen=True)
class Prediction:
    """A "predict, then move the slider" question shown before an explorer.
    Not used in the notebooks."""

    explorer: str
    question: str
    answer: str


@dataclass(frozen=True)
class Case:
    """One test case: ``inputs`` (name -> value, passed positionally in this order).

    ``run(fn, *args)`` replaces the plain call ``fn(*args)`` (e.g. to call fn three times;
    a ``run`` that feeds fn's answer back in converts it to arrays first and returns the
    last answer as it is, so that every error can be reproduced from the inputs shown);
    ``no_warnings`` fails a function that makes numpy warn (overflow in exp...);
    ``check_dtype`` requires the dtype of an expected array.
    Not used in the notebooks.
    """

    label: str
    inputs: dict
    expected: Any
    run: Callable | None = None
    no_warnings: bool = False
    check_dtype: bool = True
    rtol: float = 1e-6
    atol: float = 1e-9


@dataclass(frozen=True)
class Wrong:
    """A typical mistake: ``fn`` has the learner's signature and gives the wrong answer.
    Not used in the notebooks."""

    key: str
    hint: str
    fn: Callable


@dataclass
class CheckResult:
    """What a checker found. ``case`` is the 1-based number of the first failing case.
    Not used in the notebooks."""

    name: str
    status: str  # "pass" | "fail" | "not attempted"
    n_cases: int = 0
    case: int | None = None
    hint: str | None = None
    variant: str | None = None  # key of the wrong variant recognised, if any
    message: str = field(default="", repr=False)

    @property
    def passed(self) -> bool:
        return self.status == "pass"

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return f"CheckResult({self.name}: {self.status})"

    def _ipython_display_(self):
        """Show nothing: the checker has already printed its message."""


class _Raised:
    """The outcome of a call that raised (kept apart from values); ``params`` (the names of
    the arguments) is set when the function could not even be called with them."""

    def __init__(self, err: BaseException, params: str | None = None):
        self.err, self.params = err, params

    def __str__(self) -> str:
        try:
            return f"{type(self.err).__name__}: {self.err}"
        except Exception:  # noqa: BLE001  (an exception that cannot print itself)
            return type(self.err).__name__


def _bind_error(fn, args) -> TypeError | None:
    """The TypeError of calling fn(*args) because of its parameters alone, if any."""
    try:
        inspect.signature(fn).bind(*args)
    except TypeError as err:
        return err
    except ValueError:  # no signature to read (some builtins): just call it
        pass
    return None


def _call(fn, case: Case):
    """Run fn on fresh copies of the inputs; return (outcome, warning messages)."""
    args = [copy.deepcopy(v) for v in case.inputs.values()]
    if case.run is None and (err := _bind_error(fn, args)) is not None:
        return _Raised(err, ", ".join(case.inputs)), []
    with warnings.catch_warnings(record=True) as caught, np.errstate(
            over="warn", invalid="warn", divide="warn"):
        warnings.simplefilter("always")
        try:
            out = case.run(fn, *args) if case.run else fn(*args)
        except NotImplementedError:
            raise
        except Exception as err:  # noqa: BLE001  (any error of the learner is reported)
            out = _Raised(err)
    msgs = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return out, msgs


def _compare(expected, out, case: Case) -> Mismatch | None:
    """compare(), with a plain sentence instead of a traceback should it ever fail."""
    try:
        return compare(expected, out, case)
    except Exception as err:  # noqa: BLE001  (never a traceback from inside the checker)
        return Mismatch(f"the checker could not read {type(out).__name__} answer ({err})",
                        "type", "return what the exercise asks for (see its first line).")


def _outcome_reason(name: str, out, msgs, case: Case) -> Mismatch | None:
    if isinstance(out, _Raised):
        if out.params is not None:
            call = f"{name}({out.params})"
            return Mismatch(f"your function cannot be called as {call}: {out.err}", "type",
                            f"the checker calls {call}: keep the parameters of the "
                            "exercise's stub, in that order.")
        return Mismatch(f"raised {out}", "raised",
                        "your function raised an error on this case; the inputs are above. "
                        "Run it on them yourself and read the traceback.")
    reason = _compare(case.expected, out, case)
    if case.no_warnings and msgs and (reason is None or reason.kind in ("values", "form")):
        return Mismatch(f"numpy warned: {msgs[0]!r}" + (f"; and {reason}" if reason else ""))
    return reason


def _agrees(case: Case, out, msgs, w_out, w_msgs, exact: bool = False) -> bool:
    """Does the learner's answer have the values of the wrong variant's (form aside, unless
    ``exact``: then the same container and dtype too)?"""
    if isinstance(out, _Raised) or isinstance(w_out, _Raised):
        return False
    if case.no_warnings and set(w_msgs) != set(msgs):
        return False
    strict = Case(case.label, case.inputs, w_out, check_dtype=exact,
                  rtol=case.rtol, atol=case.atol)
    reason = _compare(w_out, out, strict)
    return reason is None or (reason.kind == "form" and not exact)


def _safe_call(fn, case: Case):
    try:
        return _call(fn, case)
    except NotImplementedError as err:
        return _Raised(err), []


def _diagnose(fn, cases: list[Case], k: int, out, msgs, wrongs, form: bool = False):
    """The wrong variant whose answer on failing case k equals the learner's.

    When several do, the one that agrees with the learner on the most cases wins. With
    ``form`` (the learner's values are right, their type is not), only a variant that fails
    case k and gives exactly the learner's answer, type included, counts (e.g. 2.0 for 2:
    the division without the floor).
    """
    if isinstance(out, _Raised):
        return None
    case = cases[k]
    candidates = []
    for w in wrongs:
        w_out, w_msgs = _safe_call(w.fn, case)
        if form and (isinstance(w_out, _Raised) or _compare(case.expected, w_out, case) is None):
            continue
        if _agrees(case, out, msgs, w_out, w_msgs, exact=form):
            candidates.append(w)
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    learner = [_safe_call(fn, c) for c in cases]
    scores = [sum(_agrees(c, *learner[n], *_safe_call(w.fn, c)) for n, c in enumerate(cases))
              for w in candidates]
    return candidates[scores.index(max(scores))]


def run_check(name: str, fn, cases: list[Case], wrongs: list[Wrong], generic_hint: str,
              verbose: bool = True) -> CheckResult:
    """Run ``fn`` on every case; print and return a :class:`CheckResult`.

    The first failing case is reported with its inputs, expected and got, the problem and a
    hint: the plain one of :mod:`.compare` when the answer is of the wrong type or only its
    form is wrong, else the hint of the wrong variant giving the learner's values, else
    ``generic_hint``. Not used in the notebooks.
    """
    def done(result: CheckResult, lines: list[str]) -> CheckResult:
        result.message = "\n".join(lines)
        if verbose:
            print(result.message)
        return result

    if not callable(fn):
        return done(CheckResult(name, "fail", len(cases), hint="pass the function itself"),
                    [f"❌ {name}: expected a function, got {type(fn).__name__}. "
                     f"Call check_{name}({name}) with the function you defined."])
    for k, case in enumerate(cases, start=1):
        try:
            out, msgs = _call(fn, case)
        except NotImplementedError:
            if k == 1:
                return done(CheckResult(name, "not attempted", len(cases)),
                            [f"⏳ {name}: not attempted yet. Replace `raise NotImplementedError`"
                             " with your code, run that cell, then this one."])
            out, msgs = _Raised(NotImplementedError("(still raised for this case)")), []
        reason = _outcome_reason(name, out, msgs, case)
        if reason is None:
            continue
        wrong = None
        if reason.kind in ("values", "form"):
            wrong = _diagnose(fn, cases, k - 1, out, msgs, wrongs, reason.kind == "form")
        hint = wrong.hint if wrong else (reason.hint or generic_hint)
        lines = [f"❌ {name}: case {k} of {len(cases)} fails: {case.label}"]
        for arg, value in case.inputs.items():
            lines.append(f"   {arg} = " + (show(value) if not callable(value)
                                          else getattr(value, "__name__", "a function")))
        lines.append("   expected: " + show(case.expected))
        lines.append("   got:      " + (str(out) if isinstance(out, _Raised) else show(out)))
        lines.append(f"   problem:  {reason}")
        lines.append(f"   hint:     {hint}")
        return done(CheckResult(name, "fail", len(cases), k, hint,
                                wrong.key if wrong else None), lines)
    return done(CheckResult(name, "pass", len(cases)),
                [f"✅ {name}: all {len(cases)} cases pass"])
