#!/usr/bin/env python3
"""Regenerate docs/images/*.png: every explorer of the course as a learner sees it.

Starts JupyterLab (a temporary copy of notebooks/) and headless Chromium, runs each notebook
that has explorers with Run All, and saves one PNG per explorer, cropped to the explorer's
box (Playwright's ``locator.screenshot``). Nothing is drawn by hand. PNGs above --max-kb are
reduced to a 256-colour palette (Pillow), then scaled down if still too big.

Usage:  python scripts/screenshots.py [--out docs/images] [--only 02 04] [--max-kb 140]
Needs Chromium (CNN_CHROMIUM, default /usr/bin/chromium) and `pip install -e '.[browser]'`.
"""

from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

import labdriver  # noqa: E402

PRESTART = ("07_",)  # slow notebooks, started first in their own page


def shrink_png(path: Path, max_bytes: int) -> str:
    """Keep ``path`` under ``max_bytes``: palette PNG first, then scale down. Returns a note."""
    if path.stat().st_size <= max_bytes:
        return ""
    from PIL import Image

    original = Image.open(path).convert("RGB")
    img = original.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    note = "palette"
    scale = 1.0
    while True:
        buf = io.BytesIO()
        img.save(buf, format="PNG", optimize=True)
        if buf.tell() <= max_bytes or scale < 0.4:
            break
        scale *= 0.85
        size = (round(original.width * scale), round(original.height * scale))
        img = original.resize(size, Image.Resampling.LANCZOS).quantize(
            colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        note = f"palette, scaled x{scale:.2f}"
    path.write_bytes(buf.getvalue())
    return note


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    parser.add_argument("--only", nargs="*", default=[],
                        help="notebook number prefixes, e.g. 02 04 (default: all)")
    parser.add_argument("--max-kb", type=int, default=140)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per notebook")
    args = parser.parse_args(argv)

    reason = labdriver.playwright_missing()
    chromium, why = labdriver.find_chromium()
    if reason or chromium is None:
        print(reason or why, file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    names = [n for n in labdriver.notebook_names()
             if labdriver.explorer_classes_in(labdriver.read_notebook(n))
             and (not args.only or any(n.startswith(p) for p in args.only))]
    if not names:
        print("no notebook with explorers matches", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cnn-shots-") as tmp, \
            labdriver.JupyterServer(workdir=Path(tmp)) as server, sync_playwright() as pw:
        context = labdriver.launch_browser(pw, chromium, Path(tmp) / "chromium", width=1100)
        try:
            # the slow notebook (07 trains a network) runs in its own page while the others
            # are photographed
            started = {n: labdriver.NotebookRun(server, context, n, timeout_s=args.timeout)
                       for n in names if n.startswith(PRESTART)}
            for run in started.values():
                run.open().start_run_all()
            for name in sorted(names, key=lambda n: n in started):
                t0 = time.perf_counter()
                run = started.get(name) or labdriver.NotebookRun(server, context, name,
                                                                 timeout_s=args.timeout)
                try:
                    if name in started:
                        run.wait_run_all()
                    else:
                        run.open().run_all()
                    problems = run.problems()
                    if problems:
                        print(f"{name}: problems, screenshots may show them:\n  "
                              + "\n  ".join(problems), file=sys.stderr)
                    seen: dict[str, int] = {}
                    run.page.mouse.move(0, 0)
                    for explorer in run.explorers():
                        kind = run.explorer_name(explorer)
                        seen[kind] = seen.get(kind, 0) + 1
                        suffix = f"-{seen[kind]}" if seen[kind] > 1 else ""
                        path = args.out / f"{run.stem}-{kind}{suffix}.png"
                        explorer.scroll_into_view_if_needed()
                        explorer.screenshot(path=str(path), animations="disabled")
                        note = shrink_png(path, args.max_kb * 1024)
                        written.append(path)
                        print(f"{path.relative_to(REPO) if path.is_relative_to(REPO) else path}"
                              f"  {path.stat().st_size // 1024} KB"
                              + (f"  ({note})" if note else ""))
                except Exception as exc:
                    print(f"{name}: failed ({exc})\n{run.evidence('screenshots')}",
                          file=sys.stderr)
                    return 1
                finally:
                    run.close()
                print(f"{name}: {time.perf_counter() - t0:.1f} s")
        finally:
            context.close()
    if not args.only:  # a full run: drop pictures of explorers that no longer exist
        for old in args.out.glob("[0-9][0-9]_*-*.png"):
            if old not in written:
                old.unlink()
                print(f"removed stale {old.name}")
    print(f"{len(written)} screenshots in {args.out} ({time.perf_counter() - t_start:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
