"""LayerStackExplorer: what one unit of a stack of conv / pool layers can see, and
parse_stack, the reader of the stack's text ("conv3 p1, pool2, ...").

Introduced in notebooks/04_receptive_field.ipynb.
"""

from __future__ import annotations

import functools
import re

import ipywidgets as widgets
import numpy as np

from .. import data
from .. import receptive_field as rf
from ..effective_rf import path_counts
from ..plotting.receptive import plot_layer_stack
from .base import Explorer

__all__ = ["LayerStackExplorer", "layer_token", "parse_stack"]

# name -> (spec, input size)
PRESETS = {
    "seed: three 3x3 convs, 7x7 input": ("conv3, conv3, conv3", 7),
    "three 3x3 convs on a digit": ("conv3, conv3, conv3", 28),
    "notebook 07: conv-pool, conv-pool": ("conv3 p1, pool2, conv3 p1, pool2", 28),
    "three stride-2 convs": ("conv3 s2 p1, conv3 s2 p1, conv3 s2 p1", 28),
    "VGG-like (photo)": ("conv3 p1, conv3 p1, pool2, conv3 p1, conv3 p1, pool2, "
                         "conv3 p1, conv3 p1, conv3 p1, pool2", 64),
    "dilated 3x3: d = 1, 2, 4 (photo)": ("conv3 p1, conv3 p2 d2, conv3 p4 d4", 64),
}
INPUTS = {"7x7 grid": 7, "digit 28x28": 28, "photo 64x64": 64}
MAX_NUMBER = max(INPUTS.values())  # no kernel, stride, padding or dilation beyond the input
MAX_OUTPUT = 256  # outputs grow only by padding: beyond this it is mostly zeros
_NAMES = {"s": "stride", "p": "padding", "d": "dilation"}

_TOKEN = re.compile(r"^(conv|pool)\s*(\d+)((?:\s*[spd]\s*\d+)*)$")


def parse_stack(text: str) -> list[dict]:
    """Read a stack like "conv3 p1, pool2, conv3 s2 p1 d2" into cnnlib.receptive_field specs.

    Layers are separated by commas: conv<K> or pool<K>, then optional s<stride>,
    p<padding>, d<dilation> (pool stride defaults to K; pooling has no dilation). Every
    number is at most ``MAX_NUMBER`` (64, the largest input): larger ones get a sentence.
    Not used in the notebooks.
    """
    specs = []
    for k, token in enumerate(t.strip() for t in text.split(",")):
        if not token:
            continue
        m = _TOKEN.match(token.lower())
        if m is None:
            raise ValueError(
                f"LayerStackExplorer: layer {k} is {token!r}, which I cannot read.\n"
                "  Write conv<K> or pool<K>, then optional s<stride> p<padding> d<dilation>,\n"
                "  layers separated by commas, e.g.  conv3 p1, pool2, conv3 s2 p1")
        kind, K = m.group(1), int(m.group(2))
        opts = {key: int(v) for key, v in re.findall(r"([spd])\s*(\d+)", m.group(3))}
        for name, value in [("kernel size", K), *((_NAMES[o], v) for o, v in opts.items())]:
            if value > MAX_NUMBER:
                shown = token if len(token) <= 24 else token[:21] + "..."
                raise ValueError(
                    f"LayerStackExplorer: layer {k} ({shown!r}) asks for a {name} of "
                    f"{_short_int(value)}, more than the largest input here ({MAX_NUMBER} "
                    f"pixels); use numbers up to {MAX_NUMBER}.")
        if kind == "pool":
            if "d" in opts:
                raise ValueError(f"LayerStackExplorer: layer {k} ({token!r}): pooling has no "
                                 "dilation here (as in most networks); remove the d.")
            specs.append(rf.pool(K, stride=opts.get("s"), padding=opts.get("p", 0)))
        else:
            specs.append(rf.conv(K, stride=opts.get("s", 1), padding=opts.get("p", 0),
                                 dilation=opts.get("d", 1)))
    return specs


def _short_int(n: int) -> str:
    return str(n) if n < 10**6 else f"about {float(n):.0e}".replace("e+", "e")


def layer_token(kind, K, S, P, D) -> str:
    """The text of one layer for :func:`parse_stack` (defaults left out).
    Not used in the notebooks."""
    text = f"{kind}{K}"
    if S != (K if kind == "pool" else 1):
        text += f" s{S}"
    if P:
        text += f" p{P}"
    if kind == "conv" and D != 1:
        text += f" d{D}"
    return text


@functools.lru_cache(maxsize=4)
def _image(size: int) -> np.ndarray:
    if size == 7:
        r, c = np.indices((7, 7))
        return np.where((r + c) % 2 == 0, 0.92, 0.78)
    if size == 28:
        return data.load_mnist()[0][0, 0].astype(float)  # a training digit
    img = data.load_image("camera", gray=True)
    rows = np.linspace(0, img.shape[0] - 1, size).round().astype(int)
    cols = np.linspace(0, img.shape[1] - 1, size).round().astype(int)
    return img[np.ix_(rows, cols)].astype(float)


class LayerStackExplorer(Explorer):
    """Build a stack of conv / pool layers and see what one output unit looks at.

    Controls: ``preset``, ``spec`` (text, e.g. "conv3 p1, pool2"), ``input`` (size),
    the next layer to add (``kind``, ``kernel_size``, ``stride``, ``padding``,
    ``dilation``: previewed in the table; the "add layer" button appends it, "remove
    last" drops the last one) and the output unit ``i``, ``j``. State: ``rows``
    (cnnlib.receptive_field rows), ``size``, ``jump`` (arrays (L, 2)), ``start``,
    ``out_size``, ``region`` (top, left, bottom, right), ``paths`` and ``preview``.
    Introduced in notebooks/04_receptive_field.ipynb.
    """

    title = "Receptive field of a layer stack"

    def __init__(self, preset: str = "three 3x3 convs on a digit", spec: str | None = None,
                 input_size: int | None = None) -> None:
        if preset not in PRESETS:
            raise ValueError(f"LayerStackExplorer: no preset {preset!r}; choose one of "
                             f"{list(PRESETS)}.")
        spec0, size0 = PRESETS[preset]
        self._defaults = {"preset": preset if spec is None and input_size is None else None,
                          "spec": spec if spec is not None else spec0,
                          "input": input_size or size0}
        super().__init__()
        add = widgets.Button(description="add layer", icon="plus")
        remove = widgets.Button(description="remove last", icon="minus")
        add.on_click(lambda _: self.add_layer())
        remove.on_click(lambda _: self.remove_last())
        self.buttons = widgets.HBox([add, remove])
        kids = list(self.widget.children)  # the buttons go in a row of their own
        kids.insert(kids.index(self.status), self.buttons)
        self.widget.children = kids

    def _make_controls(self) -> dict:
        d = self._defaults
        out = self._out_size(d["spec"], d["input"]) or 1
        return {
            "preset": widgets.Dropdown(options=list(PRESETS), value=d["preset"],
                                       description="preset"),
            "spec": widgets.Text(value=d["spec"], description="layers",
                                 continuous_update=False,
                                 layout=widgets.Layout(width="32em")),
            "input": widgets.Dropdown(options=INPUTS, value=d["input"], description="input"),
            "kind": widgets.Dropdown(options=["conv", "pool"], value="conv",
                                     description="next layer"),
            "kernel_size": widgets.IntSlider(value=3, min=1, max=7, description="K"),
            "stride": widgets.IntSlider(value=1, min=1, max=3, description="S"),
            "padding": widgets.IntSlider(value=0, min=0, max=3, description="P"),
            "dilation": widgets.IntSlider(value=1, min=1, max=3, description="D"),
            "i": widgets.IntSlider(value=out // 2, min=0, max=out - 1, description="unit i"),
            "j": widgets.IntSlider(value=out // 2, min=0, max=out - 1, description="unit j"),
        }

    # -- keeping the controls consistent -----------------------------------------------
    def _reactions(self) -> dict:
        return {"preset": self._on_preset, "spec": self._on_geometry,
                "input": self._on_geometry, "kind": self._on_kind}

    @staticmethod
    def _out_size(spec, size):
        try:
            rows = rf.receptive_field(parse_stack(spec), input_size=size)
        except ValueError:
            return None
        return rows[-1].out_size[0] if rows else size

    def _on_preset(self, change):
        if change["new"] is not None:
            self.controls["spec"].value, self.controls["input"].value = PRESETS[change["new"]]
            self._fit_unit_sliders(centre=True)

    def _on_geometry(self, change):
        v = self.controls
        preset = v["preset"].value
        if preset is not None and PRESETS[preset] != (v["spec"].value, v["input"].value):
            v["preset"].value = None  # a hand edit
        self._fit_unit_sliders(centre=True)  # a new stack: back to its middle unit

    def _fit_unit_sliders(self, centre):
        out = self._out_size(self.controls["spec"].value, self.controls["input"].value)
        if out is None or out > MAX_OUTPUT:
            return
        for name in ("i", "j"):
            s = self.controls[name]
            value = out // 2 if centre else min(s.value, out - 1)
            if out - 1 >= s.max:
                s.max = out - 1
                s.value = value
            else:
                s.value = value
                s.max = out - 1

    def _on_kind(self, change):
        self.controls["dilation"].disabled = change["new"] == "pool"

    def set(self, **values):
        """As :meth:`Explorer.set`; a unit (i, j) set together with a new geometry is read in
        that geometry. A new stack or input without a unit re-centres the unit."""
        if not ({"i", "j"} & set(values) and {"preset", "spec", "input"} & set(values)):
            return super().set(**values)
        unit = {name: values.pop(name) for name in ("i", "j") if name in values}
        with self.quiet():
            super().set(**values)  # the new geometry first (it re-centres the unit)
            for name in unit:
                self.controls[name].max = 999  # the new geometry decides the range
            super().set(**unit)
            self._fit_unit_sliders(centre=False)
        return self

    def add_layer(self) -> None:
        """Append the previewed layer (the "add layer" button)."""
        v = self.values
        token = layer_token(v["kind"], v["kernel_size"], v["stride"], v["padding"],
                            v["dilation"])
        spec = v["spec"].strip().rstrip(",")
        self.set(spec=f"{spec}, {token}" if spec else token)

    def remove_last(self) -> None:
        """Drop the last layer (the "remove last" button)."""
        parts = [p.strip() for p in self.values["spec"].split(",") if p.strip()]
        self.set(spec=", ".join(parts[:-1]))

    # -- the explorer ------------------------------------------------------------------
    def compute(self, preset, spec, input, kind, kernel_size, stride, padding, dilation,
                i, j) -> dict:
        specs = parse_stack(spec)
        size = input
        rows = rf.receptive_field(specs, input_size=size)  # teaching ValueError if too small
        for k, row in enumerate(rows):
            if row.out_size[0] > MAX_OUTPUT:
                raise ValueError(
                    f"LayerStackExplorer: after layer {k} the {size}x{size} input has grown to "
                    f"{row.out_size[0]}x{row.out_size[1]} (more than {MAX_OUTPUT}): only padding "
                    "makes an output grow, and this much is mostly zeros; use less padding.")
        out = rows[-1].out_size if rows else (size, size)
        if i >= out[0] or j >= out[1]:
            raise ValueError(f"LayerStackExplorer: unit ({i}, {j}) does not exist: the last "
                             f"layer's output is {out[0]}x{out[1]}.\n  Choose i, j < {out[0]}.")
        region = rf.input_region(specs, i, j, input_size=size)
        paths = path_counts(specs, size, i, j)
        table = rf.receptive_field_table(specs, input_size=size)
        if kind == "pool":
            cand = rf.pool(kernel_size, stride=stride, padding=padding) if padding <= \
                kernel_size // 2 else None
        else:
            cand = rf.conv(kernel_size, stride=stride, padding=padding, dilation=dilation)
        token = layer_token(kind, kernel_size, stride, padding, dilation)
        if cand is None:
            preview = (f"next: {token} is impossible: pooling padding must be "
                       f"<= K // 2 = {kernel_size // 2}")
        else:
            try:
                nxt = rf.receptive_field([*specs, cand], input_size=size)[-1]
                preview = (f"next: {token} -> RF {nxt.size[0]}, jump {nxt.jump[0]}, "
                           f"output {nxt.out_size[0]}x{nxt.out_size[1]}")
            except ValueError:
                preview = f"next: {token} does not fit the {out[0]}x{out[1]} output"
        return {
            "specs": specs, "rows": rows, "input_size": size, "out_size": out,
            "size": np.array([r.size for r in rows], dtype=int).reshape(-1, 2),
            "jump": np.array([r.jump for r in rows], dtype=int).reshape(-1, 2),
            "start": np.array([r.start for r in rows], dtype=float).reshape(-1, 2),
            "region": (region.top, region.left, region.bottom, region.right),
            "paths": paths, "table": table, "preview": preview, "unit": (i, j),
            "image": _image(size),
        }

    def draw(self, state):
        top, left, bottom, right = state["region"]
        i, j = state["unit"]
        title = (f"unit ({i}, {j}) sees rows {top}..{bottom}, cols {left}..{right}"
                 if state["rows"] else "no layers: a unit sees one pixel")
        return plot_layer_stack(state["image"], state["region"], state["paths"],
                                state["table"], state["preview"], title)

    def describe(self, state) -> str:
        if not state["rows"]:
            return "no layers yet"
        r = state["rows"][-1]
        return (f"{len(state['rows'])} layers: receptive field {r.size[0]}x{r.size[1]}, "
                f"jump {r.jump[0]}, output {state['out_size'][0]}x{state['out_size'][1]}")
