"""GradCheckLab: what a gradient check can tell you - the step h, the dtype, and a planted bug.

Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np

from .. import activations, conv, gradcheck, pool
from ..exercises.nb06_mistakes import LAB_BUGS, MISTAKES, planted_backward
from ..plotting.gradients import plot_gradcheck
from .base import Explorer

__all__ = ["GradCheckLab", "check_once"]

# conv2d alone is linear in x, w and b: the central difference has no truncation error,
# only rounding. A curved function after it (tanh) brings the right arm of the V.
OPS = ["conv2d + tanh", "conv2d", "tanh", "relu", "max_pool2d"]
CONV = {"stride": 2, "padding": 1}  # the lab's convolution: 3x3 kernels, windows overlap
H_EXPONENTS = np.arange(-12, 0)  # the curve: h = 1e-12 ... 1e-1
# which gradients each planted bug touches (the others stay right)
BUG_TOUCHES = {"none": "", "no_rotation": "x", "crop_one_side": "x", "dx_step_1": "x",
               "assign_both": "xw", "swap_fc": "x"}


@functools.lru_cache(maxsize=4)
def _arrays(dtype_name: str):
    """Small fixed inputs (seeded) for each operation, in one dtype (read-only)."""
    rng = np.random.default_rng(6)
    dtype = np.dtype(dtype_name)
    a = {"x": rng.standard_normal((1, 2, 6, 6)),
         "w": rng.standard_normal((2, 2, 3, 3)),   # F = C: "F and C swapped" runs (wrongly)
         "b": rng.standard_normal(2),
         "xp": rng.standard_normal((1, 2, 6, 6)),
         "dconv": rng.standard_normal((1, 2, 3, 3)),
         "dpool": rng.standard_normal((1, 2, 3, 3)),
         "drelu": rng.standard_normal((1, 2, 6, 6))}
    for key, value in a.items():
        a[key] = value.astype(dtype)
        a[key].flags.writeable = False
    return a


def _problem(op, which, dtype_name):
    """(forward f(target) -> array, the target array (a copy), dout) of one check."""
    a = _arrays(dtype_name)
    if op.startswith("conv2d"):
        params = {k: a[k].copy() for k in "xwb"}
        squash = op.endswith("tanh")

        def f(_):
            out = conv.conv2d_forward(params["x"], params["w"], params["b"], **CONV)[0]
            return activations.tanh_forward(out)[0] if squash else out

        return f, params[which], a["dconv"]
    if op == "max_pool2d":
        return (lambda x: pool.max_pool2d_forward(x, 2)[0]), a["xp"].copy(), a["dpool"]
    forward = {"relu": activations.relu_forward, "tanh": activations.tanh_forward}[op]
    return (lambda x: forward(x)[0]), a["x"].copy(), a["drelu"]


@functools.lru_cache(maxsize=512)
def _numeric(op, which, h, dtype_name):
    """The numerical gradient (read-only), or the ValueError text when h is too small."""
    f, target, dout = _problem(op, which, dtype_name)
    try:
        numeric = gradcheck.numerical_gradient_array(f, target, dout, h=h)
    except ValueError as err:
        return str(err)
    numeric.flags.writeable = False
    return numeric


@functools.lru_cache(maxsize=128)
def _analytic(op, which, dtype_name, bug):
    """cnnlib's backward (bug "none") or the planted one (conv ops), read-only."""
    a = _arrays(dtype_name)
    if op.startswith("conv2d"):
        out, cache = conv.conv2d_forward(a["x"], a["w"], a["b"], **CONV)
        dconv = a["dconv"]
        if op.endswith("tanh"):
            dconv = activations.tanh_backward(dconv, activations.tanh_forward(out)[1])
        grads = (conv.conv2d_backward(dconv, cache) if bug == "none"
                 else planted_backward(dconv, cache, bug))
        analytic = dict(zip("xwb", grads, strict=True))[which]
    elif op == "max_pool2d":
        analytic = pool.max_pool2d_backward(a["dpool"], pool.max_pool2d_forward(a["xp"], 2)[1])
    else:
        forward, backward = {"relu": (activations.relu_forward, activations.relu_backward),
                             "tanh": (activations.tanh_forward, activations.tanh_backward)}[op]
        analytic = backward(a["drelu"], forward(a["x"])[1])
    analytic = np.array(analytic)
    analytic.flags.writeable = False
    return analytic


def check_once(op, which, h, dtype_name, bug="none"):
    """(analytic, numerical) gradient of ``which`` ("x", "w" or "b") for one operation.

    The numerical one is cnnlib.gradcheck.numerical_gradient_array of the forward with
    step h, in the given dtype; the analytic one is cnnlib's backward, or for the conv ops
    with ``bug`` other than "none" the backward with that mistake planted
    (:func:`cnnlib.exercises.nb06_mistakes.planted_backward`). Raises ValueError when h is
    too small for the dtype. Not used in the notebooks.
    """
    numeric = _numeric(op, which, float(h), dtype_name)
    if isinstance(numeric, str):
        raise ValueError(numeric)
    return _analytic(op, which, dtype_name, bug), numeric


@functools.lru_cache(maxsize=128)
def error_curve(op, which, dtype_name, bug="none"):
    """Relative error for h = 1e-12 ... 1e-1 (NaN where h is below the dtype's spacing)."""
    errs = []
    for e in H_EXPONENTS:
        try:
            errs.append(gradcheck.rel_error(*check_once(op, which, 10.0 ** e, dtype_name, bug)))
        except ValueError:
            errs.append(np.nan)
    return 10.0 ** H_EXPONENTS, np.array(errs)


class GradCheckLab(Explorer):
    """Gradient check of conv2d (3x3 kernels, stride 2, padding 1; alone or followed by tanh:
    dx, dw or db), tanh, ReLU or max pooling, at a chosen step h and dtype, with a bug
    planted in the conv backward if you like.

    Controls: ``op``, ``which`` ("x", "w", "b"; conv ops only), ``log10_h`` (the step is
    10**log10_h), ``dtype`` ("float64" or "float32") and ``bug`` (conv ops only; a key of
    ``LAB_BUGS``: "none", "no_rotation", "crop_one_side", "dx_step_1", "assign_both",
    "swap_fc"). State: ``analytic``, ``numeric``, ``errors`` (|analytic - numeric| per entry
    over the array's scale, whose max is ``rel_error`` = cnnlib.gradcheck.rel_error), ``h``,
    ``band``, ``bug``, ``touched`` (does the bug change this gradient?) and ``curves``
    ({dtype: (hs, errors)}, the error-versus-h curves).
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """

    title = "Gradient-check lab: step h, float precision, planted bugs"

    def __init__(self, op: str = "conv2d + tanh", which: str = "x", log10_h: float = -5.0,
                 dtype: str = "float64", bug: str = "none") -> None:
        self._defaults = {"op": op, "which": which, "log10_h": log10_h, "dtype": dtype,
                          "bug": bug}
        super().__init__()

    def _make_controls(self) -> dict:
        d = self._defaults
        is_conv = d["op"].startswith("conv2d")
        return {
            "op": widgets.Dropdown(options=OPS, value=d["op"], description="operation"),
            "which": widgets.Dropdown(options=[("dx", "x"), ("dw", "w"), ("db", "b")],
                                      value=d["which"], description="gradient",
                                      disabled=not is_conv),
            "log10_h": widgets.FloatSlider(value=d["log10_h"], min=-12.0, max=-1.0, step=0.5,
                                           description="log10 h", readout_format=".1f"),
            "dtype": widgets.ToggleButtons(options=["float64", "float32"], value=d["dtype"],
                                           description="dtype"),
            "bug": widgets.Dropdown(options=LAB_BUGS, value=d["bug"], description="planted bug",
                                    disabled=not is_conv),
        }

    def _reactions(self) -> dict:
        return {"op": self._on_op}

    def _on_op(self, change):
        for name in ("which", "bug"):
            self.controls[name].disabled = not change["new"].startswith("conv2d")

    def compute(self, op, which, log10_h, dtype, bug) -> dict:
        is_conv = op.startswith("conv2d")
        which, bug = (which, bug) if is_conv else ("x", "none")
        h = float(10.0 ** log10_h)
        try:
            analytic, numeric = check_once(op, which, h, dtype, bug)
        except ValueError as err:
            raise ValueError(f"{err}\n  In {dtype}, x + h must differ from x: the spacing of "
                             f"{dtype} numbers near 1 is {np.finfo(dtype).eps:.1e}.") from None
        a, n = analytic.astype(np.float64), numeric.astype(np.float64)
        scale = max(float(np.max(np.abs(a) + np.abs(n))), gradcheck.REL_ERROR_FLOOR)
        errors = np.abs(a - n) / scale
        rel = gradcheck.rel_error(analytic, numeric)
        band = "good" if rel <= 1e-7 else ("suspicious" if rel < 1e-2 else "wrong")
        curves = {name: error_curve(op, which, name, bug) for name in ("float64", "float32")}
        return {"op": op, "which": which, "h": h, "dtype": dtype, "bug": bug,
                "touched": which in BUG_TOUCHES[bug], "analytic": analytic, "numeric": numeric,
                "errors": errors, "rel_error": rel, "band": band, "curves": curves}

    def draw(self, state):
        name = "d" + state["which"]
        title = f"{state['op']} {name} ({state['dtype']})\nlog10 error per entry"
        if state["bug"] != "none":
            label = {key: text for text, key in LAB_BUGS}[state["bug"]]
            title = f"{state['op']} {name} ({state['dtype']})\nplanted bug: {label}"
        return plot_gradcheck(state["errors"], state["rel_error"], state["h"],
                              state["curves"], title)

    def describe(self, state) -> str:
        text = (f"h = {state['h']:.1e}, {state['dtype']}: relative error "
                f"{state['rel_error']:.2e} ({state['band']} by the float64 bands)")
        if state["bug"] != "none":
            name = "d" + state["which"]
            text += (f". Planted: {MISTAKES[state['bug']]}. " +
                     (f"This bug changes {name}." if state["touched"] else
                      f"This bug does not change {name}: its check cannot see it."))
        return text
