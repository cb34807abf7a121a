"""Exercises of notebooks/02_convolution.ipynb: design a diagonal-edge kernel, count the cost of
01's MLP and 07's CNN, debug a multi-channel loop, build the convolution matrix.

The checkers are here; the wrong variants and test images live in :mod:`.nb02_mistakes`, the
statements, stubs, solutions and "predict" questions in :mod:`.nb02_texts` (re-exported here
as ``EXERCISES`` and ``PREDICTIONS``).
"""

from __future__ import annotations

import numpy as np

from . import nb02_mistakes as m
from .core import Case, Wrong, run_check
from .nb02_texts import EXERCISES, PREDICTIONS

__all__ = ["EXERCISES", "PREDICTIONS", "check_conv2d_multi_channel", "check_conv_matrix",
           "check_diagonal_kernel", "check_layer_cost"]


def _rng():
    return np.random.default_rng(2)


# ------------------------------------------------------------- 1. design: a diagonal kernel
def _run_flat(fn, image):
    """Signs of the outputs on a flat image (0 = no response); the answer itself when it is
    not a 3x3 array of numbers (so that a wrong type is named)."""
    answer = fn()
    k = m.as_kernel(answer)
    return answer if k is None else np.sign(m.corr(image, k))


def _run_sign(fn, image):
    """+1 / 0 / -1: the sign of the output with the largest |value| on the diagonal edge."""
    answer = fn()
    k = m.as_kernel(answer)
    if k is None:
        return answer
    out = m.corr(image, k).ravel()
    return int(np.sign(out[np.argmax(np.abs(out))]))


def _versus(other):
    def run(fn, image):
        """+1 if the diagonal edge gives a larger |output| than ``image``, 0 if the same, -1
        if smaller."""
        answer = fn()
        k = m.as_kernel(answer)
        if k is None:
            return answer
        diag, rival = m.strongest(m.PATTERNS["diagonal"], k), m.strongest(image, k)
        tol = 1e-9 * (1.0 + diag + rival)
        return 1 if diag > rival + tol else (0 if abs(diag - rival) <= tol else -1)
    return run


def _report(fn) -> None:
    """One more line after the check: the kernel's strongest response to each test image."""
    try:
        k = m.as_kernel(fn())
    except Exception:  # noqa: BLE001  (anything the learner's function does: no report)
        return
    if k is None:
        return
    s = {name: m.strongest(img, k) for name, img in m.PATTERNS.items()}
    flat = m.strongest(m.FLAT, k)
    print("   your kernel's largest |output|: " + ", ".join(
        f"{name} {v:.3g}" for name, v in s.items()) + f"; flat image {flat:.3g}")


def check_diagonal_kernel(fn, verbose=True):
    """Check ``fn()`` -> a 3x3 kernel that finds '\\' edges: 0 on a flat image, positive on
    the diagonal edge (light below), stronger there than on vertical, horizontal and '/'
    edges. Prints the result; returns a CheckResult.
    Introduced in notebooks/02_convolution.ipynb.
    """
    P = m.PATTERNS
    cases = [Case("a flat grey 5x5 image (every pixel 0.5): the sign of each of the 3x3 "
                  "outputs (0 = no response)", {"image": m.FLAT}, np.zeros((3, 3)),
                  run=_run_flat)]
    for name in ("vertical", "horizontal", "other diagonal"):
        cases.append(Case(f"a {name} edge of the same contrast: +1 if your kernel's largest "
                          f"|output| is larger on the '\\' edge than on this one, 0 if the "
                          f"same, -1 if smaller", {"image": P[name]}, 1, run=_versus(name)))
    cases.append(Case("the '\\' edge: the sign of the output with the largest |value| (+1: "
                      "the light side below the diagonal gives a positive number)",
                      {"image": P["diagonal"]}, 1, run=_run_sign))
    wrongs = [
        Wrong("not_zero_sum", "a flat image has no edge, yet your kernel answers it: its "
              "weights do not add up to 0. Balance the positive weights with negative ones.",
              m.kernel_not_zero_sum),
        Wrong("silent", "your kernel gives 0 on the diagonal edge. Give the corner below the "
              "diagonal (k[2, 0]) a positive weight and the opposite corner (k[0, 2]) a "
              "negative one.", m.kernel_silent),
        Wrong("other_diagonal", "your kernel finds the other diagonal, '/': its weights grow "
              "from k[0, 0] to k[2, 2]. Turn it a quarter: positive at k[2, 0], negative at "
              "k[0, 2].", m.kernel_other_diagonal),
        Wrong("negated", "your kernel finds this edge with the opposite sign: the light side "
              "below the diagonal gives a negative output. Swap the sign of every weight.",
              m.kernel_negated),
        Wrong("vertical", "your kernel answers a vertical edge at least as strongly: its "
              "weights change from column to column, as in Sobel x. For a '\\' edge they must "
              "change across the diagonal: positive below it (k[1, 0], k[2, 0], k[2, 1]), "
              "negative above it.",
              m.kernel_sobel_x),
        Wrong("horizontal", "your kernel answers a horizontal edge at least as strongly: its "
              "weights change from row to row only, as in Sobel y. For a '\\' edge they must "
              "change across the diagonal: positive below it, negative above it.",
              m.kernel_sobel_y),
        Wrong("two_corners", "two weights are not enough: k[2, 0] and k[0, 2] alone answer a "
              "vertical or horizontal edge as strongly as the diagonal one. Give the whole "
              "triangle below the diagonal positive weights and the one above negative "
              "weights (the diagonal itself 0), as Sobel does with its columns.",
              m.kernel_two_corners),
    ]
    result = run_check("diagonal_kernel", fn, cases, wrongs,
                       "check the three requirements one at a time on the test images: the "
                       "weights add up to 0; the output is positive where the light side is "
                       "below the '\\' diagonal; that edge gives a larger |output| than the "
                       "vertical, horizontal and '/' edges.", verbose)
    if verbose and result.status != "not attempted":
        _report(fn)
    return result


# ------------------------------------------------------------- 2. count: two networks
def _cost_report(fn) -> None:
    """After a pass: the learner's table summed per network, and what it says."""
    try:
        cost = {layer: tuple(int(v) for v in fn(layer)) for layer in m.LAYERS}
    except Exception:  # noqa: BLE001  (anything the learner's function does: no report)
        return
    total = {net: [sum(cost[k][i] for k in cost if k.startswith(net)) for i in (0, 1)]
             for net in ("MLP", "CNN")}
    conv = [sum(cost[k][i] for k in cost if "Conv2d" in k) for i in (0, 1)]
    (mp, mm), (cp, cm) = total["MLP"], total["CNN"]
    top = [max(cost, key=lambda k, i=i: cost[k][i]) for i in (0, 1)]
    print(f"   MLP: {mp:,} parameters, {mm:,} multiply-adds per digit\n"
          f"   CNN: {cp:,} parameters, {cm:,} multiply-adds per digit: {cm / mm:.1f} times the "
          f"MLP's work.\n   The CNN's two convolutions hold {conv[0] / cp:.1%} of its "
          f"parameters and do {conv[1] / cm:.1%} of its multiply-adds.\n"
          f"   Most parameters: {top[0]} ({cost[top[0]][0]:,}); most multiply-adds: "
          f"{top[1]} ({cost[top[1]][1]:,}).")


def check_layer_cost(fn, verbose=True):
    """Check ``fn(layer)`` -> (parameters, multiply_adds) of each layer with weights of
    cnnlib.models.mlp and cnnlib.models.digit_cnn, on one 1 x 28 x 28 digit (the names are
    the keys of the stub's table). Prints the result (and, on a pass, the totals); returns a
    CheckResult. Introduced in notebooks/02_convolution.ipynb.
    """
    cases = [Case(f"{layer}{note}", {"layer": layer}, m.layer_cost(layer))
             for layer, note in m.LAYER_NOTES.items()]
    wrongs = [Wrong(key, m.COST_HINTS[key], variant) for key, variant in m.cost_variants()]
    result = run_check("layer_cost", fn, cases, wrongs,
                       "write down each layer's input and output shapes first (padding=1 keeps "
                       "the height and width; each MaxPool2d(2) halves them). Parameters: every "
                       "weight and every bias the layer stores. Multiply-adds: every weight, "
                       "times the number of output numbers it helps compute.", verbose)
    if verbose and result.passed:
        _cost_report(fn)
    return result


# ------------------------------------------------------------- 3. debug: a multi-channel loop
def check_conv2d_multi_channel(fn, verbose=True):
    """Check ``fn(x, w, b)``: x (C, H, W), w (F, C, KH, KW), b (F,) -> (F, H_out, W_out).

    Prints the result; returns a CheckResult. Introduced in notebooks/02_convolution.ipynb.
    """
    rng = _rng()
    shapes = [
        ("one channel, one filter, square 5x5 (the buggy code passes this one)", (1, 5, 5),
         (1, 1, 3, 3)),
        ("an RGB 4x4 image, 2 filters of 3x3x3", (3, 4, 4), (2, 3, 3, 3)),
        ("wider than tall: 2 channels of 5x7, 4 filters of 2x3", (2, 5, 7), (4, 2, 2, 3)),
        ("taller than wide: 2 channels of 6x4, 3 filters of 2x2", (2, 6, 4), (3, 2, 2, 2)),
        ("1x1 kernels mix channels only", (3, 3, 4), (2, 3, 1, 1)),
        ("kernel as large as the image: one value per filter", (2, 3, 3), (3, 2, 3, 3)),
        ("float32 in, float32 out", (2, 4, 4), (2, 2, 3, 3)),
    ]
    cases = []
    for label, xs, ws in shapes:
        dtype = np.float32 if "float32" in label else np.float64
        x = rng.normal(size=xs).astype(dtype)
        w = rng.normal(size=ws).astype(dtype)
        b = rng.normal(size=ws[0]).astype(dtype)
        cases.append(Case(label, {"x": x, "w": w, "b": b}, m.multi(x, w, b),
                          rtol=1e-5 if dtype == np.float32 else 1e-6))
    wrongs = [
        Wrong("as_given", "this is still the code as given. Its first bug shows as soon as "
              "C > 1: b[f] is added inside the loop over the channels, C times; add it once, "
              "after the sum over c.", m.multi_as_given),
        Wrong("bias_per_channel", "b[f] is added once per input channel (inside the loop over "
              "c): add it once per output cell, after summing over the C channels.",
              m.multi_bias_per_channel),
        *(Wrong("rows_for_cols", "the last columns are never visited when the output is "
                "wider than tall: j must run over range(W_out), not range(H_out).", fn)
          for fn in (m.multi_rows_for_cols, m.multi_rows_for_cols_unvisited_zero)),
        Wrong("no_bias", "the bias is missing: add b[f] once to every output of filter f.",
              m.multi_no_bias),
        Wrong("first_channel", "only the first input channel counts: sum the products over "
              "all C channels, out[f] = sum_c corr(x[c], w[f, c]) + b[f].",
              m.multi_first_channel),
        Wrong("mean_channels", "you averaged over the channels: a filter SUMS its C channel "
              "responses (no division by C).", m.multi_mean_channels),
        Wrong("flipped", "you flipped the kernels: that is true convolution; frameworks and "
              "this course compute cross-correlation (no flip).", m.multi_flipped),
    ]
    return run_check("conv2d_multi_channel", fn, cases, wrongs,
                     "each output channel f is the sum over c of the cross-correlation of x[c] "
                     "with w[f, c], plus b[f] once; the shape is (F, H - KH + 1, W - KW + 1).",
                     verbose)


# ------------------------------------------------------------- 4. write: the conv matrix
def check_conv_matrix(fn, verbose=True):
    """Check ``fn(k, H, W)`` -> M (H_out * W_out, H * W) with M @ x.ravel() equal to the valid
    cross-correlation of an H x W image x with k, raveled. Prints the result; returns a
    CheckResult. Introduced in notebooks/02_convolution.ipynb.
    """
    rng = _rng()
    arrays = [
        ("weights 1..9 on a 4x4 input (the matrix printed in the notebook)",
         np.arange(1.0, 10.0).reshape(3, 3), 4, 4),
        ("a 2x2 kernel on a non-square 3x5 input", rng.normal(size=(2, 2)), 3, 5),
        ("a non-square 1x3 kernel on a 4x4 input", np.array([[1.0, 2.0, 3.0]]), 4, 4),
        ("a 2x1 kernel on a 5x1 column", np.array([[2.0], [-1.0]]), 5, 1),
        ("a 1x1 kernel: M = 2.5 x the identity", np.array([[2.5]]), 2, 3),
        ("kernel as large as the input: one row", rng.normal(size=(3, 3)), 3, 3),
        ("float32 in, float32 out", rng.normal(size=(2, 2)).astype(np.float32), 3, 3),
    ]
    cases = [Case(label, {"k": k, "H": H, "W": W}, m.matrix(k, H, W)) for label, k, H, W
             in arrays]
    wrongs = [
        Wrong("transposed", "rows and columns are swapped: M has one ROW per output pixel "
              "(H_out * W_out rows) and one column per input pixel (H * W).",
              m.matrix_transposed),
        Wrong("output_width", "input pixel (r, s) is column r * W + s: W is the width of the "
              "INPUT (you used W_out there).", m.matrix_output_width),
        Wrong("ones", "store the weight k[u, v] in each entry, not 1: the matrix must "
              "compute the products.", m.matrix_ones),
        Wrong("flipped", "you flipped the kernel (true convolution): output (i, j) takes "
              "k[u, v] x x[i + u, j + v], no flip.", m.matrix_flipped),
        Wrong("kernel_transposed", "k[u, v] goes with input pixel (i + u, j + v): u moves "
              "down the rows with i, v along the columns with j.", m.matrix_kernel_transposed),
    ]
    return run_check("conv_matrix", fn, cases, wrongs,
                     "entry [i * W_out + j, (i + u) * W + (j + v)] of M is k[u, v]; every "
                     "other entry is 0. Check your matrix on the 4x4 case against the one "
                     "printed in the notebook.", verbose)
