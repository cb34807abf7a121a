"""PyTorch as the gold model: cnnlib's operations, layers, networks and optimisers against torch.

Float64, forward and backward, on seeded random configurations (numpy-ml's method): odd and
non-square sizes, strides that do not divide, padding, dilation, overlapping pools, ties,
batches of 1. Every comparison is the largest difference relative to the largest magnitude,
``max|cnnlib - torch| / max(|cnnlib|, |torch|)``, within RTOL = 1e-10; a failure shows the
configuration, the worst entry and both arrays.

Without torch the module is skipped with one line saying how to add it; CNN_REQUIRE_TORCH=1
(CI: .ci/run) turns that skip into a failure. As a script, ``python tests/test_vs_torch.py``
runs the tests and prints the largest relative difference seen per operation.
"""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

from cnnlib import activations, conv, linear, losses, pool
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
)
from cnnlib.models import course_cnn, digit_cnn, mlp
from cnnlib.optim import SGD, Adam, cosine_lr
from cnnlib.torch_bridge import grads_from_torch, to_torch

SKIP_REASON = "torch not installed: `make torch` adds the CPU build"


def _torch_or_skip():
    try:
        import torch

        return torch
    except ImportError:
        pass
    if os.environ.get("CNN_REQUIRE_TORCH") == "1":  # a collection error: the run stops here
        pytest.fail(f"CNN_REQUIRE_TORCH=1: the PyTorch gold-model tests must run here; "
                    f"{SKIP_REASON}.", pytrace=False)
    pytest.skip(SKIP_REASON, allow_module_level=True)


torch = _torch_or_skip()
F = torch.nn.functional
torch.set_num_threads(1)  # tiny arrays; pytest already runs one process per core

RTOL = 1e-10
AGREEMENT: dict[str, float] = {}  # operation -> largest relative difference seen


# ---------------------------------------------------------------- comparing
def _numpy(a):
    if torch.is_tensor(a):
        return a.detach().numpy()
    return np.asarray(a)


def rel_diff(ours, gold):
    """max|ours - gold| / max(|ours|, |gold|): 0 for equal arrays, at most 2."""
    ours, gold = np.asarray(ours, np.float64), np.asarray(gold, np.float64)
    if ours.size == 0:
        return 0.0
    scale = max(np.abs(ours).max(), np.abs(gold).max(), np.finfo(np.float64).tiny)
    return float(np.abs(ours - gold).max() / scale)


def check(op, what, ours, gold, case, rtol=RTOL):
    """Assert that cnnlib's ``ours`` matches torch's ``gold``; remember the difference."""
    gold = _numpy(gold)
    assert ours is not None, f"{op}: cnnlib returned no {what}\n  case: {case}"
    ours = np.asarray(ours)
    assert ours.shape == gold.shape, (f"{op}: {what} has shape {ours.shape} in cnnlib, "
                                      f"{gold.shape} in torch\n  case: {case}")
    assert ours.dtype == gold.dtype, (f"{op}: {what} is {ours.dtype} in cnnlib, {gold.dtype} in "
                                      f"torch\n  case: {case}")
    d = rel_diff(ours, gold)
    AGREEMENT[op] = max(AGREEMENT.get(op, 0.0), d)
    if not d <= rtol:  # also catches NaN
        k = np.unravel_index(np.argmax(np.abs(ours - gold)), gold.shape) if gold.ndim else ()
        show = dict(precision=8, threshold=120, edgeitems=3)
        pytest.fail(f"{op}: {what} differs from PyTorch by {d:.3e} relative (allowed {rtol:g})\n"
                    f"  case: {case}\n"
                    f"  worst entry {tuple(map(int, k))}: cnnlib {ours[k]!r}, torch {gold[k]!r}\n"
                    f"cnnlib {what}:\n{np.array2string(ours, **show)}\n"
                    f"torch {what}:\n{np.array2string(gold, **show)}")


def check_grads(op, ours, gold, case):
    """cnnlib's (dx, dw, db) against torch's gradients; db must be None without a bias."""
    dx, dw, db = ours
    if len(gold) == 2:
        assert db is None, f"{op}: db must be None without a bias, got {db!r}\n  case: {case}"
    for what, a, g in zip(("dx", "dw", "db")[:len(gold)], (dx, dw, db), gold, strict=False):
        check(op, what, a, g, case)


def leaf(a):
    return torch.tensor(a, requires_grad=True)


def torch_grads(out, inputs, dout):
    """d(sum(out * dout)) / d(each input): the backward pass torch computes for dout."""
    inputs = [t for t in inputs if t is not None]
    return torch.autograd.grad(out, inputs, grad_outputs=torch.from_numpy(dout),
                               retain_graph=True)


def out_size(H, K, S, P, D=1):
    """PyTorch's floor formula, written out independently of cnnlib.shapes."""
    return (H + 2 * P - D * (K - 1) - 1) // S + 1


def ints(rng, low, high, n=2):
    """n Python ints in [low, high] (cnnlib and torch both get plain ints)."""
    return tuple(int(v) for v in rng.integers(low, high + 1, n))


def case_id(case):
    return "-".join(f"{k}{v}" if not isinstance(v, tuple) else f"{k}{'x'.join(map(str, v))}"
                    for k, v in case.items() if k != "seed")


# ---------------------------------------------------------------- random configurations
def conv_cases(n, seed):
    """conv2d: N, C, F, (H, W), kernel K, stride S, padding P, dilation D, bias."""
    rng, cases = np.random.default_rng(seed), []
    while len(cases) < n:
        case = dict(N=int(rng.choice([1, 1, 2, 3])), C=int(rng.integers(1, 4)),
                    F=int(rng.integers(1, 4)), HW=ints(rng, 1, 11), K=ints(rng, 1, 4),
                    S=ints(rng, 1, 3), P=ints(rng, 0, 2), D=ints(rng, 1, 2),
                    bias=bool(rng.integers(2)), seed=len(cases) + 1000 * seed)
        if all(out_size(case["HW"][a], case["K"][a], case["S"][a], case["P"][a], case["D"][a])
               >= 1 for a in (0, 1)):
            cases.append(case)
    return cases


def conv_transpose_cases(n, seed):
    """conv_transpose2d: as conv2d plus output_padding OP < max(S, D)."""
    rng, cases = np.random.default_rng(seed), []
    while len(cases) < n:
        S, D = ints(rng, 1, 3), ints(rng, 1, 2)
        OP = tuple(int(rng.integers(0, max(S[a], D[a]))) for a in (0, 1))
        case = dict(N=int(rng.choice([1, 1, 2, 3])), Cin=int(rng.integers(1, 4)),
                    Cout=int(rng.integers(1, 4)), HW=ints(rng, 1, 7), K=ints(rng, 1, 4), S=S,
                    P=ints(rng, 0, 2), D=D, OP=OP, bias=bool(rng.integers(2)),
                    seed=len(cases) + 1000 * seed)
        H_out = [(case["HW"][a] - 1) * S[a] - 2 * case["P"][a] + D[a] * (case["K"][a] - 1) + 1
                 + OP[a] for a in (0, 1)]
        if min(H_out) >= 1:
            cases.append(case)
    return cases


def pool_cases(n, seed):
    """Pooling: K, S (often < K: overlapping windows), P <= K // 2, ties (small integers)."""
    rng, cases = np.random.default_rng(seed), []
    while len(cases) < n:
        K = ints(rng, 1, 4)
        if len(cases) % 6 == 5:  # the 2x2 / stride 2 case has its own fast route in cnnlib
            K, S, P = (2, 2), (2, 2), (0, 0)
        else:
            S, P = ints(rng, 1, 4), tuple(int(rng.integers(0, k // 2 + 1)) for k in K)
        case = dict(N=int(rng.choice([1, 1, 2])), C=int(rng.integers(1, 4)),
                    HW=tuple(int(rng.integers(max(1, K[a] - 2 * P[a]), 10)) for a in (0, 1)),
                    K=K, S=S, P=P, ties=bool(rng.integers(2)), seed=len(cases) + 1000 * seed)
        cases.append(case)
    return cases


CONV = conv_cases(60, 1)
CONV_T = conv_transpose_cases(40, 2)
MAX_POOL = pool_cases(30, 3)
AVG_POOL = pool_cases(24, 4)


def test_the_random_cases_cover_what_they_promise():
    """Batch of 1, non-square kernels and inputs, strides that do not divide, padding,
    dilation, no bias, overlapping pools, the 2x2 route, ties, output_padding."""
    def has(cases, pred):
        return any(pred(c) for c in cases)

    for cases in (CONV, CONV_T):
        assert has(cases, lambda c: c["N"] == 1) and has(cases, lambda c: not c["bias"])
        assert has(cases, lambda c: c["K"][0] != c["K"][1])
        assert has(cases, lambda c: c["HW"][0] != c["HW"][1] and c["HW"][0] % 2 == 1)
        assert has(cases, lambda c: min(c["P"]) > 0) and has(cases, lambda c: min(c["D"]) > 1)
    assert has(CONV, lambda c: any(
        (c["HW"][a] + 2 * c["P"][a] - c["D"][a] * (c["K"][a] - 1) - 1) % c["S"][a]
        for a in (0, 1)))
    assert has(CONV_T, lambda c: min(c["OP"]) > 0)
    for cases in (MAX_POOL, AVG_POOL):
        assert has(cases, lambda c: c["S"][0] < c["K"][0] and c["S"][1] < c["K"][1])
        assert has(cases, lambda c: min(c["P"]) > 0) and has(cases, lambda c: c["ties"])
        assert has(cases, lambda c: c["K"] == c["S"] == (2, 2) and c["HW"][0] % 2 == 1)


# ---------------------------------------------------------------- convolution
@pytest.mark.parametrize("case", CONV, ids=case_id)
def test_conv2d(case):
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["N"], case["C"], *case["HW"]))
    w = rng.standard_normal((case["F"], case["C"], *case["K"]))
    b = rng.standard_normal(case["F"]) if case["bias"] else None
    geometry = dict(stride=case["S"], padding=case["P"], dilation=case["D"])
    tx, tw, tb = leaf(x), leaf(w), None if b is None else leaf(b)
    gold = F.conv2d(tx, tw, tb, **geometry)
    dout = rng.standard_normal(tuple(gold.shape))
    gold_grads = torch_grads(gold, [tx, tw, tb], dout)
    for op, forward, backward in (("conv2d", conv.conv2d_forward, conv.conv2d_backward),
                                  ("conv2d_naive", conv.conv2d_forward_naive,
                                   conv.conv2d_backward_naive)):
        out, cache = forward(x, w, b, **geometry)
        check(op, "out", out, gold, case)
        check_grads(op, backward(dout, cache), gold_grads, case)


@pytest.mark.parametrize("case", CONV_T, ids=case_id)
def test_conv_transpose2d(case):
    """torch's weight layout is (C_in, C_out, KH, KW), as cnnlib's."""
    rng = np.random.default_rng(case["seed"])
    x = rng.standard_normal((case["N"], case["Cin"], *case["HW"]))
    w = rng.standard_normal((case["Cin"], case["Cout"], *case["K"]))
    b = rng.standard_normal(case["Cout"]) if case["bias"] else None
    geometry = dict(stride=case["S"], padding=case["P"], dilation=case["D"],
                    output_padding=case["OP"])
    tx, tw, tb = leaf(x), leaf(w), None if b is None else leaf(b)
    gold = F.conv_transpose2d(tx, tw, tb, **geometry)
    dout = rng.standard_normal(tuple(gold.shape))
    gold_grads = torch_grads(gold, [tx, tw, tb], dout)
    for op, forward, backward in (
            ("conv_transpose2d", conv.conv_transpose2d_forward, conv.conv_transpose2d_backward),
            ("conv_transpose2d_naive", conv.conv_transpose2d_forward_naive,
             conv.conv_transpose2d_backward_naive)):
        out, cache = forward(x, w, b, **geometry)
        check(op, "out", out, gold, case)
        check_grads(op, backward(dout, cache), gold_grads, case)


# ---------------------------------------------------------------- pooling
def _pool_input(case, rng):
    shape = (case["N"], case["C"], *case["HW"])
    if case["ties"]:  # small integers: many windows hold their maximum twice
        return rng.integers(-2, 3, shape).astype(np.float64)
    return rng.standard_normal(shape) - 1.0  # mostly negative: padding must never win


@pytest.mark.parametrize("case", MAX_POOL, ids=case_id)
def test_max_pool2d(case):
    """torch pads with -inf (padding never wins); on ties both send the gradient to the
    first maximum of the window in row-major order."""
    rng = np.random.default_rng(case["seed"])
    x = _pool_input(case, rng)
    geometry = dict(kernel_size=case["K"], stride=case["S"], padding=case["P"])
    tx = leaf(x)
    gold = F.max_pool2d(tx, **geometry)
    dout = rng.standard_normal(tuple(gold.shape))
    (gold_dx,) = torch_grads(gold, [tx], dout)
    for op, forward, backward in (
            ("max_pool2d", pool.max_pool2d_forward, pool.max_pool2d_backward),
            ("max_pool2d_naive", pool.max_pool2d_forward_naive, pool.max_pool2d_backward_naive)):
        out, cache = forward(x, **geometry)
        check(op, "out", out, gold, case)
        check(op, "dx", backward(dout, cache), gold_dx, case)


@pytest.mark.parametrize("case", AVG_POOL, ids=case_id)
def test_avg_pool2d(case):
    """cnnlib documents PyTorch's default: padded zeros count (count_include_pad=True)."""
    rng = np.random.default_rng(case["seed"])
    x = _pool_input(case, rng)
    geometry = dict(kernel_size=case["K"], stride=case["S"], padding=case["P"])
    tx = leaf(x)
    gold = F.avg_pool2d(tx, **geometry, count_include_pad=True)
    dout = rng.standard_normal(tuple(gold.shape))
    (gold_dx,) = torch_grads(gold, [tx], dout)
    for op, forward, backward in (
            ("avg_pool2d", pool.avg_pool2d_forward, pool.avg_pool2d_backward),
            ("avg_pool2d_naive", pool.avg_pool2d_forward_naive, pool.avg_pool2d_backward_naive)):
        out, cache = forward(x, **geometry)
        check(op, "out", out, gold, case)
        check(op, "dx", backward(dout, cache), gold_dx, case)


@pytest.mark.parametrize("seed", range(4))
def test_global_avg_pool2d(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((int(rng.integers(1, 4)), 3, *ints(rng, 1, 7)))
    tx = leaf(x)
    gold = F.adaptive_avg_pool2d(tx, 1).flatten(1)
    dout = rng.standard_normal(tuple(gold.shape))
    out, cache = pool.global_avg_pool2d_forward(x)
    case = dict(shape=x.shape, seed=seed)
    check("global_avg_pool2d", "out", out, gold, case)
    check("global_avg_pool2d", "dx", pool.global_avg_pool2d_backward(dout, cache),
          torch_grads(gold, [tx], dout)[0], case)


# ---------------------------------------------------------------- linear, flatten
@pytest.mark.parametrize("seed", range(15))
def test_linear(seed):
    rng = np.random.default_rng(seed)
    N, n_in, n_out = int(rng.choice([1, 2, 5])), int(rng.integers(1, 21)), int(rng.integers(1, 11))
    bias = seed % 3 != 0
    case = dict(N=N, in_features=n_in, out_features=n_out, bias=bias, seed=seed)
    x, w = rng.standard_normal((N, n_in)), rng.standard_normal((n_out, n_in))
    b = rng.standard_normal(n_out) if bias else None
    tx, tw, tb = leaf(x), leaf(w), None if b is None else leaf(b)
    gold = F.linear(tx, tw, tb)
    dout = rng.standard_normal(tuple(gold.shape))
    gold_grads = torch_grads(gold, [tx, tw, tb], dout)
    for op, forward, backward in (
            ("linear", linear.linear_forward, linear.linear_backward),
            ("linear_naive", linear.linear_forward_naive, linear.linear_backward_naive)):
        out, cache = forward(x, w, b)
        check(op, "out", out, gold, case)
        check_grads(op, backward(dout, cache), gold_grads, case)


@pytest.mark.parametrize("shape", [(1, 1, 1, 1), (2, 3, 5, 4), (1, 8, 7, 7), (3, 5), (2, 3, 4),
                                   (4, 2, 3, 1, 2)])
def test_flatten(shape):
    """cnnlib's Flatten is torch.flatten(x, 1) (nn.Flatten's start_dim=1)."""
    rng = np.random.default_rng(len(shape))
    x = rng.standard_normal(shape)
    tx = leaf(x)
    gold = torch.flatten(tx, 1)
    out, cache = linear.flatten_forward(x)
    check("flatten", "out", out, gold, dict(shape=shape))
    check("flatten", "out", out, torch.nn.Flatten()(tx), dict(shape=shape))
    dout = rng.standard_normal(tuple(gold.shape))
    check("flatten", "dx", linear.flatten_backward(dout, cache), torch_grads(gold, [tx], dout)[0],
          dict(shape=shape))


# ---------------------------------------------------------------- activations
ACTIVATIONS = {
    "relu": (activations.relu_forward, activations.relu_backward, activations.relu,
             activations.relu_derivative, F.relu),
    "sigmoid": (activations.sigmoid_forward, activations.sigmoid_backward, activations.sigmoid,
                activations.sigmoid_derivative, torch.sigmoid),
    "tanh": (activations.tanh_forward, activations.tanh_backward, activations.tanh,
             activations.tanh_derivative, torch.tanh),
}


def _activation_input(rng, seed):
    shape = [(7,), (3, 4), (2, 3, 5), (2, 3, 4, 5), (1, 1, 1, 1), (5, 1)][seed]
    x = rng.standard_normal(shape) * [1, 3, 10, 30, 100, 800][seed]
    x.flat[:: 3] = 0.0  # exact zeros: where the slope's convention shows (torch: 0 for ReLU)
    return x


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("name", [*ACTIVATIONS, "leaky_relu"])
def test_activation(name, seed):
    """Values, backward and the derivative helpers; large inputs and exact zeros included."""
    rng = np.random.default_rng(seed)
    x = _activation_input(rng, seed)
    if name == "leaky_relu":
        slope = [0.01, 0.2, 0.0, 0.5, 1e-3, 0.1][seed]
        forward = lambda a: activations.leaky_relu_forward(a, slope)
        backward, values = activations.leaky_relu_backward, lambda a: activations.leaky_relu(
            a, slope)
        derivative = lambda a: activations.leaky_relu_derivative(a, slope)
        gold_fn = lambda t: F.leaky_relu(t, slope)
    else:
        forward, backward, values, derivative, gold_fn = ACTIVATIONS[name]
    case = dict(shape=x.shape, max_abs=float(np.abs(x).max()), seed=seed)
    tx = leaf(x)
    gold = gold_fn(tx)
    dout = rng.standard_normal(x.shape)
    out, cache = forward(x)
    check(name, "out", out, gold, case)
    check(name, "out", values(x), gold, case)
    check(name, "dx", backward(dout, cache), torch_grads(gold, [tx], dout)[0], case)
    check(f"{name}_derivative", "slope", derivative(x),
          torch_grads(gold, [tx], np.ones(x.shape))[0], case)


# ---------------------------------------------------------------- softmax, cross-entropy
@pytest.mark.parametrize("seed", range(16))
def test_softmax_cross_entropy(seed):
    """Mean reduction, integer labels; logits up to +-1000 (log-sum-exp on both sides)."""
    rng = np.random.default_rng(seed)
    N, classes = int(rng.choice([1, 2, 7, 32])), int(rng.integers(2, 13))
    scale = [1.0, 10.0, 1000.0, 0.01][seed % 4]
    logits = rng.standard_normal((N, classes)) * scale
    y = rng.integers(0, classes, N)
    case = dict(N=N, classes=classes, scale=scale, seed=seed)
    t = leaf(logits)
    check("softmax", "probabilities", losses.softmax(logits), F.softmax(t, dim=-1), case)
    check("log_softmax", "log-probabilities", losses.log_softmax(logits),
          F.log_softmax(t, dim=-1), case)
    gold = F.cross_entropy(t, torch.from_numpy(y), reduction="mean")
    (gold_grad,) = torch.autograd.grad(gold, [t])
    loss_fn = losses.CrossEntropyLoss()
    for op, (loss, dlogits) in (
            ("cross_entropy", losses.cross_entropy(logits, y)),
            ("cross_entropy_naive", losses.cross_entropy_naive(logits, y)),
            ("CrossEntropyLoss", (loss_fn(logits, y), loss_fn.backward()))):
        check(op, "loss", np.float64(loss), gold, case)
        check(op, "dlogits", dlogits, gold_grad, case)


# ---------------------------------------------------------------- layer classes vs torch.nn
def layer_cases():
    """(layer factory, input shape) pairs; the layers are float64 with random weights."""
    rng = np.random.default_rng(7)
    cases = []
    for k, c in enumerate(CONV[:12]):
        bias = c["bias"] or k % 4 == 0
        cases.append((f"Conv2d-{case_id(c)}", lambda c=c, bias=bias, k=k: Conv2d(
            c["C"], c["F"], c["K"], stride=c["S"], padding=c["P"], dilation=c["D"], bias=bias,
            rng=np.random.default_rng(k), dtype=np.float64), (c["N"], c["C"], *c["HW"])))
    for c in MAX_POOL[:6]:
        cases.append((f"MaxPool2d-{case_id(c)}", lambda c=c: MaxPool2d(c["K"], c["S"], c["P"]),
                      (c["N"], c["C"], *c["HW"])))
    for c in AVG_POOL[:6]:
        cases.append((f"AvgPool2d-{case_id(c)}", lambda c=c: AvgPool2d(c["K"], c["S"], c["P"]),
                      (c["N"], c["C"], *c["HW"])))
    cases.append(("MaxPool2d-default-stride", lambda: MaxPool2d(3), (2, 2, 7, 8)))
    for k in range(5):
        n_in, n_out = ints(rng, 1, 20)
        cases.append((f"Linear-{n_in}-{n_out}", lambda n_in=n_in, n_out=n_out, k=k: Linear(
            n_in, n_out, bias=k != 2, rng=np.random.default_rng(k), dtype=np.float64),
            (1 + k % 3, n_in)))
    cases += [("Flatten", Flatten, (2, 3, 4, 5)), ("ReLU", ReLU, (2, 3, 4, 5)),
              ("Sigmoid", Sigmoid, (3, 7)), ("Tanh", Tanh, (1, 2, 3, 3)),
              ("LeakyReLU", lambda: LeakyReLU(0.1), (4, 6)),
              ("LeakyReLU-default", LeakyReLU, (2, 1, 3, 3))]
    return cases


LAYERS = layer_cases()


@pytest.mark.parametrize("name, make, shape", LAYERS, ids=[c[0] for c in LAYERS])
def test_layer_class(name, make, shape):
    """Layer for layer: out and dx of two batches, and the weight gradients, which add up
    over both backward passes in cnnlib as in torch (until zero_grad)."""
    layer = make()
    twin = to_torch(layer)
    assert type(twin).__name__ == type(layer).__name__, f"{layer!r} became {twin!r}"
    rng = np.random.default_rng(len(name))
    for batch in range(2):
        x = rng.standard_normal(shape)
        tx = leaf(x)
        gold = twin(tx)
        out = layer(x)
        check(type(layer).__name__, "out", out, gold, dict(layer=repr(layer), batch=batch))
        dout = rng.standard_normal(out.shape)
        gold.backward(torch.from_numpy(dout))
        check(type(layer).__name__, "dx", layer.backward(dout), tx.grad,
              dict(layer=repr(layer), batch=batch))
    for k, (p, g) in enumerate(zip(layer.parameters(), grads_from_torch(twin), strict=True)):
        check(type(layer).__name__, f"parameters()[{k}].grad after 2 batches", p.grad, g,
              dict(layer=repr(layer)))


# ---------------------------------------------------------------- the course's networks
MODELS = {"mlp": mlp, "course_cnn": course_cnn, "digit_cnn": digit_cnn}


@pytest.mark.parametrize("N", [1, 5])
@pytest.mark.parametrize("name", MODELS)
def test_course_network(name, N):
    """Logits, loss, dx and every parameter's gradient of a whole network and its twin."""
    rng = np.random.default_rng(N)
    model = MODELS[name](rng=rng, dtype=np.float64)
    net = to_torch(model)
    x = rng.random((N, 1, 28, 28))
    y = rng.integers(0, 10, N)
    case = dict(model=name, N=N)
    logits = model(x)
    loss, dlogits = losses.cross_entropy(logits, y)
    dx = model.backward(dlogits)
    tx = leaf(x)
    gold = net(tx)
    gold_loss = F.cross_entropy(gold, torch.from_numpy(y))
    gold_loss.backward()
    check(name, "logits", logits, gold, case)
    check(name, "loss", np.float64(loss), gold_loss, case)
    check(name, "dx", dx, tx.grad, case)
    params, grads = model.parameters(), grads_from_torch(net)
    assert len(params) == len(grads) == len(list(net.parameters()))
    for k, (p, g) in enumerate(zip(params, grads, strict=True)):
        check(name, f"parameters()[{k}].grad {p.shape}", p.grad, g, case)


@pytest.mark.parametrize("name", MODELS)
def test_course_network_float32(name):
    """The float32 models as trained: logits within 1e-5 relative of torch's float32."""
    rng = np.random.default_rng(3)
    model = MODELS[name](rng=rng)
    x = rng.random((8, 1, 28, 28), dtype=np.float32)
    check(f"{name} float32", "logits", model(x), to_torch(model)(torch.from_numpy(x)),
          dict(model=name, dtype="float32"), rtol=1e-5)


# ---------------------------------------------------------------- optimisers and schedule
SHAPES = [(4, 3), (5,), (2, 3, 2, 2)]
SGD_CASES = [dict(lr=lr, momentum=m, weight_decay=wd) for lr in (0.1, 0.01)
             for m in (0.0, 0.9) for wd in (0.0, 5e-4, 0.1)]
ADAM_CASES = [dict(lr=1e-3), dict(lr=0.05, betas=(0.8, 0.99)), dict(lr=1e-2, eps=1e-3),
              dict(lr=1e-3, weight_decay=1e-2), dict(lr=0.1, betas=(0.0, 0.9)),
              dict(lr=3e-4, betas=(0.95, 0.9999), eps=1e-6, weight_decay=0.1)]


def _optimiser_run(case, ours_cls, torch_cls, steps=6):
    """Both optimisers on the same parameters and gradients; lr halves after 3 steps (as a
    schedule would set it). Compares the parameters after every step."""
    rng = np.random.default_rng(len(str(case)))
    params = [Parameter(rng.standard_normal(s)) for s in SHAPES]
    twins = [torch.tensor(p.data.copy(), requires_grad=True) for p in params]
    ours, theirs = ours_cls(params, **case), torch_cls(twins, **case)
    op = ours_cls.__name__
    for step in range(steps):
        if step == 3:
            ours.lr = case["lr"] / 2
            for group in theirs.param_groups:
                group["lr"] = case["lr"] / 2
        for p, t in zip(params, twins, strict=True):
            g = rng.standard_normal(p.shape) * (1 + step)
            p.grad, t.grad = g, torch.from_numpy(g.copy())
        ours.step()
        theirs.step()
        for k, (p, t) in enumerate(zip(params, twins, strict=True)):
            check(op, f"params[{k}] after step {step + 1}", p.data, t, case)
        ours.zero_grad()
        theirs.zero_grad()


@pytest.mark.parametrize("case", SGD_CASES, ids=str)
def test_sgd(case):
    _optimiser_run(case, SGD, torch.optim.SGD)


@pytest.mark.parametrize("case", ADAM_CASES, ids=str)
def test_adam(case):
    _optimiser_run(case, Adam, torch.optim.Adam)


@pytest.mark.parametrize("opt_name", ["SGD", "Adam"])
def test_training_steps_of_a_network(opt_name):
    """Three training steps of course_cnn and its twin end with the same weights."""
    rng = np.random.default_rng(11)
    model = course_cnn(rng=rng, dtype=np.float64)
    net = to_torch(model)
    settings = (dict(lr=0.05, momentum=0.9, weight_decay=5e-4) if opt_name == "SGD"
                else dict(lr=1e-3, weight_decay=1e-4))
    ours = (SGD if opt_name == "SGD" else Adam)(model.parameters(), **settings)
    theirs = getattr(torch.optim, opt_name)(net.parameters(), **settings)
    for step in range(3):
        x, y = rng.random((4, 1, 28, 28)), rng.integers(0, 10, 4)
        ours.zero_grad()
        model.backward(losses.cross_entropy(model(x), y)[1])
        ours.step()
        theirs.zero_grad()
        F.cross_entropy(net(torch.from_numpy(x)), torch.from_numpy(y)).backward()
        theirs.step()
        for k, (p, t) in enumerate(zip(model.parameters(), net.parameters(), strict=True)):
            check(f"training step ({opt_name})", f"parameters()[{k}] after step {step + 1}",
                  p.data, t, dict(settings, model="course_cnn"))


COSINE_CASES = [dict(lr=0.05, epochs=15, batches=4, warmup=0, final_lr=0.0),
                dict(lr=0.1, epochs=3, batches=10, warmup=0, final_lr=1e-3),
                dict(lr=1.0, epochs=7, batches=1, warmup=0, final_lr=0.0),
                dict(lr=0.05, epochs=15, batches=4, warmup=1, final_lr=0.0),
                dict(lr=0.2, epochs=6, batches=5, warmup=2, final_lr=0.01),
                dict(lr=0.01, epochs=4, batches=8, warmup=0.5, final_lr=0.0)]


@pytest.mark.parametrize("case", COSINE_CASES, ids=str)
def test_cosine_schedule(case):
    """cosine_lr at t = step / batches against torch's per-step schedulers: after the
    warm-up, CosineAnnealingLR (to 1e-10); during it, LinearLR from lr * 1e-3 to lr."""
    lr, epochs, B, W, final = (case[k] for k in ("lr", "epochs", "batches", "warmup",
                                                 "final_lr"))
    schedule = cosine_lr(lr, epochs, warmup=W, final_lr=final)
    total, warm = epochs * B, round(W * B)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=lr)
    sched = torch.optim.lr_scheduler
    cosine = sched.CosineAnnealingLR(opt, T_max=total - warm, eta_min=final)
    if warm:
        start = 1e-3
        ramp = sched.LinearLR(opt, start_factor=start, end_factor=1.0, total_iters=warm)
        scheduler = sched.SequentialLR(opt, [ramp, cosine], milestones=[warm])
    else:
        scheduler = cosine
    ours, theirs = [], []
    for k in range(total + 1):
        ours.append(schedule(k / B))
        theirs.append(opt.param_groups[0]["lr"])
        opt.step()
        scheduler.step()
    ours, theirs = np.array(ours), np.array(theirs)
    check("cosine_lr", "lr", ours, theirs, case)


# ---------------------------------------------------------------- the bridge itself
def test_to_torch_builds_the_twin_layer_for_layer():
    model = Sequential(Conv2d(1, 4, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2)),
                       MaxPool2d(2), ReLU(), AvgPool2d(3, 1, 1), Sigmoid(), Tanh(),
                       LeakyReLU(0.3), Flatten(), Linear(4 * 3 * 3, 5, bias=False))
    net = to_torch(model)
    nn = torch.nn
    assert [type(m) for m in net] == [nn.Conv2d, nn.MaxPool2d, nn.ReLU, nn.AvgPool2d,
                                      nn.Sigmoid, nn.Tanh, nn.LeakyReLU, nn.Flatten, nn.Linear]
    conv_layer, avg = net[0], net[3]
    assert (conv_layer.stride, conv_layer.padding, conv_layer.dilation) == ((2, 1), (1, 1),
                                                                            (1, 2))
    assert avg.count_include_pad and net[6].negative_slope == 0.3 and net[8].bias is None
    assert net[0].weight.dtype == torch.float32  # the model's dtype by default
    for p, t in zip(model.parameters(), net.parameters(), strict=True):
        assert np.array_equal(p.data, t.detach().numpy())
    x = np.random.default_rng(0).random((2, 1, 14, 6), dtype=np.float32)
    check("to_torch float32", "out", model(x), net(torch.from_numpy(x)),
          dict(model="to_torch test"), rtol=1e-5)


def test_to_torch_dtype_and_nesting():
    inner = Sequential(Conv2d(2, 3, 3), ReLU())
    model = Sequential(inner, Flatten(), Linear(3, 2))
    for dtype in (np.float64, torch.float64):
        net = to_torch(model, dtype=dtype)
        assert isinstance(net[0], torch.nn.Sequential)
        assert {p.dtype for p in net.parameters()} == {torch.float64}
    assert grads_from_torch(net) == [None] * 4  # no backward yet
    with pytest.raises(ValueError, match="to_torch: dtype must be a float type"):
        to_torch(model, dtype=np.int32)


def test_to_torch_names_a_layer_it_does_not_know():
    class Scale(ReLU):  # a learner's layer: a subclass may compute something else
        pass

    with pytest.raises(ValueError, match=r"no PyTorch twin for model\[1\]: Scale\(\)") as err:
        to_torch(Sequential(Linear(3, 3), Scale()))
    assert "to_torch knows Sequential, Conv2d" in str(err.value)
    assert "notebook 08" in str(err.value)


if __name__ == "__main__":  # the agreement figures: largest relative difference per operation
    code = pytest.main([__file__, "-q", "-p", "no:cacheprovider"])
    figures = sys.modules[os.path.splitext(os.path.basename(__file__))[0]].AGREEMENT
    print(f"\n{'operation':28s} largest relative difference to PyTorch (float64 unless noted)")
    for op, d in sorted(figures.items()):
        print(f"{op:28s} {d:.2e}")
    sys.exit(code)
