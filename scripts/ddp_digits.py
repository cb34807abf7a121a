#!/usr/bin/env python
"""The digits network trained by several processes with PyTorch's DistributedDataParallel
(gloo backend, CPU), its gradients checked against one process computing the whole batch.

    python -m torch.distributed.run --nproc-per-node=2 scripts/ddp_digits.py [--steps 5]

(``torchrun`` is the same command.) Notebook 08 runs it. Each of the P processes ("ranks")
builds the same network (cnnlib.models.digit_cnn with DIGIT_RECIPE's seed, copied into
torch.nn by cnnlib.torch_bridge.to_torch, in float64 so that rounding cannot hide a
difference) and, at every step, takes its slice of the same batch: rank r gets samples
r*B/P ... (r+1)*B/P - 1. DDP averages the P gradients during backward (an all-reduce), so
every rank holds the gradient of the whole batch and takes the same SGD step. Rank 0 also
keeps a single-process copy of the network that computes the gradient of the whole batch
and takes the same steps; the script prints the largest relative difference between the
two (cnnlib.gradcheck.rel_error, over every parameter and step) and checks that all ranks
hold the same weights at the end. Every rank prints ``DDP_JOINED rank r of P`` once the
processes have met (cnnlib.torch_bridge.run_torchrun retries a launch that fails before);
rank 0 times the start (imports and meeting) and the steps. Its last line is
machine-readable: ``DDP_RESULT {"world_size": 2, "max_rel_diff": ..., ...}``.

A training script over whole epochs would give each rank its share of the data with
``torch.utils.data.DistributedSampler`` and call ``sampler.set_epoch(epoch)`` at the start of
every epoch: the sampler shuffles with seed + epoch, the same order on every rank (so the
shares never overlap), and without set_epoch every epoch repeats the first one's order.
Notebook 08 shows it; this script takes a few steps on fixed batches instead.

Several machines: the same command on each, with --nnodes=N --node-rank=i
--master-addr=<address of node 0> --master-port=<a free port there>.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="SGD steps to take (default 5)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="the whole batch, shared by all ranks (default: the recipe's)")
    return parser.parse_args(argv)


def say(line):
    """Print one line in one write: the ranks share stdout, and torchrun makes it unbuffered
    (print's two writes, text and newline, could interleave with another rank's)."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(argv=None) -> int:
    started = time.perf_counter()
    args = parse_args(argv)
    if "RANK" not in os.environ:  # not started by torchrun: say how, in one line
        print("ddp_digits.py runs under torchrun, which starts the processes: "
              f"{sys.executable} -m torch.distributed.run --nproc-per-node=2 {sys.argv[0]}",
              file=sys.stderr)
        return 2
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel as DDP

    from cnnlib.data import load_mnist
    from cnnlib.gradcheck import rel_error
    from cnnlib.models import DIGIT_RECIPE, digit_cnn
    from cnnlib.torch_bridge import to_torch

    torch.set_num_threads(1)  # one core per process
    dist.init_process_group("gloo")  # reads RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
    rank, world = dist.get_rank(), dist.get_world_size()
    say(f"DDP_JOINED rank {rank} of {world}: the processes have met (gloo)")
    joined = time.perf_counter()
    batch = args.batch_size or DIGIT_RECIPE["batch_size"]
    if batch % world:
        if rank == 0:
            print(f"ddp_digits.py: the batch of {batch} does not split into {world} equal "
                  "slices (DDP averages the slices' gradients, right only for equal slices).",
                  file=sys.stderr)
        dist.destroy_process_group()
        return 2
    share = batch // world

    seed = DIGIT_RECIPE["seed"]
    model = digit_cnn(np.random.default_rng(seed))  # every rank builds the same start
    net = DDP(to_torch(model, dtype=np.float64))   # DDP also copies rank 0's weights to all
    reference = to_torch(model, dtype=np.float64) if rank == 0 else None
    sgd = dict(lr=DIGIT_RECIPE["lr"], momentum=DIGIT_RECIPE["momentum"],
               weight_decay=DIGIT_RECIPE["weight_decay"])
    opt = torch.optim.SGD(net.parameters(), **sgd)
    ref_opt = torch.optim.SGD(reference.parameters(), **sgd) if rank == 0 else None
    loss_fn = torch.nn.CrossEntropyLoss()

    X, y, _, _ = load_mnist()
    order = np.random.default_rng(seed).permutation(len(X))  # the same order on every rank
    worst, ddp_seconds, ref_seconds = 0.0, 0.0, 0.0
    for step in range(args.steps):
        idx = order[step * batch:(step + 1) * batch]
        xb, yb = torch.from_numpy(X[idx].astype(np.float64)), torch.from_numpy(y[idx])
        mine = slice(rank * share, (rank + 1) * share)  # this rank's slice of the batch
        tick = time.perf_counter()
        opt.zero_grad()
        loss_fn(net(xb[mine]), yb[mine]).backward()  # DDP averages the gradients here
        ddp_seconds += time.perf_counter() - tick
        if rank == 0:  # one process, the whole batch
            tick = time.perf_counter()
            ref_opt.zero_grad()
            loss_fn(reference(xb), yb).backward()
            for p, q in zip(net.module.parameters(), reference.parameters(), strict=True):
                worst = max(worst, rel_error(p.grad.numpy(), q.grad.numpy()))
            ref_opt.step()
            ref_seconds += time.perf_counter() - tick
        tick = time.perf_counter()
        opt.step()
        ddp_seconds += time.perf_counter() - tick

    # every rank must hold rank 0's weights: broadcast them, compare, take the largest gap
    flat = torch.cat([p.detach().reshape(-1) for p in net.module.parameters()])
    theirs = flat.clone()
    dist.broadcast(theirs, src=0)
    gap = (flat - theirs).abs().max().reshape(1)
    dist.all_reduce(gap, op=dist.ReduceOp.MAX)
    if rank == 0:
        ref_flat = torch.cat([p.detach().reshape(-1) for p in reference.parameters()])
        weights_vs_one = rel_error(flat.numpy(), ref_flat.numpy())
        print(f"{world} processes (gloo), {args.steps} SGD steps on batches of {batch} digits "
              f"({share} per process), float64")
        print(f"gradients, DDP vs one process on the whole batch: max relative difference "
              f"{worst:.1e}")
        print(f"weights after {args.steps} steps: ranks differ by at most {gap.item():.1e}; "
              f"DDP vs one process: relative difference {weights_vs_one:.1e}")
        print(f"rank 0's time: {joined - started:.1f} s to start (imports, meeting), "
              f"{ddp_seconds:.2f} s for the {args.steps} DDP steps, {ref_seconds:.2f} s for "
              "the one-process reference")
        result = {"world_size": world, "steps": args.steps, "batch_size": batch,
                  "max_rel_diff": worst, "rank_weight_gap": gap.item(),
                  "weights_rel_diff": weights_vs_one, "start_seconds": joined - started,
                  "ddp_seconds": ddp_seconds, "reference_seconds": ref_seconds}
        say("DDP_RESULT " + json.dumps(result))
    dist.barrier()  # every rank is done before the group is taken down
    dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    sys.exit(main())
