"""The PyTorch twin of a cnnlib model: the same layers in torch.nn, with the same weights.

A convenience: ``to_torch(model)`` builds the matching ``torch.nn`` layers and copies every
weight across; ``grads_from_torch(net)`` reads the gradients of the twin back as numpy
arrays, in the order of ``model.parameters()``. Notebook 08 writes the same copying out by
hand first. The layouts already agree, so the weights copy as they are: conv weights
(F, C, KH, KW), linear weights (out_features, in_features), Flatten from dim 1.

Two helpers of notebook 08's setup and last section: ``blas_threads()`` says how many
threads numpy's BLAS uses, and ``run_torchrun(script, ...)`` starts a script on several
processes with torchrun, retries once when the processes never met, and on failure says
what each process wrote to stderr (:class:`TorchrunFailed`).

PyTorch is optional: it is imported inside the functions, never when cnnlib is imported
(``make torch``, or ``pip install torch --index-url https://download.pytorch.org/whl/cpu``,
adds the CPU build). ``require_torch()`` is notebook 08's first check: without torch it
raises :class:`TorchMissing`, which a notebook shows as one sentence saying how to add it
(no traceback), and Run All stops there.
Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import numpy as np

from .checks import fail

__all__ = ["TorchMissing", "TorchrunFailed", "blas_threads", "grads_from_torch",
           "require_torch", "run_torchrun", "to_torch"]

PIP_TORCH = "pip install torch --index-url https://download.pytorch.org/whl/cpu"
HOW_TO_ADD = f"`make torch` in the course folder, or `{PIP_TORCH}` anywhere, adds the CPU build"
KNOWN = ("Sequential, Conv2d, Linear, MaxPool2d, AvgPool2d, Flatten, ReLU, LeakyReLU, "
         "Sigmoid, Tanh")


class TorchMissing(ImportError):
    """PyTorch is not installed. In IPython and Jupyter the error shows as its message alone,
    one line instead of a traceback (``_render_traceback_``); a Run All stops at it.
    Not used in the notebooks."""

    def _render_traceback_(self):  # IPython shows these lines in place of the traceback
        return [str(self)]


def _torch(func, message=None):
    """Import torch, or say in one sentence (``message``, else "func needs PyTorch") how to
    add it."""
    try:
        import torch
    except ImportError:
        raise TorchMissing(message or f"{func} needs PyTorch, which is not installed: "
                           f"{HOW_TO_ADD}.") from None
    return torch


def require_torch():
    """Return the torch module; without it, raise :class:`TorchMissing` whose one-sentence
    message says how to add PyTorch (a notebook shows that sentence and nothing else).
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    return _torch("require_torch", f"This notebook needs PyTorch, which is not installed in "
                  f"this Python ({sys.executable}): {HOW_TO_ADD}; then restart the kernel and "
                  "run the notebook again.")


def _torch_dtype(torch, dtype, model):
    """The torch dtype for ``dtype`` (numpy or torch); None: the dtype of model's weights."""
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype is None:
        params = model.parameters()
        dtype = params[0].data.dtype if params else np.float32
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise fail("to_torch", f"dtype must be a float type, got {dtype}.")
    return torch.from_numpy(np.zeros(0, dtype)).dtype


def _copy(torch, target, source):
    """target (a torch Parameter) <- source (a cnnlib Parameter), cast to target's dtype."""
    if tuple(target.shape) != source.data.shape:  # only possible for a mis-built layer
        raise fail("to_torch", f"weight shape {source.data.shape} does not fit the torch "
                   f"layer's {tuple(target.shape)}.")
    with torch.no_grad():
        target.copy_(torch.as_tensor(np.asarray(source.data)))


def _plain(hw):
    """2 for (2, 2): torch's pooling layers keep (and print) what they are given, as a person
    would write it; a non-square (h, w) stays a pair."""
    return hw[0] if hw[0] == hw[1] else tuple(hw)


def _twin(torch, layer, dtype, where):
    """The torch.nn module that computes what ``layer`` computes, weights copied."""
    from . import layers as L

    nn = torch.nn
    kind = type(layer)  # exact types: a subclass may compute something else
    if kind is L.Sequential:
        return nn.Sequential(*(_twin(torch, sub, dtype, f"{where}[{k}]")
                               for k, sub in enumerate(layer.layers)))
    if kind is L.Conv2d:
        twin = nn.Conv2d(layer.in_channels, layer.out_channels, layer.kernel_size,
                         stride=layer.stride, padding=layer.padding, dilation=layer.dilation,
                         bias=layer.bias is not None, dtype=dtype)
    elif kind is L.Linear:
        twin = nn.Linear(layer.in_features, layer.out_features, bias=layer.bias is not None,
                         dtype=dtype)
    elif kind is L.MaxPool2d:
        return nn.MaxPool2d(_plain(layer.kernel_size), stride=_plain(layer.stride),
                            padding=_plain(layer.padding))
    elif kind is L.AvgPool2d:  # cnnlib divides every window by KH*KW: padded zeros count
        return nn.AvgPool2d(_plain(layer.kernel_size), stride=_plain(layer.stride),
                            padding=_plain(layer.padding), count_include_pad=True)
    elif kind is L.Flatten:
        return nn.Flatten()  # start_dim=1, as cnnlib's Flatten
    elif kind is L.LeakyReLU:
        return nn.LeakyReLU(layer.negative_slope)
    elif kind in (L.ReLU, L.Sigmoid, L.Tanh):
        return getattr(nn, kind.__name__)()
    else:
        raise fail("to_torch", f"no PyTorch twin for {where}: {layer!r}.",
                   f"  to_torch knows {KNOWN}.",
                   "  For another layer, build the torch.nn layer yourself and copy its "
                   "weights with torch.no_grad() as notebook 08 shows.")
    _copy(torch, twin.weight, layer.weight)
    if layer.bias is not None:
        _copy(torch, twin.bias, layer.bias)
    return twin


def to_torch(model, dtype=None):
    """The torch.nn twin of a cnnlib layer or Sequential, with a copy of every weight.

    model: a cnnlib Sequential (-> torch.nn.Sequential, layer for layer) or one layer.
    dtype: numpy or torch float dtype of the twin; None keeps the model's (float32 unless
    ``model.to(np.float64)``). The twin's ``parameters()`` come in the order of
    ``model.parameters()``; AvgPool2d counts padded zeros (count_include_pad=True).
    A convenience: notebook 08 builds the twin and copies the weights by hand first.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    torch = _torch("to_torch")
    return _twin(torch, model, _torch_dtype(torch, dtype, model), "model")


def grads_from_torch(net):
    """The gradients of a torch module's parameters as numpy arrays (None where unset).

    In the order of ``net.parameters()``, which for a twin made by :func:`to_torch` is the
    order of the cnnlib model's ``parameters()``: compare ``p.grad`` one for one.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    _torch("grads_from_torch")
    return [None if p.grad is None else p.grad.detach().cpu().numpy().copy()
            for p in net.parameters()]


def blas_threads():
    """How many threads numpy's BLAS (its matrix products) uses, as a short phrase.

    Read with ``threadpoolctl`` when it is installed; otherwise from the variables that
    OpenBLAS and MKL read at start-up (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS,
    MKL_NUM_THREADS), else their default, one thread per core.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        threadpool_info = None
    if threadpool_info is not None:
        found = [f"{i['internal_api']} {i['num_threads']}" for i in threadpool_info()
                 if i.get("user_api") == "blas"]
        if found:
            return ", ".join(found) + " (read by threadpoolctl)"
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").strip().isdigit():
            return f"{int(os.environ[var])} ({var}={os.environ[var]})"
    return f"{os.cpu_count()}, one per core (the default; no *_NUM_THREADS variable is set)"


class TorchrunFailed(RuntimeError):
    """A script run by :func:`run_torchrun` failed; the message says how, with the end of
    every process's stderr. Shown as its message alone in IPython and Jupyter.
    Not used in the notebooks."""

    def _render_traceback_(self):
        return str(self).splitlines()


def _tail(text, chars=1500):
    """The end of a process's stderr, without torchrun's own traceback (its summary stays)."""
    lines = text.strip().splitlines()
    if "Traceback (most recent call last):" in lines:
        start = lines.index("Traceback (most recent call last):")
        end = next((k for k in range(start, len(lines)) if "ChildFailedError" in lines[k]), None)
        if end is not None:
            lines = lines[:start] + lines[end + 1:]
    text = "\n".join(lines)
    return text if len(text) <= chars else "..." + text[-chars:]


# words of the errors of processes that could not meet (store, rendezvous, sockets)
RENDEZVOUS_WORDS = ("rendezvous", "store", "connect", "timed out", "timeout", "address already",
                    "socket", "gloo", "network")


def _stop(proc):
    """Stop torchrun and the processes it started (they share its process group)."""
    try:
        if hasattr(os, "killpg"):
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
    except ProcessLookupError:
        pass


def _attempt(launcher, script_args, timeout, log_dir):
    """One torchrun launch: (returncode or None on timeout, stdout, stderr, rank stderrs)."""
    import subprocess
    popen = {"start_new_session": True} if hasattr(os, "killpg") else {}
    command = launcher + [f"--log-dir={log_dir}", "--redirects=2", *script_args]
    proc = subprocess.Popen(command,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)
    try:
        out, err = proc.communicate(timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        _stop(proc)
        out, err = proc.communicate()
        code, err = None, err + f"\n(stopped after the timeout of {timeout} s)"
    ranks = {}
    for path in sorted(Path(log_dir).glob("*/attempt_*/*/stderr.log")):
        ranks[path.parent.name] = ranks.get(path.parent.name, "") + path.read_text(
            errors="replace")
    return code, out, err, ranks


def run_torchrun(script, *args, nproc=2, joined="DDP_JOINED", timeout=300, retries=1,
                 log=print):
    """Run ``python -m torch.distributed.run --standalone --nproc-per-node=nproc script
    *args`` (``torchrun``) on this machine and return the subprocess.CompletedProcess.

    --standalone lets torchrun pick a free port itself (nothing to collide with); each
    process's stderr is kept apart (--log-dir, --redirects=2). The script prints
    ``joined`` in every process once the processes have met
    (``init_process_group`` returned). A rendezvous failure - the launch failed before all
    ``nproc`` lines were printed, and stderr speaks of the store, a connection, a socket or a
    timeout, or no process started - is retried ``retries`` times, its failure printed with
    ``log``; any other failure, or a timeout (seconds, per launch), raises
    :class:`TorchrunFailed` with the exit code and the end of every process's stderr.
    Introduced in notebooks/08_from_cnnlib_to_pytorch.ipynb.
    """
    import subprocess  # here, not at the top: cnnlib's modules import only numpy and basics
    import tempfile

    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nnodes=1",
                f"--nproc-per-node={nproc}"]
    script_args = [str(script), *map(str, args)]
    command = launcher + script_args
    attempt = 0
    while True:
        attempt += 1
        with tempfile.TemporaryDirectory(prefix="torchrun-") as log_dir:
            code, out, err, ranks = _attempt(launcher, script_args, timeout, log_dir)
        if code == 0:
            return subprocess.CompletedProcess(command, 0, out, err)
        met = out.count(joined) >= nproc  # counted, not per line: lines may interleave
        said = (_tail(err, 10**6) + "".join(ranks.values())).lower()
        rendezvous = not met and (not ranks or any(w in said for w in RENDEZVOUS_WORDS))
        what = "timed out" if code is None else f"exited with code {code}"
        lines = [f"torchrun {what} (attempt {attempt}; "
                 + ("all processes had met)" if met else "the processes never all met)")]
        for rank, text in ranks.items():
            lines.append(f"--- stderr of process {rank}:\n{_tail(text) or '(empty)'}")
        lines.append(f"--- stderr of torchrun:\n{_tail(err, 2500) or '(empty)'}")
        lines.append(f"--- stdout of all processes:\n{_tail(out, 1000) or '(empty)'}")
        if not rendezvous or attempt > retries:
            raise TorchrunFailed("\n".join(lines))
        log("\n".join(lines) + f"\n... a rendezvous failure: trying again ({attempt} of "
            f"{retries} retries).")
