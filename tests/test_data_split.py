"""cnnlib.data.train_val_split: stratified, seeded, disjoint, and refuses what cannot split."""

import numpy as np
import pytest

from cnnlib.data import load_mnist, train_val_split


def test_split_of_the_training_digits_is_stratified_disjoint_and_seeded():
    X, y, _, _ = load_mnist()
    X_tr, y_tr, X_val, y_val = train_val_split(X, y, val_fraction=0.125, seed=0)
    assert len(y_val) == 500 and len(y_tr) == 3500
    assert np.bincount(y_val).tolist() == [50] * 10, "every class keeps its share"
    rows = {x.tobytes() for x in X_tr}
    assert not any(x.tobytes() in rows for x in X_val), "no digit on both sides"
    again = train_val_split(X, y, val_fraction=0.125, seed=0)
    np.testing.assert_array_equal(again[3], y_val)
    other = train_val_split(X, y, val_fraction=0.125, seed=1)
    assert not np.array_equal(other[2], X_val), "another seed, another split"


@pytest.mark.parametrize(("fraction", "match"), [
    (0.0, "val_fraction must be between 0 and 1"),
    (1.5, "val_fraction must be between 0 and 1"),
    (0.01, "class 0 has 4 sample"),
])
def test_split_refuses_what_cannot_split(fraction, match):
    X = np.zeros((8, 1, 2, 2), np.float32)
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    with pytest.raises(ValueError, match=match):
        train_val_split(X, y, val_fraction=fraction)
