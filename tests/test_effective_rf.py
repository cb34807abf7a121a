"""cnnlib.effective_rf: the effective receptive field of random conv stacks."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import receptive_field as rf
from cnnlib.effective_rf import (
    effective_receptive_field,
    erf_spread,
    path_counts,
    power_law_exponent,
    random_walk_spread,
)


@pytest.mark.parametrize("depth,K", [(1, 3), (3, 3), (2, 5)])
def test_erf_is_zero_outside_the_theoretical_field(depth, K):
    size = 2 * depth * (K - 1) + 3
    erf = effective_receptive_field(depth, K, size=size, n_inputs=2, n_inits=2,
                                    nonlinearity="relu")
    assert erf.shape == (size, size) and np.isclose(erf.sum(), 1.0) and erf.min() >= 0
    c, half = size // 2, depth * (K - 1) // 2
    inside = np.zeros_like(erf, bool)
    inside[c - half:c + half + 1, c - half:c + half + 1] = True
    assert erf[~inside].max() == 0 and erf[inside].min() > 0


@pytest.mark.parametrize("measure", ["abs", "square"])
def test_one_layer_is_the_kernel_stamped_back(measure):
    rng = np.random.default_rng(3)
    erf = effective_receptive_field(1, 3, size=5, channels=2, n_inputs=1, n_inits=1,
                                    rng=np.random.default_rng(3), measure=measure)
    w = rng.standard_normal((2, 2, 3, 3)) * np.sqrt(2.0 / 18)
    # dout = 1 at the centre of both output channels: one output stamps its kernel back
    # onto its window (unrotated), dx[c] = sum_f w[f, c]; the map is sum_c |dx[c]| (or ^2)
    dx = w.sum(axis=0)
    expected = (np.abs(dx) if measure == "abs" else dx ** 2).sum(axis=0)
    np.testing.assert_allclose(erf[1:4, 1:4], expected / expected.sum())


def test_linear_gradient_does_not_depend_on_the_input():
    """Without ReLU the backward pass only uses the weights: 1 input or 5 give the same map
    (one weight draw: the weights come first from the generator, the inputs after them)."""
    one = effective_receptive_field(4, n_inputs=1, n_inits=1, rng=np.random.default_rng(5))
    five = effective_receptive_field(4, n_inputs=5, n_inits=1, rng=np.random.default_rng(5))
    np.testing.assert_allclose(one, five, rtol=1e-12, atol=1e-15)
    one = effective_receptive_field(4, n_inputs=1, n_inits=1, nonlinearity="relu",
                                    rng=np.random.default_rng(5))
    five = effective_receptive_field(4, n_inputs=5, n_inits=1, nonlinearity="relu",
                                     rng=np.random.default_rng(5))
    assert not np.allclose(one, five)


def test_mean_squared_gradient_approaches_the_path_counts():
    """E[(d out / d x)^2] of a linear stack is proportional to the number of paths."""
    erf = effective_receptive_field(5, size=21, n_inputs=1, n_inits=200,
                                    rng=np.random.default_rng(8))
    paths = path_counts([rf.conv(3, padding=1)] * 5, 21, 10, 10)
    paths = paths / paths.sum()
    assert np.corrcoef(erf.ravel(), paths.ravel())[0, 1] > 0.99
    assert abs(erf_spread(erf) / erf_spread(paths) - 1) < 0.03
    assert np.isclose(erf_spread(paths), random_walk_spread(5))  # exactly sqrt(2 * 5 / 3)


def test_random_walk_spread():
    assert random_walk_spread(0) == 0
    assert np.isclose(random_walk_spread(3), np.sqrt(2.0))  # 3 steps of variance 2/3
    assert np.isclose(random_walk_spread(2, kernel_size=5), 2.0)  # steps -2..2: variance 2
    for depth in (1, 4, 9):
        p = path_counts([rf.conv(3, padding=1)] * depth, 2 * depth + 3, depth + 1, depth + 1)
        assert np.isclose(erf_spread(p), random_walk_spread(depth))


def test_spread_grows_like_sqrt_depth():
    depths = [2, 4, 8, 16]
    spread = [erf_spread(effective_receptive_field(d, n_inputs=1, n_inits=8,
                                                   rng=np.random.default_rng(d)))
              for d in depths]
    a = power_law_exponent(depths, spread)
    assert 0.45 < a < 0.55  # the mean squared gradient: no offset, a clean sqrt(depth)
    assert power_law_exponent(depths, [2 * d + 1 for d in depths]) > 0.9


def test_spread_of_known_maps():
    point = np.zeros((5, 5))
    point[2, 2] = 1
    assert erf_spread(point) == 0
    assert np.isclose(erf_spread(np.ones((3, 3))), np.sqrt(2 / 3))  # uniform on -1, 0, 1


@pytest.mark.parametrize("kwargs,words", [
    ({"depth": 0}, "depth"), ({"depth": 2, "kernel_size": 4}, "even"),
    ({"depth": 3, "size": 5}, "theoretical field"), ({"depth": 1, "nonlinearity": "tanh"},
                                                     "nonlinearity"),
    ({"depth": 1, "measure": "max"}, "measure must be 'square'")])
def test_bad_arguments_teach(kwargs, words):
    with pytest.raises(ValueError, match=words):
        effective_receptive_field(**kwargs)


def test_path_counts():
    seed = [rf.conv(3)] * 3
    p = path_counts(seed, 7, 0, 0)
    np.testing.assert_array_equal(p, np.outer(*[[1, 3, 6, 7, 6, 3, 1]] * 2))
    stack = [rf.conv(3, padding=1), rf.pool(2), rf.conv(3, padding=1)]
    p = path_counts(stack, 8, 1, 1)
    region = rf.input_region(stack, 1, 1, input_size=8)
    assert (region.top, region.bottom) == (-1, 6)  # an 8-pixel field, one row in the padding
    box = np.zeros((8, 8), bool)
    box[region.clipped.slices] = True
    np.testing.assert_array_equal(p > 0, box)
    p = path_counts([rf.conv(3, stride=4)], 9, 1, 1)
    assert (p > 0).sum() == 9 and p[4:7, 4:7].min() == 1


def test_square_root_of_the_path_counts_falls_one_px2_short_of_4n_over_3():
    """Notebook 04: the mean |gradient| map is about sqrt(path counts); its variance is
    4n/3 minus a shortfall that does not fade with depth (it tends to 1), which is why a power
    law fitted over 2-16 layers reads depth^0.60."""
    def walk_var(n, root):
        p = np.array([1.0])
        for _ in range(n):
            p = np.convolve(p, np.ones(3) / 3)
        p = np.sqrt(p) if root else p
        p, x = p / p.sum(), np.arange(len(p))
        return p @ (x - p @ x) ** 2

    depths = np.array([2, 3, 4, 6, 8, 12, 16])
    assert np.allclose([walk_var(n, False) for n in depths], 2 * depths / 3)  # no offset
    short = np.array([4 * n / 3 - walk_var(n, True) for n in [*depths, 64, 256, 1024]])
    assert np.all((short > 1) & (short < 1.25)) and abs(short[-1] - 1) < 1e-3
    roots = np.sqrt([walk_var(n, True) for n in depths])
    assert 0.59 < power_law_exponent(depths, roots) < 0.61
    p16 = path_counts([rf.conv(3, padding=1)] * 16, 41, 20, 20)
    assert np.isclose(erf_spread(np.sqrt(p16)) ** 2, walk_var(16, True))  # the 2-D map, per axis
