"""Tests for cnnlib.losses: softmax, cross-entropy, MSE and the loss classes."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib import losses
from cnnlib.gradcheck import numerical_gradient, rel_error

SETTINGS = settings(max_examples=30, deadline=None)


def batch(N, classes, seed=0, dtype=np.float64, scale=3.0):
    rng = np.random.default_rng(seed)
    return ((scale * rng.standard_normal((N, classes))).astype(dtype),
            rng.integers(0, classes, N))


# ------------------------------------------------------------------ softmax
def test_softmax_by_hand_and_rows_sum_to_one():
    p = losses.softmax(np.array([[0.0, math.log(3.0)], [5.0, 5.0]]))
    np.testing.assert_allclose(p, [[0.25, 0.75], [0.5, 0.5]])
    z, _ = batch(4, 6)
    np.testing.assert_allclose(losses.softmax(z).sum(axis=1), 1.0)
    np.testing.assert_allclose(losses.softmax(z[0]), losses.softmax(z)[0])   # a single row


def test_log_softmax_matches_log_of_softmax_and_is_stable():
    z, _ = batch(3, 5)
    np.testing.assert_allclose(losses.log_softmax(z), np.log(losses.softmax(z)))
    big = np.array([[0.0, 1000.0]])
    np.testing.assert_allclose(losses.log_softmax(big), [[-1000.0, 0.0]])   # not -inf


# ------------------------------------------------------------------ cross-entropy
@pytest.mark.parametrize("classes", [2, 10])
def test_uniform_logits_give_log_classes(classes):
    loss, dlogits = losses.cross_entropy(np.zeros((4, classes)), np.arange(4) % classes)
    assert loss == pytest.approx(math.log(classes))
    assert isinstance(loss, float)
    np.testing.assert_allclose(dlogits.sum(axis=1), 0.0, atol=1e-15)   # softmax - onehot


def test_gradient_by_hand():
    # Two classes, logits (0, log 3): p = (1/4, 3/4); true class 0; N = 1.
    loss, d = losses.cross_entropy(np.array([[0.0, math.log(3.0)]]), np.array([0]))
    assert loss == pytest.approx(math.log(4.0))
    np.testing.assert_allclose(d, [[0.25 - 1, 0.75]])


@SETTINGS
@given(N=st.integers(1, 6), classes=st.integers(2, 7), seed=st.integers(0, 2**31))
def test_fast_matches_naive(N, classes, seed):
    z, y = batch(N, classes, seed)
    loss, d = losses.cross_entropy(z, y)
    loss_n, d_n = losses.cross_entropy_naive(z, y)
    assert loss == pytest.approx(loss_n, rel=1e-12)
    np.testing.assert_allclose(d, d_n, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("fn", [losses.cross_entropy, losses.cross_entropy_naive])
def test_cross_entropy_gradcheck(fn):
    z, y = batch(5, 4, seed=2)
    _, d = fn(z, y)
    numeric = numerical_gradient(lambda v: fn(v, y)[0], z.copy(), h=1e-6)
    assert rel_error(d, numeric) < 1e-7


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fn", [losses.cross_entropy, losses.cross_entropy_naive])
def test_stable_at_1000(fn, dtype):
    z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, -1000.0, -1000.0]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"), warnings.catch_warnings():
        warnings.simplefilter("error")
        loss, d = fn(z, np.array([1, 2]))
        p = losses.softmax(z)
    # Sample 0: true class 1 is 2000 below the winner; sample 1: uniform over 3 classes.
    assert loss == pytest.approx((2000.0 + math.log(3.0)) / 2, rel=1e-6)
    assert np.isfinite(d).all() and np.isfinite(p).all()
    assert d.dtype == dtype and p.dtype == dtype


@pytest.mark.parametrize("fn", [losses.cross_entropy, losses.cross_entropy_naive])
def test_float32_preserved_and_loss_is_float(fn):
    z, y = batch(3, 4, dtype=np.float32)
    loss, d = fn(z, y)
    assert type(loss) is float and d.dtype == np.float32
    assert losses.softmax(z).dtype == np.float32 and losses.log_softmax(z).dtype == np.float32


# ------------------------------------------------------------------ MSE
def test_mse_by_hand_and_gradcheck():
    pred, target = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([[1.0, 0.0], [3.0, 5.0]])
    loss, d = losses.mse_loss(pred, target)
    assert loss == pytest.approx((4 + 1) / 4) and type(loss) is float
    np.testing.assert_allclose(d, [[0, 1.0], [0, -0.5]])        # 2 * diff / 4
    p = np.random.default_rng(0).standard_normal((3, 4))
    t = np.random.default_rng(1).standard_normal((3, 4))
    numeric = numerical_gradient(lambda v: losses.mse_loss(v, t)[0], p.copy(), h=1e-6)
    assert rel_error(losses.mse_loss(p, t)[1], numeric) < 1e-7


def test_mse_float32_preserved():
    loss, d = losses.mse_loss(np.ones(3, np.float32), np.zeros(3, np.float32))
    assert loss == 1.0 and d.dtype == np.float32


# ------------------------------------------------------------------ classes
def test_loss_classes_like_torch():
    z, y = batch(4, 3)
    loss_fn = losses.CrossEntropyLoss()
    assert repr(loss_fn) == "CrossEntropyLoss()" and repr(losses.MSELoss()) == "MSELoss()"
    with pytest.raises(ValueError, match=r"CrossEntropyLoss.backward: no loss[\s\S]*loss_fn\("):
        loss_fn.backward()
    loss = loss_fn(z, y)
    expected, d = losses.cross_entropy(z, y)
    assert type(loss) is float and loss == expected
    np.testing.assert_array_equal(loss_fn.backward(), d)
    mse = losses.MSELoss()
    assert mse(np.ones(2), np.zeros(2)) == 1.0
    np.testing.assert_allclose(mse.backward(), [1.0, 1.0])


# ------------------------------------------------------------------ errors that teach
def test_label_out_of_range_shows_value_and_classes():
    z = np.zeros((3, 10))
    with pytest.raises(ValueError, match=r"y\[1\] = 10 is out of range: with 10 classes"):
        losses.cross_entropy(z, np.array([0, 10, 3]))
    with pytest.raises(ValueError, match=r"y\[2\] = -1"):
        losses.CrossEntropyLoss()(z, np.array([0, 1, -1]))


def test_label_count_mismatch_shows_both_lengths():
    with pytest.raises(ValueError, match="y has 5 labels but logits has 3 rows"):
        losses.cross_entropy(np.zeros((3, 4)), np.arange(5) % 4)


def test_float_labels_refused():
    with pytest.raises(ValueError, match=r"integer class labels, got dtype float64[\s\S]*astype"):
        losses.cross_entropy_naive(np.zeros((2, 4)), np.array([1.0, 2.0]))


def test_one_hot_labels_hint():
    with pytest.raises(ValueError, match=r"must be 1-D[\s\S]*argmax\(axis=1\)"):
        losses.cross_entropy(np.zeros((2, 3)), np.eye(3, dtype=np.int64)[[0, 2]])


def test_logits_must_be_2d():
    with pytest.raises(ValueError, match=r"logits must have 2 dimensions \(N, classes\)"):
        losses.cross_entropy(np.zeros(4), np.array([1]))


def test_mse_shape_mismatch_shows_both_shapes():
    with pytest.raises(ValueError, match=r"same shape[\s\S]*\(4, 1\)[\s\S]*\(4,\)"):
        losses.mse_loss(np.zeros((4, 1)), np.zeros(4))
