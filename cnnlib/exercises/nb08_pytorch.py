"""Exercises of notebooks/08_from_cnnlib_to_pytorch.ipynb: the flattened size of a torch.nn
stack before running it, a cnnlib model translated into torch.nn, a training step debugged.

PyTorch is imported only inside the checkers (cnnlib.exercises must import without it);
without PyTorch a checker says so in one sentence instead of checking. Some mistakes show
as an error rather than a wrong value (a copy without torch.no_grad(), weights that share
memory with the numpy arrays, a tensor returned): :func:`_explain` gives those their own hint.
"""

from __future__ import annotations

import numpy as np

from ..checks import pair
from ..layers import (
    AvgPool2d,
    Conv2d,
    Flatten,
    LeakyReLU,
    Linear,
    MaxPool2d,
    ReLU,
    Sequential,
    Sigmoid,
    Tanh,
)
from ..models import digit_cnn, mlp
from ..shapes import conv_output_size, pool_output_size
from ..torch_bridge import HOW_TO_ADD
from .core import Case, CheckResult, Exercise, Wrong, run_check
from .words import is_real

__all__ = ["check_flat_features", "check_to_torch_by_hand", "check_train_step"]


def _torch_or_none(name, verbose):
    """(torch, None), or (None, a CheckResult saying that PyTorch is missing)."""
    try:
        import torch
    except ImportError:
        message = (f"⏳ {name}: this checker needs PyTorch, which is not installed: "
                   f"{HOW_TO_ADD}.")
        if verbose:
            print(message)
        return None, CheckResult(name, "not attempted", 0, message=message)
    return torch, None


def _explain(result, rules, verbose):
    """Give a failure that no wrong variant explains the hint of the first rule whose text
    appears in its report (rules: (text, key, hint)); then print the report if verbose."""
    if not result.passed and result.variant is None:
        for text, key, hint in rules:
            if text in result.message:
                lines = result.message.splitlines()
                at = next(k for k, line in enumerate(lines) if line.startswith("   hint:"))
                lines[at] = f"   hint:     {hint}"
                result.message, result.hint, result.variant = "\n".join(lines), hint, key
                break
    if verbose:
        print(result.message)
    return result


class _Lazy:
    """An input built only when the checker calls the function, shown as a line of text.

    A torch or cnnlib network is callable, and a failure report would call it "a
    function"; this prints as the layers instead."""

    def __init__(self, build, text):
        self.build, self.text = build, text

    def __repr__(self):
        return self.text


_Net = type("Sequential", (_Lazy,), {"__doc__": _Lazy.__doc__})


def _plain(v):
    v = tuple(v) if isinstance(v, tuple | list) else (v, v)
    return v[0] if v[0] == v[1] else v


def _short(layer) -> str:
    """One layer in a few characters: Conv2d(1, 8, 3, stride=2, padding=1), MaxPool2d(2)..."""
    name = type(layer).__name__
    if hasattr(layer, "in_channels"):
        args = [layer.in_channels, layer.out_channels, _plain(layer.kernel_size)]
        args += [f"{key}={_plain(getattr(layer, key))}" for key, usual in
                 (("stride", 1), ("padding", 0), ("dilation", 1))
                 if _plain(getattr(layer, key)) != usual]
        args += ["bias=False"] if layer.bias is None else []
    elif hasattr(layer, "in_features"):
        args = [layer.in_features, layer.out_features] + (
            ["bias=False"] if layer.bias is None else [])
    elif hasattr(layer, "kernel_size"):
        args = [_plain(layer.kernel_size)]
        if _plain(layer.stride) != _plain(layer.kernel_size):
            args.append(f"stride={_plain(layer.stride)}")
        if _plain(layer.padding) != 0:
            args.append(f"padding={_plain(layer.padding)}")
    elif hasattr(layer, "negative_slope"):
        args = [layer.negative_slope]
    else:
        args = []
    return f"{name}({', '.join(map(str, args))})"


# ------------------------------------------------------------- flat_features
def _stack(torch, spec):
    """A torch.nn.Sequential whose layers refuse to run (the size must be computed).

    spec: tuples ("conv", C_in, F, K, S, P, D), ("max" | "avg", K, S, P) or ("relu",).
    """
    nn = torch.nn

    class NoRun:
        def forward(self, x):
            raise ValueError("flat_features: compute the size from the layers' settings with "
                             "the formulas; the checker's layers refuse to run.")

    # printed as the real layers are; isinstance(layer, nn.Conv2d) etc. still hold
    Conv = type("Conv2d", (NoRun, nn.Conv2d), {})
    Max = type("MaxPool2d", (NoRun, nn.MaxPool2d), {})
    Avg = type("AvgPool2d", (NoRun, nn.AvgPool2d), {})

    layers = []
    for kind, *a in spec:
        if kind == "conv":
            C, F, K, S, P, D = a
            layers.append(Conv(C, F, K, stride=S, padding=P, dilation=D))
        elif kind in ("max", "avg"):
            K, S, P = a
            layers.append((Max if kind == "max" else Avg)(K, stride=S, padding=P))
        else:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def _flat_ref(net, input_shape, floor=True, channels=True, dilation=True, pool=True,
              stride=True, first_channels=False, pool_padding=True, square=False, ceil=False):
    """The flattened size, with switches that make the typical mistakes (square: W is
    taken to be H; ceil: the division rounded up)."""
    C, H, W = input_shape
    C0 = C
    for layer in net:
        if hasattr(layer, "in_channels"):
            K, S, P, D = (pair(getattr(layer, k), k, "flat_features") for k in
                          ("kernel_size", "stride", "padding", "dilation"))
            D = D if dilation else (1, 1)
            S = S if stride else (1, 1)
            if ceil:
                H, W = (-(-(n + 2 * P[a] - D[a] * (K[a] - 1) - 1) // S[a]) + 1
                        for a, n in enumerate((H, W)))
            elif floor:
                H, W = (conv_output_size(n, K[a], S[a], P[a], D[a]) for a, n in enumerate((H, W)))
            else:
                H, W = ((n + 2 * P[a] - D[a] * (K[a] - 1) - 1) / S[a] + 1
                        for a, n in enumerate((H, W)))
            C = layer.out_channels
        elif hasattr(layer, "kernel_size"):
            K, S, P = (pair(getattr(layer, k), k, "flat_features") for k in
                       ("kernel_size", "stride", "padding"))
            P = P if pool_padding else (0, 0)
            if not pool:
                H, W = H // 2, W // 2
            elif ceil:
                H, W = (-(-(n + 2 * P[a] - K[a]) // S[a]) + 1 for a, n in enumerate((H, W)))
            elif floor:
                H, W = (pool_output_size(n, K[a], S[a], P[a]) for a, n in enumerate((H, W)))
            else:
                H, W = ((n + 2 * P[a] - K[a]) / S[a] + 1 for a, n in enumerate((H, W)))
    return (C0 if first_channels else C if channels else 1) * H * (H if square else W)


FLAT_CASES = [
    ("notebook 07's network", (1, 28, 28),
     [("conv", 1, 8, 3, 1, 1, 1), ("max", 2, 2, 0), ("relu",), ("conv", 8, 32, 3, 1, 1, 1),
      ("max", 2, 2, 0), ("relu",)]),
    ("stride 2 in the first convolution (section 4)", (1, 28, 28),
     [("conv", 1, 8, 3, 2, 1, 1), ("max", 2, 2, 0), ("relu",), ("conv", 8, 32, 3, 1, 1, 1),
      ("max", 2, 2, 0), ("relu",)]),
    ("no padding: every 3 x 3 convolution shrinks the maps by 2", (1, 28, 28),
     [("conv", 1, 8, 3, 1, 0, 1), ("max", 2, 2, 0), ("relu",), ("conv", 8, 32, 3, 1, 0, 1),
      ("max", 2, 2, 0), ("relu",)]),
    ("a dilated convolution (dilation 2 spans 5 pixels)", (1, 28, 28),
     [("conv", 1, 4, 3, 1, 0, 2), ("relu",), ("max", 2, 2, 0)]),
    ("overlapping pooling with padding, then average pooling", (3, 28, 28),
     [("max", 3, 2, 1), ("conv", 3, 16, 5, 1, 2, 1), ("relu",), ("avg", 2, 2, 0)]),
    ("a non-square 32 x 20 input", (3, 32, 20),
     [("conv", 3, 6, 5, 1, 0, 1), ("relu",), ("max", 2, 2, 0)]),
    ("stride 3: (28 + 2 - 3) // 3 + 1 = 10, the floor matters", (1, 28, 28),
     [("conv", 1, 2, 3, 3, 1, 1), ("relu",)]),
    ("3 x 3 pooling with stride 3: 27 -> 9, not a halving", (1, 27, 27),
     [("conv", 1, 2, 3, 1, 1, 1), ("relu",), ("max", 3, 3, 0)]),
    ("no window layer at all: C * H * W", (2, 5, 5), [("relu",)]),
]


def _run_flat(fn, net, input_shape):
    return fn(net.build(), input_shape)


def _flat_variant(**switches):
    return lambda net, input_shape: _flat_ref(net, input_shape, **switches)


def check_flat_features(fn, verbose=True):
    """Check ``fn(net, input_shape)`` -> the number of values per sample after the stack.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    torch, missing = _torch_or_none("flat_features", verbose)
    if missing is not None:
        return missing
    cases = []
    for label, shape, spec in FLAT_CASES:
        net = _stack(torch, spec)
        text = " -> ".join(_short(layer) for layer in net)
        cases.append(Case(label, {"net": _Net(lambda spec=spec: _stack(torch, spec), text),
                                  "input_shape": shape}, _flat_ref(net, shape), run=_run_flat))
    wrongs = [
        Wrong("no_floor", "a window that does not fit is not counted: floor the division, "
              "(H + 2P - D(K - 1) - 1) // S + 1.", _flat_variant(floor=False)),
        Wrong("ceil", "round DOWN, not up: a window that does not fit in the input is "
              "dropped, so (H + 2P - D(K - 1) - 1) // S + 1 uses the floor (PyTorch's pooling "
              "rounds up only when given ceil_mode=True).", _flat_variant(ceil=True)),
        Wrong("no_channels", "Flatten keeps the channels: multiply by the last convolution's "
              "out_channels, C * H * W.", _flat_variant(channels=False)),
        Wrong("first_channels", "the channels after the stack are the LAST convolution's "
              "out_channels, not the input's.", _flat_variant(first_channels=True)),
        Wrong("no_dilation", "a dilated kernel spans D(K - 1) + 1 pixels: "
              "(H + 2P - D(K - 1) - 1) // S + 1.", _flat_variant(dilation=False)),
        Wrong("halving_pools", "pooling is a window too: (H + 2P - K) // S + 1 with its own "
              "kernel, stride and padding (it halves only for K = S = 2, P = 0).",
              _flat_variant(pool=False)),
        Wrong("no_stride", "a stride S keeps every S-th window: divide by S (with the floor).",
              _flat_variant(stride=False)),
        Wrong("pool_padding", "a pooling layer has its own padding: (H + 2P - K) // S + 1 "
              "with the pooling layer's P (layer.padding), as for a convolution.",
              _flat_variant(pool_padding=False)),
        Wrong("square", "height and width can differ: follow W with its own formula (the "
              "second number of each pair) and return C * H * W, not C * H * H.",
              _flat_variant(square=True)),
    ]
    result = run_check("flat_features", fn, cases, wrongs,
                       "walk the layers: a Conv2d gives (H + 2P - D(K - 1) - 1) // S + 1 and "
                       "out_channels, a pooling layer (H + 2P - K) // S + 1; return C * H * W.",
                       verbose=False)
    return _explain(result, [(
        "refuse to run", "ran", "the point is to know the size before anything runs: read "
        "each layer's kernel_size, stride, padding and dilation and apply the output-size "
        "formulas, layer by layer.")], verbose)


# ------------------------------------------------------------- to_torch_by_hand
def _models():
    """(label, cnnlib model, input shape) of the translation cases."""
    g = np.random.default_rng(8)
    odd = Sequential(Conv2d(2, 3, (3, 2), stride=2, padding=1, dilation=(2, 1), rng=g),
                     Tanh(), AvgPool2d(3, stride=2, padding=1), Flatten(),
                     Linear(3 * 3 * 2, 4, rng=g), Sigmoid())
    no_bias = Sequential(Conv2d(1, 4, 3, bias=False, rng=g), LeakyReLU(0.1), MaxPool2d(2),
                         Flatten(), Linear(4 * 3 * 3, 3, bias=False, rng=g))
    for layer in odd.layers + no_bias.layers:  # biases that are not 0, so that they matter
        if getattr(layer, "bias", None) is not None:
            layer.bias.data[...] = g.standard_normal(layer.bias.shape).astype(np.float32)
    return [
        ("notebook 07's digit_cnn", digit_cnn(np.random.default_rng(0)), (2, 1, 28, 28)),
        ("notebook 01's MLP (Flatten, Linear, ReLU, Linear)",
         mlp(np.random.default_rng(1), hidden=16), (2, 1, 28, 28)),
        ("stride, padding, dilation, a 3 x 2 kernel, AvgPool2d with padding, Tanh, Sigmoid",
         odd, (2, 2, 11, 7)),
        ("layers without bias (bias=False) and a LeakyReLU(0.1)", no_bias, (3, 1, 8, 8)),
    ]


def _run_translation(fn, model, x):
    import torch

    with torch.random.fork_rng():  # the learner's random state is left as it was
        torch.manual_seed(0)  # a layer left at PyTorch's random start: the variants' start
        net = fn(model)
    if net is None:
        return None  # the checker asks whether `return` is missing
    if not isinstance(net, torch.nn.Module):
        raise ValueError(f"to_torch_by_hand returned {type(net).__name__}, not a torch.nn "
                         "module: return nn.Sequential(...).")
    arrays = [p.data for p in model.parameters()]
    for name, param in net.named_parameters():
        if param.device.type == "cpu" and any(
                np.may_share_memory(param.detach().numpy(), a) for a in arrays):
            raise ValueError(f"{SHARED}: {name} is a view of a cnnlib array, not a copy.")
    try:
        with torch.no_grad():
            out = net(torch.from_numpy(x))
    except Exception as err:  # noqa: BLE001 - the learner's network cannot run
        first = (str(err).splitlines() or [""])[0]  # PyTorch's argument errors run for lines
        raise ValueError(f"your network fails on an input of shape {x.shape}: "
                         f"{type(err).__name__}: {first}") from None
    return out.detach().numpy()


SHARED = "the twin's weights share memory with the cnnlib model"


def _translate(model, copy=True, avg_pad=True, activations=True, bias=True, copy_bias=True):
    """The reference translation, with switches that make the typical mistakes (copy_bias:
    the weights copied, the biases left at PyTorch's random start)."""
    import torch
    from torch import nn

    layers = []
    for layer in model.layers:
        kind = type(layer)
        if kind is Conv2d:
            twin = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                             stride=layer.stride, padding=layer.padding,
                             dilation=layer.dilation, bias=layer.bias is not None or not bias)
        elif kind is Linear:
            twin = nn.Linear(layer.in_features, layer.out_features,
                             bias=layer.bias is not None or not bias)
        elif kind is MaxPool2d:
            twin = nn.MaxPool2d(layer.kernel_size, layer.stride, layer.padding)
        elif kind is AvgPool2d:
            twin = nn.AvgPool2d(layer.kernel_size, layer.stride, layer.padding,
                                count_include_pad=avg_pad)
        elif kind is Flatten:
            twin = nn.Flatten()
        elif kind is LeakyReLU:
            twin = nn.LeakyReLU(layer.negative_slope) if activations else nn.ReLU()
        elif kind in (ReLU, Sigmoid, Tanh):
            twin = getattr(nn, kind.__name__)() if activations else nn.ReLU()
        else:
            raise ValueError(f"no twin for {layer!r}")
        if copy and kind in (Conv2d, Linear):
            with torch.no_grad():
                twin.weight.copy_(torch.from_numpy(layer.weight.data))
                if layer.bias is not None and copy_bias:
                    twin.bias.copy_(torch.from_numpy(layer.bias.data))
        layers.append(twin)
    return nn.Sequential(*layers)


def _translation_variant(**switches):
    def variant(model):
        return _translate(model, **switches)
    return variant


def check_to_torch_by_hand(fn, verbose=True):
    """Check ``fn(model)`` -> a torch.nn.Sequential computing what the cnnlib model computes.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    torch, missing = _torch_or_none("to_torch_by_hand", verbose)
    if missing is not None:
        return missing
    cases = []
    for k, (label, model, shape) in enumerate(_models()):
        x = np.random.default_rng(20 + k).standard_normal(shape).astype(np.float32)
        run = (lambda fn, model, x=x: _run_translation(fn, model.build(), x))
        shown = _Net(lambda model=model: model, " -> ".join(_short(layer) for layer in model))
        cases.append(Case(label, {"model": shown}, model(x), run=run, rtol=1e-4, atol=1e-5))
    wrongs = [
        Wrong("not_copied", "the layers are right but their weights are PyTorch's random "
              "ones: copy every weight and bias, with torch.no_grad(): "
              "twin.weight.copy_(torch.from_numpy(layer.weight.data)).",
              _translation_variant(copy=False)),
        Wrong("bias_not_copied", "the weights are copied but the biases are not: each bias "
              "is still PyTorch's random start. Copy every bias too, with torch.no_grad(): "
              "twin.bias.copy_(torch.from_numpy(layer.bias.data)) (when layer.bias is not "
              "None).", _translation_variant(copy_bias=False)),
        Wrong("bias", "a cnnlib layer whose bias is None needs bias=False in PyTorch "
              "(otherwise PyTorch adds a random bias).", _translation_variant(bias=False)),
        Wrong("avg_pad", "cnnlib's AvgPool2d divides every window by K * K, padded zeros "
              "included: nn.AvgPool2d(..., count_include_pad=True), PyTorch's default.",
              _translation_variant(avg_pad=False)),
        Wrong("activations", "translate each activation to its own class: Tanh -> nn.Tanh, "
              "Sigmoid -> nn.Sigmoid, LeakyReLU(a) -> nn.LeakyReLU(a).",
              _translation_variant(activations=False)),
    ]
    result = run_check("to_torch_by_hand", fn, cases, wrongs,
                       "one torch.nn layer per cnnlib layer, with the same settings "
                       "(kernel_size, stride, padding, dilation, bias), and every weight copied.",
                       verbose=False)
    return _explain(result, TRANSLATION_ERRORS, verbose)


GROUPS_HINT = (
    "nn.Conv2d's 7th positional argument is groups, not bias as in cnnlib: PyTorch's order is "
    "(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias). Pass "
    "bias= by name (stride=, padding=, dilation= too, to be safe; section 2's name map).")

TRANSLATION_ERRORS = [
    # bias=True passed 7th: groups=True, accepted by nn.Conv2d, refused by F.conv2d later
    ("invalid combination of arguments", "groups", GROUPS_HINT),
    ("groups must be", "groups", GROUPS_HINT),  # bias=False passed 7th: groups=False
    ("a leaf Variable that requires grad is being used in an in-place operation", "no_grad",
     "copy_ changes a parameter in place, and autograd refuses in-place changes of the "
     "tensors it tracks (a parameter requires grad): do the copying inside `with "
     "torch.no_grad():`, which tells PyTorch it is not part of a computation to differentiate "
     "(section 1)."),
    (SHARED, "shared",
     "torch.from_numpy(a) is a view of the numpy array, not a copy: made into the twin's "
     "parameter, it IS the cnnlib weight, and training the twin (opt.step() updates in place) "
     "silently changes the cnnlib model too. Copy the values: with torch.no_grad(): "
     "twin.weight.copy_(torch.from_numpy(layer.weight.data)), or torch.tensor(a), which "
     "copies."),
    ("cannot assign", "not_parameter",
     "a layer's weight must stay an nn.Parameter (so that it trains): copy the values into "
     "it, with torch.no_grad(): twin.weight.copy_(torch.from_numpy(layer.weight.data))."),
    ("shapes cannot be multiplied", "settings",
     "the sizes reaching a Linear layer differ from cnnlib's: give every Conv2d and pooling "
     "layer all its settings (a pooling layer too: nn.MaxPool2d(kernel_size, stride, "
     "padding), whose stride is not always its kernel_size)."),
]


# ------------------------------------------------------------- train_step
def _tiny_net(seed):
    import torch
    from torch import nn

    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(3 * 3 * 3, 4)).double()


class _Batches(list):
    """A list of (xb, yb) batches that prints as a sentence in a failure report."""

    def __repr__(self):
        xb = self[0][0]
        return (f"{len(self)} batch(es) of {len(xb)} random {'x'.join(map(str, xb.shape[1:]))} "
                "float64 images with labels 0-3")


def _batches(seed, n_batches, size):
    import torch

    g = np.random.default_rng(seed)
    return _Batches((torch.from_numpy(g.standard_normal((size, 1, 6, 6))),
                     torch.from_numpy(g.integers(0, 4, size))) for _ in range(n_batches))


def _run_steps(fn, net, batches, lr):
    """Call fn(net, opt, xb, yb) once per batch, with one SGD optimiser (momentum 0.9), and
    return what it returned for the LAST batch: that loss depends on every earlier step, so
    one number shows a wrong loss and a wrong update alike. An answer that is not a number is
    returned at once, as it is, for the checker to describe."""
    import torch

    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    value = None
    for xb, yb in batches:
        value = fn(net, opt, xb, yb)
        number = is_real(value) or (isinstance(value, np.ndarray) and value.ndim == 0
                                    and value.dtype.kind in "iuf")
        if not number:
            return value
    return value


def _step(net, opt, xb, yb, zero=True, softmax=False, order="zbs"):
    """The reference step; switches make the typical mistakes (order: z=zero_grad,
    b=backward, s=step, in the order they are done)."""
    import torch
    from torch import nn

    logits = net(xb)
    scores = torch.softmax(logits, dim=1) if softmax else logits
    loss = nn.CrossEntropyLoss()(scores, yb)
    for action in order:
        if action == "z" and zero:
            opt.zero_grad()
        elif action == "b":
            loss.backward()
        elif action == "s":
            opt.step()
    return loss.item()


def _step_variant(**switches):
    return lambda net, opt, xb, yb: _step(net, opt, xb, yb, **switches)


def check_train_step(fn, verbose=True):
    """Check ``fn(net, opt, xb, yb)`` -> the batch's loss (a float), after one correct step;
    called once per batch of a case, the loss returned for the last batch is compared.

    Prints the result; returns a CheckResult.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    torch, missing = _torch_or_none("train_step", verbose)
    if missing is not None:
        return missing
    # Every case starts from a new network, whose gradients are empty (p.grad is None), as
    # in a real training loop: zero_grad before backward and zero_grad after step are then
    # the same, and both pass.
    setups = [
        ("one batch: the loss it returns", 0, _batches(1, 1, 8), 0.1),
        ("one step, then the loss it returns for a second batch", 1, _batches(2, 2, 8), 0.1),
        ("three steps (SGD, momentum 0.9), then the loss of a fourth batch", 2,
         _batches(3, 4, 8), 0.1),
        ("two steps on batches of 6, then the loss of a third", 3, _batches(4, 3, 6), 0.05),
        ("five steps on batches of 1, then the loss of a sixth", 4, _batches(5, 6, 1), 0.02),
    ]
    cases = []
    for label, seed, batches, lr in setups:
        def run(fn, net, batches, lr):
            return _run_steps(fn, net.build(), batches, lr)

        text = " -> ".join(_short(layer) for layer in _tiny_net(seed)) + ", float64"
        net = _Net(lambda seed=seed: _tiny_net(seed), text)
        expected = run(_step, net, batches, lr)
        cases.append(Case(label, {"net": net, "batches": batches, "lr": lr}, expected,
                          run=run, rtol=1e-7, atol=1e-10))
    wrongs = [
        Wrong("both", "both bugs are still there: call opt.zero_grad() before backward, and "
              "give nn.CrossEntropyLoss the logits, not softmax probabilities.",
              _step_variant(zero=False, softmax=True)),
        Wrong("softmax", "nn.CrossEntropyLoss takes the logits and does the softmax itself: "
              "loss_fn(logits, yb), without torch.softmax (section 2).",
              _step_variant(softmax=True)),
        Wrong("no_zero_grad", "backward ADDS to .grad: call opt.zero_grad() before "
              "loss.backward() (or after opt.step(), ready for the next batch), or earlier "
              "batches' gradients pile up (section 2).", _step_variant(zero=False)),
        Wrong("no_update", "the weights never moved: opt.step() must come after "
              "loss.backward(), and opt.zero_grad() before backward (between the two it "
              "erases the gradient the step needs).", _step_variant(order="bzs")),
    ]
    result = run_check("train_step", fn, cases, wrongs,
                       "opt.zero_grad(); loss = nn.CrossEntropyLoss()(net(xb), yb); "
                       "loss.backward(); opt.step(); return loss.item().", verbose=False)
    return _explain(result, STEP_ERRORS, verbose)


STEP_ERRORS = [
    ("your function returned a Tensor", "tensor",
     "return loss.item(), the Python float inside the 0-d tensor (the tensor also keeps its "
     "whole computation graph alive)."),
]


EXERCISES = [
    Exercise(
        "flat_features", "How many numbers reach the Linear layer?",
        "Section 4's error came from a `Linear` sized for the wrong stack. Write "
        "`flat_features(net, input_shape)`: `net` is a `torch.nn.Sequential` of `nn.Conv2d`, "
        "`nn.MaxPool2d`, `nn.AvgPool2d` and `nn.ReLU` layers, `input_shape` is `(C, H, W)`; "
        "return the number of values per sample that `nn.Flatten` would give after the stack "
        "(the `in_features` of the next `Linear`), **without running the network** (the "
        "checker's layers refuse to run). Read each layer's settings: a `Conv2d` keeps "
        "`kernel_size`, `stride`, `padding` and `dilation` as `(h, w)` pairs, the pooling "
        "layers keep them as you passed them (ints here); `pair = lambda v: v if "
        "isinstance(v, tuple) else (v, v)` turns either into a pair. For notebook 07's stack "
        "and a 28 x 28 digit the answer is 1,568; with stride 2 in the first convolution, "
        "288. Predict a few by hand before you run the check.",
        'def flat_features(net, input_shape):\n'
        '    """Values per sample after the stack: C * H * W, computed, not run."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def flat_features(net, input_shape):\n'
        '    """Values per sample after the stack: C * H * W, computed, not run."""\n'
        '    from torch import nn\n'
        '\n'
        '    def pair(v):\n'
        '        return v if isinstance(v, tuple) else (v, v)\n'
        '\n'
        '    C, H, W = input_shape\n'
        '    for layer in net:\n'
        '        if isinstance(layer, nn.Conv2d):\n'
        '            (KH, KW), (SH, SW) = pair(layer.kernel_size), pair(layer.stride)\n'
        '            (PH, PW), (DH, DW) = pair(layer.padding), pair(layer.dilation)\n'
        '            H = (H + 2 * PH - DH * (KH - 1) - 1) // SH + 1\n'
        '            W = (W + 2 * PW - DW * (KW - 1) - 1) // SW + 1\n'
        '            C = layer.out_channels              # the channels change here only\n'
        '        elif isinstance(layer, nn.MaxPool2d | nn.AvgPool2d):\n'
        '            (KH, KW), (SH, SW) = pair(layer.kernel_size), pair(layer.stride)\n'
        '            PH, PW = pair(layer.padding)\n'
        '            H = (H + 2 * PH - KH) // SH + 1\n'
        '            W = (W + 2 * PW - KW) // SW + 1\n'
        '    return C * H * W\n'),
    Exercise(
        "to_torch_by_hand", "Translate a cnnlib model into torch.nn",
        "Write `to_torch_by_hand(model)` for a cnnlib `Sequential` made of `Conv2d`, "
        "`MaxPool2d`, `AvgPool2d`, `Flatten`, `Linear`, `ReLU`, `LeakyReLU`, `Sigmoid` and "
        "`Tanh` layers: return an `nn.Sequential` that computes the same function, layer for "
        "layer, with every weight and bias copied (as section 1 did for one network; not with "
        "`to_torch`). Copies, independent of the cnnlib arrays: training the twin must leave "
        "the cnnlib model as it was, and `torch.from_numpy(a)` alone is a view that shares "
        "the array's memory (section 2). The cnnlib layers carry their settings under "
        "PyTorch's names (`in_channels`, `kernel_size`, `stride`, `padding`, `dilation`, "
        "`in_features`, `negative_slope`...); a layer built with `bias=False` has "
        "`bias = None`. The checker runs both networks on the same input and compares, and "
        "checks that no weight of the twin shares memory with the cnnlib model.",
        'def to_torch_by_hand(model):\n'
        '    """The torch.nn.Sequential twin of a cnnlib Sequential, weights copied."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def to_torch_by_hand(model):\n'
        '    """The torch.nn.Sequential twin of a cnnlib Sequential, weights copied."""\n'
        '    import torch\n'
        '    from torch import nn\n'
        '\n'
        '    layers = []\n'
        '    for layer in model.layers:\n'
        '        kind = type(layer).__name__\n'
        '        if kind == "Conv2d":\n'
        '            twin = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,\n'
        '                             stride=layer.stride, padding=layer.padding,\n'
        '                             dilation=layer.dilation, bias=layer.bias is not None)\n'
        '        elif kind == "Linear":\n'
        '            twin = nn.Linear(layer.in_features, layer.out_features,\n'
        '                             bias=layer.bias is not None)\n'
        '        elif kind in ("MaxPool2d", "AvgPool2d"):\n'
        '            twin = getattr(nn, kind)(layer.kernel_size, layer.stride, layer.padding)\n'
        '        elif kind == "LeakyReLU":\n'
        '            twin = nn.LeakyReLU(layer.negative_slope)\n'
        '        else:                                   # Flatten, ReLU, Sigmoid, Tanh\n'
        '            twin = getattr(nn, kind)()\n'
        '        if kind in ("Conv2d", "Linear"):\n'
        '            with torch.no_grad():               # copying is not to be differentiated\n'
        '                twin.weight.copy_(torch.from_numpy(layer.weight.data))\n'
        '                if layer.bias is not None:\n'
        '                    twin.bias.copy_(torch.from_numpy(layer.bias.data))\n'
        '        layers.append(twin)\n'
        '    return nn.Sequential(*layers)\n'),
    Exercise(
        "train_step", "Debug a PyTorch training step",
        "This training step runs without any error or warning, and the network learns "
        "badly:\n\n"
        "```python\n"
        "def train_step(net, opt, xb, yb):\n"
        "    logits = net(xb)\n"
        "    loss = nn.CrossEntropyLoss()(torch.softmax(logits, dim=1), yb)\n"
        "    loss.backward()\n"
        "    opt.step()\n"
        "    return loss.item()\n"
        "```\n\n"
        "Find its two bugs (section 2 checked both differences) and write the correct "
        "`train_step(net, opt, xb, yb)`: one step of the optimiser `opt` on the batch "
        "`(xb, yb)`, returning the batch's loss before the step as a float. The checker calls "
        "it several times in a row with the same network and optimiser, starting from a new "
        "network (its gradients empty, `p.grad` is None).\n\n"
        "Where `opt.zero_grad()` goes is up to you: before `loss.backward()`, as notebook "
        "07's `train_step` does, or after `opt.step()`, ready for the next batch. The two are "
        "the same as long as the gradients are empty when training starts, which they are for "
        "a new network: what matters is that no older gradient is left in `.grad` when "
        "`backward` adds the new one. (Zeroing first is the common habit because it does not "
        "depend on what happened before the loop.)",
        'def train_step(net, opt, xb, yb):\n'
        '    """One optimiser step on (xb, yb); returns the loss before the step (a float)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def train_step(net, opt, xb, yb):\n'
        '    """One optimiser step on (xb, yb); returns the loss before the step (a float)."""\n'
        '    from torch import nn\n'
        '\n'
        '    opt.zero_grad()                                # bug 1: gradients piled up\n'
        '    loss = nn.CrossEntropyLoss()(net(xb), yb)      # bug 2: it takes the logits\n'
        '    loss.backward()\n'
        '    opt.step()\n'
        '    return loss.item()\n'),
]

PREDICTIONS = []
