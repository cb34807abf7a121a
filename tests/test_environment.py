"""cnnlib.environment: the front end is named from the kernel's clues, the floors are
pyproject.toml's, and a missing or old package is reported with the command that fixes it."""

import re
from pathlib import Path

import pytest

from cnnlib import environment as env

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("environ, modules, platform, expected", [
    ({"JPY_SESSION_NAME": "x.ipynb"}, {"google.colab": 1, "ipykernel": 1}, "linux", "Colab"),
    ({}, {"ipykernel": 1}, "emscripten", "JupyterLite"),
    ({"BINDER_LAUNCH_HOST": "https://mybinder.org/", "JPY_SESSION_NAME": "x"}, {}, "linux",
     "Binder"),
    ({"VSCODE_PID": "123"}, {"ipykernel": 1}, "darwin", "VS Code"),
    ({"TERM_PROGRAM": "vscode"}, {"ipykernel": 1}, "win32", "VS Code"),
    ({"JPY_SESSION_NAME": "00_start_here.ipynb"}, {"ipykernel": 1}, "linux",
     "JupyterLab or Notebook 7"),
    ({"JPY_PARENT_PID": "1"}, {"ipykernel": 1}, "linux", "Jupyter kernel"),
    ({}, {}, "linux", "plain Python"),
])
def test_front_end_from_the_kernels_clues(environ, modules, platform, expected):
    assert env.front_end(environ, modules, platform) == expected
    assert expected in env.ADVICE


def test_every_front_end_has_advice_and_this_one_is_named():
    assert env.front_end() in env.ADVICE
    text = env.report()
    for word in ("Python", "numpy", "matplotlib", "ipywidgets", "cnnlib", "front end"):
        assert re.search(rf"^{word}\s", text, re.M), text
    assert "jupyterlab" not in text.lower().replace("jupyterlab or notebook 7", "")


@pytest.mark.parametrize("text, expected", [("7.7.1", (7, 7, 1)), ("8.1.9", (8, 1, 9)),
                                            ("1.24", (1, 24)), ("2.1.0rc1", (2, 1, 0)),
                                            ("3.10.0.post1", (3, 10, 0)), ("dev", ())])
def test_as_tuple(text, expected):
    assert env.as_tuple(text) == expected


def test_floors_are_pyprojects():
    text = (ROOT / "pyproject.toml").read_text()
    for package, floor in env.FLOORS.items():
        assert f'"{package}>={floor},' in text, f"pyproject.toml: {package}>={floor}"
    assert f'requires-python = ">={".".join(map(str, env.python_floor()))}"' in text


def test_no_problems_here_and_old_or_missing_packages_are_explained(monkeypatch):
    assert env.problems() == []
    monkeypatch.setattr(env, "python_floor", lambda: (4, 0))
    assert env.problems()[0].endswith("the course needs 4.0 or newer."), env.problems()
    monkeypatch.setattr(env, "python_floor", lambda: (3, 10))
    versions = {"numpy": "2.0.0", "matplotlib": None, "ipywidgets": "7.6.5"}
    monkeypatch.setattr(env, "version_of", versions.get)
    found = env.problems()
    assert len(found) == 2, found
    assert found[0].startswith("matplotlib is missing") and 'install "matplotlib>=3.7"' in found[0]
    assert "ipywidgets is 7.6.5, older than 7.7.1" in found[1]
    assert 'pip install "ipywidgets>=7.7.1"' in found[1]


def test_the_check_never_asks_for_front_end_packages():
    source = Path(env.__file__).read_text()
    for package in ("jupyterlab_widgets", "widgetsnbextension", '"jupyterlab"', '"notebook"'):
        assert package not in source
