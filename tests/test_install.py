"""The course outside its clone: a wheel installed in a fresh venv, and the Colab set-up cell.

Both build a throw-away venv (no system site-packages) in a temporary folder and run Python in
ANOTHER folder, with no PYTHONPATH, so nothing can come from the repository:

* the wheel: ``pip wheel --no-deps`` of a copy of the sources, ``pip install`` of that wheel,
  then every data file loads (and a deleted file gives the reinstall command, not git);
* Colab, simulated: a fake ``google.colab`` module is imported first (as Colab's kernel does),
  then the notebooks' generated set-up cell runs with the repository's URL replaced by a local
  copy of the sources, and ``import cnnlib; cnnlib.data.load_mnist()`` works in the same process.

pip fetches numpy (the only dependency) from PyPI or its cache. About 20-30 s each.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytestmark = pytest.mark.install

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 600


def _env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP")}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONNOUSERSITE="1")
    return env


def _run(cmd, cwd, env=None) -> subprocess.CompletedProcess:
    out = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env or _env(), capture_output=True,
                         text=True, timeout=TIMEOUT)
    assert out.returncode == 0, (f"{' '.join(map(str, cmd))} failed ({out.returncode}):\n"
                                 f"{out.stdout[-3000:]}\n{out.stderr[-3000:]}")
    return out


def _sources(tmp: Path) -> Path:
    """A copy of what a build needs (pip builds in the source folder: not in the clone)."""
    src = tmp / "cnn-course"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    shutil.copytree(ROOT / "cnnlib", src / "cnnlib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return src


def _venv(where: Path) -> Path:
    """A fresh venv without system site-packages; returns its python."""
    _run([sys.executable, "-m", "venv", where], cwd=where.parent)
    python = where / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    check = _run([python, "-c", "import sys; print(sys.prefix != sys.base_prefix)"], where.parent)
    assert check.stdout.strip() == "True"
    return python


LOAD_EVERYTHING = textwrap.dedent("""
    import json, sys
    import cnnlib, cnnlib.data as d
    X, y, Xt, yt = d.load_mnist()
    shapes = {name: d.load_image(name).shape for name in d.list_images()}
    print(json.dumps({"file": cnnlib.__file__, "prefix": sys.prefix, "mnist": [X.shape, Xt.shape],
                      "images": shapes, "clone": str(d._clone_root())}))
""")


def test_wheel_in_a_fresh_venv_loads_every_data_file(tmp_path):
    src = _sources(tmp_path)
    dist = tmp_path / "dist"
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", dist, src],
         cwd=tmp_path)
    (wheel,) = dist.glob("cnnlib-*.whl")
    python = _venv(tmp_path / "venv")
    _run([python, "-m", "pip", "install", "--quiet", wheel], cwd=tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    out = json.loads(_run([python, "-c", LOAD_EVERYTHING], cwd=elsewhere).stdout)
    assert out["file"].startswith(out["prefix"]) and str(ROOT) not in out["file"], out
    assert out["mnist"] == [[4000, 1, 28, 28], [1000, 1, 28, 28]]
    from cnnlib import data

    assert sorted(out["images"]) == data.list_images() and out["clone"] == "None", out

    # a file deleted from the installed package: the hint is pip's reinstall command
    installed = Path(out["file"]).parent / "data_files" / "images" / "coffee.npz"
    installed.unlink()
    err = subprocess.run([str(python), "-c", "import cnnlib.data as d; d.load_image('coffee')"],
                         cwd=elsewhere, env=_env(), capture_output=True, text=True,
                         timeout=TIMEOUT).stderr
    assert "FileNotFoundError" in err and "git checkout" not in err, err
    assert f'-m pip install --force-reinstall --no-deps "{wheel}"' in err, err


def _sync_script():
    spec = importlib.util.spec_from_file_location("sync_setup_cells",
                                                  ROOT / "scripts" / "sync_setup_cells.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FAKE_COLAB_OUTPUT = """\
ENABLED = []


def enable_custom_widget_manager():
    ENABLED.append(True)
"""


def test_colab_setup_cell_installs_the_course(tmp_path):
    sync = _sync_script()
    url = sync.repository_url()
    code = sync.setup_code(f"git+{url}")
    # the cell in every notebook is exactly this code
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        first = next(c for c in cells if c["cell_type"] == "code")
        assert "".join(first["source"]) == code, f"{path.name}: run scripts/sync_setup_cells.py"
    assert f'"git+{url}"' in code

    src = _sources(tmp_path)
    fake = tmp_path / "fake-colab" / "google" / "colab"
    fake.mkdir(parents=True)
    (fake.parent / "__init__.py").write_text("")
    (fake / "__init__.py").write_text("")
    (fake / "output.py").write_text(FAKE_COLAB_OUTPUT)
    python = _venv(tmp_path / "venv")
    cell = code.replace(f"git+{url}", str(src))
    assert str(src) in cell
    script = textwrap.dedent("""
        import sys
        import google.colab  # Colab's kernel has imported it before any cell runs
        assert "google.colab" in sys.modules
        CELL = {cell!r}
        exec(compile(CELL, "<colab set-up cell>", "exec"), {{}})
        exec(compile(CELL, "<the same cell, run again>", "exec"), {{}})  # harmless twice
        import cnnlib, cnnlib.data
        X, y, Xt, yt = cnnlib.data.load_mnist()
        print(X.shape, len(yt), cnnlib.__file__, sep="|")
    """).format(cell=cell)
    elsewhere = tmp_path / "content"  # Colab's working directory is /content
    elsewhere.mkdir()
    env = _env()
    env["PYTHONPATH"] = str(fake.parent.parent)
    out = _run([python, "-c", script], cwd=elsewhere, env=env).stdout.strip().splitlines()[-1]
    shape, n_test, where = out.split("|")
    assert (shape, n_test) == ("(4000, 1, 28, 28)", "1000")
    assert where.startswith(str(tmp_path / "venv")), where


def test_setup_cell_does_nothing_outside_colab():
    """Without google.colab the cell only imports sys: its Colab branch never runs."""
    assert "google.colab" not in sys.modules
    namespace = {}
    exec(_sync_script().setup_code("git+https://example.invalid/never"), namespace)
    assert set(namespace) - {"__builtins__"} == {"sys"}, sorted(namespace)
