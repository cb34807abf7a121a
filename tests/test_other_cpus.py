"""The notebooks whose numbers come from float32 training or rounding noise (06, 07) pass on
another CPU too: run with OpenBLAS forced to its AVX2 kernels (``OPENBLAS_CORETYPE=Haswell``,
an ordinary laptop) and with two BLAS threads, as a learner runs them.

Float32 sums taken in another order give a slightly different network, so these notebooks may
assert only what holds on every machine; this test catches an assert that pins one machine's
number. (On a CPU without AVX-512 the forced kernel is the default one: the test still runs.)
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ["06_backpropagation_through_conv.ipynb", "07_full_cnn.ipynb"]


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_notebook_passes_with_avx2_kernels_and_two_threads(notebook, tmp_path):
    env = {**os.environ, "OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_NUM_THREADS": "2",
           "MPLBACKEND": "Agg"}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
         "--nbval-current-env", str(ROOT / "notebooks" / notebook)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, (
        f"{notebook} fails on AVX2 kernels with 2 BLAS threads: an assert pins a number of "
        f"this machine's run.\n{proc.stdout[-6000:]}\n{proc.stderr[-2000:]}")
