"""Time one training epoch of course_cnn in cnnlib and, if torch is importable, in PyTorch.

Both train the same network (same initial weights) on the 4,000 MNIST training images,
float32, SGD with momentum 0.9, cross-entropy, batch sizes 64 and 128. Epochs alternate
(cnnlib, torch, cnnlib, torch, ...) so that both see the same machine load; the table shows
medians. It also counts the network's forward + backward FLOPs (the multiply-adds of the
convolutions and the linear layer, x2) to give an effective GFLOP/s, next to the float32
matmul GFLOP/s numpy reaches on this machine in the same run.

torch is optional (never needed for notebooks 00-07); `make torch` adds its CPU build to .venv
(`make bench` does it too). Then:

    .venv/bin/python benchmarks/bench_training.py [--epochs 7] [--threads 2] [--layers]

--threads N gives both the same number of cores: torch.set_num_threads(N) for torch, and
for cnnlib fit(workers=W) processes (--workers, default N) with N // W OpenBLAS threads each
(OPENBLAS_NUM_THREADS, set before numpy is imported). --layers adds a per-layer breakdown
of cnnlib's time (one process).
"""

from __future__ import annotations

import argparse
import functools
import os
import platform
import statistics
import sys
import time


def _option(argv, name, default):
    """--name N from argv, read before numpy is imported (OpenBLAS fixes its threads then)."""
    for k, arg in enumerate(argv):
        if arg == name and k + 1 < len(argv):
            return int(argv[k + 1])
        if arg.startswith(name + "="):
            return int(arg.split("=", 1)[1])
    return default


if __name__ == "__main__":  # cnnlib and torch get the same number of cores: torch as threads,
    _threads = _option(sys.argv[1:], "--threads", 2)  # cnnlib as worker processes, each
    _workers = _option(sys.argv[1:], "--workers", _threads)  # with threads/workers BLAS threads
    os.environ["OPENBLAS_NUM_THREADS"] = str(max(1, _threads // _workers))

import numpy as np  # noqa: E402

from cnnlib.data import load_mnist  # noqa: E402
from cnnlib.layers import Conv2d, Linear  # noqa: E402
from cnnlib.losses import CrossEntropyLoss  # noqa: E402
from cnnlib.models import course_cnn  # noqa: E402
from cnnlib.optim import SGD  # noqa: E402
from cnnlib.torch_bridge import to_torch  # noqa: E402
from cnnlib.train import fit  # noqa: E402

LR, MOMENTUM = 0.01, 0.9


def load_average():
    try:
        return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load average unknown"


def train_flops_per_image(model, input_shape=(1, 28, 28)):
    """Forward + backward FLOPs of one image (2 per multiply-add), convs and linears only.

    Forward: one multiply-add per weight per output position. Backward: the same again for
    dw, and again for dx, except in the first layer (the data needs no gradient).
    """
    shape, total = (1, *input_shape), 0
    for k, layer in enumerate(model.layers):
        out = layer.output_shape(shape)
        if isinstance(layer, Conv2d):
            macs = layer.weight.size * out[2] * out[3]
        elif isinstance(layer, Linear):
            macs = layer.weight.size
        else:
            macs = 0
        total += 2 * macs * (2 if k == 0 else 3)
        shape = out
    return total


def matmul_gflops(n, repeats=20):
    """Median float32 GFLOP/s of an (n x n) @ (n x n) numpy matmul."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((n, n), dtype=np.float32)
    b = rng.standard_normal((n, n), dtype=np.float32)
    c = np.empty((n, n), np.float32)
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t)
    return 2 * n ** 3 / statistics.median(times) / 1e9


class TorchEpochs:
    """A fit() callback: after each cnnlib epoch, one PyTorch epoch (timed apart), so that
    the two alternate and see the same machine load; fit's history times cnnlib alone."""

    def __init__(self, run):
        self.run, self.times = run, []

    def on_epoch_end(self, epoch, history, model):
        if self.run is not None:
            self.times.append(self.run())


def layer_times(X, y, batch_size, epochs=3):
    """Median ms per batch of each layer's forward and backward (cnnlib), to find the bottleneck."""
    model = course_cnn(np.random.default_rng(0))
    opt, loss_fn = SGD(model.parameters(), lr=LR, momentum=MOMENTUM), CrossEntropyLoss()
    fwd = np.zeros((epochs, len(model)))
    bwd = np.zeros((epochs, len(model)))
    order = np.random.default_rng(1).permutation(len(X))
    for e in range(epochs):
        for i in range(0, len(X), batch_size):
            idx = order[i:i + batch_size]
            out, yb = X[idx], y[idx]
            opt.zero_grad()
            run = range(len(model.layers))  # as Sequential runs them: in the listed order
            for k in run:
                layer, t = model.layers[k], time.perf_counter()
                out = layer.forward(out)
                fwd[e, k] += time.perf_counter() - t
            loss_fn(out, yb)
            d = loss_fn.backward()
            for k in reversed(run):
                layer, t = model.layers[k], time.perf_counter()
                d = layer.backward(d, need_dx=False) if k == run[0] else layer.backward(d)
                bwd[e, k] += time.perf_counter() - t
            opt.step()
    batches = -(-len(X) // batch_size)
    scale = 1e3 / batches
    print(f"cnnlib per layer, batch {batch_size} (ms per batch, median of {epochs} epochs):")
    for k, layer in enumerate(model.layers):
        print(f"  {k}  {type(layer).__name__:10s} forward {np.median(fwd[:, k]) * scale:6.3f}"
              f"  backward {np.median(bwd[:, k]) * scale:6.3f}")
    total = (np.median(fwd.sum(1)) + np.median(bwd.sum(1))) * scale
    print(f"  layers total {total:.3f} ms per batch = {total * batches / 1e3:.3f} s per epoch\n")


def torch_epoch(net, opt, X, y, batch_size, gen):
    import torch

    t = time.perf_counter()
    order = torch.randperm(len(X), generator=gen)
    loss_fn = torch.nn.CrossEntropyLoss()
    correct = 0
    for i in range(0, len(X), batch_size):
        idx = order[i:i + batch_size]
        xb, yb = X[idx], y[idx]
        opt.zero_grad()
        logits = net(xb)
        loss = loss_fn(logits, yb)
        loss.backward()
        opt.step()
        correct += int((logits.argmax(1) == yb).sum())   # as fit() does
    return time.perf_counter() - t


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=7, help="timed epochs per batch size")
    parser.add_argument("--threads", type=int, default=2,
                        help="threads for torch and for numpy's OpenBLAS (set at start-up)")
    parser.add_argument("--workers", type=int, default=None,
                        help="cnnlib's fit(workers=...) processes (default: --threads)")
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[64, 128])
    parser.add_argument("--no-torch", action="store_true")
    parser.add_argument("--layers", action="store_true", help="also time every cnnlib layer")
    args = parser.parse_args(argv)
    workers = args.threads if args.workers is None else args.workers

    X, y, _, _ = load_mnist()
    try:
        if args.no_torch:
            raise ImportError
        import torch
        torch.set_num_threads(args.threads)
        torch_info = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        torch = None
        torch_info = "torch not importable: cnnlib only"
    blas_threads = os.environ.get("OPENBLAS_NUM_THREADS", f"default ({os.cpu_count()} cores)")
    if str(blas_threads) != str(max(1, args.threads // workers)):
        print(f"warning: OpenBLAS has {blas_threads} threads, not --threads / --workers")
    print(f"python {platform.python_version()}, numpy {np.__version__} (OpenBLAS threads: "
          f"{blas_threads}), {torch_info}")
    print(f"machine: {os.cpu_count()} cores; {load_average()} at start")

    model0 = course_cnn(np.random.default_rng(0))
    flops = train_flops_per_image(model0) * len(X)
    peak = matmul_gflops(1024)
    print(f"course_cnn: {sum(p.size for p in model0.parameters()):,} parameters; "
          f"{flops / 1e9:.2f} GFLOP per epoch (forward + backward, convs and linear)")
    print(f"numpy float32 matmul 1024x1024x1024: {peak:.1f} GFLOP/s (one process, "
          f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')} BLAS thread(s))\n")

    if args.layers:
        for bs in args.batch_sizes:
            layer_times(X, y, bs)

    rows = []
    for bs in args.batch_sizes:
        model = course_cnn(np.random.default_rng(0))
        opt = SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
        run = None
        if torch is not None:
            net = to_torch(model)  # the same network, cnnlib's initial weights copied in
            topt = torch.optim.SGD(net.parameters(), lr=LR, momentum=MOMENTUM)
            tX, ty, gen = torch.from_numpy(X), torch.from_numpy(y), torch.Generator().manual_seed(1)
            run = functools.partial(torch_epoch, net, topt, tX, ty, bs, gen)
        torch_epochs = TorchEpochs(run)
        history = fit(model, X, y, args.epochs + 1, bs, opt, CrossEntropyLoss(), rng=1,
                      progress=False, workers=workers, callbacks=[torch_epochs])
        ours, theirs = history["time"][1:], torch_epochs.times[1:]  # epoch 0: warm-up
        a = statistics.median(ours)
        b = statistics.median(theirs) if theirs else None
        rows.append((bs, a, b))
        sys.stdout.flush()

    print(f"cnnlib: fit(workers={workers}), one process per worker; torch: {args.threads} "
          "thread(s)")
    print(f"{'batch':>5}  {'cnnlib s/epoch':>14}  {'torch s/epoch':>13}  {'ratio':>6}  "
          f"{'cnnlib GFLOP/s':>14}  {'torch GFLOP/s':>13}")
    for bs, a, b in rows:
        bt = f"{b:13.3f}" if b else f"{'-':>13}"
        ratio = f"{a / b:6.2f}" if b else f"{'-':>6}"
        bg = f"{flops / b / 1e9:13.1f}" if b else f"{'-':>13}"
        print(f"{bs:5d}  {a:14.3f}  {bt}  {ratio}  {flops / a / 1e9:14.1f}  {bg}")
    print(f"\nratio = cnnlib / torch epoch time (below 1: cnnlib faster); medians of "
          f"{args.epochs} alternating epochs; numpy matmul peak {peak:.1f} GFLOP/s")
    print(f"{load_average()} at end")
    return rows


if __name__ == "__main__":
    main()
