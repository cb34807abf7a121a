"""The Explorer base class: controls -> compute() -> draw() -> PNG in an ipywidgets.Image.

A subclass provides:

* ``_make_controls()`` returning ``{name: ipywidgets control}`` (sliders, dropdowns...),
* ``compute(**values)`` returning a dict of numpy arrays and numbers (the *state*), or
  raising ``ValueError`` with a teaching message for impossible settings,
* ``draw(state)`` returning a matplotlib Figure (usually a function of cnnlib.plotting),
* optionally ``describe(state)`` (the short text of the status label), ``_reactions()``
  (``{control name: handler(change)}`` that keep other controls consistent, e.g. a slider's
  range) and ``_arrange(controls)`` (the widgets of the controls row).

The base class wires every control once ``self.controls`` exists: a change runs the control's
reaction, then redraws once. Changes made inside ``with self.quiet():`` (and by a reaction) are
batched into a single redraw at the end. A ``ValueError`` from ``compute`` becomes a message
in the status label and a message card in the image: a learner never sees a traceback. CSS
classes for browser tests: ``cnn-explorer`` (the box), ``cnn-plot`` (the image), ``cnn-result``
(the status label), ``cnn-controls`` (the controls box).
Introduced in notebooks/01_neural_network_recap.ipynb.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import re
import time

import ipywidgets as widgets
import numpy as np

from ..plotting.core import fig_to_png, message_figure

__all__ = ["Explorer", "NumberCell", "parse_number"]

FLOAT32_MAX = float(np.finfo(np.float32).max)
_FRACTION = re.compile(r"^\s*([^/]+?)\s*/\s*([^/]+?)\s*$")


class NumberCell(widgets.Text):
    """A text box that holds one number, read by :func:`parse_number` (not by the browser).

    A plain ``Text`` in the page (``<input type=text>``): whatever the learner types reaches
    Python, so "1..2" is refused with a message instead of being silently read as 1.2 by an
    ``<input type=number>``. Sent on Enter or when the box loses focus.
    Not used in the notebooks.
    """

    def __init__(self, value="0", **kwargs):
        kwargs.setdefault("continuous_update", False)
        super().__init__(value=value, **kwargs)


def _float(text: str) -> float | None:
    """float(text), or num / den for "num/den"; None if it is not a number."""
    m = _FRACTION.match(text)
    try:
        if m:
            den = float(m.group(2))
            return float(m.group(1)) / den if den != 0 else None
        return float(text)
    except ValueError:
        return None


def parse_number(text, where: str = "the cell") -> float:
    """The number typed in ``text`` (e.g. "0.5", "-2", "1e-3" or "1/9"), as a float that fits
    float32; otherwise a ValueError with one line that says what is wrong.
    Not used in the notebooks.
    """
    text = str(text).strip()
    shown = repr(text) if len(text) <= 16 else repr(text[:12] + "...")
    example = "type a number such as 0.5, -2, 1e-3 or 1/9"
    if not text:
        raise ValueError(f"{where} is empty: {example}.")
    value = _float(text)
    if value is None:
        raise ValueError(f"{where} holds {shown}, which is not a number: {example}.")
    if np.isnan(value) or (np.isinf(value) and not any(c.isdigit() for c in text)):
        raise ValueError(f"{where} holds {shown}, which is not a finite number: {example}.")
    if abs(value) > FLOAT32_MAX:
        raise ValueError(f"{where} holds {shown}, too large for float32 (the largest float32 "
                         "is about 3.4e38): the explorer computes in float32, as networks do.")
    return value


class Explorer:
    """Base class of every explorer; see the module docstring for the contract.
    Not used in the notebooks."""

    title = ""

    def __init__(self) -> None:
        self._quiet_depth = 0  # > 0 inside quiet(): redraws wait for its end
        self._redraw_due = False
        self._reacting = False  # a reaction is running: the controls it sets do not react
        self.controls: dict[str, widgets.ValueWidget] = self._make_controls()
        self.state: dict = {}
        self.error: str | None = None
        self.last_update_seconds = 0.0
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.image.add_class("cnn-plot")
        self.status = widgets.HTML()
        self.status.add_class("cnn-result")
        box = widgets.HBox(self._arrange(self.controls),
                           layout=widgets.Layout(flex_flow="row wrap"))
        box.add_class("cnn-controls")
        parts = [box, self.status, self.image]
        if self.title:
            parts.insert(0, widgets.HTML(f"<b>{html.escape(self.title)}</b>"))
        self.widget = widgets.VBox(parts)
        self.widget.add_class("cnn-explorer")
        self.widget.add_class(f"cnn-{type(self).__name__.lower()}")
        reactions = self._reactions()
        for name, control in self.controls.items():
            control.observe(functools.partial(self._changed, reactions.get(name)),
                            names="value")
        self.update()

    # -- to override ----------------------------------------------------------------
    def _make_controls(self) -> dict:
        raise NotImplementedError

    def _reactions(self) -> dict:
        """{control name: handler(change)}: run when that control changes, before the redraw."""
        return {}

    def _arrange(self, controls: dict) -> list:
        """The widgets of the controls row (default: every control, in order)."""
        return list(controls.values())

    def compute(self, **values) -> dict:
        raise NotImplementedError

    def draw(self, state: dict):
        raise NotImplementedError

    def describe(self, state: dict) -> str:
        return ""

    # -- machinery ------------------------------------------------------------------
    @property
    def values(self) -> dict:
        """Current value of every control, by name."""
        return {name: c.value for name, c in self.controls.items()}

    @contextlib.contextmanager
    def quiet(self):
        """Change controls without a redraw per change: ``with self.quiet(): ...``.

        Inside the block :meth:`update` only notes that a redraw is due; the outermost block
        redraws once at its end if anything changed.
        """
        self._quiet_depth += 1
        try:
            yield self
        finally:
            self._quiet_depth -= 1
        if self._quiet_depth == 0 and self._redraw_due:
            self.update()

    def _changed(self, reaction, change) -> None:
        """Observer of every control: its reaction (unless a reaction made the change), then
        one redraw."""
        with self.quiet():
            if reaction is not None and not self._reacting:
                self._reacting = True
                try:
                    reaction(change)
                finally:
                    self._reacting = False
            self._redraw_due = True

    def set(self, **values) -> Explorer:
        """Drive the explorer from Python: ``explorer.set(stride=2, padding=1)``.

        Several values are applied together and the figure is redrawn once.
        """
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"{type(self).__name__}.set: unknown control(s) {sorted(unknown)}; "
                             f"controls are {sorted(self.controls)}.")
        with self.quiet():
            for name, value in values.items():
                self.controls[name].value = value
            self._redraw_due = True
        return self

    def update(self, change=None) -> None:
        """Recompute the state and redraw the image in place (called on every change)."""
        if self._quiet_depth:
            self._redraw_due = True
            return
        self._redraw_due = False
        start = time.perf_counter()
        try:
            self.state = self.compute(**self.values)
            self.error = None
            fig = self.draw(self.state)
            text = self.describe(self.state)
            self.status.value = f"<span class='cnn-ok'>{text}</span>"
        except ValueError as exc:  # impossible settings: teach, do not crash
            self.state = {}
            self.error = str(exc)
            fig = message_figure(self.error)
            msg = html.escape(self.error).replace("\n", "<br>")
            self.status.value = f"<span class='cnn-error' style='color:#8a1c1c'>{msg}</span>"
        self.image.value = fig_to_png(fig)
        self.last_update_seconds = time.perf_counter() - start

    def _repr_mimebundle_(self, **kwargs):
        """The live widget, plus a still of the picture as it is *now* (``image/png``) and the
        settings and status line (metadata ``cnnlib``): what a page that cannot run widgets
        (the course website, GitHub) shows instead. Front-ends with widgets show the widget."""
        data = self.widget._repr_mimebundle_(**kwargs)
        settings = ", ".join(f"{name}={value!r}" for name, value in self.values.items())
        data["text/plain"] = f"{type(self).__name__}({settings})"
        data["image/png"] = base64.b64encode(self.image.value).decode("ascii")
        meta = {"cnnlib": {"explorer": type(self).__name__, "title": self.title,
                           "settings": settings, "status": self.status.value}}
        return data, meta

    def display(self):
        """Show the explorer in the notebook (also happens when it is a cell's last value)."""
        from IPython.display import display

        display(self)
        return None
