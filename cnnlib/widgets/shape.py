"""ShapeExplorer: how input size, kernel, padding, stride and dilation set the output size.

Introduced in notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

import ipywidgets as widgets
import numpy as np

from .. import conv, shapes
from ..plotting.core import LayoutCache
from ..plotting.shapes import plot_conv_shape, plot_transposed_shape
from .base import Explorer

__all__ = ["ShapeExplorer"]


def conv_formula(H, K, S, P, D, H_out) -> str:
    """The output-size formula of a convolution with the numbers substituted."""
    top = H + 2 * P - D * (K - 1) - 1
    text = (f"H_out = floor((H + 2P - D(K-1) - 1) / S) + 1\n      = floor(({H} + {2 * P} - "
            f"{D * (K - 1)} - 1) / {S}) + 1 = floor({top}/{S}) + 1 = {H_out}")
    if top % S:
        text += (f"\n{top}/{S} is not whole: the floor drops the last {top % S} row(s)/column(s)"
                 " of the padded input")
    span = D * (K - 1) + 1
    if S > span and H_out > 1:
        text += (f"\nS = {S} > span {span}: {S - span} row(s)/column(s) between two windows are"
                 " never read")
    return text


def transposed_formula(H, K, S, P, D, H_out) -> str:
    """The output-size formula of a transposed convolution with the numbers substituted."""
    return (f"H_out = (H - 1)S - 2P + D(K-1) + 1\n      = ({H} - 1)*{S} - {2 * P} + "
            f"{D * (K - 1)} + 1 = {H_out}")


class ShapeExplorer(Explorer):
    """Square input, square kernel: where the windows land and how big the output is.

    Controls: ``size`` (H = W), ``kernel_size``, ``padding``, ``stride``, ``dilation`` and
    ``transposed`` (the transposed convolution that goes back up). State (convolution):
    ``H_out`` (= :func:`cnnlib.shapes.conv_output_size`), ``starts`` (top-left row of each
    window), ``visited`` (bool, padded input: cells some kernel tap touches), ``never_visited``
    (bool (H, H): input pixels no window uses), ``n_never_visited``, ``remainder`` (what the
    floor drops), ``windows`` (top-left corners, in the padded input, of the first window and,
    when there is one, the next one along the row: the picture outlines both) and
    ``formula``. Transposed: ``H_out`` (= :func:`cnnlib.shapes.conv_transpose_output_size`),
    ``counts`` (how many kernel stamps cover each output cell before the padding crop, from
    cnnlib.conv.conv_transpose2d_forward) and ``stamps`` (top-left corners, before the crop,
    of the stamps of input pixels (0, 0) and (0, 1): S cells apart; both are outlined).
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """

    title = "Output size: padding, stride, dilation"

    def __init__(self, size: int = 5, kernel_size: int = 3, padding: int = 1, stride: int = 2,
                 dilation: int = 1, transposed: bool = False) -> None:
        self._defaults = {"size": size, "kernel_size": kernel_size, "padding": padding,
                          "stride": stride, "dilation": dilation, "transposed": transposed}
        self._layout = LayoutCache()
        super().__init__()

    def _make_controls(self) -> dict:
        d = self._defaults

        def slider(name, lo, hi, label):
            return widgets.IntSlider(value=d[name], min=lo, max=hi, description=label)

        return {
            "size": slider("size", 1, 12, "input H"),
            "kernel_size": slider("kernel_size", 1, 7, "kernel K"),
            "padding": slider("padding", 0, 3, "padding P"),
            "stride": slider("stride", 1, 4, "stride S"),
            "dilation": slider("dilation", 1, 3, "dilation D"),
            "transposed": widgets.Checkbox(value=d["transposed"], description="transposed",
                                           indent=False),
        }

    def compute(self, size, kernel_size, padding, stride, dilation, transposed) -> dict:
        H, K, P, S, D = size, kernel_size, padding, stride, dilation
        if transposed:
            return self._compute_transposed(H, K, P, S, D)
        H_out = shapes.conv_output_size(H, K, S, P, D)  # ValueError that teaches
        Hp = H + 2 * P
        starts = np.arange(H_out) * S
        rows = np.zeros(Hp, bool)
        rows[(starts[:, None] + D * np.arange(K)[None, :]).ravel()] = True
        visited = np.outer(rows, rows)
        never = ~visited[P:P + H, P:P + H]
        top = H + 2 * P - D * (K - 1) - 1
        windows = [(0, 0)] + ([(0, S)] if H_out > 1 else [])
        return {"transposed": False, "H": H, "K": K, "P": P, "S": S, "D": D,
                "H_out": H_out, "W_out": H_out, "starts": starts, "visited": visited,
                "never_visited": never, "n_never_visited": int(never.sum()),
                "remainder": top % S, "span": D * (K - 1) + 1, "windows": windows,
                "formula": conv_formula(H, K, S, P, D, H_out)}

    def _compute_transposed(self, H, K, P, S, D) -> dict:
        H_out = shapes.conv_transpose_output_size(H, K, S, P, D)  # ValueError that teaches
        ones_x = np.ones((1, 1, H, H))
        ones_w = np.ones((1, 1, K, K))
        counts = conv.conv_transpose2d_forward(ones_x, ones_w, stride=S, dilation=D)[0][0, 0]
        return {"transposed": True, "H": H, "K": K, "P": P, "S": S, "D": D,
                "H_out": H_out, "W_out": H_out, "counts": counts,
                "stamps": [(0, 0)] + ([(0, S)] if H > 1 else []),
                "formula": transposed_formula(H, K, S, P, D, H_out)}

    def draw(self, state):
        args = (state["H"], state["K"], state["S"], state["P"], state["D"])
        if state["transposed"]:
            fig = plot_transposed_shape(*args, state["counts"], state["H_out"], state["formula"])
        else:
            fig = plot_conv_shape(*args, state["visited"], state["H_out"], state["formula"])
        key = (state["transposed"], state["H"] + 2 * state["P"], state["H_out"],
               state["formula"].count("\n"))
        return self._layout.apply(fig, key)

    def describe(self, state) -> str:
        H, H_out = state["H"], state["H_out"]
        if state["transposed"]:
            return (f"transposed: {H}x{H} -> {H_out}x{H_out}; each input pixel stamps the "
                    f"{state['K']}x{state['K']} kernel, {state['S']} cell(s) after its "
                    "neighbour")
        text = f"{H}x{H} -> {H_out}x{H_out}"
        if state["n_never_visited"]:
            text += f"; {state['n_never_visited']} input pixels are never read"
        return text
