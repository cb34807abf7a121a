"""cnnlib.memory.keep_freed_memory (called by fit, not by import): counted in page faults."""

import os
import platform
import subprocess
import sys

import pytest

LOOP = """
import resource
import numpy as np
from cnnlib.conv import conv2d_backward, conv2d_forward
from cnnlib.memory import keep_freed_memory

print("kept", keep_freed_memory())  # what fit() does when training starts

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
def test_keep_freed_memory_stops_page_faults_in_a_conv_loop():
    without, with_ = faults_per_call(keep=False), faults_per_call(keep=True)
    assert without > 500, f"the cost this guards against did not show: {without} faults/call"
    assert with_ < 200, f"{with_} page faults per step (without: {without})"


def test_import_cnnlib_leaves_malloc_alone_and_fit_tunes_it_once():
    code = ("import cnnlib, cnnlib.memory as m, cnnlib.layers, cnnlib.train\n"
            "print(m._done)\n"
            "import numpy as np\n"
            "from cnnlib.models import mlp\n"
            "from cnnlib.losses import CrossEntropyLoss\n"
            "from cnnlib.optim import SGD\n"
            "model = mlp(np.random.default_rng(0))\n"
            "X = np.zeros((4, 1, 28, 28), np.float32); y = np.zeros(4, np.int64)\n"
            "cnnlib.train.fit(model, X, y, 1, 2, SGD(model.parameters(), lr=0.1),\n"
            "                 CrossEntropyLoss(), progress=False)\n"
            "print(m._done, m.keep_freed_memory())\n")
    env = dict(os.environ, CNNLIB_KEEP_FREED_MEMORY="1", OPENBLAS_NUM_THREADS="1")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=120).stdout.split()
    glibc = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"
    assert out[0] == "False", "import cnnlib must not change malloc for the whole kernel"
    assert out[1:] == (["True", "0"] if glibc else ["False", "0"]), (
        f"fit tunes malloc once, where it is glibc's: {out}")


def test_keep_freed_memory_respects_the_opt_out():
    code = "from cnnlib.memory import keep_freed_memory; print(keep_freed_memory())"
    env = dict(os.environ, CNNLIB_KEEP_FREED_MEMORY="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, timeout=60).stdout.split()
    assert out == ["0"]
