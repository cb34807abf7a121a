"""End to end: every course notebook in a real JupyterLab, in headless Chromium.

For each notebook that exists: open it, wait for a real idle kernel, Run All, check that every
cell ran with no error output and no broken widget, then move a control of every explorer on
the page (a slider, or a dropdown when it has none) and check that its picture changed.
Notebook 00: its environment slider echoes into its label. Notebook 02: typing into a kernel
cell of the kernel sandbox changes the filtered photo. One screenshot per notebook goes to
test-artifacts/browser/. Run: pytest -m browser -rs tests/browser
"""

from __future__ import annotations

import re
import time

import labdriver
import pytest

pytestmark = pytest.mark.browser

NAMES = labdriver.notebook_names()
WITH_EXPLORERS = [n for n in NAMES
                  if labdriver.explorer_classes_in(labdriver.read_notebook(n))]


def _ids(name: str) -> str:
    return name.removesuffix(".ipynb")


def _only(prefix: str) -> list:
    """The notebook starting with ``prefix``, or one skipped parameter when it is missing."""
    found = [n for n in NAMES if n.startswith(prefix)]
    return found or [pytest.param(f"{prefix}missing.ipynb", marks=pytest.mark.skip(
        reason=f"notebooks/{prefix}*.ipynb does not exist yet"))]


def _require_ran(run, complete: bool = False) -> None:
    """Fail when the notebook could not be run (or, with ``complete``, stopped early)."""
    if run.failure:
        pytest.fail(run.failure, pytrace=False)
    if complete:
        stopped = [p for p in run.problems() if "did not run" in p or "error output" in p]
        if stopped:
            pytest.fail(f"{run.name} did not run to the end, so its widgets cannot be checked "
                        f"(see test_notebook_runs_clean):\n" + "\n".join(stopped[:3]),
                        pytrace=False)


def _digest(run, explorer) -> str:
    """SHA-1 of the bytes behind the explorer's image (its blob: URL), read in the page."""
    return explorer.locator("img.cnn-plot").first.evaluate(
        """async img => {
               const buf = await (await fetch(img.src)).arrayBuffer();
               const h = await crypto.subtle.digest('SHA-1', buf);
               return [...new Uint8Array(h)].map(b => b.toString(16).padStart(2, '0')).join('');
           }""")


def _check_change(run, explorer, action, what: str) -> dict:
    """Do ``action()`` (a NotebookRun interaction) and assert the picture really changed."""
    before = _digest(run, explorer)
    try:
        change = action()
    except Exception as exc:  # noqa: BLE001 - timeout waiting for the new picture
        pytest.fail(f"{run.name}: {what}: no new picture after the change ({exc})\n"
                    f"{run.evidence(what)}", pytrace=False)
    if change is None:
        return None
    after = _digest(run, explorer)
    text_changed = change["before"]["text"] != change["after"]["text"]
    assert after != before or text_changed, (
        f"{run.name}: {what}: {change['control']} gave the same picture and the same text "
        f"{change['after']['text']!r}\n{run.evidence(what)}")
    assert run.page.locator(".jp-OutputArea").get_by_text("Error displaying widget").count() == 0, run.evidence(what)
    return change


CANARY_CODE = '''\
import ipywidgets as widgets

from cnnlib.plotting.core import new_figure
from cnnlib.widgets.base import Explorer


class Lively(Explorer):
    def _make_controls(self):
        return {"n": widgets.IntSlider(value=2, min=1, max=9, description="n",
                                    continuous_update=False)}

    def compute(self, n):
        return {"n": n}

    def draw(self, state):
        fig = new_figure(2, 1)
        fig.add_subplot().plot(range(state["n"] + 1))
        return fig

    def describe(self, state):
        return f"n = {state['n']}"


class Frozen(Lively):
    def draw(self, state):
        return super().draw({"n": 1})

    def describe(self, state):
        return "always the same"


widgets.VBox([Lively().widget, Frozen().widget])
'''


def test_checks_catch_a_broken_notebook(lab, tmp_path):
    """Canary: the checks above see an error output and a frozen explorer (not vacuous)."""
    import json

    cells = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": src} for src in (CANARY_CODE, "raise RuntimeError('canary')")]
    nb = {"cells": cells, "metadata": {"kernelspec": {
        "name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5}
    (lab.server.root / "zz_canary.ipynb").write_text(json.dumps(nb))
    run = labdriver.NotebookRun(lab.server, lab.context, "zz_canary.ipynb", timeout_s=120,
                                artifacts=tmp_path)
    t0 = time.perf_counter()
    try:
        run.open().run_all()
        problems = run.problems()
        assert any("cell 1: error output" in p and "RuntimeError" in p for p in problems), \
            problems
        lively, frozen = run.explorers()
        change = _check_change(run, lively, lambda: run.move_slider(lively), "canary-lively")
        assert change["after"]["text"] == "n = 5", change
        with pytest.raises(Exception, match="Timeout"):
            run.move_slider(frozen, timeout_ms=3_000)
    finally:
        run.close()
        lab.timings["canary_s"] = round(time.perf_counter() - t0, 2)


@pytest.mark.parametrize("notebook_run", NAMES, indirect=True, ids=_ids)
def test_notebook_runs_clean(notebook_run):
    """Run All: every code cell ran, no traceback, no 'Error displaying widget'."""
    run = notebook_run
    _require_ran(run)
    problems = run.problems()
    assert not problems, (f"{run.name}: " + "\n".join(problems) + "\n"
                          + run.evidence("clean"))
    warnings = run.stderr_texts()
    if warnings:
        print(f"{run.name}: stderr (not an error):\n" + "\n".join(warnings))
    target = run.page.locator(".jp-Notebook .cnn-explorer, .jp-Notebook .cnn-env-slider").first
    run.screenshot(labdriver.ARTIFACTS / f"{run.stem}.png",
                   target if target.count() else None)


@pytest.mark.parametrize("notebook_run", WITH_EXPLORERS, indirect=True, ids=_ids)
def test_explorers_respond(notebook_run):
    """Every explorer on the page redraws when a learner moves a slider (or a dropdown)."""
    run = notebook_run
    _require_ran(run, complete=True)
    expected = labdriver.explorer_classes_in(run.nb)
    explorers = run.explorers()
    assert len(explorers) >= len(expected), (
        f"{run.name} creates {expected} but the page shows {len(explorers)} explorer(s)\n"
        + run.evidence("explorers"))
    report = []
    for k, explorer in enumerate(explorers):
        what = f"explorer{k}-{run.explorer_name(explorer)}"
        explorer.scroll_into_view_if_needed()
        change = _check_change(run, explorer, lambda e=explorer: run.move_slider(e), what)
        if change is None:
            change = _check_change(run, explorer, lambda e=explorer: run.change_dropdown(e), what)
        assert change is not None, (f"{run.name}: {what} has no slider and no dropdown to move\n"
                                    + run.evidence(what))
        report.append(f"{what}: {change['control']} {change['before']['readout']!r} -> "
                      f"{change['after']['readout']!r} in {change['seconds']} s")
        run.timings[what] = change["seconds"]
    print("\n".join(report))


@pytest.mark.parametrize("notebook_run", _only("00_"), indirect=True, ids=_ids)
def test_environment_slider_echoes(notebook_run):
    """Notebook 00: moving the plain IntSlider updates the label beside it."""
    run = notebook_run
    _require_ran(run, complete=True)
    page = run.page
    handle = page.locator(".jp-Notebook .cnn-env-slider .noUi-handle").first
    label = page.locator(".jp-Notebook .cnn-env-label").first
    assert handle.count() and label.count(), (
        "notebook 00 shows no .cnn-env-slider / .cnn-env-label\n" + run.evidence("env"))
    readout = page.locator(".jp-Notebook .cnn-env-slider .widget-readout").first
    before_value, before_text = readout.inner_text().strip(), label.inner_text()
    handle.scroll_into_view_if_needed()
    handle.focus()
    handle.press("ArrowRight")
    try:
        page.wait_for_function("([el, old]) => el.innerText !== old",
                               arg=[label.element_handle(), before_text], timeout=20_000)
    except Exception as exc:  # noqa: BLE001
        pytest.fail(f"the label did not change after ArrowRight ({exc})\n"
                    + run.evidence("env"), pytrace=False)
    after_value, after_text = readout.inner_text().strip(), label.inner_text()
    assert after_value != before_value, (before_value, after_value)
    k = int(after_value)
    assert f"{k}x{k}" in after_text and str(k * k) in after_text, after_text


@pytest.mark.parametrize("notebook_run", _only("02_"), indirect=True, ids=_ids)
def test_kernel_sandbox_cell_edit(notebook_run):
    """Notebook 02: typing a number into a kernel cell of the sandbox re-filters the photo."""
    run = notebook_run
    _require_ran(run, complete=True)
    boxes = run.page.locator(".jp-Notebook .cnn-kernelsandbox").all()
    assert boxes, "notebook 02 shows no .cnn-kernelsandbox\n" + run.evidence("sandbox")
    sandbox = boxes[-1]
    sandbox.scroll_into_view_if_needed()
    change = _check_change(run, sandbox, lambda: run.edit_kernel_cell(sandbox), "sandbox")
    typed = change["control"].rsplit(":= ", 1)[1]
    assert re.fullmatch(rf"{re.escape(typed)}(\.0*)?", change["after"]["readout"]), change
    run.timings["kernel_cell_edit"] = change["seconds"]
    print(f"kernel sandbox: {change['control']} in {change['seconds']} s; "
          f"status {change['after']['text']!r}")

