"""The explorers work with the OLDEST ipywidgets the course accepts (pyproject.toml's floor,
7.7.1: the version Colab has shipped), not only with the newest one of the course's venv.

A small venv, ``.venv/floor-ipywidgets-<version>/`` (built once, reused while its package list
is unchanged), holds numpy, matplotlib, pytest, hypothesis and the kernel side of ipywidgets at
the floor: ipywidgets itself and the packages it imports (ipykernel, ipython, traitlets,
ipython_genutils). Its front-end packages (widgetsnbextension, jupyterlab_widgets) are left
out: they serve a browser, which these tests do not use. Then every ``tests/test_widgets*.py``
runs there, with cnnlib imported from this repository (PYTHONPATH).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent
KERNEL_SIDE = ["ipykernel", "ipython", "traitlets", "ipython_genutils"]
TOOLS = ["numpy", "matplotlib", "pytest", "hypothesis"]


def ipywidgets_floor() -> str:
    text = (ROOT / "pyproject.toml").read_text()
    found = re.search(r'"ipywidgets>=([\d.]+),<(\d+)"', text)
    assert found, "pyproject.toml: ipywidgets needs a floor and a cap, e.g. ipywidgets>=7.7.1,<9"
    return found.group(1)


def _run(cmd, **kw):
    out = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900, **kw)
    assert out.returncode == 0, (f"{' '.join(map(str, cmd))} failed ({out.returncode}):\n"
                                 f"{out.stdout[-6000:]}\n{out.stderr[-3000:]}")
    return out


def floor_venv(version: str) -> Path:
    """The venv's python, built when missing or when its package list changed."""
    where = ROOT / ".venv" / f"floor-ipywidgets-{version}"
    python = where / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    wanted = " ".join(TOOLS + KERNEL_SIDE + [f"ipywidgets=={version} (no deps)"])
    stamp = where / ".stamp"
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    _run([sys.executable, "-m", "venv", "--clear", where])
    _run([python, "-m", "pip", "install", "--quiet", *TOOLS, *KERNEL_SIDE], env=env)
    _run([python, "-m", "pip", "install", "--quiet", "--no-deps", f"ipywidgets=={version}"],
         env=env)
    stamp.write_text(wanted)
    return python


def test_explorer_tests_pass_with_the_oldest_ipywidgets():
    version = ipywidgets_floor()
    python = floor_venv(version)
    files = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests").glob("test_widgets*.py"))
    assert files, "no tests/test_widgets*.py to run"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    check = _run([python, "-c", "import ipywidgets; print(ipywidgets.__version__)"], env=env)
    assert check.stdout.strip() == version
    out = _run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W",
                "ignore::DeprecationWarning", *files], cwd=ROOT, env=env)
    summary = out.stdout.strip().splitlines()[-1]
    print(f"ipywidgets {version}: {summary}")
    assert re.search(r"\d+ passed", summary) and "failed" not in summary, out.stdout[-6000:]
