"""Notebook 06's exercises: where one dout lands (predict), the full conv_backward (write), the
planted im2col bug (debug), a numerical gradient (write).

Typical wrong answers are written here as a learner would write them (loops, the correlation
view, a "fix" that misses a line), not taken from the checker's own variants; each must be
rejected with the hint of its mistake. The mistakes module and the touched-region rule are
checked against cnnlib, and the facts of the GradCheckLab's predict answer are recomputed.
(The generic checks of every exercise, solutions, stubs and wrong types, are in
tests/test_exercises.py and tests/test_exercise_checkers.py.)
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnlib.exercises as ex
from cnnlib import conv
from cnnlib.exercises import nb06_backprop
from cnnlib.exercises.nb06_mistakes import MISTAKES, conv_backward_loop, planted_backward
from cnnlib.gradcheck import check_pair, numerical_gradient, rel_error


def define(code, name):
    namespace = {"np": np}
    exec(code, namespace)  # noqa: S102  (our own exercise texts)
    return namespace[name]


def solution(name):
    return define(next(e for e in nb06_backprop.EXERCISES if e.name == name).solution, name)


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


def learner_correlation(dout, x, w, stride, pad, rotate=True, swap=True, dilate=True):
    """The gather view: dilate dout, pad it by K - 1, correlate with the rotated kernel."""
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    S, P = stride, pad
    if dilate:
        d = np.zeros((N, F, H + 2 * P - KH + 1, W + 2 * P - KW + 1), dtype=dout.dtype)
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
    dx = dxp[:, :, P:dxp.shape[2] - P, P:dxp.shape[3] - P]
    _, dw, db = learner_loop(dout, x, w, stride, pad)
    return dx, dw, db


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
    (lambda *a: learner_correlation(*a, dilate=False), "not_dilated", ["dilate", "S*i"]),
    (lambda d, x, w, s, p: learner_loop(d, x, w, s, p, step=1), "no_stride", ["(S*i, S*j)"]),
    (lambda *a: learner_loop(*a, assign_dx=True), "assign_dx", ["+="]),
    (lambda *a: learner_loop(*a, assign_dx=True, assign_dw=True), "assign_both", ["+="]),
    (lambda *a: learner_correlation(*a, swap=False), "swap_fc", ["FILTER", "F == C"]),
    (lambda *a: learner_loop(*a, db_axes=(2, 3)), "db_no_batch", ["axis=(0, 2, 3)"]),
    (lambda *a: learner_loop(*a, db_axes=0), "db_only_batch", ["axis=(0, 2, 3)"]),
    (lambda d, x, w, s, p: learner_loop(d, x, w, s, p, dw_scale=1 / x.shape[0]), "dw_mean",
     ["SUMS"]),
]


@pytest.mark.parametrize(("fn", "variant", "words"), BACKWARD_WRONG,
                         ids=[f"{v}-{k}" for k, (_, v, _) in enumerate(BACKWARD_WRONG)])
def test_conv_backward_wrong_answers_get_their_hint(fn, variant, words, capsys):
    result = ex.check_conv_backward(fn)
    out = capsys.readouterr().out
    assert result.status == "fail" and result.variant == variant, result.message
    for word in words:
        assert word in result.hint, (word, result.hint)
    assert "expected:" in out and "hint:" in out and "gradient check" not in out


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
    assert len(result.message.splitlines()) < 90, "a report a learner can read"


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


@pytest.mark.parametrize(("fn", "variant", "words"), [
    (region_no_pad, "no_shift", ["PADDED", "S*i - P"]),
    (region_no_stride, "no_stride", ["S*i rows"]),
    (region_unclipped, "no_clip", ["Clip", "max(top, 0)"]),
    (region_last_row, "inclusive", ["slice ends", "top + K"]),
])
def test_touched_region_wrong_answers_get_their_hint(fn, variant, words):
    result = ex.check_touched_region(fn, verbose=False)
    assert result.status == "fail" and result.variant == variant, result.message
    for word in words:
        assert word in result.hint


# ----------------------------------------------------------------- the planted im2col bug (debug)
def planted_as_given():
    """The stub as a learner first runs it: the raise line deleted, nothing else."""
    stub = next(e for e in nb06_backprop.EXERCISES if e.name == "conv_backward_im2col").stub
    lines = [line for line in stub.splitlines(keepends=True) if "raise NotImplementedError" not in line]
    return define("".join(lines), "conv_backward_im2col")


def test_the_planted_stub_passes_one_image_and_fails_two():
    result = ex.check_conv_backward_im2col(planted_as_given(), verbose=False)
    assert result.case == 2 and result.variant == "planted"
    assert "One image passes, two fail" in result.hint
    assert "transpose" not in result.hint, "the hint points at the evidence, not at the fix"


def test_the_fixed_stub_is_the_matrix_view_of_the_notebook():
    fixed = solution("conv_backward_im2col")
    rng = np.random.default_rng(3)
    x, w = rng.normal(size=(3, 2, 7, 6)), rng.normal(size=(4, 2, 3, 2))
    out, cache = conv.conv2d_forward(x, w, np.zeros(4), stride=2, padding=1)
    dout = rng.normal(size=out.shape)
    for mine, ref in zip(fixed(dout, x, w, 2, 1), conv.conv2d_backward(dout, cache), strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-10, atol=1e-12)


def fix_with(dw_line, dx_line):
    def conv_backward_im2col(dout, x, w, stride, pad):
        from cnnlib.im2col import col2im_simple, im2col_simple

        F, C, KH, KW = w.shape
        cols = im2col_simple(x, (KH, KW), stride, pad)
        dw = (dw_line(dout, F) @ cols.T).reshape(w.shape)
        dx = col2im_simple(w.reshape(F, -1).T @ dx_line(dout, F), x.shape, (KH, KW), stride, pad)
        return dx, dw, dout.sum(axis=(0, 2, 3))
    return conv_backward_im2col


def right(dout, F):
    return np.moveaxis(dout, 1, 0).reshape(F, -1)


def planted(dout, F):
    return dout.reshape(F, -1)


def reshape_then_transpose(dout, F):
    return dout.reshape(-1, F).T


@pytest.mark.parametrize(("fn", "variant", "words"), [
    (fix_with(reshape_then_transpose, reshape_then_transpose), "reshape_T", ["memory order"]),
    (fix_with(right, planted), "dx_still_planted", ["dw is right now"]),
    (fix_with(planted, right), "dw_still_planted", ["dx is right now"]),
])
def test_half_fixes_get_their_hint(fn, variant, words):
    result = ex.check_conv_backward_im2col(fn, verbose=False)
    assert result.status == "fail" and result.variant == variant, result.message
    for word in words:
        assert word in result.hint
    assert ex.check_conv_backward_im2col(fix_with(right, right), verbose=False).passed


# ----------------------------------------------------------------- central differences
def grad_forward(f, x, h=1e-5):
    g = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        g[i] = (f(x) - base) / h
        x[i] -= h
    return g


def grad_over_h(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        g[i] = (plus - minus) / h
    return g


def grad_no_restore(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        x[i] = x[i] + h
        plus = f(x)
        x[i] = x[i] - 2 * h
        minus = f(x)
        g[i] = (plus - minus) / (2 * h)
    return g


@pytest.mark.parametrize(("fn", "variant", "words"), [
    (grad_forward, "forward", ["central"]),
    (grad_over_h, "over_h", ["2h"]),
    (grad_no_restore, "no_restore", ["restore"]),
])
def test_central_difference_wrong_answers(fn, variant, words):
    result = ex.check_central_difference_gradient(fn, verbose=False)
    assert result.status == "fail" and result.variant == variant, result.message
    for word in words:
        assert word in result.hint


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

    answer = nb06_backprop.PREDICTIONS[0].answer
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
    assert 1e-4 < single < 1e-1 and "around 1e-3" in answer
    lab = GradCheckLab()                       # the lab's default: conv2d + tanh, dx, h = 1e-5
    assert 1e-11 < lab.state["rel_error"] < 1e-9 and "about 1e-10" in answer
    lab.set(bug="no_rotation")
    hs, errs = lab.state["curves"]["float64"]
    assert lab.state["rel_error"] > 0.1 and np.nanmin(errs) > 1e-2, "the whole curve is wrong"
    assert "order of 1" in answer and "at every h" in answer
    lab.set(which="w")
    assert lab.state["rel_error"] < 1e-7 and "check of dw stays good" in answer
