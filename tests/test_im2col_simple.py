"""The readable im2col_simple / col2im_simple (cnnlib/im2col_simple.py) that notebook 06 prints:
the same convolution and gradients as cnnlib's fast path on random geometries (stride not
dividing, non-square kernels), col2im_simple is im2col_simple's adjoint, bad input gets a
teaching error, and cnnlib.im2col still exports both."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib import conv
from cnnlib.im2col import col2im_simple, im2col_simple


@st.composite
def geometry(draw):
    KH, KW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    S, P = draw(st.integers(1, 3)), draw(st.integers(0, 2))
    H, W = draw(st.integers(max(1, KH - 2 * P), 9)), draw(st.integers(max(1, KW - 2 * P), 9))
    N, C, F = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    return (N, C, H, W), (F, C, KH, KW), S, P


@settings(max_examples=60, deadline=None)
@given(geometry())
def test_matrix_view_equals_cnnlib(g):
    x_shape, w_shape, S, P = g
    rng = np.random.default_rng(sum(x_shape) + 7 * sum(w_shape) + S + P)
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    out, cache = conv.conv2d_forward(x, w, b, stride=S, padding=P)
    N, F, H_out, W_out = out.shape
    cols = im2col_simple(x, w_shape[2:], stride=S, padding=P)
    assert cols.shape == (w_shape[1] * w_shape[2] * w_shape[3], N * H_out * W_out)
    W_matrix = w.reshape(F, -1)
    forward = (W_matrix @ cols + b[:, None]).reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3)
    np.testing.assert_allclose(forward, out, rtol=1e-10, atol=1e-12)
    dout = rng.normal(size=out.shape)
    dx, dw, _ = conv.conv2d_backward(dout, cache)
    dout_matrix = dout.transpose(1, 0, 2, 3).reshape(F, -1)
    np.testing.assert_allclose((dout_matrix @ cols.T).reshape(w_shape), dw, rtol=1e-10,
                               atol=1e-12)
    back = col2im_simple(W_matrix.T @ dout_matrix, x_shape, w_shape[2:], stride=S, padding=P)
    np.testing.assert_allclose(back, dx, rtol=1e-10, atol=1e-12)
    c = rng.normal(size=cols.shape)  # the adjoint identity <im2col(x), c> = <x, col2im(c)>
    np.testing.assert_allclose(np.sum(cols * c), np.sum(x * col2im_simple(c, x_shape,
                                                                          w_shape[2:], S, P)))


def test_dtype_kept_and_int_kernel_size():
    x = np.arange(16, dtype=np.float32).reshape(1, 1, 4, 4)
    cols = im2col_simple(x, 3)
    assert cols.dtype == np.float32 and cols.shape == (9, 4)
    assert col2im_simple(cols, x.shape, 3).dtype == np.float32


@pytest.mark.parametrize(("call", "words"), [
    (lambda: im2col_simple(np.zeros((4, 4)), 3), ["im2col_simple", "4 dimensions", "x[None, None]"]),
    (lambda: im2col_simple(np.zeros((1, 1, 2, 2)), 3), ["im2col_simple", "does not fit",
                                                       "(2 + 0 - 2 - 1) // 1 + 1 = 0"]),
    (lambda: im2col_simple(np.zeros((1, 1, 4, 4)), 3, stride=0), ["stride must be >= 1"]),
    (lambda: col2im_simple(np.zeros((9, 5)), (1, 1, 4, 4), 3), ["col2im_simple",
                                                              "(1*3*3, 1*2*2) = (9, 4)"]),
])
def test_errors_teach(call, words):
    with pytest.raises(ValueError) as err:
        call()
    for word in words:
        assert word in str(err.value), (word, str(err.value))


def test_the_readable_module_is_also_reached_through_cnnlib_im2col():
    import cnnlib.im2col
    import cnnlib.im2col_simple

    assert cnnlib.im2col.im2col_simple is cnnlib.im2col_simple.im2col_simple
    assert cnnlib.im2col.col2im_simple is cnnlib.im2col_simple.col2im_simple
