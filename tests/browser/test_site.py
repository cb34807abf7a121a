"""The course website (`make site`): built from a fresh run, then read in headless Chromium.

The module builds build/site/ with the command behind `make site` (``website/build.py``; set
CNN_SITE_DIR=<folder> to check a site already built there instead), serves it on 127.0.0.1 and
opens three pages: the course map, 02 (math, two explorers) and 07 (training figures, the
dashboard, an explorer). On each: the math is typeset by the site's own MathJax, every image
loads, each explorer shows its still picture with the note and the Colab/Binder links, no
traceback, and no request leaves localhost. Every page (not only those three) is also checked
as a file: course order, navigation, one still per explorer, nothing loaded from another host.
Screenshots go to test-artifacts/site/.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import labdriver
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.site]

ROOT = labdriver.REPO
ARTIFACTS = ROOT / "test-artifacts" / "site"
NAMES = [Path(n).stem for n in labdriver.notebook_names()]
OPENED = ["index"] + [n for n in ("02_convolution", "07_full_cnn") if n in NAMES]
MATH = re.compile(r"\$[^$\n]+\$")

COLLECT_JS = """async () => {
    if (window.MathJax && MathJax.Hub) {
        await new Promise(r => MathJax.Hub.Register.StartupHook("End", r));
        await new Promise(r => MathJax.Hub.Queue(r));
    }
    const imgs = [...document.images];
    await Promise.all(imgs.map(i => i.complete ? 0 : new Promise(r => { i.onload = i.onerror = r; })));
    const text = el => el ? el.innerText : '';
    return {
        mathScripts: document.querySelectorAll('script[type^="math/tex"]').length,
        mathRendered: document.querySelectorAll('[id^="MathJax-Element-"][id$="-Frame"]').length,
        mathErrors: document.querySelectorAll('.MathJax_Error, merror').length,
        images: imgs.map(i => ({cls: i.className, w: i.naturalWidth, src: i.src.slice(0, 40)})),
        outputImages: document.querySelectorAll('.jp-OutputArea-output img').length,
        explorers: [...document.querySelectorAll('figure.site-explorer')].map(f => ({
            name: f.dataset.explorer,
            width: (f.querySelector('img.site-explorer-still') || {}).naturalWidth || 0,
            note: text(f.querySelector('.site-explorer-note')),
            links: [...f.querySelectorAll('.site-explorer-note a')].map(a => a.textContent)})),
        stderr: [...document.querySelectorAll(
            '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')].map(text),
        text: document.body.innerText,
    };
}"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # no line per request in the test output
        pass


def _unavailable(reason: str):
    if os.environ.get("CNN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CNN_REQUIRE_BROWSER=1: the site test must run here. {reason}",
                    pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def site_dir() -> Path:
    """build/site/, built now by website/build.py (or CNN_SITE_DIR, already built)."""
    given = os.environ.get("CNN_SITE_DIR")
    if given:
        if not (Path(given) / "index.html").is_file():
            pytest.fail(f"CNN_SITE_DIR={given} has no index.html: run make site first")
        return Path(given)
    try:
        import jupyter_server_mathjax  # noqa: F401
    except ImportError:
        _unavailable("the site extra is not installed (pip install -e '.[site]'): "
                     "site test skipped")
    out = ROOT / "build" / "site"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, str(ROOT / "website" / "build.py"), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1800)
    labdriver.log(f"site built in {time.perf_counter() - t0:.0f} s: "
                  f"{proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ''}")
    if proc.returncode != 0:
        pytest.fail(f"make site failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}\n"
                    f"{proc.stderr[-5000:]}", pytrace=False)
    return out


@pytest.fixture(scope="module")
def visits(site_dir):
    """{page name: what Chromium saw there}, for the OPENED pages."""
    chromium = labdriver.require_chromium("the site test")
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(site_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    seen = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, headless=True,
                                         args=labdriver.CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                log = {"requests": [], "failed": [], "console": [], "errors": []}
                page.on("request", lambda r: log["requests"].append(r.url))
                page.on("requestfailed", lambda r: log["failed"].append(f"{r.url} {r.failure}"))
                page.on("response", lambda r: r.status >= 400 and log["failed"].append(
                    f"{r.url} HTTP {r.status}"))
                page.on("console", lambda m: m.type == "error" and log["console"].append(m.text))
                page.on("pageerror", lambda e: log["errors"].append(str(e)))
                for name in OPENED:
                    for key in log:
                        log[key] = []
                    page.goto(f"{base}/{name}.html", wait_until="load")
                    result = page.evaluate(COLLECT_JS)
                    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
                    still = page.locator("figure.site-explorer").first
                    if still.count():
                        still.scroll_into_view_if_needed()
                        still.screenshot(path=str(ARTIFACTS / f"{name}-explorer.png"))
                    seen[name] = {**result, **{k: list(v) for k, v in log.items()}}
            finally:
                browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return seen


# ----------------------------------------------------------------------------- the files
def test_one_page_per_notebook_in_course_order(site_dir):
    index = (site_dir / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="site-card-title" href="([^"]+)"', index)
    assert links == [f"{n}.html" for n in NAMES], "the course map lists every notebook, in order"
    for i, name in enumerate(NAMES):
        page = (site_dir / f"{name}.html").read_text(encoding="utf-8")
        nav = re.findall(r'<li[^>]*><a href="([^"]+)"', page)
        assert nav == ["index.html"] + [f"{n}.html" for n in NAMES], f"{name}: the side menu"
        prev = "index.html" if i == 0 else f"{NAMES[i - 1]}.html"
        assert f'class="site-prev" href="{prev}"' in page, f"{name}: previous is {prev}"
        if i + 1 < len(NAMES):
            assert f'class="site-next" href="{NAMES[i + 1]}.html"' in page, f"{name}: next"


@pytest.mark.parametrize("name", NAMES)
def test_every_page_is_offline_and_shows_no_traceback(site_dir, name):
    page = (site_dir / f"{name}.html").read_text(encoding="utf-8")
    remote = re.findall(r'<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)="(?:https?:)?//',
                        page)
    assert not remote, f"{name}: the page loads something from another host: {remote[:3]}"
    assert "Traceback (most recent call last)" not in page, f"{name}: a traceback"
    assert "widget-view+json" not in page, f"{name}: a widget left for JavaScript to draw"
    if "Built without" in page:
        return  # shown without running it (an optional package is missing): no outputs
    nb = labdriver.read_notebook(f"{name}.ipynb")
    shown = re.findall(r'<figure class="site-explorer" data-explorer="(\w+)"', page)
    for cls in labdriver.explorer_classes_in(nb):
        assert cls in shown, f"{name}: no still picture of the {cls} explorer"


# ----------------------------------------------------------------------------- in Chromium
@pytest.mark.parametrize("name", OPENED)
def test_page_in_chromium(visits, name):
    seen = visits[name]
    hosts = {urlsplit(u).netloc for u in seen["requests"] if urlsplit(u).scheme in ("http", "https")}
    assert all(h.split(":")[0] == "127.0.0.1" for h in hosts), f"requests left localhost: {hosts}"
    assert not seen["failed"], f"{name}: requests that failed: {seen['failed'][:5]}"
    assert not seen["errors"] and not seen["console"], \
        f"{name}: script errors {seen['errors'][:3]} console {seen['console'][:3]}"
    assert seen["mathRendered"] == seen["mathScripts"] and not seen["mathErrors"], \
        f"{name}: {seen['mathScripts']} formulas, {seen['mathRendered']} typeset, " \
        f"{seen['mathErrors']} errors"
    broken = [i for i in seen["images"] if i["w"] == 0]
    assert not broken, f"{name}: images that did not load: {broken[:3]}"
    assert "Traceback (most recent call last)" not in seen["text"]
    assert "Error displaying widget" not in seen["text"]
    assert not [t for t in seen["stderr"] if re.search(r"Traceback|^\w*Error\b", t, re.M)]
    if name == "index":
        assert all(n in seen["text"] for n in ("The course", "00 ·")), "the course map"
        return
    nb = labdriver.read_notebook(f"{name}.ipynb")
    assert seen["outputImages"] > 0, f"{name}: no figure in the outputs"
    classes = labdriver.explorer_classes_in(nb)
    assert sorted({e["name"] for e in seen["explorers"]}) == sorted(classes), name
    for explorer in seen["explorers"]:
        assert explorer["width"] > 0, f"{name}: the {explorer['name']} picture did not load"
        assert "sliders cannot move" in explorer["note"]
        assert explorer["links"][:2] == ["Colab", "Binder"], explorer["links"]
    markdown = "\n".join(c["source"] if isinstance(c["source"], str) else "".join(c["source"])
                         for c in nb["cells"] if c["cell_type"] == "markdown")
    if MATH.search(markdown):
        assert seen["mathScripts"] > 0, f"{name}: its formulas were not found by MathJax"
