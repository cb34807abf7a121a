"""cnnlib.module and cnnlib.sequential as a learner extends them: a layer of their own, with
Parameters under any name, nested modules, and a layer that looks at the whole batch."""

from __future__ import annotations

import numpy as np
import pytest

from cnnlib import layers
from cnnlib.gradcheck import numerical_gradient, rel_error
from cnnlib.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential
from cnnlib.losses import CrossEntropyLoss
from cnnlib.models import course_cnn, digit_cnn, mlp
from cnnlib.module import Module, Parameter
from cnnlib.optim import SGD
from cnnlib.train import fit, is_batch_independent


class Scale(Module):
    """What a learner writes after notebook 07: out = gamma * x + beta, per feature."""

    batch_independent = True
    rf_kind = "pass"

    def __init__(self, n):
        self.gamma = Parameter(np.ones(n, np.float32))
        self.beta = Parameter(np.zeros(n, np.float32))

    def forward(self, x):
        self._cache = x
        return self.gamma.data * x + self.beta.data

    def backward(self, dout):
        x = self._cache
        for p, g in ((self.gamma, (dout * x).sum(axis=0)), (self.beta, dout.sum(axis=0))):
            p.grad = g if p.grad is None else p.grad + g
        return dout * self.gamma.data


class Center(Module):
    """The first half of batch normalisation: subtract the batch mean (looks at the batch)."""

    def forward(self, x):
        return x - x.mean(axis=0)

    def backward(self, dout):
        return dout - dout.mean(axis=0)


class Block(Module):
    """A module made of modules: a list of layers and one more as an attribute."""

    batch_independent = True

    def __init__(self, rng):
        self.parts = [Linear(4, 3, rng=rng), ReLU()]
        self.head = Linear(3, 2, rng=rng)
        self.temperature = Parameter(np.ones(1, np.float32))


def data(n=64, seed=1):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 1, 4, 4)).astype(np.float32), rng.integers(0, 3, n)


def test_every_parameter_is_found_whatever_its_name():
    model = Sequential(Flatten(), Linear(16, 3), Scale(3))
    names = [p.shape for p in model.parameters()]
    assert names == [(3, 16), (3,), (3,), (3,)], "Linear weight, bias, then Scale gamma, beta"
    assert model[2].parameters() == [model[2].gamma, model[2].beta], "attribute order"


def test_nested_modules_and_lists_are_walked_in_order():
    block = Block(np.random.default_rng(0))
    params = block.parameters()
    expected = [block.temperature,  # its own first, then those of the modules inside (PyTorch)
                block.parts[0].weight, block.parts[0].bias, block.head.weight, block.head.bias]
    assert [id(p) for p in params] == [id(p) for p in expected]
    assert [type(m).__name__ for m in block.modules()] == ["Block", "Linear", "ReLU", "Linear"]
    block.eval()
    assert not any(m.training for m in block.modules()), "eval() reaches every module inside"
    block.to(np.float64)
    assert all(p.data.dtype == np.float64 for p in block.parameters())


def test_a_learners_gamma_trains_inside_sequential_and_fit():
    X, y = data()
    model = Sequential(Flatten(), Linear(16, 3, rng=np.random.default_rng(0)), Scale(3))
    before = model[2].gamma.data.copy()
    fit(model, X, y, 1, 16, SGD(model.parameters(), lr=0.5), CrossEntropyLoss(), rng=0,
        progress=False)
    assert not np.array_equal(model[2].gamma.data, before), "gamma was trained"


def test_course_layers_declare_batch_independence_and_a_learners_layer_does_not():
    for model in (mlp(), course_cnn(), digit_cnn()):
        assert is_batch_independent(model)
    assert not is_batch_independent(Sequential(Flatten(), Linear(16, 3), Center()))
    assert not is_batch_independent(object())
    for name in ("Conv2d", "MaxPool2d", "AvgPool2d", "ReLU", "Sigmoid", "Tanh", "LeakyReLU",
                 "Flatten", "Linear"):
        assert getattr(layers, name).batch_independent is True, name
    assert Module.batch_independent is False, "a new layer is not assumed independent"


def test_a_batch_dependent_layer_gets_exactly_the_full_batch_gradient():
    """fit on one batch of 64 with plain SGD equals one step computed on the whole batch by
    hand: nothing is cut into chunks (chunks would give a different gradient here)."""
    X, y = data(64)
    X64 = X.astype(np.float64)

    def model():
        return Sequential(Flatten(), Linear(16, 3, rng=np.random.default_rng(0),
                                            dtype=np.float64), Center())

    by_fit, by_hand = model(), model()
    fit(by_fit, X64, y, 1, 64, SGD(by_fit.parameters(), lr=0.1), CrossEntropyLoss(), rng=0,
        progress=False)
    loss_fn = CrossEntropyLoss()
    order = np.random.default_rng(0).permutation(64)  # fit's shuffle with rng=0
    logits = by_hand(X64[order])
    loss_fn(logits, y[order])
    by_hand.backward(loss_fn.backward())
    for p in by_hand.parameters():
        p.data -= 0.1 * p.grad
    for p, q in zip(by_fit.parameters(), by_hand.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.data, rtol=1e-12, atol=1e-15)
    # the control: chunks of 32 would have given another step
    chunked = model()
    from cnnlib.train import accumulate_gradients

    accumulate_gradients(chunked, CrossEntropyLoss(), X64[order], y[order])
    assert rel_error(chunked[1].weight.grad, by_hand[1].weight.grad) > 1e-4


def test_learner_layer_gradient_check_float64():
    x = np.random.default_rng(2).standard_normal((5, 3))
    layer = Scale(3).to(np.float64)
    layer.gamma.data = np.array([0.5, -2.0, 1.5])
    dout = np.random.default_rng(3).standard_normal((5, 3))
    layer.forward(x)
    dx = layer.backward(dout)
    num = numerical_gradient(lambda v: np.sum(layer.forward(v) * dout), x.copy())
    assert rel_error(dx, num) < 1e-7


def test_sequential_asks_for_a_module():
    class NotAModule:
        def forward(self, x):
            return x

        def backward(self, dout):
            return dout

    with pytest.raises(ValueError, match=r"Sequential: argument 1 \(a NotAModule\) has forward "
                                         r"and backward but is not a Module"):
        Sequential(ReLU(), NotAModule())


def test_summary_shows_receptive_fields_only_for_a_model_with_windows():
    text = str(mlp().summary((1, 28, 28)))
    assert "RF size" not in text and "Total parameters: 101,770" in text
    cnn = str(Sequential(Conv2d(1, 2, 3), MaxPool2d(2), Flatten()).summary((1, 8, 8)))
    assert "RF size" in cnn and "RF jump" in cnn
    learner = Sequential(Conv2d(1, 2, 3), Center(), Flatten()).summary((1, 8, 8))
    assert not learner.has_rf, "an undeclared layer: no receptive-field columns, no error"
