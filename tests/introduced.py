"""Which notebook first uses each public name of cnnlib, read from the notebooks' code.

The rule (tests/test_introduced_in.py): the docstring of every public function and class of
cnnlib ends its story with "Introduced in notebooks/NN_name.ipynb." naming the FIRST notebook
whose code uses it by name (imported, or reached as ``module.name``); a public name that no
notebook uses says "Not used in the notebooks." instead. After changing notebooks, run
``python tests/introduced.py`` to list the docstrings to change, or with ``--fix`` to change
them in place.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import pkgutil
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TAG = re.compile(r"Introduced in\s+notebooks/(\d\d_[\w]+)\.ipynb")
UNUSED = "Not used in the notebooks."


def notebooks():
    """(stem, code) of every course notebook, in course order; magics and shell lines removed."""
    out = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                         for line in code.splitlines())
        out.append((path.stem, code))
    return out


def _resolve(module, name):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def used_objects(code):
    """The cnnlib objects a notebook's code refers to: imported by name, or reached as an
    attribute of an imported cnnlib module (``rf.receptive_field``, ``cnnlib.conv.x``)."""
    tree = ast.parse(code)
    modules, used = {}, []  # alias -> module name
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("cnnlib"):
                    if a.asname:
                        modules[a.asname] = a.name
                    else:
                        modules["cnnlib"] = "cnnlib"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("cnnlib"):
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                try:
                    importlib.import_module(sub)
                    modules[a.asname or a.name] = sub
                except ImportError:
                    used.append(_resolve(node.module, a.name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            chain, base = [node.attr], node.value
            while isinstance(base, ast.Attribute):
                chain.append(base.attr)
                base = base.value
            if isinstance(base, ast.Name) and base.id in modules:
                parts = [modules[base.id], *reversed(chain)]
                for k in range(len(parts) - 1, 0, -1):  # longest module prefix first
                    obj = _resolve(".".join(parts[:k]), parts[k])
                    if obj is not None and not inspect.ismodule(obj):
                        used.append(obj)
                        break
    return [u for u in used if u is not None]


def public_objects():
    """(module name, name, object, tag or None) of every public function and class that a
    cnnlib module defines (listed in its __all__, or not starting with _)."""
    import cnnlib

    found = []
    for info in pkgutil.walk_packages(cnnlib.__path__, "cnnlib."):
        module = importlib.import_module(info.name)
        names = getattr(module, "__all__", None) or [n for n in vars(module)
                                                     if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue
            if obj.__module__ != info.name:
                continue  # re-exported: checked where it is defined
            doc = inspect.getdoc(obj) or ""
            match = TAG.search(doc)
            tag = match.group(1) if match else (UNUSED if UNUSED in doc else None)
            found.append((info.name, name, obj, tag))
    return found


def expected_tags():
    """{(module, name): (what the docstring says, what it should say)} for every public
    function and class: a notebook stem, or UNUSED."""
    first = {}
    for stem, code in notebooks():
        for obj in used_objects(code):
            first.setdefault(id(obj), stem)
    return {(module, name): (tag, first.get(id(obj), UNUSED))
            for module, name, obj, tag in public_objects()}


def fix(module, name, old, new):
    """Rewrite the tag in the docstring of ``module.name`` (in its source file)."""
    obj = getattr(importlib.import_module(module), name)
    lines, start = inspect.getsourcelines(obj)
    path = Path(inspect.getsourcefile(obj))
    text = path.read_text().splitlines(keepends=True)
    old_text = UNUSED if old == UNUSED else None
    new_text = UNUSED if new == UNUSED else f"Introduced in notebooks/{new}.ipynb."
    for k in range(start - 1, start - 1 + len(lines)):
        line = text[k]
        if old_text is None:
            m = re.search(r"Introduced in\s*(?:\n\s*)?notebooks/\d\d_\w+\.ipynb\.?", line)
            if m:
                text[k] = line[:m.start()] + new_text + line[m.end():]
                break
        elif old_text in line:
            text[k] = line.replace(old_text, new_text)
            break
    else:
        return False
    path.write_text("".join(text))
    return True


if __name__ == "__main__":
    import sys

    wrong = [(key, said, want) for key, (said, want) in sorted(expected_tags().items())
             if said != want]
    for (module, name), said, want in wrong:
        done = "--fix" in sys.argv and said is not None and fix(module, name, said, want)
        print(f"{module}.{name}: says {said}, should say {want}" + (" (fixed)" if done else ""))
    print(f"{len(wrong)} docstring(s) to change")
