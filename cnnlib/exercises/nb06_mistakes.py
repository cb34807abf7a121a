"""The typical mistakes of a hand-written convolution backward, as code.

:func:`conv_backward_loop` is the learner's ``conv_backward`` of notebook 06 (loops over
n, f, i, j, as in CS231n), with one switch per mistake: the exercise checker recognises a
learner's answer by running the same mistakes, and the GradCheckLab plants them
(:func:`planted_backward`) to show how far the relative error jumps.
Introduced in notebooks/06_backpropagation_through_conv.ipynb.
"""

from __future__ import annotations

import numpy as np

__all__ = ["LAB_BUGS", "MISTAKES", "conv_backward_loop", "planted_backward"]

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
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
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
          "db_only_batch": dout.sum(axis=0)}.get(bug, dout.sum(axis=(0, 2, 3)))
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
