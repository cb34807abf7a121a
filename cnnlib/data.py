"""The course's data, shipped inside the package and loaded offline, every file's sha256 checked.

* ``load_mnist()`` -> ``X_train (4000, 1, 28, 28)``, ``y_train (4000,)``, ``X_test (1000, 1,
  28, 28)``, ``y_test (1000,)``: float32 images in [0, 1] and int64 labels.
* ``load_image(name, gray=False)`` -> float32 ``(H, W, 3)`` (or ``(H, W)``) in [0, 1].
* ``list_images()`` -> the names ``load_image`` accepts.

The files live in ``cnnlib/data_files/`` and are read as package data (``importlib.resources``),
so a clone, ``pip install .``, a wheel or an install from the repository's URL all find them,
whatever the working directory. Sources, licences and checksums: data/README.md.
Introduced in notebooks/00_start_here.ipynb.
"""

from __future__ import annotations

import hashlib
import io
import json
import sys
from importlib import metadata, resources
from pathlib import Path

import numpy as np

from .checks import fail

# the folder of the data files inside the installed package (a Path for every normal install)
DATA_DIR = resources.files(__package__).joinpath("data_files")
PACKAGE_DIR = "cnnlib/data_files"  # the same folder, as a path inside the repository

# path inside data_files/ -> sha256 (regenerate with scripts/make_data.py; listed in data/README.md)
SHA256 = {
    "mnist_subset.npz": "e11e964f5c023f81895f5e4f7c555f2f33a9e5336a923091e0b6357081c55ed3",
    "images/chelsea.npz": "bd6a052cb76e1c0a2610f615da696d500f7140794f270e942f60ab5f5cde534b",
    "images/coffee.npz": "4b376add5098894a3a7afc4327832a2837fba7935a665cbf7dcb061ae11b5f8d",
    "images/camera.npz": "25a35975fb37d3d0b8f31ad51487930321d0f260ab734ebd79a7b59d9feffb18",
    "images/astronaut.npz": "30461cfef2ebed4c65719fe3139166be6992e75c916b272f625ee7885fecfb0c",
}


def _clone_root() -> Path | None:
    """The git clone this cnnlib is imported from (an editable install), or None."""
    root = Path(str(DATA_DIR)).resolve().parent.parent
    return root if (root / ".git").exists() and (root / "pyproject.toml").is_file() else None


def _install_source() -> str:
    """What pip installed cnnlib from (PEP 610 direct_url.json), else the repository's URL."""
    try:
        dist = metadata.distribution("cnnlib")
    except metadata.PackageNotFoundError:
        dist = None
    direct = json.loads((dist.read_text("direct_url.json") if dist else None) or "{}")
    url = direct.get("url", "")
    if "vcs_info" in direct:
        commit = direct["vcs_info"].get("commit_id")
        return f"git+{url}" + (f"@{commit}" if commit else "")
    if url and not direct.get("dir_info", {}).get("editable"):
        return url.removeprefix("file://")
    urls = dict(u.split(", ", 1) for u in (dist.metadata.get_all("Project-URL") or [])) \
        if dist else {}
    return f"git+{urls['Repository']}" if "Repository" in urls else "cnnlib"


def _restore_hint(rel: str) -> str:
    """How to get the file back, for the way this cnnlib was installed."""
    root = _clone_root()
    if root is not None:
        return (f"  Restore it with:  git checkout -- {PACKAGE_DIR}/{rel}\n"
                f"  (run in {root}; or regenerate the files: python scripts/make_data.py, "
                "see data/README.md)")
    return ("  This cnnlib was installed with pip; reinstall it to get its data back:\n"
            f"  {sys.executable} -m pip install --force-reinstall --no-deps "
            f"\"{_install_source()}\"")


def _read_verified(rel: str, data_dir: str | Path | None = None) -> bytes:
    """The bytes of a data file, after checking that it exists and its sha256 matches.

    ``rel`` is a key of ``SHA256`` (e.g. ``"images/chelsea.npz"``); ``data_dir`` overrides the
    package's folder (tests use a copy).
    """
    if rel not in SHA256:
        raise fail("data_path", f"unknown data file {rel!r}; known: {sorted(SHA256)}.")
    resource = (Path(data_dir) if data_dir is not None else DATA_DIR).joinpath(*rel.split("/"))
    if not resource.is_file():
        raise FileNotFoundError(f"cnnlib.data: the data file {resource} is missing.\n"
                                + _restore_hint(rel))
    raw = resource.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != SHA256[rel]:
        raise OSError(f"cnnlib.data: the data file {resource} is corrupted or was changed:\n"
                      f"  sha256 is {digest}\n  expected {SHA256[rel]}\n" + _restore_hint(rel))
    return raw


def _load_npz(rel: str, data_dir) -> dict:
    with np.load(io.BytesIO(_read_verified(rel, data_dir)), allow_pickle=False) as f:
        return {key: f[key] for key in f.files}


def load_mnist(data_dir: str | Path | None = None):
    """The MNIST subset: 4,000 training and 1,000 test digits, 10 classes in equal numbers.

    Returns ``(X_train, y_train, X_test, y_test)``: images float32 ``(N, 1, 28, 28)`` scaled to
    [0, 1], labels int64 ``(N,)``. Introduced in notebooks/00_start_here.ipynb.
    """
    arrays = _load_npz("mnist_subset.npz", data_dir)
    X_train, X_test = (arrays[k][:, None].astype(np.float32) / np.float32(255)
                       for k in ("X_train", "X_test"))
    return X_train, arrays["y_train"].astype(np.int64), X_test, arrays["y_test"].astype(np.int64)


def list_images() -> list[str]:
    """Names accepted by :func:`load_image` (public-domain / CC0 photos from scikit-image).

    Introduced in notebooks/00_start_here.ipynb.
    """
    return sorted(Path(rel).stem for rel in SHA256 if rel.startswith("images/"))


def load_image(name: str, gray: bool = False, data_dir: str | Path | None = None) -> np.ndarray:
    """A photo as float32 in [0, 1]: ``(H, W, 3)`` in colour, ``(H, W)`` when ``gray=True``.

    Grey uses the ITU-R 601 luma weights 0.299 R + 0.587 G + 0.114 B.
    Introduced in notebooks/00_start_here.ipynb.
    """
    if name not in list_images():
        raise fail("load_image", f"no image named {name!r}; choose one of {list_images()}.")
    img = _load_npz(f"images/{name}.npz", data_dir)["image"].astype(np.float32) / np.float32(255)
    if gray and img.ndim == 3:
        img = img @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    elif not gray and img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    return img


def train_val_split(X, y, val_fraction=0.125, seed=0):
    """Carve a validation set out of training data: stratified (each class keeps its share)
    and seeded (the same seed gives the same split).

    X (N, ...), y (N,) integer labels -> (X_train, y_train, X_val, y_val), the validation
    part holding round(val_fraction * n_c) samples of every class c; both parts keep the
    original order. Choose everything (recipe, epochs, learning rate) on validation data and
    touch the test set once, at the end. Introduced in notebooks/01_neural_network_recap.ipynb.
    """
    from .checks import check_dataset

    y = check_dataset("train_val_split", X, y)
    if not (isinstance(val_fraction, float | int) and 0 < val_fraction < 1):
        raise fail("train_val_split", f"val_fraction must be between 0 and 1, got "
                   f"{val_fraction!r}.", "  e.g. 0.125 keeps 1 sample in 8 for validation.")
    rng = np.random.default_rng(seed)
    val = np.zeros(len(y), dtype=bool)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        n_val = int(round(val_fraction * len(members)))
        if n_val in (0, len(members)):
            raise fail("train_val_split", f"class {c} has {len(members)} sample(s): "
                       f"val_fraction={val_fraction} leaves {n_val} for validation.",
                       "  Each class needs samples on both sides of the split.")
        val[rng.choice(members, n_val, replace=False)] = True
    return X[~val], y[~val], X[val], y[val]
