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
    """One indented line ``name.shape = (...)   read as (...)`` for an error message.

    Not used in the notebooks.
    """
    text = f"  {name}.shape = {tuple(shape)}"
    if labels:
        text = f"{text:<34} read as {labels}"
    return text


def fail(func: str, message: str, *details) -> ValueError:
    """Build the ValueError ``func: message`` followed by detail lines (returned, not raised).

    A detail may also be a function that returns the line(s): hot paths pass
    ``lambda: shape_line(...)`` so that the text is only built when there is an error.
    Not used in the notebooks.
    """
    details = [d() if callable(d) else d for d in details]
    lines = [f"{func}: {message}"] + [d for d in details if d]
    return ValueError("\n".join(lines))


def as_int(value, name: str, func: str, minimum: int | None = None) -> int:
    """Return ``value`` as an int; reject floats like 2.5, bools and values below minimum.

    Not used in the notebooks.
    """
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
    """Accept an int or an ``(h, w)`` pair and return ``(h, w)`` as ints (checked).

    Not used in the notebooks.
    """
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
    Not used in the notebooks.
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
    """Refuse a mix of float32 and float64 arrays (it would silently upcast).

    Not used in the notebooks.
    """
    dtypes = {k: v.dtype for k, v in arrays.items() if v is not None}
    if len(set(dtypes.values())) > 1:
        listed = ", ".join(f"{k} is {v}" for k, v in dtypes.items())
        raise fail(func, f"arrays must share one dtype, but {listed}.",
                   "  Cast them to one dtype (float32 for training, float64 for gradient checks).")


def check_dout(dout, expected_shape: tuple, func: str, labels: str | None = NCHW,
               dtype=None) -> np.ndarray:
    """Check the upstream gradient of a backward pass against the forward output's shape
    and, when ``dtype`` is given, against the dtype of the forward input.
    Not used in the notebooks.
    """
    check_float_array(dout, "dout", func)
    if tuple(dout.shape) != tuple(expected_shape):
        raise fail(func, "dout must have the shape of the forward output.",
                   shape_line("dout", dout.shape, labels),
                   shape_line("out", expected_shape, labels))
    if dtype is not None and dout.dtype != dtype:
        raise fail(func, f"dout has dtype {dout.dtype} but the forward input had {dtype}.",
                   "  Keep one dtype through forward and backward (no silent casts).")
    return dout


def check_conv_arrays(func, x, w, b, w_channel_axis=1, w_labels=FCKK):
    """Validate x (N, C, H, W), w and b of a convolution called ``func``; return (x, w, b).

    Refuses non-arrays, int/bool/object dtypes, a float32/float64 mix, a wrong number of
    dimensions, a channel count that does not match ``w.shape[w_channel_axis]`` and a bias
    whose length is not the number of output channels.
    Not used in the notebooks.
    """
    check_float_array(x, "x", func, ndim=4, labels=NCHW)
    check_float_array(w, "w", func, ndim=4, labels=w_labels)
    if b is not None:
        check_float_array(b, "b", func)
    check_same_dtype(func, x=x, w=w, b=b)
    if x.shape[1] != w.shape[w_channel_axis]:
        raise fail(func, f"x has {x.shape[1]} channels but w expects {w.shape[w_channel_axis]}.",
                   shape_line("x", x.shape, NCHW), shape_line("w", w.shape, w_labels))
    n_out = w.shape[1 - w_channel_axis]
    if b is not None and (b.ndim != 1 or b.shape[0] != n_out):
        raise fail(func, f"b must have shape ({n_out},): one bias per output channel.",
                   shape_line("b", b.shape), shape_line("x", x.shape, NCHW),
                   shape_line("w", w.shape, w_labels))
    return x, w, b


def check_labels(func: str, logits, y) -> np.ndarray:
    """Validate logits (N, classes) and integer labels y (N,) in [0, classes); return y.

    Not used in the notebooks.
    """
    LL = "(N, classes)"
    check_float_array(logits, "logits", func, ndim=2, labels=LL)
    N, classes = logits.shape
    y = np.asarray(y)
    if y.dtype == bool or not np.issubdtype(y.dtype, np.integer):
        raise fail(func, f"y must hold integer class labels, got dtype {y.dtype}.",
                   "  Use y.astype(np.int64) if the values are whole numbers 0 .. classes-1.")
    if y.ndim != 1:
        hint = "  One-hot labels? y.argmax(axis=1) gives the class numbers." if y.ndim == 2 else ""
        raise fail(func, f"y must be 1-D: one class label per sample, got {y.ndim} dimensions.",
                   shape_line("y", y.shape, "(N,)"), shape_line("logits", logits.shape, LL),
                   hint)
    if len(y) != N:
        raise fail(func, f"y has {len(y)} labels but logits has {N} rows (samples).",
                   shape_line("y", y.shape, "(N,)"), shape_line("logits", logits.shape, LL))
    bad = np.flatnonzero((y < 0) | (y >= classes))
    if bad.size:
        i = int(bad[0])
        raise fail(func, f"label y[{i}] = {int(y[i])} is out of range: with {classes} classes "
                   f"the labels must be 0 .. {classes - 1}.",
                   shape_line("logits", logits.shape, LL))
    return y


def check_dataset(func: str, X, y=None):
    """Validate training data: X a float array (N, ...), y (if given) N integer labels.

    Returns y as an array (or None).
    Not used in the notebooks.
    """
    if not isinstance(X, np.ndarray) or X.dtype.kind != "f":
        what = type(X).__name__ if not isinstance(X, np.ndarray) else f"dtype {X.dtype}"
        raise fail(func, f"X must be a floating-point numpy array, got {what}.",
                   "  e.g. X.astype(np.float32).")
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X) or y.dtype.kind not in "iu":
            raise fail(func, "y must hold one integer label per sample of X.",
                       shape_line("X", X.shape), shape_line("y", y.shape, f"dtype {y.dtype}"))
    return y


def check_layer_input(layer, x, ndim: int, labels: str, weight) -> None:
    """What a layer with weights refuses: non-arrays, the wrong number of axes, and a dtype
    other than its weights' (``weight`` is its weight Parameter).
    Not used in the notebooks.
    """
    name = type(layer).__name__
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        what = type(x).__name__ if not isinstance(x, np.ndarray) else f"dtype {x.dtype}"
        raise fail(name, f"x must be a floating-point numpy array, got {what}.",
                   "  Use np.asarray(x, dtype=np.float32).")
    if x.ndim != ndim:
        hint = ""
        if ndim == 2 and x.ndim > 2:
            hint = (f"  Flatten first: put Flatten() before {layer!r}; it turns "
                    f"{x.shape} into {(x.shape[0], int(np.prod(x.shape[1:])))}.")
        elif ndim == 4 and x.ndim == 3:
            hint = f"  A single image needs a batch axis: x[None] has shape {(1, *x.shape)}."
        raise fail(name, f"x must have {ndim} dimensions {labels}, got {x.ndim}.",
                   shape_line("x", x.shape, labels), f"  layer: {layer!r}", hint)
    if x.dtype != weight.data.dtype:
        raise fail(name, f"x is {x.dtype} but the layer's weights are {weight.data.dtype}.",
                   f"  Cast one of them: x.astype(np.{weight.data.dtype}) or "
                   f"model.to(np.{x.dtype}).")
