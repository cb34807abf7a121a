"""Input checks shared by every public function: errors that teach.

Every check raises ``ValueError`` whose message starts with the name of the public
function that was called, shows the shapes read as (N, C, H, W) / (F, C, KH, KW), and,
for sizes, the formula with the numbers filled in. Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import numbers

import numpy as np

NCHW = "(N, C, H, W)"
FCKK = "(F, C, KH, KW)"


def shape_line(name: str, shape: tuple, labels: str | None = None) -> str:
    """One indented line ``name.shape = (...)   read as (...)`` for an error message."""
    text = f"  {name}.shape = {tuple(shape)}"
    if labels:
        text = f"{text:<34} read as {labels}"
    return text


def fail(func: str, message: str, *details) -> ValueError:
    """Build the ValueError ``func: message`` followed by detail lines (returned, not raised).

    A detail may also be a function that returns the line(s): hot paths pass
    ``lambda: shape_line(...)`` so that the text is only built when there is an error.
    """
    details = [d() if callable(d) else d for d in details]
    lines = [f"{func}: {message}"] + [d for d in details if d]
    return ValueError("\n".join(lines))


def as_int(value, name: str, func: str, minimum: int | None = None) -> int:
    """Return ``value`` as an int; reject floats like 2.5, bools and values below minimum."""
    if type(value) is int and (minimum is None or value >= minimum):
        return value  # the common case, without the slower checks below
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok:
        raise fail(func, f"{name} must be an integer, got {value!r} ({type(value).__name__}).")
    value = int(value)
    if minimum is not None and value < minimum:
        hints = {
            "stride": "A stride of 0 would never move the window; use 1 or more.",
            "dilation": "dilation=1 means an ordinary kernel; it cannot be smaller.",
            "padding": "Padding adds rows and columns of zeros: it cannot be negative.",
        }
        raise fail(func, f"{name} must be >= {minimum}, got {value}.",
                   "  " + hints[name] if name in hints else "")
    return value


def pair(value, name: str, func: str, minimum: int | None = None) -> tuple[int, int]:
    """Accept an int or an ``(h, w)`` pair and return ``(h, w)`` as ints (checked)."""
    if type(value) is tuple and len(value) == 2 and type(value[0]) is int is type(value[1]) and (
            minimum is None or min(value) >= minimum):
        return value  # already an (h, w) pair of ints: the common case inside cnnlib
    if isinstance(value, tuple | list | np.ndarray):
        if len(value) != 2:
            raise fail(func, f"{name} must be an int or an (h, w) pair, got {value!r}.")
        return (as_int(value[0], name, func, minimum), as_int(value[1], name, func, minimum))
    v = as_int(value, name, func, minimum)
    return (v, v)


def check_float_array(x, name: str, func: str, ndim: int | None = None,
                      labels: str | None = None) -> np.ndarray:
    """Check that ``x`` is a floating-point ndarray with ``ndim`` dimensions; return it.

    Integer, bool and object arrays are refused rather than silently cast, so that the
    dtype that comes out is the dtype that went in (float32 for training, float64 for
    gradient checks).
    """
    if not isinstance(x, np.ndarray):
        raise fail(func, f"{name} must be a numpy array, got {type(x).__name__}.",
                   f"  Convert it first, e.g. np.asarray({name}, dtype=np.float32).")
    if x.dtype.kind != "f":  # float16/32/64: np.issubdtype(x.dtype, np.floating), faster
        raise fail(func, f"{name} has dtype {x.dtype}, but a floating-point array is needed.",
                   shape_line(name, x.shape, labels),
                   f"  Use {name}.astype(np.float32) (training) or np.float64 (gradient checks).")
    if ndim is not None and x.ndim != ndim:
        hint = ""
        if ndim == 4 and x.ndim == 3:
            hint = f"  A single image needs a batch axis: {name}[None] has shape {(1, *x.shape)}."
        elif ndim == 4 and x.ndim == 2:
            hint = f"  A single grey image needs batch and channel axes: {name}[None, None]."
        raise fail(func, f"{name} must have {ndim} dimensions {labels or ''}, got {x.ndim}.",
                   shape_line(name, x.shape, labels), hint)
    return x


def check_same_dtype(func: str, **arrays) -> None:
    """Refuse a mix of float32 and float64 arrays (it would silently upcast)."""
    dtypes = {k: v.dtype for k, v in arrays.items() if v is not None}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{k} is {v}" for k, v in dtypes.items())
        raise fail(func, f"arrays must share one dtype, but {listed}.",
                   "  Cast them to one dtype (float32 for training, float64 for gradient checks).")


def check_dout(dout, expected_shape: tuple, func: str, labels: str | None = NCHW) -> np.ndarray:
    """Check the upstream gradient of a backward pass against the forward output's shape."""
    check_float_array(dout, "dout", func)
    if tuple(dout.shape) != tuple(expected_shape):
        raise fail(func, "dout must have the shape of the forward output.",
                   shape_line("dout", dout.shape, labels),
                   shape_line("out", expected_shape, labels))
    return dout
