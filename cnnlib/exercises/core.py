"""Shared machinery of the exercise checkers: run cases, compare, diagnose, print.

A checker builds a list of :class:`Case` (inputs + the answer of cnnlib's reference) and a
list of :class:`Wrong` variants (a typical mistake written as a function, with its hint),
then calls :func:`run_check`. It prints one line on a pass, or the first failing case
(inputs, expected vs got, and the hint of the wrong variant that gives exactly the learner's
answer, else a generic hint). An untouched stub (raises NotImplementedError) prints
"not attempted yet" and never raises, so notebooks still run under nbval.

The returned :class:`CheckResult` is for tests (``.passed``, ``.status``, ``.hint``,
``.variant``, ``.case``); in a notebook it displays nothing beyond the printed lines.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["Case", "CheckResult", "Exercise", "Prediction", "Wrong", "run_check", "show"]


@dataclass(frozen=True)
class Exercise:
    """One notebook exercise: statement (markdown), stub and solution (code), checker name.
    Introduced in notebooks/01_neural_network_recap.ipynb."""

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
    Introduced in notebooks/01_neural_network_recap.ipynb."""

    explorer: str
    question: str
    answer: str


@dataclass(frozen=True)
class Case:
    """One test case: ``inputs`` (name -> value, passed positionally in this order).

    ``run(fn, *args)`` replaces the plain call ``fn(*args)`` (e.g. to call fn three times);
    ``no_warnings`` fails a function that makes numpy warn (overflow in exp...);
    ``check_dtype`` requires the dtype of an expected array.
    Introduced in notebooks/01_neural_network_recap.ipynb.
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
    Introduced in notebooks/01_neural_network_recap.ipynb."""

    key: str
    hint: str
    fn: Callable


@dataclass
class CheckResult:
    """What a checker found. ``case`` is the 1-based number of the first failing case.
    Introduced in notebooks/01_neural_network_recap.ipynb."""

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
    """The outcome of a call that raised (kept apart from values)."""

    def __init__(self, err: BaseException):
        self.err = err

    def __str__(self) -> str:
        return f"{type(self.err).__name__}: {self.err}"


def show(value, indent: str = "      ") -> str:
    """A small printable form of an array, number or tuple (for the failure report).
    Introduced in notebooks/01_neural_network_recap.ipynb."""
    if isinstance(value, np.ndarray):
        head = f"shape {value.shape}, {value.dtype}"
        if value.size == 0:
            return head + " (empty)"
        body = np.array2string(value, precision=4, suppress_small=True, max_line_width=88,
                               threshold=80, edgeitems=3)
        return head + "\n" + "\n".join(indent + line for line in body.splitlines())
    if isinstance(value, tuple):
        return "tuple of " + str(len(value)) + ":\n" + "\n".join(
            f"{indent}[{i}] " + show(v, indent + "    ") for i, v in enumerate(value))
    if isinstance(value, float | np.floating):
        text = f"{float(value):.6g}"
        if not any(c in text for c in ".eni"):
            text += ".0"
        return f"{text} ({type(value).__name__})"
    return f"{value!r} ({type(value).__name__})"


def _is_int(v) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def compare(expected, got, case: Case) -> str | None:
    """None when got matches expected, else a one-line reason."""
    if isinstance(expected, tuple):
        if not isinstance(got, tuple | list) or len(got) != len(expected):
            what = type(got).__name__ + (f" of {len(got)}" if isinstance(got, tuple | list)
                                         else "")
            return f"expected a tuple of {len(expected)} values, got a {what}"
        for i, (e, g) in enumerate(zip(expected, got, strict=True)):
            reason = compare(e, g, case)
            if reason:
                return f"item [{i}]: {reason}"
        return None
    if got is None:
        return "your function returned None (is `return` missing?)"
    if _is_int(expected):
        if not _is_int(got):
            return f"expected an int, got {type(got).__name__} {got!r}"
        return None if int(got) == int(expected) else f"expected {expected}, got {got}"
    if isinstance(expected, float | np.floating):
        try:
            g = float(np.asarray(got).reshape(()))
        except (TypeError, ValueError):
            return f"expected one number, got {type(got).__name__}"
        ok = np.isclose(g, float(expected), rtol=case.rtol, atol=case.atol, equal_nan=True)
        return None if ok else f"expected {float(expected):.6g}, got {g:.6g}"
    expected = np.asarray(expected)
    try:
        g = np.asarray(got)
    except (TypeError, ValueError):
        return f"expected an array, got {type(got).__name__}"
    if g.shape != expected.shape:
        return f"shape {g.shape}, expected {expected.shape}"
    if g.dtype.kind not in "fiub":
        return f"expected numbers, got an array of dtype {g.dtype}"
    if expected.dtype.kind == "f" and case.check_dtype and g.dtype != expected.dtype:
        return (f"dtype {g.dtype}, expected {expected.dtype} (keep the input's dtype, e.g. "
                "np.zeros(shape, dtype=x.dtype))")
    if expected.dtype.kind in "iu" and g.dtype.kind not in "iu":
        return f"dtype {g.dtype}, expected integer counts"
    if not np.allclose(g, expected, rtol=case.rtol, atol=case.atol, equal_nan=True):
        bad = ~np.isclose(g, expected, rtol=case.rtol, atol=case.atol, equal_nan=True)
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        at = f"at index {idx}" if idx else ""
        return (f"{int(bad.sum())} of {bad.size} values differ; first {at}: "
                f"expected {expected[idx]:.6g}, got {g[idx]:.6g}")
    return None


def _call(fn, case: Case):
    """Run fn on fresh copies of the inputs; return (outcome, warning messages)."""
    args = [copy.deepcopy(v) for v in case.inputs.values()]
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


def _outcome_reason(expected, out, msgs, case: Case) -> str | None:
    if isinstance(out, _Raised):
        return f"raised {out}"
    if case.no_warnings and msgs:
        reason = compare(expected, out, case)
        return f"numpy warned: {msgs[0]!r}" + (f"; and {reason}" if reason else "")
    return compare(expected, out, case)


def _agrees(case: Case, out, msgs, w_out, w_msgs) -> bool:
    if isinstance(out, _Raised) or isinstance(w_out, _Raised):
        return False
    if case.no_warnings and set(w_msgs) != set(msgs):
        return False
    strict = Case(case.label, case.inputs, w_out, check_dtype=False,
                  rtol=case.rtol, atol=case.atol)
    return compare(w_out, out, strict) is None


def _safe_call(fn, case: Case):
    try:
        return _call(fn, case)
    except NotImplementedError as err:
        return _Raised(err), []


def _diagnose(fn, cases: list[Case], k: int, out, msgs, wrongs) -> Wrong | None:
    """The wrong variant whose answer on failing case k equals the learner's.

    When several do, the one that agrees with the learner on the most cases wins.
    """
    if isinstance(out, _Raised):
        return None
    case = cases[k]
    candidates = [w for w in wrongs if _agrees(case, out, msgs, *_safe_call(w.fn, case))]
    if len(candidates) <= 1:
        return candidates[0] if candidates else None
    learner = [_safe_call(fn, c) for c in cases]
    scores = [sum(_agrees(c, *learner[n], *_safe_call(w.fn, c)) for n, c in enumerate(cases))
              for w in candidates]
    return candidates[scores.index(max(scores))]


def run_check(name: str, fn, cases: list[Case], wrongs: list[Wrong], generic_hint: str,
              verbose: bool = True) -> CheckResult:
    """Run ``fn`` on every case; print and return a :class:`CheckResult`.
    Introduced in notebooks/01_neural_network_recap.ipynb."""
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
        reason = _outcome_reason(case.expected, out, msgs, case)
        if reason is None:
            continue
        wrong = _diagnose(fn, cases, k - 1, out, msgs, wrongs)
        if isinstance(out, _Raised):
            hint = ("your function raised an error on this case; the inputs are above. "
                    "Run it on them yourself and read the traceback.")
        elif reason.startswith("your function returned None"):
            hint = "end the function with `return <the result>`."
        elif reason.startswith("dtype") and "integer" in reason:
            wrong = None
            hint = ("the counts are right but stored as floats: make the array with "
                    "dtype=np.int64.")
        elif reason.startswith("dtype"):
            wrong = None
            hint = ("the values are right but the dtype changed: create arrays with "
                    "dtype=x.dtype (float32 in, float32 out), never a silent upcast.")
        else:
            hint = wrong.hint if wrong else generic_hint
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
