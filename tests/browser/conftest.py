"""Fixtures of the browser tests: one JupyterLab server and one Chromium for the whole session,
one page per notebook (opened, Run All, inspected by several tests, then closed).

Skipped, with the reason, when Chromium or Playwright is missing, unless CNN_REQUIRE_BROWSER=1
(CI), which turns the skip into a failure. Knobs: CNN_CHROMIUM (browser executable),
CNN_BROWSER_TIMEOUT (seconds for one notebook's Run All, default 300).
Timings per notebook go to test-artifacts/browser/timings.json.

The slow notebooks (PRESTART: 07 trains a network) are opened and sent Run All as soon as the
browser is up, in their own page, so that they run while the other notebooks are tested.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import labdriver  # noqa: E402

PRESTART = ("07_", "08_")  # notebook name prefixes started first, in the background


def _unavailable(reason: str):
    if os.environ.get("CNN_REQUIRE_BROWSER") == "1":
        reason = reason.replace("browser tests skipped; ", "")
        pytest.fail(f"CNN_REQUIRE_BROWSER=1: the browser tests must run here. {reason}",
                    pytrace=False)
    pytest.skip(reason)


def _selected_notebooks(session) -> set[str]:
    """Notebook names that the selected tests of this session will open."""
    names = set()
    for item in session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "notebook_run" in callspec.params:
            names.add(callspec.params["notebook_run"])
    return names


def _timeout() -> float:
    return float(os.environ.get("CNN_BROWSER_TIMEOUT", "300"))


def _new_run(lab, name: str, start: bool):
    """A NotebookRun, opened and Run All sent (start) or run to the end; failures kept."""
    t0 = time.perf_counter()
    run = labdriver.NotebookRun(lab.server, lab.context, name, timeout_s=_timeout())
    run.failure = None
    run.t0 = t0
    try:
        run.open()
        if start:
            run.start_run_all()
        else:
            run.run_all()
    except Exception as exc:  # noqa: BLE001 - reported by the tests
        run.failure = f"{name} could not be opened and run: {exc}\n{run.evidence('run')}"
    return run


@pytest.fixture(scope="session")
def lab(request):
    """SimpleNamespace(server, context, timings): JupyterLab + Chromium for the session."""
    chromium = labdriver.require_chromium("the browser tests")
    from playwright.sync_api import sync_playwright

    t_session = time.perf_counter()
    for old in labdriver.ARTIFACTS.glob("*"):  # no stale screenshots or failure reports
        if old.is_file():
            old.unlink()
    work = Path(tempfile.mkdtemp(prefix="cnn-browser-"))
    timings: dict = {}
    server = labdriver.JupyterServer(workdir=work)
    pw = None
    context = None
    lab = None
    try:
        server.start()
        timings["jupyter_startup_s"] = round(server.startup_seconds, 2)
        t0 = time.perf_counter()
        pw = sync_playwright().start()
        try:
            context = labdriver.launch_browser(pw, chromium, work / "chromium")
        except Exception as exc:  # noqa: BLE001 - e.g. a Chromium too old for Playwright
            _unavailable(f"Chromium at {chromium} could not be started by Playwright: "
                         f"browser tests skipped; {str(exc).splitlines()[0]}")
        timings["browser_launch_s"] = round(time.perf_counter() - t0, 2)
        lab = SimpleNamespace(server=server, context=context, timings=timings, prestarted={})
        selected = _selected_notebooks(request.session)
        for name in sorted(selected):
            if name.startswith(PRESTART) and (server.root / name).exists():
                labdriver.log(f"{name}: Run All started in the background")
                lab.prestarted[name] = _new_run(lab, name, start=True)
        yield lab
    finally:
        for run in (lab.prestarted.values() if lab is not None else ()):
            run.close()  # started but never used (its tests failed to set up)
        if context is not None:
            context.close()
        if pw is not None:
            pw.stop()
        server.stop()
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        timings["session_total_s"] = round(time.perf_counter() - t_session, 2)
        labdriver.ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (labdriver.ARTIFACTS / "timings.json").write_text(json.dumps(timings, indent=2))
        labdriver.log("timings: " + json.dumps(timings))


@pytest.fixture(scope="module")
def notebook_run(lab, request):
    """The notebook named by the (indirect) parameter, opened and Run All'ed once.

    A failure while opening or running is kept in ``run.failure`` (with a screenshot and the
    outputs) so that every test of this notebook reports it, instead of a fixture error.
    """
    name = request.param
    run = lab.prestarted.pop(name, None)
    if run is None:
        run = _new_run(lab, name, start=False)
    elif run.failure is None:
        try:
            run.wait_run_all()
        except Exception as exc:  # noqa: BLE001 - reported by the tests
            run.failure = f"{name} did not finish: {exc}\n{run.evidence('run')}"
    t0 = run.t0
    run.timings["setup_s"] = round(time.perf_counter() - t0, 2)
    yield run
    run.close()
    run.timings["total_s"] = round(time.perf_counter() - t0, 2)
    lab.timings[name] = run.timings
    labdriver.log(f"{name}: {run.timings}")
