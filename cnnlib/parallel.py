"""Data parallelism: each mini-batch split across worker processes, their gradients added up.

``fit(..., workers=2)`` trains with two processes (one per CPU core) instead of one. The
loss is a mean over the batch, so its gradient is the mean of the per-sample gradients: a
batch of n samples cut into slices of n_k samples has the gradient sum_k (n_k / n) * g_k,
where g_k is the gradient of slice k's own mean loss. Each process computes one g_k at the
same time as the others; the main process adds them up and takes one optimiser step. The
result is the full batch's gradient (up to float rounding: the additions happen in another
order), so the training is the same as with one process, only faster.

How the processes share the work (a "team"):
- every worker gets a pickled copy of the model and the loss; the weights of all copies are
  one block of shared memory, so the main process's optimiser step (in place) is what every
  worker uses for the next batch;
- per batch, the main process writes each worker's slice of (augmented) images and labels
  into shared memory, sends it a short message, computes its own slice, then waits for the
  workers' losses and adds their gradients (also in shared memory) to its own.
Numpy releases Python's lock during its loops, but small arrays and the Python code between
them do not; separate processes avoid that limit (benchmarks/bench_training.py compares).
Each slice is computed by cnnlib.train.accumulate_gradients, the same code as in one process,
so only batch-independent models can be split (cnnlib.train.is_batch_independent).
Workers use one BLAS thread each and ignore Ctrl+C / Jupyter's stop button (the main process
stops them). Same seed and same ``workers`` give bitwise the same history.
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import traceback
from contextlib import contextmanager

import numpy as np

from .checks import fail
from .memory import keep_freed_memory
from .train import accumulate_gradients, is_batch_independent

__all__ = ["Team", "split_sizes"]

STARTUP_TIMEOUT = 120  # seconds for a worker to import numpy and cnnlib and say "ready"
_LABELS = np.dtype(np.int64)  # labels travel to the workers as int64
_BLAS_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS",
              "VECLIB_MAXIMUM_THREADS")


def split_sizes(n, parts):
    """Sizes of ``parts`` nearly equal slices of n samples, the larger first: (5, 2) -> [3, 2].
    Not used in the notebooks."""
    return [n // parts + (k < n % parts) for k in range(parts)]


def _context():
    """forkserver where there is one (a clean, single-threaded parent to fork from, safe
    inside a Jupyter kernel), else spawn (Windows)."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


@contextmanager
def _one_blas_thread():
    """New processes (and a forkserver started now) see one BLAS thread in their environment."""
    saved = {var: os.environ.get(var) for var in _BLAS_VARS}
    os.environ.update({var: "1" for var in _BLAS_VARS})
    try:
        yield
    finally:
        for var, value in saved.items():
            if value is None:
                os.environ.pop(var, None)
            else:
                os.environ[var] = value


def _clear_caches(model):
    """Drop the forward caches (big arrays) before pickling; they are refilled each batch."""
    for layer in model.modules():
        if getattr(layer, "_cache", None) is not None:
            layer._cache = None


def _views(flat, params):
    """The flat array cut into views shaped like each parameter, in order."""
    views, offset = [], 0
    for p in params:
        views.append(flat[offset:offset + p.data.size].reshape(p.data.shape))
        offset += p.data.size
    return views


def _as_array(raw, dtype, shape):
    return np.frombuffer(raw, dtype=dtype).reshape(shape)


def _worker(k, conn, payload, shared, meta):
    """A worker's loop: wait for a slice, compute its gradients into shared memory, reply."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt is the main process's to handle
    keep_freed_memory()
    try:
        model, loss_fn = pickle.loads(payload)
    except Exception as exc:  # noqa: BLE001  (e.g. a layer class defined in a notebook cell)
        conn.send(("error", f"{type(exc).__name__}: {exc}", ""))
        return
    params = model.parameters()
    dtype, n_params, x_shape = meta
    for p, view in zip(params, _views(_as_array(shared["params"], dtype, (n_params,)), params),
                       strict=True):
        p.data = view  # the weights are the shared ones; values already there
    grads = _views(_as_array(shared["grads"], dtype, (-1, n_params))[k], params)
    xs = _as_array(shared["x"], shared["x_dtype"], (-1, *x_shape))[k]
    ys = _as_array(shared["y"], _LABELS, (-1, x_shape[0]))[k]
    conn.send(("ready", os.getpid(), 0))
    while True:
        message = conn.recv()
        if message is None:
            return
        rows, weight = message
        try:
            for p in params:
                p.grad = None
            loss, hits = accumulate_gradients(model, loss_fn, xs[:rows], ys[:rows], weight)
            for p, g in zip(params, grads, strict=True):
                g[...] = 0 if p.grad is None else p.grad
            conn.send(("ok", loss, hits))
        except Exception as exc:  # noqa: BLE001  (sent to the main process, which raises it)
            try:
                conn.send(("error", exc, traceback.format_exc()))
            except Exception:  # noqa: BLE001  (an exception that cannot be pickled)
                conn.send(("error", RuntimeError(traceback.format_exc()), ""))


class Team:
    """The main process and ``workers - 1`` worker processes training one model together.

    Use as a context manager around the epochs: ``with Team(model, loss_fn, workers,
    batch_size, X) as team: loss, correct = team.step(xb, yb)``. While the team is open,
    the model's weights live in shared memory; on exit they are private arrays again.
    Not used in the notebooks.
    """

    def __init__(self, model, loss_fn, workers, batch_size, X):
        if not (isinstance(workers, int | np.integer) and 2 <= workers <= 64):
            raise fail("Team", f"workers must be an integer from 2 to 64, got {workers!r}.")
        self.model, self.loss_fn, self.workers = model, loss_fn, int(workers)
        if not is_batch_independent(model):
            raise fail("Team", "every layer of the model must declare batch_independent = "
                       "True: the workers compute slices of each batch separately.",
                       "  A layer that looks at the whole batch (a batch mean) gets a wrong "
                       "gradient from slices; train it with workers=1.")
        self.params = model.parameters()
        if not self.params:
            raise fail("Team", "the model has no parameters to train.")
        self.dtype = self.params[0].data.dtype
        if any(p.data.dtype != self.dtype for p in self.params):
            raise fail("Team", "the parameters have different dtypes: "
                       f"{sorted({str(p.data.dtype) for p in self.params})}.",
                       "  Cast the model first: model.to(np.float32).")
        self.n_params = sum(p.data.size for p in self.params)
        self.slice_rows = split_sizes(batch_size, self.workers)[0]
        self.x_shape = (self.slice_rows, *X.shape[1:])
        self.x_dtype = X.dtype
        self.procs, self.conns = [], []

    def __enter__(self):
        ctx, helpers = _context(), self.workers - 1
        rows = self.slice_rows
        shared = {
            "params": ctx.RawArray("b", self.n_params * self.dtype.itemsize),
            "grads": ctx.RawArray("b", helpers * self.n_params * self.dtype.itemsize),
            "x": ctx.RawArray("b", helpers * int(np.prod(self.x_shape)) * self.x_dtype.itemsize),
            "y": ctx.RawArray("b", helpers * rows * _LABELS.itemsize),
            "x_dtype": self.x_dtype,
        }
        self.saved = [p.data for p in self.params]
        flat = _as_array(shared["params"], self.dtype, (self.n_params,))
        for p, view in zip(self.params, _views(flat, self.params), strict=True):
            view[...] = p.data
            p.data = view
        self.grads = _as_array(shared["grads"], self.dtype, (helpers, self.n_params))
        self.xs = _as_array(shared["x"], self.x_dtype, (helpers, *self.x_shape))
        self.ys = _as_array(shared["y"], _LABELS, (helpers, rows))
        _clear_caches(self.model)
        payload = pickle.dumps((self.model, self.loss_fn))
        meta = (self.dtype, self.n_params, self.x_shape)
        try:
            with _one_blas_thread():
                for k in range(helpers):
                    here, there = ctx.Pipe()
                    proc = ctx.Process(target=_worker, args=(k, there, payload, shared, meta),
                                       daemon=True, name=f"cnnlib-worker-{k + 1}")
                    proc.start()
                    there.close()
                    self.procs.append(proc)
                    self.conns.append(here)
            for proc, conn in zip(self.procs, self.conns, strict=True):
                status, value, _ = self._receive(proc, conn, timeout=STARTUP_TIMEOUT)
                if status != "ready":
                    raise fail("fit", f"worker {proc.name} could not rebuild the model: {value}",
                               "  A worker is a new Python process: every layer class must be "
                               "importable there. Classes defined in a notebook cell are not; "
                               "move them into a .py module, or train with workers=1.")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def _receive(self, proc, conn, timeout=None):
        """A worker's reply; a worker that died or never answered becomes a teaching error."""
        try:
            if conn.poll(timeout):
                return conn.recv()
        except (EOFError, OSError):
            pass
        proc.join(timeout=2)  # it may be exiting: give it a moment, to report its exit code
        code = proc.exitcode if proc.exitcode is not None else "none yet"
        raise fail("fit", f"training worker {proc.name} stopped without answering "
                   f"(exit code: {code}).",
                   "  In a script, start the training under  if __name__ == \"__main__\":  "
                   "worker processes import the script again, and without that line they "
                   "would start training themselves.",
                   "  Or train in one process: fit(..., workers=1).")

    def step(self, xb, yb):
        """Gradients of the whole batch (xb, yb) into the model's .grad: returns (mean loss,
        number of correct predictions). The optimiser step is the caller's."""
        n = len(xb)
        if xb.shape[1:] != self.x_shape[1:] or n > self.workers * self.slice_rows:
            raise fail("fit", f"a batch of shape {xb.shape} does not fit the workers' buffers "
                       f"({self.workers} x {self.x_shape}).",
                       "  Does augment change the shape of the images? Then use workers=1.")
        sizes = split_sizes(n, self.workers)
        starts = np.cumsum([0, *sizes])
        busy = [k for k in range(len(self.conns)) if sizes[k + 1] > 0]  # a prefix: sizes fall
        for k in busy:  # slices 1.. go to the workers
            a, b = starts[k + 1], starts[k + 2]
            self.xs[k, :b - a] = xb[a:b]
            self.ys[k, :b - a] = yb[a:b]
            self.conns[k].send((int(b - a), (b - a) / n))
        loss, hits = accumulate_gradients(self.model, self.loss_fn, xb[:sizes[0]],
                                          yb[:sizes[0]], sizes[0] / n)
        loss *= sizes[0] / n
        errors = []
        for k in busy:
            status, value, more = self._receive(self.procs[k], self.conns[k])
            if status != "ok":
                errors.append(value)
                continue
            loss += value * sizes[k + 1] / n
            hits += more
        if errors:  # the worker's own exception (e.g. a ValueError that teaches)
            raise errors[0]
        added = _views(self.grads[:len(busy)].sum(axis=0), self.params)  # the workers' part
        for p, g in zip(self.params, added, strict=True):
            p.grad = g if p.grad is None else p.grad + g
        return float(loss), int(hits)

    def __exit__(self, *exc):
        for conn in self.conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()
                proc.join(timeout=5)
        for conn in self.conns:
            conn.close()
        self.procs, self.conns = [], []
        if getattr(self, "saved", None) is not None:  # private weights again, current values
            for p, old in zip(self.params, self.saved, strict=True):
                old[...] = p.data
                p.data = old
            self.saved = None
        return False
