"""Tests for cnnlib.receptive_field: hand cases, layer objects, errors, and a perturbation test."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib.conv import conv2d_forward
from cnnlib.pool import avg_pool2d_forward, max_pool2d_forward
from cnnlib.receptive_field import (
    Region,
    conv,
    input_region,
    pool,
    receptive_field,
    receptive_field_table,
)
from cnnlib.shapes import conv_out_hw, pool_out_hw

SETTINGS = settings(max_examples=30, deadline=None)


def sizes(rows, axis=0):
    return [r.size[axis] for r in rows]


# --- hand cases -------------------------------------------------------------------------------

def test_three_stacked_3x3_convs_grow_by_k_minus_1():
    rows = receptive_field([conv(3), conv(3), conv(3)])
    assert sizes(rows) == [3, 5, 7]
    assert [r.jump for r in rows] == [(1, 1)] * 3
    assert [r.start for r in rows] == [(1, 1), (2, 2), (3, 3)]
    # The 7x7 example: the single output of the last layer sees the whole 7x7 image.
    region = input_region([conv(3)] * 3, 0, 0, input_size=7)
    assert (region.top, region.left, region.bottom, region.right) == (0, 0, 6, 6)
    assert region.clipped == Region(0, 0, 6, 6)


def test_padding_moves_the_start_but_not_the_size():
    rows = receptive_field([conv(3, padding=1)] * 3, input_size=7)
    assert sizes(rows) == [3, 5, 7] and rows[-1].start == (0, 0)
    assert rows[-1].out_size == (7, 7)
    region = input_region([conv(3, padding=1)] * 3, 0, 0, input_size=7)
    assert (region.top, region.left, region.bottom, region.right) == (-3, -3, 3, 3)
    assert region.clipped == Region(0, 0, 3, 3)
    assert region.clipped.slices == (slice(0, 4), slice(0, 4))
    with pytest.raises(ValueError, match="Region.slices: .*padding"):
        _ = region.slices


def test_a_2x2_stride_2_pool_doubles_the_jump():
    rows = receptive_field([conv(3), pool(2)])
    assert [r.jump[0] for r in rows] == [1, 2]
    assert sizes(rows) == [3, 4] and rows[1].start == (1.5, 1.5)
    rows = receptive_field([pool(2), pool(2), pool(2)])
    assert [r.jump[0] for r in rows] == [2, 4, 8] and sizes(rows) == [2, 4, 8]
    # Neighbouring units of the last layer see windows 8 pixels apart.
    assert input_region([pool(2)] * 3, 0, 1).left == 8


def test_dilation_uses_the_effective_kernel():
    assert sizes(receptive_field([conv(3, dilation=2)])) == [5]
    # WaveNet-like dilations 1, 2, 4 with 3-wide kernels: 3, 7, 15.
    assert sizes(receptive_field([conv(3), conv(3, dilation=2), conv(3, dilation=4)])) == [3, 7, 15]


def test_vgg_like_stack():
    c3, p2 = conv(3), pool(2)
    rows = receptive_field([c3, c3, p2, c3, c3, p2, c3, c3, c3, p2])
    # By hand: +2*jump per conv, +1*jump per pool; the jump doubles after each pool.
    assert sizes(rows) == [3, 5, 6, 10, 14, 16, 24, 32, 40, 44]
    assert [r.jump[0] for r in rows] == [1, 1, 2, 2, 2, 4, 4, 4, 4, 8]


def test_non_square_layers_are_tracked_per_axis():
    layers = [conv((3, 1), padding=(1, 0)), conv((1, 5), stride=(1, 2)), pool((2, 1))]
    rows = receptive_field(layers, input_size=(8, 12))
    assert [r.size for r in rows] == [(3, 1), (3, 5), (4, 5)]
    assert [r.jump for r in rows] == [(1, 1), (1, 2), (2, 2)]
    assert [r.out_size for r in rows] == [(8, 12), (8, 4), (4, 4)]
    assert input_region(layers, 1, 1, (8, 12)) == Region(1, 2, 4, 6, Region(1, 2, 4, 6))


# --- layer objects ----------------------------------------------------------------------------

class FakeConv2d:
    rf_kind = "conv"

    def __init__(self, k, stride=1, padding=0, dilation=1):
        self.kernel_size, self.stride, self.padding, self.dilation = (k, k), stride, padding, (
            dilation, dilation)


class FakeMaxPool2d:  # no dilation attribute, stride None
    rf_kind = "pool"

    def __init__(self, k):
        self.kernel_size, self.stride, self.padding = k, None, 0


class ReLU:
    rf_kind = "pass"


class Flatten:
    rf_kind = "stop"


class Linear:
    rf_kind = "stop"
    in_features = 10


class Undeclared:  # a learner's layer that does not say what it does
    kernel_size = 3


class Sequential:
    def __init__(self, *layers):
        self.layers = list(layers)


def test_layer_objects_pass_through_activations_and_stop_at_flatten():
    model = Sequential(FakeConv2d(3, padding=1), ReLU(), Sequential(FakeMaxPool2d(2)),
                       FakeConv2d(3, dilation=2), Flatten(), Linear(), FakeConv2d(5))
    rows = receptive_field(model, input_size=16)
    assert [r.name for r in rows] == ["FakeConv2d", "ReLU", "FakeMaxPool2d", "FakeConv2d"]
    assert [r.kind for r in rows] == ["conv", "pass", "pool", "conv"]
    assert sizes(rows) == [3, 3, 4, 12]
    assert rows[2].stride == (2, 2) and rows[2].dilation == (1, 1)
    assert rows[-1].out_size == (4, 4)
    table = receptive_field_table(model, input_size=16)
    assert "stops at Flatten" in table
    assert receptive_field([Linear(), FakeConv2d(3)]) == []


def test_cnnlib_layers_are_understood():
    layers = pytest.importorskip("cnnlib.layers")
    model = layers.Sequential(layers.Conv2d(1, 4, 3, padding=1), layers.ReLU(),
                              layers.MaxPool2d(2), layers.Conv2d(4, 8, 3), layers.Flatten(),
                              layers.Linear(8 * 6 * 6, 10))
    rows = receptive_field(model, input_size=16)
    assert sizes(rows) == [3, 3, 4, 8] and rows[-1].out_size == (6, 6)


def test_table_lists_every_layer_with_its_numbers():
    table = receptive_field_table([conv(3), pool(2), conv((3, 1), dilation=2)], input_size=(12, 9))
    lines = table.splitlines()
    assert len(lines) == 5  # header, input, three layers
    assert lines[0].split()[:2] == ["#", "layer"] and "RF size" in lines[0]
    assert lines[1].split() == ["input", "12x9", "1", "1", "0"]
    assert lines[3].split() == ["1", "pool2x2", "2", "2", "0", "1", "5x3", "4", "2", "1.5"]
    assert lines[4].split() == ["2", "conv3x1", "3x1", "1", "0", "2", "1x3", "12x4", "2",
                                "5.5x1.5"]


# --- bad input --------------------------------------------------------------------------------

@pytest.mark.parametrize("make, match", [
    (lambda: conv(3, padding=-1), "conv: padding must be >= 0"),
    (lambda: conv(3, stride=0), "conv: stride must be >= 1"),
    (lambda: conv(0), "conv: kernel_size must be >= 1"),
    (lambda: pool(2, stride=0), "pool: stride must be >= 1"),
    (lambda: pool(2, padding=2), "pool: pooling padding=2 is more than half"),
    (lambda: receptive_field([conv(3), Undeclared()]),
     "(?s)receptive_field: layer 1 \\(Undeclared\\) does not say what it does.*rf_kind = 'conv'"),
    (lambda: receptive_field([conv(3), FakeConv2d(3, stride=0)]),
     "(?s)receptive_field: stride must be >= 1.*layer 1: FakeConv2d"),
    (lambda: receptive_field([{"kind": "conv", "kernel_size": 3, "padding": -2}]),
     "receptive_field: padding must be >= 0"),
    (lambda: receptive_field([(3, 1)]), r"receptive_field: layer 0 is \(3, 1\), which is not"),
    (lambda: receptive_field(["conv3"]), "receptive_field: layer 0 is 'conv3'"),
    (lambda: receptive_field([{"kind": "relu"}]), "receptive_field: layer 0: unknown kind"),
    (lambda: receptive_field([{"kind": "conv", "kernel": 3}]), "unknown keys \\['kernel'\\]"),
    (lambda: receptive_field(conv(3)), "receptive_field: layers must be a list"),
    (lambda: receptive_field([conv(5)], input_size=3), "(?s)receptive_field: a 5-wide kernel"
     ".*in layer 0"),
    (lambda: input_region([conv(3)], 5, 0, input_size=7),
     r"input_region: unit \(5, 0\) is outside the last layer's output of 5x5"),
    (lambda: input_region([conv(3)], -1, 0), "input_region: i must be >= 0"),
    (lambda: receptive_field_table([conv(3), 7]), "receptive_field_table: layer 1 is 7"),
])
def test_bad_input_is_refused_with_the_function_name(make, match):
    with pytest.raises(ValueError, match=match):
        make()


# --- perturbation test: the regions agree with real forward passes -------------------------------

def run_stack(layers, x, weights):
    for spec, w in zip(layers, weights, strict=True):
        if spec["kind"] == "conv":
            x, _ = conv2d_forward(x, w, None, stride=spec["stride"], padding=spec["padding"],
                                  dilation=spec["dilation"])
        else:
            forward = max_pool2d_forward if spec["name"] == "max" else avg_pool2d_forward
            x, _ = forward(x, spec["kernel_size"], spec["stride"], spec["padding"])
    return x


def random_layer(rng, exact):
    """A random conv or pooling spec; exact=True keeps to layers whose field has no holes."""
    k = int(rng.integers(1, 5))
    if rng.random() < 0.6:
        if exact:
            return conv(k, stride=int(rng.integers(1, k + 1)), padding=int(rng.integers(0, k)))
        return conv(k, stride=int(rng.integers(1, 4)), padding=int(rng.integers(0, k + 2)),
                    dilation=int(rng.integers(1, 4)))
    kind = "avg" if exact else str(rng.choice(["max", "avg"]))
    stride = int(rng.integers(1, k + 1 if exact else 4))
    return pool(k, stride=stride, padding=int(rng.integers(0, k // 2 + 1)), name=kind)


def random_stack(rng, exact):
    """Layers plus an input size they fit; with exact=True every layer divides evenly."""
    while True:
        layers = [random_layer(rng, exact) for _ in range(int(rng.integers(1, 4)))]
        if exact:  # walk back from a small output: H_in = (H_out - 1) S - 2P + K
            hw, smallest = [int(v) for v in rng.integers(1, 4, size=2)], 1
            for spec in reversed(layers):
                k, s, p = spec["kernel_size"], spec["stride"] or spec["kernel_size"], spec["padding"]
                hw = [(v - 1) * s - 2 * p + k for v in hw]
                smallest = min(smallest, *hw)
            if smallest >= 1 and max(hw) <= 30:
                return layers, tuple(hw)
            continue
        hw = tuple(int(v) for v in rng.integers(4, 16, size=2))
        try:
            out = hw
            for spec in layers:
                if spec["kind"] == "conv":
                    out = conv_out_hw("test", out, spec["kernel_size"], spec["stride"],
                                      spec["padding"], spec["dilation"])
                else:
                    out = pool_out_hw("test", out, spec["kernel_size"], spec["stride"],
                                      spec["padding"])
        except ValueError:
            continue
        return layers, hw


def changed_and_predicted(layers, hw, rng, positive):
    C = int(rng.integers(1, 3))
    low = 0.5 if positive else -1.0
    x = rng.uniform(low, 1.5, size=(1, C, *hw))
    weights, c_in = [], C
    for spec in layers:
        if spec["kind"] == "conv":
            F = int(rng.integers(1, 3))
            k = spec["kernel_size"]
            weights.append(rng.uniform(low, 1.5, size=(F, c_in, k, k)))
            c_in = F
        else:
            weights.append(None)
    r, c = int(rng.integers(0, hw[0])), int(rng.integers(0, hw[1]))
    x2 = x.copy()
    x2[0, int(rng.integers(0, C)), r, c] += 1.0
    out1, out2 = run_stack(layers, x, weights), run_stack(layers, x2, weights)
    changed = np.any(np.abs(out2 - out1) > 1e-12, axis=(0, 1))
    predicted = np.zeros_like(changed)
    for i in range(changed.shape[0]):
        for j in range(changed.shape[1]):
            predicted[i, j] = input_region(layers, i, j, input_size=hw).contains(r, c)
    assert receptive_field(layers, hw)[-1].out_size == changed.shape
    return changed, predicted


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_only_outputs_whose_region_holds_the_pixel_can_change(seed):
    # Any stack: max pooling may swallow a change, dilation and stride leave holes.
    rng = np.random.default_rng(seed)
    layers, hw = random_stack(rng, exact=False)
    changed, predicted = changed_and_predicted(layers, hw, rng, positive=False)
    assert not np.any(changed & ~predicted), (layers, hw)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_with_positive_weights_exactly_the_predicted_outputs_change(seed):
    # Convs (dilation 1, stride <= kernel, padding < kernel) and average pools that divide
    # evenly, all-positive weights and inputs: the rectangle is exactly what the net uses.
    rng = np.random.default_rng(seed)
    layers, hw = random_stack(rng, exact=True)
    changed, predicted = changed_and_predicted(layers, hw, rng, positive=True)
    assert predicted.any()
    assert np.array_equal(changed, predicted), (layers, hw)
