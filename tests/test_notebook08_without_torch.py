"""Notebook 08 opened where PyTorch is not installed: one sentence saying how to add it, then
the run stops (no pile of tracebacks).

The notebook is executed cell by cell in a fresh kernel whose ``import torch`` fails (a fake
``torch`` package first on PYTHONPATH), stopping at the first error as JupyterLab's Run All
does. Its first code cell after the Colab cell calls ``cnnlib.torch_bridge.require_torch()``,
whose error (``TorchMissing``) IPython shows as its message alone.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "08_from_cnnlib_to_pytorch.ipynb"
SENTENCE = "This notebook needs PyTorch"
PIP = "pip install torch --index-url https://download.pytorch.org/whl/cpu"  # the plain command


def _hide_torch(tmp_path, monkeypatch):
    fake = tmp_path / "hidden" / "torch"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        "raise ModuleNotFoundError(\"No module named 'torch'\", name='torch')\n")
    path = os.pathsep.join(p for p in (str(fake.parent), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    return fake.parent


def test_require_torch_raises_one_line_without_torch(tmp_path, monkeypatch):
    hidden = _hide_torch(tmp_path, monkeypatch)

    code = ("from cnnlib.torch_bridge import TorchMissing, require_torch\n"
            "try:\n    require_torch()\nexcept TorchMissing as err:\n"
            "    lines = err._render_traceback_()\n"
            "    print(len(lines), isinstance(err, ImportError))\n    print(lines[0])\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(hidden)}, check=True)
    first, sentence = out.stdout.splitlines()
    assert first == "1 True", "one line to show, and an ImportError for `except ImportError`"
    assert sentence.startswith(SENTENCE) and "`make torch`" in sentence and f"`{PIP}`" in sentence
    assert sentence.count(". ") == 0 and sentence.endswith("."), "one sentence"


def test_notebook_without_torch_shows_one_sentence_and_stops(tmp_path, monkeypatch):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    from nbclient.exceptions import CellExecutionError

    _hide_torch(tmp_path, monkeypatch)
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                      resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError):
        client.execute()  # stops at the first error, as Run All does

    code = [c for c in nb.cells if c.cell_type == "code"]
    errors = [(k, o) for k, c in enumerate(code) for o in c.outputs if o.output_type == "error"]
    assert len(errors) == 1, f"exactly one error output, got {len(errors)}"
    k, error = errors[0]
    assert k == 1, "the first code cell after the Colab set-up cell is the one that stops"
    assert len(error.traceback) == 1, f"one line, no traceback: {error.traceback}"
    text = error.traceback[0]
    assert text.startswith(SENTENCE) and "make torch" in text and PIP in text, text
    assert "Traceback" not in text
    assert not any(o.output_type == "stream" and o.name == "stderr"
                   for c in code for o in c.outputs), "nothing else on stderr"
    assert all(c.execution_count is None and not c.outputs for c in code[2:]), (
        "no later cell ran: the run stopped at the sentence")
