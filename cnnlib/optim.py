"""Optimisers (SGD with momentum, Adam) and two learning-rate schedules, shaped like torch.optim.

An optimiser holds a list of :class:`~cnnlib.layers.Parameter` objects; after a backward pass
has filled every ``p.grad``, ``step()`` updates ``p.data`` in place, and ``zero_grad()`` clears
the gradients for the next batch. The learning rate is the attribute ``lr``, which a schedule
(``fit(..., lr_schedule=...)``) may change between steps. Updates keep each parameter's dtype
(float32 stays float32). Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import fail

__all__ = ["SGD", "Adam", "cosine_lr", "step_lr"]


def _as_params(func, params):
    """Accept a model (anything with .parameters()) or an iterable of Parameters."""
    if hasattr(params, "parameters") and callable(params.parameters):
        params = params.parameters()
    params = list(params)
    if not params:
        raise fail(func, "got no parameters to optimise.",
                   "  Pass model.parameters() of a model that has weights (Conv2d, Linear).")
    for k, p in enumerate(params):
        if not (hasattr(p, "data") and hasattr(p, "grad")):
            raise fail(func, f"params[{k}] is a {type(p).__name__}, not a Parameter.",
                       "  Pass model.parameters(): Parameters carry .data and .grad.")
    return params


def _check_positive(func, name, value, allow_zero=False):
    ok = isinstance(value, int | float | np.floating) and not isinstance(value, bool)
    if not ok or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise fail(func, f"{name} must be a number {bound}, got {value!r}.")
    return float(value)


class Optimizer:
    """Shared part of SGD and Adam: the parameter list, ``lr`` and ``zero_grad()``."""

    def __init__(self, params, lr):
        name = type(self).__name__
        self.params = _as_params(name, params)
        self.lr = _check_positive(name, "lr", lr)

    def zero_grad(self):
        """Forget the gradients (``p.grad = None``); the next backward pass sets them again."""
        for p in self.params:
            p.grad = None

    def _grads(self):
        """Yield (index, parameter, gradient) for every parameter that has a gradient."""
        for k, p in enumerate(self.params):
            if p.grad is None:
                continue
            if p.grad.shape != p.data.shape:
                raise fail(f"{type(self).__name__}.step", f"parameter {k} has shape "
                           f"{p.data.shape} but its gradient has shape {p.grad.shape}.")
            yield k, p, p.grad


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum and weight decay (as torch.optim.SGD).

    For each parameter p with gradient g, in place::

        g = g + weight_decay * p          (L2 penalty, if weight_decay > 0)
        v = momentum * v + g               (v starts at 0; skipped when momentum == 0)
        p = p - lr * v                     (or p - lr * g without momentum)

    Introduced in notebooks/01_neural_network_recap.ipynb.
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, lr)
        self.momentum = _check_positive("SGD", "momentum", momentum, allow_zero=True)
        self.weight_decay = _check_positive("SGD", "weight_decay", weight_decay, allow_zero=True)
        if self.momentum >= 1:
            raise fail("SGD", f"momentum must be below 1, got {momentum}; 0.9 is usual.")
        self.velocity = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        """Apply one update to every parameter that has a gradient."""
        for k, p, g in self._grads():
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            if self.momentum:
                v = self.velocity[k]
                v *= self.momentum
                v += g
                g = v
            p.data -= self.lr * g

    def __repr__(self):
        return (f"SGD(lr={self.lr:g}, momentum={self.momentum:g}, "
                f"weight_decay={self.weight_decay:g})")


class Adam(Optimizer):
    """Adam: momentum on the gradient and on its square, with bias correction (torch.optim.Adam).

    With t the step number (1, 2, ...) and g the gradient, in place::

        m = b1 * m + (1 - b1) * g              v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)                v_hat = v / (1 - b2**t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    Introduced in notebooks/07_full_cnn.ipynb.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        if not (isinstance(betas, tuple | list) and len(betas) == 2
                and all(0 <= float(b) < 1 for b in betas)):
            raise fail("Adam", f"betas must be a pair of numbers in [0, 1), got {betas!r}.")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = _check_positive("Adam", "eps", eps)
        self.weight_decay = _check_positive("Adam", "weight_decay", weight_decay,
                                            allow_zero=True)
        self.t = 0
        self.m = [np.zeros_like(p.data) for p in self.params]
        self.v = [np.zeros_like(p.data) for p in self.params]

    def step(self):
        """Apply one update to every parameter that has a gradient."""
        self.t += 1
        b1, b2 = self.betas
        correction1 = 1 - b1 ** self.t
        correction2 = 1 - b2 ** self.t
        step_size = self.lr / correction1
        for k, p, g in self._grads():
            if self.weight_decay:
                g = g + self.weight_decay * p.data
            m, v = self.m[k], self.v[k]
            m *= b1
            m += (1 - b1) * g
            v *= b2
            v += (1 - b2) * (g * g)
            denom = np.sqrt(v)
            denom /= math.sqrt(correction2)
            denom += self.eps
            p.data -= step_size * (m / denom)

    def __repr__(self):
        return f"Adam(lr={self.lr:g}, betas={self.betas}, eps={self.eps:g})"


def cosine_lr(lr, epochs, warmup=0.0, final_lr=0.0):
    """A cosine learning-rate schedule: ``schedule(t) -> lr`` for t in epochs (0 <= t <= epochs).

    Rises linearly from ``lr / 1000`` (not 0: a first step of size 0 would be wasted) to
    ``lr`` over the first ``warmup`` epochs (may be fractional), then follows half a cosine
    down to ``final_lr`` at t = epochs::

        warm-up:  lr(t) = lr * (0.001 + 0.999 * t / warmup)            (t < warmup)
        then:     lr(t) = final_lr + (lr - final_lr) * (1 + cos(pi * u)) / 2,
                  u = (t - warmup) / (epochs - warmup)

    ``fit`` calls it before every batch with the fractional epoch t = epoch + batch / batches.
    Introduced in notebooks/07_full_cnn.ipynb.
    """
    lr = _check_positive("cosine_lr", "lr", lr)
    epochs = _check_positive("cosine_lr", "epochs", epochs)
    warmup = _check_positive("cosine_lr", "warmup", warmup, allow_zero=True)
    if warmup >= epochs:
        raise fail("cosine_lr", f"warmup ({warmup:g}) must be shorter than epochs ({epochs:g}).")

    def schedule(t):
        if t < warmup:
            return lr * (1e-3 + (1 - 1e-3) * t / warmup)
        frac = min(max((t - warmup) / (epochs - warmup), 0.0), 1.0)
        return final_lr + (lr - final_lr) * 0.5 * (1.0 + math.cos(math.pi * frac))

    return schedule


def step_lr(lr, step_size, gamma=0.1):
    """A step schedule (as torch's StepLR): ``lr * gamma ** (epoch // step_size)``.

    Returns ``schedule(t) -> lr``; t is the (fractional) epoch, as for :func:`cosine_lr`.
    Not used in the notebooks.
    """
    lr = _check_positive("step_lr", "lr", lr)
    step_size = _check_positive("step_lr", "step_size", step_size)
    gamma = _check_positive("step_lr", "gamma", gamma)
    return lambda t: lr * gamma ** int(t // step_size)
