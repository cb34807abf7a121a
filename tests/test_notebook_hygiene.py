"""Every notebook: stripped, python3 kernelspec, the course's shape (title, links, setup
cell importing cnnlib, assert cells, summary, exercises), no sys.path hacks."""

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
COURSE = ["00_start_here", "01_neural_network_recap", "02_convolution", "03_padding_and_stride",
          "04_receptive_field", "05_pooling", "06_backpropagation_through_conv", "07_full_cnn",
          "08_from_cnnlib_to_pytorch"]
PRESENT = [name for name in COURSE if (NOTEBOOKS / f"{name}.ipynb").exists()]


def load(name):
    return json.loads((NOTEBOOKS / f"{name}.ipynb").read_text())


def source(cell):
    return "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]


def test_no_stray_notebooks():
    names = {p.stem for p in NOTEBOOKS.glob("*.ipynb")}
    assert names <= set(COURSE), f"not in the course map: {names - set(COURSE)}"
    assert "00_start_here" in names


@pytest.mark.parametrize("name", PRESENT)
def test_stripped_and_python3(name):
    nb = load(name)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


@pytest.mark.parametrize("name", PRESENT)
def test_course_shape(name):
    nb = load(name)
    cells = nb["cells"]
    code = [source(c) for c in cells if c["cell_type"] == "code"]
    text = "\n".join(source(c) for c in cells if c["cell_type"] == "markdown")
    assert source(cells[0]).startswith("# "), "the first cell is the title"
    assert "colab.research.google.com" in source(cells[0]), "the title has the Colab link"
    first = next(c for c in cells if c["cell_type"] == "code")
    assert "colab-setup" in first["metadata"].get("tags", []), "the first code cell: Colab set-up"
    assert "import cnnlib" in code[1], "the second code cell is the setup cell"
    assert not any(re.search(r"sys\.path", c) for c in code), "no sys.path hacks"
    assert not any(re.search(r"open\(|np\.load\(|\.\./data", c) for c in code), "data via cnnlib.data"
    if name != "00_start_here":
        assert sum("assert " in c for c in code) >= 5, "facts that matter are assert cells"
        idx = COURSE.index(name)
        assert f"{COURSE[idx - 1]}.ipynb" in text, "link to the previous notebook"
        nxt = COURSE[idx + 1] if idx + 1 < len(COURSE) else COURSE[0]
        assert f"{nxt}.ipynb" in text, "link to the next notebook"
        assert re.search(r"^## .*Summary", text, re.M | re.I)
        assert re.search(r"^## Exercises", text, re.M)
    assert re.search(r"you will learn", text, re.I)


def _minutes(table_text):
    """{'00': 10, ...} from the rows of a course-map table: | NN | ... | N min | ..."""
    return {m.group(1): int(m.group(2))
            for m in re.finditer(r"^\| (\d\d) \|.*?\| (\d+) min \|", table_text, re.M)}


def test_time_estimates_agree_between_headers_course_map_and_readme():
    """Each notebook's '**Time:** about N minutes' = notebook 00's course map = README's."""
    course_map = _minutes("\n".join(source(c) for c in load("00_start_here")["cells"]
                                    if c["cell_type"] == "markdown"))
    readme = _minutes((NOTEBOOKS.parent / "README.md").read_text())
    assert course_map == readme, f"notebook 00's map {course_map} != README's {readme}"
    headers = {}
    for name in PRESENT:
        found = re.search(r"\*\*Time:\*\* about (\d+) min", source(load(name)["cells"][0]))
        assert found, f"{name}: the title cell gives '**Time:** about N minutes'"
        headers[name[:2]] = int(found.group(1))
    differ = {k: (v, course_map.get(k)) for k, v in headers.items() if course_map.get(k) != v}
    assert not differ, f"notebook header vs course map (minutes): {differ}"


def test_colab_cells_and_badges_are_in_sync_with_the_repository_address():
    """The Colab set-up cells and the Colab/Binder links come from pyproject.toml's address."""
    import subprocess
    import sys

    script = NOTEBOOKS.parent / "scripts" / "sync_setup_cells.py"
    out = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


def test_exercise_cells_are_in_sync_with_cnnlib_exercises():
    """The exercise cells in the notebooks are generated from cnnlib.exercises: not edited by hand."""
    import subprocess
    import sys

    script = NOTEBOOKS.parent / "scripts" / "add_exercises.py"
    out = subprocess.run([sys.executable, str(script), "--check"], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


@pytest.mark.parametrize("name", PRESENT)
def test_every_assert_states_its_fact(name):
    """An assert in a notebook is a fact the learner can read: it carries a message, so a
    learner who changed something gets that sentence, not a bare AssertionError."""
    import ast

    bare = []
    for k, cell in enumerate(load(name)["cells"]):
        if cell["cell_type"] != "code":
            continue
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                         for line in source(cell).splitlines())
        for node in ast.walk(ast.parse(code)):
            if isinstance(node, ast.Assert) and node.msg is None:
                bare.append(f"cell {k}, line {node.lineno}: {ast.unparse(node.test)[:70]}")
    assert not bare, f"{name}: asserts without a message:\n" + "\n".join(bare)
