"""GradCheckLab: how the step h and the dtype decide what a gradient check can tell you.

Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

import functools

import ipywidgets as widgets
import numpy as np

from .. import activations, conv, gradcheck, pool
from ..plotting.gradients import plot_gradcheck
from .base import Explorer

__all__ = ["GradCheckLab", "check_once"]

# conv2d alone is linear in x, w and b: the central difference has no truncation error,
# only rounding. A curved function after it (tanh) brings the right arm of the V.
OPS = ["conv2d + tanh", "conv2d", "tanh", "relu", "max_pool2d"]
H_EXPONENTS = np.arange(-12, 0)  # the curve: h = 1e-12 ... 1e-1


@functools.lru_cache(maxsize=4)
def _arrays(dtype_name: str):
    """Small fixed inputs (seeded) for each operation, in one dtype."""
    rng = np.random.default_rng(6)
    dtype = np.dtype(dtype_name)
    x = rng.standard_normal((1, 2, 5, 5))
    return {"x": x.astype(dtype),
            "w": rng.standard_normal((3, 2, 3, 3)).astype(dtype),
            "b": rng.standard_normal(3).astype(dtype),
            "xp": rng.standard_normal((1, 2, 6, 6)).astype(dtype),
            "dconv": rng.standard_normal((1, 3, 3, 3)).astype(dtype),
            "dpool": rng.standard_normal((1, 2, 3, 3)).astype(dtype),
            "drelu": rng.standard_normal((1, 2, 5, 5)).astype(dtype)}


def check_once(op, which, h, dtype_name):
    """(analytic, numerical) gradient of ``which`` ("x", "w" or "b") for one operation.

    The numerical one is cnnlib.gradcheck.numerical_gradient_array of the forward with
    step h, in the given dtype; the analytic one is cnnlib's backward.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    a = _arrays(dtype_name)
    if op.startswith("conv2d"):
        params = {"x": a["x"].copy(), "w": a["w"].copy(), "b": a["b"].copy()}
        squash = op.endswith("tanh")
        dout = a["dconv"]

        def f(_):
            out = conv.conv2d_forward(params["x"], params["w"], params["b"])[0]
            return activations.tanh_forward(out)[0] if squash else out

        out, cache = conv.conv2d_forward(params["x"], params["w"], params["b"])
        dconv = dout
        if squash:
            dconv = activations.tanh_backward(dout, activations.tanh_forward(out)[1])
        analytic = dict(zip("xwb", conv.conv2d_backward(dconv, cache), strict=True))[which]
        target = params[which]
    elif op == "max_pool2d":
        target, dout = a["xp"].copy(), a["dpool"]
        analytic = pool.max_pool2d_backward(dout, pool.max_pool2d_forward(target, 2)[1])

        def f(x):
            return pool.max_pool2d_forward(x, 2)[0]
    else:
        forward, backward = {"relu": (activations.relu_forward, activations.relu_backward),
                             "tanh": (activations.tanh_forward, activations.tanh_backward)}[op]
        target, dout = a["x"].copy(), a["drelu"]
        analytic = backward(dout, forward(target)[1])

        def f(x):
            return forward(x)[0]
    numeric = gradcheck.numerical_gradient_array(f, target, dout, h=h)
    return analytic, numeric


@functools.lru_cache(maxsize=64)
def error_curve(op, which, dtype_name):
    """Relative error for h = 1e-12 ... 1e-1 (NaN where h is below the dtype's spacing)."""
    errs = []
    for e in H_EXPONENTS:
        try:
            errs.append(gradcheck.rel_error(*check_once(op, which, 10.0 ** e, dtype_name)))
        except ValueError:
            errs.append(np.nan)
    return 10.0 ** H_EXPONENTS, np.array(errs)


class GradCheckLab(Explorer):
    """Gradient check of conv2d (alone or followed by tanh: dx, dw or db), tanh, ReLU or
    max pooling, at a chosen step h and dtype.

    Controls: ``op``, ``which`` ("x", "w", "b"; conv ops only), ``log10_h`` (the step is
    10**log10_h) and ``dtype`` ("float64" or "float32"). State: ``analytic``,
    ``numeric``, ``errors`` (|analytic - numeric| per entry over the array's scale, whose
    max is ``rel_error`` = cnnlib.gradcheck.rel_error), ``h``, ``band`` and ``curves``
    ({dtype: (hs, errors)}, the V-shaped error-versus-h curves).
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """

    title = "Gradient-check lab: step h and float precision"

    def __init__(self, op: str = "conv2d + tanh", which: str = "x", log10_h: float = -5.0,
                 dtype: str = "float64") -> None:
        self._defaults = {"op": op, "which": which, "log10_h": log10_h, "dtype": dtype}
        super().__init__()

    def _make_controls(self) -> dict:
        d = self._defaults
        c = {
            "op": widgets.Dropdown(options=OPS, value=d["op"], description="operation"),
            "which": widgets.Dropdown(options=[("dx", "x"), ("dw", "w"), ("db", "b")],
                                      value=d["which"], description="gradient",
                                      disabled=not d["op"].startswith("conv2d")),
            "log10_h": widgets.FloatSlider(value=d["log10_h"], min=-12.0, max=-1.0, step=0.5,
                                           description="log10 h", readout_format=".1f"),
            "dtype": widgets.ToggleButtons(options=["float64", "float32"], value=d["dtype"],
                                           description="dtype"),
        }
        return c

    def _reactions(self) -> dict:
        return {"op": self._on_op}

    def _on_op(self, change):
        self.controls["which"].disabled = not change["new"].startswith("conv2d")

    def compute(self, op, which, log10_h, dtype) -> dict:
        which = which if op.startswith("conv2d") else "x"
        h = float(10.0 ** log10_h)
        try:
            analytic, numeric = check_once(op, which, h, dtype)
        except ValueError as err:
            raise ValueError(f"{err}\n  In {dtype}, x + h must differ from x: the spacing of "
                             f"{dtype} numbers near 1 is {np.finfo(dtype).eps:.1e}.") from None
        a, n = analytic.astype(np.float64), numeric.astype(np.float64)
        scale = max(float(np.max(np.abs(a) + np.abs(n))), gradcheck.REL_ERROR_FLOOR)
        errors = np.abs(a - n) / scale
        rel = gradcheck.rel_error(analytic, numeric)
        band = "good" if rel <= 1e-7 else ("suspicious" if rel < 1e-2 else "wrong")
        curves = {name: error_curve(op, which, name) for name in ("float64", "float32")}
        return {"op": op, "which": which, "h": h, "dtype": dtype, "analytic": analytic,
                "numeric": numeric, "errors": errors, "rel_error": rel, "band": band,
                "curves": curves}

    def draw(self, state):
        name = "d" + state["which"]
        title = f"{state['op']} {name} ({state['dtype']}): log10 error per entry"
        return plot_gradcheck(state["errors"], state["rel_error"], state["h"],
                              state["curves"], title)

    def describe(self, state) -> str:
        return (f"h = {state['h']:.1e}, {state['dtype']}: relative error "
                f"{state['rel_error']:.2e} ({state['band']} by the float64 bands)")
