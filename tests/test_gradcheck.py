"""Tests for cnnlib.gradcheck: finite differences, rel_error, check_pair."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib.gradcheck import check_pair, numerical_gradient, numerical_gradient_array, rel_error

SETTINGS = settings(max_examples=30, deadline=None)


# --- tiny test-local functional pairs -------------------------------------------------------

def square_forward(x):
    return x ** 2, x


def square_backward(dout, cache):
    return 2 * cache * dout


def square_backward_wrong(dout, cache):
    return cache * dout  # forgot the factor 2


def affine_forward(x, w, b=None, scale=1.0):
    out = scale * (x @ w.T)
    if b is not None:
        out = out + b
    return out, (x, w, b, scale)


def affine_backward(dout, cache):
    x, w, b, scale = cache
    dx = scale * dout @ w
    dw = scale * dout.T @ x
    db = None if b is None else dout.sum(axis=0)
    return dx, dw, db


def affine_backward_bad_dw(dout, cache):
    dx, dw, db = affine_backward(dout, cache)
    return dx, dw.T.T * 1.01, db  # 1% off


def rand(rng, *shape):
    return rng.standard_normal(shape)


# --- numerical_gradient ---------------------------------------------------------------------

@SETTINGS
@given(n=st.integers(1, 5), m=st.integers(1, 5), seed=st.integers(0, 10_000))
def test_numerical_gradient_of_sum_of_squares_is_2x(n, m, seed):
    x = rand(np.random.default_rng(seed), n, m)
    grad = numerical_gradient(lambda v: np.sum(v ** 2), x)
    assert grad.shape == x.shape and grad.dtype == np.float64
    assert rel_error(grad, 2 * x) < 1e-8


def test_numerical_gradient_of_dot_product_is_the_other_factor():
    rng = np.random.default_rng(1)
    x, w = rand(rng, 3, 4), rand(rng, 3, 4)
    grad_w = numerical_gradient(lambda v: np.sum(v * x), w)
    assert rel_error(grad_w, x) < 1e-9


def test_numerical_gradient_with_a_closure_that_ignores_its_argument():
    rng = np.random.default_rng(2)
    x = rand(rng, 2, 3)
    grad = numerical_gradient(lambda _: np.sum(np.sin(x)), x)  # reads x from the closure
    assert rel_error(grad, np.cos(x)) < 1e-8


def test_numerical_gradient_restores_x_exactly_even_when_f_raises():
    rng = np.random.default_rng(3)
    x = rand(rng, 4, 4)
    before = x.copy()
    numerical_gradient(lambda v: np.sum(v ** 3), x)
    assert np.array_equal(x, before)

    calls = []

    def explode(v):
        calls.append(1)
        if len(calls) == 6:
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError):
        numerical_gradient(explode, x)
    assert np.array_equal(x, before)


def test_numerical_gradient_keeps_float32():
    x = np.linspace(0.5, 2.0, 6, dtype=np.float32)
    grad = numerical_gradient(lambda v: np.sum(v ** 2), x, h=1e-2)
    assert grad.dtype == np.float32
    assert rel_error(grad, 2 * x) < 1e-3


def test_numerical_gradient_array_of_a_matrix_product():
    rng = np.random.default_rng(4)
    X, W = rand(rng, 5, 3), rand(rng, 3, 4)
    dout = rand(rng, 5, 4)
    dW = numerical_gradient_array(lambda v: X @ v, W, dout)
    dX = numerical_gradient_array(lambda v: v @ W, X, dout)
    assert rel_error(dW, X.T @ dout) < 1e-8
    assert rel_error(dX, dout @ W.T) < 1e-8


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("h", [0, -1e-5, float("nan"), "1e-5", True])
def test_bad_step_is_refused(h):
    with pytest.raises(ValueError, match="numerical_gradient: h must be a small positive"):
        numerical_gradient(lambda v: v.sum(), np.ones(3), h=h)


def test_bad_arguments_are_refused_with_the_function_name():
    with pytest.raises(ValueError, match="numerical_gradient: f must be a function"):
        numerical_gradient(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match="numerical_gradient: x has dtype int64"):
        numerical_gradient(lambda v: v.sum(), np.arange(3))
    with pytest.raises(ValueError, match="(?s)must return one number.*numerical_gradient_array"):
        numerical_gradient(lambda v: v ** 2, np.ones(3))
    with pytest.raises(ValueError, match="numerical_gradient_array: dout must have the shape"):
        numerical_gradient_array(lambda v: v ** 2, np.ones(3), np.ones(4))
    x = np.ones(3)
    x.flags.writeable = False
    with pytest.raises(ValueError, match="writeable"):
        numerical_gradient(lambda v: v.sum(), x)


def test_a_step_lost_to_float32_rounding_is_explained():
    with pytest.raises(ValueError, match="h=1e-09 is too small for x's dtype float32"):
        numerical_gradient(lambda v: v.sum(), np.ones(2, dtype=np.float32), h=1e-9)


# --- rel_error --------------------------------------------------------------------------------

arrays = st.integers(1, 20).flatmap(
    lambda n: st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=n, max_size=n))


@SETTINGS
@given(a=arrays, data=st.data())
def test_rel_error_properties(a, data):
    a = np.array(a)
    b = np.array(data.draw(st.lists(st.floats(-1e3, 1e3), min_size=a.size, max_size=a.size)))
    assert rel_error(a, a) == 0.0
    assert rel_error(a, b) == rel_error(b, a)
    assert 0.0 <= rel_error(a, b) <= 1.0
    if np.max(np.abs(a) + np.abs(b)) > 1e-3:
        assert rel_error(3.0 * a, 3.0 * b) == pytest.approx(rel_error(a, b), rel=1e-12)


def test_rel_error_known_values():
    assert rel_error([1.0, 2.0], [1.0, 2.1]) == pytest.approx(0.1 / 4.1)
    assert rel_error(np.zeros((2, 3)), np.zeros((2, 3))) == 0.0
    assert rel_error(np.zeros(3), np.ones(3)) == 1.0
    assert rel_error(np.ones(3), -np.ones(3)) == 1.0
    assert rel_error(np.empty(0), np.empty(0)) == 0.0


def test_rel_error_ignores_noise_where_the_gradient_is_zero():
    # Entry-by-entry ratios would give 1.0 here; noise on a zero entry is negligible.
    a = np.array([1.0, 0.0, -2.0])
    b = np.array([1.0, 1e-12, -2.0])
    assert rel_error(a, b) < 1e-12


def test_rel_error_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match=r"rel_error: a and b must have the same shape"):
        rel_error(np.zeros((2, 3)), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="rel_error: a must hold numbers"):
        rel_error(np.array(["x"]), np.zeros(1))


# --- check_pair -------------------------------------------------------------------------------

def test_check_pair_passes_a_right_backward_and_catches_a_wrong_one():
    x = rand(np.random.default_rng(5), 3, 4)
    good = check_pair(square_forward, square_backward, {"x": x})
    bad = check_pair(square_forward, square_backward_wrong, {"x": x})
    assert list(good) == ["x"] and good["x"] < 1e-7
    assert bad["x"] > 1e-2


@SETTINGS
@given(n=st.integers(1, 4), d_in=st.integers(1, 5), d_out=st.integers(1, 5),
       seed=st.integers(0, 10_000))
def test_check_pair_on_an_affine_pair_with_three_gradients(n, d_in, d_out, seed):
    rng = np.random.default_rng(seed)
    inputs = {"x": rand(rng, n, d_in), "w": rand(rng, d_out, d_in), "b": rand(rng, d_out)}
    errors = check_pair(affine_forward, affine_backward, inputs, scale=0.5)
    assert list(errors) == ["x", "w", "b"]
    assert max(errors.values()) < 1e-7


def test_check_pair_points_at_the_wrong_gradient_only():
    rng = np.random.default_rng(6)
    inputs = {"x": rand(rng, 3, 4), "w": rand(rng, 2, 4), "b": rand(rng, 2)}
    errors = check_pair(affine_forward, affine_backward_bad_dw, inputs)
    assert errors["x"] < 1e-7 and errors["b"] < 1e-7
    assert errors["w"] > 1e-3


def test_check_pair_skips_none_inputs_and_uses_kwargs_and_leaves_inputs_alone():
    rng = np.random.default_rng(7)
    x, w = rand(rng, 3, 4), rand(rng, 2, 4)
    x0, w0 = x.copy(), w.copy()
    errors = check_pair(affine_forward, affine_backward, {"x": x, "w": w, "b": None}, scale=3.0)
    assert list(errors) == ["x", "w"] and max(errors.values()) < 1e-7
    assert np.array_equal(x, x0) and np.array_equal(w, w0)
    # Only x checked, w passed as a keyword argument: extra gradients are ignored.
    assert check_pair(affine_forward, affine_backward, {"x": x}, w=w)["x"] < 1e-7


def test_check_pair_refuses_float32_unless_allowed():
    x = np.linspace(0.5, 1.5, 8, dtype=np.float32).reshape(2, 4)
    with pytest.raises(ValueError, match="(?s)check_pair: inputs\\['x'\\] is float32.*float64"):
        check_pair(square_forward, square_backward, {"x": x})
    errors = check_pair(square_forward, square_backward, {"x": x}, h=1e-3, allow_float32=True)
    # In float32 a right backward lands around 1e-5: far from float64's 1e-7 band.
    assert 1e-7 < errors["x"] < 1e-3


def test_check_pair_bad_calls_are_explained():
    rng = np.random.default_rng(8)
    x, w = rand(rng, 3, 4), rand(rng, 2, 4)
    with pytest.raises(ValueError, match="check_pair: inputs must be a non-empty dict"):
        check_pair(square_forward, square_backward, x)
    with pytest.raises(ValueError, match="check_pair: forward must return \\(out, cache\\)"):
        check_pair(lambda x: x ** 2, square_backward, {"x": x})
    with pytest.raises(ValueError, match="backward returned 1 gradient\\(s\\) but inputs has 2"):
        check_pair(lambda x, y: square_forward(x * y), square_backward, {"x": x, "y": x})
    with pytest.raises(ValueError, match="(?s)does not have the shape of inputs\\['w'\\].*order"):
        check_pair(lambda w, x: affine_forward(x, w), affine_backward, {"w": w, "x": x})
    with pytest.raises(ValueError, match="returned None as the gradient of 'b'"):
        check_pair(affine_forward, lambda d, c: (*affine_backward(d, c)[:2], None),
                   {"x": x, "w": w, "b": rand(rng, 2)})
    with pytest.raises(ValueError, match="check_pair: inputs\\['x'\\] has dtype int64"):
        check_pair(square_forward, square_backward, {"x": np.arange(3)})
