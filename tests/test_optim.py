"""Tests for cnnlib.optim: SGD, Adam and the learning-rate schedules, against hand computation."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib.layers import Linear, Parameter
from cnnlib.optim import SGD, Adam, cosine_lr, step_lr

SETTINGS = settings(max_examples=25, deadline=None)


def param(values, grad=None, dtype=np.float64):
    p = Parameter(np.array(values, dtype=dtype))
    p.grad = None if grad is None else np.array(grad, dtype=dtype)
    return p


def test_sgd_plain_step():
    p = param([1.0, -2.0], grad=[0.5, 1.0])
    SGD([p], lr=0.1).step()
    np.testing.assert_allclose(p.data, [0.95, -2.1])


def test_sgd_momentum_by_hand():
    p = param([1.0], grad=[1.0])
    opt = SGD([p], lr=0.1, momentum=0.9)
    # v1 = 1, p = 1 - 0.1 = 0.9; v2 = 0.9 + 1 = 1.9, p = 0.9 - 0.19 = 0.71;
    # v3 = 1.71 + 1 = 2.71, p = 0.71 - 0.271 = 0.439
    expected = [0.9, 0.71, 0.439]
    for e in expected:
        opt.step()
        np.testing.assert_allclose(p.data, [e])


def test_sgd_weight_decay_by_hand():
    p = param([2.0], grad=[0.5])
    SGD([p], lr=0.1, weight_decay=0.1).step()           # g = 0.5 + 0.1 * 2 = 0.7
    np.testing.assert_allclose(p.data, [2.0 - 0.07])
    p = param([2.0], grad=[0.5])
    opt = SGD([p], lr=0.1, momentum=0.5, weight_decay=0.1)
    opt.step()                                          # v = 0.7, p = 1.93
    opt.step()                                          # g = 0.5 + 0.193 = 0.693, v = 1.043
    np.testing.assert_allclose(p.data, [1.93 - 0.1043])


def test_adam_first_step_is_lr_times_sign():
    """Bias correction: m_hat = g and v_hat = g**2 at t = 1, so the step is lr * g / |g|."""
    p = param([1.0, 1.0, 1.0], grad=[1e-3, -5.0, 200.0])
    Adam([p], lr=0.01).step()
    np.testing.assert_allclose(p.data, [0.99, 1.01, 0.99], rtol=1e-6)


@given(st.integers(1, 6), st.floats(0.0, 0.99), st.floats(0.9, 0.9999), st.integers(0, 100))
@SETTINGS
def test_adam_against_the_formula(steps, b1, b2, seed):
    rng = np.random.default_rng(seed)
    p = param(rng.standard_normal(4))
    opt = Adam([p], lr=0.05, betas=(b1, b2), eps=1e-8)
    ref, m, v = p.data.copy(), np.zeros(4), np.zeros(4)
    for t in range(1, steps + 1):
        g = rng.standard_normal(4)
        p.grad = g.copy()
        opt.step()
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        ref = ref - 0.05 * m_hat / (np.sqrt(v_hat) + 1e-8)
    np.testing.assert_allclose(p.data, ref, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1, momentum=0.9, weight_decay=1e-4),
                                  lambda ps: Adam(ps, lr=0.1, weight_decay=1e-4)])
def test_in_place_float32_and_skips_missing_grads(make):
    a = param([1.0, 2.0], grad=[0.1, 0.2], dtype=np.float32)
    b = param([3.0], dtype=np.float32)                   # no gradient: left alone
    data_a = a.data
    opt = make([a, b])
    opt.step()
    assert a.data is data_a and a.data.dtype == np.float32
    assert not np.array_equal(a.data, [1.0, 2.0])
    np.testing.assert_array_equal(b.data, [3.0])
    opt.zero_grad()
    assert a.grad is None and b.grad is None


def test_accepts_a_model_and_lr_can_change():
    layer = Linear(3, 2)
    opt = SGD(layer, lr=0.1)
    assert opt.params == layer.parameters()
    layer.weight.grad = np.ones((2, 3), np.float32)
    before = layer.weight.data.copy()
    opt.lr = 0.5                                         # what a schedule does
    opt.step()
    np.testing.assert_allclose(layer.weight.data, before - 0.5, rtol=1e-6)
    assert repr(opt) == "SGD(lr=0.5, momentum=0, weight_decay=0)"


def test_bad_arguments():
    p = param([1.0])
    with pytest.raises(ValueError, match=r"SGD: lr must be a number > 0"):
        SGD([p], lr=-0.1)
    with pytest.raises(ValueError, match=r"SGD: got no parameters"):
        SGD([], lr=0.1)
    with pytest.raises(ValueError, match=r"SGD: params\[0\] is a ndarray, not a Parameter"):
        SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(ValueError, match=r"momentum must be below 1"):
        SGD([p], lr=0.1, momentum=1.0)
    with pytest.raises(ValueError, match=r"Adam: betas"):
        Adam([p], betas=(0.9, 1.0))
    p.grad = np.zeros(2)
    with pytest.raises(ValueError, match=r"SGD.step: parameter 0 has shape \(1,\)"):
        SGD([p], lr=0.1).step()


def test_cosine_lr():
    s = cosine_lr(0.1, epochs=10, warmup=2, final_lr=0.001)
    assert s(0) < 0.001 and s(1) == pytest.approx(0.05, rel=1e-2)
    assert s(2) == pytest.approx(0.1)
    assert s(6) == pytest.approx(0.001 + 0.099 * 0.5)
    assert s(10) == pytest.approx(0.001) and s(12) == pytest.approx(0.001)
    values = [s(t / 10) for t in range(20, 101)]
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))
    no_warmup = cosine_lr(0.1, 4)
    assert no_warmup(0) == 0.1 and no_warmup(2) == pytest.approx(0.05)
    assert math.isclose(no_warmup(4), 0.0, abs_tol=1e-12)
    with pytest.raises(ValueError, match="warmup"):
        cosine_lr(0.1, 4, warmup=4)


def test_step_lr():
    s = step_lr(0.1, step_size=3, gamma=0.5)
    assert [s(t) for t in (0, 2.9, 3, 6.5)] == [0.1, 0.1, 0.05, 0.025]
