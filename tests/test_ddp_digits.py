"""scripts/ddp_digits.py: DistributedDataParallel on 2 CPU processes (gloo) gives every step the
gradient of the whole batch, as one process computes it (notebook 08, section 7).

Skipped without torch, with one line saying how to add it; CNN_REQUIRE_TORCH=1 (CI) turns the
skip into a failure. Each launch starts 2 processes (a few seconds: importing torch twice).
"""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "ddp_digits.py"
SKIP_REASON = "torch not installed: `make torch` adds the CPU build"


def _require_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        if os.environ.get("CNN_REQUIRE_TORCH") == "1":
            pytest.fail(f"CNN_REQUIRE_TORCH=1: the DDP tests must run here; {SKIP_REASON}.",
                        pytrace=False)
        pytest.skip(SKIP_REASON, allow_module_level=True)


_require_torch()


def torchrun(*args, nproc=2):
    """Run the script under torchrun on this machine (a free port, localhost only)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1",
               f"--nproc-per-node={nproc}", "--master-addr=127.0.0.1", f"--master-port={port}",
               str(SCRIPT), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=300,
                          cwd=Path(SCRIPT).parent)


def result_of(run):
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    lines = [line for line in run.stdout.splitlines() if line.startswith("DDP_RESULT ")]
    assert len(lines) == 1, "one result line, from rank 0 only:\n" + run.stdout
    return json.loads(lines[0].removeprefix("DDP_RESULT "))


def test_two_processes_get_the_whole_batch_gradient():
    result = result_of(torchrun("--steps", "3"))
    assert result["world_size"] == 2 and result["steps"] == 3 and result["batch_size"] == 64
    assert result["max_rel_diff"] < 1e-12, result   # float64: rounding only
    assert result["rank_weight_gap"] == 0.0, result  # every rank holds the same weights
    assert result["weights_rel_diff"] < 1e-12, result


def test_an_uneven_batch_is_refused_with_the_reason():
    run = torchrun("--steps", "1", "--batch-size", "63")
    assert run.returncode != 0
    assert "does not split into 2 equal slices" in run.stderr, run.stderr[-2000:]


def test_started_without_torchrun_it_says_how_to_start_it():
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE")}
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 2
    assert "runs under torchrun" in run.stderr and "torch.distributed.run" in run.stderr
