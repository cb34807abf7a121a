"""Tests for cnnlib.layers, cnnlib.module and cnnlib.sequential: the torch.nn-shaped classes."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib import activations, conv, linear, manual_seed, pool
from cnnlib.gradcheck import numerical_gradient, rel_error
from cnnlib.layers import (
    AvgPool2d,
    Conv2d,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2d,
    Parameter,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
    init_weights,
)
from cnnlib.losses import CrossEntropyLoss
from cnnlib.models import course_cnn, digit_cnn, mlp

SETTINGS = settings(max_examples=30, deadline=None)


def rng(seed=0):
    return np.random.default_rng(seed)


def small_cnn(dtype=np.float64):
    """Every layer type once, on 2-channel 8x8 inputs."""
    r = rng(1)
    return Sequential(
        Conv2d(2, 3, 3, padding=1, rng=r, dtype=dtype), ReLU(), MaxPool2d(2),
        Conv2d(3, 4, (3, 2), stride=(1, 2), dilation=(1, 1), rng=r, dtype=dtype), Tanh(),
        AvgPool2d(2, stride=1), LeakyReLU(0.1), Flatten(),
        Linear(4, 5, rng=r, dtype=dtype), Sigmoid(), Linear(5, 3, init="xavier", rng=r,
                                                            dtype=dtype),
    )


# ---------------------------------------------------------------- whole-model gradient check
def test_whole_model_gradient_check_float64():
    model = small_cnn()
    x = rng(2).standard_normal((2, 2, 8, 8))
    y = np.array([0, 2])
    loss_fn = CrossEntropyLoss()

    def loss():
        return loss_fn(model(x), y)

    loss()
    dx = model.backward(loss_fn.backward())
    assert rel_error(dx, numerical_gradient(lambda _: loss(), x, h=1e-6)) < 1e-7
    assert len(model.parameters()) == 8
    for p in model.parameters():
        assert p.grad.dtype == np.float64 and p.grad.shape == p.data.shape
        num = numerical_gradient(lambda _: loss(), p.data, h=1e-6)
        assert rel_error(p.grad, num) < 1e-7, p


def test_first_layer_can_skip_dx():
    model = small_cnn()
    x = rng(3).standard_normal((2, 2, 8, 8))
    model(x)
    dout = rng(4).standard_normal((2, 3))
    assert model.backward(dout, need_dx=False) is None
    grads = [p.grad.copy() for p in model.parameters()]
    model.zero_grad()
    model(x)
    assert model.backward(dout).shape == x.shape
    for g, p in zip(grads, model.parameters(), strict=True):
        np.testing.assert_array_equal(g, p.grad)


# ---------------------------------------------------------------- layers vs functional pairs
def _pairs():
    r = rng(5)
    c = Conv2d(3, 4, 3, stride=2, padding=1, dilation=1, rng=r, dtype=np.float64)
    yield c, lambda x: conv.conv2d_forward(x, c.weight.data, c.bias.data, stride=2, padding=1), \
        conv.conv2d_backward, (3, 9, 9)
    yield MaxPool2d(3, stride=2, padding=1), \
        lambda x: pool.max_pool2d_forward(x, 3, stride=2, padding=1), \
        pool.max_pool2d_backward, (3, 9, 9)
    yield AvgPool2d(2), lambda x: pool.avg_pool2d_forward(x, 2), pool.avg_pool2d_backward, \
        (3, 8, 8)
    yield ReLU(), activations.relu_forward, activations.relu_backward, (3, 5, 5)
    yield LeakyReLU(0.2), lambda x: activations.leaky_relu_forward(x, 0.2), \
        activations.leaky_relu_backward, (3, 5, 5)
    yield Sigmoid(), activations.sigmoid_forward, activations.sigmoid_backward, (3, 5, 5)
    yield Tanh(), activations.tanh_forward, activations.tanh_backward, (3, 5, 5)
    yield Flatten(), linear.flatten_forward, linear.flatten_backward, (3, 5, 5)
    lin = Linear(6, 4, rng=r, dtype=np.float64)
    yield lin, lambda x: linear.linear_forward(x, lin.weight.data, lin.bias.data), \
        linear.linear_backward, (6,)


@pytest.mark.parametrize("case", list(_pairs()), ids=lambda c: type(c[0]).__name__)
def test_layer_matches_functional_pair(case):
    layer, forward, backward, shape = case
    x = rng(6).standard_normal((2, *shape))
    out = layer(x)
    ref, cache = forward(x)
    np.testing.assert_array_equal(out, ref)
    dout = rng(7).standard_normal(out.shape)
    dx = layer.backward(dout)
    grads = backward(dout, cache)
    grads = grads if isinstance(grads, tuple) else (grads,)
    np.testing.assert_array_equal(dx, grads[0])
    for p, g in zip(layer.parameters(), grads[1:], strict=True):
        np.testing.assert_array_equal(p.grad, g)


# ---------------------------------------------------------------- parameters, grads, dtype
def test_parameters_accumulate_and_zero_grad():
    layer = Linear(3, 2, rng=rng())
    assert [p.shape for p in layer.parameters()] == [(2, 3), (2,)]
    assert all(p.grad is None for p in layer.parameters())
    x = np.ones((4, 3), np.float32)
    for _ in range(2):
        layer(x)
        layer.backward(np.ones((4, 2), np.float32))
    np.testing.assert_allclose(layer.bias.grad, [8, 8])     # two backward passes add up
    layer.zero_grad()
    assert all(p.grad is None for p in layer.parameters())
    assert Linear(3, 2, bias=False).parameters()[0].shape == (2, 3)
    assert len(Linear(3, 2, bias=False).parameters()) == 1


def test_float32_by_default_and_to_float64():
    model = course_cnn(rng())
    x = rng().random((2, 1, 28, 28), dtype=np.float32)
    assert model(x).dtype == np.float32
    assert all(p.data.dtype == np.float32 for p in model.parameters())
    model.backward(np.ones((2, 10), np.float32))
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    assert model.to(np.float64) is model
    assert model(x.astype(np.float64)).dtype == np.float64
    with pytest.raises(ValueError, match=r"Conv2d: x is float32 .* float64(.|\n)*model.to"):
        model(x)


def test_init_schemes_and_reproducibility():
    w = Conv2d(16, 64, 3, rng=rng()).weight.data
    assert abs(w.std() - np.sqrt(2 / (16 * 9))) < 0.05 * np.sqrt(2 / (16 * 9))
    w = Linear(300, 100, init="xavier", rng=rng()).weight.data
    assert abs(w.std() - np.sqrt(2 / 400)) < 0.05 * np.sqrt(2 / 400)
    assert abs(Linear(300, 100, init="small", rng=rng()).weight.data.std() - 0.01) < 1e-3
    np.testing.assert_array_equal(course_cnn(rng(3))[0].weight.data,
                                  course_cnn(rng(3))[0].weight.data)
    manual_seed(11)
    a = digit_cnn()[3].weight.data
    manual_seed(11)
    np.testing.assert_array_equal(a, digit_cnn()[3].weight.data)
    model = init_weights(mlp(rng()), "xavier", rng=rng(1))
    assert abs(model[1].weight.data.std() - np.sqrt(2 / (784 + 128))) < 0.003
    with pytest.raises(ValueError, match="init must be 'kaiming'"):
        Linear(3, 2, init="normal")


# ---------------------------------------------------------------- repr and summary
def test_reprs_like_pytorch():
    assert repr(Conv2d(1, 8, 3, padding=1)) == (
        "Conv2d(1, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))")
    assert repr(Conv2d(3, 4, (3, 5), stride=2, dilation=2, bias=False)) == (
        "Conv2d(3, 4, kernel_size=(3, 5), stride=(2, 2), dilation=(2, 2), bias=False)")
    assert repr(MaxPool2d(2)) == "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(AvgPool2d(3, 1, 1)) == (
        "AvgPool2d(kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))")
    assert repr(Linear(784, 10)) == "Linear(in_features=784, out_features=10, bias=True)"
    assert repr(LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert [repr(m) for m in (ReLU(), Sigmoid(), Tanh(), Flatten())] == [
        "ReLU()", "Sigmoid()", "Tanh()", "Flatten()"]
    text = repr(Sequential(ReLU(), Sequential(Flatten())))
    assert text == "Sequential(\n  (0): ReLU()\n  (1): Sequential(\n    (0): Flatten()\n  )\n)"
    assert repr(Parameter(np.zeros((2, 3), np.float32))) == (
        "Parameter(shape=(2, 3), dtype=float32)")


def test_pytorch_shaped_attributes():
    c = Conv2d(1, 8, 5, stride=2, padding=(1, 2), dilation=3)
    assert (c.kernel_size, c.stride, c.padding, c.dilation) == ((5, 5), (2, 2), (1, 2), (3, 3))
    assert c.weight.shape == (8, 1, 5, 5) and c.bias.shape == (8,)
    p = MaxPool2d(3, stride=1)
    assert (p.kernel_size, p.stride, p.padding, p.dilation) == ((3, 3), (1, 1), (0, 0), (1, 1))
    assert Linear(5, 2).weight.shape == (2, 5)
    model = course_cnn(rng())
    assert len(model) == 8 and isinstance(model[0], Conv2d) and model.layers[7] is model[-1]
    assert isinstance(model[:3], Sequential) and len(model[:3]) == 3
    assert [type(m).__name__ for m in model][:3] == ["Conv2d", "MaxPool2d", "ReLU"]


def test_course_cnn_summary():
    s = course_cnn(rng()).summary((1, 28, 28))
    assert s.total_params == 8 * 9 + 8 + 16 * 8 * 9 + 16 + 784 * 10 + 10 == 9098
    assert [r["output_shape"][1:] for r in s.rows] == [
        (8, 28, 28), (8, 14, 14), (8, 14, 14), (16, 14, 14), (16, 7, 7), (16, 7, 7), (784,),
        (10,)]
    assert [r["params"] for r in s.rows] == [80, 0, 0, 1168, 0, 0, 0, 7850]
    assert [r["rf_size"] for r in s.rows[:6]] == [(3, 3), (4, 4), (4, 4), (8, 8), (10, 10),
                                                   (10, 10)]
    assert [r["rf_jump"][0] for r in s.rows[:6]] == [1, 2, 2, 2, 4, 4]
    assert s.rows[6]["rf_size"] is None
    text = str(s)
    assert "(N, 16, 7, 7)" in text and "9,098" in text and "RF size" in text
    assert "(32, 10)" in str(course_cnn(rng()).summary((32, 1, 28, 28)))
    assert mlp(rng()).summary((1, 28, 28)).total_params == 784 * 128 + 128 + 128 * 10 + 10


def test_summary_shows_the_size_error():
    with pytest.raises(ValueError, match=r"Conv2d.*does not fit.*\n.*H_out"):
        Sequential(Conv2d(1, 2, 5), MaxPool2d(2), Conv2d(2, 2, 5)).summary((1, 8, 8))
    with pytest.raises(ValueError, match=r"Linear.*\(1, 784\)(.|\n)*in_features 784"):
        Sequential(Flatten(), Linear(100, 10)).summary((1, 1, 28, 28))
    with pytest.raises(ValueError, match=r"Linear.*\(1, 3, 4, 4\)(.|\n)*Flatten\(\) before"):
        Sequential(Linear(48, 10)).summary((1, 3, 4, 4))


@given(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3), st.integers(0, 2),
       st.integers(1, 2), st.integers(6, 11), st.integers(1, 3))
@SETTINGS
def test_output_shape_matches_forward(C, K, S, P, D, H, pool_k):
    model = Sequential(Conv2d(C, 2, K, stride=S, padding=P, dilation=D, rng=rng()), ReLU(),
                       MaxPool2d(pool_k, stride=1))
    x = rng().random((2, C, H, H + 1), dtype=np.float32)
    try:
        expected = model.output_shape(x.shape)
    except ValueError:
        with pytest.raises(ValueError):
            model(x)
        return
    assert model(x).shape == expected


# ---------------------------------------------------------------- errors that teach
def test_conv2d_wrong_channels():
    with pytest.raises(ValueError, match=r"Conv2d: x has 1 channel.*in_channels=3(.|\n)*"
                                         r"\(2, 1, 8, 8\)(.|\n)*\(8, 3, 3, 3\)"):
        Conv2d(3, 8, 3)(np.zeros((2, 1, 8, 8), np.float32))


def test_linear_needs_flatten():
    with pytest.raises(ValueError, match=r"Linear: x must have 2 dimensions(.|\n)*Flatten"):
        Linear(784, 10)(np.zeros((2, 1, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"Linear: x has 100 features.*in_features=784"):
        Linear(784, 10)(np.zeros((2, 100), np.float32))


def test_other_bad_inputs():
    with pytest.raises(ValueError, match=r"Conv2d(.|\n)*batch axis"):
        Conv2d(1, 2, 3)(np.zeros((1, 28, 28), np.float32))
    with pytest.raises(ValueError, match=r"Conv2d.*floating-point"):
        Conv2d(1, 2, 3)(np.zeros((1, 1, 8, 8), np.int64))
    with pytest.raises(ValueError, match=r"Sequential.*ReLU\(\), not ReLU"):
        Sequential(ReLU)
    with pytest.raises(ValueError, match=r"ReLU.backward.*forward"):
        ReLU().backward(np.zeros(3))
    with pytest.raises(ValueError, match="stride must be >= 1"):
        Conv2d(1, 2, 3, stride=0)
    with pytest.raises(ValueError, match=r"summary.*\(C, H, W\)"):
        mlp().summary((28, 28))


# ---------------------------------------------------------------- order of the layers
@pytest.mark.parametrize("pool_args", [(2,), (3, 2, 1), (2, 1)])
@pytest.mark.parametrize("first", ["relu", "conv"])
def test_relu_and_maxpool_commute_to_the_bit(pool_args, first):
    """ReLU then MaxPool2d and MaxPool2d then ReLU are the same function, forward and
    backward, to the bit - including windows with no positive value and ties. That is why
    the course's model builders may list MaxPool2d before ReLU (a quarter of the ReLU work)."""
    r = rng(4)
    conv = [Conv2d(2, 3, 3, padding=1, rng=r)] if first == "conv" else []
    relu_pool = Sequential(*conv, ReLU(), MaxPool2d(*pool_args), Flatten())
    pool_relu = Sequential(*conv, MaxPool2d(*pool_args), ReLU(), Flatten())  # shares the conv
    x = r.standard_normal((3, 2, 8, 8)).astype(np.float32)
    x[0, :, :4, :4] = -1.0          # whole windows without a positive value
    x[1, :, :4, :4] = 0.5           # ties between positive values
    x[2, 0, :2, :2] = 0.0           # zeros tying with negatives
    results = []
    for model in (relu_pool, pool_relu):
        model.zero_grad()
        out = model(x)
        dout = rng(5).standard_normal(out.shape).astype(np.float32)
        results.append((out, model.backward(dout), [p.grad.copy() for p in model.parameters()]))
    (out1, dx1, g1), (out2, dx2, g2) = results
    np.testing.assert_array_equal(out1, out2)
    np.testing.assert_array_equal(dx1, dx2)
    for a, b in zip(g1, g2, strict=True):
        np.testing.assert_array_equal(a, b)


def test_sequential_runs_the_layers_in_the_listed_order():
    """model[k] holds the cache of the k-th layer run on the (k-1)-th layer's output."""
    model = Sequential(Conv2d(1, 4, 3, padding=1, rng=rng(0)), ReLU(), MaxPool2d(2), Flatten())
    x = rng(1).standard_normal((2, 1, 8, 8)).astype(np.float32)
    model(x)
    mask, _ = model[1]._cache  # relu_forward's cache: (x > 0, dtype)
    assert mask.shape == (2, 4, 8, 8), (
        "the ReLU listed after the convolution saw the convolution's (2, 4, 8, 8) output")
    calls = []

    class Spy(ReLU):
        def __init__(self, name):
            self.name = name

        def forward(self, x):
            calls.append(self.name)
            return super().forward(x)

    Sequential(Spy("a"), MaxPool2d(2), Spy("b"), MaxPool2d(2))(x)
    assert calls == ["a", "b"]
