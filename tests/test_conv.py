"""Tests for cnnlib.conv: conv2d (loops and im2col), conv_matrix, and errors that teach."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import conv_geometry, out_size

from cnnlib.conv import (
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
    conv_matrix,
    conv_matrix_stats,
)
from cnnlib.gradcheck import check_pair
from cnnlib.im2col import (
    col2im,
    col2im_matmul,
    im2col,
    input_grad_same,
    spread_outputs,
    take_outputs,
)

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def conv_cases(draw, max_n=3):
    """Odd and non-square inputs and kernels, per-axis (h, w) pairs, strides that do not
    divide, padding, dilation, batch 1, 1x1 kernels, with and without bias."""
    N, C, F = draw(st.integers(1, max_n)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    (H, W), K, S, P, D = draw(conv_geometry())
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal((N, C, H, W))
    w = rng.standard_normal((F, C, *K))
    b = rng.standard_normal(F) if draw(st.booleans()) else None
    # stride, padding, dilation as ints when both axes agree (exercises both forms)
    as_arg = lambda v: v[0] if v[0] == v[1] and draw(st.booleans()) else v
    return x, w, b, dict(stride=as_arg(S), padding=as_arg(P), dilation=as_arg(D)), rng


# ---------------------------------------------------------------- fast == loops


@SETTINGS
@given(conv_cases())
def test_fast_matches_naive_forward_and_backward(case):
    x, w, b, kw, rng = case
    out, cache = conv2d_forward(x, w, b, **kw)
    out_n, cache_n = conv2d_forward_naive(x, w, b, **kw)
    np.testing.assert_allclose(out, out_n, rtol=1e-10, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    grads = conv2d_backward(dout, cache)
    grads_n = conv2d_backward_naive(dout, cache_n)
    for g, g_n in zip(grads, grads_n, strict=True):
        if b is None and g_n is None:
            assert g is None
            continue
        assert g.shape == g_n.shape
        np.testing.assert_allclose(g, g_n, rtol=1e-10, atol=1e-12)
    # the caches are interchangeable
    for g, g_n in zip(conv2d_backward(dout, cache_n), conv2d_backward_naive(dout, cache),
                      strict=True):
        if g is not None:
            np.testing.assert_allclose(g, g_n, rtol=1e-10, atol=1e-12)


# Every strategy conv2d_backward picks for dx, forced: input_grad_same ("same" size, stride 1,
# C = 1), input_grad_stride1 (other stride-1 cases, including "same" ones with C > 1) and
# col2im_matmul (strided).
DX_PATHS = [
    # (N, C, H, W), (KH, KW), stride, padding, dilation
    ((3, 1, 7, 5), (3, 3), 1, 1, 1),          # input_grad_same
    ((2, 1, 6, 6), (3, 3), 1, 2, 2),          # input_grad_same, dilated
    ((2, 1, 5, 6), (3, 5), 1, (1, 2), 1),     # input_grad_same, non-square kernel
    ((1, 1, 1, 6), (5, 5), 1, 2, 1),          # input_grad_same, padding wider than the image
    ((2, 1, 1, 1), (3, 3), 1, 1, 1),          # input_grad_same, 1x1 images
    ((2, 3, 4, 9), (5, 5), 1, 2, 1),          # input_grad_stride1 ("same", C > 1)
    ((1, 2, 5, 4), (1, 1), 1, 0, 1),          # input_grad_stride1
    ((2, 2, 6, 5), (5, 3), 1, (4, 1), (2, 1)),
    ((2, 3, 7, 6), (3, 3), 1, 0, 1),          # input_grad_stride1 ("valid")
    ((2, 1, 7, 6), (3, 2), 1, (2, 0), 1),
    ((2, 2, 9, 8), (3, 3), 2, 1, 1),          # col2im_matmul (strided)
    ((1, 1, 8, 7), (3, 3), (2, 3), 1, 2),
]


@pytest.mark.parametrize(("shape", "kernel", "stride", "padding", "dilation"), DX_PATHS)
def test_every_dx_strategy_matches_the_loops(shape, kernel, stride, padding, dilation):
    rng = np.random.default_rng(sum(shape))
    x = rng.standard_normal(shape)
    w = rng.standard_normal((4, shape[1], *kernel))
    kw = dict(stride=stride, padding=padding, dilation=dilation)
    out, cache = conv2d_forward(x, w, None, **kw)
    out_n, cache_n = conv2d_forward_naive(x, w, None, **kw)
    dout = rng.standard_normal(out.shape)
    dx = conv2d_backward(dout, cache)[0]
    assert dx.shape == x.shape
    np.testing.assert_allclose(dx, conv2d_backward_naive(dout, cache_n)[0], rtol=1e-10,
                               atol=1e-12)


@SETTINGS
@given(conv_cases())
def test_need_dx_false_skips_dx_only(case):
    x, w, b, kw, rng = case
    out, cache = conv2d_forward(x, w, b, **kw)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = conv2d_backward(dout, cache)
    dx2, dw2, db2 = conv2d_backward(dout, cache, need_dx=False)
    assert dx2 is None and dx.shape == x.shape
    np.testing.assert_array_equal(dw, dw2)
    if b is not None:
        np.testing.assert_array_equal(db, db2)


@SETTINGS
@given(conv_cases(), st.sampled_from([np.float32, np.float64]))
def test_dtype_preserved(case, dtype):
    x, w, b, kw, rng = case
    x, w = x.astype(dtype), w.astype(dtype)
    b = None if b is None else b.astype(dtype)
    for forward, backward in [(conv2d_forward, conv2d_backward),
                              (conv2d_forward_naive, conv2d_backward_naive)]:
        out, cache = forward(x, w, b, **kw)
        dx, dw, db = backward(rng.standard_normal(out.shape).astype(dtype), cache)
        assert out.dtype == dx.dtype == dw.dtype == dtype
        assert db is None if b is None else db.dtype == dtype


def test_float32_close_to_float64():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((64, 8, 14, 14)), rng.standard_normal((16, 8, 3, 3)), \
        rng.standard_normal(16)
    out64, _ = conv2d_forward(x, w, b, padding=1)
    out32, cache = conv2d_forward(x.astype(np.float32), w.astype(np.float32),
                                  b.astype(np.float32), padding=1)
    assert out32.dtype == np.float32 and out32.flags.c_contiguous
    np.testing.assert_allclose(out32, out64, rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------- im2col and col2im


@SETTINGS
@given(conv_cases())
def test_im2col_layouts_and_col2im_adjoint(case):
    """Both column layouts hold the same windows; col2im is im2col's adjoint; the fused
    col2im_matmul equals col2im of the product."""
    x, w, _, kw, rng = case
    S, P, D = ([v, v] if isinstance(v, int) else list(v) for v in kw.values())
    K = w.shape[2:]
    out_hw = tuple(out_size(x.shape[2 + i], K[i], S[i], P[i], D[i]) for i in range(2))
    steps = [out_hw[1]] + ([x.shape[3] + 2 * P[1]] if S == [1, 1] else [])
    for step in steps:
        cols = im2col(x, K, S, P, D, out_hw, step)
        # columns in the step layout, read back per output position, match the plain layout
        plain = take_outputs(cols, out_hw, step).reshape(cols.shape[0], cols.shape[1], -1)
        np.testing.assert_array_equal(plain, im2col(x, K, S, P, D, out_hw))
        c = spread_outputs(rng.standard_normal(plain.shape).reshape(
            *plain.shape[:2], *out_hw), step)
        back = col2im(c, x.shape, K, S, P, D, out_hw, step)
        np.testing.assert_allclose(np.sum(cols * c), np.sum(x * back), rtol=1e-10)
        d = spread_outputs(rng.standard_normal((x.shape[0], w.shape[0], *out_hw)), step)
        np.testing.assert_allclose(
            col2im_matmul(w, d, x.shape, S, P, D, out_hw, step),
            col2im(np.matmul(w.reshape(w.shape[0], -1).T, d), x.shape, K, S, P, D, out_hw, step),
            rtol=1e-10, atol=1e-12)


def test_im2col_refuses_a_step_that_would_read_outside_x():
    x = np.zeros((1, 1, 5, 5))
    with pytest.raises(ValueError, match=r"^im2col: step=9 needs stride 1"):
        im2col(x, (3, 3), (1, 1), (1, 1), (1, 1), (5, 5), 9)
    with pytest.raises(ValueError, match=r"^im2col: step=7 needs stride 1"):
        im2col(x, (3, 3), (2, 1), (1, 1), (1, 1), (3, 5), 7)


# ---------------------------------------------------------------- gradient checks (float64)


@pytest.mark.parametrize("kw", [
    dict(),
    dict(padding=1),
    dict(stride=2, padding=1, dilation=2),
    dict(stride=(1, 2), padding=(2, 0), dilation=(2, 1)),
    dict(stride=3, padding=2),
])
@pytest.mark.parametrize("with_bias", [True, False])
def test_gradient_check_fast(kw, with_bias):
    rng = np.random.default_rng(1)
    inputs = {"x": rng.standard_normal((2, 3, 7, 8)), "w": rng.standard_normal((4, 3, 3, 2)),
              "b": rng.standard_normal(4) if with_bias else None}
    errors = check_pair(conv2d_forward, conv2d_backward, inputs, **kw)
    assert set(errors) == ({"x", "w", "b"} if with_bias else {"x", "w"})
    assert max(errors.values()) < 1e-7, errors


@pytest.mark.parametrize("kw", [dict(padding=1), dict(stride=2, padding=1, dilation=2)])
def test_gradient_check_naive(kw):
    rng = np.random.default_rng(2)
    inputs = {"x": rng.standard_normal((1, 2, 5, 6)), "w": rng.standard_normal((2, 2, 3, 3)),
              "b": rng.standard_normal(2)}
    errors = check_pair(conv2d_forward_naive, conv2d_backward_naive, inputs, **kw)
    assert max(errors.values()) < 1e-7, errors


# ---------------------------------------------------------------- worked by hand


X4 = np.array([[1, 2, 0, 1],
               [0, 1, 3, 2],
               [2, 0, 1, 0],
               [1, 3, 0, 2]], dtype=np.float64)[None, None]
K3 = np.array([[1, 0, 2],
               [0, 1, 0],
               [1, 0, -1]], dtype=np.float64)[None, None]


@pytest.mark.parametrize("forward", [conv2d_forward, conv2d_forward_naive])
def test_3x3_kernel_over_4x4_input_by_hand(forward):
    # The kernel's non-zero taps: top-left 1, top-right 2, centre 1, bottom-left 1,
    # bottom-right -1. Each output is a sum over the 3x3 window under the kernel:
    #   (0, 0): window rows 0-2, cols 0-2: 1*1 + 2*0 + 1*1 + 1*2 - 1*1 = 3
    #   (0, 1): window rows 0-2, cols 1-3: 1*2 + 2*1 + 1*3 + 1*0 - 1*0 = 7
    #   (1, 0): window rows 1-3, cols 0-2: 1*0 + 2*3 + 1*0 + 1*1 - 1*0 = 7
    #   (1, 1): window rows 1-3, cols 1-3: 1*1 + 2*2 + 1*1 + 1*3 - 1*2 = 7
    out, _ = forward(X4, K3)
    assert out.shape == (1, 1, 2, 2)  # 4 - 3 + 1 = 2
    np.testing.assert_array_equal(out[0, 0], [[3, 7], [7, 7]])
    out_b, _ = forward(X4, K3, np.array([10.0]))
    np.testing.assert_array_equal(out_b[0, 0], [[13, 17], [17, 17]])


@pytest.mark.parametrize("forward", [conv2d_forward, conv2d_forward_naive])
def test_5x5_padding_1_stride_2_by_hand(forward):
    x = np.arange(25, dtype=np.float64).reshape(1, 1, 5, 5)  # x[r, c] = 5r + c
    w = np.ones((1, 1, 3, 3))                                 # sums each window
    out, _ = forward(x, w, stride=2, padding=1)
    assert out.shape == (1, 1, 3, 3)  # (5 + 2 - 3) // 2 + 1 = 3
    # window centred on (0, 0): only x[0:2, 0:2] is not padding: 0 + 1 + 5 + 6 = 12
    assert out[0, 0, 0, 0] == 12
    # centred on (0, 4): x[0:2, 3:5] = 3 + 4 + 8 + 9 = 24
    assert out[0, 0, 0, 2] == 24
    # centred on (2, 2): all nine of x[1:4, 1:4] = 9 * 12 (their mean is the centre) = 108
    assert out[0, 0, 1, 1] == 108
    # centred on (4, 4): x[3:5, 3:5] = 18 + 19 + 23 + 24 = 84
    assert out[0, 0, 2, 2] == 84


def test_32x32x3_with_12_filters():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 32, 32)).astype(np.float32)
    w = rng.standard_normal((12, 3, 3, 3)).astype(np.float32)
    out, _ = conv2d_forward(x, w, padding=1)
    assert out.shape == (2, 12, 32, 32)  # "same" padding (3 - 1) / 2 = 1 keeps 32
    out, _ = conv2d_forward(x, w)
    assert out.shape == (2, 12, 30, 30)  # 32 - 3 + 1
    # one output is the dot product of a 3x3x3 window (all channels) with one filter
    assert np.isclose(out[1, 5, 7, 9], np.sum(x[1, :, 7:10, 9:12] * w[5]), rtol=1e-5)


def test_1x1_kernel_mixes_channels_only():
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal((2, 3, 5, 4)), rng.standard_normal((6, 3, 1, 1))
    out, _ = conv2d_forward(x, w)
    np.testing.assert_allclose(out, np.einsum("fc,nchw->nfhw", w[:, :, 0, 0], x))


# ---------------------------------------------------------------- conv as a matrix


@SETTINGS
@given(conv_cases(max_n=1))
def test_conv_matrix_equals_conv2d(case):
    x, w, _, kw, _ = case
    M = conv_matrix(w, x.shape[2:], **kw)
    out, _ = conv2d_forward(x, w, **kw)
    assert M.shape == (out[0].size, x[0].size)
    np.testing.assert_allclose(M @ x[0].ravel(), out[0].ravel(), rtol=1e-10, atol=1e-12)


def test_conv_matrix_stats_4x4():
    stats = conv_matrix_stats(K3, (4, 4))
    assert stats["shape"] == (4, 16) and stats["entries"] == 64
    assert stats["nonzeros"] == 36 and stats["zeros"] == 28   # 4 outputs x 9 weights
    np.testing.assert_array_equal(stats["repeats"], np.full((1, 1, 3, 3), 4))  # tied 4 times
    assert stats["conv_params"] == 9 and stats["dense_params"] == 64
    # with padding 1 the corner weights miss the border outputs: 9, edges 12, centre 16
    repeats = conv_matrix_stats(K3, (4, 4), padding=1)["repeats"][0, 0]
    np.testing.assert_array_equal(repeats, [[9, 12, 9], [12, 16, 12], [9, 12, 9]])


def test_conv_matrix_zero_weight_still_counted():
    w = np.zeros((2, 1, 2, 2))
    stats = conv_matrix_stats(w, (3, 3))
    assert stats["nonzeros"] == 2 * 4 * 4  # counts where weights sit, not their values
    assert not conv_matrix(w, (3, 3)).any()


# ---------------------------------------------------------------- errors that teach

RNG = np.random.default_rng(5)
X = RNG.standard_normal((8, 3, 28, 28))
W = RNG.standard_normal((4, 3, 3, 3))

BAD_FORWARD = [
    (dict(x=X[0]), r"x must have 4 dimensions(.|\n)*batch axis"),
    (dict(w=W[0]), r"w must have 4 dimensions(.|\n)*read as \(F, C, KH, KW\)"),
    (dict(w=RNG.standard_normal((4, 1, 3, 3))),
     r"x has 3 channels but w expects 1\.\n  x\.shape = \(8, 3, 28, 28\) +read as \(N, C, H, W\)"
     r"\n  w\.shape = \(4, 1, 3, 3\) +read as \(F, C, KH, KW\)"),
    (dict(w=RNG.standard_normal((4, 3, 31, 3))),
     r"31-wide kernel does not fit an input of 28 \(H\)(.|\n)*"
     r"H_out = (.|\n)* = \(28 \+ 0 - 30 - 1\) // 1 \+ 1 = -2(.|\n)*x\.shape = \(8, 3, 28, 28\)"),
    (dict(w=RNG.standard_normal((4, 3, 15, 3)), dilation=2),
     r"dilation 2 \(it spans 29\)(.|\n)*w\.shape = \(4, 3, 15, 3\)"),
    (dict(stride=0), r"stride must be >= 1, got 0"),
    (dict(padding=-1), r"padding must be >= 0, got -1"),
    (dict(dilation=0), r"dilation must be >= 1, got 0"),
    (dict(stride=1.5), r"stride must be an integer, got 1\.5"),
    (dict(padding=(1, 1, 1)), r"padding must be an int or an \(h, w\) pair"),
    (dict(b=RNG.standard_normal(3)), r"b must have shape \(4,\)(.|\n)*b\.shape = \(3,\)"),
    (dict(b=RNG.standard_normal((4, 1))), r"b must have shape \(4,\)"),
    (dict(x=X.astype(np.int64)), r"x has dtype int64, but a floating-point array"),
    (dict(w=W.astype(object)), r"w has dtype object"),
    (dict(x=X.tolist()), r"x must be a numpy array, got list"),
    (dict(x=X.astype(np.float32)), r"share one dtype, but x is float32, w is float64"),
]


@pytest.mark.parametrize("forward", [conv2d_forward, conv2d_forward_naive])
@pytest.mark.parametrize(("change", "pattern"), BAD_FORWARD)
def test_bad_forward_inputs(forward, change, pattern):
    args = dict(x=X, w=W, b=None)
    args.update(change)
    with pytest.raises(ValueError, match=rf"^{forward.__name__}: (.|\n)*{pattern}"):
        forward(**args)


@pytest.mark.parametrize(("forward", "backward"), [(conv2d_forward, conv2d_backward),
                                                   (conv2d_forward_naive, conv2d_backward_naive)])
def test_bad_dout(forward, backward):
    out, cache = forward(X[:2], W, padding=1)
    with pytest.raises(ValueError, match=rf"^{backward.__name__}: dout must have the shape of "
                       r"the forward output\.\n  dout\.shape = \(2, 4, 26, 26\)"):
        backward(np.zeros((2, 4, 26, 26)), cache)
    with pytest.raises(ValueError, match=r"dout has dtype float32 but the forward input had float64"):
        backward(out.astype(np.float32), cache)
    with pytest.raises(ValueError, match=r"dout has dtype int64"):
        backward(out.astype(np.int64), cache)


def test_bad_conv_matrix_inputs():
    with pytest.raises(ValueError, match=r"^conv_matrix: (.|\n)*does not fit an input of 2"):
        conv_matrix(K3, (2, 5))
    with pytest.raises(ValueError, match=r"^conv_matrix: input_hw must be an int or an"):
        conv_matrix(K3, (4, 4, 4))
    with pytest.raises(ValueError, match=r"^conv_matrix_stats: w must have 4 dimensions"):
        conv_matrix_stats(K3[0], (4, 4))


@pytest.mark.parametrize(("shape", "kernel", "padding", "dilation"), [
    ((2, 3, 4, 9), (5, 5), 2, 1), ((2, 2, 6, 5), (5, 3), (4, 1), (2, 1)),
    ((1, 2, 1, 6), (5, 5), 2, 1), ((3, 1, 7, 5), (3, 3), 1, 1)])
def test_input_grad_same_any_channel_count(shape, kernel, padding, dilation):
    """input_grad_same is right for C > 1 too (conv2d_backward uses it for C = 1 only)."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((3, shape[1], *kernel))
    out, cache = conv2d_forward_naive(x, w, None, padding=padding, dilation=dilation)
    dout = rng.standard_normal(out.shape)
    P = padding if isinstance(padding, tuple) else (padding, padding)
    D = dilation if isinstance(dilation, tuple) else (dilation, dilation)
    np.testing.assert_allclose(input_grad_same(w, dout, x.shape, P, D),
                               conv2d_backward_naive(dout, cache)[0], rtol=1e-10, atol=1e-12)


def test_im2col_fills_a_row_slice_and_refuses_a_wrong_out():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2, 5, 5))
    args = ((3, 3), (1, 1), (1, 1), (1, 1), (5, 5))
    buffer = np.zeros((2, 19, 25))           # 18 rows of columns + 1 row (a bias row in conv)
    im2col(x, *args, out=buffer[:, :18])
    np.testing.assert_array_equal(buffer[:, :18], im2col(x, *args))
    assert not buffer[:, 18].any()
    for wrong in (np.zeros((2, 25, 18)), np.zeros((2, 18, 25), np.float32)):
        with pytest.raises(ValueError, match=r"im2col: out must be an array of shape \(2, 18, 25\)"):
            im2col(x, *args, out=wrong)


def test_dx_paths_reach_every_strategy(monkeypatch):
    """DX_PATHS really exercises the three strategies (not only the one the shapes suggest)."""
    import cnnlib.conv as conv_module

    used = []
    for name in ("input_grad_same", "input_grad_stride1", "col2im_matmul"):
        real = getattr(conv_module, name)
        monkeypatch.setattr(conv_module, name,
                            lambda *a, _name=name, _real=real: used.append(_name) or _real(*a))
    for shape, kernel, stride, padding, dilation in DX_PATHS:
        x = np.zeros(shape)
        out, cache = conv2d_forward(x, np.zeros((2, shape[1], *kernel)), None, stride=stride,
                                    padding=padding, dilation=dilation)
        conv2d_backward(out, cache)
    assert used.count("input_grad_same") == 5
    assert used.count("input_grad_stride1") == 5
    assert used.count("col2im_matmul") == 2
