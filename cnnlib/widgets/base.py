"""The Explorer base class: controls -> compute() -> draw() -> PNG in an ipywidgets.Image.

A subclass provides:

* ``_make_controls()`` returning ``{name: ipywidgets control}`` (sliders, dropdowns...),
* ``compute(**values)`` returning a dict of numpy arrays and numbers (the *state*), or
  raising ``ValueError`` with a teaching message for impossible settings,
* ``draw(state)`` returning a matplotlib Figure (usually a function of cnnlib.plotting),
* optionally ``describe(state)`` returning the short text of the status label.

The base class wires every control's ``value`` to :meth:`update`, renders the figure to
PNG bytes and swaps them into one ``ipywidgets.Image`` (no ``clear_output``, no flicker).
A ``ValueError`` from ``compute`` becomes a message in the status label and a message
card in the image: a learner never sees a traceback. CSS classes for browser tests:
``cnn-explorer`` (the box), ``cnn-plot`` (the image), ``cnn-result`` (the status label),
``cnn-controls`` (the controls box). Introduced in notebooks/02_convolution.ipynb.
"""

from __future__ import annotations

import base64
import html
import time

import ipywidgets as widgets

from ..plotting.core import fig_to_png, message_figure


class Explorer:
    """Base class of every explorer; see the module docstring for the contract."""

    title = ""

    def __init__(self) -> None:
        self.controls: dict[str, widgets.ValueWidget] = self._make_controls()
        self.state: dict = {}
        self.error: str | None = None
        self.last_update_seconds = 0.0
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        self.image.add_class("cnn-plot")
        self.status = widgets.HTML()
        self.status.add_class("cnn-result")
        box = widgets.HBox(list(self.controls.values()),
                           layout=widgets.Layout(flex_flow="row wrap"))
        box.add_class("cnn-controls")
        parts = [box, self.status, self.image]
        if self.title:
            parts.insert(0, widgets.HTML(f"<b>{html.escape(self.title)}</b>"))
        self.widget = widgets.VBox(parts)
        self.widget.add_class("cnn-explorer")
        self.widget.add_class(f"cnn-{type(self).__name__.lower()}")
        for control in self.controls.values():
            control.observe(self.update, names="value")
        self.update()

    # -- to override ----------------------------------------------------------------
    def _make_controls(self) -> dict:
        raise NotImplementedError

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

    def set(self, **values) -> Explorer:
        """Drive the explorer from Python: ``explorer.set(stride=2, padding=1)``.

        Several values are applied together and the figure is redrawn once.
        """
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"{type(self).__name__}.set: unknown control(s) {sorted(unknown)}; "
                             f"controls are {sorted(self.controls)}.")
        self._batch = True
        try:
            for name, value in values.items():
                self.controls[name].value = value
        finally:
            self._batch = False
        self.update()
        return self

    _batch = False

    def update(self, change=None) -> None:
        """Recompute the state and redraw the image in place (called on every change)."""
        if self._batch:
            return
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
