"""The shared input checks: messages name the function and show shapes read as (N, C, H, W)."""

import numpy as np
import pytest

from cnnlib import checks


def test_pair_accepts_ints_pairs_and_numpy_ints():
    assert checks.pair(3, "kernel_size", "f") == (3, 3)
    assert checks.pair((3, 5), "kernel_size", "f") == (3, 5)
    assert checks.pair(np.int64(2), "stride", "f") == (2, 2)


@pytest.mark.parametrize("value, words", [
    (2.5, "f: stride must be an integer, got 2.5"),
    (True, "must be an integer"),
    ((1, 2, 3), r"an int or an \(h, w\) pair"),
    (0, "stride must be >= 1, got 0.\n  A stride of 0 would never move the window"),
])
def test_pair_rejects(value, words):
    with pytest.raises(ValueError, match=words):
        checks.pair(value, "stride", "f", minimum=1)


def test_float_array_errors_show_shapes_and_hints():
    with pytest.raises(ValueError, match=r"x has dtype int64[\s\S]*x.shape = \(2, 3\)"):
        checks.check_float_array(np.zeros((2, 3), dtype=np.int64), "x", "f")
    with pytest.raises(ValueError, match=r"must have 4 dimensions[\s\S]*x\[None\] has shape \(1, 3, 5, 5\)"):
        checks.check_float_array(np.zeros((3, 5, 5)), "x", "f", ndim=4, labels=checks.NCHW)
    with pytest.raises(ValueError, match=r"x\[None, None\]"):
        checks.check_float_array(np.zeros((5, 5)), "x", "f", ndim=4, labels=checks.NCHW)
    with pytest.raises(ValueError, match="must be a numpy array, got list"):
        checks.check_float_array([[1.0]], "x", "f")
    with pytest.raises(ValueError, match="dtype object"):
        checks.check_float_array(np.array([None]), "x", "f")


def test_same_dtype_and_dout():
    a32, a64 = np.zeros(2, np.float32), np.zeros(2, np.float64)
    with pytest.raises(ValueError, match="x is float32, w is float64"):
        checks.check_same_dtype("f", x=a32, w=a64)
    checks.check_same_dtype("f", x=a32, w=a32, b=None)
    with pytest.raises(ValueError, match=r"dout must have the shape[\s\S]*dout.shape = \(1, 2\)[\s\S]*out.shape = \(1, 3\)"):
        checks.check_dout(np.zeros((1, 2)), (1, 3), "f_backward")
    assert checks.shape_line("x", (8, 3, 28, 28), checks.NCHW).endswith("read as (N, C, H, W)")
