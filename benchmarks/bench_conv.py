"""Benchmark of cnnlib.conv: loop vs fast speed-up, and GFLOP/s against numpy's own matmul.

Run:  python benchmarks/bench_conv.py   (about ten seconds)

1. Speed-up of conv2d_forward + conv2d_backward over the _naive loop pair on a
   notebook-sized example: x (4, 1, 28, 28), w (8, 1, 3, 3), padding 1, float32.
2. GFLOP/s of forward + backward for the course network's two conv layers (batch 64,
   float32, 3x3, padding 1), next to numpy's float32 matmul on a square matrix product with
   the same number of FLOPs, measured in the same run; "fraction" is conv / matmul.
   FLOPs: forward 2*N*F*H_out*W_out*C*KH*KW, backward twice that. A first layer never
   needs dx (training skips it): "as trained" counts forward + dw, db (twice the forward).
3. Both layers as in a training step, and the page faults per step. Like ``fit``, this
   script keeps freed memory for reuse (cnnlib.memory.keep_freed_memory); run with
   CNNLIB_KEEP_FREED_MEMORY=0 to see what glibc's defaults cost: each call allocates a few
   MB, and re-faulting those pages costs more than the arithmetic.
BLAS threads: 1 unless OPENBLAS_NUM_THREADS is set (see below).
Timings are medians over rounds in which the candidates alternate, so that a burst of load
from other programs hits all of them alike. The machine load is printed first.
"""

from __future__ import annotations

import os

# One BLAS thread unless told otherwise (set OPENBLAS_NUM_THREADS before running to change
# it): cnnlib's conv makes many small per-sample matmuls, which gain nothing from threads,
# and on a shared machine idle-spinning BLAS threads make every timing erratic.
# This must happen before numpy is imported.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import resource  # noqa: E402
import timeit  # noqa: E402

import numpy as np  # noqa: E402

from cnnlib.conv import (  # noqa: E402
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
)
from cnnlib.memory import keep_freed_memory  # noqa: E402


def fwd_bwd(forward, backward, x, w, b, dout, padding, **bwd_kwargs):
    """One forward and one backward pass; returns nothing."""
    _, cache = forward(x, w, b, padding=padding)
    backward(dout, cache, **bwd_kwargs)


def alternate(candidates: dict, rounds: int, number: dict) -> dict:
    """Median seconds per call of each candidate, measured in alternating rounds."""
    times = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, fn in candidates.items():
            n = number[name]
            times[name].append(min(timeit.repeat(fn, number=n, repeat=1)) / n)
    return {name: float(np.median(t)) for name, t in times.items()}


def speedup_section(rng) -> None:
    x = rng.standard_normal((4, 1, 28, 28)).astype(np.float32)
    w = rng.standard_normal((8, 1, 3, 3)).astype(np.float32)
    b = rng.standard_normal(8).astype(np.float32)
    dout = rng.standard_normal((4, 8, 28, 28)).astype(np.float32)
    t = alternate(
        {"naive": lambda: fwd_bwd(conv2d_forward_naive, conv2d_backward_naive, x, w, b, dout, 1),
         "fast": lambda: fwd_bwd(conv2d_forward, conv2d_backward, x, w, b, dout, 1)},
        rounds=5, number={"naive": 1, "fast": 50})
    print("1) loops vs im2col, forward + backward, x (4, 1, 28, 28), w (8, 1, 3, 3), padding 1")
    print(f"   naive {t['naive'] * 1e3:8.2f} ms   fast {t['fast'] * 1e3:6.3f} ms   "
          f"speed-up {t['naive'] / t['fast']:6.0f}x   (target >= 100x)")


def layer_candidates(x, w, b, dout, a, c) -> dict:
    """conv forward + backward (with and without dx), and the reference matmul a @ c."""
    return {
        "conv": lambda: fwd_bwd(conv2d_forward, conv2d_backward, x, w, b, dout, 1),
        "conv_no_dx": lambda: fwd_bwd(conv2d_forward, conv2d_backward, x, w, b, dout, 1,
                                      need_dx=False),
        "matmul": lambda: a @ c,
    }


def gflops_section(rng) -> list:
    print("\n2) course layers, batch 64, float32, 3x3, padding 1: forward + backward")
    header = (f"   {'layer':<24}{'MFLOP':>7}{'conv ms':>9}{'conv GF/s':>11}"
              f"{'matmul n':>10}{'matmul GF/s':>13}{'fraction':>10}")
    print(header)
    per_step = []
    for C, F, H in [(1, 8, 28), (8, 16, 14)]:
        N = 64
        x = rng.standard_normal((N, C, H, H)).astype(np.float32)
        w = rng.standard_normal((F, C, 3, 3)).astype(np.float32)
        b = rng.standard_normal(F).astype(np.float32)
        dout = rng.standard_normal((N, F, H, H)).astype(np.float32)
        flops = 3 * 2 * N * F * H * H * C * 9          # forward + twice for backward
        n = round((flops / 2) ** (1 / 3))               # square matmul with the same FLOPs
        a = rng.standard_normal((n, n)).astype(np.float32)
        c = rng.standard_normal((n, n)).astype(np.float32)
        t = alternate(layer_candidates(x, w, b, dout, a, c),
                      rounds=9, number={"conv": 20, "conv_no_dx": 20, "matmul": 50})
        conv_gf = flops / t["conv"] / 1e9
        mm_gf = 2 * n ** 3 / t["matmul"] / 1e9
        name = f"{C}->{F} at {H}x{H}"
        print(f"   {name:<24}{flops / 1e6:7.1f}{t['conv'] * 1e3:9.3f}{conv_gf:11.1f}"
              f"{n:10d}{mm_gf:13.1f}{conv_gf / mm_gf:10.2f}")
        per_step.append(t["conv_no_dx"] if C == 1 else t["conv"])
        trained = 2 * flops / 3 / t["conv_no_dx"] / 1e9    # forward + dw, db: no dx
        if C == 1:  # a first layer: training never computes its dx
                print(f"   {'  as trained (no dx)':<24}{2 * flops / 3e6:7.1f}"
                  f"{t['conv_no_dx'] * 1e3:9.3f}{trained:11.1f}{'':23}{trained / mm_gf:10.2f}")
    print("   fraction target >= 0.3")
    return per_step


def step_section(rng, per_layer) -> None:
    """Both layers as in one training step: forward 1, forward 2, backward 2, backward 1."""
    layers = []
    for C, F, H in [(1, 8, 28), (8, 16, 14)]:
        layers.append((rng.standard_normal((64, C, H, H)).astype(np.float32),
                       rng.standard_normal((F, C, 3, 3)).astype(np.float32),
                       rng.standard_normal(F).astype(np.float32),
                       rng.standard_normal((64, F, H, H)).astype(np.float32)))
    (x1, w1, b1, d1), (x2, w2, b2, d2) = layers

    def step():
        _, cache1 = conv2d_forward(x1, w1, b1, padding=1)
        _, cache2 = conv2d_forward(x2, w2, b2, padding=1)
        conv2d_backward(d2, cache2)
        conv2d_backward(d1, cache1, need_dx=False)

    t = alternate({"step": step}, rounds=9, number={"step": 10})["step"]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(20):
        step()
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20
    print("\n3) the course network's two convolutions in one training step, batch 64 "
          "(layer 1 without dx):")
    print(f"   interleaved {t * 1e3:.2f} ms per batch;  sum of the layers timed apart "
          f"{sum(per_layer) * 1e3:.2f} ms;  {faults:.0f} page faults per step")


def main() -> None:
    rng = np.random.default_rng(0)
    load = os.getloadavg() if hasattr(os, "getloadavg") else ("?",) * 3
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs, "
          f"OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}, load average "
          + " ".join(f"{v:.2f}" if isinstance(v, float) else v for v in load))
    keep = keep_freed_memory() > 0  # as fit() does when training starts
    print("memory: " + ("freed memory kept for reuse (cnnlib.memory, as in fit)" if keep else
                        "glibc defaults (CNNLIB_KEEP_FREED_MEMORY=0, or not glibc)"))
    speedup_section(rng)
    per_layer = gflops_section(rng)
    step_section(rng, per_layer)


if __name__ == "__main__":
    main()
