"""import cnnlib keeps freed memory for reuse (cnnlib/memory.py): counted in page faults."""

import os
import platform
import subprocess
import sys

import pytest

LOOP = """
import resource
import numpy as np
from cnnlib.conv import conv2d_backward, conv2d_forward

rng = np.random.default_rng(0)
layers = []  # the course network's two convolutions, batch 64
for C, F, H in [(1, 8, 28), (8, 16, 14)]:
    layers.append((rng.standard_normal((64, C, H, H)).astype(np.float32),
                   rng.standard_normal((F, C, 3, 3)).astype(np.float32),
                   rng.standard_normal(F).astype(np.float32),
                   rng.standard_normal((64, F, H, H)).astype(np.float32)))
(x1, w1, b1, d1), (x2, w2, b2, d2) = layers

def step():  # as in a training step; every array is freed on return
    _, cache1 = conv2d_forward(x1, w1, b1, padding=1)
    _, cache2 = conv2d_forward(x2, w2, b2, padding=1)
    conv2d_backward(d2, cache2)
    conv2d_backward(d1, cache1, need_dx=False)

for _ in range(5):
    step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(20):
    step()
print((resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before) / 20)
"""


def faults_per_call(keep):
    env = dict(os.environ, CNNLIB_KEEP_FREED_MEMORY="1" if keep else "0", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", LOOP], env=env, capture_output=True, text=True,
                         check=True, timeout=120)
    return float(out.stdout.split()[-1])


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="glibc's malloc thresholds are what memory.py tunes")
def test_import_cnnlib_stops_page_faults_in_a_conv_loop():
    without, with_ = faults_per_call(keep=False), faults_per_call(keep=True)
    # ~2,100 page faults per step measured without; none with.
    assert without > 500, f"the cost this guards against did not show: {without} faults/call"
    assert with_ < 200, f"{with_} page faults per step (without: {without})"


def test_keep_freed_memory_returns_its_size():
    from cnnlib.memory import keep_freed_memory

    assert keep_freed_memory() == 30 << 20
