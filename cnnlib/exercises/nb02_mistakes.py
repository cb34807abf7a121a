"""The typical mistakes (wrong variants) and test images of notebook 02's exercise checkers.

Each function has the learner's signature and gives the answer a typical mistake gives;
:mod:`.nb02_convolution` pairs them with their hints. Introduced in
notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_forward, conv_matrix

__all__ = ["PATTERNS", "as_kernel", "corr", "strongest"]

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
    Introduced in notebooks/02_convolution.ipynb."""
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
    Introduced in notebooks/02_convolution.ipynb."""
    out = conv2d_forward(image[None, None], k[None, None])[0][0, 0]
    out[np.abs(out) <= 1e-9 * (1.0 + np.abs(k).max())] = 0.0
    return out


def strongest(image, k) -> float:
    """The largest |output| of k on image.
    Introduced in notebooks/02_convolution.ipynb."""
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


# --------------------------------------------------------------- the cost of a layer
def _out(H, W, K):
    return H - K + 1, W - K + 1


def cost_no_bias(C_in, H, W, C_out, K):
    Ho, Wo = _out(H, W, K)
    return C_out * C_in * K * K, Ho * Wo * C_out * C_in * K * K


def cost_input_size(C_in, H, W, C_out, K):
    return C_out * (C_in * K * K + 1), H * W * C_out * C_in * K * K


def cost_no_channels(C_in, H, W, C_out, K):
    Ho, Wo = _out(H, W, K)
    return C_out * (K * K + 1), Ho * Wo * C_out * K * K


def cost_one_filter(C_in, H, W, C_out, K):
    Ho, Wo = _out(H, W, K)
    return C_out * (C_in * K * K + 1), Ho * Wo * C_in * K * K


def cost_square(C_in, H, W, C_out, K):
    Ho = H - K + 1
    return C_out * (C_in * K * K + 1), Ho * Ho * C_out * C_in * K * K


def cost_bias_adds(C_in, H, W, C_out, K):
    Ho, Wo = _out(H, W, K)
    return C_out * (C_in * K * K + 1), Ho * Wo * C_out * (C_in * K * K + 1)


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
