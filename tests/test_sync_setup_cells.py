"""scripts/sync_setup_cells.py: one address in pyproject.toml drives the Colab set-up cells, the
notebooks' Colab/Binder links and README's badges and commands; a fork changes it once."""

import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("sync_setup_cells",
                                              ROOT / "scripts" / "sync_setup_cells.py")
sync = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sync)


def _copy(tmp_path) -> Path:
    repo = tmp_path / "fork"
    repo.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, repo / name)
    shutil.copytree(ROOT / "notebooks", repo / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    return repo


def test_the_repository_is_in_sync():
    assert sync.main(["--check"]) == 0


def test_a_fork_changes_the_address_once(tmp_path, capsys):
    repo = _copy(tmp_path)
    old = sync.repository_url(repo)
    pyproject = repo / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace(old, "https://github.com/someone/cnn-fork"))
    assert sync.main(["--check", "--root", str(repo)]) == 1
    assert "out of sync: README.md" in capsys.readouterr().out
    assert sync.main(["--root", str(repo)]) == 0
    assert sync.main(["--check", "--root", str(repo)]) == 0  # idempotent
    old_path = sync.github_path(old)
    readme = (repo / "README.md").read_text()
    assert old_path not in readme
    assert "git clone https://github.com/someone/cnn-fork.git" in readme
    assert "colab.research.google.com/github/someone/cnn-fork/blob/main/notebooks/00_" in readme
    for path in (repo / "notebooks").glob("*.ipynb"):
        text = path.read_text()
        assert old_path not in text, path.name
        assert '"git+https://github.com/someone/cnn-fork\\"' in text, path.name
        assert f"mybinder.org/v2/gh/someone/cnn-fork/HEAD?urlpath=lab/tree/notebooks/{path.name}" \
            in text


def test_only_its_cells_and_lines_change(tmp_path):
    nb = {"cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": "# 09 · New\n\nText."},
        {"cell_type": "markdown", "id": "b", "metadata": {}, "source": "Intro."},
        {"cell_type": "code", "id": "c", "metadata": {}, "outputs": [], "execution_count": None,
         "source": "import cnnlib"},
    ], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    url = "https://github.com/someone/cnn-fork"
    once = sync.sync_notebook(nb, url, "09_new.ipynb")
    twice = sync.sync_notebook(once, url, "09_new.ipynb")
    assert once == twice
    sources = ["".join(c["source"]) for c in once["cells"]]
    assert sources[0].startswith("# 09 · New\n\n**Run it online:** [Open in Colab]")
    assert sources[0].endswith("\n\nText.")
    assert sources[1] == "Intro."
    assert sources[2] == sync.setup_code(f"git+{url}")
    assert once["cells"][2]["metadata"]["tags"] == ["colab-setup"]
    assert sources[3] == "import cnnlib"
    assert [c["id"] for c in once["cells"]] == ["0", "1", "2", "3"]
