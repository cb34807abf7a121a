"""Training and evaluation: train_step, fit, evaluate, predict, accuracy, confusion_matrix.

``train_step`` is one step of mini-batch gradient descent written out: forward, loss,
backward, update. ``fit`` is the loop around it that every framework hides: each epoch it
shuffles the data, cuts it into mini-batches and runs one step per batch, then measures on
validation data. It is deterministic: the shuffling and the augmentation draw from one
``rng``, so the same seed gives bitwise the same history.

When every layer of the model declares that it treats the samples of a batch
independently (``batch_independent``, see cnnlib.module), ``fit`` computes the same
gradients faster: in chunks of at most CHUNK samples (:func:`accumulate_gradients`), or
shared among worker processes (``workers=N``, cnnlib.parallel). Any other model (a learner's
layer that has not said so, a batch mean) is trained with :func:`train_step` on whole batches.
Introduced in notebooks/01_neural_network_recap.ipynb.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager

import numpy as np

from .checks import check_dataset, fail, shape_line
from .memory import keep_freed_memory
from .rng import default_rng

__all__ = ["CHUNK", "accumulate_gradients", "accuracy", "confusion_matrix", "evaluate", "fit",
           "is_batch_independent", "predict", "train_step"]

HISTORY_KEYS = ("epoch", "train_loss", "train_acc", "val_loss", "val_acc", "lr", "time")
CHUNK = 32  # samples per forward/backward in accumulate_gradients (benchmarks/ measure it)


def train_step(model, loss_fn, optimizer, xb, yb):
    """One step of mini-batch gradient descent on (xb, yb); returns (loss, correct).

    xb (B, C, H, W) images, yb (B,) labels; loss is the batch's mean loss before the step,
    correct the number of right predictions. Introduced in notebooks/07_full_cnn.ipynb.
    """
    optimizer.zero_grad()               # 1. forget the previous batch's gradients
    logits = model(xb)                  # 2. forward: class scores, (B, classes)
    loss = loss_fn(logits, yb)          # 3. loss: mean over the batch
    model.backward(loss_fn.backward())  # 4. backward: every layer adds d loss / d p to p.grad
    optimizer.step()                    # 5. update: every p.data moves against its p.grad
    return float(loss), int(np.sum(logits.argmax(axis=1) == yb))


def accumulate_gradients(model, loss_fn, xb, yb, share=1.0, chunk=CHUNK):
    """Add the gradients of the batch (xb, yb) to every p.grad, ``chunk`` samples at a time.

    The loss is a mean, so the batch's gradient is sum_k (n_k / n) g_k over chunks of n_k
    samples, g_k being the gradient of chunk k's own mean loss (gradient accumulation). The
    result is the whole batch's gradient (up to float rounding), from arrays small enough to
    stay in the CPU cache. ``share`` scales everything: the batch's share of a larger batch
    (cnnlib.parallel sends each worker its slice). Right ONLY for a batch-independent model
    (:func:`is_batch_independent`). Returns (mean loss, number correct).
    Not used in the notebooks.
    """
    n = len(xb)
    parts = max(1, -(-n // chunk))
    sizes = [n // parts + (k < n % parts) for k in range(parts)]
    loss, correct, start = 0.0, 0, 0
    for size in sizes:
        stop = start + size
        logits = model.forward(xb[start:stop])
        part_loss = loss_fn(logits, yb[start:stop])
        dlogits = loss_fn.backward() * np.asarray(share * size / n, dtype=logits.dtype)
        if getattr(model, "can_skip_dx", False):
            model.backward(dlogits, need_dx=False)  # the images need no gradient
        else:
            model.backward(dlogits)
        loss += part_loss * size / n
        correct += int(np.sum(logits.argmax(axis=1) == yb[start:stop]))
        start = stop
    return loss, correct


def is_batch_independent(model):
    """True when the model and every Module inside it declare ``batch_independent``: then
    pieces of a batch may be run separately and their gradients added.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb."""
    modules = getattr(model, "modules", None)
    if not callable(modules):
        return False
    return all(getattr(m, "batch_independent", False) for m in modules())


def _batches(n, batch_size, func):
    if not (isinstance(batch_size, int | np.integer) and batch_size >= 1):
        raise fail(func, f"batch_size must be a positive integer, got {batch_size!r}.")
    return [slice(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]


def predict(model, X, batch_size=256, labels=False):
    """Class probabilities (softmax of the logits), or predicted labels with labels=True.

    X (N, C, H, W) -> probabilities (N, classes), each row sums to 1, or labels (N,) int64.
    Runs in batches of ``batch_size`` to bound memory. Introduced in
    notebooks/01_neural_network_recap.ipynb.
    """
    from .losses import softmax

    check_dataset("predict", X)
    logits = np.concatenate([model(X[s]) for s in _batches(len(X), batch_size, "predict")])
    return logits.argmax(axis=1) if labels else softmax(logits)


def accuracy(y_true, y_pred):
    """Fraction of correct labels: mean(y_true == y_pred). y_pred may be (N,) labels or
    (N, classes) scores (argmax taken). Introduced in notebooks/01_neural_network_recap.ipynb."""
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
    y = check_dataset("evaluate", X, y)
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

    Each epoch shuffles X (with ``rng``) and, for each batch: optional ``augment(xb, rng)``,
    then one :func:`train_step` (zero_grad, forward, loss, backward, ``optimizer.step()``).
    Before each step, ``optimizer.lr = lr_schedule(t)`` with t = epoch + batch/batches.
    history: lists per epoch of "epoch", "train_loss" and "train_acc" (means over the
    epoch's batches, as they went), "val_loss", "val_acc" (None without validation),
    "lr" (at the epoch's end) and "time" (seconds of the epoch).
    validation: (X_val, y_val), evaluated after every epoch - never the test set.
    callbacks: objects with ``on_batch_end(epoch, batch, logs, model)`` (logs: loss, acc, lr),
    ``on_epoch_end(epoch, history, model)`` and ``on_interrupt(epoch, history, model)``
    (training stopped by KeyboardInterrupt, e.g. Jupyter's stop button, during ``epoch``);
    a plain function is used as on_epoch_end.
    rng: numpy Generator or int seed (default cnnlib.rng.default_rng()).
    progress: a tqdm.auto bar (widget in notebooks, text in a terminal); False for silence.
    workers: processes sharing each batch (data parallelism, cnnlib.parallel), used only for
    a batch-independent model; same seed and workers give the same history. In a script,
    call it under ``if __name__ == "__main__":``. Where processes cannot start (a browser
    kernel), it says so in one line and trains in this process.
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    func = "fit"
    y = check_dataset(func, X, y)
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
    keep_freed_memory()  # big temporary arrays reuse freed memory (cnnlib.memory)
    bar = _progress_bar(epochs * len(batches)) if progress else None
    model.train()
    epoch = 0
    try:
        with _gradients(model, loss_fn, int(workers), batch_size, X) as gradients:
            for epoch in range(epochs):
                start = time.perf_counter()
                order = rng.permutation(len(X))  # a new shuffle every epoch
                loss_sum, correct = 0.0, 0
                for b, s in enumerate(batches):
                    xb, yb = X[order[s]], y[order[s]]
                    if augment is not None:
                        xb = augment(xb, rng)
                    if lr_schedule is not None:
                        optimizer.lr = float(lr_schedule(epoch + b / len(batches)))
                    if gradients is None:
                        loss, hits = train_step(model, loss_fn, optimizer, xb, yb)
                    else:  # the same step; its gradients computed in pieces (see _gradients)
                        optimizer.zero_grad()
                        loss, hits = gradients(xb, yb)
                        optimizer.step()
                    loss_sum += loss * len(yb)
                    correct += hits
                    if callbacks:
                        logs = {"loss": loss, "acc": hits / len(yb), "lr": optimizer.lr}
                        _call(callbacks, "on_batch_end", epoch, b, logs, model)
                    if bar is not None:
                        bar.update(1)
                _end_epoch(history, epoch, loss_sum / len(X), correct / len(X), optimizer.lr,
                           model, validation, loss_fn, time.perf_counter() - start, bar)
                _call(callbacks, "on_epoch_end", epoch, history, model)
    except KeyboardInterrupt:
        _call(callbacks, "on_interrupt", epoch, history, model)
        raise
    finally:
        if bar is not None:
            bar.close()
    return history


def _end_epoch(history, epoch, train_loss, train_acc, lr, model, validation, loss_fn, seconds,
               bar):
    """Record one epoch in ``history`` (measuring on validation data) and show it on the bar."""
    val_loss = val_acc = None
    if validation is not None:
        model.eval()
        val_loss, val_acc = evaluate(model, validation[0], validation[1], loss_fn)
        model.train()
    for key, value in zip(HISTORY_KEYS, (epoch + 1, train_loss, train_acc, val_loss, val_acc,
                                         lr, seconds), strict=True):
        history[key].append(value)
    if bar is not None:
        post = {"epoch": epoch + 1, "loss": f"{train_loss:.4f}"}
        if val_acc is not None:
            post["val_acc"] = f"{val_acc:.4f}"
        bar.set_postfix(post)


@contextmanager
def _gradients(model, loss_fn, workers, batch_size, X):
    """How fit computes each batch's gradients: None (a plain train_step on the whole batch),
    or a function (xb, yb) -> (loss, correct) that fills p.grad with the same gradients in
    pieces: chunks in this process, or slices in ``workers`` processes (cnnlib.parallel)."""
    if not is_batch_independent(model):
        if workers > 1:
            print(f"fit: workers={workers} needs every layer to declare batch_independent = "
                  "True; training whole batches in this process instead.")
        yield None
        return
    if workers > 1:
        reason = "this Python cannot start processes" if sys.platform == "emscripten" else None
        if reason is None:
            from .parallel import Team  # only here: one process never needs parallel.py

            team = Team(model, loss_fn, workers, batch_size, X)
            try:
                team.__enter__()
            except (OSError, ImportError, NotImplementedError) as exc:
                reason = f"worker processes could not start ({type(exc).__name__}: {exc})"
            else:
                try:
                    yield team.step
                finally:
                    team.__exit__(None, None, None)
                return
        print(f"fit: {reason}; training in this process instead (workers=1).")
    yield lambda xb, yb: accumulate_gradients(model, loss_fn, xb, yb)


def _progress_bar(total):
    """tqdm.auto when it is installed (notebook widget or terminal text), else no bar."""
    try:
        from tqdm.auto import tqdm
    except ImportError:  # tqdm is only in the 'notebooks' extra
        return None
    return tqdm(total=total, desc="training", unit="batch")
