"""Training and evaluation loops: fit, evaluate, predict, accuracy, confusion_matrix.

``fit`` is the loop every framework hides: shuffle, cut into mini-batches, forward, loss,
backward, optimiser step; after each epoch, measure on validation data. It is deterministic:
the shuffling and the augmentation draw from one ``rng``, so the same seed gives bitwise the
same history. Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import os
import time
from contextlib import nullcontext

import numpy as np

from .checks import fail, shape_line
from .parallel import Team, train_slice
from .rng import default_rng

__all__ = ["accuracy", "confusion_matrix", "evaluate", "fit", "predict"]

HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "time")


def _check_data(func, X, y=None):
    if not isinstance(X, np.ndarray) or X.dtype.kind != "f":
        what = type(X).__name__ if not isinstance(X, np.ndarray) else f"dtype {X.dtype}"
        raise fail(func, f"X must be a floating-point numpy array, got {what}.",
                   "  e.g. X.astype(np.float32).")
    if y is not None:
        y = np.asarray(y)
        if y.ndim != 1 or len(y) != len(X) or y.dtype.kind not in "iu":
            raise fail(func, "y must hold one integer label per sample of X.",
                       shape_line("X", X.shape), shape_line("y", y.shape, f"dtype {y.dtype}"))
    return y


def _batches(n, batch_size, func):
    if not (isinstance(batch_size, int | np.integer) and batch_size >= 1):
        raise fail(func, f"batch_size must be a positive integer, got {batch_size!r}.")
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


def predict(model, X, batch_size=256, labels=False):
    """Class probabilities (softmax of the logits), or predicted labels with labels=True.

    X (N, C, H, W) -> probabilities (N, classes), each row sums to 1, or labels (N,) int64.
    Runs in batches of ``batch_size`` to bound memory. Introduced in notebooks/07_full_cnn.ipynb.
    """
    from .losses import softmax

    _check_data("predict", X)
    logits = np.concatenate([model(X[s]) for s in _batches(len(X), batch_size, "predict")])
    return logits.argmax(axis=1) if labels else softmax(logits)


def accuracy(y_true, y_pred):
    """Fraction of correct labels: mean(y_true == y_pred). y_pred may be (N,) labels or
    (N, classes) scores (argmax taken). Introduced in notebooks/07_full_cnn.ipynb."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_pred.ndim == 2:
        y_pred = y_pred.argmax(axis=1)
    if y_true.shape != y_pred.shape:
        raise fail("accuracy", "y_true and y_pred need one label per sample each.",
                   shape_line("y_true", y_true.shape), shape_line("y_pred", y_pred.shape))
    return float(np.mean(y_true == y_pred)) if y_true.size else 0.0


def confusion_matrix(y_true, y_pred, num_classes=10):
    """Counts M[i, j] = number of samples of true class i predicted as class j.

    y_true, y_pred (N,) integer labels -> M (num_classes, num_classes) int64; the diagonal
    holds the correct ones. Introduced in notebooks/07_full_cnn.ipynb.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise fail("confusion_matrix", "y_true and y_pred must be 1-D and of equal length.",
                   shape_line("y_true", y_true.shape), shape_line("y_pred", y_pred.shape))
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.dtype.kind not in "iu" or y.min() < 0 or y.max() >= num_classes):
            raise fail("confusion_matrix", f"{name} must hold integer labels 0 .. "
                       f"{num_classes - 1}.")
    flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes).astype(np.int64)


def evaluate(model, X, y, loss_fn, batch_size=256):
    """Mean loss and accuracy of ``model`` on (X, y), in batches: returns (loss, accuracy).

    Introduced in notebooks/07_full_cnn.ipynb.
    """
    y = _check_data("evaluate", X, y)
    total, correct = 0.0, 0
    for s in _batches(len(X), batch_size, "evaluate"):
        logits = model(X[s])
        total += loss_fn(logits, y[s]) * len(logits)
        correct += int(np.sum(logits.argmax(axis=1) == y[s]))
    return total / len(X), correct / len(X)


def _call(callbacks, hook, *args):
    for cb in callbacks:
        method = getattr(cb, hook, None)
        if method is not None:
            method(*args)
        elif hook == "on_epoch_end" and callable(cb):
            cb(*args)


def fit(model, X, y, epochs, batch_size, optimizer, loss_fn, validation=None, rng=None,
        callbacks=(), augment=None, lr_schedule=None, progress=True, workers=1):
    """Train ``model`` on (X, y) with mini-batch gradient descent; returns the history dict.

    Each epoch shuffles X (with ``rng``), and for each batch: optional ``augment(xb, rng)``,
    forward, ``loss_fn``, backward, ``optimizer.step()``. Before each step,
    ``optimizer.lr = lr_schedule(t)`` with t = epoch + batch/batches (fractional epochs).
    history: lists per epoch of "epoch", "train_loss" and "train_acc" (means over the
    epoch's batches, as they went), "val_loss", "val_acc" (None without validation),
    "lr" (at the epoch's end) and "time" (seconds of the epoch).
    callbacks: objects with ``on_batch_end(epoch, batch, logs, model)`` (logs: loss, acc, lr)
    and/or ``on_epoch_end(epoch, history, model)``; a plain function is used as on_epoch_end.
    rng: numpy Generator or int seed (default cnnlib.rng.default_rng()).
    progress: a tqdm.auto bar (widget in notebooks, text in a terminal); False for silence.
    workers: processes sharing each batch (data parallelism, see cnnlib.parallel); 2 on a
    2-core machine is about 1.3-1.7x faster. The same seed and workers give the same history.
    In a script (not in a notebook), call it under ``if __name__ == "__main__":``.
    A batch (or a worker's share) above 32 samples runs in chunks of at most 32 whose
    gradients add up: the same step, faster (the arrays stay in the CPU cache).
    Introduced in notebooks/07_full_cnn.ipynb.
    """
    func = "fit"
    y = _check_data(func, X, y)
    if not (isinstance(epochs, int | np.integer) and epochs >= 0):
        raise fail(func, f"epochs must be a non-negative integer, got {epochs!r}.")
    if not (isinstance(workers, int | np.integer) and workers >= 1):
        raise fail(func, f"workers must be a positive integer, got {workers!r}.",
                   f"  1 trains in this process; os.cpu_count() = {os.cpu_count()} here.")
    rng = np.random.default_rng(rng) if isinstance(rng, int | np.integer) else rng
    rng = default_rng() if rng is None else rng
    callbacks = [callbacks] if callbacks and not isinstance(callbacks, list | tuple) else callbacks
    batches = _batches(len(X), batch_size, func)
    history = {key: [] for key in HISTORY_KEYS}
    bar = _progress_bar(epochs * len(batches)) if progress else None
    model.train()
    team = Team(model, loss_fn, workers, batch_size, X) if workers > 1 else nullcontext()
    try:
        with team:
            _epochs(model, X, y, epochs, batches, optimizer, loss_fn, validation, rng,
                    callbacks, augment, lr_schedule, bar, history, team)
    finally:
        if bar is not None:
            bar.close()
    return history


def _epochs(model, X, y, epochs, batches, optimizer, loss_fn, validation, rng, callbacks,
            augment, lr_schedule, bar, history, team):
    """fit's loop over epochs and batches (``team``: a parallel.Team, or no team)."""
    for epoch in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(X))
        loss_sum, correct = 0.0, 0
        for b, s in enumerate(batches):
            idx = order[s]
            xb, yb = X[idx], y[idx]
            if augment is not None:
                xb = augment(xb, rng)
            if lr_schedule is not None:
                optimizer.lr = float(lr_schedule(epoch + b / len(batches)))
            optimizer.zero_grad()
            if isinstance(team, Team):
                loss, hits = team.step(xb, yb)
            else:
                loss, hits = train_slice(model, loss_fn, xb, yb, 1.0)
            optimizer.step()
            loss_sum += loss * len(yb)
            correct += hits
            if callbacks:
                logs = {"loss": loss, "acc": hits / len(yb), "lr": optimizer.lr}
                _call(callbacks, "on_batch_end", epoch, b, logs, model)
            if bar is not None:
                bar.update(1)
        history["epoch"].append(epoch + 1)
        history["train_loss"].append(loss_sum / len(X))
        history["train_acc"].append(correct / len(X))
        history["lr"].append(optimizer.lr)
        val_loss = val_acc = None
        if validation is not None:
            model.eval()
            val_loss, val_acc = evaluate(model, validation[0], validation[1], loss_fn)
            model.train()
        history["val_loss"].append(val_loss)
        history["val_acc"].append(val_acc)
        history["time"].append(time.perf_counter() - start)
        if bar is not None:
            post = {"epoch": epoch + 1, "loss": f"{history['train_loss'][-1]:.4f}"}
            if val_acc is not None:
                post["val_acc"] = f"{val_acc:.4f}"
            bar.set_postfix(post)
        _call(callbacks, "on_epoch_end", epoch, history, model)


def _progress_bar(total):
    """tqdm.auto when it is installed (notebook widget or terminal text), else no bar."""
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is only in the 'notebooks' extra
        return None
    return tqdm(total=total, desc="training", unit="batch")
