"""Train digit_cnn with DIGIT_RECIPE on the 4,000 MNIST training digits; report test accuracy.

Prints the recipe, the test accuracy on the 1,000 held-out digits, the training wall time,
the peak resident memory (resource.getrusage) and the machine load. Targets: >= 98 % test
accuracy, < 30 s of training on a 2-core machine, peak RSS <= 500 MB.

    python benchmarks/train_digits.py [--seed 0] [--epochs N] [--workers W] [--progress]

--workers W trains with fit(workers=W) (data parallelism over W processes); the peak memory
is then reported for the main process and for the largest worker.
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import sys
import time

import numpy as np

from cnnlib.augment import random_shift
from cnnlib.data import load_mnist
from cnnlib.losses import CrossEntropyLoss
from cnnlib.models import DIGIT_RECIPE, digit_cnn
from cnnlib.optim import SGD, Adam, cosine_lr
from cnnlib.train import accuracy, fit, predict


def peak_rss_mb():
    """Peak resident set size of this process in MB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak * 1024 / 1e6


class WorkerMemory:
    """fit() callback: after each epoch, the largest peak RSS (VmHWM, MB) among the training
    workers, found in /proc as children of multiprocessing's fork server (Linux only)."""

    def __init__(self):
        self.peak_mb = 0.0

    def on_epoch_end(self, epoch, history, model):
        for status in glob.glob("/proc/[0-9]*/status"):
            try:
                with open(status) as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
                with open(status.replace("status", "cmdline"), "rb") as f:
                    cmdline = f.read()
            except OSError:
                continue
            parent = int(fields["PPid"])
            if b"forkserver" in cmdline and parent != os.getpid() and "VmHWM" in fields:
                self.peak_mb = max(self.peak_mb, int(fields["VmHWM"].split()[0]) * 1024 / 1e6)


def train(recipe=DIGIT_RECIPE, progress=False, workers=1, callbacks=()):
    """Train digit_cnn as notebook 07 does; returns (model, history, seconds)."""
    X, y, X_test, y_test = load_mnist()
    rng = np.random.default_rng(recipe["seed"])
    model = digit_cnn(rng)
    if recipe["optimizer"] == "SGD":
        opt = SGD(model.parameters(), lr=recipe["lr"], momentum=recipe["momentum"],
                  weight_decay=recipe["weight_decay"])
    else:
        opt = Adam(model.parameters(), lr=recipe["lr"], weight_decay=recipe["weight_decay"])
    shift = recipe["max_shift"]
    start = time.perf_counter()
    history = fit(model, X, y, epochs=recipe["epochs"], batch_size=recipe["batch_size"],
                  optimizer=opt, loss_fn=CrossEntropyLoss(), rng=rng,
                  lr_schedule=cosine_lr(recipe["lr"], recipe["epochs"], warmup=recipe["warmup"]),
                  augment=(lambda xb, r: random_shift(xb, shift, r)) if shift else None,
                  progress=progress, workers=workers, callbacks=list(callbacks))
    return model, history, time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DIGIT_RECIPE["seed"])
    parser.add_argument("--epochs", type=int, default=DIGIT_RECIPE["epochs"])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--progress", action="store_true")
    args = parser.parse_args(argv)
    recipe = {**DIGIT_RECIPE, "seed": args.seed, "epochs": args.epochs}
    print("recipe:", recipe)
    print("load average {:.2f} {:.2f} {:.2f} at start".format(*os.getloadavg()))
    print(f"workers: {args.workers}")
    memory = WorkerMemory()
    model, history, seconds = train(recipe, progress=args.progress, workers=args.workers,
                                    callbacks=[memory] if args.workers > 1 else [])
    X_test, y_test = load_mnist()[2:]
    acc = accuracy(y_test, predict(model, X_test, labels=True))
    print(f"train loss {history['train_loss'][-1]:.4f}, train acc (augmented) "
          f"{history['train_acc'][-1]:.4f}")
    print(f"test accuracy: {acc:.2%} on {len(y_test)} held-out digits")
    print(f"training time: {seconds:.1f} s ({seconds / recipe['epochs']:.2f} s/epoch)")
    print(f"peak RSS: {peak_rss_mb():.0f} MB" + (
        f" (largest worker: {memory.peak_mb:.0f} MB)"
        if args.workers > 1 else ""))
    print("load average {:.2f} {:.2f} {:.2f} at end".format(*os.getloadavg()))
    return acc, seconds


if __name__ == "__main__":
    main()
