"""Exercises of notebooks/02_convolution.ipynb: design a diagonal-edge kernel, count the cost of
a layer, debug a multi-channel loop, build the convolution matrix.

The wrong variants and test images live in :mod:`.nb02_mistakes`.
"""

from __future__ import annotations

import numpy as np

from . import nb02_mistakes as m
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_conv2d_multi_channel", "check_conv_cost", "check_conv_matrix",
           "check_diagonal_kernel"]


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


# ------------------------------------------------------------- 2. count: the cost of a layer
def check_conv_cost(fn, verbose=True):
    """Check ``fn(C_in, H, W, C_out, K)`` -> (parameters, multiply_adds) of a valid stride-1
    convolution layer with a bias per filter. Prints the result; returns a CheckResult.
    Introduced in notebooks/02_convolution.ipynb.
    """
    sizes = [
        ("a 28x28 grey digit, one 3x3 filter", (1, 28, 28, 1, 3)),
        ("the 3x128x128 crop, 4 filters of 3x3x3", (3, 128, 128, 4, 3)),
        ("the seed's 32x32x3 image with 12 filters of 3x3x3", (3, 32, 32, 12, 3)),
        ("non-square: 2 channels of 10x6, 5 filters of 5x5", (2, 10, 6, 5, 5)),
        ("1x1 convolution: 32 channels to 64", (32, 7, 9, 64, 1)),
        ("kernel as large as the image: one output cell per filter", (3, 5, 5, 10, 5)),
    ]
    cases = []
    for label, (C_in, H, W, C_out, K) in sizes:
        expected = (C_out * (C_in * K * K + 1), (H - K + 1) * (W - K + 1) * C_out * C_in * K * K)
        cases.append(Case(label, dict(zip(("C_in", "H", "W", "C_out", "K"),
                                          (C_in, H, W, C_out, K), strict=True)), expected))
    wrongs = [
        Wrong("no_bias", "the weights are right; each of the C_out filters also has a bias: "
              "C_out more parameters.", m.cost_no_bias),
        Wrong("input_size", "one multiply-add per weight per OUTPUT cell, and a valid "
              "convolution has (H - K + 1) x (W - K + 1) of them per filter, not H x W.",
              m.cost_input_size),
        Wrong("no_channels", "a filter spans every input channel: it has C_in x K x K "
              "weights, and each output cell costs C_in x K x K multiply-adds.",
              m.cost_no_channels),
        Wrong("one_filter", "each of the C_out filters visits every output cell: multiply "
              "by C_out.", m.cost_one_filter),
        Wrong("square", "height and width can differ: the output is (H - K + 1) x "
              "(W - K + 1).", m.cost_square),
        Wrong("bias_adds", "count only the multiply-adds of the weights (the C_in x K x K "
              "products summed per output cell), not the bias additions.", m.cost_bias_adds),
    ]
    return run_check("conv_cost", fn, cases, wrongs,
                     "parameters = C_out x (C_in x K x K + 1); multiply-adds = the number "
                     "of output cells, C_out x (H - K + 1) x (W - K + 1), times the "
                     "C_in x K x K weights each one uses.", verbose)


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


EXERCISES = [
    Exercise(
        "diagonal_kernel", "Design a kernel that finds diagonal edges (design)",
        "Sobel x finds vertical edges and Sobel y horizontal ones. Design a `3 x 3` kernel for "
        "edges along the diagonal `\\`. The test image is `np.tril(np.ones((8, 8)), -1)`: "
        "light (1) below the diagonal, dark (0) on and above it. Your kernel must\n\n"
        "1. give 0 on a flat image, whatever its brightness;\n"
        "2. answer this edge with a positive number (its output of largest |value| is > 0);\n"
        "3. answer it more strongly than a vertical, a horizontal or a `/` edge of the same "
        "contrast (compare the largest |output| on each).\n\n"
        "Try candidates in the kernel sandbox first (type them into the grid; the `camera` "
        "photo has diagonal edges). Return the kernel as a numpy array.",
        'def diagonal_kernel():\n'
        '    """A 3x3 kernel that finds edges along the diagonal \\\\ (light below it)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def diagonal_kernel():\n'
        '    """A 3x3 kernel that finds edges along the diagonal \\\\ (light below it)."""\n'
        '    # Sobel turned by 45 degrees: +1, +2, +1 below the diagonal, the negatives above\n'
        '    # it, 0 on it. A vertical or horizontal edge gets 3, this one 4, "/" gets 0.\n'
        '    return np.array([[0.0, -1.0, -2.0],\n'
        '                     [1.0, 0.0, -1.0],\n'
        '                     [2.0, 1.0, 0.0]])\n'),
    Exercise(
        "conv_cost", "Count the parameters and the multiply-adds of a layer (count)",
        "A convolution layer maps `C_in x H x W` to `C_out x H_out x W_out` with `C_out` "
        "filters of `C_in x K x K` weights and one bias each (valid, stride 1). Write "
        "`conv_cost(C_in, H, W, C_out, K)` that returns `(parameters, multiply_adds)`: the "
        "number of trainable numbers, and the multiply-adds of one forward pass on one image "
        "(one per weight per output cell; do not count the bias additions). Work one case out "
        "on paper first: section 11 counts the 28x28 digit with one 3x3 filter, without its "
        "bias.",
        'def conv_cost(C_in, H, W, C_out, K):\n'
        '    """-> (parameters, multiply_adds) of a valid, stride-1 conv layer with biases."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def conv_cost(C_in, H, W, C_out, K):\n'
        '    """-> (parameters, multiply_adds) of a valid, stride-1 conv layer with biases."""\n'
        '    H_out, W_out = H - K + 1, W - K + 1\n'
        '    parameters = C_out * (C_in * K * K + 1)       # weights, and one bias per filter\n'
        '    multiply_adds = H_out * W_out * C_out * C_in * K * K  # output cells x weights\n'
        '    return parameters, multiply_adds\n'),
    Exercise(
        "conv2d_multi_channel", "Debug a multi-channel convolution (debug)",
        "The function below should compute `out[f] = sum_c corr(x[c], w[f, c]) + b[f]` for one "
        "image `x` of shape `(C, H, W)`, filters `w` of shape `(F, C, KH, KW)` and biases `b` "
        "of shape `(F,)` (section 5). It gives the right answer for a one-channel, square, "
        "float64 image, yet it has **three bugs**. Delete the `raise` line, run the check, "
        "read the first failing case, fix one bug, repeat. (Small cases you can compute by "
        "hand, non-square shapes, several channels and float32: that is how layers are "
        "tested.)",
        'def conv2d_multi_channel(x, w, b):\n'
        '    """x (C, H, W), w (F, C, KH, KW), b (F,) -> out (F, H - KH + 1, W - KW + 1)."""\n'
        '    raise NotImplementedError  # your code here: delete this line, fix the code below\n'
        '    F, C, KH, KW = w.shape\n'
        '    H_out, W_out = x.shape[1] - KH + 1, x.shape[2] - KW + 1\n'
        '    out = np.zeros((F, H_out, W_out))\n'
        '    for f in range(F):\n'
        '        for c in range(C):\n'
        '            for i in range(H_out):\n'
        '                for j in range(H_out):\n'
        '                    out[f, i, j] += np.sum(x[c, i:i + KH, j:j + KW] * w[f, c]) + b[f]\n'
        '    return out\n',
        'def conv2d_multi_channel(x, w, b):\n'
        '    """x (C, H, W), w (F, C, KH, KW), b (F,) -> out (F, H - KH + 1, W - KW + 1)."""\n'
        '    F, C, KH, KW = w.shape\n'
        '    H_out, W_out = x.shape[1] - KH + 1, x.shape[2] - KW + 1\n'
        '    out = np.zeros((F, H_out, W_out), dtype=x.dtype)   # bug 3: keep the dtype\n'
        '    for f in range(F):\n'
        '        for c in range(C):\n'
        '            for i in range(H_out):\n'
        '                for j in range(W_out):                  # bug 2: W_out, not H_out\n'
        '                    out[f, i, j] += np.sum(x[c, i:i + KH, j:j + KW] * w[f, c])\n'
        '        out[f] += b[f]                                  # bug 1: the bias once\n'
        '    return out\n'),
    Exercise(
        "conv_matrix", "Build the convolution matrix yourself (write)",
        "Section 10 printed the matrix `M` of a 3x3 kernel on a 4x4 input. Write "
        "`conv_matrix(k, H, W)` for a kernel `k` of shape `(KH, KW)` and an `H x W` input: "
        "`M` has shape `(H_out * W_out, H * W)` and `M @ x.ravel()` equals "
        "`corr2d(x, k).ravel()` for every `H x W` image `x`. Row `i * W_out + j` is output "
        "pixel `(i, j)`, column `r * W + s` is input pixel `(r, s)`. Keep `k`'s dtype.",
        'def conv_matrix(k, H, W):\n'
        '    """k (KH, KW) -> M (H_out * W_out, H * W): M @ x.ravel() == corr2d(x, k).ravel()."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def conv_matrix(k, H, W):\n'
        '    """k (KH, KW) -> M (H_out * W_out, H * W): M @ x.ravel() == corr2d(x, k).ravel()."""\n'
        '    KH, KW = k.shape\n'
        '    H_out, W_out = H - KH + 1, W - KW + 1\n'
        '    M = np.zeros((H_out * W_out, H * W), dtype=k.dtype)\n'
        '    for i in range(H_out):\n'
        '        for j in range(W_out):\n'
        '            for u in range(KH):\n'
        '                for v in range(KW):    # weight k[u, v] meets input pixel (i+u, j+v)\n'
        '                    M[i * W_out + j, (i + u) * W + (j + v)] = k[u, v]\n'
        '    return M\n'),
]

PREDICTIONS = [
    Prediction(
        "SlidingWindowStepper",
        "**Predict, then step.** The stepper slides a 3x3 kernel over a 4x4 input with stride "
        "1 and no padding. How many positions does the window take, and which input pixels "
        "are covered by *every* position? Write your guess down, then step through and check.",
        "2 x 2 = 4 positions (4 - 3 + 1 = 2 per axis). Only the central 2x2 pixels, rows and "
        "columns 1..2, lie under all four windows; each corner pixel is read by one window "
        "only."),
    Prediction(
        "MultiChannelExplorer",
        "**Predict, then move the sliders.** (a) How many products does one output cell add "
        "up, and what is the shape of the whole output? (b) Pick filter 3, whose red and blue "
        "slices are 0: which panels go blank, and which map is `out[3]` then equal to? "
        "(c) Filter 2 averages the red channel and subtracts the blue one: on this orange-brown "
        "cat, is its output positive or negative?",
        "(a) 27 products (3 channels x 3 x 3), plus the bias; 4 filters on a 32 x 32 image "
        "give 4 x 30 x 30. (b) The red and blue maps are 0 everywhere, so `out[3]` is the "
        "green map alone. (c) positive everywhere on this photo: its fur and background hold "
        "more red than blue."),
    Prediction(
        "KernelSandbox",
        "**Predict, then look.** With the `sobel_x` preset (it subtracts the column on one "
        "side from the column on the other), which edges of the photo light up: vertical "
        "edges, horizontal edges, or both? What changes when you tick *flip*?",
        "Vertical edges, where the brightness changes from left to right: red where the photo "
        "gets lighter to the right, blue where it gets darker. Horizontal edges give 0, white "
        "in the output panel (black in the ReLU panel). Sobel x turned by 180° is exactly "
        "-Sobel x, so with *flip* every output only changes sign: red and blue swap, the same "
        "edges are found. That is special to such kernels: try `emboss`."),
]
