"""Data-parallel training (cnnlib.parallel, fit(workers=...)): same gradients, same training,
errors that reach the learner, and the model left as it was found."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from cnnlib.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential
from cnnlib.losses import CrossEntropyLoss
from cnnlib.module import Module
from cnnlib.optim import SGD
from cnnlib.parallel import Team, split_sizes
from cnnlib.train import accumulate_gradients, fit


def small_cnn(seed=0, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return Sequential(Conv2d(1, 3, 3, padding=1, rng=rng, dtype=dtype), ReLU(), MaxPool2d(2),
                      Flatten(), Linear(3 * 4 * 4, 4, rng=rng, dtype=dtype))


def data(n=96, seed=1, dtype=np.float32):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 1, 8, 8)).astype(dtype), rng.integers(0, 4, n)


@pytest.mark.parametrize(("n", "parts", "sizes"), [(64, 2, [32, 32]), (5, 2, [3, 2]),
                                                    (1, 2, [1, 0]), (7, 3, [3, 2, 2])])
def test_split_sizes(n, parts, sizes):
    assert split_sizes(n, parts) == sizes


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("n", [12, 5, 1])
def test_team_gradient_equals_the_whole_batch_gradient(workers, n):
    """float64: the sum of the slices' weighted gradients is the batch's gradient."""
    X, y = data(n, dtype=np.float64)
    reference = small_cnn(dtype=np.float64)
    loss_ref, hits_ref = accumulate_gradients(reference, CrossEntropyLoss(), X, y, 1.0)
    model = small_cnn(dtype=np.float64)
    with Team(model, CrossEntropyLoss(), workers, n, X) as team:
        loss, hits = team.step(X, y)
    assert hits == hits_ref
    assert loss == pytest.approx(loss_ref, rel=1e-12)
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-10, atol=1e-13)


def test_a_layer_used_twice_gets_both_gradients_from_the_team():
    """Weights shared by two places of the model (the same layer listed twice) are one
    Parameter in model.parameters(); its gradient sums both uses, in a team too."""
    X, y = data(6, dtype=np.float64)

    def tied_model():
        rng = np.random.default_rng(3)
        shared = Linear(4, 4, rng=rng, dtype=np.float64)
        return Sequential(Flatten(), Linear(64, 4, rng=rng, dtype=np.float64), shared, ReLU(),
                          shared)

    reference, model = tied_model(), tied_model()
    assert len(model.parameters()) == 4
    accumulate_gradients(reference, CrossEntropyLoss(), X, y)
    with Team(model, CrossEntropyLoss(), 2, 6, X) as team:
        team.step(X, y)
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(p.grad, q.grad, rtol=1e-10, atol=1e-13)


def test_fit_with_two_workers_trains_like_one_and_repeats_bitwise():
    X, y = data(96)
    histories, weights = [], []
    for workers in (1, 2, 2):
        model = small_cnn()
        opt = SGD(model.parameters(), lr=0.05, momentum=0.9)
        originals = [p.data for p in model.parameters()]
        h = fit(model, X, y, 3, 16, opt, CrossEntropyLoss(), rng=0, progress=False,
                workers=workers, validation=(X[:32], y[:32]))
        # the model keeps its own arrays (not shared memory), holding the trained values
        assert all(p.data is a for p, a in zip(model.parameters(), originals, strict=True))
        histories.append(h)
        weights.append([p.data.copy() for p in model.parameters()])
    one, two, again = histories
    np.testing.assert_allclose(two["train_loss"], one["train_loss"], rtol=1e-4)
    for a, b in zip(weights[1], weights[0], strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-3, atol=1e-5)
    assert two["train_loss"] == again["train_loss"] and two["val_acc"] == again["val_acc"]
    for a, b in zip(weights[1], weights[2], strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_worker_error_reaches_the_caller_as_the_same_valueerror():
    X, y = data(8)
    y = y.copy()
    y[-1] = 7  # out of range, in the worker's half only
    model = small_cnn()
    with Team(model, CrossEntropyLoss(), 2, 8, X) as team:
        with pytest.raises(ValueError, match=r"cross_entropy.*label"):
            team.step(X, y)


@pytest.mark.parametrize("workers", [0, -1, 1.5, "2"])
def test_fit_refuses_bad_workers(workers):
    X, y = data(8)
    model = small_cnn()
    with pytest.raises(ValueError, match=r"fit: workers must be a positive integer"):
        fit(model, X, y, 1, 4, SGD(model.parameters(), lr=0.1), CrossEntropyLoss(),
            progress=False, workers=workers)


def test_a_script_without_the_main_guard_gets_a_teaching_error(tmp_path):
    """Worker processes import the script again; without the guard that fails: say why."""
    script = tmp_path / "train_unguarded.py"
    script.write_text(textwrap.dedent("""
        import numpy as np
        from cnnlib.layers import Flatten, Linear, Sequential
        from cnnlib.losses import CrossEntropyLoss
        from cnnlib.optim import SGD
        from cnnlib.train import fit

        X = np.zeros((8, 1, 2, 2), np.float32)
        y = np.zeros(8, np.int64)
        model = Sequential(Flatten(), Linear(4, 2))
        fit(model, X, y, 1, 4, SGD(model.parameters(), lr=0.1), CrossEntropyLoss(),
            progress=False, workers=2)
    """))
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120, cwd=tmp_path)
    assert out.returncode != 0
    assert 'if __name__ == "__main__":' in out.stderr, out.stderr[-2000:]


def test_an_error_mid_training_stops_the_workers_and_restores_the_weights():
    import multiprocessing

    X, y = data(64)
    model = small_cnn()
    originals = [p.data for p in model.parameters()]

    class Stop:
        def on_batch_end(self, epoch, batch, logs, model):
            if batch == 2:
                raise KeyboardInterrupt  # as the stop button of a notebook does

    with pytest.raises(KeyboardInterrupt):
        fit(model, X, y, 2, 16, SGD(model.parameters(), lr=0.1), CrossEntropyLoss(), rng=0,
            progress=False, workers=2, callbacks=[Stop()])
    assert all(p.data is a for p, a in zip(model.parameters(), originals, strict=True))
    assert not [p for p in multiprocessing.active_children() if p.name.startswith("cnnlib")]
    # and the model still trains afterwards, in one process or two
    for workers in (1, 2):
        fit(model, X, y, 1, 16, SGD(model.parameters(), lr=0.1), CrossEntropyLoss(), rng=0,
            progress=False, workers=workers)


def test_team_refuses_what_it_cannot_share():
    X, _ = data(8)
    mixed = small_cnn()
    mixed.layers[-1].bias.data = mixed.layers[-1].bias.data.astype(np.float64)
    with pytest.raises(ValueError, match=r"Team: the parameters have different dtypes"):
        Team(mixed, CrossEntropyLoss(), 2, 8, X)
    with pytest.raises(ValueError, match=r"workers must be an integer from 2 to 64"):
        Team(small_cnn(), CrossEntropyLoss(), 1, 8, X)
    centred = Sequential(Flatten(), Linear(64, 4), Center())
    with pytest.raises(ValueError, match=r"Team: every layer of the model must declare "
                                         r"batch_independent"):
        Team(centred, CrossEntropyLoss(), 2, 8, X)
    X2, y2 = data(8)
    with Team(small_cnn(), CrossEntropyLoss(), 2, 8, X2) as team:
        with pytest.raises(ValueError, match=r"fit: a batch of shape \(8, 1, 6, 6\)"):
            team.step(X2[:, :, :6, :6], y2)


class _NotImportable(ReLU):
    """Stands for a layer class a worker cannot import (defined in a notebook cell)."""

    def __reduce__(self):
        return (_missing_function, ())


def _missing_function():  # pragma: no cover - the worker fails before calling it
    raise AssertionError


def test_a_model_the_worker_cannot_rebuild_gets_a_teaching_error(monkeypatch):
    X, y = data(8)
    model = Sequential(Flatten(), Linear(64, 4), _NotImportable())
    import cnnlib.parallel as parallel

    real_dumps = parallel.pickle.dumps

    def dumps(obj):  # a payload that names a function no worker can import
        return real_dumps(obj).replace(b"_missing_function", b"_nowhere_at_all__")

    monkeypatch.setattr(parallel.pickle, "dumps", dumps)
    with pytest.raises(ValueError, match=r"could not rebuild the model.*\n.*notebook cell"):
        with Team(model, CrossEntropyLoss(), 2, 8, X):
            pass


class Center(Module):
    """A learner's layer that looks at the whole batch: x minus the batch mean."""

    def forward(self, x):
        self._cache = x.shape[0]
        return x - x.mean(axis=0)

    def backward(self, dout):
        return dout - dout.mean(axis=0)


def test_a_batch_dependent_model_trains_whole_batches_in_one_process(capsys):
    X, y = data(16)
    histories = []
    for workers in (1, 2):
        rng = np.random.default_rng(0)
        model = Sequential(Flatten(), Linear(64, 4, rng=rng), Center())
        histories.append(fit(model, X, y, 2, 8, SGD(model.parameters(), lr=0.1),
                             CrossEntropyLoss(), rng=0, progress=False, workers=workers))
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "needs every layer to declare batch_independent" in out
    assert histories[0]["train_loss"] == histories[1]["train_loss"]


@pytest.mark.parametrize("how", ["emscripten", "oserror"])
def test_fit_falls_back_to_one_process_where_processes_cannot_start(how, monkeypatch, capsys):
    """In a browser kernel (Pyodide: sys.platform 'emscripten') or when starting a process
    fails, fit says so in one line and trains in this process, with the same results."""
    import cnnlib.parallel as parallel
    import cnnlib.train as train

    X, y = data(32)
    ref_model = small_cnn()
    ref = fit(ref_model, X, y, 1, 16, SGD(ref_model.parameters(), lr=0.05), CrossEntropyLoss(),
              rng=0, progress=False)
    if how == "emscripten":
        monkeypatch.setattr(train.sys, "platform", "emscripten")
    else:
        def no_pipe(self):
            raise OSError(138, "Not supported")

        monkeypatch.setattr(parallel.Team, "__enter__", no_pipe)
    model = small_cnn()
    h = fit(model, X, y, 1, 16, SGD(model.parameters(), lr=0.05), CrossEntropyLoss(), rng=0,
            progress=False, workers=2)
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "training in this process instead (workers=1)" in out
    assert ("cannot start processes" in out) if how == "emscripten" else ("OSError" in out)
    assert h["train_loss"] == ref["train_loss"]


INTERRUPTED = textwrap.dedent("""
    import os, signal, threading
    import numpy as np
    from cnnlib.models import course_cnn
    from cnnlib.losses import CrossEntropyLoss
    from cnnlib.optim import SGD
    from cnnlib.train import fit

    class Ready:
        def on_batch_end(self, epoch, batch, logs, model):
            if epoch == 1 and batch == 0:  # the workers are running: Ctrl+C, as Jupyter does
                os.killpg(os.getpgid(0), signal.SIGINT)

    if __name__ == "__main__":
        rng = np.random.default_rng(0)
        X = rng.standard_normal((256, 1, 28, 28)).astype(np.float32)
        y = rng.integers(0, 10, 256)
        model = course_cnn(rng)
        fit(model, X, y, 50, 64, SGD(model.parameters(), lr=0.01), CrossEntropyLoss(),
            progress=False, workers=2, callbacks=[Ready()])
""")


def test_an_interrupt_prints_one_traceback_not_the_workers(tmp_path):
    """Jupyter's stop button sends SIGINT to the kernel's process group, workers included:
    the learner sees the normal KeyboardInterrupt, not a worker's traceback above it."""
    script = tmp_path / "interrupted.py"
    script.write_text(INTERRUPTED)
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=180, start_new_session=True, cwd=tmp_path)
    assert run.returncode != 0
    assert run.stderr.count("Traceback") == 1, run.stderr
    assert "KeyboardInterrupt" in run.stderr and "cnnlib-worker" not in run.stderr, run.stderr
