"""The texts of notebook 03's exercises (statements, stubs, solutions) and of its "predict,
then move the slider" question; the checkers are in :mod:`.nb03_padding_stride`.
Introduced in notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward, conv2d_forward
from ..shapes import conv_output_size
from .core import Exercise, Prediction

__all__ = ["EXERCISES", "PREDICTIONS"]


def _stub(signature, doc, body="    raise NotImplementedError  # your code here\n"):
    return f'{signature}\n    """{doc}"""\n{body}'


_DEBUG_BODY = """\
    H, W = x.shape
    KH, KW = k.shape
    xp = np.zeros((H + 2 * padding, W + 2 * padding), dtype=x.dtype)
    {place}
    H_out = (H + 2 * padding - KH) // stride + 1
    W_out = (W + 2 * padding - KW) // stride + 1
    out = np.zeros((H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):{comment}
            out[i, j] = np.sum(xp[{rows}, {cols}] * k)
    return out
"""
_DEBUG_SIG = "def conv2d_strided(x, k, stride=1, padding=0):"
_DEBUG_DOC = "x (H, W), k (KH, KW) -> (H_out, W_out): zero padding, windows `stride` apart."

EXERCISES = [
    Exercise(
        "pick_padding_stride", "Pick the padding and the stride (design)",
        "Write `pick_padding_stride(W_in, W_out, K)` that returns `(P, S)`: a padding "
        "`0 <= P < K` and a stride `S >= 1` with which a `K`-wide kernel turns a `W_in`-wide "
        "input into exactly `W_out` outputs (a padding of `K` or more would make windows that "
        "see only zeros). Several answers can pass: the checker computes the size your "
        "`(P, S)` gives. Start by hand: which `P` and `S` map 28 to 14 with `K = 3`? Then find "
        "a rule that works for every case (or let a loop try the candidates).",
        _stub("def pick_padding_stride(W_in, W_out, K):",
              "(P, S) with floor((W_in + 2P - K) / S) + 1 == W_out and 0 <= P < K."),
        _stub("def pick_padding_stride(W_in, W_out, K):",
              "(P, S) with floor((W_in + 2P - K) / S) + 1 == W_out and 0 <= P < K.",
              "    S = -(-W_in // W_out)   # ceil(W_in / W_out): W_out windows S apart span "
              "W_in pixels\n"
              "    for P in range(K):      # then the smallest padding that gives exactly W_out\n"
              "        if (W_in + 2 * P - K) // S + 1 == W_out:\n"
              "            return P, S\n")),
    Exercise(
        "never_read", "The pixels a layer never reads (find)",
        "Write `never_read(H, K, S, P)` that returns a boolean array of shape `(H, H)`: `True` "
        "for each pixel of an `H x H` input that no `K x K` window reads, at stride `S` with "
        "padding `P`. Count as in section 1, but on the padded grid and with window `(i, j)` "
        "starting at `(i * S, j * S)`; then keep the real pixels. Section 3 found 480 such "
        "pixels for the seed's 34x34 input with `K = 3, S = 4, P = 1`: check that your mask "
        "agrees (`never_read(34, 3, 4, 1).sum()`).",
        _stub("def never_read(H, K, S, P):", "bool (H, H): True where no window reads the pixel."),
        _stub("def never_read(H, K, S, P):", "bool (H, H): True where no window reads the pixel.",
              "    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=int)   # the padded grid\n"
              "    n = (H + 2 * P - K) // S + 1                           # windows per axis\n"
              "    for i in range(n):\n"
              "        for j in range(n):\n"
              "            counts[i * S:i * S + K, j * S:j * S + K] += 1  # window (i, j) reads "
              "these\n"
              "    return counts[P:P + H, P:P + H] == 0                   # real pixels no window "
              "reads\n")),
    Exercise(
        "network_cost", "The cost of a small strided network (count)",
        "Write `network_cost(H, C_in, layers)` for a stack of square convolutions on an "
        "`H x H` input with `C_in` channels; `layers` is a list of `(C_out, K, S, P)`. Return "
        "`(parameters, multiply_adds)`: the parameters are the weights plus one bias per "
        "filter; the multiply-adds are those of the weights, one per weight per output "
        "position (as in section 4; the bias additions are not counted). Each layer's output "
        "is the next layer's input. First predict by hand: in the digit network "
        "`[(8, 3, 1, 1), (16, 3, 2, 1), (32, 3, 2, 1)]` on a `28 x 28 x 1` input, which layer "
        "has the most parameters, and which does the most multiply-adds?",
        _stub("def network_cost(H, C_in, layers):",
              "(parameters, multiply_adds) of square convs (C_out, K, S, P) on H x H x C_in."),
        _stub("def network_cost(H, C_in, layers):",
              "(parameters, multiply_adds) of square convs (C_out, K, S, P) on H x H x C_in.",
              "    params = macs = 0\n"
              "    for C_out, K, S, P in layers:\n"
              "        H_out = (H + 2 * P - K) // S + 1\n"
              "        params += C_out * (C_in * K * K + 1)          # weights + one bias per "
              "filter\n"
              "        macs += H_out * H_out * C_out * C_in * K * K  # each weight at each output "
              "position\n"
              "        H, C_in = H_out, C_out                        # the next layer's input\n"
              "    return params, macs\n"
              "# digit network: parameters 80, 1,168, 4,640 (the last layer has the most);\n"
              "# multiply-adds 56,448, 225,792, 225,792: halving H and W while doubling the\n"
              "# channels keeps the work of the layers after the stride\n")),
    Exercise(
        "conv2d_strided", "A strided convolution with two bugs (debug)",
        "A classmate extended notebook 02's core loop to padding and stride (one channel, 2-D "
        "`x` and `k`). Their function, in the cell below, is right for `stride=1, padding=0` "
        "and wrong otherwise: it has two bugs. Delete the `raise` line and run the cell; then "
        "call it on a `5 x 5` input with `padding=1, stride=2`, and on the same input with "
        "`padding=1, stride=1`, and compare with `cnnlib.conv.conv2d_forward` (it takes "
        "`x[None, None]` and `k[None, None]` and returns `(out, cache)`: compare with "
        "`out[0, 0]`). Read the error or the difference, fix one bug at a time, and run the "
        "checker.",
        _stub(_DEBUG_SIG, _DEBUG_DOC,
              "    raise NotImplementedError  # your code here: delete this line, then find "
              "the two bugs below\n" + _DEBUG_BODY.format(
                  place="xp[:H, :W] = x                                          # zero padding",
                  comment="", rows="i * stride:i + KH", cols="j * stride:j + KW")),
        _stub(_DEBUG_SIG, _DEBUG_DOC, _DEBUG_BODY.format(
            place="xp[padding:padding + H, padding:padding + W] = x       # bug 1: P zeros on "
                  "EVERY side",
            comment="\n            r, c = i * stride, j * stride            # bug 2: the whole "
                    "window moves",
            rows="r:r + KH", cols="c:c + KW"))),
]


def _n_never(H, K, S, P):
    """How many of the H x H pixels no window reads (cnnlib's backward counts the windows)."""
    out, cache = conv2d_forward(np.ones((1, 1, H, H)), np.ones((1, 1, K, K)), stride=S,
                                padding=P)
    return int((conv2d_backward(np.ones_like(out), cache)[0] == 0).sum())


PREDICTIONS = [
    Prediction(
        "ShapeExplorer",
        "**Predict, then move the sliders.** Set input H = 12, `K = 3`, `P = 1`. With `S = 4`: how "
        "many outputs are there, and how many of the 144 input pixels does no window read? "
        "Then with `S = 3`: how many outputs, how many pixels never read, and why?",
        f"S = 4: floor((12 + 2 - 3) / 4) + 1 = {conv_output_size(12, 3, stride=4, padding=1)} "
        "outputs. The windows cover padded rows 0-2, 4-6 and 8-10, so input rows 2 and 6 fall "
        "in the gaps (S > K) and rows 10 and 11 after the last window (the floor): 8 rows and "
        f"8 columns are read, and 144 - 64 = {_n_never(12, 3, 4, 1)} pixels never are. S = 3: "
        f"{conv_output_size(12, 3, stride=3, padding=1)} outputs, no gaps (S = K), and only "
        f"the last row and column are missed, by the floor: 144 - 121 = "
        f"{_n_never(12, 3, 3, 1)} pixels."),
]
