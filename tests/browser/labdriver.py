"""Drive the course in a real JupyterLab with headless Chromium (Playwright, sync API).

Shared by the browser tests (tests/browser/) and by scripts/screenshots.py. Nothing here
imports pytest. The pieces:

* :func:`find_chromium` - where the browser is (``CNN_CHROMIUM``, else /usr/bin/chromium),
* :class:`JupyterServer` - ``python -m jupyterlab`` on a free loopback port with a random
  token, serving a temporary copy of notebooks/, every dotfile in a temporary directory;
  stopped by its own PID only (terminate, then kill after 15 s),
* :func:`launch_browser` - a Chromium context with a fresh profile,
* :class:`NotebookRun` - open one notebook, wait for a real idle kernel, Run All, wait until
  every cell ran, list the problems a learner would see, move controls of the explorers.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from cnnlib.widgets import EXPLORERS

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = Path(os.environ.get("CNN_BROWSER_NOTEBOOKS", REPO / "notebooks"))
ARTIFACTS = REPO / "test-artifacts" / "browser"
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# every explorer class of the course (the lazy registry: importing it imports no widget code)
EXPLORER_NAMES = tuple(EXPLORERS)

CHROMIUM_ARGS = [
    "--no-sandbox",  # needed as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",  # loopback only
    "--disable-dev-shm-usage",
]

# JupyterLab user settings: no news/update toast; every cell in the DOM (no windowing), so
# prompts, outputs and explorers far down the notebook can be inspected.
LAB_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings":
        {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings":
        {"windowingMode": "none"},
}


def log(msg: str) -> None:
    print(f"[browser {time.strftime('%H:%M:%S')}] {msg}", flush=True)


# ----------------------------------------------------------------------------- set-up
def find_chromium() -> tuple[str | None, str]:
    """(path, reason): the Chromium executable, or None and why not."""
    wanted = os.environ.get("CNN_CHROMIUM", DEFAULT_CHROMIUM)
    if os.path.isfile(wanted) and os.access(wanted, os.X_OK):
        return wanted, ""
    if "CNN_CHROMIUM" not in os.environ:
        for name in ("chromium", "chromium-browser"):
            found = shutil.which(name)
            if found:
                return found, ""
    return None, (f"Chromium not found at {wanted}: browser tests skipped; install it with "
                  f"apt-get install chromium (or set CNN_CHROMIUM=/path/to/chromium)")


def playwright_missing() -> str:
    """'' when Playwright imports, else the reason (with the fix)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError as exc:
        return (f"Playwright is not installed ({exc}): browser tests skipped; "
                f"install it with pip install -e '.[browser]'")
    return ""


def require_chromium(what: str = "the browser tests") -> str:
    """The Chromium path, or skip (fail with CNN_REQUIRE_BROWSER=1) saying what is missing."""
    import pytest

    reason = playwright_missing()
    chromium, missing = find_chromium() if not reason else (None, "")
    reason = reason or missing
    if chromium is None:
        if os.environ.get("CNN_REQUIRE_BROWSER") == "1":
            reason = reason.replace("browser tests skipped; ", "")
            pytest.fail(f"CNN_REQUIRE_BROWSER=1: {what} must run here. {reason}", pytrace=False)
        pytest.skip(reason)
    return chromium


def notebook_names() -> list[str]:
    """The course notebooks that exist now, sorted: ['00_start_here.ipynb', ...]."""
    return sorted(p.name for p in NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def read_notebook(name: str, root: Path = NOTEBOOKS) -> dict:
    return json.loads((root / name).read_text(encoding="utf-8"))


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def explorer_classes_in(nb: dict) -> list[str]:
    """Explorer classes the notebook's code instantiates (``KernelSandbox(...)``)."""
    code = "\n".join(_source(c) for c in nb["cells"] if c["cell_type"] == "code")
    return [n for n in EXPLORER_NAMES if re.search(rf"\b{n}\(", code)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _no_proxy_opener():
    return urllib.request.build_opener(urllib.request.ProxyHandler({}))


class JupyterServer:
    """``python -m jupyterlab`` serving a temporary copy of notebooks/; use as a context manager.

    Attributes once started: ``base_url``, ``token``, ``root`` (the served copy), ``proc``.
    """

    def __init__(self, notebooks: Path = NOTEBOOKS, workdir: Path | None = None,
                 startup_timeout: float = 90.0) -> None:
        self.source = Path(notebooks)
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="cnn-browser-"))
        self.startup_timeout = startup_timeout
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.root = self.workdir / "notebooks"
        self.proc: subprocess.Popen | None = None
        self.startup_seconds = 0.0
        self._log = None

    # -- files
    def _prepare(self) -> dict:
        shutil.copytree(self.source, self.root, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        state = self.workdir / "state"
        env = dict(os.environ)
        dirs = {
            "HOME": state / "home",
            "JUPYTER_CONFIG_DIR": state / "jupyter-config",
            "JUPYTER_DATA_DIR": state / "jupyter-data",
            "JUPYTER_RUNTIME_DIR": state / "jupyter-runtime",
            "IPYTHONDIR": state / "ipython",
            "MPLCONFIGDIR": state / "mplconfig",
        }
        for key, path in dirs.items():
            path.mkdir(parents=True, exist_ok=True)
            env[key] = str(path)
        env.pop("JUPYTER_PATH", None)
        env.update(MPLBACKEND="module://matplotlib_inline.backend_inline",
                   PYTHONUNBUFFERED="1", JUPYTER_PLATFORM_DIRS="1")
        # one BLAS thread per kernel: the tests run several kernels (and `make test` runs nbval
        # beside them) on few cores; oversubscribed BLAS threads made training 2x slower
        for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(var, "1")
        # the kernel runs the interpreter of the tests (highest-priority kernelspec)
        spec = dirs["JUPYTER_DATA_DIR"] / "kernels" / "python3"
        spec.mkdir(parents=True, exist_ok=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (ipykernel)", "language": "python",
            "metadata": {"debugger": True}}))
        settings = self.workdir / "user-settings"
        for rel, value in LAB_SETTINGS.items():
            path = settings / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(value))
        return env

    def command(self) -> list[str]:
        cmd = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}", "--ServerApp.terminals_enabled=False",
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            f"--LabApp.user_settings_dir={self.workdir / 'user-settings'}",
            f"--LabApp.workspaces_dir={self.workdir / 'workspaces'}",
            "--LabApp.expose_app_in_browser=True",
        ]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.append("--ServerApp.allow_root=True")
        return cmd

    # -- life cycle
    def start(self) -> JupyterServer:
        env = self._prepare()
        self._log = open(self.workdir / "jupyter-lab.log", "w")  # noqa: SIM115
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.command(), cwd=self.workdir, env=env, stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        log(f"jupyter lab PID {self.proc.pid} on {self.base_url}, serving {self.root}")
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self.startup_seconds = time.perf_counter() - t0
        log(f"jupyter lab ready in {self.startup_seconds:.1f} s")
        return self

    def _wait_ready(self) -> None:
        url = f"{self.base_url}/api/status?token={self.token}"
        deadline = time.monotonic() + self.startup_timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter lab exited with code {self.proc.returncode}:\n"
                                   + self.log_tail())
            try:
                with _no_proxy_opener().open(url, timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception as exc:  # noqa: BLE001 - still starting
                last = exc
            time.sleep(0.2)
        raise TimeoutError(f"jupyter lab not ready at {url} after {self.startup_timeout:.0f} s "
                           f"({last!r}):\n" + self.log_tail())

    def log_tail(self, chars: int = 3000) -> str:
        path = self.workdir / "jupyter-lab.log"
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self) -> None:
        """Stop the server by its own PID: terminate, then kill after 15 s."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
            log(f"jupyter lab PID {self.proc.pid} stopped (rc={self.proc.returncode})")
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> JupyterServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- REST
    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(f"{self.base_url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with _no_proxy_opener().open(req, timeout=10) as r:
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_sessions(self, notebook: str) -> None:
        """Shut down the kernel session(s) of one notebook (frees CPU and memory)."""
        try:
            for s in self.api("/api/sessions"):
                if s.get("path", "").endswith(notebook):
                    self.api(f"/api/sessions/{s['id']}", method="DELETE")
        except Exception as exc:  # noqa: BLE001 - best effort
            log(f"could not shut down the kernel of {notebook}: {exc!r}")

    def url(self, notebook: str, ui: str = "doc") -> str:
        return f"{self.base_url}/{ui}/tree/{notebook}?token={self.token}&reset"


class NotebookServer(JupyterServer):
    """``python -m notebook`` (Notebook 7, what ``jupyter notebook`` starts) on the same terms;
    notebooks open in its single-document interface at ``/notebooks/<name>``."""

    def command(self) -> list[str]:
        lab_only = ("--LabApp.", "--ServerApp.terminals_enabled")
        cmd = [c for c in super().command() if not c.startswith(lab_only)]
        cmd[1:3] = ["-m", "notebook"]
        return cmd + [
            f"--JupyterNotebookApp.user_settings_dir={self.workdir / 'user-settings'}",
            f"--JupyterNotebookApp.workspaces_dir={self.workdir / 'workspaces'}",
            "--JupyterNotebookApp.expose_app_in_browser=True",
            "--ServerApp.terminals_enabled=False",
        ]

    def url(self, notebook: str, ui: str = "notebooks") -> str:
        return f"{self.base_url}/{ui}/{notebook}?token={self.token}"


def launch_browser(pw, chromium: str, profile_dir: Path, width: int = 1280, height: int = 1000):
    """A Chromium context with a fresh profile (Playwright's launch_persistent_context)."""
    home = profile_dir / "home"
    home.mkdir(parents=True, exist_ok=True)
    return pw.chromium.launch_persistent_context(
        str(profile_dir / "profile"), executable_path=chromium, headless=True,
        args=CHROMIUM_ARGS, env={**os.environ, "HOME": str(home)},
        viewport={"width": width, "height": height}, device_scale_factor=1)


# ----------------------------------------------------------------------------- one notebook
KERNEL_READY_JS = """() => {
    // A real kernel name in the toolbar AND an idle execution indicator. Right after the
    // notebook renders the indicator already says idle while the name is still "No Kernel":
    // a Run All sent then is silently dropped.
    const name = document.querySelector('.jp-NotebookPanel-toolbar .jp-Toolbar-kernelName');
    const ind = document.querySelector('.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
    return !!name && /ipykernel|Python/.test(name.textContent)
           && !/No Kernel/.test(name.textContent) && !!ind && ind.dataset.status === 'idle';
}"""

KERNEL_IDLE_JS = """() => {
    const ind = document.querySelector('.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
    return !!ind && ind.dataset.status === 'idle';
}"""

# State of the cells, in notebook order: prompt text and outputs (mime type + text).
CELLS_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(c => ({
    code: c.classList.contains('jp-CodeCell'),
    prompt: (c.querySelector('.jp-InputPrompt') || {textContent: ''}).textContent.trim(),
    outputs: [...c.querySelectorAll('.jp-OutputArea-output')].map(o => ({
        mime: o.dataset.mimeType || '', text: o.innerText.slice(0, 4000)})),
}))"""

RUN_STARTED_JS = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .some(p => /\\[(\\*|\\d+)\\]/.test(p.textContent))"""

# Run All finished: kernel idle, nothing queued, and either every code cell that should run
# has a number or an error stopped the run.
RUN_DONE_JS = """(expected) => {
    const ind = document.querySelector('.jp-NotebookPanel-toolbar .jp-Notebook-ExecutionIndicator');
    if (!ind || ind.dataset.status !== 'idle') return false;
    const cells = [...document.querySelectorAll('.jp-Notebook .jp-Cell')];
    if (cells.length !== expected.length) return false;
    let running = false, missing = false, error = false;
    cells.forEach((c, i) => {
        const p = c.querySelector('.jp-InputPrompt');
        const t = p ? p.textContent : '';
        if (t.includes('*')) running = true;
        if (expected[i] && !/\\[\\d+\\]/.test(t)) missing = true;
        for (const o of c.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'))
            if (/Traceback|^\\w*(Error|Exception)\\b/m.test(o.innerText)) error = true;
    });
    return !running && (!missing || error);
}"""

ERROR_RE = re.compile(r"Traceback \(most recent call last\)|^\w*(Error|Exception|Interrupt)\b[:\s]",
                      re.M)
WIDGET_AS_TEXT_RE = re.compile(r"^(VBox|HBox|Box|GridBox|IntSlider|FloatSlider|Image|HTML|Output|"
                               r"interactive)\((children|value|layout)=")


class NotebookRun:
    """One notebook open in one browser page: run it, inspect it, poke its explorers."""

    def __init__(self, server: JupyterServer, context, name: str, timeout_s: float = 300.0,
                 artifacts: Path = ARTIFACTS) -> None:
        self.server = server
        self.name = name
        self.stem = name.removesuffix(".ipynb")
        self.nb = read_notebook(name, server.root)
        self.timeout_ms = int(timeout_s * 1000)
        self.artifacts = Path(artifacts)
        self.timings: dict[str, float] = {}
        self.console: list[str] = []
        self.page = context.new_page()
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))

    # -- helpers
    def _timed(self, key: str, t0: float) -> None:
        self.timings[key] = round(time.perf_counter() - t0, 2)

    def expected_to_run(self) -> list[bool]:
        """Per cell: a code cell with some source (Run All gives it an execution count)."""
        return [c["cell_type"] == "code" and bool(_source(c).strip()) for c in self.nb["cells"]]

    def raises_ok(self) -> list[bool]:
        return ["raises-exception" in c.get("metadata", {}).get("tags", [])
                for c in self.nb["cells"]]

    def cells(self) -> list[dict]:
        return self.page.evaluate(CELLS_JS)

    def wait_kernel_ready(self, timeout_ms: int = 90_000) -> None:
        self.page.wait_for_function(KERNEL_READY_JS, timeout=timeout_ms, polling=100)

    def wait_kernel_idle(self, timeout_ms: int = 60_000) -> None:
        self.page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout_ms, polling=100)

    # -- steps
    def open(self) -> NotebookRun:
        t0 = time.perf_counter()
        self.page.goto(self.server.url(self.name), wait_until="domcontentloaded")
        self.page.wait_for_selector(".jp-NotebookPanel .jp-Cell .jp-InputArea", timeout=90_000)
        self._timed("open_s", t0)
        t0 = time.perf_counter()
        self.wait_kernel_ready()
        self._timed("kernel_ready_s", t0)
        return self

    def _run_all_command(self) -> None:
        # no `return`: execute() resolves only when every cell has run, and evaluate would wait
        self.page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")

    def start_run_all(self) -> NotebookRun:
        """Send Run All Cells and wait until the first cell is queued (retry once if dropped)."""
        self._run_started = time.perf_counter()
        self._run_all_command()
        try:
            self.page.wait_for_function(RUN_STARTED_JS, timeout=10_000, polling=100)
        except Exception:  # noqa: BLE001 - dropped: the kernel was not really ready
            log(f"{self.name}: Run All seems dropped; waiting for the kernel and retrying once")
            self.wait_kernel_ready()
            self._run_all_command()
            self.page.wait_for_function(RUN_STARTED_JS, timeout=20_000, polling=100)
        return self

    def wait_run_all(self) -> NotebookRun:
        """Wait until every cell ran (or an error stopped the run) and the widgets rendered."""
        self.page.wait_for_function(RUN_DONE_JS, arg=self.expected_to_run(),
                                    timeout=self.timeout_ms, polling=250)
        self._timed("run_all_s", self._run_started)
        # widget views render asynchronously after the kernel is done
        t0 = time.perf_counter()
        self.page.wait_for_function(
            """() => [...document.querySelectorAll('.jp-Notebook img.cnn-plot')]
                     .every(i => i.complete && i.naturalWidth > 0)""", timeout=30_000)
        self._timed("render_s", t0)
        return self

    def run_all(self) -> NotebookRun:
        """Run All Cells and wait until every cell ran (or an error stopped the run)."""
        return self.start_run_all().wait_run_all()

    def problems(self) -> list[str]:
        """What a learner would see go wrong: errors, broken widgets, cells that did not run."""
        found = []
        expected, raises_ok = self.expected_to_run(), self.raises_ok()
        cells = self.cells()
        if len(cells) != len(expected):
            found.append(f"the page shows {len(cells)} cells, the notebook has {len(expected)}")
            return found
        for i, cell in enumerate(cells):
            if expected[i] and not re.fullmatch(r"\[\d+\]:?", cell["prompt"]):
                found.append(f"cell {i} did not run (prompt {cell['prompt']!r})")
            for out in cell["outputs"]:
                text = out["text"]
                if "Error displaying widget" in text:
                    found.append(f"cell {i}: Error displaying widget: {text[:300]!r}")
                if out["mime"] == "application/vnd.jupyter.stderr" and ERROR_RE.search(text) \
                        and not raises_ok[i]:
                    found.append(f"cell {i}: error output:\n{text[-1500:]}")
                if out["mime"] == "text/plain" and WIDGET_AS_TEXT_RE.match(text):
                    found.append(f"cell {i}: a widget shown as text (widget front end missing?): "
                                 f"{text[:200]!r}")
        if self.page.locator(".jp-OutputArea").get_by_text("Error displaying widget").count():
            found.append("'Error displaying widget' in an output")
        return found

    def stderr_texts(self) -> list[str]:
        """Non-error stderr (warnings): reported, not failed."""
        return [f"cell {i}: {o['text'][:300]}" for i, c in enumerate(self.cells())
                for o in c["outputs"] if o["mime"] == "application/vnd.jupyter.stderr"
                and not ERROR_RE.search(o["text"])]

    def explorers(self) -> list:
        return self.page.locator(".jp-Notebook .cnn-explorer").all()

    def evidence(self, tag: str) -> str:
        """Save a screenshot + the output texts; return a text for an assertion message."""
        self.artifacts.mkdir(parents=True, exist_ok=True)
        shot = self.artifacts / f"{self.stem}-{tag}-failure.png"
        lines = [f"screenshot: {shot}"]
        try:
            self.page.screenshot(path=str(shot))
        except Exception as exc:  # noqa: BLE001
            lines.append(f"(screenshot failed: {exc!r})")
        try:
            for i, cell in enumerate(self.cells()):
                for out in cell["outputs"]:
                    lines.append(f"--- cell {i} {cell['prompt']} [{out['mime']}]\n{out['text'][:800]}")
        except Exception as exc:  # noqa: BLE001
            lines.append(f"(outputs unavailable: {exc!r})")
        if self.console:
            lines.append("--- browser console errors:\n" + "\n".join(self.console[-20:]))
        text = "\n".join(lines)
        (self.artifacts / f"{self.stem}-{tag}-failure.txt").write_text(text)
        return text[-12000:]

    def screenshot(self, path: Path, element=None) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        if element is not None:
            element.scroll_into_view_if_needed()
        self.page.screenshot(path=str(path))
        return path

    def close(self) -> None:
        try:
            self.page.close()
        finally:
            self.server.shutdown_sessions(self.name)

    # -- interactions: each returns a dict describing what changed
    def _img_src(self, explorer) -> str:
        return explorer.locator("img.cnn-plot").first.get_attribute("src") or ""

    def _result_text(self, explorer) -> str:
        loc = explorer.locator(".cnn-result")
        return loc.first.inner_text() if loc.count() else ""

    def _wait_new_image(self, explorer, old_src: str, timeout_ms: int = 30_000) -> str:
        """Wait until the explorer's image is a new, loaded one, the kernel idle, the src stable."""
        img = explorer.locator("img.cnn-plot").first.element_handle()
        self.page.wait_for_function(
            "([img, old]) => img.src !== old && img.complete && img.naturalWidth > 0",
            arg=[img, old_src], timeout=timeout_ms, polling=50)
        self.wait_kernel_idle()
        # the kernel is idle: every redraw it sent has arrived; wait for the last one to show
        last, stable_since = None, time.monotonic()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            src = img.evaluate("i => i.complete && i.naturalWidth > 0 ? i.src : ''")
            if src != last:
                last, stable_since = src, time.monotonic()
            elif src and time.monotonic() - stable_since > 0.3:
                break
            time.sleep(0.05)
        return last or ""

    def move_slider(self, explorer, presses: int = 3, timeout_ms: int = 30_000) -> dict | None:
        """Press arrow keys on the first enabled visible slider; None when there is none."""
        handles = [h for h in explorer.locator(".widget-slider .noUi-handle").all()
                   if h.is_visible() and not h.evaluate(
                       "h => !!h.closest('[disabled]') || h.closest('.widget-slider')"
                       ".querySelector('.noUi-target')?.hasAttribute('disabled')")]
        if not handles:
            return None
        handle = handles[0]
        slider = handle.locator("xpath=ancestor::*[contains(@class,'widget-slider')][1]")
        label = slider.locator(".widget-label").first.inner_text().strip() \
            if slider.locator(".widget-label").count() else "?"
        readout = slider.locator(".widget-readout").first
        now = handle.get_attribute("aria-valuenow")
        vmax = handle.get_attribute("aria-valuemax")
        key = "ArrowLeft" if now is not None and vmax is not None and \
            float(now) >= float(vmax) else "ArrowRight"
        before = {"src": self._img_src(explorer), "text": self._result_text(explorer),
                  "readout": readout.inner_text().strip() if readout.count() else ""}
        t0 = time.perf_counter()
        handle.focus()
        for _ in range(presses):
            handle.press(key)
        src = self._wait_new_image(explorer, before["src"], timeout_ms)
        return {"control": f"slider {label!r} ({key} x{presses})", "before": before,
                "after": {"src": src, "text": self._result_text(explorer),
                          "readout": readout.inner_text().strip() if readout.count() else ""},
                "seconds": round(time.perf_counter() - t0, 2)}

    def change_dropdown(self, explorer) -> dict | None:
        """Select the next option of the first enabled visible dropdown; None when none."""
        selects = [s for s in explorer.locator(".widget-dropdown select").all()
                   if s.is_visible() and s.is_enabled()
                   and s.evaluate("s => s.options.length") > 1]
        if not selects:
            return None
        sel = selects[0]
        box = sel.locator("xpath=ancestor::*[contains(@class,'widget-dropdown')][1]")
        label = box.locator(".widget-label").first.inner_text().strip() \
            if box.locator(".widget-label").count() else "?"
        n, i = sel.evaluate("s => [s.options.length, s.selectedIndex]")
        before = {"src": self._img_src(explorer), "text": self._result_text(explorer),
                  "readout": sel.evaluate("s => s.value")}
        t0 = time.perf_counter()
        sel.select_option(index=(i + 1) % n)
        src = self._wait_new_image(explorer, before["src"])
        return {"control": f"dropdown {label!r}", "before": before,
                "after": {"src": src, "text": self._result_text(explorer),
                          "readout": sel.evaluate("s => s.value")},
                "seconds": round(time.perf_counter() - t0, 2)}

    def edit_kernel_cell(self, explorer, value: str = "5") -> dict:
        """Type a number into the centre cell of a KernelSandbox's kernel, then Enter."""
        cells = [c for c in explorer.locator(".cnn-kernel-cell input").all() if c.is_visible()]
        if not cells:
            raise AssertionError("no visible .cnn-kernel-cell input in the kernel sandbox")
        cell = cells[len(cells) // 2]
        if cell.input_value().strip() in (value, f"{value}.0"):
            value = "-3"
        before = {"src": self._img_src(explorer), "text": self._result_text(explorer),
                  "readout": cell.input_value()}
        t0 = time.perf_counter()
        cell.click()
        cell.fill(value)
        cell.press("Enter")
        src = self._wait_new_image(explorer, before["src"])
        return {"control": f"kernel cell {len(cells) // 2} of {len(cells)} := {value}",
                "before": before, "after": {"src": src, "text": self._result_text(explorer),
                                            "readout": cell.input_value()},
                "seconds": round(time.perf_counter() - t0, 2)}

    def explorer_name(self, explorer) -> str:
        classes = (explorer.get_attribute("class") or "").split()
        names = [c.removeprefix("cnn-") for c in classes
                 if c.startswith("cnn-") and c != "cnn-explorer"]
        return names[0] if names else "explorer"
