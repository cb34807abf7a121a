"""Tests for cnnlib.train, cnnlib.models and cnnlib.augment: the loop learns, and repeats exactly."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cnnlib.augment import random_affine, random_shift
from cnnlib.data import load_mnist
from cnnlib.losses import CrossEntropyLoss
from cnnlib.models import DIGIT_RECIPE, course_cnn, digit_cnn, mlp
from cnnlib.optim import SGD, Adam, cosine_lr
from cnnlib.train import (
    accumulate_gradients,
    accuracy,
    confusion_matrix,
    evaluate,
    fit,
    predict,
    train_step,
)


@pytest.fixture(scope="module")
def mnist():
    return load_mnist()


def rng(seed=0):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------- metrics
def test_accuracy_and_confusion_matrix():
    y_true = np.array([0, 1, 2, 2, 1])
    y_pred = np.array([0, 2, 2, 2, 1])
    assert accuracy(y_true, y_pred) == 0.8
    scores = np.eye(3)[y_pred] + 0.1
    assert accuracy(y_true, scores) == 0.8
    M = confusion_matrix(y_true, y_pred, num_classes=3)
    np.testing.assert_array_equal(M, [[1, 0, 0], [0, 1, 1], [0, 0, 2]])
    assert M.dtype == np.int64 and M.sum() == 5
    with pytest.raises(ValueError, match=r"confusion_matrix: y_pred must hold integer labels 0"):
        confusion_matrix(y_true, y_pred + 1, num_classes=3)
    with pytest.raises(ValueError, match=r"accuracy.*one label per sample"):
        accuracy(y_true, y_pred[:3])


def test_predict_and_evaluate(mnist):
    X, y = mnist[0][:70], mnist[1][:70]
    model = course_cnn(rng())
    probs = predict(model, X, batch_size=32)
    assert probs.shape == (70, 10) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1, rtol=1e-5)
    labels = predict(model, X, batch_size=32, labels=True)
    np.testing.assert_array_equal(labels, probs.argmax(axis=1))
    loss, acc = evaluate(model, X, y, CrossEntropyLoss(), batch_size=16)
    assert loss == pytest.approx(CrossEntropyLoss()(model(X), y), rel=1e-5)
    assert acc == accuracy(y, labels)


@pytest.mark.parametrize("make", [course_cnn, digit_cnn, mlp])
def test_initial_loss_is_log10(make, mnist):
    model = make(rng(3))
    loss = CrossEntropyLoss()(model(mnist[0][:300]), mnist[1][:300])
    assert abs(loss - math.log(10)) < 0.1


# ---------------------------------------------------------------- learning
def test_overfits_50_images(mnist):
    X, y = mnist[0][:50], mnist[1][:50]
    model = course_cnn(rng(1))
    opt = Adam(model.parameters(), lr=0.01)
    history = fit(model, X, y, epochs=30, batch_size=10, optimizer=opt,
                  loss_fn=CrossEntropyLoss(), rng=rng(2), progress=False)
    assert accuracy(y, predict(model, X, labels=True)) == 1.0
    assert history["train_loss"][-1] < 0.05


@pytest.mark.parametrize("make, lr, target", [(mlp, 0.05, 0.8), (course_cnn, 0.05, 0.85)])
def test_learns_on_a_small_slice(make, lr, target, mnist):
    X, y, X_test, y_test = mnist[0][:1000], mnist[1][:1000], mnist[2][:500], mnist[3][:500]
    model = make(rng(0))
    opt = SGD(model.parameters(), lr=lr, momentum=0.9)
    history = fit(model, X, y, epochs=3, batch_size=32, optimizer=opt,
                  loss_fn=CrossEntropyLoss(), validation=(X_test, y_test), rng=rng(1),
                  progress=False)
    assert history["train_loss"][-1] < history["train_loss"][0] < math.log(10)
    assert history["val_acc"][-1] > target


def _run(mnist, seed, augment):
    X, y = mnist[0][:300], mnist[1][:300]
    model = course_cnn(rng(seed))
    opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
    return fit(model, X, y, epochs=2, batch_size=64, optimizer=opt, loss_fn=CrossEntropyLoss(),
               validation=(mnist[2][:100], mnist[3][:100]), rng=rng(seed), augment=augment,
               lr_schedule=cosine_lr(0.05, 2, warmup=0.5), progress=False), model


def test_same_seed_gives_bitwise_the_same_history(mnist):
    shift = lambda xb, r: random_shift(xb, 2, r)
    (h1, m1), (h2, m2) = _run(mnist, 5, shift), _run(mnist, 5, shift)
    for key in ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr"):
        assert h1[key] == h2[key], key
    for p, q in zip(m1.parameters(), m2.parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
    h3, _ = _run(mnist, 6, shift)
    assert h3["train_loss"] != h1["train_loss"]
    assert len(h1["time"]) == 2 and all(t > 0 for t in h1["time"])


def test_callbacks_and_schedule(mnist):
    X, y = mnist[0][:200], mnist[1][:200]
    calls = {"batch": [], "epoch": [], "plain": []}

    class Recorder:
        def on_batch_end(self, epoch, batch, logs, model):
            calls["batch"].append((epoch, batch, logs["lr"]))
            assert set(logs) == {"loss", "acc", "lr"}

        def on_epoch_end(self, epoch, history, model):
            calls["epoch"].append(len(history["train_loss"]))

    def plain(epoch, history, model):
        calls["plain"].append(epoch)

    model = mlp(rng())
    opt = SGD(model.parameters(), lr=1.0)
    fit(model, X, y, epochs=2, batch_size=100, optimizer=opt, loss_fn=CrossEntropyLoss(),
        rng=rng(), callbacks=[Recorder(), plain], lr_schedule=lambda t: 0.1 * (1 + t),
        progress=False)
    assert [c[:2] for c in calls["batch"]] == [(0, 0), (0, 1), (1, 0), (1, 1)]
    assert [c[2] for c in calls["batch"]] == pytest.approx([0.1, 0.15, 0.2, 0.25])
    assert calls["epoch"] == [1, 2] and calls["plain"] == [0, 1]


def test_progress_bar_and_bad_input(mnist, capsys):
    X, y = mnist[0][:64], mnist[1][:64]
    model = mlp(rng())
    fit(model, X, y, 1, 32, SGD(model, lr=0.1), CrossEntropyLoss(), rng=rng(), progress=True)
    assert "training" in capsys.readouterr().err
    with pytest.raises(ValueError, match=r"fit: y must hold one integer label per sample"):
        fit(model, X, y[:10], 1, 32, SGD(model, lr=0.1), CrossEntropyLoss(), progress=False)
    with pytest.raises(ValueError, match=r"fit: batch_size must be a positive integer"):
        fit(model, X, y, 1, 0, SGD(model, lr=0.1), CrossEntropyLoss(), progress=False)


# ---------------------------------------------------------------- the step, and its fast twin
def test_train_step_is_one_sgd_step_on_the_batch(mnist):
    X, y = mnist[0][:20].astype(np.float64), mnist[1][:20]
    model, copy = mlp(rng(), dtype=np.float64), mlp(rng(), dtype=np.float64)
    loss, correct = train_step(model, CrossEntropyLoss(), SGD(model.parameters(), lr=0.1), X, y)
    loss_fn = CrossEntropyLoss()
    logits = copy(X)
    assert loss == pytest.approx(loss_fn(logits, y), rel=1e-12)
    assert correct == int(np.sum(logits.argmax(axis=1) == y))
    copy.backward(loss_fn.backward())
    for p, q in zip(model.parameters(), copy.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.data - 0.1 * q.grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(("n", "sizes"), [(70, [24, 23, 23]), (32, [32]), (33, [17, 16]),
                                          (1, [1])])
def test_accumulate_gradients_in_chunks_gives_the_whole_batch_gradient(n, sizes, mnist):
    """A batch longer than CHUNK runs as nearly equal chunks whose weighted gradients add up
    to the gradient of the whole batch (float64)."""
    X, y = mnist[0][:n].astype(np.float64), mnist[1][:n]
    chunked, whole = course_cnn(rng(), np.float64), course_cnn(rng(), np.float64)
    seen = []
    forward = chunked.forward
    chunked.forward = lambda xb: seen.append(len(xb)) or forward(xb)
    loss, hits = accumulate_gradients(chunked, CrossEntropyLoss(), X, y, share=0.5)
    assert seen == sizes
    loss_ref, hits_ref = accumulate_gradients(whole, CrossEntropyLoss(), X, y, share=0.5,
                                              chunk=1000)
    assert hits == hits_ref and loss == pytest.approx(loss_ref, rel=1e-12)
    for p, q in zip(chunked.parameters(), whole.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-10, atol=1e-14)


def test_fit_steps_equal_train_step_on_whole_batches(mnist):
    """The fast path of fit (chunks) and train_step move the weights the same way."""
    X, y = mnist[0][:128].astype(np.float64), mnist[1][:128]
    fast = course_cnn(rng(), np.float64)
    fit(fast, X, y, 1, 64, SGD(fast.parameters(), lr=0.05), CrossEntropyLoss(), rng=3,
        progress=False)
    slow = course_cnn(rng(), np.float64)
    order = np.random.default_rng(3).permutation(128)
    opt = SGD(slow.parameters(), lr=0.05)
    for s in (slice(0, 64), slice(64, 128)):
        train_step(slow, CrossEntropyLoss(), opt, X[order[s]], y[order[s]])
    for p, q in zip(fast.parameters(), slow.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-9, atol=1e-12)


def test_an_interrupt_tells_the_callbacks_the_epoch(mnist):
    X, y = mnist[0][:64], mnist[1][:64]
    seen = []

    class Stop:
        def on_batch_end(self, epoch, batch, logs, model):
            if epoch == 1 and batch == 1:
                raise KeyboardInterrupt

        def on_interrupt(self, epoch, history, model):
            seen.append((epoch, len(history["train_loss"])))

    model = mlp(rng())
    with pytest.raises(KeyboardInterrupt):
        fit(model, X, y, 5, 16, SGD(model.parameters(), lr=0.1), CrossEntropyLoss(),
            callbacks=[Stop()], progress=False)
    assert seen == [(1, 1)], "stopped during epoch index 1, after one finished epoch"


def test_digit_recipe_is_explicit():
    assert {"epochs", "batch_size", "optimizer", "lr", "momentum", "schedule", "warmup",
            "max_shift", "seed"} <= set(DIGIT_RECIPE)
    assert DIGIT_RECIPE["optimizer"] in ("SGD", "Adam")


# ---------------------------------------------------------------- augmentation
def test_random_shift_moves_whole_images():
    X = np.zeros((200, 2, 7, 7), np.float32)
    X[:, 0, 3, 3] = 1.0
    X[:, 1, 3, 3] = 2.0
    out = random_shift(X, 2, rng())
    assert out.shape == X.shape and out.dtype == np.float32 and out is not X
    for n in range(len(X)):
        (i,), (j,) = np.nonzero(out[n, 0])
        assert abs(i - 3) <= 2 and abs(j - 3) <= 2
        assert out[n, 1, i, j] == 2.0                   # channels move together
    ij = {tuple(np.argwhere(o[0])[0]) for o in out}
    assert len(ij) == 25                                # all 5 x 5 shifts occur
    np.testing.assert_array_equal(out, random_shift(X, 2, rng()))
    np.testing.assert_array_equal(random_shift(X, 0, rng()), X)


def test_random_shift_pads_with_zeros():
    X = np.ones((50, 1, 5, 5))
    out = random_shift(X, 1, rng())
    assert out.dtype == np.float64
    for img in out[:, 0]:
        assert img.sum() >= 16 and set(np.unique(img)) <= {0.0, 1.0}
    with pytest.raises(ValueError, match=r"random_shift: max_shift=5"):
        random_shift(X, 5, rng())
    with pytest.raises(ValueError, match=r"random_shift.*4 dimensions"):
        random_shift(X[0], 1, rng())


def test_random_affine(mnist):
    X = mnist[0][:32]
    np.testing.assert_array_equal(random_affine(X, 0, 0, 0, rng()), X)   # no change at all
    out = random_affine(X, 15, 0.1, 2, rng())
    assert out.shape == X.shape and out.dtype == np.float32
    np.testing.assert_array_equal(out, random_affine(X, 15, 0.1, 2, rng()))
    assert out.min() >= 0 and out.max() <= 1 + 1e-6       # bilinear: a convex mix of pixels
    assert np.all(np.abs(out - X).max(axis=(1, 2, 3)) > 0.1)  # every image changed
    ink = out.sum(axis=(1, 2, 3)) / X.sum(axis=(1, 2, 3))
    assert np.all((ink > 0.7) & (ink < 1.3))                  # the digit stays in the frame
    small = random_affine(X, 3, 0.02, 0.3, rng())             # a nudge keeps the digit
    corr = [np.corrcoef(a.ravel(), b.ravel())[0, 1] for a, b in zip(small, X, strict=True)]
    assert min(corr) > 0.8
    with pytest.raises(ValueError, match=r"random_affine: max_scale=1"):
        random_affine(X, 0, 1, 0, rng())
