"""Gradient checking: compare a hand-written backward pass with finite differences.

The numerical gradient nudges one entry of x at a time by +h and -h and measures how the
output moves (central differences, error O(h^2)). ``rel_error`` then says how far the
analytic gradient is from it. In float64 the course reads the numbers as::

    ~1e-2 or more   wrong: a bug in the backward pass
    ~1e-4           suspicious: look again (or a kink, e.g. ReLU at 0, was crossed)
    <= 1e-7         good

float32 has only ~7 significant digits: there a right backward typically shows 1e-6 to 1e-3
(depending on h), which can hide a real bug of that size; check gradients in float64.
Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping

import numpy as np

from .checks import check_float_array, fail, shape_line

__all__ = ["check_pair", "numerical_gradient", "numerical_gradient_array", "rel_error"]

REL_ERROR_FLOOR = 1e-8


def _check_f_and_h(func: str, f, h) -> float:
    if not callable(f):
        raise fail(func, f"f must be a function, got {type(f).__name__}.",
                   "  Wrap your expression, e.g. f = lambda x: np.sum(x ** 2).")
    ok = isinstance(h, int | float | np.floating) and not isinstance(h, bool)
    if not ok or not math.isfinite(h) or h <= 0:
        raise fail(func, f"h must be a small positive number (the step), got {h!r}.",
                   "  Typical values: 1e-5 or 1e-6 in float64.")
    return float(h)


def _central_difference(func: str, f, x: np.ndarray, h: float, reduce) -> np.ndarray:
    """Shared loop: for each entry of x, (reduce(f(x + h)) - reduce(f(x - h))) / step."""
    if not x.flags.writeable:
        raise fail(func, "x must be writeable: its entries are nudged in place (and restored).",
                   "  Pass a copy: x.copy().")
    grad = np.zeros(x.shape, dtype=np.float64)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        try:
            x[idx] = old + h
            plus, x_plus = reduce(f(x)), float(x[idx])
            x[idx] = old - h
            minus, x_minus = reduce(f(x)), float(x[idx])
        finally:
            x[idx] = old  # restore x, even if f raised
        if x_plus == x_minus:
            raise fail(func, f"h={h:g} is too small for x's dtype {x.dtype}: x[{idx}] +- h "
                       f"rounds back to {float(old)!r}.", "  Use a larger h, or float64.")
        # Divide by the step actually taken (x +- h is rounded to x's dtype).
        grad[idx] = (plus - minus) / (x_plus - x_minus)
    return grad.astype(x.dtype, copy=False)


def numerical_gradient(f: Callable, x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Numerical gradient of a scalar function ``f(x)`` by central differences.

    ``f`` is called as ``f(x)`` with x itself (no copy): each entry is set to x+h, then
    x-h, and restored, so ``f`` may also ignore its argument and read x from a closure.

        dx[i] = (f(x + h e_i) - f(x - h e_i)) / (2h)        (error O(h^2))

    x: any shape, float. Returns dx with the shape and dtype of x.
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    func = "numerical_gradient"
    h = _check_f_and_h(func, f, h)
    check_float_array(x, "x", func)

    def scalar(value) -> float:
        value = np.asarray(value)
        if value.size != 1:
            raise fail(func, f"f(x) must return one number, got an array of shape {value.shape}.",
                       "  For an array-valued f use numerical_gradient_array(f, x, dout).")
        return float(value.reshape(()))

    return _central_difference(func, f, x, h, scalar)


def numerical_gradient_array(f: Callable, x: np.ndarray, dout: np.ndarray,
                             h: float = 1e-5) -> np.ndarray:
    """Numerical gradient of ``sum(f(x) * dout)`` for an array-valued f (what backward gives).

    dout has the shape of f(x) (the upstream gradient); f is called as in
    :func:`numerical_gradient`.

        dx[i] = sum((f(x + h e_i) - f(x - h e_i)) * dout) / (2h)

    Returns dx with the shape and dtype of x.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    func = "numerical_gradient_array"
    h = _check_f_and_h(func, f, h)
    check_float_array(x, "x", func)
    check_float_array(dout, "dout", func)
    dout64 = dout.astype(np.float64)

    def weighted_sum(value) -> float:
        value = np.asarray(value)
        if value.shape != dout.shape:
            raise fail(func, "dout must have the shape of f(x).",
                       shape_line("f(x)", value.shape), shape_line("dout", dout.shape))
        return float(np.sum(value.astype(np.float64) * dout64))

    return _central_difference(func, f, x, h, weighted_sum)


def rel_error(a, b, floor: float = REL_ERROR_FLOOR) -> float:
    """Relative error between two arrays (an analytic and a numerical gradient).

        rel_error = max|a - b| / max(max(|a| + |b|), floor)

    The largest difference is divided by the largest magnitude *over the whole array*, not
    entry by entry: an entry where both gradients are ~0 (common: ReLU, max pooling) would
    otherwise turn rounding noise into a huge ratio. It is symmetric, 0 for equal arrays
    (also all-zero ones), scale-free, and at most 1. Only when both arrays are below
    ``floor`` everywhere does it become an absolute error divided by ``floor``.
    Bands (float64): ~1e-2 wrong, ~1e-4 suspicious, <= 1e-7 good.
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    func = "rel_error"
    arrays = []
    for name, value in (("a", a), ("b", b)):
        arr = np.asarray(value)
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise fail(func, f"{name} must hold numbers, got dtype {arr.dtype}.")
        arrays.append(arr.astype(np.float64))
    a64, b64 = arrays
    if a64.shape != b64.shape:
        raise fail(func, "a and b must have the same shape (compare a gradient with the "
                   "gradient of the same array).", shape_line("a", a64.shape),
                   shape_line("b", b64.shape))
    if a64.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a64) + np.abs(b64))), float(floor))
    return float(np.max(np.abs(a64 - b64)) / scale)


def _as_gradients(func: str, grads, names: list[str]) -> list:
    if isinstance(grads, np.ndarray) or grads is None:
        grads = (grads,)
    if not isinstance(grads, tuple | list):
        raise fail(func, f"backward must return an array or a tuple of arrays, got "
                   f"{type(grads).__name__}.")
    if len(grads) < len(names):
        raise fail(func, f"backward returned {len(grads)} gradient(s) but inputs has "
                   f"{len(names)}: {', '.join(names)}.",
                   "  List in inputs exactly the arrays whose gradients backward returns, "
                   "in the same order; pass the others as keyword arguments.")
    return list(grads[: len(names)])


def check_pair(forward: Callable, backward: Callable, inputs: Mapping[str, np.ndarray],
               h: float = 1e-6, seed: int = 0, allow_float32: bool = False,
               **kwargs) -> dict[str, float]:
    """Gradient-check a functional pair ``out, cache = forward(...)`` / ``backward(dout, cache)``.

    inputs: the arrays to differentiate, by parameter name and in the order backward returns
    their gradients, e.g. ``{"x": x, "w": w, "b": b}`` for conv2d_forward/conv2d_backward
    (a value None, e.g. b=None, is passed on but not checked). Other arguments (stride=...)
    go in ``kwargs``. A random dout ~ N(0, 1) (from ``seed``) is fed to backward, and each
    gradient is compared with ``numerical_gradient_array``. Returns ``{name: rel_error}``.

    float64 is required: float32's rounding (~1e-7 relative) divided by a step h swamps
    the difference quotient. ``allow_float32=True`` runs anyway, to show float32's bands.
    Introduced in notebooks/05_pooling.ipynb.
    """
    func = "check_pair"
    if not callable(forward) or not callable(backward):
        raise fail(func, "forward and backward must be functions, e.g. "
                   "check_pair(relu_forward, relu_backward, {'x': x}).")
    if not isinstance(inputs, Mapping) or not inputs:
        raise fail(func, "inputs must be a non-empty dict of arrays by parameter name, "
                   "e.g. {'x': x, 'w': w, 'b': b}.")
    _check_f_and_h(func, forward, h)
    names = list(inputs)
    work = {}
    for name, value in inputs.items():
        if value is None:
            work[name] = None
            continue
        check_float_array(value, f"inputs[{name!r}]", func)
        if value.dtype != np.float64 and not allow_float32:
            raise fail(func, f"inputs[{name!r}] is {value.dtype}, but gradient checks need "
                       "float64.",
                       "  float32 keeps ~7 digits: f(x+h) - f(x-h) loses most of them for a "
                       "small h,",
                       "  so a correct backward shows errors of 1e-6 to 1e-3 that can hide a "
                       f"bug. Use {name}.astype(np.float64),",
                       "  or pass allow_float32=True to see float32's bands on purpose.")
        work[name] = value.copy()  # never touch the caller's arrays

    def run(**arrays):
        result = forward(**arrays, **kwargs)
        if not (isinstance(result, tuple) and len(result) == 2):
            raise fail(func, "forward must return (out, cache), as every <op>_forward does.")
        return result

    out, cache = run(**work)
    out = np.asarray(out)
    rng = np.random.default_rng(seed)
    dout = rng.standard_normal(out.shape).astype(out.dtype if out.dtype.kind == "f" else
                                                 np.float64)
    grads = _as_gradients(func, backward(dout, cache), names)

    errors = {}
    for k, name in enumerate(names):
        x, dx = work[name], grads[k]
        if x is None:
            continue
        if dx is None:
            raise fail(func, f"backward returned None as the gradient of {name!r} "
                       f"(gradient #{k + 1}), but inputs[{name!r}] is an array.")
        dx = np.asarray(dx)
        if dx.shape != x.shape:
            raise fail(func, f"gradient #{k + 1} from backward does not have the shape of "
                       f"inputs[{name!r}].", shape_line(f"d{name}", dx.shape),
                       shape_line(name, x.shape),
                       "  Are inputs listed in the order backward returns its gradients?")

        def f(value, name=name):
            return run(**{**work, name: value})[0]

        errors[name] = rel_error(dx, numerical_gradient_array(f, x, dout, h=h))
    return errors
