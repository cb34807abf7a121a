"""Softmax, cross-entropy and mean squared error, as functions and as torch.nn-like classes.

The classifier's last layer gives one score (logit) per class; softmax turns the scores of
a sample into probabilities, and cross-entropy is -log(probability of the true class),
averaged over the batch. Computed through log-sum-exp, so logits of +-1000 are fine.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from .checks import check_float_array, check_labels, check_same_dtype, fail, shape_line

__all__ = [
    "CrossEntropyLoss", "MSELoss", "cross_entropy", "cross_entropy_naive", "log_softmax",
    "mse_loss", "softmax",
]

LL = "(N, classes)"


def softmax(logits):
    """Softmax along the last axis: p = exp(z - max z) / sum(exp(z - max z)).

    logits (N, classes) -> probabilities (N, classes), each row sums to 1; a single row
    (classes,) works too. Subtracting the row max changes nothing but avoids overflow.
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(logits, "logits", "softmax")
    if logits.ndim == 0:
        raise fail("softmax", "logits must have at least one axis (the classes).")
    e = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def log_softmax(logits):
    """Log of the softmax along the last axis: z - max z - log(sum(exp(z - max z))).

    logits (N, classes) -> (N, classes); stable where np.log(softmax(z)) would give -inf.
    Not used in the notebooks.
    """
    check_float_array(logits, "logits", "log_softmax")
    if logits.ndim == 0:
        raise fail("log_softmax", "logits must have at least one axis (the classes).")
    shifted = logits - logits.max(axis=-1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))


def cross_entropy(logits, y):
    """Mean cross-entropy of integer labels and its gradient.

    logits (N, classes), y (N,) ints in [0, classes) -> (loss, dlogits):
    loss = mean_n [log(sum_k exp(z[n, k])) - z[n, y[n]]]  (a Python float),
    dlogits = (softmax(z) - onehot(y)) / N, shape (N, classes), dtype of logits.
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    y = check_labels("cross_entropy", logits, y)
    N = logits.shape[0]
    rows = np.arange(N)
    shifted = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, y]))
    dlogits = e / total
    dlogits[rows, y] -= 1
    dlogits /= N
    return loss, dlogits


def cross_entropy_naive(logits, y):
    """Loop version of :func:`cross_entropy`: one sample at a time.

    Not used in the notebooks.
    """
    y = check_labels("cross_entropy_naive", logits, y)
    N, classes = logits.shape
    loss = 0.0
    dlogits = np.zeros_like(logits)
    for n in range(N):
        z = logits[n]
        m = z.max()
        log_sum = m + np.log(np.sum(np.exp(z - m)))     # log(sum_k exp(z_k)), stable
        loss += float(log_sum - z[y[n]])
        for k in range(classes):
            p = np.exp(z[k] - log_sum)                  # softmax probability of class k
            dlogits[n, k] = (p - (k == y[n])) / N
    return loss / N, dlogits


def mse_loss(pred, target):
    """Mean squared error over all elements and its gradient.

    pred, target: the same shape -> (loss, dpred), loss = mean((pred - target)**2)
    (a Python float), dpred = 2 * (pred - target) / pred.size.
    Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    check_float_array(pred, "pred", "mse_loss")
    check_float_array(target, "target", "mse_loss")
    if pred.shape != target.shape:
        raise fail("mse_loss", "pred and target must have the same shape.",
                   shape_line("pred", pred.shape), shape_line("target", target.shape))
    check_same_dtype("mse_loss", pred=pred, target=target)
    diff = pred - target
    return float(np.mean(diff * diff)), diff * (2 / diff.size)


class _Loss:
    """Shared part of the loss classes: call to get the loss, then backward() for the grad."""

    _fn = None

    def __init__(self):
        self._grad = None

    def __call__(self, *args):
        loss, self._grad = type(self)._fn(*args)
        return loss

    forward = __call__

    def backward(self):
        """The gradient of the last loss computed, with respect to its first argument."""
        if self._grad is None:
            name = type(self).__name__
            raise fail(f"{name}.backward", "no loss has been computed yet.",
                       "  First loss = loss_fn(outputs, targets), then loss_fn.backward().")
        return self._grad

    def __repr__(self):
        return f"{type(self).__name__}()"


class CrossEntropyLoss(_Loss):
    """Cross-entropy like torch.nn.CrossEntropyLoss: ``loss = loss_fn(logits, y)`` (a float),
    then ``dlogits = loss_fn.backward()`` (N, classes). Introduced in
    notebooks/01_neural_network_recap.ipynb.
    """

    _fn = staticmethod(cross_entropy)


class MSELoss(_Loss):
    """Mean squared error like torch.nn.MSELoss: ``loss = loss_fn(pred, target)``, then
    ``dpred = loss_fn.backward()``. Not used in the notebooks.
    """

    _fn = staticmethod(mse_loss)
