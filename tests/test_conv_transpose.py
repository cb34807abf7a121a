"""Tests for cnnlib.conv_transpose: sizes, loops == fast, adjoint of conv2d, errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import conv_geometry

from cnnlib.conv import (
    conv2d_backward,
    conv2d_forward,
    conv_transpose2d_backward,
    conv_transpose2d_backward_naive,
    conv_transpose2d_forward,
    conv_transpose2d_forward_naive,
)
from cnnlib.gradcheck import check_pair
from cnnlib.shapes import conv_transpose_output_size

SETTINGS = settings(max_examples=30, deadline=None)


@st.composite
def transpose_cases(draw):
    """Inputs of a transposed convolution, output_padding included (< stride or dilation)."""
    N, C_in, C_out = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    K = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    S = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    D = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    P = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    OP = tuple(draw(st.integers(0, max(S[i], D[i]) - 1)) for i in range(2))
    H, W = draw(st.integers(1, 6)), draw(st.integers(1, 6))
    assume(all(((H, W)[i] - 1) * S[i] - 2 * P[i] + D[i] * (K[i] - 1) + 1 + OP[i] >= 1
               for i in range(2)))
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.standard_normal((N, C_in, H, W))
    w = rng.standard_normal((C_in, C_out, *K))
    b = rng.standard_normal(C_out) if draw(st.booleans()) else None
    return x, w, b, dict(stride=S, padding=P, dilation=D, output_padding=OP), rng


# ---------------------------------------------------------------- sizes


@pytest.mark.parametrize("forward", [conv_transpose2d_forward, conv_transpose2d_forward_naive])
def test_dumoulin_visin_sizes(forward):
    rng = np.random.default_rng(0)
    w = rng.standard_normal((1, 1, 3, 3))
    # 2x2 input, 3x3 kernel, stride 1, no padding -> 4x4 (undoes a 4x4 -> 2x2 convolution)
    assert forward(rng.standard_normal((1, 1, 2, 2)), w)[0].shape == (1, 1, 4, 4)
    # 3x3 input, stride 2, padding 1 -> (3 - 1)*2 - 2 + 2 + 1 = 5
    x = rng.standard_normal((1, 1, 3, 3))
    assert forward(x, w, stride=2, padding=1)[0].shape == (1, 1, 5, 5)
    # output_padding 1 picks the other input size that conv2d maps to 3x3: 6x6
    assert forward(x, w, stride=2, padding=1, output_padding=1)[0].shape == (1, 1, 6, 6)
    assert conv2d_forward(rng.standard_normal((1, 1, 6, 6)), w, stride=2, padding=1)[0].shape \
        == (1, 1, 3, 3)


def test_2x2_input_scatter_by_hand():
    # each input pixel stamps a copy of the kernel, scaled, at its position; overlaps add
    x = np.array([[1.0, 2.0], [3.0, 4.0]])[None, None]
    w = np.ones((1, 1, 2, 2))
    out, _ = conv_transpose2d_forward(x, w)
    np.testing.assert_array_equal(out[0, 0], [[1, 3, 2], [4, 10, 6], [3, 7, 4]])
    out, _ = conv_transpose2d_forward(x, w, stride=2)  # stride 2: the stamps no longer overlap
    np.testing.assert_array_equal(out[0, 0], [[1, 1, 2, 2], [1, 1, 2, 2],
                                              [3, 3, 4, 4], [3, 3, 4, 4]])


# ---------------------------------------------------------------- fast == loops


@SETTINGS
@given(transpose_cases())
def test_fast_matches_naive(case):
    x, w, b, kw, rng = case
    out, cache = conv_transpose2d_forward(x, w, b, **kw)
    out_n, cache_n = conv_transpose2d_forward_naive(x, w, b, **kw)
    expected_hw = conv_transpose_output_size(x.shape[2:], w.shape[2:], **kw)
    assert out.shape == out_n.shape == (x.shape[0], w.shape[1], *expected_hw)
    np.testing.assert_allclose(out, out_n, rtol=1e-10, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    for g, g_n in zip(conv_transpose2d_backward(dout, cache),
                      conv_transpose2d_backward_naive(dout, cache_n), strict=True):
        if g_n is None:
            assert g is None and b is None
        else:
            np.testing.assert_allclose(g, g_n, rtol=1e-10, atol=1e-12)


@SETTINGS
@given(transpose_cases(), st.sampled_from([np.float32, np.float64]))
def test_dtype_preserved(case, dtype):
    x, w, b, kw, rng = case
    x, w = x.astype(dtype), w.astype(dtype)
    b = None if b is None else b.astype(dtype)
    for forward, backward in [(conv_transpose2d_forward, conv_transpose2d_backward),
                              (conv_transpose2d_forward_naive, conv_transpose2d_backward_naive)]:
        out, cache = forward(x, w, b, **kw)
        dx, dw, db = backward(rng.standard_normal(out.shape).astype(dtype), cache)
        assert out.dtype == dx.dtype == dw.dtype == dtype
        assert db is None if b is None else db.dtype == dtype


# ---------------------------------------------------------------- adjoint of conv2d


@SETTINGS
@given(conv_geometry(), st.integers(0, 2**31))
def test_is_conv2d_input_gradient(config, seed):
    """conv_transpose2d_forward(y, w) == conv2d_backward's dx for dout = y, and
    <conv2d(x), y> == <x, conv_transpose2d(y)>."""
    (H, W), K, S, P, D = config
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, H, W))
    w = rng.standard_normal((4, 3, *K))   # conv2d: 3 -> 4 channels; transposed: 4 -> 3
    out, cache = conv2d_forward(x, w, stride=S, padding=P, dilation=D)
    y = rng.standard_normal(out.shape)
    # output_padding: the rows and columns that the stride skipped at the end
    op = tuple((hw + 2 * P[i] - D[i] * (K[i] - 1) - 1) % S[i] for i, hw in enumerate((H, W)))
    xt, _ = conv_transpose2d_forward(y, w, stride=S, padding=P, dilation=D, output_padding=op)
    dx, _, _ = conv2d_backward(y, cache)
    assert xt.shape == x.shape
    np.testing.assert_allclose(xt, dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(np.sum(out * y), np.sum(x * xt), rtol=1e-10)


@SETTINGS
@given(transpose_cases())
def test_backward_dx_is_conv2d(case):
    x, w, b, kw, rng = case
    out, cache = conv_transpose2d_forward(x, w, b, **kw)
    dout = rng.standard_normal(out.shape)
    dx, _, _ = conv_transpose2d_backward(dout, cache)
    conv_kw = {k: v for k, v in kw.items() if k != "output_padding"}
    y, _ = conv2d_forward(dout, w, **conv_kw)
    # conv2d over the output may reach one more row/column when output_padding >= stride
    np.testing.assert_allclose(dx, y[:, :, :x.shape[2], :x.shape[3]], rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------- gradient checks (float64)


@pytest.mark.parametrize("kw", [
    dict(),
    dict(stride=2, padding=1, output_padding=1),
    dict(stride=2, padding=1, dilation=2),
    dict(stride=(1, 3), padding=(0, 2), dilation=(2, 1), output_padding=(1, 2)),
])
@pytest.mark.parametrize(("forward", "backward"), [
    (conv_transpose2d_forward, conv_transpose2d_backward),
    (conv_transpose2d_forward_naive, conv_transpose2d_backward_naive)])
def test_gradient_check(kw, forward, backward):
    rng = np.random.default_rng(1)
    inputs = {"x": rng.standard_normal((2, 3, 4, 3)), "w": rng.standard_normal((3, 2, 3, 2)),
              "b": rng.standard_normal(2)}
    errors = check_pair(forward, backward, inputs, **kw)
    assert set(errors) == {"x", "w", "b"}
    assert max(errors.values()) < 1e-7, errors


# ---------------------------------------------------------------- errors that teach

RNG = np.random.default_rng(5)
X = RNG.standard_normal((2, 3, 4, 4))
W = RNG.standard_normal((3, 5, 3, 3))

BAD = [
    (dict(w=RNG.standard_normal((2, 5, 3, 3))),
     r"x has 3 channels but w expects 2\.(.|\n)*read as \(C_in, C_out, KH, KW\)"),
    (dict(b=RNG.standard_normal(3)), r"b must have shape \(5,\)"),
    (dict(output_padding=1), r"output_padding=1 must be smaller than the stride or the dilation"),
    (dict(padding=4), r"padding=4 removes the whole output(.|\n)*H_out = (.|\n)*x\.shape"),
    (dict(stride=0), r"stride must be >= 1"),
    (dict(output_padding=-1), r"output_padding must be >= 0"),
    (dict(x=X[0]), r"x must have 4 dimensions"),
    (dict(x=X.astype(np.float32)), r"share one dtype"),
]


@pytest.mark.parametrize("forward", [conv_transpose2d_forward, conv_transpose2d_forward_naive])
@pytest.mark.parametrize(("change", "pattern"), BAD)
def test_bad_inputs(forward, change, pattern):
    args = dict(x=X, w=W, b=None)
    args.update(change)
    with pytest.raises(ValueError, match=rf"^{forward.__name__}: (.|\n)*{pattern}"):
        forward(**args)


@pytest.mark.parametrize(("forward", "backward"), [
    (conv_transpose2d_forward, conv_transpose2d_backward),
    (conv_transpose2d_forward_naive, conv_transpose2d_backward_naive)])
def test_bad_dout(forward, backward):
    out, cache = forward(X, W, stride=2)
    assert out.shape == (2, 5, 9, 9)
    with pytest.raises(ValueError, match=rf"^{backward.__name__}: dout must have the shape"):
        backward(out[:, :, :8], cache)
