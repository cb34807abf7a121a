"""Build the executed course as a static website: ``make site`` -> build/site/.

Every notebook ``notebooks/NN_name.ipynb`` (course order = file-name order) is executed in a
fresh kernel (``--jobs`` at a time, each in an empty working folder), prepared for a page
without a kernel (``prepare.py``: each explorer becomes the still picture it showed when it was
displayed) and exported by nbconvert with the small template in ``templates/course/``. The
home page holds the course map. MathJax comes from the ``jupyter-server-mathjax`` package
(PyPI, the ``site`` extra) and is copied into the site: a page loads nothing from another host.

A notebook that imports an optional package that is missing here (PyTorch) is not executed:
its page shows the code and says that it was built without that package.

    python website/build.py [--out build/site] [--jobs 2] [--notebooks notebooks]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from importlib import metadata
from pathlib import Path

import nbformat
from prepare import ASSETS, prepare  # website/ is on sys.path: this file is run as a script

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

COURSE_TITLE = "CNNs from scratch"
BRANCH = "main"
# The repository's address, for the Colab/Binder/source links. Read from one place:
# CNN_REPOSITORY_URL if set (the Pages workflow sets it to the fork it runs in), else the
# "Repository" URL of [project.urls] in pyproject.toml, else this placeholder.
PLACEHOLDER_REPOSITORY = "https://github.com/OWNER/cnns-from-scratch"
# Optional packages: a notebook that imports a missing one is shown without running it.
OPTIONAL = {"torch": "PyTorch", "torchvision": "torchvision"}
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"
# Parts of MathJax 2 that the pages never load (other languages, the SVG output, a11y tools).
MATHJAX_SKIP = ("localization", "jax/output/SVG", "extensions/a11y")


def repository_url() -> str:
    url = os.environ.get("CNN_REPOSITORY_URL", "").strip()
    if not url:
        try:
            for entry in metadata.metadata("cnnlib").get_all("Project-URL") or []:
                label, _, value = entry.partition(",")
                if label.strip().lower() in {"repository", "source", "source code"}:
                    url = value.strip()
                    break
        except metadata.PackageNotFoundError:
            pass
    return (url or PLACEHOLDER_REPOSITORY).rstrip("/").removesuffix(".git")


def try_links(repo: str, notebook: str) -> tuple[str, str]:
    """(Colab URL, Binder URL) of one notebook of the repository."""
    slug = repo.split("github.com/", 1)[-1]
    colab = f"https://colab.research.google.com/github/{slug}/blob/{BRANCH}/notebooks/{notebook}"
    binder = f"https://mybinder.org/v2/gh/{slug}/{BRANCH}?labpath=notebooks%2F{notebook}"
    return colab, binder


def imports(nb) -> set[str]:
    found = set()
    for cell in nb.cells:
        if cell.cell_type == "code":
            found |= set(re.findall(r"^\s*(?:import|from)\s+([A-Za-z_]\w*)", cell.source, re.M))
    return found


def missing_optional(nb) -> list[str]:
    from importlib.util import find_spec

    return [OPTIONAL[m] for m in sorted(imports(nb) & set(OPTIONAL)) if find_spec(m) is None]


def execute(path: str, timeout: int, one_thread: bool):
    """Run one notebook in a fresh kernel: (notebook, seconds, error text or None).

    The kernel talks over IPC sockets in its own temporary folder (also its working folder):
    kernels started side by side cannot race for the same TCP port.
    """
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    if one_thread:  # several kernels side by side: one BLAS thread each
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(var, "1")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="cnn-site-") as cwd:
        km = KernelManager(kernel_name="python3", transport="ipc", ip=os.path.join(cwd, "kernel"))
        client = NotebookClient(nb, km=km, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": cwd}})
        try:
            client.execute()
        except Exception as exc:  # noqa: BLE001 - a cell's error, or a kernel that died
            return nb, time.perf_counter() - start, f"{type(exc).__name__}: {exc}"
        finally:
            if km.has_kernel:  # the client leaves a kernel it was given running
                km.shutdown_kernel()
    return nb, time.perf_counter() - start, None


def run_all(paths: list[Path], jobs: int, timeout: int):
    """execute() each notebook, ``jobs`` at a time; results in the order of ``paths``."""
    if jobs <= 1 or len(paths) <= 1:
        yield from (execute(str(p), timeout, False) for p in paths)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(execute, str(p), timeout, True) for p in paths]
        yield from (f.result() for f in futures)


def describe(nb, stem: str) -> dict:
    """Title, time and "You will learn" list of a notebook, from its first cell."""
    first = nb.cells[0].source if nb.cells else ""
    title = re.search(r"^#\s+(.+)$", first, re.M)
    minutes = re.search(r"\*\*Time:\*\*\s*([^.*\n]+)", first)
    learn = re.search(r"\*\*You will learn\*\*[^\n]*\n((?:[ \t]*[-*] .*\n?(?:[ \t]+\S.*\n?)*)+)",
                      first)
    return {"stem": stem, "href": f"{stem}.html",
            "title": title.group(1).strip() if title else stem.replace("_", " "),
            "time": minutes.group(1).strip() if minutes else "",
            "learn": learn.group(1) if learn else ""}


def intro_paragraph() -> str:
    """The README's first paragraph of prose (not a badge line)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.split(r"\n\s*\n", text.split("\n", 1)[-1]):
        block = block.strip()
        if block and not block.startswith(("#", "[!", "![", "<", "|", "```")):
            return block
    return ""


def copy_static(out: Path) -> None:
    import jupyter_server_mathjax
    from jupyter_core.paths import jupyter_path

    static = out / "_static"
    lab = next(Path(d, "lab", "static") for d in jupyter_path("nbconvert", "templates")
               if Path(d, "lab", "static", "index.css").exists())
    (static / "lab").mkdir(parents=True)
    for name in ("index.css", "theme-light.css"):
        shutil.copy(lab / name, static / "lab" / name)
    shutil.copy(HERE / "static" / "course.css", static / "course.css")
    mathjax = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(mathjax, static / "mathjax", ignore=lambda d, names: [
        n for n in names
        if Path(d, n).relative_to(mathjax).as_posix().startswith(MATHJAX_SKIP)])


def export(nb, page: dict, site: dict, path: Path) -> str:
    from nbconvert.exporters import HTMLExporter

    exporter = HTMLExporter(template_name="course",
                            extra_template_basedirs=[str(HERE / "templates")],
                            mathjax_url=f"_static/mathjax/MathJax.js?config={MATHJAX_CONFIG}")
    resources = {"site": {**site, "page": page}, "metadata": {"path": str(path)}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return body


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def build(out: Path, notebooks: Path, jobs: int = 2, timeout: int = 600,
          reuse: bool = False) -> list[dict]:
    t0 = time.perf_counter()
    paths = sorted(notebooks.glob("[0-9][0-9]_*.ipynb"))
    if not paths:
        raise SystemExit(f"build_site: no notebooks NN_name.ipynb in {notebooks}")
    sources = {p.stem: nbformat.read(p, as_version=4) for p in paths}
    skipped = {stem: missing_optional(nb) for stem, nb in sources.items()}
    executed, failures = {}, []
    cache = out.parent / "executed"
    if reuse:  # --reuse: executed copies newer than their notebook (and cnnlib) skip the run
        newest_lib = max(f.stat().st_mtime for f in (ROOT / "cnnlib").rglob("*.py"))
        for p in paths:
            c = cache / p.name
            if c.exists() and c.stat().st_mtime > max(p.stat().st_mtime, newest_lib):
                executed[p.stem] = (nbformat.read(c, as_version=4), 0.0)
    # the last notebooks first: they are the long ones (training), the others fill in beside
    to_run = [p for p in reversed(paths) if not skipped[p.stem] and p.stem not in executed]
    print(f"build_site: executing {len(to_run)} notebooks, {jobs} at a time", flush=True)
    cache.mkdir(parents=True, exist_ok=True)
    for path, (nb, seconds, error) in zip(to_run, run_all(to_run, jobs, timeout), strict=True):
        print(f"  {path.stem}: {seconds:.1f} s{' FAILED' if error else ''}", flush=True)
        executed[path.stem] = (nb, seconds)
        if error:
            failures.append(f"{path.name} failed while building the site:\n{error}")
        else:
            nbformat.write(nb, cache / path.name)
    if failures:
        raise SystemExit("\n\n".join(failures))

    repo = repository_url()
    if repo == PLACEHOLDER_REPOSITORY:
        print(f"build_site: no repository address set; links use the placeholder {repo} "
              "(set CNN_REPOSITORY_URL or [project.urls] Repository)", flush=True)
    import cnnlib

    pages = [describe(sources[p.stem], p.stem) for p in paths]
    site = {"course_title": COURSE_TITLE, "repository": repo, "pages": pages,
            "built": f"{date.today().isoformat()}", "commit": git_commit(),
            "version": cnnlib.__version__}
    tmp = out.with_name(out.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    copy_static(tmp)
    source_url = f"{repo}/blob/{BRANCH}"
    assets: set[str] = set()
    for i, (path, page) in enumerate(zip(paths, pages, strict=True)):
        nb, seconds = executed.get(path.stem, (sources[path.stem], 0.0))
        colab, binder = try_links(repo, path.name)
        try_it = (f'Try them: open this notebook in <a href="{colab}">Colab</a> or '
                  f'<a href="{binder}">Binder</a>, or run <code>make lab</code> on your computer.')
        counts = prepare(nb, pages={p["stem"] for p in pages}, source_url=source_url,
                         try_it=try_it, assets=assets)
        page.update(counts, seconds=round(seconds, 1), missing=skipped[path.stem],
                    colab=colab, binder=binder, source=f"{source_url}/notebooks/{path.name}",
                    prev=pages[i - 1] if i else {"href": "index.html", "title": "Course map"},
                    next=pages[i + 1] if i + 1 < len(pages) else None)
        (tmp / page["href"]).write_text(export(nb, page, site, notebooks), encoding="utf-8")
    home_nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        f"# {COURSE_TITLE}\n\n{intro_paragraph()}")])
    home = {"stem": "index", "href": "index.html", "title": "Course map", "home": True,
            "next": pages[0], "prev": None, "missing": []}
    (tmp / "index.html").write_text(export(home_nb, home, site, notebooks), encoding="utf-8")
    for asset in sorted(assets):  # local images of the markdown, at their repository paths
        if (ROOT / asset).is_file():
            (tmp / ASSETS / asset).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / asset, tmp / ASSETS / asset)
    shutil.rmtree(out, ignore_errors=True)
    tmp.rename(out)
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"build_site: {len(pages) + 1} pages in {out} ({size / 1e6:.1f} MB, "
          f"{sum(1 for f in out.rglob('*') if f.is_file())} files) in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    for page in pages:
        if page["missing"]:
            print(f"  {page['stem']}: not executed, built without {', '.join(page['missing'])}")
    return pages


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "site")
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--jobs", type=int, default=int(os.environ.get("SITE_JOBS", "2")),
                        help="notebooks executed side by side (default 2, or $SITE_JOBS)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse executed notebooks from the last build (beside --out, in "
                             "executed/) that are newer than their source and cnnlib: for "
                             "working on the template")
    args = parser.parse_args(argv)
    build(args.out.resolve(), args.notebooks.resolve(), args.jobs, args.timeout, args.reuse)
    return 0


if __name__ == "__main__":
    sys.exit(main())
