"""The course's networks, built from cnnlib.layers, and the recipe that trains the digit CNN.

* ``mlp()``: the notebook-01 baseline, every pixel wired to every hidden unit.
* ``course_cnn()``: a smaller CNN (9,098 parameters): the training benchmark and the
  DigitInspector's default network.
* ``digit_cnn()`` + ``DIGIT_RECIPE``: notebook 07's network and its training settings, all
  chosen on 500 validation digits split off the 4,000 training digits; trained with them on
  all 4,000, it reaches >= 98 % on the 1,000 test digits (evaluated once), in seconds.

The last layer of each starts with small weights (init="small", std 0.01): the logits start
near 0, softmax near uniform, and the loss near log(10) = 2.30. Each takes ``rng`` (a numpy
Generator; default cnnlib.rng.default_rng()) for the weights.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import numpy as np

from .layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential
from .rng import default_rng

__all__ = ["DIGIT_RECIPE", "course_cnn", "digit_cnn", "mlp"]


def _rng(rng):
    return default_rng() if rng is None else rng


def mlp(rng=None, hidden=128, dtype=np.float32):
    """Flatten -> Linear(784, hidden) -> ReLU -> Linear(hidden, 10): the notebook-01 baseline.

    x (N, 1, 28, 28) -> logits (N, 10). Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    rng = _rng(rng)
    return Sequential(
        Flatten(),
        Linear(784, hidden, rng=rng, dtype=dtype),
        ReLU(),
        Linear(hidden, 10, init="small", rng=rng, dtype=dtype),
    )


def course_cnn(rng=None, dtype=np.float32):
    """Two conv blocks and a classifier, 9,098 parameters (the training benchmark):

    Conv2d(1, 8, 3, padding=1) -> MaxPool2d(2) -> ReLU        (N, 8, 14, 14)
    Conv2d(8, 16, 3, padding=1) -> MaxPool2d(2) -> ReLU       (N, 16, 7, 7)
    Flatten -> Linear(784, 10)                                (N, 10) logits
    Pooling comes before ReLU: max and ReLU commute (relu(max(a)) = max(relu(a))), so this
    is the same function as Conv -> ReLU -> MaxPool, with a 4x smaller ReLU.
    Not used in the notebooks.
    """
    rng = _rng(rng)
    return Sequential(
        Conv2d(1, 8, 3, padding=1, rng=rng, dtype=dtype),
        MaxPool2d(2),
        ReLU(),
        Conv2d(8, 16, 3, padding=1, rng=rng, dtype=dtype),
        MaxPool2d(2),
        ReLU(),
        Flatten(),
        Linear(16 * 7 * 7, 10, init="small", rng=rng, dtype=dtype),
    )


def digit_cnn(rng=None, dtype=np.float32):
    """The notebook-07 digit classifier (204,538 parameters): >= 98 % on the test digits.

    Conv2d(1, 8, 3, padding=1) -> MaxPool2d(2) -> ReLU          (N, 8, 14, 14)
    Conv2d(8, 32, 3, padding=1) -> MaxPool2d(2) -> ReLU         (N, 32, 7, 7)
    Flatten -> Linear(1568, 128) -> ReLU -> Linear(128, 10)    (N, 10) logits
    ReLU comes after the pooling: max and ReLU commute (relu(max(a)) = max(relu(a))), so
    the result is the same as Conv -> ReLU -> MaxPool, with a 4x smaller ReLU.
    Introduced in notebooks/02_convolution.ipynb.
    """
    rng = _rng(rng)
    return Sequential(
        Conv2d(1, 8, 3, padding=1, rng=rng, dtype=dtype),
        MaxPool2d(2),
        ReLU(),
        Conv2d(8, 32, 3, padding=1, rng=rng, dtype=dtype),
        MaxPool2d(2),
        ReLU(),
        Flatten(),
        Linear(32 * 7 * 7, 128, rng=rng, dtype=dtype),
        ReLU(),
        Linear(128, 10, init="small", rng=rng, dtype=dtype),
    )


# How notebook 07 trains digit_cnn (benchmarks/train_digits.py does exactly this):
#   X, y, X_val, y_val = train_val_split(X_train, y_train, 0.125, seed=0)   # 3,500 / 500
#   rng = np.random.default_rng(DIGIT_RECIPE["seed"]); model = digit_cnn(rng)
#   opt = SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
#   fit(model, X, y, epochs=10, batch_size=64, optimizer=opt, loss_fn=CrossEntropyLoss(),
#       rng=rng, lr_schedule=cosine_lr(0.05, 10, warmup=1), validation=(X_val, y_val),
#       augment=lambda xb, r: random_shift(xb, 2, r))
# Every setting was chosen on the validation digits (train_digits.py --search shows how);
# the test digits are evaluated once, at the end.
DIGIT_RECIPE = {
    "epochs": 10,
    "batch_size": 64,
    "optimizer": "SGD",
    "lr": 0.05,
    "momentum": 0.9,
    "weight_decay": 5e-4,
    "schedule": "cosine",      # cosine_lr(lr, epochs, warmup=...), set before every batch
    "warmup": 1.0,             # epochs of linear warm-up
    "augment": "shift",        # augmentation: random_shift(xb, max_shift, rng)
    "max_shift": 2,
    "seed": 0,                 # the weights, the shuffling and the shifts
    "val_fraction": 0.125,     # train_val_split: 500 of the 4,000 training digits
    "split_seed": 0,
}
