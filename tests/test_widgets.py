"""Explorers: a generic sweep of every control of every registered explorer, the Explorer
base class (one redraw per change, reactions, quiet()), then specific checks of the
ActivationExplorer, SlidingWindowStepper and ShapeExplorer (the KernelSandbox has its own
file, test_kernel_sandbox.py).

The sweep builds each explorer of ``cnnlib.widgets.EXPLORERS`` with no arguments and, for every
control, sets every value of its range (or edges plus evenly spaced values), checking that
nothing raises, the image is PNG bytes, the state is filled (or the error explains itself),
each change redraws exactly once (set from Python, or changed as the browser does) and the
picture differs between the two edges of the control.

Conventions an explorer must follow to pass: a control that has no effect in the current
state is ``disabled`` (it is then only set, not compared); defaults are restored exactly by
``explorer.set(**defaults)``; impossible settings raise ValueError in ``compute``.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from explorer_helpers import PNG  # noqa: E402

from cnnlib import conv, shapes  # noqa: E402
from cnnlib.widgets import EXPLORERS  # noqa: E402
from cnnlib.widgets.base import Explorer, NumberCell  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def build(name: str):
    """The explorer ``name`` of the registry, built with no arguments."""
    module = importlib.import_module(f"cnnlib.widgets.{EXPLORERS[name]}")
    return getattr(module, name)()


def count_redraws(explorer) -> list:
    """Make ``explorer`` record each real redraw (a call of compute) in the returned list."""
    calls = []
    compute = explorer.compute

    def counting(**values):
        calls.append(values)
        return compute(**values)

    explorer.compute = counting
    return calls


def sweep_values(control) -> list:
    """The values the sweep sets for one control; the first and last are its two edges."""
    if isinstance(control, widgets.IntSlider):
        lo, hi, step = control.min, control.max, control.step or 1
        values = list(range(lo, hi + 1, step))
        if len(values) > 30:
            values = sorted({*np.linspace(lo, hi, 12).round().astype(int).tolist()})
        return values
    if isinstance(control, widgets.FloatSlider):
        lo, hi = control.min, control.max
        return [float(v) for v in np.linspace(lo, hi, 10)]
    if isinstance(control, widgets.IntRangeSlider | widgets.FloatRangeSlider):
        lo, hi = control.min, control.max
        mid = type(lo)((lo + hi) / 2) if isinstance(lo, float) else (lo + hi) // 2
        return [(lo, lo), (lo, mid), (mid, hi), (hi, hi)] if lo < hi else [(lo, hi)]
    if isinstance(control, widgets.Checkbox | widgets.ToggleButton):
        return [False, True]
    if isinstance(control, NumberCell):  # a number typed as text
        return ["-1", "0.5", "2"]
    if hasattr(control, "_options_values"):  # Dropdown, ToggleButtons, RadioButtons, Select
        return list(control._options_values)
    if isinstance(control, widgets.FloatText | widgets.BoundedFloatText):
        return [-1.0, 0.5, 2.0]
    if isinstance(control, widgets.IntText | widgets.BoundedIntText):
        return [-1, 0, 2]
    if isinstance(control, widgets.Text):
        return [control.value]
    raise AssertionError(f"the sweep does not know how to drive {type(control).__name__}; "
                         "supported: Int/FloatSlider, range sliders, Checkbox, ToggleButton, "
                         "Dropdown-like selections, Float/IntText (extend sweep_values)")


def check_after_set(explorer, where: str) -> bytes:
    png = bytes(explorer.image.value)  # ipywidgets hands out a memoryview
    assert png.startswith(PNG), f"{where}: image is not PNG bytes"
    if explorer.error is None:
        assert isinstance(explorer.state, dict) and explorer.state, f"{where}: empty state"
    else:
        msg = explorer.error
        assert isinstance(msg, str) and len(msg.split()) >= 4, \
            f"{where}: the error message does not explain itself: {msg!r}"
        assert explorer.state == {}, f"{where}: an error must clear the state"
    return png


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_sweep_every_control(name):
    explorer = build(name)
    defaults = explorer.values
    check_after_set(explorer, f"{name}()")
    redraws = count_redraws(explorer)
    for cname, control in explorer.controls.items():
        if control.disabled:  # e.g. a hidden kernel cell: setting it must not break anything
            for value in sweep_values(control)[:: max(len(sweep_values(control)) - 1, 1)]:
                explorer.set(**{cname: value})
                check_after_set(explorer, f"{name}.{cname}={value!r} (disabled)")
            explorer.set(**defaults)
            continue
        values = sweep_values(control)
        pngs = []
        for value in values:
            redraws.clear()
            explorer.set(**{cname: value})
            assert len(redraws) == 1, f"{name}.set({cname}={value!r}) redrew {len(redraws)} times"
            pngs.append(check_after_set(explorer, f"{name}.{cname}={value!r}"))
        for value in values[::-1][1:]:  # back again, as the browser changes a control
            redraws.clear()
            control.value = value
            assert len(redraws) == 1, \
                f"{name}: {cname} changed to {value!r} in the page redrew {len(redraws)} times"
            check_after_set(explorer, f"{name}.{cname}={value!r} (in the page)")
        if len(values) > 1:
            assert pngs[0] != pngs[-1], \
                f"{name}: the picture is the same at both edges of {cname} ({values[0]!r}, " \
                f"{values[-1]!r})"
        explorer.set(**defaults)
        assert explorer.values == defaults, f"{name}: defaults not restored after {cname}"
        check_after_set(explorer, f"{name} after restoring defaults")


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_css_classes_and_set_rejects_unknown(name):
    explorer = build(name)
    classes = explorer.widget._dom_classes
    assert "cnn-explorer" in classes
    assert "cnn-plot" in explorer.image._dom_classes
    with pytest.raises(ValueError, match="unknown control"):
        explorer.set(no_such_control=1)


@pytest.mark.parametrize("name", sorted(EXPLORERS))
def test_registry_names_the_module_that_defines_each_explorer(name):
    import cnnlib.widgets

    module = importlib.import_module(f"cnnlib.widgets.{EXPLORERS[name]}")
    assert getattr(module, name) is getattr(cnnlib.widgets, name)
    assert issubclass(getattr(module, name), Explorer)


# --------------------------------------------------------------------- Explorer base
class Pair(Explorer):
    """Two sliders; b's range follows a (a reaction), a checkbox c is disabled when a == 0."""

    def __init__(self):
        self.draws = 0
        self.reacted = []
        super().__init__()

    def _make_controls(self):
        a = widgets.IntSlider(value=2, min=0, max=5)
        b = widgets.IntSlider(value=1, min=0, max=2)
        a.value = 3  # a change while building: nothing is wired yet, nothing may run
        return {"a": a, "b": b, "c": widgets.Checkbox(value=False)}

    def _reactions(self):
        return {"a": self._on_a, "b": self._on_b}

    def _on_a(self, change):
        self.reacted.append("a")
        self.controls["b"].value = min(self.controls["b"].value, change["new"])
        self.controls["b"].max = change["new"]
        self.controls["c"].disabled = change["new"] == 0

    def _on_b(self, change):
        self.reacted.append("b")  # only when b is changed directly, not by _on_a

    def compute(self, a, b, c):
        return {"a": a, "b": b, "c": c}

    def draw(self, state):
        from cnnlib.plotting.core import new_figure

        self.draws += 1
        return new_figure(1, 1)


def test_explorer_wires_controls_after_they_exist_and_draws_once():
    e = Pair()
    assert e.draws == 1 and e.state == {"a": 3, "b": 1, "c": False} and e.reacted == []
    e.controls["a"].value = 0  # as in the page: the reaction moves b, then one redraw
    assert e.draws == 2 and e.state["b"] == 0 and e.controls["c"].disabled
    assert e.reacted == ["a"]  # b was changed by a reaction: b's own reaction did not run
    e.controls["b"].value = 0  # no change: no redraw
    assert e.draws == 2
    e.set(a=5, b=4, c=True)  # from Python: several values, one redraw
    assert e.draws == 3 and e.state == {"a": 5, "b": 4, "c": True}
    assert e.reacted == ["a", "a", "b"]
    e.set()
    assert e.draws == 4  # set() always redraws once


def test_quiet_batches_changes_into_one_redraw_even_nested():
    e = Pair()
    with e.quiet():
        e.controls["a"].value = 4
        with e.quiet():
            e.controls["b"].value = 3
            e.update()  # inside quiet(): only noted
        assert e.draws == 1
    assert e.draws == 2 and e.state == {"a": 4, "b": 3, "c": False}
    with e.quiet():
        pass  # nothing changed: no redraw
    assert e.draws == 2
    with pytest.raises(RuntimeError), e.quiet():
        e.controls["a"].value = 1
        raise RuntimeError("boom")
    e.controls["a"].value = 2  # quiet() unwound: changes redraw again
    assert e.draws == 3 and e.state["a"] == 2


def test_no_hand_written_reentrancy_guards_left():
    """One helper (Explorer.quiet and the base's wiring), not copies of the old guards."""
    for path in sorted((ROOT / "cnnlib" / "widgets").glob("*.py")):
        text = path.read_text()
        for old in ("self._batch", "_filling", "self._quiet ", "self._quiet=",
                    'hasattr(self, "controls")', ".observe("):
            if old == ".observe(" and path.name == "base.py":
                continue  # the base wires every control, once
            assert old not in text, f"{path.name} still has {old!r}"


@pytest.mark.parametrize("package", ["widgets", "plotting"])
def test_modules_stay_small(package):
    for path in sorted((ROOT / "cnnlib" / package).glob("*.py")):
        n = len(path.read_text().splitlines())
        assert n <= 300, f"cnnlib/{package}/{path.name} has {n} lines (keep modules <= ~300)"


# --------------------------------------------------------------------- ActivationExplorer
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_activation_derivative_matches_finite_difference(activation):
    from cnnlib.widgets import ActivationExplorer

    e = ActivationExplorer(activation=activation, negative_slope=0.2)
    x, y, dy = e.state["x"], e.state["y"], e.state["dy"]
    fd = np.gradient(y, x)
    away = np.abs(x) > 2 * (x[1] - x[0])  # ReLU and leaky ReLU have a kink at 0
    np.testing.assert_allclose(dy[away], fd[away], atol=2e-3)
    assert x[0] == -6.0 and x[-1] == 6.0


def test_activation_slope_only_for_leaky_relu():
    from cnnlib.widgets import ActivationExplorer

    e = ActivationExplorer(activation="relu")
    assert e.controls["negative_slope"].disabled
    e.set(activation="leaky_relu", negative_slope=0.3, x_range=2.0)
    assert not e.controls["negative_slope"].disabled
    assert e.state["dy"][0] == pytest.approx(0.3) and e.state["y"][0] == pytest.approx(-0.6)


# --------------------------------------------------------------------- SlidingWindowStepper
@pytest.mark.parametrize("size,kernel_size,padding,stride",
                         [(4, 3, 0, 1), (5, 3, 1, 2), (7, 2, 2, 3), (3, 1, 0, 1), (6, 5, 1, 1)])
def test_stepper_sum_is_the_output_cell(size, kernel_size, padding, stride):
    from cnnlib.widgets import SlidingWindowStepper

    e = SlidingWindowStepper(size=size, kernel_size=kernel_size, padding=padding,
                             stride=stride)
    H_out = shapes.conv_output_size(size, kernel_size, stride, padding)
    assert e.controls["position"].max == H_out * H_out - 1
    x, k = e.state["x"], e.state["kernel"]
    ref = conv.conv2d_forward_naive(x[None, None], k[None, None], stride=stride,
                                    padding=padding)[0][0, 0]
    for pos in range(H_out * H_out):
        state = e.compute(**{**e.values, "position": pos})  # the state, without drawing
        i, j = divmod(pos, H_out)
        assert state["position"] == (i, j)
        assert state["sum"] == pytest.approx(ref[i, j])
        np.testing.assert_array_equal(state["products"], state["window"] * k)
        assert np.isnan(state["out_so_far"]).sum() == H_out * H_out - pos - 1
    e.set(position=H_out * H_out - 1)  # and through the control: the last cell
    assert e.state["sum"] == pytest.approx(ref[-1, -1])
    np.testing.assert_array_equal(e.state["out_so_far"], ref)


def test_stepper_own_numbers_and_position_clamp():
    from cnnlib.widgets import SlidingWindowStepper

    x = np.arange(16.0).reshape(4, 4)
    w = np.array([[1.0, 0.0, -1.0]] * 3)
    e = SlidingWindowStepper(x=x, kernel=w)
    assert e.controls["size"].disabled and e.controls["kernel_size"].disabled
    np.testing.assert_array_equal(e.state["out"], [[-6.0, -6.0], [-6.0, -6.0]])
    e.set(position=3)
    e.set(stride=3)  # output 1x1: the position falls back to the last cell
    assert e.controls["position"].value == 0 and e.state["out"].shape == (1, 1)


def test_stepper_impossible_setting_teaches():
    from cnnlib.widgets import SlidingWindowStepper

    e = SlidingWindowStepper()
    e.set(size=3, kernel_size=5)
    assert e.state == {} and "does not fit" in e.error
    assert bytes(e.image.value).startswith(PNG)
    e.set(padding=1)
    assert e.error is None and e.state["out"].shape == (1, 1)


# --------------------------------------------------------------------- ShapeExplorer
def test_shape_h_out_matches_shapes_for_every_setting():
    from cnnlib.widgets import ShapeExplorer

    e = ShapeExplorer()
    n_ok = n_err = 0
    for H in range(1, 13):
        for K in range(1, 8):
            for P in range(4):
                for S in range(1, 5):
                    for D in range(1, 4):
                        try:
                            expected = shapes.conv_output_size(H, K, S, P, D)
                        except ValueError:
                            with pytest.raises(ValueError, match="does not fit"):
                                e.compute(H, K, P, S, D, False)
                            n_err += 1
                            continue
                        st = e.compute(H, K, P, S, D, False)
                        assert st["H_out"] == expected
                        n_ok += 1
    assert n_ok > 2000 and n_err > 100


def test_shape_visited_mask_matches_conv_backward():
    from cnnlib.widgets import ShapeExplorer

    e = ShapeExplorer()
    for H, K, P, S, D in [(6, 3, 0, 2, 1), (7, 3, 1, 3, 1), (8, 2, 0, 3, 2), (5, 3, 1, 2, 1),
                          (9, 3, 2, 4, 3), (12, 7, 3, 4, 1)]:
        st = e.compute(H, K, P, S, D, False)
        x = np.ones((1, 1, H, H))
        w = np.ones((1, 1, K, K))
        out, cache = conv.conv2d_forward(x, w, stride=S, padding=P, dilation=D)
        dx = conv.conv2d_backward(np.ones_like(out), cache)[0][0, 0]
        np.testing.assert_array_equal(st["never_visited"], dx == 0)
        assert st["remainder"] == (H + 2 * P - D * (K - 1) - 1) % S


def test_shape_seed_examples_and_transposed():
    from cnnlib.widgets import ShapeExplorer

    e = ShapeExplorer()  # the seed's 5x5, K3, P1, S2
    assert e.state["H_out"] == 3 and e.state["n_never_visited"] == 0
    e.set(size=6, padding=0)  # (6 - 3) / 2 is not whole: the last row and column are missed
    assert e.state["H_out"] == 2 and e.state["n_never_visited"] == 11
    assert "floor" in e.state["formula"]
    e.set(size=3, padding=1, transposed=True)  # and back up: 3 -> 5
    assert e.state["H_out"] == 5
    for H, K, P, S, D in [(2, 3, 0, 1, 1), (3, 3, 1, 2, 1), (4, 4, 2, 1, 1), (2, 3, 0, 2, 2)]:
        st = e.compute(H, K, P, S, D, True)
        assert st["H_out"] == shapes.conv_transpose_output_size(H, K, S, P, D)
        assert st["counts"].shape[0] - 2 * P == st["H_out"]
        assert st["counts"].sum() == H * H * K * K  # every input pixel stamps K*K cells
    e.set(size=1, kernel_size=1, padding=3, stride=1)
    assert e.state == {} and "removes the whole output" in e.error
