"""The exercise checkers' words for an answer: what it is, what it should be, how it prints.

:func:`describe` names any value in words ("None", "a str ('abc')", "a numpy array of shape (2, 2)
of True/False values (dtype bool)"); :func:`wanted` names the expected kind of answer ("a tuple
of 2 ints"); :func:`show` prints a value for a failure report. None of them raises, whatever a
learner's function returned (a huge int, an object that cannot print itself...).
Introduced in notebooks/01_neural_network_recap.ipynb.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

__all__ = ["describe", "elements", "show", "wanted"]


def is_int(v) -> bool:
    """A Python or numpy int, not a bool."""
    return isinstance(v, int | np.integer) and not isinstance(v, bool | np.bool_)


def is_real(v) -> bool:
    """A Python or numpy int or float (not a bool, not complex)."""
    return is_int(v) or isinstance(v, float | np.floating)


def _int_text(v) -> str:
    v = int(v)
    if abs(v) < 10 ** 15:
        return str(v)
    return f"an int of about {int(v.bit_length() * math.log10(2)) + 1:,} digits"


def number(v) -> str:
    """A number for a message: ints exactly (huge ones by their size), floats to 6 digits."""
    if isinstance(v, bool | np.bool_):
        return str(bool(v))
    if is_int(v):
        return _int_text(v)
    try:
        text = f"{float(v):.6g}"
    except (TypeError, ValueError, OverflowError):
        return _short_repr(v)
    return text if any(c in text for c in ".eni") else text + ".0"


def _short_repr(v, limit: int = 60) -> str:
    try:
        text = repr(v)
    except Exception:  # noqa: BLE001  (a learner's object may not print)
        return f"a {type(v).__name__} that cannot be printed"
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def elements(a: np.ndarray) -> str:
    """What an array holds: "of strings (dtype <U3)", "of dtype float32"...
    Not used in the notebooks."""
    what = {"b": "True/False values", "c": "complex numbers", "U": "strings", "S": "bytes",
            "O": "Python objects"}.get(a.dtype.kind)
    return f"of {what} (dtype {a.dtype})" if what else f"of dtype {a.dtype}"


def describe(value) -> str:
    """What a value is, in words: "None", "a str ('abc')", "a numpy array of shape (2, 2)..."
    Not used in the notebooks."""
    if value is None:
        return "None"
    if isinstance(value, bool | np.bool_):
        return f"a bool ({bool(value)})"
    if is_int(value):
        text = _int_text(value)
        return text if text.startswith("an int") else f"an int ({text})"
    if isinstance(value, float | np.floating):
        return f"a float ({number(value)})"
    if isinstance(value, complex | np.complexfloating):
        return f"a complex number ({_short_repr(value)})"
    if isinstance(value, str):
        return f"a str ({_short_repr(value, 40)})"
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return f"a 0-d numpy array (one value, dtype {value.dtype})"
    if isinstance(value, np.ndarray):
        return f"a numpy array of shape {value.shape} {elements(value)}"
    if inspect.isgenerator(value):
        return "a generator"
    if callable(value):
        return f"a function ({getattr(value, '__name__', type(value).__name__)})"
    if isinstance(value, tuple | list):
        return f"{_a(type(value).__name__)} of {len(value)} value{'s' * (len(value) != 1)}"
    return _a(type(value).__name__)


def wanted(expected) -> str:
    """What the answer should be, in words: "a numpy array of shape (4, 5)", "an int"...
    Not used in the notebooks."""
    if isinstance(expected, tuple):
        items = [wanted(e) for e in expected]
        if len(set(items)) == 1:
            plural = {"an int": "ints", "one number (a float)": "numbers"}.get(
                items[0], "numpy arrays" if items[0].startswith("a numpy") else "values")
            return f"a tuple of {len(items)} {plural}"
        return "a tuple (" + ", ".join(items) + ")"
    if is_int(expected):
        return "an int"
    if is_real(expected):
        return "one number (a float)"
    expected = np.asarray(expected)
    return f"a numpy array of shape {expected.shape}, dtype {expected.dtype}"


def show(value, indent: str = "      ") -> str:
    """A small printable form of an array, number or tuple (for the failure report); never
    raises, whatever the learner returned. Not used in the notebooks."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return f"{_short_repr(value.item())} (a 0-d numpy array, {value.dtype})"
    if isinstance(value, np.ndarray):
        head = f"shape {value.shape}, {value.dtype}"
        if value.size == 0:
            return head + " (empty)"
        if value.ndim >= 4 and value.size > 2 * value.shape[-1] * value.shape[-2]:
            # a batch of more than two maps (N, C, H, W): the first map is enough
            lead = (0,) * (value.ndim - 2)
            head += f"; its first map [{', '.join(map(str, lead))}]:"
            value = value[lead]
        try:
            body = np.array2string(value, precision=4, suppress_small=True, max_line_width=88,
                                   threshold=80, edgeitems=3)
        except Exception:  # noqa: BLE001  (an object array of unprintable things)
            return head
        return head + "\n" + "\n".join(indent + line for line in body.splitlines())
    if isinstance(value, tuple):
        return "tuple of " + str(len(value)) + ":\n" + "\n".join(
            f"{indent}[{i}] " + show(v, indent + "    ") for i, v in enumerate(value))
    if is_real(value):
        return f"{number(value)} ({type(value).__name__})"
    return f"{_short_repr(value, 200)} ({type(value).__name__})"
