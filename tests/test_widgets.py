"""Explorers: a generic sweep of every control of every registered explorer, then specific
checks of the state computed by the explorers of notebooks 01-03.

The sweep builds each explorer of ``cnnlib.widgets.EXPLORERS`` with no arguments (skipped,
with the reason, while its module does not exist yet) and, for every control, sets every
value of its range (or edges plus evenly spaced values), checking that nothing raises, the
image is PNG bytes, the state is filled (or the error explains itself) and the picture
differs between the two edges of the control.

Conventions an explorer must follow to pass: a control that has no effect in the current
state is ``disabled`` (it is then only set, not compared); defaults are restored exactly by
``explorer.set(**defaults)``; impossible settings raise ValueError in ``compute``.
"""

from __future__ import annotations

import importlib
import os

os.environ.setdefault("MPLBACKEND", "Agg")

import ipywidgets as widgets  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib import conv, shapes  # noqa: E402
from cnnlib.kernels import KERNEL_NAMES, get_kernel  # noqa: E402
from cnnlib.widgets import EXPLORERS  # noqa: E402

PNG = b"\x89PNG"


def build(name: str):
    """The explorer ``name`` built with no arguments, or a pytest skip saying why not."""
    module_name = f"cnnlib.widgets.{EXPLORERS[name]}"
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            pytest.skip(f"{module_name} does not exist yet")
        raise
    cls = getattr(module, name, None)
    if cls is None:
        pytest.skip(f"{module_name} does not define {name} yet")
    try:
        return cls()
    except TypeError as exc:
        pytest.skip(f"{name} cannot be built without arguments: {exc}")


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
            explorer.set(**{cname: value})
            pngs.append(check_after_set(explorer, f"{name}.{cname}={value!r}"))
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


# --------------------------------------------------------------------- KernelSandbox
def test_sandbox_identity_returns_the_input():
    from cnnlib.widgets import KernelSandbox

    for size in (3, 5):
        e = KernelSandbox(preset="identity", size=size)
        c = size // 2
        np.testing.assert_array_equal(e.state["output"], e.state["image"][c:-c, c:-c])


@pytest.mark.parametrize("preset", KERNEL_NAMES)
def test_sandbox_presets_and_flip(preset):
    from cnnlib.widgets import KernelSandbox

    e = KernelSandbox(preset=preset, image="coffee")
    np.testing.assert_array_equal(e.state["kernel"], get_kernel(preset))
    img = e.state["image"]
    expected = conv.conv2d_forward(img[None, None],
                                   get_kernel(preset)[None, None].astype(np.float32))[0][0, 0]
    np.testing.assert_allclose(e.state["output"], expected, rtol=1e-6, atol=1e-6)
    e.set(flip=True)
    flipped = get_kernel(preset)[::-1, ::-1]
    np.testing.assert_array_equal(e.state["applied_kernel"], flipped)
    expected = conv.conv2d_forward(img[None, None],
                                   flipped[None, None].astype(np.float32))[0][0, 0]
    np.testing.assert_allclose(e.state["output"], expected, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(e.state["relu_output"], np.maximum(e.state["output"], 0))


def test_sandbox_flip_negates_sobel():
    from cnnlib.widgets import KernelSandbox

    e = KernelSandbox(preset="sobel_x")
    out = e.state["output"].copy()
    e.set(flip=True)
    np.testing.assert_allclose(e.state["output"], -out, atol=1e-6)


def test_sandbox_cells_size_and_set_kernel():
    from cnnlib.widgets import KernelSandbox

    e = KernelSandbox(preset="box_blur")
    active = [c for c in e.controls.values() if "cnn-kernel-cell" in c._dom_classes]
    assert len(active) == 9
    e.set(k11=5.0)  # a hand edit leaves the preset
    assert e.controls["preset"].value is None
    assert e.state["kernel"][1, 1] == 5.0 and e.state["kernel"][0, 0] == pytest.approx(0.1111)
    e.set(size=5)  # a custom 3x3 moves to the centre of the 5x5
    assert e.state["kernel"].shape == (5, 5) and e.state["kernel"][2, 2] == 5.0
    assert sum("cnn-kernel-cell" in c._dom_classes for c in e.controls.values()) == 25
    e.set(preset="gaussian")
    np.testing.assert_array_equal(e.state["kernel"], get_kernel("gaussian", 5))
    k = np.arange(9.0).reshape(3, 3)
    e.set_kernel(k)
    np.testing.assert_array_equal(e.state["kernel"], k)
    assert e.controls["preset"].value is None and e.controls["size"].value == 3
    with pytest.raises(ValueError, match="3x3 or 5x5"):
        e.set_kernel(np.ones((4, 4)))
    e.set(k00=float("inf"))
    assert e.state == {} and "finite" in e.error


def test_sandbox_images_are_small():
    from cnnlib.data import list_images
    from cnnlib.widgets import KernelSandbox

    e = KernelSandbox()
    for name in list_images():
        e.set(image=name)
        assert max(e.state["image"].shape) <= 128 and e.state["image"].dtype == np.float32


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
