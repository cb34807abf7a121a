"""Receptive fields of a stack of convolution and pooling layers.

Following Araujo, Norris & Sim, "Computing Receptive Fields of Convolutional Neural
Networks" (Distill, 2019), each layer (kernel k, stride s, padding p, dilation d, effective
kernel k_eff = d(k - 1) + 1) updates three numbers per axis, starting from 1, 1, 0::

    size_l  = size_{l-1} + (k_eff - 1) * jump_{l-1}       pixels one unit sees
    jump_l  = jump_{l-1} * s                              input pixels between neighbours
    start_l = start_{l-1} + ((k_eff - 1)/2 - p) * jump_{l-1}   centre of unit 0's field

Input pixel centres are at 0, 1, 2, ...; unit i of layer l sees the pixels
start_l + i*jump_l -+ (size_l - 1)/2 (the rectangle may reach into the padding; with
dilation or stride > kernel it has holes).
Introduced in notebooks/04_receptive_field.ipynb.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .checks import fail, pair
from .shapes import conv_out_hw, pool_out_hw

__all__ = ["RFRow", "Region", "conv", "input_region", "pool", "receptive_field",
           "receptive_field_table"]


@dataclass(frozen=True)
class RFRow:
    """One layer of :func:`receptive_field`; every number is an ``(h, w)`` pair.

    kind is "conv", "pool" or "pass" (a layer with no window, e.g. ReLU); size, jump and
    start are the receptive field after the layer; out_size its output (H_out, W_out),
    None when no input_size was given.
    Not used in the notebooks.
    """

    index: int
    name: str
    kind: str
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    size: tuple[int, int]
    jump: tuple[int, int]
    start: tuple[float, float]
    out_size: tuple[int, int] | None = None


@dataclass(frozen=True)
class Region:
    """An input rectangle, rows top..bottom and columns left..right, inclusive.

    ``clipped`` is the part inside the input (a Region), or None when no input_size was
    given or the unit sees nothing but padding. ``slices`` indexes an image with it.
    Not used in the notebooks.
    """

    top: int
    left: int
    bottom: int
    right: int
    clipped: Region | None = None

    @property
    def height(self) -> int:
        return self.bottom - self.top + 1

    @property
    def width(self) -> int:
        return self.right - self.left + 1

    def contains(self, row: int, col: int) -> bool:
        """True when pixel (row, col) lies in the rectangle."""
        return self.top <= row <= self.bottom and self.left <= col <= self.right

    @property
    def slices(self) -> tuple[slice, slice]:
        """``image[region.slices]``; refused if the rectangle reaches into the padding."""
        if self.top < 0 or self.left < 0:
            raise fail("Region.slices", f"the rectangle starts at ({self.top}, {self.left}), "
                       "in the padding: negative indices would wrap around the image.",
                       "  Use region.clipped.slices (pass input_size to input_region).")
        return slice(self.top, self.bottom + 1), slice(self.left, self.right + 1)


def conv(kernel_size, stride=1, padding=0, dilation=1, name=None) -> dict:
    """A convolution spec for :func:`receptive_field` when there are no layer objects.

    >>> conv(3, padding=1)
    {'kind': 'conv', 'kernel_size': 3, 'stride': 1, 'padding': 1, 'dilation': 1}

    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    spec = {"kind": "conv", "kernel_size": kernel_size, "stride": stride, "padding": padding,
            "dilation": dilation}
    if name is not None:
        spec["name"] = name
    _parse(spec, None, "conv")  # check now, so the error points at this line
    return spec


def pool(kernel_size, stride=None, padding=0, name=None) -> dict:
    """A pooling spec for :func:`receptive_field` (stride defaults to the kernel size).

    >>> pool(2)
    {'kind': 'pool', 'kernel_size': 2, 'stride': None, 'padding': 0}

    Introduced in notebooks/04_receptive_field.ipynb.
    """
    spec = {"kind": "pool", "kernel_size": kernel_size, "stride": stride, "padding": padding}
    if name is not None:
        spec["name"] = name
    _parse(spec, None, "pool")
    return spec


_SPEC_KEYS = {"conv": {"kind", "name", "kernel_size", "stride", "padding", "dilation"},
              "pool": {"kind", "name", "kernel_size", "stride", "padding"}}


def _parse(layer, index: int | None, func: str):
    """Return "stop", None (pass-through) or (name, kind, K, S, P, D) for one layer.

    index is the layer's position (None when called from the conv()/pool() helpers).
    """
    if isinstance(layer, Mapping):
        kind = layer.get("kind")
        if kind not in _SPEC_KEYS:
            raise fail(func, f"layer {index}: unknown kind {kind!r} in {dict(layer)!r}.",
                       "  A dict spec needs kind 'conv' or 'pool', e.g. conv(3) or pool(2).")
        extra = set(layer) - _SPEC_KEYS[kind]
        if extra or "kernel_size" not in layer:
            what = f"unknown keys {sorted(extra)}" if extra else "no kernel_size"
            raise fail(func, f"layer {index}: the {kind} spec has {what}.",
                       f"  Allowed keys: {', '.join(sorted(_SPEC_KEYS[kind]))}.")
        get, type_name = layer.get, kind
    elif layer is None or isinstance(layer, str | bytes | int | float | tuple | list):
        raise fail(func, f"layer {index} is {layer!r}, which is not a layer.",
                   "  Give layer objects (Conv2d, MaxPool2d, ReLU...), a model with .layers,",
                   "  or specs such as conv(3, stride=1, padding=1) and pool(2).")
    else:
        type_name = type(layer).__name__
        kind = getattr(layer, "rf_kind", None)  # declared by the layer class (cnnlib.layers)
        if kind == "stop":
            return "stop"
        if kind == "pass":
            return None
        if kind not in _SPEC_KEYS:
            raise fail(func, f"layer {index} ({type_name}) does not say what it does to a "
                       f"receptive field: rf_kind = {kind!r}.",
                       "  Give its class rf_kind = 'conv' or 'pool' (a window: kernel_size, "
                       "stride, padding), 'pass' (element-wise) or 'stop' (Flatten, Linear).")
        get = lambda key, default=None: getattr(layer, key, default)
    try:
        K = pair(get("kernel_size"), "kernel_size", func, minimum=1)
        stride = get("stride")
        S = K if stride is None else pair(stride, "stride", func, minimum=1)
        P = pair(get("padding", 0), "padding", func, minimum=0)
        D = pair(get("dilation", 1), "dilation", func, minimum=1)
    except ValueError as err:
        if index is None:
            raise
        raise ValueError(f"{err}\n  (in layer {index}: {type_name})") from None
    if kind == "pool" and (P[0] > K[0] // 2 or P[1] > K[1] // 2):
        where = "" if index is None else f"layer {index} ({type_name}): "
        raise fail(func, f"{where}pooling padding={_fmt(P)} is more than half the "
                   f"{_fmt(K)}-wide window.", "  Pooling needs P <= K // 2 (as in PyTorch): "
                   "otherwise a window could hold only padding.")
    name = layer.get("name") if isinstance(layer, Mapping) else None
    if name is None:
        name = f"{kind}{K[0]}x{K[1]}" if isinstance(layer, Mapping) else type_name
    return name, kind, K, S, P, D


def _unroll(layers, func: str) -> list:
    if hasattr(layers, "layers") and isinstance(layers.layers, list | tuple):
        layers = layers.layers
    if not isinstance(layers, list | tuple):
        raise fail(func, f"layers must be a list of layers or a model with .layers, got "
                   f"{type(layers).__name__}.", "  e.g. [conv(3), conv(3), pool(2)].")
    flat = []
    for layer in layers:
        sub = getattr(layer, "layers", None)
        flat.extend(_unroll(layer, func) if isinstance(sub, list | tuple) else [layer])
    return flat


def _walk(layers, input_size, func: str) -> tuple[list[RFRow], str | None]:
    hw = None if input_size is None else pair(input_size, "input_size", func, minimum=1)
    size, jump, edge = [1, 1], [1, 1], [0, 0]  # edge: first pixel of unit 0's field
    rows, stopped = [], None
    for index, layer in enumerate(_unroll(layers, func)):
        parsed = _parse(layer, index, func)
        if parsed == "stop":
            stopped = type(layer).__name__
            break
        if parsed is None:
            parsed = (type(layer).__name__, "pass", (1, 1), (1, 1), (0, 0), (1, 1))
        name, kind, K, S, P, D = parsed
        if hw is not None:
            where = f"  in layer {index} ({name}), whose input is {hw[0]}x{hw[1]}"
            if kind == "pool":
                hw = pool_out_hw(func, hw, K, S, P, details=(where,))
            elif kind == "conv":
                hw = conv_out_hw(func, hw, K, S, P, D, details=(where,))
        for a in range(2):
            k_eff = D[a] * (K[a] - 1) + 1
            edge[a] -= P[a] * jump[a]
            size[a] += (k_eff - 1) * jump[a]
            jump[a] *= S[a]
        start = tuple(edge[a] + (size[a] - 1) / 2 for a in range(2))
        rows.append(RFRow(index, name, kind, K, S, P, D, tuple(size), tuple(jump), start,
                          None if hw is None else tuple(hw)))
    return rows, stopped


def receptive_field(layers, input_size=None) -> list[RFRow]:
    """Receptive field size, jump and start after every layer (one RFRow each).

    layers: a list of layers (objects with kernel_size, stride, padding[, dilation] as ints
    or (h, w) pairs; stride None means kernel_size), dict specs from :func:`conv` and
    :func:`pool`, or a model with ``.layers``. Layers without a window (ReLU...) pass
    through; the walk stops at Flatten / Linear. input_size (H or (H, W)) adds out_size.

        size += (k_eff - 1) * jump;  start += ((k_eff - 1)/2 - p) * jump;  jump *= s

    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    return _walk(layers, input_size, "receptive_field")[0]


def input_region(layers, i: int, j: int, input_size=None) -> Region:
    """The input rectangle (inclusive) that output unit (i, j) of the last layer sees.

        top = start_h + i*jump_h - (size_h - 1)/2,   bottom = top + size_h - 1

    (left/right alike with w). It may reach into the padding; with input_size the part
    inside the input is ``region.clipped``.
    Introduced in notebooks/04_receptive_field.ipynb.
    """
    func = "input_region"
    rows, _ = _walk(layers, input_size, func)
    last = rows[-1] if rows else None
    size, jump, start = (last.size, last.jump, last.start) if last else ((1, 1), (1, 1), (0, 0))
    ij = []
    for name, value in (("i", i), ("j", j)):
        ij.append(pair(value, name, func, minimum=0)[0])
    out = None
    if input_size is not None:
        out = last.out_size if last else pair(input_size, "input_size", func, minimum=1)
        if ij[0] >= out[0] or ij[1] >= out[1]:
            raise fail(func, f"unit ({ij[0]}, {ij[1]}) is outside the last layer's output "
                       f"of {out[0]}x{out[1]}.", f"  Use 0 <= i < {out[0]} and 0 <= j < {out[1]}.")
    lo = [round(start[a] - (size[a] - 1) / 2) + ij[a] * jump[a] for a in range(2)]
    hi = [lo[a] + size[a] - 1 for a in range(2)]
    clipped = None
    if input_size is not None:
        H, W = pair(input_size, "input_size", func, minimum=1)
        c = (max(lo[0], 0), max(lo[1], 0), min(hi[0], H - 1), min(hi[1], W - 1))
        if c[0] <= c[2] and c[1] <= c[3]:
            clipped = Region(*c)
    return Region(lo[0], lo[1], hi[0], hi[1], clipped)


def _fmt(values) -> str:
    text = [f"{v:g}" for v in values]
    return text[0] if text[0] == text[1] else "x".join(text)


def receptive_field_table(layers, input_size=None) -> str:
    """The rows of :func:`receptive_field` as a text table, ready to print.

    Introduced in notebooks/04_receptive_field.ipynb.
    """
    rows, stopped = _walk(layers, input_size, "receptive_field_table")
    has_out = input_size is not None
    head = ["#", "layer", "kernel", "stride", "pad", "dil"] + ["out"] * has_out
    head += ["RF size", "jump", "start"]
    first = ["", "input", "", "", "", ""]
    if has_out:
        first.append(_fmt(pair(input_size, "input_size", "receptive_field_table")))
    table = [head, first + ["1", "1", "0"]]
    for r in rows:
        window = [_fmt(r.kernel), _fmt(r.stride), _fmt(r.padding), _fmt(r.dilation)]
        if r.kind == "pass":
            window = ["-"] * 4
        line = [str(r.index), r.name, *window] + [_fmt(r.out_size)] * has_out
        table.append(line + [_fmt(r.size), _fmt(r.jump), _fmt(r.start)])
    widths = [max(len(line[c]) for line in table) for c in range(len(head))]
    text = "\n".join("  ".join(cell.rjust(w) if c != 1 else cell.ljust(w)
                               for c, (cell, w) in enumerate(zip(line, widths, strict=True)))
                     for line in table)
    if stopped:
        text += f"\n(stops at {stopped}: after it every unit depends on the whole input)"
    return text
