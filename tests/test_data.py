"""cnnlib.data: shapes, dtypes, ranges, the split, checksums, independence from the cwd, the
restore hint for a clone and for a pip install. (A wheel installed in a fresh venv:
tests/test_install.py.)"""

import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from cnnlib import data

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "data" / "README.md"


def test_mnist_shapes_dtypes_ranges():
    X_train, y_train, X_test, y_test = data.load_mnist()
    assert X_train.shape == (4000, 1, 28, 28) and X_test.shape == (1000, 1, 28, 28)
    assert X_train.dtype == np.float32 and X_test.dtype == np.float32
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    for X in (X_train, X_test):
        assert 0.0 <= X.min() and X.max() <= 1.0 and X.max() == 1.0
        assert 0.05 < X.mean() < 0.25  # mostly background, some ink


def test_split_is_stratified_and_disjoint():
    X_train, y_train, X_test, y_test = data.load_mnist()
    assert np.bincount(y_train, minlength=10).tolist() == [400] * 10
    assert np.bincount(y_test, minlength=10).tolist() == [100] * 10
    train_rows = {x.tobytes() for x in X_train}
    assert sum(x.tobytes() in train_rows for x in X_test) < 5  # (MNIST has rare duplicates)
    assert not np.all(np.diff(y_train) >= 0), "training labels should be shuffled"


def test_images():
    names = data.list_images()
    assert {"chelsea", "coffee", "camera", "astronaut"} <= set(names)
    for name in names:
        img = data.load_image(name)
        grey = data.load_image(name, gray=True)
        assert img.ndim == 3 and img.shape[2] == 3 and img.dtype == np.float32
        assert grey.shape == img.shape[:2] and grey.dtype == np.float32
        assert 0.0 <= img.min() and img.max() <= 1.0
        assert max(img.shape[:2]) <= 256


def test_unknown_image_is_explained():
    with pytest.raises(ValueError, match="no image named 'dog'.*chelsea"):
        data.load_image("dog")


def _copy_data(tmp_path):
    target = tmp_path / "data"
    shutil.copytree(data.DATA_DIR, target)
    return target


def _corrupt(target):
    raw = bytearray((target / "mnist_subset.npz").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (target / "mnist_subset.npz").write_bytes(bytes(raw))


def test_the_data_files_are_inside_the_package():
    assert Path(str(data.DATA_DIR)) == ROOT / "cnnlib" / "data_files"
    assert data.PACKAGE_DIR == "cnnlib/data_files"


def test_make_data_writes_where_the_loader_reads():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_data", ROOT / "scripts" / "make_data.py")
    make_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_data)  # defines paths and functions; main() is not run
    assert make_data.DATA.resolve() == Path(str(data.DATA_DIR)).resolve()


def test_in_a_clone_corrupted_file_is_refused_with_git_checkout_hint(tmp_path):
    assert data._clone_root() == ROOT, "the tests run in a clone"
    target = _copy_data(tmp_path)
    _corrupt(target)
    with pytest.raises(OSError, match=r"corrupted[\s\S]*"
                       r"git checkout -- cnnlib/data_files/mnist_subset.npz"):
        data.load_mnist(data_dir=target)


def test_in_a_clone_missing_file_is_refused_with_git_checkout_hint(tmp_path):
    target = _copy_data(tmp_path)
    (target / "images" / "coffee.npz").unlink()
    with pytest.raises(FileNotFoundError,
                       match="git checkout -- cnnlib/data_files/images/coffee.npz"):
        data.load_image("coffee", data_dir=target)


@pytest.mark.parametrize("direct_url, source", [
    ('{"url": "https://github.com/someone/cnn-course", "vcs_info": {"vcs": "git", '
     '"commit_id": "abc123"}}', "git+https://github.com/someone/cnn-course@abc123"),
    ('{"url": "file:///tmp/dist/cnnlib-0.1.0-py3-none-any.whl", "archive_info": {}}',
     "/tmp/dist/cnnlib-0.1.0-py3-none-any.whl"),
    (None, "git+https://github.com/OWNER/cnn-course"),  # from an index: the repository's URL
])
def test_in_a_pip_install_the_hint_is_the_reinstall_command(tmp_path, monkeypatch, direct_url,
                                                            source):
    class Dist:  # what importlib.metadata knows about a cnnlib installed by pip
        metadata = SimpleNamespace(
            get_all=lambda key: ["Repository, https://github.com/OWNER/cnn-course"])

        def read_text(self, name):
            return direct_url if name == "direct_url.json" else None

    monkeypatch.setattr(data, "_clone_root", lambda: None)
    monkeypatch.setattr(data.metadata, "distribution", lambda name: Dist())
    target = _copy_data(tmp_path)
    (target / "images" / "coffee.npz").unlink()
    with pytest.raises(FileNotFoundError) as missing:
        data.load_image("coffee", data_dir=target)
    _corrupt(target)
    with pytest.raises(OSError, match="corrupted") as corrupted:
        data.load_mnist(data_dir=target)
    for err in (missing, corrupted):
        text = str(err.value)
        assert "git checkout" not in text
        assert f'-m pip install --force-reinstall --no-deps "{source}"' in text, text


def test_loads_from_any_working_directory(tmp_path):
    code = "import cnnlib.data as d; X, y, Xt, yt = d.load_mnist(); print(X.shape, len(yt))"
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONPATH": ""})
    assert out.stdout.strip() == "(4000, 1, 28, 28) 1000"


def test_readme_lists_every_checksum():
    text = README.read_text()
    for rel, digest in data.SHA256.items():
        assert rel in text and digest in text, f"data/README.md must list {rel} and its sha256"


def test_the_licence_notice_inside_the_package_names_every_file():
    text = (Path(str(data.DATA_DIR)) / "README.md").read_text()
    for rel in data.SHA256:
        assert f"`{rel}`" in text, f"cnnlib/data_files/README.md must give the licence of {rel}"


def test_npz_files_hold_no_pickles():
    for rel in data.SHA256:
        with np.load(data.DATA_DIR / rel, allow_pickle=False) as f:
            for key in f.files:
                assert f[key].dtype != object
