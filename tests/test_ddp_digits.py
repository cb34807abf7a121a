"""scripts/ddp_digits.py: DistributedDataParallel on 2 CPU processes (gloo) gives every step the
gradient of the whole batch, as one process computes it (notebook 08, section 7); and
cnnlib.torch_bridge.run_torchrun, which launches it: a free port chosen by torchrun itself,
one retry when the processes never met, and on failure a message with every process's stderr.

Skipped without torch, with one line saying how to add it; CNN_REQUIRE_TORCH=1 (CI) turns the
skip into a failure. Each launch starts 2 processes (a few seconds: importing torch twice).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cnnlib.torch_bridge import HOW_TO_ADD, TorchrunFailed, run_torchrun

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "ddp_digits.py"
SKIP_REASON = f"torch not installed: {HOW_TO_ADD}"


def _require_torch():
    try:
        import torch  # noqa: F401
    except ImportError:
        if os.environ.get("CNN_REQUIRE_TORCH") == "1":
            pytest.fail(f"CNN_REQUIRE_TORCH=1: the DDP tests must run here; {SKIP_REASON}.",
                        pytrace=False)
        pytest.skip(SKIP_REASON, allow_module_level=True)


_require_torch()


def result_of(run):
    lines = [line for line in run.stdout.splitlines() if line.startswith("DDP_RESULT ")]
    assert len(lines) == 1, "one result line, from rank 0 only:\n" + run.stdout
    return json.loads(lines[0].removeprefix("DDP_RESULT "))


def test_two_processes_get_the_whole_batch_gradient():
    run = run_torchrun(SCRIPT, "--steps", "3")  # raises TorchrunFailed, saying why, if it fails
    result = result_of(run)
    assert result["world_size"] == 2 and result["steps"] == 3 and result["batch_size"] == 64
    assert result["max_rel_diff"] < 1e-12, result   # float64: rounding only
    assert result["rank_weight_gap"] == 0.0, result  # every rank holds the same weights
    assert result["weights_rel_diff"] < 1e-12, result
    assert sum(line.startswith("DDP_JOINED rank") for line in run.stdout.splitlines()) == 2
    assert result["start_seconds"] > 0 and result["ddp_seconds"] > 0, result  # reported times


def test_an_uneven_batch_is_refused_with_the_reason():
    with pytest.raises(TorchrunFailed) as failed:
        run_torchrun(SCRIPT, "--steps", "1", "--batch-size", "63", log=pytest.fail)
    message = str(failed.value)
    assert "all processes had met" in message, "a refusal after meeting is not retried"
    assert "does not split into 2 equal slices" in message, message
    assert "--- stderr of process 0:" in message and "--- stderr of process 1:" in message


def test_started_without_torchrun_it_says_how_to_start_it():
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE")}
    run = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, env=env,
                         timeout=120)
    assert run.returncode == 2
    assert "runs under torchrun" in run.stderr and "torch.distributed.run" in run.stderr


# ------------------------------------------------------------------ run_torchrun itself
FLAKY = r'''
import os, sys
from pathlib import Path
import torch.distributed as dist
rank, marker = int(os.environ["RANK"]), Path(sys.argv[1])
if not marker.exists():  # the first launch: rank 0 fails as a store that cannot be reached
    if rank == 0:
        marker.write_text("failed once")
        sys.exit("DistStoreError: the store timed out (a simulated rendezvous failure)")
    sys.exit(1)
dist.init_process_group("gloo")
sys.stdout.write(f"DDP_JOINED rank {rank}\n")
sys.stdout.flush()
dist.barrier()
dist.destroy_process_group()
'''

BROKEN = r'''
import os, sys
import torch.distributed as dist
dist.init_process_group("gloo")
rank = dist.get_rank()
sys.stdout.write(f"DDP_JOINED rank {rank}\n")
sys.stdout.flush()
sys.stderr.write(f"process {rank} says goodbye on stderr\n")
dist.barrier()
sys.exit(3 if rank == 1 else 0)
'''


def test_a_rendezvous_failure_is_retried_once_and_printed(tmp_path):
    script = tmp_path / "flaky.py"
    script.write_text(FLAKY)
    printed = []
    run = run_torchrun(script, tmp_path / "marker", log=printed.append)
    assert run.returncode == 0 and run.stdout.count("DDP_JOINED") == 2
    assert len(printed) == 1, "the first failure is printed, once"
    assert "attempt 1; the processes never all met" in printed[0]
    assert "simulated rendezvous failure" in printed[0] and "trying again" in printed[0]


def test_a_rendezvous_failure_that_persists_says_what_happened(tmp_path):
    script = tmp_path / "never.py"
    script.write_text("import sys\nsys.exit('DistNetworkError: cannot connect to the store')\n")
    printed = []
    with pytest.raises(TorchrunFailed) as failed:
        run_torchrun(script, log=printed.append)
    assert len(printed) == 1 and "attempt 1" in printed[0]
    message = str(failed.value)
    assert message.startswith("torchrun exited with code 1 (attempt 2;"), message
    assert message.count("cannot connect to the store") == 2, "both processes' stderr"


def test_a_failure_after_meeting_shows_the_stderr_of_both_processes(tmp_path):
    script = tmp_path / "broken.py"
    script.write_text(BROKEN)
    with pytest.raises(TorchrunFailed) as failed:
        run_torchrun(script, log=pytest.fail)  # not retried: the processes had met
    message = str(failed.value)
    assert "(attempt 1; all processes had met)" in message
    for rank in (0, 1):
        assert f"--- stderr of process {rank}:\nprocess {rank} says goodbye" in message, message
    assert "exitcode  : 3" in message, "torchrun's summary names the exit code"
    assert "Traceback (most recent call last)" not in message, "torchrun's own traceback is cut"
