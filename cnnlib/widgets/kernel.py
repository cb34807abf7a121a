"""KernelSandbox (edit a kernel, see it filter a photo) and SlidingWindowStepper (one window
at a time: products, their sum, the output cell it fills).

Both compute with :func:`cnnlib.conv.conv2d_forward`. Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import conv, data, shapes
from ..kernels import KERNEL_NAMES, get_kernel
from ..plotting.conv import (
    plot_kernel_result,
    plot_sliding_window,
    update_kernel_result,
    update_sliding_window,
)
from ..plotting.core import freeze_layout
from .base import Explorer

__all__ = ["KernelSandbox", "LayoutCache", "SlidingWindowStepper"]

MAX_K = 5
SANDBOX_SIDE = 128


class LayoutCache:
    """Keep the constrained-layout positions of a figure, per geometry key, and reuse them.

    The first figure of a geometry is laid out once; later figures of the same geometry get
    the stored axes positions and no layout engine, which saves a layout pass per redraw.
    Introduced in notebooks/02_convolution.ipynb.
    """

    def __init__(self) -> None:
        self._positions: dict = {}

    def apply(self, fig, key):
        if key in self._positions:
            for ax, pos in zip(fig.axes, self._positions[key], strict=False):
                ax.set_position(pos)
        else:
            fig.draw_without_rendering()
            self._positions[key] = [ax.get_position(original=True) for ax in fig.axes]
        return freeze_layout(fig)


def _small_gray(name: str, side: int = SANDBOX_SIDE) -> np.ndarray:
    """A grey photo from cnnlib.data shrunk (nearest pixel) so its longer side is ``side``."""
    img = data.load_image(name, gray=True)
    h, w = img.shape
    scale = side / max(h, w)
    if scale < 1:
        rows = np.round(np.linspace(0, h - 1, max(int(h * scale), 1))).astype(int)
        cols = np.round(np.linspace(0, w - 1, max(int(w * scale), 1))).astype(int)
        img = img[np.ix_(rows, cols)]
    return np.ascontiguousarray(img, dtype=np.float32)


class KernelSandbox(Explorer):
    """Filter a grey photo with an editable 3x3 or 5x5 kernel (cross-correlation, no padding).

    Controls: ``image`` (cnnlib.data photos, shrunk to 128 px), ``size`` (3 or 5), ``preset``
    (named kernels of :mod:`cnnlib.kernels`; blank after a hand edit), ``flip`` (flip the
    kernel both ways first: true convolution) and the cells ``k{i}{j}`` = kernel[i, j]
    (CSS class ``cnn-kernel-cell``; cells outside the current size are hidden and disabled).
    State: ``image`` (H, W), ``kernel`` (K, K) as typed, ``applied_kernel`` (flipped or not),
    ``output`` (H-K+1, W-K+1) and ``relu_output``. ``set_kernel(array)`` types a whole kernel.
    Introduced in notebooks/02_convolution.ipynb.
    """

    title = "Kernel sandbox: a kernel slid over a photo"

    def __init__(self, image: str = "camera", preset: str = "sobel_x", size: int = 3,
                 flip: bool = False) -> None:
        self._defaults = {"image": image, "preset": preset, "size": size, "flip": flip}
        self._images: dict[str, np.ndarray] = {}
        self._fig = None
        self._filling = False
        super().__init__()
        self._arrange()

    # ---------------------------------------------------------------- controls
    def _make_controls(self) -> dict:
        d = self._defaults
        image = widgets.Dropdown(options=data.list_images(), value=d["image"],
                                 description="image")
        size = widgets.ToggleButtons(options=[("3x3", 3), ("5x5", 5)], value=d["size"],
                                     description="kernel",
                                     style={"button_width": "48px"})
        preset = widgets.Dropdown(options=list(KERNEL_NAMES), value=d["preset"],
                                  description="preset")
        flip = widgets.Checkbox(value=d["flip"], description="flip (true convolution)",
                                indent=False)
        k0 = get_kernel(d["preset"], d["size"])
        cells = {}
        for i in range(MAX_K):
            for j in range(MAX_K):
                value = float(k0[i, j]) if i < d["size"] and j < d["size"] else 0.0
                cell = widgets.FloatText(value=round(value, 4), step=0.1,
                                         layout=widgets.Layout(width="64px"))
                cell.observe(self._on_cell, names="value")
                cells[f"k{i}{j}"] = cell
        self._cells = cells
        preset.observe(self._on_preset, names="value")
        size.observe(self._on_size, names="value")
        controls = {"image": image, "size": size, "preset": preset, "flip": flip, **cells}
        self._show_cells(d["size"])
        return controls

    def _arrange(self) -> None:
        """Lay the kernel cells out as a K x K grid beside the other controls."""
        self._grid = widgets.GridBox(list(self._cells.values()))
        self._update_grid_template(self.controls["size"].value)
        left = widgets.VBox([self.controls[n] for n in ("image", "size", "preset", "flip")])
        box = self.widget.children[1] if self.title else self.widget.children[0]
        box.children = [left, self._grid]

    def _update_grid_template(self, K: int) -> None:
        if hasattr(self, "_grid"):
            self._grid.layout.grid_template_columns = f"repeat({K}, 66px)"

    def _show_cells(self, K: int) -> None:
        for name, cell in self._cells.items():
            active = int(name[1]) < K and int(name[2]) < K
            cell.disabled = not active
            cell.layout.display = None if active else "none"
            if active:
                cell.remove_class("cnn-kernel-cell-off")
                cell.add_class("cnn-kernel-cell")
            else:
                cell.remove_class("cnn-kernel-cell")
                cell.add_class("cnn-kernel-cell-off")
        self._update_grid_template(K)

    def _fill(self, kernel: np.ndarray) -> None:
        """Write ``kernel`` into the cells (zeros elsewhere) without redrawing per cell."""
        prev, self._batch, self._filling = self._batch, True, True
        try:
            K = kernel.shape[0]
            for i in range(MAX_K):
                for j in range(MAX_K):
                    v = float(kernel[i, j]) if i < K and j < K else 0.0
                    self._cells[f"k{i}{j}"].value = round(v, 4)
        finally:
            self._batch, self._filling = prev, False

    def _typed_kernel(self, K: int) -> np.ndarray:
        return np.array([[self._cells[f"k{i}{j}"].value for j in range(K)] for i in range(K)])

    def _on_preset(self, change) -> None:
        if change["new"] is not None:
            self._fill(get_kernel(change["new"], self.controls["size"].value))

    def _on_size(self, change) -> None:
        old, new = change["old"], change["new"]
        self._show_cells(new)
        preset = self.controls["preset"].value
        if preset is not None:
            self._fill(get_kernel(preset, new))
            return
        typed = self._typed_kernel(old)
        if new > old:  # keep the centre: a custom 3x3 sits in the middle of the 5x5
            k = np.zeros((new, new))
            o = (new - old) // 2
            k[o:o + old, o:o + old] = typed
        else:
            o = (old - new) // 2
            k = typed[o:o + new, o:o + new]
        self._fill(k)

    def _on_cell(self, change) -> None:
        if self._filling or not hasattr(self, "controls"):
            return
        preset, K = self.controls["preset"], self.controls["size"].value
        if preset.value is None:
            return
        if not np.allclose(self._typed_kernel(K), get_kernel(preset.value, K), atol=1e-4):
            prev, self._batch = self._batch, True
            try:
                preset.value = None  # a hand-made kernel: no preset any more
            finally:
                self._batch = prev

    def set_kernel(self, kernel) -> KernelSandbox:
        """Type a whole (3, 3) or (5, 5) kernel into the grid and redraw once."""
        kernel = np.asarray(kernel, dtype=float)
        if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.shape[0] not in (3, 5):
            raise ValueError(f"KernelSandbox.set_kernel: the kernel must be 3x3 or 5x5, got "
                             f"shape {kernel.shape}.")
        prev, self._batch = self._batch, True
        try:
            self.controls["preset"].value = None
            self.controls["size"].value = kernel.shape[0]
            self._fill(kernel)
        finally:
            self._batch = prev
        self.update()
        return self

    # ---------------------------------------------------------------- compute / draw
    def compute(self, image, size, preset, flip, **cells) -> dict:
        if preset is not None:  # exact values (the cells show them rounded to 4 decimals)
            kernel = get_kernel(preset, size)
        else:
            kernel = np.array([[cells[f"k{i}{j}"] for j in range(size)] for i in range(size)])
        if not np.all(np.isfinite(kernel)):
            raise ValueError("KernelSandbox: every kernel cell must hold a finite number "
                             "(found inf or nan).")
        if image not in self._images:
            self._images[image] = _small_gray(image)
        img = self._images[image]
        applied = kernel[::-1, ::-1].copy() if flip else kernel
        out, _ = conv.conv2d_forward(img[None, None], applied[None, None].astype(np.float32))
        output = out[0, 0]
        return {"image": img, "kernel": kernel, "applied_kernel": applied, "output": output,
                "relu_output": np.maximum(output, 0), "flip": bool(flip), "preset": preset}

    def draw(self, state):
        args = (state["image"], state["applied_kernel"], state["output"], state["relu_output"])
        if self._fig is None:
            self._fig = plot_kernel_result(*args)
            LayoutCache().apply(self._fig, None)
            return self._fig
        return update_kernel_result(self._fig, *args)

    def describe(self, state) -> str:
        h, w = state["image"].shape
        K = state["kernel"].shape[0]
        name = state["preset"] or "your kernel"
        flip = ", flipped" if state["flip"] else ""
        return (f"{name}{flip}: {h}x{w} input, {K}x{K} kernel -> {h - K + 1}x{w - K + 1} "
                f"output (W - K + 1); output range [{state['output'].min():.3f}, "
                f"{state['output'].max():.3f}]")


class SlidingWindowStepper(Explorer):
    """Step a kernel over a small grid of numbers, one output cell at a time.

    Controls: ``size`` (input H = W), ``kernel_size``, ``padding``, ``stride`` and ``position``
    (output cells numbered row by row). State: ``x`` (H, W), ``x_padded``, ``kernel`` (K, K),
    ``position`` (i, j), ``window`` (K, K), ``products`` = window * kernel, ``sum``, ``out``
    (the whole output from cnnlib.conv.conv2d_forward) and ``out_so_far`` (NaN after the
    current cell). Pass ``x`` and ``kernel`` to step through your own numbers.
    Introduced in notebooks/02_convolution.ipynb.
    """

    title = "Sliding window: one output cell at a time"

    def __init__(self, x=None, kernel=None, size: int = 4, kernel_size: int = 3,
                 padding: int = 0, stride: int = 1) -> None:
        rng = np.random.default_rng(0)
        self._x_all = rng.integers(0, 10, (7, 7)).astype(float)
        self._k_all = rng.integers(-1, 3, (MAX_K, MAX_K)).astype(float)
        self._x = None if x is None else self._square(x, "x")
        self._k = None if kernel is None else self._square(kernel, "kernel")
        self._defaults = {
            "size": size if self._x is None else self._x.shape[0],
            "kernel_size": kernel_size if self._k is None else self._k.shape[0],
            "padding": padding, "stride": stride,
        }
        self._layout = LayoutCache()
        self._figs: dict = {}  # geometry -> its figure, reused when only the window moves
        super().__init__()

    @staticmethod
    def _square(a, name):
        a = np.asarray(a, dtype=float)
        if a.ndim != 2 or a.shape[0] != a.shape[1]:
            raise ValueError(f"SlidingWindowStepper: {name} must be a square 2-D array, got "
                             f"shape {a.shape}.")
        return a

    def _make_controls(self) -> dict:
        d = self._defaults
        fixed_x, fixed_k = self._x is not None, self._k is not None
        size = widgets.IntSlider(value=d["size"], min=d["size"] if fixed_x else 3,
                                 max=d["size"] if fixed_x else 7, description="input size",
                                 disabled=fixed_x)
        ks = widgets.IntSlider(value=d["kernel_size"], min=d["kernel_size"] if fixed_k else 1,
                               max=d["kernel_size"] if fixed_k else MAX_K,
                               description="kernel", disabled=fixed_k)
        padding = widgets.IntSlider(value=d["padding"], min=0, max=2, description="padding")
        stride = widgets.IntSlider(value=d["stride"], min=1, max=3, description="stride")
        n = self._n_positions(d["size"], d["kernel_size"], d["padding"], d["stride"]) or 1
        position = widgets.IntSlider(value=0, min=0, max=n - 1, description="output cell")
        self._position = position
        for c in (size, ks, padding, stride):
            c.observe(self._on_geometry, names="value")
        return {"size": size, "kernel_size": ks, "padding": padding, "stride": stride,
                "position": position}

    @staticmethod
    def _n_positions(size, K, P, S):
        try:
            return shapes.conv_output_size(size, K, S, P) ** 2
        except ValueError:
            return None

    def _on_geometry(self, change) -> None:
        v = {name: c.value for name, c in self.controls.items()} if hasattr(self, "controls") \
            else None
        if v is None:
            return
        n = self._n_positions(v["size"], v["kernel_size"], v["padding"], v["stride"])
        if n is None:
            return
        prev, self._batch = self._batch, True
        try:
            self._position.value = min(self._position.value, n - 1)
            self._position.max = n - 1
        finally:
            self._batch = prev

    def compute(self, size, kernel_size, padding, stride, position) -> dict:
        x = self._x if self._x is not None else self._x_all[:size, :size]
        k = self._k if self._k is not None else self._k_all[:kernel_size, :kernel_size]
        K, P, S = k.shape[0], padding, stride
        H_out = shapes.conv_output_size(x.shape[0], K, S, P)  # teaching ValueError if too big
        if not 0 <= position < H_out * H_out:
            raise ValueError(f"SlidingWindowStepper: output cell {position} does not exist; "
                             f"the output has {H_out}x{H_out} = {H_out * H_out} cells "
                             f"(0 to {H_out * H_out - 1}).")
        out = conv.conv2d_forward(x[None, None], k[None, None], stride=S, padding=P)[0][0, 0]
        i, j = divmod(position, H_out)
        x_padded = np.pad(x, P)
        window = x_padded[i * S:i * S + K, j * S:j * S + K]
        products = window * k
        so_far = np.full(out.shape, np.nan)
        so_far.ravel()[:position + 1] = out.ravel()[:position + 1]
        return {"x": x, "x_padded": x_padded, "kernel": k, "position": (i, j),
                "window": window, "products": products, "sum": float(products.sum()),
                "out": out, "out_so_far": so_far, "H_out": H_out, "W_out": H_out,
                "stride": S, "padding": P}

    def draw(self, state):
        key = (state["x_padded"].shape, state["kernel"].shape, state["out"].shape,
               state["stride"], state["padding"])
        if key in self._figs:  # this geometry was drawn before: only move the window
            return update_sliding_window(self._figs[key], state["products"],
                                         state["out_so_far"], state["position"], state["stride"])
        fig = plot_sliding_window(state["x_padded"], state["kernel"], state["products"],
                                  state["out_so_far"], state["position"], state["stride"],
                                  state["padding"])
        if len(self._figs) >= 64:
            self._figs.clear()
        self._figs[key] = fig
        return self._layout.apply(fig, key)

    def describe(self, state) -> str:
        i, j = state["position"]
        terms = " + ".join(f"{a:g}*{b:g}" for a, b in
                           zip(state["window"].ravel(), state["kernel"].ravel(), strict=True))
        if len(terms) > 160:
            terms = terms[:157] + "..."
        return f"out[{i}, {j}] = {terms} = {state['sum']:g}"
