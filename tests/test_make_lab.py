"""`make lab` opens the course without JupyterLab's news prompt: the Makefile installs the
course's settings overrides into the venv, where JupyterLab and Notebook 7 read them."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
OVERRIDES = ROOT / "scripts" / "jupyterlab_overrides.json"
TARGET = "share/jupyter/lab/settings/overrides.json"


def test_the_overrides_turn_off_the_news_prompt_and_match_jupyterlabs_schema():
    overrides = json.loads(OVERRIDES.read_text())
    notification = overrides["@jupyterlab/apputils-extension:notification"]
    assert notification == {"fetchNews": "false", "checkForUpdates": False}
    schema_file = (Path(sys.prefix) / "share/jupyter/lab/schemas/@jupyterlab/apputils-extension"
                   / "notification.json")
    if not schema_file.exists():
        pytest.skip(f"JupyterLab's schemas are not in {sys.prefix}")
    schema = json.loads(schema_file.read_text())["properties"]
    assert set(notification) <= set(schema), "a setting JupyterLab does not know"
    assert "false" in [choice["const"] for choice in schema["fetchNews"]["oneOf"]]


def test_jupyterlab_reads_overrides_from_where_make_puts_them():
    from jupyterlab.labapp import LabApp
    from notebook.app import JupyterNotebookApp

    for app in (LabApp(), JupyterNotebookApp()):
        assert Path(app.app_settings_dir) == Path(sys.prefix) / Path(TARGET).parent, app


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_installs_the_overrides_into_the_venv(tmp_path):
    venv = tmp_path / "venv"
    out = subprocess.run(["make", "-s", f"VENV={venv}", f"{venv}/{TARGET}"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert json.loads((venv / TARGET).read_text()) == json.loads(OVERRIDES.read_text())
    fresh = tmp_path / "fresh"  # `make lab` on a new venv: installs the overrides, then starts
    dry = subprocess.run(["make", "-n", f"VENV={fresh}", "lab"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60).stdout
    copy, start = dry.find(f"{fresh}/{TARGET}"), dry.find("jupyter lab")
    assert 0 < copy < start, dry
