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
x = rng.standard_normal((64, 1, 28, 28)).astype(np.float32)
w = rng.standard_normal((8, 1, 3, 3)).astype(np.float32)
b = rng.standard_normal(8).astype(np.float32)
dout = rng.standard_normal((64, 8, 28, 28)).astype(np.float32)

def step():  # the functional API as a benchmark calls it: every array freed on return
    _, cache = conv2d_forward(x, w, b, padding=1)
    conv2d_backward(dout, cache)

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
    # ~1,760 page faults per call measured without; a few dozen with.
    assert without > 500, f"the cost this guards against did not show: {without} faults/call"
    assert with_ < 200, f"{with_} page faults per conv forward+backward (without: {without})"


def test_keep_freed_memory_returns_its_size():
    from cnnlib.memory import keep_freed_memory

    assert keep_freed_memory() == 30 << 20
