#!/usr/bin/env python
"""Insert the exercises and the "predict, then move the slider" questions into notebooks 01-07.

Run with the course's Python (it imports cnnlib.exercises, where the texts live):

    .venv/bin/python scripts/add_exercises.py                 # notebooks/ of the repo
    .venv/bin/python scripts/add_exercises.py --check         # exit 1 if not in sync
    .venv/bin/python scripts/add_exercises.py --dir /tmp/nbs  # another folder

For each notebook NN_name.ipynb that has exercises in cnnlib.exercises.EXERCISES:
- every cell tagged "exercise" or "predict" (inserted by an earlier run) is removed first;
- the markdown cell starting with "## Exercises" keeps its heading, gets a short intro, and
  everything after it is replaced by the exercise cells (statement, stub, check, solution),
  each tagged "exercise";
- a markdown question (answer in a collapsed <details>), tagged "predict", goes right before
  the first code cell that constructs each explorer (e.g. "ShapeExplorer(").
The result is written only if it differs, then stripped with .venv/bin/nbstripout. Running
the script twice gives the same notebook.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

TAGS = ("exercise", "predict")
INTRO = (
    "Each exercise has four cells: the statement; a cell where you write the function "
    "(replace `raise NotImplementedError`); a check cell that runs it on several cases, "
    "edge cases included, and prints ✅ or the first failing case with a hint; and the "
    "solution, folded under **Solution**. Try before you unfold it!"
)


def source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def tags(cell) -> list[str]:
    return cell.get("metadata", {}).get("tags", [])


def markdown(text: str, tag: str, cell_id: str) -> dict:
    return {"cell_type": "markdown", "id": cell_id, "metadata": {"tags": [tag]},
            "source": lines(text)}


def code(text: str, tag: str, cell_id: str) -> dict:
    return {"cell_type": "code", "execution_count": None, "id": cell_id,
            "metadata": {"tags": [tag]}, "outputs": [], "source": lines(text)}


def exercise_cells(exercises) -> list[dict]:
    cells = []
    for n, ex in enumerate(exercises, start=1):
        cid = f"ex{n}-{ex.name}"[:56]
        cells.append(markdown(f"### Exercise {n}: {ex.title}\n\n{ex.statement}", "exercise",
                              f"{cid}-text"))
        cells.append(code(ex.stub.rstrip("\n"), "exercise", f"{cid}-stub"))
        cells.append(code(f"from cnnlib.exercises import {ex.check}\n\n{ex.check}({ex.name})",
                          "exercise", f"{cid}-check"))
        cells.append(markdown("<details><summary>Solution</summary>\n\n```python\n"
                              f"{ex.solution.rstrip()}\n```\n\n</details>", "exercise",
                              f"{cid}-solution"))
    return cells


def predict_cell(pred) -> dict:
    text = (f"{pred.question}\n\n<details><summary>Answer</summary>\n\n{pred.answer}\n\n"
            "</details>")
    return markdown(text, "predict", f"predict-{pred.explorer}")


def transform(nb: dict, exercises, predictions) -> tuple[dict, list[str]]:
    """Return the new notebook and a list of warnings."""
    notes = []
    cells = [c for c in nb["cells"] if not set(tags(c)) & set(TAGS)]
    heads = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
             and source(c).lstrip().startswith("## Exercises")]
    if not heads:
        return nb, ["no '## Exercises' heading: left unchanged"]
    i = heads[-1]
    head = dict(cells[i])
    head["source"] = lines(f"## Exercises\n\n{INTRO}")
    cells = cells[:i] + [head] + exercise_cells(exercises)
    for pred in predictions:
        pattern = f"{pred.explorer}("
        where = next((k for k, c in enumerate(cells)
                      if c["cell_type"] == "code" and pattern in source(c)), None)
        if where is None:
            notes.append(f"no code cell constructs {pattern}...): question not inserted")
            continue
        cells.insert(where, predict_cell(pred))
    new = dict(nb)
    new["cells"] = cells
    return new, notes


def comparable(nb: dict):
    """The notebook without cell ids (nbstripout may renumber them)."""
    cells = []
    for c in nb["cells"]:
        c = {k: v for k, v in c.items() if k != "id"}
        c["source"] = source(c)
        cells.append(c)
    return cells, nb.get("metadata")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repo", type=Path, default=Path(__file__).resolve().parent.parent,
                    help="the course repository (default: the one holding this script)")
    ap.add_argument("--dir", type=Path, default=None,
                    help="folder of notebooks to edit (default REPO/notebooks)")
    ap.add_argument("--check", action="store_true",
                    help="change nothing; exit 1 if a notebook is not up to date")
    args = ap.parse_args(argv)
    from cnnlib.exercises import EXERCISES, PREDICTIONS

    folder = args.dir or args.repo / "notebooks"
    nbstripout = Path(sys.executable).parent / "nbstripout"
    stale = []
    for name, exercises in EXERCISES.items():
        path = folder / f"{name}.ipynb"
        if not path.exists():
            print(f"-  {name}: not found in {folder}, skipped")
            continue
        nb = json.loads(path.read_text(encoding="utf-8"))
        new, notes = transform(nb, exercises, PREDICTIONS.get(name, []))
        for note in notes:
            print(f"!  {name}: {note}")
        if comparable(new) == comparable(nb):
            print(f"=  {name}: up to date ({len(exercises)} exercises)")
            continue
        stale.append(name)
        if args.check:
            print(f"x  {name}: would change")
            continue
        path.write_text(json.dumps(new, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        subprocess.run([str(nbstripout), str(path)], check=True)
        print(f"+  {name}: wrote {len(exercises)} exercises, "
              f"{sum(1 for c in new['cells'] if 'predict' in tags(c))} predict question(s)")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main())
