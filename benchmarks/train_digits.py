"""Notebook 07's numbers: train digit_cnn with DIGIT_RECIPE, as notebook 07 does.

The protocol (notebook 07, section 0). The 4,000 MNIST training digits are split
(cnnlib.data.train_val_split, stratified, seeded) into 3,500 for training and 500 for
validation; the recipe and everything else are compared on the validation digits. The
recipe is then frozen and the final model is trained with it, the same number of epochs, on
all 4,000 training digits; the 1,000 test digits measure the declared models once.

How DIGIT_RECIPE really came about, for the record (notebook 07 says the same): START, the
search's starting point, was tuned by hand in an earlier version of notebook 07 whose
"validation" digits were the first 200 TEST digits; --search then compared variants of it on
validation only. The first test run of this version scored the 3,500-digit network (97.9 %);
retraining on all 4,000 digits was decided after that. --seeds measures how much the final
recipe's test accuracy moves from seed to seed.

    python benchmarks/train_digits.py [--seed 0] [--epochs N] [--workers W] [--progress]
        the recipe: validation accuracy (trained on 3,500), then the final model (all 4,000)
        and its test accuracy, each with a 95 % interval; training time, peak memory.
        Targets: >= 98 % test accuracy, < 30 s of training on 2 cores, peak RSS <= 500 MB.
        --workers W trains with fit(workers=W) (data parallelism, cnnlib.parallel).
    python benchmarks/train_digits.py --search [--record FILE.json]
        variants of START, each trained with three seeds and scored by its mean VALIDATION
        accuracy (the test digits are not loaded); the rule picks the cheapest variant (the
        fewest epochs; then shifts before rotations and zooms) within TIE_DIGITS of the best.
        Notebook 07 prints a recorded run: benchmarks/results/.
    python benchmarks/train_digits.py --seeds 0 1 2 3 4 [--record FILE.json]
        per seed, the recipe as notebook 07 runs it: the CNN and the MLP of equal size
        (hidden 256) on 3,500 digits, with and without augmentation (train and validation
        accuracy, and test), and the final CNN on all 4,000 digits (test). Notebook 07 prints
        a recorded run: the spread of its numbers over seeds.
    python benchmarks/train_digits.py --compare
        notebook 07's comparison, on validation: the CNN and two MLPs (hidden 128 and 256)
        with the same recipe, with and without augmentation (the ablation); then the
        notebook's one test table.

--record FILE writes what was printed as JSON, with the command, the date and the versions
(cnnlib.models.RECORDED_RUNS holds a copy for the notebook; tests/test_digit_records.py
checks that the two agree).
"""

from __future__ import annotations

import argparse
import glob
import math
import os
import resource
import sys
import time

import numpy as np

from cnnlib.augment import random_affine, random_shift
from cnnlib.data import load_mnist, train_val_split
from cnnlib.losses import CrossEntropyLoss
from cnnlib.models import DIGIT_RECIPE, digit_cnn, mlp
from cnnlib.optim import SGD, Adam, cosine_lr
from cnnlib.train import accuracy, fit, predict

# The search started from this recipe: the course's earlier one, tuned by hand in an earlier
# version of notebook 07 whose "validation" digits were the first 200 test digits (so this
# starting point was chosen with test digits in view). It tried one change at a time, then
# rotations and zooms added to the shifts (random_affine), each on validation only.
START = {**DIGIT_RECIPE, "epochs": 15, "lr": 0.05, "weight_decay": 5e-4, "max_shift": 2,
         "optimizer": "SGD", "augment": "shift"}
AFFINE = {"augment": "affine", "max_rotation": 10.0, "max_scale": 0.1}
SEARCH = [{}, {"lr": 0.02}, {"lr": 0.1}, {"epochs": 10}, {"epochs": 20},
          {"weight_decay": 0.0}, {"weight_decay": 1e-3}, {"max_shift": 1}, {"max_shift": 3},
          {"optimizer": "Adam", "lr": 3e-3, "weight_decay": 0.0},
          {"epochs": 10, "weight_decay": 1e-3},
          {**AFFINE, "epochs": 10}, {**AFFINE}, {**AFFINE, "max_rotation": 15.0},
          {**AFFINE, "epochs": 20}]
SEARCH_SEEDS = (0, 1, 2)
# Variants whose mean number of right validation digits (of 500) is within this of the best
# count as equally good: about the spread between seeds of one and the same recipe. Among them
# the rule takes the cheapest, counted in epochs (then plain shifts before rotations and zooms,
# which cost more per epoch), not in measured seconds: on a shared machine the same recipe's
# seconds vary threefold with the load (a recording that used seconds picked by accident).
TIE_DIGITS = 2


def interval(acc, n):
    """Half-width of the 95 % normal interval of an accuracy measured on n digits."""
    return 1.96 * math.sqrt(acc * (1 - acc) / n)


def split(recipe=DIGIT_RECIPE):
    """(X_train, y_train, X_val, y_val): the 3,500 / 500 split of the 4,000 training digits."""
    X, y, _, _ = load_mnist()
    return train_val_split(X, y, recipe["val_fraction"], recipe["split_seed"])


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


def train(recipe=DIGIT_RECIPE, data=None, model="cnn", augment=True, progress=False,
          workers=1, callbacks=()):
    """Train as notebook 07 does; returns (model, history, seconds).

    model: "cnn" (digit_cnn) or "mlp<hidden>" (e.g. "mlp256"), built from the recipe's seed;
    augment=False leaves out the random shifts (the ablation). data: split() by default.
    """
    X, y, X_val, y_val = split(recipe) if data is None else data
    rng = np.random.default_rng(recipe["seed"])
    net = digit_cnn(rng) if model == "cnn" else mlp(rng, hidden=int(model[3:]))
    if recipe["optimizer"] == "SGD":
        opt = SGD(net.parameters(), lr=recipe["lr"], momentum=recipe["momentum"],
                  weight_decay=recipe["weight_decay"])
    else:
        opt = Adam(net.parameters(), lr=recipe["lr"], weight_decay=recipe["weight_decay"])
    start = time.perf_counter()
    history = fit(net, X, y, epochs=recipe["epochs"], batch_size=recipe["batch_size"],
                  optimizer=opt, loss_fn=CrossEntropyLoss(), rng=rng,
                  lr_schedule=cosine_lr(recipe["lr"], recipe["epochs"], warmup=recipe["warmup"]),
                  augment=augmentation(recipe) if augment else None,
                  validation=(X_val, y_val), progress=progress, workers=workers,
                  callbacks=list(callbacks))
    return net, history, time.perf_counter() - start


def augmentation(recipe):
    """The recipe's augment(xb, rng) for fit: random shifts, or rotations + zooms + shifts."""
    if recipe["augment"] == "affine":
        rot, scale, shift = recipe["max_rotation"], recipe["max_scale"], recipe["max_shift"]
        return lambda xb, r: random_affine(xb, rot, scale, shift, r)
    return lambda xb, r: random_shift(xb, recipe["max_shift"], r)


def search():
    """Score every variant of START by its validation digits right, averaged over
    SEARCH_SEEDS; the winner is the cheapest among those within TIE_DIGITS of the best
    (cost: the epochs, then shifts before rotations and zooms; then the higher score).
    Returns what it printed, as a dict (for --record)."""
    data = split()
    n_val = len(data[3])
    results = []
    for change in SEARCH:
        recipe = {**START, **change}
        right, seconds = [], 0.0
        for seed in SEARCH_SEEDS:
            _, history, sec = train({**recipe, "seed": seed}, data)
            right.append(round(history["val_acc"][-1] * n_val))
            seconds += sec / len(SEARCH_SEEDS)
        results.append((sum(right), seconds, change, right))
        print(f"{str(change or 'start'):66s} validation {sum(right) / len(right) / n_val:.2%} "
              f"(right of {n_val}: {', '.join(map(str, right))}), {seconds:.1f} s", flush=True)
    best = max(r for r, _, _, _ in results)
    near = [res for res in results if best - res[0] <= TIE_DIGITS * len(SEARCH_SEEDS)]
    def cost(res):
        recipe = {**START, **res[2]}
        return recipe["epochs"], recipe["augment"] != "shift", -res[0]

    right, seconds, change, _ = min(near, key=cost)
    winner = {**START, **change}
    k = len(SEARCH_SEEDS)
    print(f"\nchosen: {change or 'start'}: {right / k:.1f} of {n_val} right on average (best "
          f"{best / k:.1f}), {seconds:.1f} s; the cheapest of the {len(near)} variant(s) within "
          f"{TIE_DIGITS} digits of the best (fewest epochs, then shifts only)")
    same = all(winner[key] == DIGIT_RECIPE[key] for key in START)
    print("DIGIT_RECIPE is this recipe:", "yes" if same else f"NO - {winner}")
    return {"start": START, "seeds": list(SEARCH_SEEDS), "n_val": n_val,
            "tie_digits": TIE_DIGITS, "chosen": change, "chosen_is_digit_recipe": same,
            "rows": [{"change": ch, "right": r, "seconds": round(sec, 1)}
                     for _, sec, ch, r in results]}


def train_final(recipe=DIGIT_RECIPE, progress=False, workers=1, callbacks=()):
    """The final model: the recipe on all 4,000 training digits (no validation left)."""
    X, y, _, _ = load_mnist()
    rng = np.random.default_rng(recipe["seed"])
    net = digit_cnn(rng)
    opt = SGD(net.parameters(), lr=recipe["lr"], momentum=recipe["momentum"],
              weight_decay=recipe["weight_decay"])
    start = time.perf_counter()
    fit(net, X, y, epochs=recipe["epochs"], batch_size=recipe["batch_size"], optimizer=opt,
        loss_fn=CrossEntropyLoss(), rng=rng,
        lr_schedule=cosine_lr(recipe["lr"], recipe["epochs"], warmup=recipe["warmup"]),
        augment=augmentation(recipe), progress=progress, workers=workers,
        callbacks=list(callbacks))
    return net, time.perf_counter() - start


def compare():
    """Notebook 07's comparison: same recipe for every model; validation, then test once."""
    data = split()
    X_tr, y_tr, X_val, y_val = data
    runs = [("CNN", "cnn", True), ("MLP 128", "mlp128", True),
            ("MLP 256", "mlp256", True), ("CNN, no augmentation", "cnn", False),
            ("MLP 256, no augmentation", "mlp256", False)]
    models = {}
    print(f"{'model':26s} {'params':>8s} {'s/epoch':>8s} {'train':>7s} {'val':>7s} {'gap':>6s}")
    for name, kind, augment in runs:
        net, history, seconds = train(data=data, model=kind, augment=augment)
        train_acc = accuracy(y_tr, predict(net, X_tr, labels=True))
        val_acc = history["val_acc"][-1]
        models[name] = net
        print(f"{name:26s} {sum(p.size for p in net.parameters()):8,d} "
              f"{seconds / DIGIT_RECIPE['epochs']:8.2f} {train_acc:7.2%} {val_acc:7.2%} "
              f"{(train_acc - val_acc) * 100:5.1f}", flush=True)
    models = {"final CNN (all 4,000 digits)": train_final()[0], **models}
    _, _, X_test, y_test = load_mnist()
    print("\ntest, once:")
    for name, net in models.items():
        acc = accuracy(y_test, predict(net, X_test, labels=True))
        print(f"{name:30s} {acc:7.2%} +- {interval(acc, len(y_test)):.2%}")


SEED_RUNS = [("cnn", "cnn", True), ("cnn_noaug", "cnn", False), ("mlp256", "mlp256", True),
             ("mlp256_noaug", "mlp256", False)]


def seeds(seed_list):
    """Notebook 07's runs, once per seed: digits right (train of 3,500, validation of 500,
    test of 1,000) for each of SEED_RUNS, and the final CNN's test digits right. Returns a
    dict (for --record)."""
    data = split()
    X_tr, y_tr, _, _ = data
    _, _, X_test, y_test = load_mnist()

    def right(net, X, y):
        return int(np.sum(predict(net, X, labels=True) == y))

    rows = []
    print("digits right: train of 3,500 / validation of 500 / test of 1,000; gap = train - "
          "validation accuracy, in points")
    for seed in seed_list:
        recipe = {**DIGIT_RECIPE, "seed": seed}
        row = {"seed": seed}
        for name, kind, augment in SEED_RUNS:
            net, history, _ = train(recipe, data, model=kind, augment=augment)
            row[name] = {"train": right(net, X_tr, y_tr),
                         "val": round(history["val_acc"][-1] * len(data[3])),
                         "test": right(net, X_test, y_test)}
        row["final"] = {"test": right(train_final(recipe)[0], X_test, y_test)}
        rows.append(row)
        gaps = ", ".join(f"{name} {r['train']}/{r['val']}/{r['test']} (gap "
                         f"{(r['train'] / len(y_tr) - r['val'] / len(data[3])) * 100:.1f})"
                         for name, r in ((n, row[n]) for n, _, _ in SEED_RUNS))
        print(f"seed {seed}: final CNN (4,000 digits) test {row['final']['test'] / 10:.1f} %; "
              f"{gaps}", flush=True)
    tests = [r["final"]["test"] / 10 for r in rows]
    print(f"final CNN, test accuracy over {len(rows)} seeds: {min(tests):.1f} % to "
          f"{max(tests):.1f} %, mean {np.mean(tests):.2f} %")
    return {"recipe": DIGIT_RECIPE, "n": {"train": len(y_tr), "val": len(data[3]),
                                          "test": len(y_test)}, "rows": rows}


def record(path, argv, result):
    """Write result as JSON, with the command that made it, the date and the versions."""
    import datetime
    import json
    import platform

    import cnnlib
    out = {"command": "python benchmarks/train_digits.py " + " ".join(argv),
           "date": datetime.date.today().isoformat(),
           "versions": {"cnnlib": cnnlib.__version__, "numpy": np.__version__,
                        "python": platform.python_version()},
           "load_average_at_end": [round(x, 2) for x in os.getloadavg()], **result}
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print(f"recorded in {path}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=DIGIT_RECIPE["seed"])
    parser.add_argument("--epochs", type=int, default=DIGIT_RECIPE["epochs"])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--progress", action="store_true")
    parser.add_argument("--search", action="store_true",
                        help="compare variants of START on validation")
    parser.add_argument("--compare", action="store_true", help="CNN vs MLPs, the ablation")
    parser.add_argument("--seeds", type=int, nargs="+", metavar="SEED",
                        help="notebook 07's runs for each of these seeds (the spread)")
    parser.add_argument("--record", metavar="FILE.json",
                        help="with --search or --seeds: also write the results as JSON")
    args = parser.parse_args(argv)
    argv = sys.argv[1:] if argv is None else list(argv)
    if args.search or args.seeds:
        result = search() if args.search else seeds(args.seeds)
        if args.record:
            record(args.record, [a for a in argv if a != args.record and a != "--record"],
                   result)
        return result
    if args.compare:
        return compare()
    recipe = {**DIGIT_RECIPE, "seed": args.seed, "epochs": args.epochs}
    print("recipe:", recipe)
    print("load average {:.2f} {:.2f} {:.2f} at start".format(*os.getloadavg()))
    print(f"workers: {args.workers}")
    _, history, _ = train(recipe, progress=args.progress, workers=args.workers)
    val_acc, n_val = history["val_acc"][-1], len(split(recipe)[3])
    print(f"validation accuracy: {val_acc:.2%} +- {interval(val_acc, n_val):.2%} on {n_val} "
          "digits (trained on 3,500; the recipe was compared on these)")
    memory = WorkerMemory()
    model, seconds = train_final(recipe, progress=args.progress, workers=args.workers,
                                 callbacks=[memory] if args.workers > 1 else [])
    X_test, y_test = load_mnist()[2:]
    acc = accuracy(y_test, predict(model, X_test, labels=True))
    print(f"test accuracy: {acc:.2%} +- {interval(acc, len(y_test)):.2%} on {len(y_test)} "
          "held-out digits (the final model, trained on all 4,000; touched once)")
    print(f"training time of the final model: {seconds:.1f} s "
          f"({seconds / recipe['epochs']:.2f} s/epoch)")
    print(f"peak RSS: {peak_rss_mb():.0f} MB" + (
        f" (largest worker: {memory.peak_mb:.0f} MB)"
        if args.workers > 1 else ""))
    print("load average {:.2f} {:.2f} {:.2f} at end".format(*os.getloadavg()))
    return acc, seconds


if __name__ == "__main__":
    main()
