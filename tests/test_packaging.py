"""pyproject.toml, requirements.txt and environment.yml name the same packages and versions;
`import cnnlib` stays light (no matplotlib, no ipywidgets); PyTorch stays optional."""

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _name(spec: str) -> str:
    return re.split(r"[<>=!~\[; ]", spec.strip(), maxsplit=1)[0].lower()


def _specs(lines):
    return {_name(s): s.replace(" ", "") for s in lines if s and not s.startswith("-e")}


def pyproject_specs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return _specs(project["dependencies"] + extras["notebooks"] + extras["test"])


def requirements_specs():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    return _specs(lines)


def environment_specs():
    text = (ROOT / "environment.yml").read_text()
    pip_section = text.split("- pip:", 1)[1]
    lines = [m.group(1).strip() for m in re.finditer(r"^\s+- ([^#\n]+)", pip_section, re.M)]
    return _specs(lines)


def test_the_three_files_agree():
    expected = pyproject_specs()
    assert {"numpy", "jupyterlab", "notebook", "ipywidgets", "matplotlib", "tqdm", "pytest",
            "nbval", "pytest-xdist", "hypothesis", "nbstripout", "ruff"} <= set(expected)
    assert requirements_specs() == expected
    assert environment_specs() == expected


def test_environment_is_conda_forge_only_with_a_comment_per_package():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"channels:\s*\n\s*- conda-forge\s*\n(?!\s*- \w+\s*\n\s*- )", text)
    assert "defaults" not in text and "name: cnn-course" in text
    pip_section = text.split("- pip:", 1)[1]
    for line in pip_section.strip().splitlines():
        assert "#" in line, f"environment.yml: say what the course uses it for: {line!r}"


def test_every_spec_has_a_floor_and_a_major_cap():
    for name, spec in pyproject_specs().items():
        assert ">=" in spec and "<" in spec.replace("<=", ""), f"{name}: floor and cap, not a pin"
        assert "==" not in spec


def test_package_discovery_is_explicit():
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert setuptools["packages"]["find"]["include"] == ["cnnlib*"]


def test_import_cnnlib_stays_light():
    code = ("import sys, cnnlib, cnnlib.data, cnnlib.shapes;"
            "heavy = [m for m in ('matplotlib', 'ipywidgets', 'IPython', 'tqdm') if m in sys.modules];"
            "print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_numeric_modules_import_only_numpy():
    allowed = {"numpy", "__future__", "dataclasses", "math", "numbers", "typing", "hashlib",
               "pathlib", "importlib", "collections", "functools", "itertools", "time",
               "inspect", "textwrap", "warnings", "resource", "os", "sys", "io",
               "multiprocessing", "pickle", "traceback", "contextlib", "platform", "signal",
               "json"}  # the standard library
    numeric = [p for p in (ROOT / "cnnlib").glob("*.py")
               if p.name not in {"train.py", "exercises.py"}]  # train.py may use tqdm lazily
    for path in numeric:
        for line in path.read_text().splitlines():
            m = re.match(r"^(?:from|import) ([\w.]+)", line)
            if m and not m.group(1).startswith("."):
                top = m.group(1).split(".")[0]
                assert top in allowed or top == "cnnlib", f"{path.name} imports {top} at top level"


def test_the_python_floor_is_the_one_tested_and_documented():
    """The tests use tomllib (Python 3.11+), so 3.11 is the floor everywhere it is stated."""
    floor = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert floor == ">=3.11", "tests/test_packaging.py needs tomllib: Python 3.11 or newer"
    assert "(3.11 or newer)" in (ROOT / "README.md").read_text()
    assert sys.version_info >= (3, 11)


def test_pytorch_stays_optional(tmp_path):
    """cnnlib.torch_bridge imports torch only when called; without torch, to_torch says how
    to add it in one sentence."""
    code = ("import sys, cnnlib, cnnlib.torch_bridge, cnnlib.layers, cnnlib.models;"
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = ("import sys; sys.modules['torch'] = None\n"  # as if torch were not installed
            "from cnnlib.models import mlp\nfrom cnnlib.torch_bridge import to_torch\n"
            "try:\n    to_torch(mlp())\nexcept ImportError as err:\n    print(err)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "to_torch needs PyTorch" in out.stdout and "make torch" in out.stdout


def test_gold_tests_skip_without_torch_unless_required(tmp_path):
    """Without torch, tests/test_vs_torch.py is skipped with one line saying how to add it;
    with CNN_REQUIRE_TORCH=1 (CI) the skip becomes an error."""
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise ImportError('torch hidden by the test')\n")
    path = os.pathsep.join(p for p in (str(tmp_path), os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "CNN_REQUIRE_TORCH": "0",
           "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}  # no nbval, xdist, ...: a faster start
    args = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
            str(ROOT / "tests" / "test_vs_torch.py")]
    skipped = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env)
    assert "1 skipped" in skipped.stdout, skipped.stdout + skipped.stderr
    assert "torch not installed: `make torch` adds the CPU build" in skipped.stdout
    env["CNN_REQUIRE_TORCH"] = "1"
    required = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, env=env)
    assert required.returncode != 0 and "CNN_REQUIRE_TORCH=1" in required.stdout, (
        required.stdout + required.stderr)
