"""Tests for cnnlib.linear: the fully connected layer and flatten."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib import linear as L
from cnnlib.gradcheck import check_pair

SETTINGS = settings(max_examples=30, deadline=None)


def arrays(N, fin, fout, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((N, fin)).astype(dtype),
            rng.standard_normal((fout, fin)).astype(dtype),
            rng.standard_normal(fout).astype(dtype))


def test_by_hand():
    x = np.array([[1.0, 2.0, 3.0]])
    w = np.array([[1.0, 0.0, -1.0], [0.5, 0.5, 0.5]])
    b = np.array([10.0, 0.0])
    out, cache = L.linear_forward(x, w, b)
    np.testing.assert_allclose(out, [[1 - 3 + 10, 3.0]])
    dx, dw, db = L.linear_backward(np.array([[1.0, 2.0]]), cache)
    np.testing.assert_allclose(dx, [[2.0, 1.0, 0.0]])            # dout @ w
    np.testing.assert_allclose(dw, [[1, 2, 3], [2, 4, 6]])        # dout.T @ x
    np.testing.assert_allclose(db, [1.0, 2.0])


@SETTINGS
@given(N=st.integers(1, 5), fin=st.integers(1, 7), fout=st.integers(1, 6),
       bias=st.booleans(), seed=st.integers(0, 2**31))
def test_fast_matches_naive(N, fin, fout, bias, seed):
    x, w, b = arrays(N, fin, fout, seed)
    b = b if bias else None
    out, cache = L.linear_forward(x, w, b)
    out_n, cache_n = L.linear_forward_naive(x, w, b)
    np.testing.assert_allclose(out, out_n, rtol=1e-12, atol=1e-12)
    dout = np.random.default_rng(seed + 1).standard_normal(out.shape)
    dx, dw, db = L.linear_backward(dout, cache)
    dx_n, dw_n, db_n = L.linear_backward_naive(dout, cache_n)
    np.testing.assert_allclose(dx, dx_n, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dw, dw_n, rtol=1e-12, atol=1e-12)
    if bias:
        np.testing.assert_allclose(db, db_n, rtol=1e-12, atol=1e-12)
    else:
        assert db is None and db_n is None


@pytest.mark.parametrize("pair", [(L.linear_forward, L.linear_backward),
                                  (L.linear_forward_naive, L.linear_backward_naive)])
@pytest.mark.parametrize("bias", [True, False])
def test_gradcheck(pair, bias):
    x, w, b = arrays(4, 5, 3, seed=7)
    inputs = {"x": x, "w": w, "b": b if bias else None}
    errors = check_pair(*pair, inputs)
    assert set(errors) == ({"x", "w", "b"} if bias else {"x", "w"})
    assert max(errors.values()) < 1e-7


def test_no_bias_gives_db_none():
    x, w, _ = arrays(2, 3, 4)
    out, cache = L.linear_forward(x, w)
    np.testing.assert_allclose(out, x @ w.T)
    assert L.linear_backward(np.ones_like(out), cache)[2] is None


@pytest.mark.parametrize("pair", [(L.linear_forward, L.linear_backward),
                                  (L.linear_forward_naive, L.linear_backward_naive)])
def test_float32_preserved(pair):
    x, w, b = arrays(3, 4, 2, dtype=np.float32)
    out, cache = pair[0](x, w, b)
    grads = pair[1](np.ones_like(out), cache)
    assert out.dtype == np.float32 and all(g.dtype == np.float32 for g in grads)


def test_flatten_round_trip():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    out, cache = L.flatten_forward(x)
    assert out.shape == (2, 60) and out.dtype == np.float32
    np.testing.assert_array_equal(out[1], x[1].ravel())            # row-major, like torch
    dx = L.flatten_backward(out * 2, cache)
    assert dx.shape == x.shape
    np.testing.assert_array_equal(dx, x * 2)


def test_flatten_gradcheck():
    x = np.random.default_rng(3).standard_normal((2, 3, 2, 2))
    assert check_pair(L.flatten_forward, L.flatten_backward, {"x": x})["x"] < 1e-7


# ------------------------------------------------------------------ errors that teach
def test_4d_input_hints_flatten_with_shape():
    x = np.zeros((8, 16, 7, 7))
    w = np.zeros((10, 784))
    with pytest.raises(ValueError, match=r"x must have 2 dimensions[\s\S]*\(8, 784\)"):
        L.linear_forward(x, w)


def test_in_features_mismatch_shows_both_shapes():
    x, w = np.zeros((4, 5)), np.zeros((3, 6))
    with pytest.raises(ValueError, match=r"x has 5 features but w expects 6[\s\S]*"
                                         r"\(N, in_features\)[\s\S]*\(out_features, in_features\)"):
        L.linear_forward(x, w)


def test_bias_length():
    x, w = np.zeros((4, 5)), np.zeros((3, 5))
    with pytest.raises(ValueError, match=r"one bias per output feature: shape \(3,\)"):
        L.linear_forward_naive(x, w, np.zeros(5))


def test_mixed_or_integer_dtypes():
    x, w = np.zeros((4, 5)), np.zeros((3, 5), dtype=np.float32)
    with pytest.raises(ValueError, match="share one dtype"):
        L.linear_forward(x, w)
    with pytest.raises(ValueError, match="x has dtype int64"):
        L.linear_forward(np.zeros((4, 5), dtype=np.int64), w)


def test_dout_wrong_shape_or_dtype():
    x, w, b = arrays(4, 5, 3)
    _, cache = L.linear_forward(x, w, b)
    with pytest.raises(ValueError, match=r"shape of the forward output[\s\S]*\(4, 3\)"):
        L.linear_backward(np.zeros((4, 5)), cache)
    with pytest.raises(ValueError, match="dout has dtype float32"):
        L.linear_backward(np.zeros((4, 3), dtype=np.float32), cache)
    _, fcache = L.flatten_forward(np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match=r"flatten_backward[\s\S]*\(2, 48\)"):
        L.flatten_backward(np.zeros((2, 47)), fcache)


def test_flatten_needs_batch_axis():
    with pytest.raises(ValueError, match=r"batch axis[\s\S]*x\[None\]"):
        L.flatten_forward(np.zeros(5))
