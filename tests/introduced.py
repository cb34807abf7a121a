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


SPLIT_TAG = re.compile(rf"Introduced in\s+notebooks/\d\d_\w+\.ipynb\.?|{re.escape(UNUSED)}")


def _docstring_span(path, name):
    """(first, last) 0-based line numbers of the docstring of the module-level def or class
    called name, read from the file as it is now (earlier fixes move lines)."""
    for node in ast.parse(path.read_text()).body:
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and node.name == name and ast.get_docstring(node) is not None):
            doc = node.body[0]
            return doc.lineno - 1, doc.end_lineno - 1
    return None


def _fit(text, indent, width=100):
    """Split lines longer than width before 'notebooks/' (the tag keeps its two halves)."""
    out = []
    for line in text.split("\n"):
        cut = line.find("Introduced in notebooks/")
        if len(line) > width and cut >= 0:
            at = cut + len("Introduced in ")
            line = line[:at].rstrip() + "\n" + indent + line[at:]
        out.append(line)
    return "\n".join(out)


def fix(module, name, new):
    """Make the docstring of ``module.name`` (in its source file) end its story with the tag
    for ``new`` (a notebook stem, or UNUSED): an old tag is replaced (also one split over two
    lines), a missing one is added as the docstring's last line."""
    obj = getattr(importlib.import_module(module), name)
    path = Path(inspect.getsourcefile(obj))
    span = _docstring_span(path, obj.__name__)
    if span is None:
        return False
    lines = path.read_text().split("\n")
    first, last = span
    doc = "\n".join(lines[first:last + 1])
    indent = re.match(r"\s*", lines[first]).group(0)
    new_text = UNUSED if new == UNUSED else f"Introduced in notebooks/{new}.ipynb."
    if SPLIT_TAG.search(doc):
        doc = SPLIT_TAG.sub(new_text, doc, count=1)
    elif first == last:  # """One line."""  ->  a closing line of its own
        quote = doc.strip()[-3:]
        doc = doc.rstrip()[:-3].rstrip() + "\n\n" + indent + new_text + "\n" + indent + quote
    else:
        body, closing = doc.split("\n")[:-1], doc.split("\n")[-1]
        quote = closing.strip()[-3:]
        if closing.strip() != quote:  # text."""  ->  text. / TAG / """
            body, closing = [*body, closing.rstrip()[:-3]], indent + quote
        doc = "\n".join([*body, indent + new_text, closing])
    lines[first:last + 1] = _fit(doc, indent).split("\n")
    path.write_text("\n".join(lines))
    return True


if __name__ == "__main__":
    import sys

    wrong = [(key, said, want) for key, (said, want) in sorted(expected_tags().items())
             if said != want]
    for (module, name), said, want in wrong:
        done = "--fix" in sys.argv and fix(module, name, want)
        print(f"{module}.{name}: says {said}, should say {want}" + (" (fixed)" if done else ""))
    print(f"{len(wrong)} docstring(s) to change")
