"""The website pipeline without a browser (website/build.py, website/prepare.py): links, the
explorer stills as displayed (not as at the end of the run), widgets drawn from saved state, and a
build of two tiny notebooks, one of which needs an optional package that is missing."""

import base64
import importlib.util
import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
WEBSITE = ROOT / "website"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"cnn_site_{name}", WEBSITE / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(WEBSITE))  # as when website/build.py runs as a script
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(WEBSITE))
    return module


prepare = _load("prepare")
PAGES = {"01_neural_network_recap", "02_convolution"}
SRC = "https://example.org/course/blob/main"


def test_links_between_notebooks_become_pages():
    text = "[next](02_convolution.ipynb) and [there](02_convolution.ipynb#padding)"
    out = prepare.rewrite_markdown(text, PAGES, SRC, set())
    assert out == "[next](02_convolution.html) and [there](02_convolution.html#padding)"


def test_other_relative_links_go_to_the_repository_and_urls_stay():
    text = '[code](../cnnlib/conv.py) [web](https://numpy.org) [up](#top) <a href="../README.md">'
    out = prepare.rewrite_markdown(text, PAGES, SRC, set())
    assert f"[code]({SRC}/cnnlib/conv.py)" in out
    assert "[web](https://numpy.org)" in out and "[up](#top)" in out
    assert f'<a href="{SRC}/README.md">' in out


def test_local_images_are_copied_and_remote_images_become_links():
    assets = set()
    text = ("![fig](../docs/images/a.png) <img src=\"pics/b.png\"> "
            "[![Open In Colab](https://colab.example/badge.svg)](https://colab.example/nb) "
            "![logo](https://img.example/logo.png) <img alt=\"Binder\" src=\"https://b.example/x.svg\">")
    out = prepare.rewrite_markdown(text, PAGES, SRC, assets)
    assert assets == {"docs/images/a.png", "notebooks/pics/b.png"}
    assert "![fig](_files/docs/images/a.png)" in out and 'src="_files/notebooks/pics/b.png"' in out
    assert "[Open In Colab](https://colab.example/nb)" in out
    assert "[logo](https://img.example/logo.png)" in out
    assert "https://b.example" not in out and "Binder" in out


def _display_output(obj):
    """The output a kernel would save for ``display(obj)``."""
    from IPython.core.formatters import DisplayFormatter

    data, meta = DisplayFormatter().format(obj)
    return nbformat.v4.new_output("display_data", data=data, metadata=meta)


def test_explorer_output_carries_its_picture_at_display_time():
    from cnnlib.widgets import ShapeExplorer

    explorer = ShapeExplorer()
    shown = _display_output(explorer)
    first_png = explorer.image.value
    explorer.set(size=9, kernel_size=5)  # a later cell moves it: the saved output must not
    assert explorer.image.value != first_png
    assert base64.b64decode(shown["data"]["image/png"]) == first_png
    assert "application/vnd.jupyter.widget-view+json" in shown["data"]
    assert shown["metadata"]["cnnlib"]["settings"].startswith("size=5, kernel_size=3")
    png = shown["data"]["image/png"]

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("explorer")])
    nb.cells[0].outputs = [shown]
    counts = prepare.prepare(nb, pages=PAGES, source_url=SRC, try_it="TRY", assets=set())
    html = nb.cells[0].outputs[0]["data"]["text/html"]
    assert counts == {"explorers": 1, "widgets": 0}
    assert list(nb.cells[0].outputs[0]["data"]) == ["text/html"]
    assert 'data-explorer="ShapeExplorer"' in html and "size=5, kernel_size=3" in html
    assert f"data:image/png;base64,{png}" in html
    assert "sliders cannot move" in html and "TRY" in html


def test_other_widgets_are_drawn_from_the_saved_state():
    png = base64.b64encode(b"\x89PNG fake").decode()
    state = {
        "box": {"model_name": "VBoxModel", "state": {"children": ["IPY_MODEL_s", "IPY_MODEL_i",
                                                                   "IPY_MODEL_h", "IPY_MODEL_d"]}},
        "s": {"model_name": "IntSliderModel", "state": {"description": "kernel size", "value": 5}},
        "i": {"model_name": "ImageModel", "state": {}, "buffers": [{"path": ["value"], "data": png}]},
        "h": {"model_name": "HTMLModel", "state": {"value": "<b>25</b> weights"}},
        "d": {"model_name": "DropdownModel",
              "state": {"description": "layer", "index": 1, "_options_labels": ["conv", "pool"]}},
    }
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("box")])
    nb.metadata["widgets"] = {prepare.WIDGET_STATE: {"state": state}}
    nb.cells[0].outputs = [nbformat.v4.new_output(
        "execute_result", data={prepare.WIDGET_VIEW: {"model_id": "box"}, "text/plain": "VBox()"},
        execution_count=1)]
    counts = prepare.prepare(nb, pages=PAGES, source_url=SRC, try_it="", assets=set())
    html = nb.cells[0].outputs[0]["data"]["text/html"]
    assert counts == {"explorers": 0, "widgets": 1} and "widgets" not in nb.metadata
    assert "kernel size" in html and "<b>5</b>" in html and "<b>25</b> weights" in html
    assert f"data:image/png;base64,{png}" in html and "<b>pool</b>" in html
    assert "end of the run" in html


def _notebook(path, title, *code, markdown=""):
    cells = [nbformat.v4.new_markdown_cell(
        f"# {title}\n\n**You will learn**\n- one thing;\n- another.\n\n**Time:** about 5 minutes.")]
    cells += [nbformat.v4.new_code_cell(c) for c in code]
    cells += [nbformat.v4.new_markdown_cell(markdown)] if markdown else []
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_build_two_notebooks_one_needs_a_missing_package(tmp_path, monkeypatch, capsys):
    pytest.importorskip("jupyter_server_mathjax", reason="the site extra is not installed")
    build = _load("build")
    monkeypatch.setattr(build, "OPTIONAL", {"cnn_not_installed_pkg": "NotInstalledLib"})
    monkeypatch.setenv("CNN_REPOSITORY_URL", "https://github.com/someone/cnn-course")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "00_first.ipynb", "00 · First",
              "from cnnlib.widgets import ShapeExplorer\nexplorer = ShapeExplorer()\nexplorer",
              "explorer.set(size=9)\nprint('size is now', explorer.values['size'])",
              markdown="See [the next one](01_second.ipynb).")
    _notebook(notebooks / "01_second.ipynb", "01 · Second",
              "import cnn_not_installed_pkg\nprint('never run')")
    out = tmp_path / "site"
    pages = build.build(out, notebooks, jobs=1, timeout=120)
    assert [p["stem"] for p in pages] == ["00_first", "01_second"]
    assert sorted(p.name for p in out.glob("*.html")) == [
        "00_first.html", "01_second.html", "index.html"]
    assert (out / "_static" / "mathjax" / "MathJax.js").is_file()

    first = (out / "00_first.html").read_text()
    assert 'data-explorer="ShapeExplorer"' in first and "size=5, kernel_size=3" in first
    assert "size is now 9" in first  # the later cell ran, the still kept the first picture
    assert "https://colab.research.google.com/github/someone/cnn-course/blob/main/notebooks/" \
           "00_first.ipynb" in first
    assert 'href="01_second.html"' in first and "widget-view+json" not in first
    second = (out / "01_second.html").read_text()
    assert "Built without NotInstalledLib" in second and "never run" in second
    assert "jp-OutputArea-output" not in second  # shown, not executed
    home = (out / "index.html").read_text()
    assert 'href="00_first.html"' in home and "about 5 minutes" in home
    assert "built without NotInstalledLib" in home
    assert json.loads(json.dumps(pages[1]["missing"])) == ["NotInstalledLib"]
    assert "not executed, built without NotInstalledLib" in capsys.readouterr().out
