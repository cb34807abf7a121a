"""KernelSandbox: edit a kernel, see it filter a photo.

Computes with :func:`cnnlib.conv.conv2d_forward` (float32, as networks do) and draws with
:func:`cnnlib.plotting.conv.plot_kernel_result`. Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import conv, data
from ..kernels import KERNEL_NAMES, get_kernel
from ..plotting.conv import (
    clipped_fraction,
    output_palette,
    percent,
    plot_kernel_result,
    update_kernel_result,
)
from ..plotting.core import LayoutCache, short_number
from .base import Explorer, NumberCell, parse_number

__all__ = ["KernelSandbox"]

MAX_K = 5
SANDBOX_SIDE = 128


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


def cell_text(v) -> str:
    """What a kernel cell shows for the number ``v``: at most 4 decimals ("0.1111", "-2")."""
    v = round(float(v), 4) + 0.0  # + 0.0: no "-0"
    return f"{v:g}"


class KernelSandbox(Explorer):
    """Filter a grey photo with an editable 3x3 or 5x5 kernel (cross-correlation, no padding).

    Controls: ``image`` (cnnlib.data photos, shrunk to 128 px), ``size`` (3 or 5), ``preset``
    (named kernels of :mod:`cnnlib.kernels`; blank after a hand edit), ``flip`` (flip the
    kernel both ways first: true convolution) and the cells ``k{i}{j}`` = kernel[i, j]: text
    boxes (CSS class ``cnn-kernel-cell``; those outside the current size hidden and disabled)
    read by :func:`cnnlib.widgets.base.parse_number`, so text that is not a number, or a
    number float32 cannot hold, gets a one-line message. ``set(k11=5.0)`` accepts numbers.
    State: ``image`` (H, W), ``kernel`` (K, K) as typed, ``applied_kernel`` (flipped or not),
    ``output`` (H-K+1, W-K+1), ``relu_output``, ``palette`` (the output's colour map:
    grey when the kernel sums to 1, the diverging map for signed outputs) and ``clipped``
    (the fraction of the output outside [0, 1] when it is drawn grey over [0, 1], else 0).
    ``set_kernel(array)`` types a whole kernel.
    Introduced in notebooks/02_convolution.ipynb.
    """

    title = "Kernel sandbox: a kernel slid over a photo"

    def __init__(self, image: str = "camera", preset: str = "sobel_x", size: int = 3,
                 flip: bool = False) -> None:
        self._defaults = {"image": image, "preset": preset, "size": size, "flip": flip}
        self._images: dict[str, np.ndarray] = {}
        self._fig = None
        super().__init__()

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
        self._cells = {
            f"k{i}{j}": NumberCell(cell_text(k0[i, j] if i < d["size"] and j < d["size"] else 0),
                                   layout=widgets.Layout(width="64px"))
            for i in range(MAX_K) for j in range(MAX_K)}
        self._grid = widgets.GridBox(list(self._cells.values()))
        self._show_cells(d["size"])
        return {"image": image, "size": size, "preset": preset, "flip": flip, **self._cells}

    def _arrange(self, controls) -> list:
        """The kernel cells as a K x K grid beside the other controls."""
        return [widgets.VBox([controls[n] for n in ("image", "size", "preset", "flip")]),
                self._grid]

    def _reactions(self) -> dict:
        return {"preset": self._on_preset, "size": self._on_size,
                **{name: self._on_cell for name in self._cells}}

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
        self._grid.layout.grid_template_columns = f"repeat({K}, 66px)"

    def _fill(self, kernel: np.ndarray) -> None:
        """Write ``kernel`` into the cells (zeros elsewhere), redrawing once at the end."""
        K = kernel.shape[0]
        with self.quiet():
            for i in range(MAX_K):
                for j in range(MAX_K):
                    self._cells[f"k{i}{j}"].value = cell_text(kernel[i, j]) \
                        if i < K and j < K else "0"

    def _typed(self, K: int) -> np.ndarray:
        """The K x K kernel as typed (NaN where a cell holds no number)."""
        def read(text):
            try:
                return parse_number(text)
            except ValueError:
                return np.nan
        return np.array([[read(self._cells[f"k{i}{j}"].value) for j in range(K)]
                         for i in range(K)])

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
        # a hand-made kernel keeps its centre: a 3x3 sits in the middle of the 5x5, the
        # middle of a 5x5 becomes the 3x3 (the texts move as typed)
        texts = np.array([[self._cells[f"k{i}{j}"].value for j in range(MAX_K)]
                          for i in range(MAX_K)], dtype=object)[:old, :old]
        grid = np.full((MAX_K, MAX_K), "0", dtype=object)
        if new > old:
            o = (new - old) // 2
            grid[o:o + old, o:o + old] = texts
        else:
            o = (old - new) // 2
            grid[:new, :new] = texts[o:o + new, o:o + new]
        with self.quiet():
            for (i, j), text in np.ndenumerate(grid):
                self._cells[f"k{i}{j}"].value = text

    def _on_cell(self, change) -> None:
        preset, K = self.controls["preset"], self.controls["size"].value
        if preset.value is None:
            return
        if not np.allclose(self._typed(K), get_kernel(preset.value, K), atol=1e-4):
            preset.value = None  # a hand-made kernel: no preset any more

    def set(self, **values):
        """As :meth:`Explorer.set`; kernel cells also accept numbers (``set(k11=5.0)``)."""
        values = {name: cell_text(v) if name in self._cells and not isinstance(v, str) else v
                  for name, v in values.items()}
        return super().set(**values)

    def set_kernel(self, kernel) -> KernelSandbox:
        """Type a whole (3, 3) or (5, 5) kernel into the grid and redraw once."""
        kernel = np.asarray(kernel, dtype=float)
        if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.shape[0] not in (3, 5):
            raise ValueError(f"KernelSandbox.set_kernel: the kernel must be 3x3 or 5x5, got "
                             f"shape {kernel.shape}.")
        with self.quiet():
            self.controls["preset"].value = None
            self.controls["size"].value = kernel.shape[0]
            self._fill(kernel)
        return self

    # ---------------------------------------------------------------- compute / draw
    def compute(self, image, size, preset, flip, **cells) -> dict:
        if preset is not None:  # exact values (the cells show them rounded to 4 decimals)
            kernel = get_kernel(preset, size)
        else:
            kernel = np.array([[parse_number(cells[f"k{i}{j}"], f"KernelSandbox: cell ({i}, {j})")
                                for j in range(size)] for i in range(size)])
        if image not in self._images:
            self._images[image] = _small_gray(image)
        img = self._images[image]
        applied = kernel[::-1, ::-1].copy() if flip else kernel
        with np.errstate(over="ignore", invalid="ignore"):  # checked just below
            out, _ = conv.conv2d_forward(img[None, None], applied[None, None].astype(np.float32))
        output = out[0, 0]
        if not np.all(np.isfinite(output)):
            raise ValueError("KernelSandbox: the output overflows float32 (some sums of "
                             "products pass 3.4e38): make the kernel's numbers smaller.")
        cmap, lo, hi, _ = output_palette(applied, output)
        clipped = clipped_fraction(output) if (lo, hi) == (0.0, 1.0) else 0.0
        return {"image": img, "kernel": kernel, "applied_kernel": applied, "output": output,
                "relu_output": np.maximum(output, 0), "flip": bool(flip), "preset": preset,
                "palette": cmap, "clipped": clipped}

    def draw(self, state):
        args = (state["image"], state["applied_kernel"], state["output"], state["relu_output"])
        if self._fig is None:
            self._fig = LayoutCache().apply(plot_kernel_result(*args))
            return self._fig
        return update_kernel_result(self._fig, *args)

    def describe(self, state) -> str:
        h, w = state["image"].shape
        K = state["kernel"].shape[0]
        name = state["preset"] or "your kernel"
        flip = ", flipped" if state["flip"] else ""
        out = state["output"]
        clipped = (f"; {percent(state['clipped'])} of its pixels lie outside [0, 1], drawn "
                   f"clipped to black or white" if state["clipped"] else "")
        return (f"{name}{flip}: {h}x{w} input, {K}x{K} kernel -> {h - K + 1}x{w - K + 1} "
                f"output (W - K + 1); kernel sum {short_number(state['kernel'].sum())}; output "
                f"range [{short_number(out.min())}, {short_number(out.max())}]{clipped}")
