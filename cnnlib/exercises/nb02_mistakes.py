"""The typical mistakes (wrong variants) and test images of notebook 02's exercise checkers.

Each function has the learner's signature and gives the answer a typical mistake gives;
:mod:`.nb02_convolution` pairs them with their hints. Introduced in
notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_forward, conv_matrix

__all__ = ["COST_HINTS", "LAYERS", "LAYER_NOTES", "PATTERNS", "as_kernel", "corr",
           "cost_variants", "layer_cost", "strongest"]

# --------------------------------------------------------------- the diagonal kernel
_R, _C = np.indices((8, 8))
PATTERNS = {  # 8 x 8 edges of the same contrast (0 dark, 1 light)
    "diagonal": (_R > _C).astype(np.float64),          # '\': light below the diagonal
    "vertical": (_C >= 4).astype(np.float64),          # light in columns 4-7
    "horizontal": (_R >= 4).astype(np.float64),        # light in rows 4-7
    "other diagonal": (_R + _C > 7).astype(np.float64),  # '/': light below the other diagonal
}
FLAT = np.full((5, 5), 0.5)
SOBEL_DIAGONAL = np.array([[0.0, -1, -2], [1, 0, -1], [2, 1, 0]])


def as_kernel(k):
    """The learner's answer as a float64 (3, 3) array of finite numbers, or None.
    Not used in the notebooks."""
    if isinstance(k, list | tuple):
        try:
            k = np.asarray(k)
        except (ValueError, TypeError, OverflowError):
            return None
    if not isinstance(k, np.ndarray) or k.dtype.kind not in "iuf" or k.shape != (3, 3):
        return None
    k = k.astype(np.float64)
    return k if np.all(np.isfinite(k)) else None


def corr(image, k):
    """Valid cross-correlation of a 2-D image with a 2-D kernel, tiny values set to 0.
    Not used in the notebooks."""
    out = conv2d_forward(image[None, None], k[None, None])[0][0, 0]
    out[np.abs(out) <= 1e-9 * (1.0 + np.abs(k).max())] = 0.0
    return out


def strongest(image, k) -> float:
    """The largest |output| of k on image.
    Not used in the notebooks."""
    return float(np.abs(corr(image, k)).max())


def kernel_sobel_x():
    return np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]])


def kernel_sobel_y():
    return kernel_sobel_x().T.copy()


def kernel_other_diagonal():
    return SOBEL_DIAGONAL[:, ::-1].copy()


def kernel_negated():
    return -SOBEL_DIAGONAL


def kernel_not_zero_sum():
    return np.array([[0.0, 0, 0], [1, 0, 0], [1, 1, 0]])


def kernel_two_corners():
    return np.array([[0.0, 0, -1], [0, 0, 0], [1, 0, 0]])


def kernel_silent():
    return np.zeros((3, 3))


# --------------------------------------------------------------- the cost of two networks
# layer -> (kind, inputs or input channels, outputs or filters, output side of a convolution)
LAYERS = {
    "MLP Linear(784, 128)": ("dense", 784, 128, None),
    "MLP Linear(128, 10)": ("dense", 128, 10, None),
    "CNN Conv2d(1, 8, 3, padding=1)": ("conv", 1, 8, 28),
    "CNN Conv2d(8, 32, 3, padding=1)": ("conv", 8, 32, 14),
    "CNN Linear(1568, 128)": ("dense", 1568, 128, None),
    "CNN Linear(128, 10)": ("dense", 128, 10, None),
}
LAYER_NOTES = {  # what the case label adds to the layer's name
    "MLP Linear(784, 128)": ": the MLP's 784 pixels to 128 hidden units",
    "MLP Linear(128, 10)": ": the MLP's 128 hidden units to 10 scores",
    "CNN Conv2d(1, 8, 3, padding=1)": ": the CNN's first layer, on the 1 x 28 x 28 digit",
    "CNN Conv2d(8, 32, 3, padding=1)": ": after the first 2 x 2 pooling",
    "CNN Linear(1568, 128)": ": after the second pooling and Flatten",
    "CNN Linear(128, 10)": ": the CNN's 128 hidden units to 10 scores",
}
K_COST = 3
# which side the convolution's multiply-adds are counted on, by mistake
_SIDES = {"out": lambda s: s, "before_pool": lambda s: 28, "valid": lambda s: s - K_COST + 1,
          "pooled": lambda s: s // 2}


def layer_cost(layer, bias=True, channels=True, filters=True, bias_mac=False, side="out",
               reuse=True):
    """(parameters, multiply-adds) of a layer of LAYERS on one digit; the flags put in one
    typical mistake. Not used in the notebooks."""
    kind, n_in, n_out, out_side = LAYERS[layer]
    if kind == "dense":
        return n_out * (n_in + bias), n_out * (n_in + bias_mac)
    taps = (n_in if channels else 1) * K_COST * K_COST
    F = n_out if filters else 1
    positions = _SIDES[side](out_side) ** 2 if reuse else 1
    return F * (taps + bias), positions * F * (taps + bias_mac)


COST_HINTS = {
    "no_bias": "a layer also stores one bias per filter (a convolution) or per output (a "
               "dense layer): the biases are parameters too.",
    "no_channels": "a filter reads ALL the input channels at once (section 5): Conv2d(C_in, "
                   "C_out, K) has C_out filters of C_in x K x K weights, not of K x K. How "
                   "many weights does one filter of this layer hold?",
    "one_filter": "the layer has C_out filters, each with its own weights and bias and its "
                  "own output map: count them all.",
    "bias_adds": "the bias is added, not multiplied: count one multiply-add per weight per "
                 "output number it helps compute, and nothing for the bias.",
    "no_reuse": "a convolution weight is used at EVERY output position, not once: section "
                "11's 9 weights did 6,084 multiply-adds on a 26 x 26 output. At how many "
                "positions does this layer compute its output?",
    "before_pool": "the 2 x 2 pooling before this layer halved its input from 28 x 28 to "
                   "14 x 14: count the positions of this layer's own output.",
    "valid": "padding=1 frames the input with zeros, so the 3 x 3 kernel fits at every pixel: "
             "the output keeps the input's height and width (a same convolution, section 4), "
             "not H - K + 1.",
    "pooled": "the pooling comes AFTER this convolution: the convolution first computes its "
              "whole output (as large as its input: padding 1), then the pooling keeps one "
              "number of each 2 x 2 block. Count the convolution's own output positions.",
}
_COST_MISTAKES = [  # (key, the mistake as flags, which items it changes)
    ("no_bias", {"bias": False}, "params"),
    ("no_channels", {"channels": False}, "both"),
    ("one_filter", {"filters": False}, "both"),
    ("bias_adds", {"bias_mac": True}, "macs"),
    ("no_reuse", {"reuse": False}, "macs"),
    ("no_reuse", {"reuse": False, "bias_mac": True}, "macs"),  # multiply-adds = parameters
    ("before_pool", {"side": "before_pool"}, "macs"),
    ("valid", {"side": "valid"}, "macs"),
    ("pooled", {"side": "pooled"}, "macs"),
]


def cost_variants():
    """(key, fn(layer)) for each typical mistake; one that changes both numbers also comes
    with only the parameters or only the multiply-adds wrong (a learner may slip on one).
    Not used in the notebooks."""
    out = []
    for key, flags, items in _COST_MISTAKES:
        spots = ("both", "params", "macs") if items == "both" else (items,)
        for spot in spots:
            def fn(layer, flags=flags, spot=spot):
                right, wrong = layer_cost(layer), layer_cost(layer, **flags)
                return (wrong[0] if spot in ("both", "params") else right[0],
                        wrong[1] if spot in ("both", "macs") else right[1])
            out.append((key, fn))
    return out


# --------------------------------------------------------------- the multi-channel loop
def multi(x, w, b=None):
    """cnnlib's answer for one image: x (C, H, W), w (F, C, KH, KW) -> (F, H_out, W_out)."""
    return conv2d_forward(x[None], w, b)[0][0]


def buggy_loop(x, w, b, bias_inside=True, rows_for_cols=True, dtype=None):
    """The exercise's code, with any of its three bugs left in."""
    F, C, KH, KW = w.shape
    H_out, W_out = x.shape[1] - KH + 1, x.shape[2] - KW + 1
    out = np.zeros((F, H_out, W_out), dtype=dtype)
    for f in range(F):
        for c in range(C):
            for i in range(H_out):
                for j in range(H_out if rows_for_cols else W_out):
                    out[f, i, j] += np.sum(x[c, i:i + KH, j:j + KW] * w[f, c]) + (
                        b[f] if bias_inside else 0)
        if not bias_inside:
            out[f] += b[f]
    return out


def multi_as_given(x, w, b):
    return buggy_loop(x, w, b)


def multi_bias_per_channel(x, w, b):
    return buggy_loop(x, w, b, rows_for_cols=False, dtype=x.dtype)


def multi_rows_for_cols(x, w, b):
    return buggy_loop(x, w, b, bias_inside=False, dtype=x.dtype)


def multi_rows_for_cols_unvisited_zero(x, w, b):
    """The same loop bug, the bias added per visited cell: unvisited cells stay 0."""
    out = multi(x, w, b)
    out[:, :, out.shape[1]:] = 0
    return out


def multi_no_bias(x, w, b):
    return multi(x, w)


def multi_first_channel(x, w, b):
    return multi(x[:1], w[:, :1], b)


def multi_mean_channels(x, w, b):
    return (multi(x, w) / x.shape[0] + b[:, None, None]).astype(x.dtype)


def multi_flipped(x, w, b):
    return multi(x, w[:, :, ::-1, ::-1].copy(), b)


# --------------------------------------------------------------- conv_matrix
def matrix(k, H, W):
    """cnnlib's answer: the (H_out * W_out, H * W) matrix of a valid 2-D cross-correlation."""
    return conv_matrix(k[None, None], (H, W))


def matrix_flipped(k, H, W):
    return matrix(k[::-1, ::-1].copy(), H, W)


def matrix_transposed(k, H, W):
    return matrix(k, H, W).T.copy()


def matrix_kernel_transposed(k, H, W):  # k[v, u] for k[u, v]
    return matrix(k.T.copy(), H, W)


def matrix_ones(k, H, W):
    return matrix(np.ones_like(k), H, W)


def matrix_output_width(k, H, W):
    """Input pixel (r, s) put in column r * W_out + s instead of r * W + s."""
    KH, KW = k.shape
    H_out, W_out = H - KH + 1, W - KW + 1
    M = np.zeros((H_out * W_out, H * W), dtype=k.dtype)
    for i in range(H_out):
        for j in range(W_out):
            for u in range(KH):
                for v in range(KW):
                    M[i * W_out + j, (i + u) * W_out + (j + v)] = k[u, v]
    return M
