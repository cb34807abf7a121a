"""Tests for cnnlib.activations: ReLU, leaky ReLU, sigmoid, tanh."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from cnnlib import activations as A
from cnnlib.gradcheck import check_pair

SETTINGS = settings(max_examples=30, deadline=None)

PAIRS = {
    "relu": (A.relu_forward, A.relu_backward),
    "leaky_relu": (A.leaky_relu_forward, A.leaky_relu_backward),
    "sigmoid": (A.sigmoid_forward, A.sigmoid_backward),
    "tanh": (A.tanh_forward, A.tanh_backward),
}
PLAIN = {"relu": A.relu, "leaky_relu": A.leaky_relu, "sigmoid": A.sigmoid, "tanh": A.tanh}
DERIV = {"relu": A.relu_derivative, "leaky_relu": A.leaky_relu_derivative,
         "sigmoid": A.sigmoid_derivative, "tanh": A.tanh_derivative}
POINTS = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])


# ------------------------------------------------------------------ values at chosen points
def test_values_at_chosen_points():
    s = 1 / (1 + math.exp(-2))                     # sigmoid(2) = 0.8808
    np.testing.assert_allclose(A.relu(POINTS), [0, 0, 0, 0.5, 2])
    np.testing.assert_allclose(A.leaky_relu(POINTS), [-0.02, -0.005, 0, 0.5, 2])
    np.testing.assert_allclose(A.leaky_relu(POINTS, negative_slope=0.2), [-0.4, -0.1, 0, 0.5, 2])
    np.testing.assert_allclose(A.sigmoid(POINTS)[[0, 2, 4]], [1 - s, 0.5, s], rtol=1e-14)
    np.testing.assert_allclose(A.tanh(POINTS), np.tanh(POINTS))
    assert A.tanh(np.array([0.0]))[0] == 0.0


def test_derivatives_at_chosen_points():
    s = 1 / (1 + math.exp(-2))
    np.testing.assert_array_equal(A.relu_derivative(POINTS), [0, 0, 0, 1, 1])  # 0 at x = 0
    np.testing.assert_allclose(A.leaky_relu_derivative(POINTS), [0.01, 0.01, 0.01, 1, 1])
    np.testing.assert_allclose(A.sigmoid_derivative(POINTS)[[0, 2, 4]],
                               [s * (1 - s), 0.25, s * (1 - s)], rtol=1e-13)
    np.testing.assert_allclose(A.tanh_derivative(POINTS)[[2, 4]],
                               [1.0, 1 - math.tanh(2) ** 2], rtol=1e-13)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "leaky_relu"])
def test_derivative_matches_central_difference(name):
    x = np.linspace(-3, 3, 13) + 0.05                # avoid the kinks at 0
    h = 1e-6
    numeric = (PLAIN[name](x + h) - PLAIN[name](x - h)) / (2 * h)
    np.testing.assert_allclose(DERIV[name](x), numeric, rtol=1e-7, atol=1e-9)


# ------------------------------------------------------------------ consistency, shapes, dtype
@SETTINGS
@given(name=st.sampled_from(sorted(PAIRS)),
       x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=4, max_side=4),
                    elements=st.floats(-50, 50)))
def test_forward_keeps_shape_and_matches_plain_and_derivative(name, x):
    fwd, bwd = PAIRS[name]
    out, cache = fwd(x)
    assert np.shape(out) == x.shape
    np.testing.assert_array_equal(out, PLAIN[name](x))
    dx = bwd(np.ones(x.shape), cache)
    np.testing.assert_allclose(dx, DERIV[name](x), rtol=1e-12, atol=1e-300)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_float32_preserved(name):
    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(2, 3, 2, 2)
    fwd, bwd = PAIRS[name]
    out, cache = fwd(x)
    dx = bwd(np.ones_like(out), cache)
    for a in (out, dx, PLAIN[name](x), DERIV[name](x)):
        assert a.dtype == np.float32


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_gradcheck_float64(name):
    x = np.random.default_rng(0).standard_normal((3, 2, 4, 5))
    x[np.abs(x) < 1e-3] = 0.5                      # keep away from ReLU's kink
    errors = check_pair(*PAIRS[name], {"x": x})
    assert errors["x"] < 1e-7


def test_relu_does_not_modify_input_and_zero_is_positive_zero():
    x = np.array([-1.0, 0.0, 2.0])
    out, cache = A.relu_forward(x)
    np.testing.assert_array_equal(x, [-1.0, 0.0, 2.0])
    assert not np.signbit(out).any()               # 0.0, never -0.0
    dout = np.array([5.0, 5.0, 5.0])
    np.testing.assert_array_equal(A.relu_backward(dout, cache), [0, 0, 5])
    np.testing.assert_array_equal(dout, [5.0, 5.0, 5.0])


# ------------------------------------------------------------------ numerical stability
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_stable_at_1000(dtype):
    x = np.array([-1000, -100, -1, 0, 1, 100, 1000], dtype=dtype)
    with np.errstate(all="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        s = A.sigmoid(x)
        d = A.sigmoid_derivative(x)
        out, cache = A.sigmoid_forward(x)
        A.sigmoid_backward(np.ones_like(x), cache)
        t = A.tanh_derivative(x)
    assert s.dtype == dtype and np.isfinite(s).all() and np.isfinite(d).all()
    assert s[0] == 0 and s[-1] == 1 and s[3] == 0.5
    np.testing.assert_allclose(s + s[::-1], 1)     # sigmoid(-x) = 1 - sigmoid(x)
    assert t[0] == 0 and t[3] == 1


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sigmoid_naive_overflows(dtype):
    x = np.array([-1000.0, 0.0], dtype=dtype)
    with pytest.warns(RuntimeWarning, match="overflow"):
        s = A.sigmoid_naive(x)
    np.testing.assert_allclose(s, A.sigmoid(x))    # right answer, but with a warning


# ------------------------------------------------------------------ errors that teach
def test_integer_input_refused():
    with pytest.raises(ValueError, match="relu_forward: x has dtype int64"):
        A.relu_forward(np.arange(3))
    with pytest.raises(ValueError, match="sigmoid: x must be a numpy array"):
        A.sigmoid([0.0, 1.0])


def test_bad_negative_slope():
    with pytest.raises(ValueError, match="negative_slope must be a number"):
        A.leaky_relu_forward(np.zeros(3), negative_slope="0.1")


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_dout_wrong_shape_or_dtype(name):
    fwd, bwd = PAIRS[name]
    _, cache = fwd(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=f"{name}_backward: dout must have the shape"):
        bwd(np.zeros((3, 2)), cache)
    with pytest.raises(ValueError, match="dout has dtype float32"):
        bwd(np.zeros((2, 3), dtype=np.float32), cache)


# ------------------------------------------------------------------ fast formulas vs textbook ones
@SETTINGS
@given(x=hnp.arrays(np.float32, st.integers(1, 40), elements=st.floats(-30, 30, width=32)),
       slope=st.sampled_from([0.01, 0.2, 0.0, -0.5, 1.5]))
def test_fast_formulas_match_textbook_ones(x, slope):
    np.testing.assert_array_equal(A.leaky_relu(x, slope), np.where(x > 0, x, x * slope))
    _, cache = A.leaky_relu_forward(x, slope)
    dout = np.linspace(-1, 1, x.size, dtype=np.float32)
    np.testing.assert_array_equal(A.leaky_relu_backward(dout, cache),
                                  np.where(x > 0, dout, dout * slope))
    x64 = x.astype(np.float64)
    np.testing.assert_allclose(A.sigmoid(x64), 1 / (1 + np.exp(-x64)), rtol=1e-14)
    np.testing.assert_allclose(A.sigmoid(x), 1 / (1 + np.exp(-x64)), rtol=1e-6)
