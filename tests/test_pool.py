"""Tests for cnnlib.pool: max, average and global average pooling."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib import pool
from cnnlib.gradcheck import check_pair

SETTINGS = settings(max_examples=30, deadline=None)

X4 = np.array([[1, 3, 2, 1],
               [4, 2, 0, 1],
               [5, 1, 2, 8],
               [0, 6, 3, 4]], dtype=np.float64)[None, None]


@st.composite
def pool_cases(draw):
    """Odd, non-square sizes; strides that do not divide; overlap (S < K); padding; N = 1."""
    N, C = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    K = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    S = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    P = (draw(st.integers(0, K[0] // 2)), draw(st.integers(0, K[1] // 2)))
    H = draw(st.integers(max(1, K[0] - 2 * P[0]), 9))
    W = draw(st.integers(max(1, K[1] - 2 * P[1]), 9))
    ties = draw(st.booleans())
    rng = np.random.default_rng(draw(st.integers(0, 2**31)))
    x = rng.integers(-2, 3, (N, C, H, W)) if ties else rng.standard_normal((N, C, H, W))
    return x.astype(np.float64), K, S, P, rng


def distinct(shape, seed=0):
    """Values at least 0.1 apart (no near-ties), so max pooling is differentiable there."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(int(np.prod(shape))) * 0.1 - 1.0).reshape(shape)


# ------------------------------------------------------------------ fast == naive
@SETTINGS
@given(pool_cases())
def test_max_pool_fast_matches_naive_exactly(case):
    x, K, S, P, rng = case
    out, cache = pool.max_pool2d_forward(x, K, stride=S, padding=P)
    out_n, cache_n = pool.max_pool2d_forward_naive(x, K, stride=S, padding=P)
    np.testing.assert_array_equal(out, out_n)
    # Integer-valued dout: sums are exact, so the routing (also on ties) must agree exactly.
    dout = rng.integers(-3, 4, out.shape).astype(np.float64)
    np.testing.assert_array_equal(pool.max_pool2d_backward(dout, cache),
                                  pool.max_pool2d_backward_naive(dout, cache_n))


@SETTINGS
@given(pool_cases())
def test_avg_pool_fast_matches_naive(case):
    x, K, S, P, rng = case
    out, cache = pool.avg_pool2d_forward(x, K, stride=S, padding=P)
    out_n, cache_n = pool.avg_pool2d_forward_naive(x, K, stride=S, padding=P)
    np.testing.assert_allclose(out, out_n, rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(out.shape)
    np.testing.assert_allclose(pool.avg_pool2d_backward(dout, cache),
                               pool.avg_pool2d_backward_naive(dout, cache_n),
                               rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ hand-computed examples
def test_max_pool_2x2_stride_2_by_hand():
    out, cache = pool.max_pool2d_forward(X4, 2)
    np.testing.assert_array_equal(out[0, 0], [[4, 2], [6, 8]])
    dx = pool.max_pool2d_backward(np.array([[[[10.0, 20.0], [30.0, 40.0]]]]), cache)
    expected = np.zeros((4, 4))
    expected[1, 0], expected[0, 2], expected[3, 1], expected[2, 3] = 10, 20, 30, 40
    np.testing.assert_array_equal(dx[0, 0], expected)


def test_avg_pool_2x2_stride_2_by_hand():
    out, cache = pool.avg_pool2d_forward(X4, 2)
    np.testing.assert_allclose(out[0, 0], [[2.5, 1.0], [3.0, 4.25]])
    dx = pool.avg_pool2d_backward(np.ones((1, 1, 2, 2)), cache)
    np.testing.assert_allclose(dx, np.full((1, 1, 4, 4), 0.25))


@pytest.mark.parametrize("forward", [pool.max_pool2d_forward, pool.avg_pool2d_forward])
def test_seed_example_32x32x12_to_16x16x12(forward):
    x = np.random.default_rng(0).standard_normal((2, 12, 32, 32)).astype(np.float32)
    out, _ = forward(x, 2, stride=2)
    assert out.shape == (2, 12, 16, 16)


def test_avg_pool_padding_counts_zeros():
    x = np.arange(1.0, 17.0).reshape(1, 1, 4, 4)
    out, _ = pool.avg_pool2d_forward(x, 3, stride=1, padding=1)
    # Top-left window: 5 padded zeros and 1 + 2 + 5 + 6 = 14, divided by all 9 cells.
    assert out[0, 0, 0, 0] == pytest.approx(14 / 9)
    assert out[0, 0, 1, 1] == pytest.approx(x[0, 0, :3, :3].mean())


def test_max_pool_padding_never_wins():
    x = distinct((1, 2, 5, 5)) - 10.0               # every value below -6
    out, cache = pool.max_pool2d_forward(x, 3, stride=2, padding=1)
    assert out.shape == (1, 2, 3, 3)
    assert out.max() < -6
    assert out[0, 0, 0, 0] == x[0, 0, :2, :2].max()
    dx = pool.max_pool2d_backward(np.ones_like(out), cache)
    assert dx.sum() == out.size                     # no gradient was lost to padding


def test_overlapping_backward_accumulates():
    x = np.array([[1, 2, 3], [4, 9, 5], [6, 7, 8]], dtype=np.float64)[None, None]
    for forward, backward in [(pool.max_pool2d_forward, pool.max_pool2d_backward),
                              (pool.max_pool2d_forward_naive, pool.max_pool2d_backward_naive)]:
        out, cache = forward(x, 2, stride=1)
        np.testing.assert_array_equal(out[0, 0], [[9, 9], [9, 9]])
        dx = backward(np.ones_like(out), cache)
        expected = np.zeros((3, 3))
        expected[1, 1] = 4                          # the centre wins all four windows
        np.testing.assert_array_equal(dx[0, 0], expected)


@pytest.mark.parametrize("which", ["fast", "naive"])
def test_ties_go_to_first_maximum_in_row_major_order(which):
    fwd, bwd = ((pool.max_pool2d_forward, pool.max_pool2d_backward) if which == "fast" else
                (pool.max_pool2d_forward_naive, pool.max_pool2d_backward_naive))
    x = np.array([[[[0.0, 7.0, 3.0, 3.0],
                    [7.0, 1.0, 3.0, 3.0]]]])
    out, cache = fwd(x, 2)
    dx = bwd(np.ones_like(out), cache)
    np.testing.assert_array_equal(dx[0, 0], [[0, 1, 1, 0], [0, 0, 0, 0]])


def test_remainder_is_cropped_and_gets_no_gradient():
    x = distinct((1, 1, 5, 7))
    out, cache = pool.max_pool2d_forward(x, 2)
    assert out.shape == (1, 1, 2, 3)
    dx = pool.max_pool2d_backward(np.ones_like(out), cache)
    assert not dx[0, 0, 4, :].any() and not dx[0, 0, :, 6].any()


# ------------------------------------------------------------------ gradient checks (float64)
@pytest.mark.parametrize("pair", [
    (pool.max_pool2d_forward, pool.max_pool2d_backward),
    (pool.max_pool2d_forward_naive, pool.max_pool2d_backward_naive),
])
@pytest.mark.parametrize("K,S,P", [(2, None, 0), (3, 1, 1), ((2, 3), (1, 2), (1, 0)), (3, 2, 0)])
def test_max_pool_gradcheck(pair, K, S, P):
    errors = check_pair(*pair, {"x": distinct((2, 2, 6, 7))}, kernel_size=K, stride=S, padding=P)
    assert errors["x"] < 1e-7


@pytest.mark.parametrize("pair", [
    (pool.avg_pool2d_forward, pool.avg_pool2d_backward),
    (pool.avg_pool2d_forward_naive, pool.avg_pool2d_backward_naive),
])
@pytest.mark.parametrize("K,S,P", [(2, None, 0), (3, 1, 1), ((2, 3), (1, 2), (1, 0)), (3, 2, 0)])
def test_avg_pool_gradcheck(pair, K, S, P):
    x = np.random.default_rng(1).standard_normal((2, 2, 6, 7))
    errors = check_pair(*pair, {"x": x}, kernel_size=K, stride=S, padding=P)
    assert errors["x"] < 1e-7


def test_global_avg_pool_values_and_gradcheck():
    x = np.random.default_rng(2).standard_normal((3, 4, 5, 6))
    out, cache = pool.global_avg_pool2d_forward(x)
    assert out.shape == (3, 4)
    np.testing.assert_allclose(out, x.mean(axis=(2, 3)))
    dx = pool.global_avg_pool2d_backward(np.ones((3, 4)), cache)
    np.testing.assert_allclose(dx, np.full(x.shape, 1 / 30))
    errors = check_pair(pool.global_avg_pool2d_forward, pool.global_avg_pool2d_backward,
                        {"x": x})
    assert errors["x"] < 1e-7


# ------------------------------------------------------------------ dtypes
@pytest.mark.parametrize("fwd,bwd", [
    (pool.max_pool2d_forward, pool.max_pool2d_backward),
    (pool.max_pool2d_forward_naive, pool.max_pool2d_backward_naive),
    (pool.avg_pool2d_forward, pool.avg_pool2d_backward),
    (pool.avg_pool2d_forward_naive, pool.avg_pool2d_backward_naive),
])
@pytest.mark.parametrize("padding", [0, 1])
def test_float32_preserved(fwd, bwd, padding):
    x = np.random.default_rng(3).standard_normal((2, 3, 7, 6)).astype(np.float32)
    out, cache = fwd(x, 3, stride=2, padding=padding)
    dx = bwd(np.ones_like(out), cache)
    assert out.dtype == np.float32 and dx.dtype == np.float32 and dx.shape == x.shape


def test_global_avg_pool_float32_preserved():
    x = np.ones((2, 3, 4, 4), dtype=np.float32)
    out, cache = pool.global_avg_pool2d_forward(x)
    dx = pool.global_avg_pool2d_backward(np.ones_like(out), cache)
    assert out.dtype == np.float32 and dx.dtype == np.float32


# ------------------------------------------------------------------ errors that teach
X = np.zeros((2, 3, 8, 8))


@pytest.mark.parametrize("forward", [pool.max_pool2d_forward, pool.avg_pool2d_forward,
                                     pool.max_pool2d_forward_naive])
def test_single_image_without_batch_axis(forward):
    with pytest.raises(ValueError, match=r"4 dimensions[\s\S]*x\[None\]"):
        forward(np.zeros((3, 8, 8)), 2)


def test_kernel_larger_than_padded_input_shows_formula():
    # A 9-wide window cannot fit 5 rows plus 1 + 1 of padding (and P = 1 <= 9 // 2).
    with pytest.raises(ValueError, match=r"max_pool2d_forward[\s\S]*\(5 \+ 2 - 9\)"):
        pool.max_pool2d_forward(np.zeros((1, 1, 5, 5)), (9, 2), padding=(1, 1))


@pytest.mark.parametrize("kwargs,words", [
    ({"kernel_size": 2, "stride": 0}, "stride must be >= 1"),
    ({"kernel_size": 2, "padding": 2}, "more than half"),
    ({"kernel_size": 2.5}, "kernel_size must be an integer"),
    ({"kernel_size": 2, "stride": 1.0}, "stride must be an integer"),
    ({"kernel_size": (2, 2, 2)}, r"an \(h, w\) pair"),
])
def test_bad_pool_arguments(kwargs, words):
    with pytest.raises(ValueError, match=words):
        pool.avg_pool2d_forward(X, **kwargs)


def test_integer_input_refused():
    with pytest.raises(ValueError, match="max_pool2d_forward: x has dtype int64"):
        pool.max_pool2d_forward(np.zeros((1, 1, 4, 4), dtype=np.int64), 2)


@pytest.mark.parametrize("fwd,bwd", [
    (pool.max_pool2d_forward, pool.max_pool2d_backward),
    (pool.avg_pool2d_forward_naive, pool.avg_pool2d_backward_naive),
])
def test_dout_with_wrong_shape_or_dtype(fwd, bwd):
    out, cache = fwd(X, 2)
    with pytest.raises(ValueError, match=r"shape of the forward output[\s\S]*\(2, 3, 4, 4\)"):
        bwd(np.ones((2, 3, 8, 8)), cache)
    with pytest.raises(ValueError, match="dout has dtype float32"):
        bwd(np.ones(out.shape, dtype=np.float32), cache)


def test_global_avg_pool_bad_inputs():
    with pytest.raises(ValueError, match="global_avg_pool2d_forward: x must have 4"):
        pool.global_avg_pool2d_forward(np.zeros((3, 4)))
    _, cache = pool.global_avg_pool2d_forward(X)
    with pytest.raises(ValueError, match="shape of the forward output"):
        pool.global_avg_pool2d_backward(np.ones((2, 3, 1, 1)), cache)
