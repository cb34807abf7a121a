"""The typical mistakes of a hand-written convolution backward, as code.

:func:`conv_backward_loop` is the learner's ``conv_backward`` of notebook 06 (loops over
n, f, i, j, as in CS231n), with one switch per mistake: the exercise checker recognises a
learner's answer by running the same mistakes, and the GradCheckLab plants them
(:func:`planted_backward`) to show how far the relative error jumps. The other routes a
learner takes have their own: :func:`correlation_backward` (the gather view of section 4)
and :func:`im2col_backward` (the matrix view of section 5). Exercises 1 and 4 have theirs
too: :func:`region_variant` and :func:`numeric_variant` (with the small layers it is checked
on).
Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

import numpy as np

from ..conv import conv2d_backward, conv2d_forward

__all__ = ["LAB_BUGS", "MISTAKES", "conv_backward_loop", "conv_layer", "conv_tanh_layer",
           "correlation_backward", "im2col_backward", "matrix_layer", "numeric_variant",
           "planted_backward", "reference_backward", "region_variant", "square_layer",
           "wrong_output_size"]

# key -> what the mistake is, in the words of the GradCheckLab and the notebook
MISTAKES = {
    "none": "no bug: the right backward",
    "no_rotation": "dx correlates dout with the kernel as it is (or stamps a rotated kernel)",
    "no_crop": "dx keeps the padding: the gradient of xp, not of x",
    "crop_one_side": "dx = dxp[:, :, :H, :W]: the padding is cut at the bottom and right only",
    "crop_minus": "dx = dxp[:, :, P:-P, P:-P]: empty when P = 0 (-0 is 0)",
    "dx_step_1": "dx: the windows are stamped at (i, j), not at (S*i, S*j): stride not dilated",
    "no_stride": "dx and dw: every window at (i, j), not at (S*i, S*j)",
    "assign_dx": "dx: = instead of += (a window overwrites what earlier windows sent)",
    "assign_both": "dx and dw: = instead of +=",
    "swap_fc": "dx uses w[c, f] for w[f, c]: F and C swapped (runs only when F == C)",
    "db_no_batch": "db summed over i, j only: shape (N, F)",
    "db_only_batch": "db summed over the images only: shape (F, H_out, W_out)",
    "db_per_image": "db summed over axes (1, 2, 3): one number per image, not per filter",
    "db_mean": "db averaged instead of summed",
    "dw_mean": "dw averaged over the images instead of summed",
    "dw_rotated": "dw rotated by 180 degrees",
}

# the mistakes the GradCheckLab plants: (label in its dropdown, key); all keep dx's shape
LAB_BUGS = [("none", "none"), ("no rotation", "no_rotation"),
            ("padding cut on one side", "crop_one_side"),
            ("stride not dilated", "dx_step_1"), ("= instead of +=", "assign_both"),
            ("F and C swapped", "swap_fc")]


def conv_backward_loop(dout, x, w, stride, pad, bug="none"):
    """(dx, dw, db) of ``out = conv(x, w) + b`` (stride and padding ints), with loops.

    dout (N, F, H_out, W_out), x (N, C, H, W), w (F, C, KH, KW). Every output (n, f, i, j)
    read the window ``xp[n, :, S*i:S*i+KH, S*j:S*j+KW]`` of the padded input xp, so it sends
    ``dout * window`` to dw[f] and ``dout * w[f]`` back onto that window of dxp; dx is dxp
    without its padding. ``bug``: a key of :data:`MISTAKES` to plant that mistake.
    Not used in the notebooks.
    """
    if bug not in MISTAKES:
        raise ValueError(f"conv_backward_loop: bug must be one of {sorted(MISTAKES)}, "
                         f"got {bug!r}.")
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    S, P = stride, pad
    xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    stamp = {"no_rotation": w[:, :, ::-1, ::-1],            # what dx stamps, per filter f
             "swap_fc": w.transpose(1, 0, 2, 3)}.get(bug, w)
    if stamp.shape[1] != C:
        raise ValueError("conv_backward_loop: 'swap_fc' needs as many filters as channels.")
    step_x = 1 if bug in ("dx_step_1", "no_stride") else S   # where output (i, j)'s window is
    step_w = 1 if bug == "no_stride" else S
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    g = dout[n, f, i, j]
                    rows = slice(step_w * i, step_w * i + KH)
                    cols = slice(step_w * j, step_w * j + KW)
                    if bug == "assign_both":
                        dw[f] = g * xp[n, :, rows, cols]
                    else:
                        dw[f] += g * xp[n, :, rows, cols]
                    rows = slice(step_x * i, step_x * i + KH)
                    cols = slice(step_x * j, step_x * j + KW)
                    if bug in ("assign_dx", "assign_both"):
                        dxp[n, :, rows, cols] = g * stamp[f]
                    else:
                        dxp[n, :, rows, cols] += g * stamp[f]
    crops = {"none": dxp[:, :, P:P + H, P:P + W], "no_crop": dxp,
             "crop_one_side": dxp[:, :, :H, :W],
             "crop_minus": dxp[:, :, P:-P, P:-P]}
    dx = crops.get(bug, crops["none"])
    db = {"db_no_batch": dout.sum(axis=(2, 3)),
          "db_only_batch": dout.sum(axis=0), "db_per_image": dout.sum(axis=(1, 2, 3)),
          "db_mean": dout.mean(axis=(0, 2, 3))}.get(bug, dout.sum(axis=(0, 2, 3)))
    if bug == "dw_mean":
        dw = dw / N
    elif bug == "dw_rotated":
        dw = dw[:, :, ::-1, ::-1]
    return dx, dw, db


def planted_backward(dout, cache, bug="none"):
    """conv2d_backward (dx, dw, db) for a cache of ``cnnlib.conv.conv2d_forward`` (no dilation),
    with the mistake ``bug`` (a key of :data:`MISTAKES`) planted; db is None without a bias.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    (SH, SW), (PH, PW) = cache["stride"], cache["padding"]
    if SH != SW or PH != PW or tuple(cache["dilation"]) != (1, 1):
        raise ValueError("planted_backward: square stride and padding, no dilation.")
    dx, dw, db = conv_backward_loop(dout, cache["x"], cache["w"], SH, PH, bug)
    return dx, dw, (db if cache["has_bias"] else None)


def reference_backward(dout, x, w, stride, pad):
    """cnnlib's (dx, dw, db) of ``out = conv(x, w) + b`` with int stride and padding.
    Not used in the notebooks."""
    _, cache = conv2d_forward(x, w, np.zeros(w.shape[0], dtype=x.dtype), stride=stride,
                              padding=pad)
    return conv2d_backward(dout, cache)


def wrong_output_size(dout, x, w, stride, pad):
    """The loops of :func:`conv_backward_loop` over H_out = (H + 2P - KH) // S outputs, the
    + 1 forgotten: the last output row and column send nothing back (db is right).
    Not used in the notebooks."""
    d = dout.copy()
    d[:, :, -1, :] = 0
    d[:, :, :, -1] = 0
    dx, dw, _ = conv_backward_loop(d, x, w, stride, pad)
    return dx, dw, dout.sum(axis=(0, 2, 3))


def correlation_backward(dout, x, w, stride, pad, rotate=True, swap=True, dilate="full",
                         crop="slice", dw="loop"):
    """(dx, dw, db) by the gather view: dx = the full cross-correlation of the dilated dout
    with the rotated, F/C-swapped kernel, padding cut off. The keywords are the mistakes:
    ``rotate``/``swap`` False; ``dilate`` "none" (not dilated) or "short" (dilated to
    S*(H_out - 1) + 1, not to the stride-1 size H + 2P - KH + 1); ``crop`` "slice"
    (dxp[:, :, P:P + H]) or "minus" (dxp[:, :, P:rows - P]); ``dw`` "trick_uncropped"
    (section 3's conv2d_forward trick without keeping the first KH x KW).
    Not used in the notebooks.
    """
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    S, P = stride, pad
    d = dout
    if dilate != "none":
        H_out, W_out = dout.shape[2:]
        size = ((H + 2 * P - KH + 1, W + 2 * P - KW + 1) if dilate == "full" else
                (S * (H_out - 1) + 1, S * (W_out - 1) + 1))
        d = np.zeros((N, F, *size), dtype=dout.dtype)
        d[:, :, ::S, ::S] = dout
    k = w[:, :, ::-1, ::-1] if rotate else w
    k = np.ascontiguousarray(k.transpose(1, 0, 2, 3) if swap else k)
    dxp = conv2d_forward(d, k, padding=(KH - 1, KW - 1))[0]
    dx = (dxp[:, :, P:P + H, P:P + W] if crop == "slice" else
          dxp[:, :, P:dxp.shape[2] - P, P:dxp.shape[3] - P])
    if dw == "trick_uncropped":
        dwt = conv2d_forward(x.transpose(1, 0, 2, 3), dout.transpose(1, 0, 2, 3), padding=P,
                             dilation=S)[0]
        grad_w = np.ascontiguousarray(dwt.transpose(1, 0, 2, 3))
    else:
        grad_w = reference_backward(dout, x, w, S, P)[1]
    return dx, grad_w, dout.sum(axis=(0, 2, 3))


def im2col_backward(dout, x, w, stride, pad, w_matrix="right", dout_layout="right"):
    """(dx, dw, db) in the matrix view of section 5. ``w_matrix`` other than "right" builds
    W_matrix.T wrongly: "planted" w.reshape(-1, F) (Exercise 3's bug), "w_T"
    w.T.reshape(-1, F), "swap_fc" w.transpose(1, 0, 2, 3).reshape(-1, F); ``dout_layout``
    "reshape" is dout.reshape(F, -1), without moving F to the front.
    Not used in the notebooks.
    """
    from ..im2col_simple import col2im_simple, im2col_simple

    F, _, KH, KW = w.shape
    cols = im2col_simple(x, (KH, KW), stride, pad)
    dout_matrix = {"right": dout.transpose(1, 0, 2, 3).reshape(F, -1),
                   "reshape": dout.reshape(F, -1)}[dout_layout]
    w_t = {"right": w.reshape(F, -1).T, "planted": w.reshape(-1, F),
           "w_T": w.T.reshape(-1, F), "swap_fc": w.transpose(1, 0, 2, 3).reshape(-1, F)}[w_matrix]
    dw = (dout_matrix @ cols.T).reshape(w.shape)
    dx = col2im_simple(w_t @ dout_matrix, x.shape, (KH, KW), stride, pad)
    return dx, dw, dout.sum(axis=(0, 2, 3))


# ------------------------------------------------- Exercise 1: where one dout lands
def region_variant(i, j, K, S, P, H, W, shift=1, stride=True, clip=True, stop=0, swap=False,
            order="tblr", limit=0):
    """(top, bottom, left, right): the rows and columns of x under output (i, j)'s window, the
    answer of Exercise 1. The keywords are the mistakes: ``shift`` 0 (no padding shift) or
    -1 (P added), ``stride`` False, ``clip`` False, ``stop`` -1 (inclusive ends), ``swap``
    (rows clipped by W), ``order`` "tlbr" (top, left, bottom, right), ``limit`` 1 (clipped
    to H - 1). Not used in the notebooks."""
    top = (S if stride else 1) * i - shift * P
    left = (S if stride else 1) * j - shift * P
    bottom, right = top + K + stop, left + K + stop
    if clip:
        rows, cols = (W, H) if swap else (H, W)
        top, left = max(top, 0), max(left, 0)
        bottom, right = min(bottom, rows - limit), min(right, cols - limit)
    return (top, left, bottom, right) if order == "tlbr" else (top, bottom, left, right)


# ------------------------------------------------- Exercise 4: the numerical gradient of a layer
def square_layer(x):
    """x**2, entry by entry. Not used in the notebooks."""
    return x ** 2


def matrix_layer(x):
    """A (3, 4) matrix times x (4,): out has another shape than x.
    Not used in the notebooks."""
    return np.arange(1.0, 13.0).reshape(3, 4) @ x


def conv_layer(x):
    """A fixed 3x3 convolution of x (N, 1, H, W).
    Not used in the notebooks."""
    return conv2d_forward(x, np.linspace(-1.0, 1.0, 9).reshape(1, 1, 3, 3))[0]


def conv_tanh_layer(x):
    """tanh of a fixed 2-filter 3x3 convolution of x (N, 2, H, W), stride 2, padding 1.
    Not used in the notebooks."""
    w = np.cos(np.arange(2 * 2 * 9.0)).reshape(2, 2, 3, 3)
    return np.tanh(conv2d_forward(x, w, stride=2, padding=1)[0])


def numeric_variant(reduce, step, restore=True):
    """A learner's numerical_gradient_array (Exercise 4): ``reduce(out_plus, out_minus, dout)``
    gives the number divided by ``step * h`` (step 2: central, 1: one-sided); ``restore``
    False leaves every nudged entry at x - h.
    Not used in the notebooks."""
    def fn(f, x, dout, h=1e-5):
        dx = np.zeros_like(x)
        for k in np.ndindex(x.shape):
            old = x[k]
            x[k] = old + h
            plus = f(x)
            x[k] = old - h if step == 2 else old
            minus = f(x)
            if restore:
                x[k] = old
            dx[k] = reduce(plus, minus, dout) / (step * h)
        return dx
    return fn
