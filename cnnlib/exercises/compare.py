"""How the exercise checkers read a learner's answer: compare it with the expected one, say why not.

:func:`compare` returns None when the answer is right, else a :class:`Mismatch`: the one-line
reason (a str) with a ``kind`` that decides what the checker says next.

- ``"none"``: the function returned None (``return`` missing?);
- ``"type"``: not something that can hold the answer (a str, a dict, a generator, a ragged list,
  an array of bools, complex numbers or strings, one number where an array is expected...): one
  plain sentence naming what came back and what to return, never a shape or a dtype;
- ``"values"``: the right kind of answer with the wrong shape or values: the checker then looks
  for the typical mistake that gives exactly this answer;
- ``"form"``: the values are right, only the container or dtype is not (a list, float counts,
  float64 out for float32 in, a float where an int is expected). Values are always checked
  first, so a learner is never told "the values are right" about wrong values.

What a reasonable learner returns is read as meant: a tuple answer may be a list (or, when every
item is a number, a 1-D numpy array); a number may be a Python or numpy int or float, or an array
of shape (). An array answer must be a numpy array: a list gets "return a numpy array".
Introduced in notebooks/01_neural_network_recap.ipynb.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from .words import describe, elements, is_int, is_real, number, wanted

__all__ = ["Mismatch", "compare"]

TOP = "your function returned"


class Mismatch(str):
    """The reason an answer is wrong (a str), with its ``kind`` and, unless the kind is
    "values", the ``hint`` to print. Not used in the notebooks."""

    kind: str
    hint: str | None

    def __new__(cls, text: str, kind: str = "values", hint: str | None = None):
        self = super().__new__(cls, text)
        self.kind, self.hint = kind, hint
        return self


def _type_hint(got, expected) -> str:
    """What to do about an answer of the wrong type (``kind == "type"``)."""
    want = wanted(expected)
    array, tup = want.startswith("a numpy"), want.startswith("a tuple")
    if isinstance(got, str):
        return "return the result itself, not text: no quotes, str(...) or f-string around it."
    if inspect.isgenerator(got):
        return ("a generator is not computed until something reads it: build the result "
                "(e.g. np.array([...]) or a filled np.zeros(...)) and return that.")
    if callable(got):
        return "you returned a function: call it and return its result."
    if isinstance(got, np.ndarray) and got.dtype.kind in "bcUSO":
        counts = not array or np.asarray(expected).dtype.kind in "iu"
        return {"b": "True/False are not numbers here: make the result with np.zeros(shape, "
                     + ("dtype=np.int64) and count in it (+= 1)." if counts else
                        "dtype=x.dtype) and store numbers in it."),
                "c": "the answer is real: find where complex numbers come in (1j, complex(...), "
                     "np.emath, a negative number ** 0.5)."}.get(
            got.dtype.kind, "store numbers in a numeric array (np.zeros(shape)), not text or "
                            "Python objects.")
    if array and (is_real(got) or isinstance(got, np.ndarray) and got.ndim == 0):
        return "return the whole array, not one number from it."
    if not (array or tup) and isinstance(got, np.ndarray | list | tuple):
        return "return one number, e.g. `return int(size)` or `float(total)`, not a sequence."
    if array:
        return "make the result with np.zeros(shape, dtype=...), fill it, and return it."
    if tup:
        return f"return the {len(expected)} values separated by commas: `return a, b`."
    return "return the number itself, e.g. `return size`."


def _none(subject: str) -> Mismatch:
    if subject == TOP:
        return Mismatch(f"{TOP} None: is `return` missing?", "none",
                        "end the function with `return <the result>`.")
    return Mismatch(f"{subject} None", "none", "compute every item: a helper function without "
                    "`return` gives None.")


def _wrong_type(got, expected, subject: str, what: str | None = None) -> Mismatch:
    text = f"{subject} {what or describe(got)}; return {wanted(expected)}"
    return Mismatch(text, "type", _type_hint(got, expected))


def compare(expected, got, case, subject: str = TOP) -> Mismatch | None:
    """None when ``got`` matches ``expected`` (within ``case.rtol``/``case.atol``), else why not.

    ``case`` gives the tolerances and ``check_dtype``; ``subject`` starts the sentences about
    ``got`` ("your function returned", or "item [1] of your tuple is" inside a tuple).
    Not used in the notebooks.
    """
    if got is None:
        return _none(subject)
    if isinstance(expected, tuple):
        return _compare_tuple(expected, got, case, subject)
    if is_real(expected):
        return _compare_number(expected, got, case, subject)
    return _compare_array(np.asarray(expected), got, case, subject)


def _compare_tuple(expected: tuple, got, case, subject: str) -> Mismatch | None:
    numbers = all(is_real(e) for e in expected)
    if isinstance(got, np.ndarray) and got.ndim == 1 and numbers and got.dtype.kind in "iuf":
        got = tuple(got.tolist())
    if not isinstance(got, tuple | list):
        return _wrong_type(got, expected, subject)
    if len(got) != len(expected):
        return Mismatch(f"{subject} {describe(got)}; return {wanted(expected)}", "type",
                        f"return exactly {len(expected)} values: "
                        f"`return {', '.join('abcdefghij'[:len(expected)])}`.")
    reasons = []
    for i, (e, g) in enumerate(zip(expected, got, strict=True)):
        m = compare(e, g, case, f"item [{i}] of your {type(got).__name__} is")
        if m is not None:
            text = m if m.startswith("item [") else f"item [{i}]: {m}"
            reasons.append(Mismatch(text, m.kind, m.hint))
    # values first: a container or dtype remark only when every value is right
    return next((m for m in reasons if m.kind != "form"), reasons[0] if reasons else None)


def _compare_number(expected, got, case, subject: str) -> Mismatch | None:
    value, shape = got, None
    if isinstance(got, np.ndarray):
        if got.size != 1:
            return _wrong_type(got, expected, subject)
        value, shape = got.reshape(()).item(), (got.shape if got.ndim else None)
    if not is_real(value):
        return _wrong_type(got, expected, subject)
    if is_int(expected):
        if value != int(expected):  # int == int exactly; int == float without converting
            got_text = number(value) if is_int(value) else repr(float(value))
            return Mismatch(f"expected {number(expected)}, got {got_text}")
        if not is_int(value):
            return Mismatch(f"{subject} {describe(value)}: the value is right, but return an int",
                            "form", "sizes and counts are whole numbers: divide with // (or "
                            "wrap the result in int(...)).")
    else:
        try:
            g = float(value)
        except OverflowError:
            g = math.inf if value > 0 else -math.inf
        if not np.isclose(g, float(expected), rtol=case.rtol, atol=case.atol, equal_nan=True):
            return Mismatch(f"expected {number(expected)}, got {number(value)}")
    if shape is not None:
        return Mismatch(f"{subject} {describe(got)}: the value is right, but return "
                        f"{wanted(expected)}", "form",
                        "return one number, e.g. `float(result[0])`, not an array.")
    return None


def _compare_array(expected: np.ndarray, got, case, subject: str) -> Mismatch | None:
    container = type(got).__name__ if isinstance(got, list | tuple) else None
    allowed = "iuf" + ("b" if expected.dtype.kind == "b" else "")
    if container:
        try:
            g = np.asarray(got)
        except (ValueError, TypeError, OverflowError):
            return Mismatch(f"{subject} a {container} whose rows have different lengths; "
                            f"return {wanted(expected)}", "type", "rows of different lengths "
                            "do not make an array: check the range(...) of your loops.")
        if g.dtype.kind not in allowed:
            return _wrong_type(g, expected, subject, f"a {container} {elements(g)}")
    elif isinstance(got, np.ndarray):
        g = got
    else:
        return _wrong_type(got, expected, subject)
    if g.dtype.kind not in allowed:
        return _wrong_type(g, expected, subject)
    if g.ndim == 0 and expected.ndim > 0:
        return _wrong_type(g, expected, subject, "one number (a 0-d array)")
    notes = [f"it is a {container}, not a numpy array"] if container else []
    if not container:
        if expected.dtype.kind in "iu" and g.dtype.kind not in "iu":
            notes.append(f"the counts are stored as {g.dtype}, not integers")
        elif expected.dtype.kind == "f" and case.check_dtype and g.dtype != expected.dtype:
            notes.append(f"dtype {g.dtype}, expected {expected.dtype}")
    also = "".join(f"; also, {n}" for n in notes)
    if g.shape != expected.shape:
        return Mismatch(f"shape {g.shape}, expected {expected.shape}{also}")
    close = np.isclose(g.astype(np.float64) if g.dtype.kind == "b" else g,
                       expected.astype(np.float64) if expected.dtype.kind == "b" else expected,
                       rtol=case.rtol, atol=case.atol, equal_nan=True)
    if not close.all():
        idx = tuple(int(i) for i in np.argwhere(~close)[0])
        at = f"at index {idx}" if idx else ""
        return Mismatch(f"{int((~close).sum())} of {close.size} values differ; first {at}: "
                        f"expected {number(expected[idx])}, got {number(g[idx])}{also}")
    if container:
        return Mismatch(f"{subject} a {container}: the values are right, but return a numpy "
                        "array", "form", "build the result as a numpy array (np.zeros(shape, "
                        f"dtype=...), then fill it), or wrap it: np.array(result, "
                        f"dtype=np.{expected.dtype}).")
    if expected.dtype.kind in "iu" and g.dtype.kind not in "iu":
        return Mismatch(f"dtype {g.dtype}, expected integer counts (the values are right)",
                        "form", "the counts are right but stored as floats: make the array "
                        "with dtype=np.int64.")
    if expected.dtype.kind == "b" and g.dtype.kind != "b":
        return Mismatch(f"dtype {g.dtype}, expected a boolean mask (the values are right)",
                        "form", "return True/False values (dtype bool), e.g. `counts == 0`.")
    if expected.dtype.kind == "f" and case.check_dtype and g.dtype != expected.dtype:
        return Mismatch(f"dtype {g.dtype}, expected {expected.dtype} (keep the input's dtype, "
                        "e.g. np.zeros(shape, dtype=x.dtype))", "form",
                        "the values are right but the dtype changed: create arrays with "
                        "dtype=x.dtype (float32 in, float32 out), never a silent upcast.")
    return None
