"""The exercises of notebook 08 (cnnlib/exercises/nb08_pytorch.py): wrong answers written as a
learner would write them are rejected with the hint of their mistake; the checkers never
run the checked layers in flat_features; without PyTorch a checker says so in one sentence.

The solutions and stubs themselves are checked with every other notebook's in
tests/test_exercises.py. Skipped without torch unless CNN_REQUIRE_TORCH=1 (CI).
"""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
from exercise_helpers import check

SKIP_REASON = "torch not installed: `make torch` adds the CPU build"


def test_without_torch_a_checker_says_so_in_one_sentence(tmp_path):
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('torch hidden by the test')\n")
    code = ("import cnnlib.exercises as ex\n"
            "r = ex.check_flat_features(lambda net, shape: 0)\nprint(r.status)")
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    first, status = out.stdout.strip().splitlines()
    assert "needs PyTorch" in first and "make torch" in first
    assert "pip install torch --index-url https://download.pytorch.org/whl/cpu" in first
    assert status == "not attempted"


try:
    import torch
    from torch import nn
except ImportError:
    if os.environ.get("CNN_REQUIRE_TORCH") == "1":
        pytest.fail(f"CNN_REQUIRE_TORCH=1: notebook 08's checkers must be tested here; "
                    f"{SKIP_REASON}.", pytrace=False)
    torch = nn = None

needs_torch = pytest.mark.skipif(torch is None, reason=SKIP_REASON)


def assert_hint(result, *words):
    assert not result.passed, "a wrong answer must fail"
    assert result.hint and all(w in result.hint for w in words), result.message


# ----------------------------------------------------------------- flat_features
def _pair(v):
    return v if isinstance(v, tuple) else (v, v)


def flat_true_division(net, input_shape):
    C, H, W = input_shape
    for layer in net:
        if isinstance(layer, nn.Conv2d):
            (K, _), (S, _), (P, _), (D, _) = (_pair(getattr(layer, k)) for k in
                                              ("kernel_size", "stride", "padding", "dilation"))
            H = (H + 2 * P - D * (K - 1) - 1) / S + 1
            W = (W + 2 * P - D * (K - 1) - 1) / S + 1
            C = layer.out_channels
        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):
            K, S, P = layer.kernel_size, layer.stride, layer.padding
            H, W = (H + 2 * P - K) / S + 1, (W + 2 * P - K) / S + 1
    return C * H * W


def flat_no_channels(net, input_shape):
    _, H, W = input_shape
    for layer in net:
        if isinstance(layer, nn.Conv2d):
            K, S, P, D = (_pair(getattr(layer, k))[0] for k in
                          ("kernel_size", "stride", "padding", "dilation"))
            H = (H + 2 * P - D * (K - 1) - 1) // S + 1
            W = (W + 2 * P - D * (K - 1) - 1) // S + 1
        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):
            K, S, P = layer.kernel_size, layer.stride, layer.padding
            H, W = (H + 2 * P - K) // S + 1, (W + 2 * P - K) // S + 1
    return H * W


def flat_pools_halve(net, input_shape):
    C, H, W = input_shape
    for layer in net:
        if isinstance(layer, nn.Conv2d):
            K, S, P, D = (_pair(getattr(layer, k))[0] for k in
                          ("kernel_size", "stride", "padding", "dilation"))
            H = (H + 2 * P - D * (K - 1) - 1) // S + 1
            W = (W + 2 * P - D * (K - 1) - 1) // S + 1
            C = layer.out_channels
        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):
            H, W = H // 2, W // 2
    return C * H * W


def flat_by_running(net, input_shape):
    return net(torch.zeros(1, *input_shape)).numel()


def flat_pool_padding_ignored(net, input_shape):
    C, H, W = input_shape
    for layer in net:
        if isinstance(layer, nn.Conv2d):
            (KH, KW), (SH, SW), (PH, PW), (DH, DW) = (_pair(getattr(layer, k)) for k in
                                                      ("kernel_size", "stride", "padding",
                                                       "dilation"))
            H = (H + 2 * PH - DH * (KH - 1) - 1) // SH + 1
            W = (W + 2 * PW - DW * (KW - 1) - 1) // SW + 1
            C = layer.out_channels
        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):
            (KH, KW), (SH, SW) = _pair(layer.kernel_size), _pair(layer.stride)
            H, W = (H - KH) // SH + 1, (W - KW) // SW + 1
    return C * H * W


def flat_ceil(net, input_shape):  # rounds the divisions up
    C, H, W = input_shape
    for layer in net:
        if isinstance(layer, nn.Conv2d):
            (KH, KW), (SH, SW), (PH, PW), (DH, DW) = (_pair(getattr(layer, k)) for k in
                                                      ("kernel_size", "stride", "padding",
                                                       "dilation"))
            H = math.ceil((H + 2 * PH - DH * (KH - 1) - 1) / SH) + 1
            W = math.ceil((W + 2 * PW - DW * (KW - 1) - 1) / SW) + 1
            C = layer.out_channels
        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):
            (KH, KW), (SH, SW), (PH, PW) = (_pair(getattr(layer, k)) for k in
                                            ("kernel_size", "stride", "padding"))
            H = math.ceil((H + 2 * PH - KH) / SH) + 1
            W = math.ceil((W + 2 * PW - KW) / SW) + 1
    return C * H * W


def flat_square(net, input_shape):  # follows H only: C * H * H
    C, H, _ = input_shape
    for layer in net:
        if isinstance(layer, nn.Conv2d):
            K, S, P, D = (_pair(getattr(layer, k))[0] for k in
                          ("kernel_size", "stride", "padding", "dilation"))
            H = (H + 2 * P - D * (K - 1) - 1) // S + 1
            C = layer.out_channels
        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):
            K, S, P = layer.kernel_size, layer.stride, layer.padding
            H = (H + 2 * P - K) // S + 1
    return C * H * H


@needs_torch
def test_flat_features_wrong_answers():
    assert_hint(check("flat_features", flat_true_division), "floor")
    assert_hint(check("flat_features", flat_no_channels), "out_channels")
    assert_hint(check("flat_features", flat_pools_halve), "pooling is a window")
    assert_hint(check("flat_features", flat_pool_padding_ignored), "pooling layer's P")
    assert_hint(check("flat_features", flat_square), "C * H * W, not C * H * H")
    ceil = check("flat_features", flat_ceil)
    assert_hint(ceil, "round DOWN", "ceil_mode=True")
    assert ceil.variant == "ceil" and ceil.case == 2, "the stride-2 case is the first to differ"


@needs_torch
def test_flat_features_layers_refuse_to_run():
    result = check("flat_features", flat_by_running)
    assert not result.passed and result.status == "fail"
    assert "refuse to run" in result.message
    assert result.variant == "ran" and "before anything runs" in result.hint
    assert "before anything runs" in result.message, "the report shows the specific hint"


@needs_torch
def test_flat_features_cases_are_what_torch_computes():
    """The checker's expected sizes are the sizes a real network produces."""
    from cnnlib.exercises.nb08_pytorch import FLAT_CASES, _flat_ref

    for _, shape, spec in FLAT_CASES:
        layers = []
        for kind, *a in spec:
            if kind == "conv":
                C, F, K, S, P, D = a
                layers.append(nn.Conv2d(C, F, K, stride=S, padding=P, dilation=D))
            elif kind == "max":
                layers.append(nn.MaxPool2d(*a))
            elif kind == "avg":
                layers.append(nn.AvgPool2d(*a))
            else:
                layers.append(nn.ReLU())
        net = nn.Sequential(*layers)
        assert net(torch.zeros(1, *shape)).numel() == _flat_ref(net, shape)


# ----------------------------------------------------------------- to_torch_by_hand
def translate(model, copy=True, include_pad=True, every_bias=False, all_relu=False,
              copy_bias=True, bias_7th=False):
    layers = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2d" and bias_7th:  # cnnlib's order: bias where PyTorch has groups
            twin = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                             layer.stride, layer.padding, layer.dilation,
                             layer.bias is not None)
        elif kind == "Conv2d":
            twin = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                             layer.stride, layer.padding, layer.dilation,
                             bias=every_bias or layer.bias is not None)
        elif kind == "Linear":
            twin = nn.Linear(layer.in_features, layer.out_features,
                             bias=every_bias or layer.bias is not None)
        elif kind == "MaxPool2d":
            twin = nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding)
        elif kind == "AvgPool2d":
            twin = nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding,
                                count_include_pad=include_pad)
        elif kind == "Flatten":
            twin = nn.Flatten()
        elif all_relu:
            twin = nn.ReLU()
        elif kind == "LeakyReLU":
            twin = nn.LeakyReLU(layer.negative_slope)
        else:
            twin = getattr(nn, kind)()
        if copy and kind in ("Conv2d", "Linear"):
            with torch.no_grad():
                twin.weight.copy_(torch.from_numpy(layer.weight.data))
                if layer.bias is not None and copy_bias:
                    twin.bias.copy_(torch.from_numpy(layer.bias.data))
        layers.append(twin)
    return nn.Sequential(*layers)


@needs_torch
def test_to_torch_by_hand_wrong_answers():
    assert translate.__defaults__  # the learner-style variants below differ by one switch
    assert check("to_torch_by_hand", translate).passed
    assert_hint(check("to_torch_by_hand", lambda m: translate(m, copy=False)), "copy every weight")
    assert_hint(check("to_torch_by_hand", lambda m: translate(m, include_pad=False)),
                "count_include_pad=True")
    assert_hint(check("to_torch_by_hand", lambda m: translate(m, every_bias=True)),
                "bias=False")
    assert_hint(check("to_torch_by_hand", lambda m: translate(m, all_relu=True)), "nn.Tanh")
    weights_only = check("to_torch_by_hand", lambda m: translate(m, copy_bias=False))
    assert_hint(weights_only, "the biases are not", "twin.bias.copy_")
    assert weights_only.variant == "bias_not_copied"


@needs_torch
def test_to_torch_by_hand_bias_passed_7th_is_groups():
    """cnnlib's order, nn.Conv2d(C, F, K, stride, padding, dilation, bias): PyTorch reads the
    7th as groups. bias=True: groups=True, accepted, then F.conv2d refuses it ("invalid
    combination of arguments"); bias=False: groups=False, refused at once."""
    with_bias = check("to_torch_by_hand", lambda m: translate(m, bias_7th=True))
    assert "invalid combination of arguments" in with_bias.message
    assert with_bias.variant == "groups", with_bias.message
    assert_hint(with_bias, "7th positional argument is groups", "bias= by name")
    with pytest.raises(ValueError, match="groups must be"):
        nn.Conv2d(1, 4, 3, 1, 0, 1, False)
    from cnnlib.exercises.core import Case, run_check
    from cnnlib.exercises.nb08_pytorch import (
        TRANSLATION_ERRORS,
        _explain,
        _models,
        _run_translation,
    )

    _, model, shape = _models()[3]  # layers built with bias=False
    x = np.zeros(shape, np.float32)
    case = Case("bias=False", {"model": model}, model(x),
                run=lambda fn, model: _run_translation(fn, model, x))
    result = run_check("to_torch_by_hand", lambda m: translate(m, bias_7th=True), [case], [],
                       "generic", verbose=False)
    result = _explain(result, TRANSLATION_ERRORS, verbose=False)
    assert "groups must be" in result.message and result.variant == "groups", result.message


def translate_with(model, copy_weights):
    """The right layers; the weights put in by copy_weights(twin, layer)."""
    twin = translate(model, copy=False)
    for layer, t in zip(model.layers, twin, strict=True):
        if type(layer).__name__ in ("Conv2d", "Linear"):
            copy_weights(t, layer)
    return twin


def copy_without_no_grad(t, layer):
    t.weight.copy_(torch.from_numpy(layer.weight.data))
    if layer.bias is not None:
        t.bias.copy_(torch.from_numpy(layer.bias.data))


def parameter_from_numpy(t, layer):  # shares memory with the numpy arrays
    t.weight = nn.Parameter(torch.from_numpy(layer.weight.data))
    if layer.bias is not None:
        t.bias = nn.Parameter(torch.from_numpy(layer.bias.data))


def data_from_numpy(t, layer):  # shares memory too
    t.weight.data = torch.from_numpy(layer.weight.data)
    if layer.bias is not None:
        t.bias.data = torch.from_numpy(layer.bias.data)


def plain_tensor(t, layer):  # a tensor where a Parameter must be
    with torch.no_grad():
        t.weight = torch.tensor(layer.weight.data)


def parameter_from_a_copy(t, layer):  # independent copies: right
    t.weight = nn.Parameter(torch.tensor(layer.weight.data))
    if layer.bias is not None:
        t.bias = nn.Parameter(torch.tensor(layer.bias.data))


def data_copy_without_no_grad(t, layer):  # .data bypasses autograd: right, if old-fashioned
    t.weight.data.copy_(torch.from_numpy(layer.weight.data))
    if layer.bias is not None:
        t.bias.data.copy_(torch.from_numpy(layer.bias.data))


def pools_without_stride_and_padding(model):
    twin = translate(model)
    for k, layer in enumerate(model.layers):
        if type(layer).__name__ in ("MaxPool2d", "AvgPool2d"):
            twin[k] = getattr(nn, type(layer).__name__)(layer.kernel_size)
    return twin


@needs_torch
def test_to_torch_by_hand_errors_get_their_own_hint():
    result = check("to_torch_by_hand", lambda m: translate_with(m, copy_without_no_grad))
    assert result.variant == "no_grad" and "with torch.no_grad():" in result.hint
    assert "autograd refuses in-place changes" in result.message
    for wrong in (parameter_from_numpy, data_from_numpy):
        result = check("to_torch_by_hand", lambda m, wrong=wrong: translate_with(m, wrong))
        assert result.variant == "shared", (wrong.__name__, result.message)
        assert "not a copy" in result.hint and "changes the cnnlib model too" in result.hint
    result = check("to_torch_by_hand", lambda m: translate_with(m, plain_tensor))
    assert result.variant == "not_parameter" and "must stay an nn.Parameter" in result.hint
    result = check("to_torch_by_hand", pools_without_stride_and_padding)
    assert result.variant == "settings" and "nn.MaxPool2d(kernel_size, stride" in result.hint


@needs_torch
def test_to_torch_by_hand_accepts_independent_copies_made_other_ways():
    for right in (parameter_from_a_copy, data_copy_without_no_grad):
        assert check("to_torch_by_hand", lambda m, right=right: translate_with(m, right)).passed


@needs_torch
def test_shared_memory_is_what_the_hint_says():
    """A twin that shares memory: an in-place change of the twin changes the cnnlib model."""
    from cnnlib.models import digit_cnn

    model = digit_cnn(np.random.default_rng(0))
    twin = translate_with(model, parameter_from_numpy)
    with torch.no_grad():
        twin[0].weight.mul_(0)
    assert np.all(model.layers[0].weight.data == 0)


@needs_torch
def test_to_torch_by_hand_reports_what_is_not_a_network():
    result = check("to_torch_by_hand", lambda m: [m])
    assert not result.passed and "not a torch.nn module" in result.message
    broken = check("to_torch_by_hand", lambda m: nn.Sequential(nn.Flatten(), nn.Linear(3, 3)))
    assert not broken.passed and "your network fails on an input of shape" in broken.message


@needs_torch
def test_to_torch_by_hand_leaves_the_learners_random_state_alone():
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    check("to_torch_by_hand", translate)
    assert torch.equal(torch.rand(3), expected)


# ----------------------------------------------------------------- train_step
def step_as_given(net, opt, xb, yb):  # the exercise's buggy code, as printed
    logits = net(xb)
    loss = nn.CrossEntropyLoss()(torch.softmax(logits, dim=1), yb)
    loss.backward()
    opt.step()
    return loss.item()


def step_softmax_fixed_only(net, opt, xb, yb):
    loss = nn.CrossEntropyLoss()(net(xb), yb)
    loss.backward()
    opt.step()
    return loss.item()


def step_zero_grad_added_only(net, opt, xb, yb):
    opt.zero_grad()
    probs = torch.softmax(net(xb), dim=1)
    loss = nn.CrossEntropyLoss()(probs, yb)
    loss.backward()
    opt.step()
    return loss.item()


def step_zero_grad_after_step(net, opt, xb, yb):  # equivalent: accepted
    loss = nn.CrossEntropyLoss()(net(xb), yb)
    loss.backward()
    opt.step()
    opt.zero_grad()
    return loss.item()


def step_net_zero_grad(net, opt, xb, yb):  # the network's zero_grad: the same parameters
    net.zero_grad()
    loss = nn.CrossEntropyLoss()(net(xb), yb)
    loss.backward()
    opt.step()
    return loss.item()


def step_zero_grad_too_late(net, opt, xb, yb):
    loss = nn.CrossEntropyLoss()(net(xb), yb)
    loss.backward()
    opt.zero_grad()
    opt.step()
    return loss.item()


def step_returns_tensor(net, opt, xb, yb):
    opt.zero_grad()
    loss = nn.CrossEntropyLoss()(net(xb), yb)
    loss.backward()
    opt.step()
    return loss  # the tensor, not loss.item()


def step_returns_nothing(net, opt, xb, yb):
    opt.zero_grad()
    loss = nn.CrossEntropyLoss()(net(xb), yb)
    loss.backward()
    opt.step()


@needs_torch
def test_train_step_wrong_answers():
    assert_hint(check("train_step", step_as_given), "both bugs")
    assert_hint(check("train_step", step_softmax_fixed_only), "zero_grad")
    assert_hint(check("train_step", step_zero_grad_added_only), "takes the logits")
    assert_hint(check("train_step", step_zero_grad_too_late), "never moved")
    tensor = check("train_step", step_returns_tensor)
    assert not tensor.passed and "your function returned a Tensor; return one number" in (
        tensor.message)
    assert tensor.variant == "tensor" and "loss.item()" in tensor.hint
    nothing = check("train_step", step_returns_nothing)
    assert not nothing.passed and "returned None: is `return` missing?" in nothing.message


@needs_torch
def test_train_step_accepts_zero_grad_after_the_step():
    """zero_grad after step leaves the gradients empty for the next batch, as zero_grad
    before backward does: with a new network (p.grad None) the two are the same."""
    assert check("train_step", step_zero_grad_after_step).passed
    assert check("train_step", step_net_zero_grad).passed


@needs_torch
def test_train_step_cases_catch_a_missing_zero_grad():
    """Three steps in a row show a missing zero_grad (case 3): the first steps' gradients
    pile up. Two steps do not (the first step starts from empty gradients)."""
    result = check("train_step", step_softmax_fixed_only)
    assert result.case == 3, "three steps in a row show it"
    from cnnlib.exercises.nb08_pytorch import _batches, _run_steps, _step, _tiny_net

    right = _run_steps(_step, _tiny_net(2), _batches(3, 4, 8), 0.1)
    wrong = _run_steps(step_softmax_fixed_only, _tiny_net(2), _batches(3, 4, 8), 0.1)
    assert np.isfinite(right) and abs(right - wrong) > 1e-6
