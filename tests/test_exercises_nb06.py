"""Notebook 06's exercises: where one dout lands (predict), the full conv_backward (write), the
planted im2col bug (debug), the numerical gradient of a layer (write).

Typical wrong answers are written here as a learner would write them (loops, the correlation
view, a "fix" that misses a line), not taken from the checker's own variants; each must be
rejected with the hint of its mistake. The mistakes module and the touched-region rule are
checked against cnnlib, and the facts of the GradCheckLab's predict answer are recomputed.
(The generic checks of every exercise, solutions, stubs and wrong types, are in
tests/test_exercises.py and tests/test_exercise_checkers.py.)
"""

import numpy as np
import pytest
from exercise_helpers import assert_gets_hint, assert_recognised, check, define
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnlib.exercises as ex
from cnnlib import conv
from cnnlib.exercises import nb06_texts
from cnnlib.exercises.nb06_mistakes import MISTAKES, conv_backward_loop, planted_backward
from cnnlib.gradcheck import check_pair, numerical_gradient, rel_error


def solution(name):
    return define(next(e for e in nb06_texts.EXERCISES if e.name == name).solution, name)


# ----------------------------------------------------------------- learner-style conv_backward
def corr2d(a, k):
    """Valid cross-correlation of 2-D a with 2-D k, written out."""
    KH, KW = k.shape
    out = np.zeros((a.shape[0] - KH + 1, a.shape[1] - KW + 1), dtype=a.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(a[i:i + KH, j:j + KW] * k)
    return out


def learner_loop(dout, x, w, stride, pad, *, step=None, assign_dx=False, assign_dw=False,
                 stamp=None, crop="right", db_axes=(0, 2, 3), dw_scale=1.0):
    """A learner's loop conv_backward; the keywords are the slips a learner makes."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    S, P = stride, pad
    step = S if step is None else step
    xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    dxp = np.zeros(xp.shape, dtype=x.dtype)
    dw = np.zeros(w.shape, dtype=w.dtype)
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    g = dout[n, f, i, j]
                    r, c = step * i, step * j
                    window = xp[n, :, r:r + KH, c:c + KW]
                    if assign_dw:
                        dw[f] = g * window
                    else:
                        dw[f] += g * window
                    k = w[f] if stamp is None else stamp(w, f)
                    if assign_dx:
                        dxp[n, :, r:r + KH, c:c + KW] = g * k
                    else:
                        dxp[n, :, r:r + KH, c:c + KW] += g * k
    dx = {"right": dxp[:, :, P:P + H, P:P + W], "none": dxp, "one_side": dxp[:, :, :H, :W],
          "minus": dxp[:, :, P:-P, P:-P]}[crop]
    return dx, dw * dw_scale, dout.sum(axis=db_axes)


def learner_correlation(dout, x, w, stride, pad, rotate=True, swap=True, dilate="full",
                        crop="minus", dw_by="loop", db_axes=(0, 2, 3)):
    """The gather view: dilate dout, pad it by K - 1, correlate with the rotated kernel."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    S, P = stride, pad
    H_out, W_out = dout.shape[2:]
    if dilate == "full":         # section 4: the stride-1 output size
        d = np.zeros((N, F, H + 2 * P - KH + 1, W + 2 * P - KW + 1), dtype=dout.dtype)
        d[:, :, ::S, ::S] = dout
    elif dilate == "short":      # S - 1 zeros between entries, nothing after the last one
        d = np.zeros((N, F, S * (H_out - 1) + 1, S * (W_out - 1) + 1), dtype=dout.dtype)
        d[:, :, ::S, ::S] = dout
    else:
        d = dout
    d = np.pad(d, ((0, 0), (0, 0), (KH - 1, KH - 1), (KW - 1, KW - 1)))
    k = w[:, :, ::-1, ::-1] if rotate else w
    k = k.transpose(1, 0, 2, 3) if swap else k           # (C, F, KH, KW): k[c, f]
    dxp = np.zeros((N, k.shape[0], d.shape[2] - KH + 1, d.shape[3] - KW + 1), dtype=x.dtype)
    for n in range(N):
        for c in range(k.shape[0]):
            for f in range(k.shape[1]):
                dxp[n, c] += corr2d(d[n, f], k[c, f])
    if crop == "minus":          # section 4's dx_by_correlation
        dx = dxp[:, :, P:dxp.shape[2] - P, P:dxp.shape[3] - P]
    else:                        # section 1's bookkeeping rule
        dx = dxp[:, :, P:P + H, P:P + W]
    if dw_by == "trick":         # section 3's remark, without keeping the first K x K
        dw = conv.conv2d_forward(x.transpose(1, 0, 2, 3), dout.transpose(1, 0, 2, 3),
                                 padding=P, dilation=S)[0].transpose(1, 0, 2, 3)
    else:
        dw = learner_loop(dout, x, w, stride, pad)[1]
    return dx, dw, dout.sum(axis=db_axes)


def learner_short_loops(dout, x, w, stride, pad):
    """The loop with its own output size, the + 1 forgotten."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    S, P = stride, pad
    H_out, W_out = (H + 2 * P - KH) // S, (W + 2 * P - KW) // S
    xp = np.pad(x, ((0, 0), (0, 0), (P, P), (P, P)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    g = dout[n, f, i, j]
                    dw[f] += g * xp[n, :, S * i:S * i + KH, S * j:S * j + KW]
                    dxp[n, :, S * i:S * i + KH, S * j:S * j + KW] += g * w[f]
    return dxp[:, :, P:P + H, P:P + W], dw, dout.sum(axis=(0, 2, 3))


def test_the_correlation_view_passes_too():
    assert ex.check_conv_backward(learner_correlation, verbose=False).passed


def test_a_pass_reports_the_float64_gradient_check(capsys):
    result = ex.check_conv_backward(solution("conv_backward"))
    out = capsys.readouterr().out
    assert result.passed and "float64 gradient check" in out and out.rstrip().endswith(": good")


BACKWARD_WRONG = [
    # (learner's function, variant, words of the hint)
    (lambda *a: learner_correlation(*a, rotate=False), "no_rotation", ["ROTATED", "180"]),
    (lambda *a: learner_loop(*a, stamp=lambda w, f: w[f, :, ::-1, ::-1]), "no_rotation",
     ["no rotation", "unrotated"]),
    (lambda *a: learner_loop(*a, crop="none"), "no_crop", ["padded", "P:P + H"]),
    (lambda *a: learner_loop(*a, crop="one_side"), "crop_one_side", ["BOTH sides"]),
    (lambda *a: learner_loop(*a, crop="minus"), "crop_minus", ["EMPTY", "-0"]),
    (lambda *a: learner_correlation(*a, dilate="none"), "not_dilated", ["dilate", "S*i"]),
    (lambda *a: learner_correlation(*a, dilate="none", crop="slice"), "not_dilated",
     ["dilate", "S*i"]),
    (lambda *a: learner_correlation(*a, dilate="short", crop="slice"), "dilated_short",
     ["H + 2P - KH + 1", "floor"]),
    (lambda *a: learner_correlation(*a, dilate="short"), "dilated_short", ["H + 2P - KH + 1"]),
    (lambda d, x, w, s, p: learner_loop(d, x, w, s, p, step=1), "no_stride", ["(S*i, S*j)"]),
    (lambda *a: learner_loop(*a, assign_dx=True), "assign_dx", ["+="]),
    (lambda *a: learner_loop(*a, assign_dx=True, assign_dw=True), "assign_both", ["+="]),
    (lambda *a: learner_correlation(*a, swap=False), "swap_fc", ["FILTER", "F == C"]),
    (learner_short_loops, "out_size", ["+ 1", "range(dout.shape[2])"]),
    (lambda *a: learner_correlation(*a, dw_by="trick"), "dw_trick_uncropped",
     ["first KH x KW", "section 3"]),
    (lambda *a: learner_loop(*a, db_axes=(2, 3)), "db_no_batch", ["axis=(0, 2, 3)"]),
    (lambda *a: learner_loop(*a, db_axes=0), "db_only_batch", ["axis=(0, 2, 3)"]),
    (lambda *a: learner_loop(*a, db_axes=(1, 2, 3)), "db_per_image", ["FILTERS"]),
    (lambda *a: learner_correlation(*a, db_axes=(1, 2, 3)), "db_per_image", ["per image"]),
    (lambda *a: (*learner_loop(*a)[:2], a[0].mean(axis=(0, 2, 3))), "db_mean", ["SUMS"]),
    (lambda d, x, w, s, p: learner_loop(d, x, w, s, p, dw_scale=1 / x.shape[0]), "dw_mean",
     ["SUMS"]),
]


@pytest.mark.parametrize(("fn", "variant", "words"), BACKWARD_WRONG,
                         ids=[f"{v}-{k}" for k, (_, v, _) in enumerate(BACKWARD_WRONG)])
def test_conv_backward_wrong_answers_get_their_hint(fn, variant, words, capsys):
    _, out = assert_gets_hint("conv_backward", fn, variant, words, capsys)
    assert "gradient check" not in out


def test_dw_rotated_learner():
    def dw_rotated(dout, x, w, stride, pad):
        dx, dw, db = learner_loop(dout, x, w, stride, pad)
        return dx, dw[:, :, ::-1, ::-1], db

    result = ex.check_conv_backward(dw_rotated, verbose=False)
    assert result.variant == "dw_rotated" and "no rotation" in result.hint


def test_float64_zeros_for_float32_input_is_a_dtype_remark():
    def upcast(dout, x, w, stride, pad):
        return tuple(g.astype(np.float64) for g in learner_loop(dout, x, w, stride, pad))

    result = ex.check_conv_backward(upcast, verbose=False)
    assert result.case == 7 and "dtype" in result.hint and "right" in result.hint


def test_the_failure_report_shows_the_first_map_of_a_batch():
    result = ex.check_conv_backward(lambda *a: learner_loop(*a, crop="none"), verbose=False)
    assert "its first map [0, 0]:" in result.message
    assert len(result.message.splitlines()) < 45, "a report a learner can read"


def test_the_report_names_the_gradients_and_puts_problem_and_hint_first():
    result = ex.check_conv_backward(lambda d, x, w, s, p: learner_loop(d, x, w, s, p, step=1),
                                    verbose=False)
    lines = result.message.splitlines()
    assert lines[1].startswith("   problem:  dx: ") and lines[3].startswith("   hint:"), lines[:4]
    assert lines[2] == "   wrong:    dx and dw (db is right)"
    assert lines[4] == "   the case:" and "item [" not in result.message
    assert "expected: dx: shape" in result.message and "got:      dw: shape" in result.message
    assert "(db: as expected, not shown)" in result.message


def learner_crop_2p(dout, x, w, stride, pad):
    """A mistake the checker does not know: the crop starts at 2P."""
    dx, dw, db = learner_loop(dout, x, w, stride, pad, crop="none")
    H, W = x.shape[2:]
    return dx[:, :, 2 * pad:2 * pad + H, 2 * pad:2 * pad + W] if 2 * pad + H <= dx.shape[2] \
        else dx[:, :, :H, :W], dw, db


def test_an_unknown_mistake_gets_its_gradient_and_section_not_the_recipe():
    result = ex.check_conv_backward(learner_crop_2p, verbose=False)
    assert result.variant is None and result.case == 2, result.message
    assert result.hint.startswith("dx is wrong, and not by a mistake this checker knows")
    assert "section 4" in result.hint and "section 3" not in result.hint
    assert "+=" not in result.hint and "dout.sum" not in result.hint, "no recipe"

    def db_off(dout, x, w, stride, pad):
        dx, dw, db = learner_loop(dout, x, w, stride, pad)
        return dx, dw, db + 1.0

    result = ex.check_conv_backward(db_off, verbose=False)
    assert result.hint.startswith("db is wrong") and "section 2" in result.hint


# ----------------------------------------------------------------- touched_region (predict)
def touched_by_cnnlib(i, j, K, S, P, H, W):
    """The rows and columns of dx that one dout[i, j] changes, from cnnlib's backward."""
    rng = np.random.default_rng(0)
    x = np.zeros((1, 1, H, W))
    w = rng.uniform(0.5, 1.5, size=(1, 1, K, K))          # no zero weight
    out, cache = conv.conv2d_forward(x, w, stride=S, padding=P)
    dout = np.zeros_like(out)
    dout[0, 0, i, j] = 1.0
    rows, cols = np.nonzero(conv.conv2d_backward(dout, cache)[0][0, 0])
    return rows.min(), rows.max() + 1, cols.min(), cols.max() + 1


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 5), st.integers(1, 3), st.data())
def test_touched_region_solution_agrees_with_cnnlib(K, S, data):
    P = data.draw(st.integers(0, K - 1))
    H, W = data.draw(st.integers(K, 9)), data.draw(st.integers(K, 9))
    H_out, W_out = (H + 2 * P - K) // S + 1, (W + 2 * P - K) // S + 1
    i, j = data.draw(st.integers(0, H_out - 1)), data.draw(st.integers(0, W_out - 1))
    assert solution("touched_region")(i, j, K, S, P, H, W) == touched_by_cnnlib(i, j, K, S, P, H, W)


def test_touched_region_checker_expects_what_cnnlib_does():
    assert ex.check_touched_region(touched_by_cnnlib, verbose=False).passed


def region_no_pad(i, j, K, S, P, H, W):
    return (S * i, min(S * i + K, H), S * j, min(S * j + K, W))


def region_no_stride(i, j, K, S, P, H, W):
    top, left = i - P, j - P
    return (max(top, 0), min(top + K, H), max(left, 0), min(left + K, W))


def region_unclipped(i, j, K, S, P, H, W):
    return (S * i - P, S * i - P + K, S * j - P, S * j - P + K)


def region_last_row(i, j, K, S, P, H, W):
    top, left = S * i - P, S * j - P
    return (max(top, 0), min(top + K - 1, H), max(left, 0), min(left + K - 1, W))


def region_swapped_sizes(i, j, K, S, P, H, W):
    top, left = S * i - P, S * j - P
    return (max(top, 0), min(top + K, W), max(left, 0), min(left + K, H))


def region_tlbr(i, j, K, S, P, H, W):
    top, left = S * i - P, S * j - P
    return (max(top, 0), max(left, 0), min(top + K, H), min(left + K, W))


def region_plus_pad(i, j, K, S, P, H, W):
    top, left = S * i + P, S * j + P
    return (max(top, 0), min(top + K, H), max(left, 0), min(left + K, W))


def region_last_index(i, j, K, S, P, H, W):
    top, left = S * i - P, S * j - P
    return (max(top, 0), min(top + K, H - 1), max(left, 0), min(left + K, W - 1))


@pytest.mark.parametrize(("fn", "variant", "words"), [
    (region_swapped_sizes, "swap_hw", ["swapped", "H counts rows"]),
    (region_tlbr, "order", ["another order", "(top, bottom, left, right)"]),
    (region_plus_pad, "plus_pad", ["S*i - P"]),
    (region_last_index, "clip_minus_1", ["not H - 1"]),
    (region_no_pad, "no_shift", ["PADDED", "S*i - P"]),
    (region_no_stride, "no_stride", ["S*i rows"]),
    (region_unclipped, "no_clip", ["Clip", "max(top, 0)"]),
    (region_last_row, "inclusive", ["slice ends", "top + K"]),
])
def test_touched_region_wrong_answers_get_their_hint(fn, variant, words):
    assert_recognised(check("touched_region", fn), variant, words)


# ----------------------------------------------------------------- the planted im2col bug (debug)
def planted_as_given():
    """The stub as a learner first runs it: the raise line deleted, nothing else."""
    stub = next(e for e in nb06_texts.EXERCISES if e.name == "conv_backward_im2col").stub
    lines = [line for line in stub.splitlines(keepends=True) if "raise NotImplementedError" not in line]
    return define("".join(lines), "conv_backward_im2col")


def test_the_planted_stub_passes_one_filter_and_only_dx_fails():
    result = ex.check_conv_backward_im2col(planted_as_given(), verbose=False)
    assert result.case == 2 and result.variant == "planted"
    assert "   wrong:    dx (dw and db are right)" in result.message
    assert "case 1 (one filter) passes" in result.hint and "only dx is wrong" in result.hint
    assert "reshape(F, -1)" not in result.hint and ".T" not in result.hint.replace(
        "cols.T", ""), "the first hint gives the evidence, not the fix"


def test_the_fix_is_not_on_screen_in_the_stub():
    stub = next(e for e in nb06_texts.EXERCISES if e.name == "conv_backward_im2col").stub
    assert "w.reshape(-1, F)" in stub and "reshape(F, -1).T" not in stub
    assert "transpose(1, 0, 2, 3).reshape(F, -1)" in stub, "dout_matrix is right in the stub"


def test_the_fixed_stub_is_the_matrix_view_of_the_notebook():
    fixed = solution("conv_backward_im2col")
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(3, 2, 7, 6)), rng.normal(size=(4, 2, 3, 2))
    out, cache = conv.conv2d_forward(x, w, np.zeros(4), stride=2, padding=1)
    dout = rng.normal(size=out.shape)
    for mine, ref in zip(fixed(dout, x, w, 2, 1), conv.conv2d_backward(dout, cache), strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-10, atol=1e-12)


def fix_with(w_t, dout_matrix=lambda d, F: np.moveaxis(d, 1, 0).reshape(F, -1)):
    """The learner's edit of the planted function: W_T = w_t(w, F), dout_matrix as given."""
    def conv_backward_im2col(dout, x, w, stride, pad):
        from cnnlib.im2col import col2im_simple, im2col_simple

        F, C, KH, KW = w.shape
        cols = im2col_simple(x, (KH, KW), stride, pad)
        dm = dout_matrix(dout, F)
        dw = (dm @ cols.T).reshape(w.shape)
        dx = col2im_simple(w_t(w, F) @ dm, x.shape, (KH, KW), stride, pad)
        return dx, dw, dout.sum(axis=(0, 2, 3))
    return conv_backward_im2col


@pytest.mark.parametrize("w_t", [lambda w, F: w.reshape(F, -1).T,
                                 lambda w, F: np.moveaxis(w, 0, -1).reshape(-1, F),
                                 lambda w, F: w.transpose(1, 2, 3, 0).reshape(-1, F)])
def test_every_right_fix_passes(w_t):
    assert ex.check_conv_backward_im2col(fix_with(w_t), verbose=False).passed


@pytest.mark.parametrize(("fn", "variant", "words"), [
    (fix_with(lambda w, F: w.T.reshape(-1, F)), "w_T", ["ALL four axes", "(c, ki, kj)"]),
    (fix_with(lambda w, F: np.swapaxes(w, 0, 1).reshape(-1, F)), "swap_fc", ["(C, F, KH, KW)"]),
    (fix_with(lambda w, F: w.reshape(-1, F), lambda d, F: d.reshape(F, -1)), "dout_layout",
     ["dw was right before"]),
    (fix_with(lambda w, F: w.reshape(F, -1).T, lambda d, F: d.reshape(F, -1)), "dout_layout",
     ["put it back"]),
])
def test_wrong_fixes_get_their_hint(fn, variant, words):
    assert_recognised(check("conv_backward_im2col", fn), variant, words)


# ----------------------------------------------------------------- the numerical gradient of a layer
def grad_copies(f, x, dout, h=1e-5):
    """Right, with two copies per entry (section 7's way, for every entry)."""
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        g[k] = np.sum((f(up) - f(down)) * dout) / (2 * h)
    return g


def grad_by_scalar(f, x, dout, h=1e-5):
    """Right, through cnnlib's scalar numerical_gradient of L = sum(f(x) * dout)."""
    return numerical_gradient(lambda v: float(np.sum(f(v) * dout)), x, h)


@pytest.mark.parametrize("fn", [grad_copies, grad_by_scalar])
def test_numerical_gradient_right_ways_pass(fn):
    assert ex.check_numerical_gradient_array(fn, verbose=False).passed


def grad_no_dout(f, x, dout, h=1e-5):
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        old = x[k]
        x[k] = old + h
        plus = f(x)
        x[k] = old - h
        minus = f(x)
        x[k] = old
        g[k] = np.sum(plus - minus) / (2 * h)
    return g


def grad_mean(f, x, dout, h=1e-5):
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        g[k] = np.mean((f(up) - f(down)) * dout) / (2 * h)
    return g


def grad_forward(f, x, dout, h=1e-5):
    g = np.zeros_like(x)
    base = f(x)
    for k in np.ndindex(x.shape):
        x[k] += h
        g[k] = np.sum((f(x) - base) * dout) / h
        x[k] -= h
    return g


def grad_over_h(f, x, dout, h=1e-5):
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[k] += h
        down[k] -= h
        g[k] = np.sum((f(up) - f(down)) * dout) / h
    return g


def grad_no_restore(f, x, dout, h=1e-5):
    g = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        x[k] = x[k] + h
        plus = f(x)
        x[k] = x[k] - 2 * h
        minus = f(x)
        g[k] = np.sum((plus - minus) * dout) / (2 * h)
    return g


@pytest.mark.parametrize(("fn", "variant", "words"), [
    (grad_no_dout, "no_dout", ["sum(f(x) * dout)", "all ones"]),
    (grad_mean, "mean", ["SUM"]),
    (grad_forward, "forward", ["central"]),
    (grad_over_h, "over_h", ["2h"]),
    (grad_no_restore, "no_restore", ["restore"]),
])
def test_numerical_gradient_wrong_answers(fn, variant, words):
    assert_recognised(check("numerical_gradient_array", fn), variant, words)


def test_the_solution_agrees_with_conv2d_backward_on_section_1s_case():
    rng = np.random.default_rng(7)
    x, w = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(4, 3, 3, 3))
    out, cache = conv.conv2d_forward(x, w, stride=2, padding=1)
    dout = rng.normal(size=out.shape)
    numeric = solution("numerical_gradient_array")(
        lambda v: conv.conv2d_forward(v, w, stride=2, padding=1)[0], x.copy(), dout)
    assert rel_error(conv.conv2d_backward(dout, cache)[0], numeric) < 1e-9


# ----------------------------------------------------------------- the mistakes module
conv_shapes = st.tuples(st.integers(1, 2), st.integers(1, 3), st.integers(3, 7),
                        st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
                        st.integers(0, 2))


@settings(max_examples=40, deadline=None)
@given(conv_shapes)
def test_the_loop_without_a_bug_is_cnnlib(shape):
    N, C, H, F, K, S, P = shape
    rng = np.random.default_rng(sum(shape))
    x, w = rng.normal(size=(N, C, H, H + 1)), rng.normal(size=(F, C, K, K))
    out, cache = conv.conv2d_forward(x, w, np.zeros(F), stride=S, padding=P)
    dout = rng.normal(size=out.shape)
    for mine, ref in zip(conv_backward_loop(dout, x, w, S, P), conv.conv2d_backward(dout, cache),
                         strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-10, atol=1e-12)


def test_every_mistake_is_a_mistake_and_the_lab_bugs_keep_shapes():
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(2, 3, 7, 7)), rng.normal(size=(3, 3, 3, 3))
    out, cache = conv.conv2d_forward(x, w, rng.normal(size=3), stride=2, padding=1)
    dout = rng.normal(size=out.shape)
    right_grads = conv.conv2d_backward(dout, cache)
    for key in MISTAKES:
        grads = conv_backward_loop(dout, x, w, 2, 1, key)
        same = [g.shape == r.shape and np.allclose(g, r) for g, r in zip(grads, right_grads,
                                                                            strict=True)]
        if key in ("none", "crop_minus"):  # crop_minus is only wrong when the padding is 0
            assert all(same), key
        else:
            assert not all(same), key
    with pytest.raises(ValueError, match="bug must be one of"):
        conv_backward_loop(dout, x, w, 2, 1, "typo")
    with pytest.raises(ValueError, match="no dilation"):
        planted_backward(dout, {**cache, "dilation": (2, 2)}, "none")


@pytest.mark.parametrize("bug", ["no_rotation", "crop_one_side", "dx_step_1", "assign_both",
                                 "swap_fc"])
def test_each_planted_bug_fails_a_float64_gradient_check(bug):
    rng = np.random.default_rng(5)
    inputs = {"x": rng.normal(size=(2, 2, 6, 6)), "w": rng.normal(size=(2, 2, 3, 3)),
              "b": rng.normal(size=2)}
    good = check_pair(conv.conv2d_forward, lambda d, c: planted_backward(d, c, "none"), inputs,
                      stride=2, padding=1)
    bad = check_pair(conv.conv2d_forward, lambda d, c: planted_backward(d, c, bug), inputs,
                     stride=2, padding=1)
    assert max(good.values()) < 1e-7 and bad["x"] > 1e-2


# ----------------------------------------------------------------- facts in the predict answer
def test_fact_gradient_check_step_size_and_a_planted_bug():
    from cnnlib.widgets.gradlab import GradCheckLab

    answer = nb06_texts.PREDICTIONS[0].answer
    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(5, 5)), rng.normal(size=(3, 3))
    dout = rng.normal(size=(3, 3))

    def f(v):
        return float(np.sum(corr2d(v, w) * dout))

    exact = corr2d(np.pad(dout, 2), w[::-1, ::-1])
    good = rel_error(numerical_gradient(f, x.copy(), 1e-5), exact)
    tiny = rel_error(numerical_gradient(f, x.copy(), 1e-12), exact)
    assert good < 1e-7 < tiny and "goes UP" in answer
    x32, w32, dout32 = x.astype(np.float32), w.astype(np.float32), dout.astype(np.float32)

    def f32(v):
        return float(np.sum(corr2d(v, w32) * dout32))

    single = rel_error(numerical_gradient(f32, x32.copy(), 1e-5), exact)
    assert 1e-4 < single < 1e-1
    lab = GradCheckLab()                       # the lab's default: conv2d + tanh, dx, h = 1e-5
    assert 1e-11 < lab.state["rel_error"] < 1e-9 and "about 1e-10" in answer
    hs, errs32 = lab.state["curves"]["float32"]
    at_1e5 = errs32[np.argmin(np.abs(np.log10(hs) + 5))]
    assert 1e-3 < at_1e5 < 6e-3 and "with h = 1e-5 the error is about 3e-3" in answer
    assert np.isclose(hs[np.nanargmin(errs32)], 1e-3) and 1e-5 < np.nanmin(errs32) < 6e-5
    assert "at its best (h = 1e-3) about 3e-5" in answer
    lab.set(bug="no_rotation")
    hs, errs = lab.state["curves"]["float64"]
    assert lab.state["rel_error"] > 0.1 and np.nanmin(errs) > 1e-2, "the whole curve is wrong"
    assert "order of 1" in answer and "at every h" in answer
    lab.set(which="w")
    assert lab.state["rel_error"] < 1e-7 and "check of dw stays good" in answer
