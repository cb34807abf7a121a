"""The texts of notebook 02's exercises (statements, stubs, solutions) and of its "predict,
then move the slider" questions; the checkers are in :mod:`.nb02_convolution`.
Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

from .core import Exercise, Prediction

__all__ = ["EXERCISES", "PREDICTIONS"]

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
        "layer_cost", "Count the cost of 01's MLP and 07's CNN, layer by layer (count)",
        "Section 11 counted, with a loop over the models, that notebook 07's CNN costs 7 times "
        "more arithmetic per digit than notebook 01's MLP. Now count it yourself, layer by "
        "layer. Both networks read one `1 x 28 x 28` digit and give 10 scores:\n\n"
        "- **MLP** (`cnnlib.models.mlp`): Flatten -> **Linear(784, 128)** -> ReLU -> "
        "**Linear(128, 10)**;\n"
        "- **CNN** (`cnnlib.models.digit_cnn`): **Conv2d(1, 8, 3, padding=1)** -> "
        "MaxPool2d(2) -> ReLU -> **Conv2d(8, 32, 3, padding=1)** -> MaxPool2d(2) -> ReLU -> "
        "Flatten -> **Linear(1568, 128)** -> ReLU -> **Linear(128, 10)**.\n\n"
        "`Linear(n_in, n_out)` is a dense layer (notebook 01). `Conv2d(C_in, C_out, K, "
        "padding=1)` is a convolution layer with `C_in` input channels and `C_out` filters of "
        "`K x K` (height and width), each with one bias; its input is framed by one row and "
        "column of zeros, which makes it a **same** convolution (section 4). `MaxPool2d(2)` "
        "(notebook 05) keeps the largest number of each `2 x 2` block of every channel: it "
        "halves height and width and has no weights.\n\n"
        "For each of the six layers in bold, fill in its parameters (every weight and bias it "
        "stores) and its multiply-adds on ONE digit (one per weight per output number that "
        "weight helps compute; the bias additions, the ReLUs and the pooling's comparisons are "
        "not counted). Write the arithmetic, e.g. `8 * 28 * 28`, not its result. **Predict "
        "first:** which single layer holds the most parameters, and which one does the most "
        "multiply-adds? When the check passes, it prints the totals and the answer.",
        'def layer_cost(layer):\n'
        '    """(parameters, multiply_adds) of one layer with weights, on one 1 x 28 x 28 '
        'digit."""\n'
        '    raise NotImplementedError  # your code here: delete this line, replace every 0\n'
        '    table = {\n'
        '        "MLP Linear(784, 128)": (0, 0),\n'
        '        "MLP Linear(128, 10)": (0, 0),\n'
        '        "CNN Conv2d(1, 8, 3, padding=1)": (0, 0),\n'
        '        "CNN Conv2d(8, 32, 3, padding=1)": (0, 0),\n'
        '        "CNN Linear(1568, 128)": (0, 0),\n'
        '        "CNN Linear(128, 10)": (0, 0),\n'
        '    }\n'
        '    return table[layer]\n',
        'def layer_cost(layer):\n'
        '    """(parameters, multiply_adds) of one layer with weights, on one 1 x 28 x 28 '
        'digit."""\n'
        '    table = {\n'
        '        # dense: a weight per (input, output) pair and a bias per output; each weight\n'
        '        # helps compute one output number\n'
        '        "MLP Linear(784, 128)": (784 * 128 + 128, 784 * 128),\n'
        '        "MLP Linear(128, 10)": (128 * 10 + 10, 128 * 10),\n'
        '        # convolution: C_out filters of C_in x 3 x 3 weights and a bias each; each\n'
        '        # weight is used at every output position: padding 1 keeps 28 x 28, and the\n'
        '        # first pooling halves it to 14 x 14 before the second convolution\n'
        '        "CNN Conv2d(1, 8, 3, padding=1)": (8 * (1 * 3 * 3 + 1), '
        '28 * 28 * 8 * 1 * 3 * 3),\n'
        '        "CNN Conv2d(8, 32, 3, padding=1)": (32 * (8 * 3 * 3 + 1),\n'
        '                                            14 * 14 * 32 * 8 * 3 * 3),\n'
        '        # the second pooling leaves 32 x 7 x 7 = 1,568 numbers for the dense layers\n'
        '        "CNN Linear(1568, 128)": (1568 * 128 + 128, 1568 * 128),\n'
        '        "CNN Linear(128, 10)": (128 * 10 + 10, 128 * 10),\n'
        '    }\n'
        '    return table[layer]\n'
        '# MLP: 101,770 parameters, 101,632 multiply-adds per digit. CNN: 204,538 parameters,\n'
        '# 710,016 multiply-adds, 7.0 times the MLP\'s. Its convolutions hold 1.2 % of its\n'
        '# parameters and do 71.6 % of its multiply-adds. The most parameters: Linear(1568,\n'
        '# 128), 98.2 % of them; the most multiply-adds: Conv2d(8, 32, 3), 451,584.\n'),
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
