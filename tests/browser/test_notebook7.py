"""End to end in the classic interface: Notebook 7 (``jupyter notebook``), in headless Chromium.

A ``python -m notebook`` server on a temporary copy of notebooks/ (the JupyterLab tests use
their own server). One notebook is opened at ``/notebooks/<name>``, run with Run All, checked
for errors and broken widgets, and the first slider of its explorer is dragged with the mouse:
its picture must change. (Not with the arrow keys: in Notebook 7.6 a focused slider's
ArrowRight/ArrowLeft are taken by the notebook's "move to the next heading" shortcut.)
Run: pytest -m browser -rs tests/browser/test_notebook7.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import labdriver
import pytest
from test_notebooks_in_browser import _check_change, _require_ran

pytestmark = pytest.mark.browser

NAME = "03_padding_and_stride.ipynb"  # quick to run, one explorer with sliders


def drag_slider(run, explorer, dx: float = 40.0) -> dict:
    """Drag the first slider handle of ``explorer`` by ``dx`` pixels, as a learner would."""
    handle = explorer.locator(".widget-slider .noUi-handle").first
    readout = explorer.locator(".widget-slider .widget-readout").first
    before = {"src": run._img_src(explorer), "text": run._result_text(explorer),
              "readout": readout.inner_text().strip()}
    handle.scroll_into_view_if_needed()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    t0 = time.perf_counter()
    run.page.mouse.move(x, y)
    run.page.mouse.down()
    run.page.mouse.move(x + dx, y, steps=8)
    run.page.mouse.up()
    src = run._wait_new_image(explorer, before["src"])
    return {"control": f"slider dragged by {dx:+.0f} px", "before": before,
            "after": {"src": src, "text": run._result_text(explorer),
                      "readout": readout.inner_text().strip()},
            "seconds": round(time.perf_counter() - t0, 2)}


@pytest.fixture(scope="module")
def notebook7(lab):
    """(server, run): a Notebook 7 server and NAME opened and run in it."""
    if not (labdriver.NOTEBOOKS / NAME).exists():
        pytest.skip(f"notebooks/{NAME} does not exist")
    work = Path(tempfile.mkdtemp(prefix="cnn-nb7-"))
    server = labdriver.NotebookServer(workdir=work)
    server._own_workdir = True  # removed when the server stops
    run = None
    t0 = time.perf_counter()
    try:
        server.start()
        run = labdriver.NotebookRun(server, lab.context, NAME, artifacts=labdriver.ARTIFACTS)
        run.stem = f"notebook7-{run.stem}"
        run.failure = None
        try:
            run.open()
            run.run_all()
        except Exception as exc:  # noqa: BLE001 - reported by the test
            run.failure = f"Notebook 7: {NAME} could not be opened and run: {exc}\n" \
                          f"{run.evidence('run')}"
        yield server, run
    finally:
        if run is not None:
            run.close()
        server.stop()
        lab.timings["notebook7_s"] = round(time.perf_counter() - t0, 2)


def test_notebook7_runs_a_notebook_and_a_slider_redraws(notebook7):
    server, run = notebook7
    _require_ran(run, complete=True)
    assert "/notebooks/" in run.page.url, run.page.url
    assert run.page.locator("#main-panel, .jp-NotebookPanel").count(), run.evidence("nb7-ui")
    assert run.page.locator(".jp-LabShell").count() == 0, "this is JupyterLab, not Notebook 7"
    problems = run.problems()
    assert not problems, "Notebook 7: " + "\n".join(problems) + "\n" + run.evidence("nb7-clean")
    explorers = run.explorers()
    assert explorers, f"Notebook 7 shows no explorer in {NAME}\n" + run.evidence("nb7-explorer")
    explorer = explorers[0]
    explorer.scroll_into_view_if_needed()
    change = _check_change(run, explorer, lambda: drag_slider(run, explorer), "nb7-slider")
    assert change["after"]["readout"] != change["before"]["readout"], change
    run.screenshot(labdriver.ARTIFACTS / "notebook7-03_padding_and_stride.png", explorer)
    print(f"Notebook 7, {NAME}: {change['control']} {change['before']['readout']!r} -> "
          f"{change['after']['readout']!r} in {change['seconds']} s; {run.timings}")
