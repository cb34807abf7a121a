"""Where the course is running: the kernel's packages, their floors, and the front end.

What the course needs lives in the KERNEL (Python, numpy, matplotlib, ipywidgets); the front
end (JupyterLab, Notebook 7, VS Code, Colab, JupyterLite, Binder) only draws what the kernel
sends. So the checks look at the kernel's packages only, never at the ``jupyterlab`` package,
which a Colab or VS Code kernel does not have. Introduced in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import os
import sys
import textwrap
from importlib import metadata

from . import __version__

__all__ = ["ADVICE", "FLOORS", "as_tuple", "front_end", "problems", "python_floor", "report",
           "version_of"]

# the oldest versions the course is tested with (pyproject.toml; tests/test_environment.py)
FLOORS = {"numpy": "1.24", "matplotlib": "3.7", "ipywidgets": "7.7.1"}

ADVICE = {
    "Colab": ("The first code cell installed cnnlib (with its data) from the course's "
              "repository; run it again after Runtime > Restart. Your edits live in this Colab "
              "copy: File > Save a copy in Drive keeps them."),
    "JupyterLite": ("Python runs in your browser: numpy has no optimised BLAS there, so training "
                    "is much slower, and fit(workers=N) cannot start processes. Prefer Colab or "
                    "a local install for notebook 07."),
    "VS Code": ("Choose the course's environment as the kernel (Select Kernel > Python "
                "Environments > .venv). If a slider does not show, see README > "
                "Troubleshooting > VS Code."),
    "Binder": ("A temporary copy of the course: it stops after a few idle minutes and your "
               "changes go with it, so File > Download what you want to keep."),
    "JupyterLab or Notebook 7": ("A Jupyter server: `make lab` starts JupyterLab, "
                                 "`jupyter notebook` the classic Notebook 7. Both show the "
                                 "explorers."),
    "Jupyter kernel": ("The front end did not say which it is (nbval, another editor...). If "
                       "the slider in section 2 shows and responds, widgets work."),
    "plain Python": ("Not a notebook: the computations work, the explorers need a notebook "
                     "front end."),
}


def python_floor() -> tuple[int, ...]:
    """The oldest Python the installed cnnlib accepts (its Requires-Python), e.g. (3, 10).

    Not used in the notebooks.
    """
    try:
        spec = metadata.metadata("cnnlib").get("Requires-Python") or ""
    except metadata.PackageNotFoundError:
        spec = ""
    return as_tuple(spec.strip().removeprefix(">=").strip()) or (3, 10)


def front_end(environ=None, modules=None, platform: str | None = None) -> str:
    """The front end the kernel runs under: one of the keys of ``ADVICE``.

    Clues, in order: the ``google.colab`` module (Colab), ``sys.platform == "emscripten"``
    (JupyterLite), the ``BINDER_*`` variables mybinder.org sets, ``VSCODE_*`` variables, the
    ``JPY_SESSION_NAME`` a Jupyter server gives its kernels, an imported ``ipykernel``.
    Not used in the notebooks.
    """
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    platform = sys.platform if platform is None else platform
    if "google.colab" in modules:
        return "Colab"
    if platform == "emscripten":
        return "JupyterLite"
    if any(k in environ for k in ("BINDER_LAUNCH_HOST", "BINDER_REPO_URL", "BINDER_REQUEST")):
        return "Binder"
    if any(k.startswith("VSCODE_") for k in environ) or environ.get("TERM_PROGRAM") == "vscode":
        return "VS Code"
    if "JPY_SESSION_NAME" in environ:
        return "JupyterLab or Notebook 7"
    if "ipykernel" in modules:
        return "Jupyter kernel"
    return "plain Python"


def version_of(package: str) -> str | None:
    """The installed version of ``package`` (its distribution name), or None when absent.

    Not used in the notebooks.
    """
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def as_tuple(version: str) -> tuple[int, ...]:
    """'7.7.1' -> (7, 7, 1); '2.1.0rc1' -> (2, 1, 0): the leading number of each part.

    Not used in the notebooks.
    """
    parts = []
    for part in version.split(".")[:3]:
        digits = ""
        for ch in part:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            break
        parts.append(int(digits))
        if digits != part:
            break
    return tuple(parts)


def problems() -> list[str]:
    """What is missing or too old in this kernel, each with the command that fixes it.

    Introduced in notebooks/00_start_here.ipynb.
    """
    found = []
    floor = python_floor()
    if sys.version_info[:len(floor)] < floor:
        found.append(f"Python {sys.version.split()[0]} is too old: the course needs "
                     f"{'.'.join(map(str, floor))} or newer.")
    for package, floor in FLOORS.items():
        have = version_of(package)
        if have is None or as_tuple(have) < as_tuple(floor):
            what = "is missing" if have is None else f"is {have}, older than {floor}"
            found.append(f"{package} {what}: {sys.executable} -m pip install "
                         f"\"{package}>={floor}\"")
    return found


def report() -> str:
    """The lines notebook 00 prints: versions, where cnnlib comes from, the front end.

    Introduced in notebooks/00_start_here.ipynb.
    """
    where = front_end()
    lines = [f"{'Python':<12}{sys.version.split()[0]}  ({sys.executable}; needs >= "
             f"{'.'.join(map(str, python_floor()))})"]
    for package in FLOORS:
        lines.append(f"{package:<12}{version_of(package) or 'MISSING'}  (needs >= "
                     f"{FLOORS[package]})")
    lines.append(f"{'cnnlib':<12}{__version__}  ({os.path.dirname(os.path.abspath(__file__))})")
    lines.append(f"{'platform':<12}{sys.platform}")
    lines.append(f"{'front end':<12}{where}")
    lines += textwrap.wrap(ADVICE[where], width=88, initial_indent=" " * 12,
                           subsequent_indent=" " * 12)
    return "\n".join(lines)
