"""cnnlib.torch_bridge's helpers that need no PyTorch: blas_threads (notebook 08's setup cell
prints it) and the one-sentence way to add PyTorch."""

import sys
import types

from cnnlib import torch_bridge
from cnnlib.torch_bridge import HOW_TO_ADD, PIP_TORCH, blas_threads

BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def test_how_to_add_gives_make_torch_and_the_plain_pip_command():
    assert "`make torch`" in HOW_TO_ADD and f"`{PIP_TORCH}`" in HOW_TO_ADD
    assert PIP_TORCH == "pip install torch --index-url https://download.pytorch.org/whl/cpu"


def _without_threadpoolctl(monkeypatch):
    monkeypatch.setitem(sys.modules, "threadpoolctl", None)  # import fails


def test_blas_threads_reads_the_variable_that_is_set(monkeypatch):
    _without_threadpoolctl(monkeypatch)
    for var in BLAS_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    assert blas_threads() == "3 (OMP_NUM_THREADS=3)"
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")  # OpenBLAS's own variable comes first
    assert blas_threads() == "1 (OPENBLAS_NUM_THREADS=1)"


def test_blas_threads_without_a_variable_is_one_per_core(monkeypatch):
    _without_threadpoolctl(monkeypatch)
    for var in BLAS_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(torch_bridge.os, "cpu_count", lambda: 6)
    assert blas_threads().startswith("6, one per core (the default")


def test_blas_threads_prefers_threadpoolctl(monkeypatch):
    fake = types.ModuleType("threadpoolctl")
    fake.threadpool_info = lambda: [
        {"user_api": "blas", "internal_api": "openblas", "num_threads": 2},
        {"user_api": "openmp", "internal_api": "openmp", "num_threads": 8}]
    monkeypatch.setitem(sys.modules, "threadpoolctl", fake)
    assert blas_threads() == "openblas 2 (read by threadpoolctl)"
