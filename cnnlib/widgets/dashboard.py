"""TrainingDashboard: a live picture of a training run, as a callback for cnnlib.train.fit.

One ``ipywidgets.Image`` updated in place (progress, loss per batch, accuracy per epoch,
first-layer filters), redrawn at most every ``every`` seconds and at epoch ends, and only
while drawing has used less than ``budget`` (8 %) of the time so far: on a slow or busy
machine it draws less often instead of slowing the training down. When training is
interrupted (Jupyter's stop button), it is redrawn once more and says "stopped at epoch k".
Introduced in notebooks/07_full_cnn.ipynb.
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import numpy as np

from ..plotting.core import fig_to_png
from ..plotting.training import plot_dashboard

__all__ = ["TrainingDashboard"]


def _first_conv_weight(model):
    for layer in getattr(model, "layers", []):
        w = getattr(layer, "weight", None)
        if w is not None and np.ndim(w.data) == 4:
            return w.data
    return np.zeros((1, 1, 3, 3))


class TrainingDashboard:
    """Callback for ``fit(..., callbacks=[dashboard])``: shows the run while it happens.

    ``TrainingDashboard(total_batches)`` (epochs * batches per epoch); display it (last
    value of a cell, or ``dashboard.display()``) before calling fit. Records
    ``batch_loss``, ``train_acc``, ``val_acc`` and ``epoch_ends`` (lists), ``draws`` (how
    many redraws), ``draw_seconds`` (time spent drawing) and ``status`` (None while it runs;
    "stopped at epoch k" after an interrupt, k counted from 1; "done" at the end).
    ``val_label`` names what fit's ``validation`` holds in the accuracy panel
    ("validation"; never test data while choosing a recipe).
    Introduced in notebooks/07_full_cnn.ipynb.
    """

    def __init__(self, total_batches: int, every: float = 1.0, budget: float = 0.08,
                 title: str = "training", val_label: str = "validation"):
        if int(total_batches) < 1:
            raise ValueError(f"TrainingDashboard: total_batches must be >= 1, got "
                             f"{total_batches!r} (epochs * batches per epoch).")
        self.total = int(total_batches)
        self.every = float(every)
        self.budget = float(budget)
        self.title = title
        self.val_label = val_label
        self.batch_loss: list[float] = []
        self.train_acc: list[float] = []
        self.val_acc: list = []
        self.epoch_ends: list[int] = []
        self.draws = 0
        self.draw_seconds = 0.0
        self.status = None
        self._start = None
        self._last = 0.0
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.image.add_class("cnn-plot")
        self.widget = widgets.VBox([self.image])
        self.widget.add_class("cnn-dashboard")
        self._weight = np.zeros((1, 1, 3, 3))
        self.redraw()  # the empty picture; it does not count against the training's budget
        self.draws, self.draw_seconds = 0, 0.0

    # -- fit's callback hooks ---------------------------------------------------------
    def on_batch_end(self, epoch, batch, logs, model) -> None:
        if self._start is None:
            self._start = time.perf_counter()
        self.batch_loss.append(float(logs["loss"]))
        if time.perf_counter() - self._last >= self.every and self._affordable():
            self._weight = _first_conv_weight(model)
            self.redraw()

    def on_epoch_end(self, epoch, history, model) -> None:
        self.epoch_ends.append(len(self.batch_loss))
        self.train_acc.append(history["train_acc"][-1])
        self.val_acc.append(history["val_acc"][-1])
        if len(self.batch_loss) >= self.total:
            self.status = "done"
        if self.status or self._affordable():  # always the last one
            self._weight = _first_conv_weight(model)
            self.redraw()

    def on_interrupt(self, epoch, history, model) -> None:
        """Training was stopped during ``epoch`` (0-based): say so on the picture."""
        self.status = f"stopped at epoch {epoch + 1}"
        self._weight = _first_conv_weight(model)
        self.redraw()

    # -- drawing ----------------------------------------------------------------------
    def _affordable(self) -> bool:
        return self.draw_seconds <= self.budget * max(self.elapsed, 1e-9)

    @property
    def elapsed(self) -> float:
        return 0.0 if self._start is None else time.perf_counter() - self._start

    def redraw(self) -> None:
        t = time.perf_counter()
        fig = plot_dashboard(self.batch_loss, self.epoch_ends, self.train_acc, self.val_acc,
                             self._weight, len(self.batch_loss), self.total, self.elapsed,
                             self.title, self.val_label,
                             None if self.status == "done" else self.status)
        self.image.value = fig_to_png(fig)
        self._last = time.perf_counter()
        self.draws += 1
        self.draw_seconds += self._last - t

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)

    def display(self):
        """Show the dashboard in the notebook."""
        from IPython.display import display

        display(self.widget)
