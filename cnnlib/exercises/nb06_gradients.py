"""The machinery of notebook 06's backward-pass exercises, whose answer is (dx, dw, db): the
cases (against cnnlib), the float64 gradient check after a pass, and the failure report, with
the gradients by name and the problem and hint first.

A backward pass returns (dx, dw, db): three 4-D or 1-D arrays, and its inputs are arrays too, so
the generic report of :func:`.core.run_check` runs to ~50 lines before its hint. Here the
report says which gradient is wrong and which are right, then the hint, then the case. When the
answer is none of the known mistakes, the hint names the wrong gradient and the section that
derives it, instead of a recipe.
Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

import copy
import re

import numpy as np

from ..conv import conv2d_forward
from ..gradcheck import check_pair
from .compare import compare
from .core import Case, CheckResult
from .nb06_mistakes import reference_backward
from .words import show

__all__ = ["GENERIC", "NAMES", "backward_cases", "float64_check", "gradient_report"]

GENERIC = "(replaced by gradient_report: the wrong gradient and its section)"
NAMES = ("dx", "dw", "db")


def float64_check(fn, stride=2, pad=1):
    """{"x", "w", "b": rel_error}: cnnlib.gradcheck.check_pair of the learner's backward ``fn``
    against cnnlib's forward, in float64 (run after the cases pass).
    Not used in the notebooks."""
    rng = np.random.default_rng(12)
    x, w, b = rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)

    def forward(x, w, b):
        return conv2d_forward(x, w, b, stride=stride, padding=pad)

    def backward(dout, cache):
        return fn(dout, cache["x"], cache["w"], stride, pad)

    return check_pair(forward, backward, {"x": x, "w": w, "b": b})


def backward_cases(data, seed):
    """One Case per (label, (N, C, H, W), (F, KH, KW), stride, pad) of ``data``: random x, w,
    dout (float32 when the label says so), expected = cnnlib's (dx, dw, db).
    Not used in the notebooks."""
    rng = np.random.default_rng(seed)
    cases = []
    for label, (N, C, H, W), (F, KH, KW), S, P in data:
        dtype = np.float32 if "float32" in label else np.float64
        x = rng.normal(size=(N, C, H, W)).astype(dtype)
        w = rng.normal(size=(F, C, KH, KW)).astype(dtype)
        out = conv2d_forward(x, w, stride=S, padding=P)[0]
        dout = rng.normal(size=out.shape).astype(dtype)
        tol = 1e-4 if dtype == np.float32 else 1e-7
        cases.append(Case(label, {"dout": dout, "x": x, "w": w, "stride": S, "pad": P},
                          reference_backward(dout, x, w, S, P), rtol=tol, atol=tol))
    return cases


def _answer(fn, case: Case):
    """The learner's (dx, dw, db) on ``case`` and, for each, whether it is right; or None."""
    try:
        out = fn(*copy.deepcopy(list(case.inputs.values())))
    except Exception:  # noqa: BLE001  (the report already shows the error)
        return None
    if not isinstance(out, tuple | list) or len(out) != len(NAMES):
        return None
    rights = []
    for expected, got in zip(case.expected, out, strict=True):
        try:
            rights.append(compare(expected, got, case) is None)
        except Exception:  # noqa: BLE001  (an answer that cannot even be compared)
            rights.append(False)
    return out, rights


def _rename(text: str) -> str:
    """"item [0] of your tuple is" -> "dx is", "item [1]:" -> "dw:", "   [2] shape" -> "db: "."""
    text = re.sub(r"item \[(\d)\] of your \w+ is", lambda m: f"{NAMES[int(m[1])]} is", text)
    text = re.sub(r"item \[(\d)\]", lambda m: NAMES[int(m[1])], text)
    return re.sub(r"^(\s+)\[(\d)\] ", lambda m: f"{m[1]}{NAMES[int(m[2])]}: ", text)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def gradient_report(result: CheckResult, fn, cases: list[Case], sections: dict) -> CheckResult:
    """Rewrite a failing ``result`` of a (dx, dw, db) exercise in place: the problem, which
    gradients are wrong, the hint, then the case (inputs, and expected and got of the wrong
    gradients only). ``sections``: {name: where that gradient is derived}, for the hint of
    an unrecognised mistake (``GENERIC``).
    Not used in the notebooks.
    """
    if result.status != "fail" or result.case is None:
        return result
    case = cases[result.case - 1]
    answer = _answer(fn, case)
    out, rights = answer if answer else (None, [False] * len(NAMES))
    wrong = [n for n, ok in zip(NAMES, rights, strict=True) if not ok]
    right = [n for n, ok in zip(NAMES, rights, strict=True) if ok]
    if result.hint == GENERIC:
        where = "; ".join(f"{n} in {sections[n]}" for n in wrong)
        result.hint = (f"{_names(wrong)} {'is' if len(wrong) == 1 else 'are'} wrong, and not "
                       f"by a mistake this checker knows. Re-read where it is derived: {where}; "
                       "then follow your code on this case (printed below), one entry at a "
                       "time.")
    lines = [_rename(line) for line in result.message.splitlines()]
    problem = [line for line in lines if line.startswith("   problem:")]
    if answer and right:
        problem.append(f"   wrong:    {_names(wrong)} ({_names(right)} "
                       f"{'is' if len(right) == 1 else 'are'} right)")
    hint = result.hint.replace("the inputs are above", "the inputs are below")
    inputs = lines[1:next(k for k, line in enumerate(lines) if line.startswith("   expected:"))]
    if answer:
        shown = [f"   {label}{n}: " + show(v, "          ")
                 for n, e, g in zip(NAMES, case.expected, out, strict=True) if n in wrong
                 for label, v in (("expected: ", e), ("got:      ", g))]
        if right:
            shown.append(f"   ({_names(right)}: as expected, not shown)")
    else:
        shown = [line for line in lines[1 + len(inputs):]
                 if not line.startswith(("   problem:", "   hint:"))]
    result.message = "\n".join([lines[0], *problem, f"   hint:     {hint}", "   the case:",
                                 *inputs, *shown])
    return result
