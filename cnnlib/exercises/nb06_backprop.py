"""Checkers of notebooks/06_backpropagation_through_conv.ipynb: where one dout lands, the full
conv_backward (CS231n level), a planted bug in the im2col backward, the numerical gradient of
a layer. The texts (statements, stubs, solutions) are in :mod:`.nb06_texts`, the learner-style
mistakes, as code, in :mod:`.nb06_mistakes`; the cases of a (dx, dw, db) answer, its float64
check and its report (dx, dw, db by name, the problem and hint first) in :mod:`.nb06_gradients`.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_gradient_array
from .core import Case, Wrong, run_check
from .nb06_gradients import GENERIC, backward_cases, float64_check, gradient_report
from .nb06_mistakes import (
    conv_backward_loop,
    conv_layer,
    conv_tanh_layer,
    correlation_backward,
    im2col_backward,
    matrix_layer,
    numeric_variant,
    region_variant,
    square_layer,
    wrong_output_size,
)
from .nb06_texts import EXERCISES, PREDICTIONS

__all__ = ["EXERCISES", "PREDICTIONS", "check_conv_backward", "check_conv_backward_im2col",
           "check_numerical_gradient_array", "check_touched_region"]


# ------------------------------------------------------------- where one dout lands
def check_touched_region(fn, verbose=True):
    """Check ``fn(i, j, K, S, P, H, W)`` -> (top, bottom, left, right): dx[top:bottom,
    left:right] are the entries of dx that one nonzero dout[i, j] changes.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    data = [
        ("inside: output (1, 1), K = 3, stride 1, no padding, 5x5 input", 1, 1, 3, 1, 0, 5, 5),
        ("stride 2: output (1, 2) of a 7x7 input, no padding", 1, 2, 3, 2, 0, 7, 7),
        ("padding 1: output (0, 0)'s window hangs over the top-left corner", 0, 0, 3, 1, 1, 4, 4),
        ("stride 2, padding 1, the last output (2, 2) of a 5x5 input: cut at the bottom and "
         "right", 2, 2, 3, 2, 1, 5, 5),
        ("non-square 4x6 input, K = 2, stride 2, padding 1, output (2, 1)", 2, 1, 2, 2, 1, 4, 6),
        ("K = 5, stride 3, padding 2, 8x8 input, output (0, 2)", 0, 2, 5, 3, 2, 8, 8),
    ]
    cases = [Case(label, {"i": i, "j": j, "K": K, "S": S, "P": P, "H": H, "W": W},
                  region_variant(i, j, K, S, P, H, W)) for label, i, j, K, S, P, H, W in data]

    def variant(**kw):
        return lambda i, j, K, S, P, H, W: region_variant(i, j, K, S, P, H, W, **kw)

    wrongs = [
        Wrong("no_shift", "the window of output (i, j) starts at row S*i of the PADDED input "
              "xp, which is row S*i - P of x: subtract the padding.", variant(shift=0)),
        Wrong("plus_pad", "xp has P extra rows on top, so row r of xp is row r - P of x: "
              "top = S*i - P, not S*i + P.", variant(shift=-1)),
        Wrong("no_stride", "output i's window starts S*i rows down (the stride), not i rows.",
              variant(stride=False)),
        Wrong("no_clip", "dx only has the H x W pixels of x: window rows in the padding (< 0 or "
              ">= H) receive nothing. Clip: top = max(top, 0), bottom = min(bottom, H).",
              variant(clip=False)),
        Wrong("inclusive", "bottom and right are slice ends, as in dx[top:bottom]: one past the "
              "last row, top + K (before clipping), not top + K - 1.", variant(stop=-1)),
        Wrong("clip_minus_1", "bottom is a slice end, so the last row of x is reached with "
              "bottom = H (dx[top:H] includes row H - 1): clip to H and W, not H - 1, W - 1.",
              variant(limit=1)),
        Wrong("swap_hw", "you clipped, but with the sizes swapped: H counts rows (top, bottom), "
              "W counts columns (left, right). The 4x6 case shows it.", variant(swap=True)),
        Wrong("order", "the values are the right four numbers in another order: return "
              "(top, bottom, left, right), the rows first, so that dx[top:bottom, left:right] "
              "is the region.", variant(order="tlbr")),
    ]
    return run_check("touched_region", fn, cases, wrongs,
                     "top = S*i - P and bottom = top + K (the window in x's coordinates), then "
                     "clipped to 0..H; the same for the columns with j and W.", verbose)


# ------------------------------------------------------------- the full conv_backward
BACKWARD_SHAPES = [
    # label, (N, C, H, W), (F, KH, KW), stride, pad
    ("one 4x4 image, one 3x3 filter, stride 1, no padding", (1, 1, 4, 4), (1, 3, 3), 1, 0),
    ("F = C = 2, padding 1 (out as large as x), 2 images", (2, 2, 5, 5), (2, 3, 3), 1, 1),
    ("stride 2, padding 1: neighbouring windows share a row", (2, 3, 7, 7), (4, 3, 3), 2, 1),
    ("stride 2, no padding, 6x6: the floor drops the last row and column (they get 0)",
     (2, 2, 6, 6), (3, 3, 3), 2, 0),
    ("a 2x3 kernel, stride 3, padding 1, a 6x8 input", (1, 2, 6, 8), (2, 2, 3), 3, 1),
    ("the kernel covers the whole padded input: dout is 1x1", (1, 2, 3, 3), (3, 5, 5), 1, 1),
    ("float32 stays float32", (2, 2, 5, 5), (3, 3, 3), 2, 1),
]

# where each gradient is derived, for the hint when a mistake is not recognised
SECTIONS = {"dx": "section 4 (the kernel stamped back at (S*i, S*j) of xp, 'With stride'), "
                  "with section 1's rule: cut the padding frame off",
            "dw": "section 3 (the window each output read, at (S*i, S*j) of xp)",
            "db": "section 2"}


def check_conv_backward(fn, verbose=True):
    """Check ``fn(dout, x, w, stride, pad)`` -> (dx, dw, db) of a convolution with stride and
    zero padding, against cnnlib; on a pass, also a float64 gradient check.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    cases = backward_cases(BACKWARD_SHAPES, 11)

    def mistake(key):
        return lambda dout, x, w, stride, pad: conv_backward_loop(dout, x, w, stride, pad, key)

    def correlation(**kw):
        return lambda dout, x, w, stride, pad: correlation_backward(dout, x, w, stride, pad,
                                                                    **kw)

    rotation = ("dx is the cross-correlation of the zero-padded dout with the kernel ROTATED "
                "by 180° (w[:, :, ::-1, ::-1]), i.e. a true convolution with w as it is. In the "
                "loop view there is no rotation: each output stamps g * w[f], unrotated.")
    stride = ("with stride S the window of output (i, j) starts at (S*i, S*j) of xp: stamp "
              "there (in the correlation view: dilate dout first, S - 1 zeros between entries).")
    short = ("you dilated dout, but when the floor dropped rows (H + 2P - KH not a multiple of "
             "S) the dilated dout must still reach the stride-1 output size H + 2P - KH + 1: "
             "pad it with zeros at the bottom and right (section 4, 'With stride'). Those "
             "input rows were never read, so their gradient is 0.")
    assign = ("windows overlap, and every filter f sends something back to the same pixels: "
              "ACCUMULATE with += (dxp[...] += g * w[f], dw[f] += g * window).")
    db = ("db[f] adds dout over the images AND the positions, one number per filter: "
          "dout.sum(axis=(0, 2, 3)).")
    wrongs = [
        Wrong("no_rotation", rotation, mistake("no_rotation")),
        Wrong("no_rotation", rotation, correlation(rotate=False)),
        Wrong("no_crop", "dx has the shape of x: you returned the gradient of the padded input "
              "xp; cut P rows and columns off each side, dxp[:, :, P:P + H, P:P + W].",
              mistake("no_crop")),
        Wrong("crop_one_side", "cut the padding off BOTH sides: dxp[:, :, P:P + H, P:P + W], "
              "not dxp[:, :, :H, :W].", mistake("crop_one_side")),
        Wrong("crop_minus", "with pad = 0, dxp[:, :, P:-P] is EMPTY (-0 is 0, so it means "
              "0:0): write dxp[:, :, P:P + H, P:P + W].", mistake("crop_minus")),
        Wrong("not_dilated", stride, correlation(dilate="none", crop="slice")),
        Wrong("not_dilated", stride, correlation(dilate="none", crop="minus")),
        Wrong("dilated_short", short, correlation(dilate="short", crop="slice")),
        Wrong("dilated_short", short, correlation(dilate="short", crop="minus")),
        Wrong("dx_step_1", stride, mistake("dx_step_1")),
        Wrong("no_stride", stride + " The same window gives dw.", mistake("no_stride")),
        Wrong("assign_dx", assign, mistake("assign_dx")),
        Wrong("assign_both", assign, mistake("assign_both")),
        Wrong("swap_fc", "dx[n, c] collects from every FILTER f through w[f, c]: the stamp is "
              "g * w[f] (shape (C, KH, KW)); in the correlation view the rotated kernel is "
              "w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3), shape (C, F, KH, KW). Without the "
              "swap it only runs when F == C, and is wrong.", mistake("swap_fc")),
        Wrong("swap_fc", "dx[n, c] collects from every FILTER f through w[f, c]: in the "
              "correlation view the rotated kernel is w[:, :, ::-1, ::-1].transpose(1, 0, 2, "
              "3), shape (C, F, KH, KW). Without the swap it only runs when F == C, and is "
              "wrong.", correlation(swap=False)),
        Wrong("out_size", "your loops stop one output row and column short: H_out = (H + 2P - "
              "KH) // S + 1 (the + 1 counts the first window), or simply loop over "
              "range(dout.shape[2]) and range(dout.shape[3]).", wrong_output_size),
        Wrong("dw_trick_uncropped", "dw has the shape of w: the dw trick (conv2d_forward of "
              "the transposed x and dout, dilation S) gives an extra row or column when the "
              "floor dropped rows; they belong to no weight: keep the first KH x KW "
              "(section 3).", correlation(dw="trick_uncropped")),
        Wrong("db_no_batch", db, mistake("db_no_batch")),
        Wrong("db_only_batch", db, mistake("db_only_batch")),
        Wrong("db_per_image", db + " axis=(1, 2, 3) sums over the FILTERS and leaves one "
              "number per image.", mistake("db_per_image")),
        Wrong("db_mean", "the bias adds b[f] to every output, so its gradient SUMS dout over "
              "them (a mean would divide by N*H_out*W_out): dout.sum(axis=(0, 2, 3)).",
              mistake("db_mean")),
        Wrong("dw_mean", "the gradient SUMS the contributions of every image: do not divide "
              "by N.", mistake("dw_mean")),
        Wrong("dw_rotated", "dw has no rotation: dw[f] += dout[n, f, i, j] * window, the "
              "window as the forward pass read it.", mistake("dw_rotated")),
    ]
    result = run_check("conv_backward", fn, cases, wrongs, GENERIC, verbose=False)
    gradient_report(result, fn, cases, SECTIONS)
    if result.passed:
        errors = float64_check(fn)
        result.message += ("\n   and a float64 gradient check (cnnlib.gradcheck.check_pair, "
                           "stride 2, padding 1): " +
                           ", ".join(f"d{k} {v:.1e}" for k, v in errors.items()) +
                           (": good" if max(errors.values()) < 1e-7 else ": NOT good"))
    if verbose:
        print(result.message)
    return result


# ------------------------------------------------------------- the planted im2col bug
def check_conv_backward_im2col(fn, verbose=True):
    """Check ``fn(dout, x, w, stride, pad)`` -> (dx, dw, db): the planted im2col backward, fixed.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    data = [
        ("one filter (F = 1), two images, stride 1, padding 1", (2, 2, 5, 5), (1, 3, 3), 1, 1),
        ("two filters (F = 2), one image, stride 1, padding 1", (1, 2, 5, 5), (2, 3, 3), 1, 1),
        ("three filters, three images, one channel, stride 2, padding 1", (3, 1, 7, 7),
         (3, 3, 3), 2, 1),
        ("float32 stays float32", (2, 2, 6, 6), (2, 3, 3), 2, 0),
    ]
    cases = backward_cases(data, 13)

    def layout(**kw):
        return lambda dout, x, w, stride, pad: im2col_backward(dout, x, w, stride, pad, **kw)

    wrongs = [
        Wrong("planted", "still the planted line. The evidence: case 1 (one filter) passes; "
              "with two filters dw and db are right and only dx is wrong. dw = dout_matrix @ "
              "cols.T needs cols and dout_matrix, so they are right: the bug is in a line that "
              "dx uses and dw does not. Run those lines on a tiny w (w = np.arange(2 * 1 * 2 "
              "* 2.0).reshape(2, 1, 2, 2)) and print what comes out.",
              layout(w_matrix="planted")),
        Wrong("w_T", "w.T reverses ALL four axes, (KW, KH, C, F): its rows come out in the "
              "order (kj, ki, c), but the rows of cols are (c, ki, kj). Only the filter axis "
              "must move.", layout(w_matrix="w_T")),
        Wrong("swap_fc", "w.transpose(1, 0, 2, 3) is (C, F, KH, KW): reshaped to (-1, F) its "
              "rows mix filters and kernel entries. Row (c, ki, kj) of W_matrix.T must hold "
              "w[:, c, ki, kj], the F filters' weights for that entry.",
              layout(w_matrix="swap_fc")),
        Wrong("dout_layout", "dw was right before you changed dout_matrix: its columns must be "
              "in cols' (n, i, j) order, dout.transpose(1, 0, 2, 3).reshape(F, -1) "
              "(section 5). Put that line back and look again.",
              layout(w_matrix="planted", dout_layout="reshape")),
        Wrong("dout_layout", "dout_matrix was right (it must list the outputs in cols' "
              "(n, i, j) order: dout.transpose(1, 0, 2, 3).reshape(F, -1), section 5): put "
              "it back. Your change to the other line may be right.",
              layout(dout_layout="reshape")),
    ]
    result = run_check("conv_backward_im2col", fn, cases, wrongs, GENERIC, verbose=False)
    gradient_report(result, fn, cases, {
        "dx": "section 5 (dx = col2im(W_matrix.T @ dout_matrix)): print each line it uses",
        "dw": "section 5 (dw = dout_matrix @ cols.T)", "db": "section 2"})
    if verbose:
        print(result.message)
    return result


# ------------------------------------------------------------- numerical gradient of a layer
def check_numerical_gradient_array(fn, verbose=True):
    """Check ``fn(f, x, dout, h)``: the numerical gradient of L = sum(f(x) * dout) for a layer
    f whose output is an array (dout has its shape).

    Prints the result; returns a CheckResult.
    Introduced in notebooks/06_backpropagation_through_conv.ipynb.
    """
    rng = np.random.default_rng(10)
    data = [
        ("f = x**2 entry by entry, a 2x3 x", square_layer, rng.normal(size=(2, 3)), 1e-5),
        ("f = A @ x, a (3, 4) matrix: out has another shape than x", matrix_layer,
         rng.normal(size=4), 1e-5),
        ("f = a 3x3 convolution of a (1, 1, 4, 4) x (as in section 7)", conv_layer,
         rng.normal(size=(1, 1, 4, 4)), 1e-5),
        ("f = tanh(convolution, stride 2, padding 1), 2 channels", conv_tanh_layer,
         rng.normal(size=(1, 2, 5, 5)), 1e-6),
        ("one entry, h = 1e-3", square_layer, np.array([1.5]), 1e-3),
    ]
    cases = []
    for label, f, x, h in data:
        dout = rng.normal(size=np.shape(f(x)))
        cases.append(Case(label, {"f": f, "x": x, "dout": dout, "h": h},
                          numerical_gradient_array(f, x.copy(), dout, h),
                          rtol=1e-6, atol=1e-8))
    weighted = lambda p, m, d: np.sum((p - m) * d)  # noqa: E731
    wrongs = [
        Wrong("no_dout", "L is sum(f(x) * dout): weight the change of every output by its "
              "dout. Without it you differentiate sum(f(x)), as if dout were all ones, and a "
              "bug in how the backward routes dout could never show.",
              numeric_variant(lambda p, m, d: np.sum(p - m), 2)),
        Wrong("mean", "L is a SUM over the outputs, sum(f(x) * dout): np.mean divides by the "
              "number of outputs.", numeric_variant(lambda p, m, d: np.mean((p - m) * d), 2)),
        Wrong("forward", "(f(x + h) - f(x)) / h is the one-sided difference (error O(h)); use "
              "the central one, (f(x + h) - f(x - h)) / (2h) (error O(h²)).",
              numeric_variant(weighted, 1)),
        Wrong("no_restore", "restore x[k] to its old value after the two evaluations: "
              "otherwise every later entry is measured at a shifted x.",
              numeric_variant(weighted, 2, restore=False)),
        Wrong("over_h", "divide by 2h: x + h and x - h are 2h apart.",
              numeric_variant(lambda p, m, d: 2 * np.sum((p - m) * d), 2)),
    ]
    return run_check("numerical_gradient_array", fn, cases, wrongs,
                     "for each index k: save x[k], set x[k] + h, out_plus = f(x), set "
                     "x[k] - h, out_minus = f(x), restore x[k]; dx[k] = sum((out_plus - "
                     "out_minus) * dout) / (2h).", verbose)
