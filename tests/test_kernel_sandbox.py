"""KernelSandbox (notebook 02): its state equals cnnlib's convolution, presets and flips, the
kernel cells read as text (refusing what is not a number or overflows float32, with one line),
and the pictures follow the course's palette. (The generic sweep is in test_widgets.py.)
"""

from __future__ import annotations

import os
import warnings

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from explorer_helpers import refused as explorer_refused

from cnnlib import conv  # noqa: E402
from cnnlib.kernels import KERNEL_NAMES, get_kernel  # noqa: E402
from cnnlib.plotting.core import IMAGE_CMAP, SIGNED_CMAP  # noqa: E402
from cnnlib.widgets import KernelSandbox  # noqa: E402
from cnnlib.widgets.base import NumberCell, parse_number  # noqa: E402


@pytest.fixture(scope="module")
def sandbox():
    return KernelSandbox()


def refused(e, *words):
    """A one-line message in the explorer (status and image), no state, no exception."""
    explorer_refused(e, *words)
    assert "\n" not in e.error, f"the message is not one line: {e.error!r}"
    assert len(e.error) < 200, e.error
    assert "cnn-error" in e.status.value


# --------------------------------------------------------------------- the computation
def test_sandbox_identity_returns_the_input():
    for size in (3, 5):
        e = KernelSandbox(preset="identity", size=size)
        c = size // 2
        np.testing.assert_array_equal(e.state["output"], e.state["image"][c:-c, c:-c])


@pytest.mark.parametrize("preset", KERNEL_NAMES)
def test_sandbox_presets_and_flip(preset):
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
    e = KernelSandbox(preset="sobel_x")
    out = e.state["output"].copy()
    e.set(flip=True)
    np.testing.assert_allclose(e.state["output"], -out, atol=1e-6)


def test_sandbox_cells_size_and_set_kernel():
    e = KernelSandbox(preset="box_blur")
    active = [c for c in e.controls.values() if "cnn-kernel-cell" in c._dom_classes]
    assert len(active) == 9 and all(isinstance(c, NumberCell) for c in active)
    assert e.values["k00"] == "0.1111"  # what the learner sees in the cell
    e.set(k11=5.0)  # a hand edit (numbers are accepted from Python) leaves the preset
    assert e.controls["preset"].value is None and e.values["k11"] == "5"
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


def test_sandbox_a_cell_typed_in_the_page_redraws_once_and_leaves_the_preset():
    e = KernelSandbox(preset="sobel_x")
    draws = []
    e.draw = (lambda draw: lambda state: draws.append(1) or draw(state))(e.draw)
    e.controls["k11"].value = "7"  # what the browser sends after Enter
    assert len(draws) == 1 and e.controls["preset"].value is None
    assert e.state["kernel"][1, 1] == 7.0
    e.controls["preset"].value = "laplacian"  # fills 25 cells: still one redraw
    assert len(draws) == 2 and e.values["k11"] == "-4"


def test_sandbox_images_are_small():
    from cnnlib.data import list_images

    e = KernelSandbox()
    for name in list_images():
        e.set(image=name)
        assert max(e.state["image"].shape) <= 128 and e.state["image"].dtype == np.float32


# --------------------------------------------------------------------- what a learner types
@pytest.mark.parametrize("text,fixed", [("0.5", 0.5), (" -2 ", -2.0), ("1e-3", 1e-3),
                                        ("1/9", 1 / 9), ("-7", -7.0), ("1e-320", 1e-320),
                                        ("99999999999999999999999", 1e23), ("3.4e38", 3.4e38)])
def test_numbers_a_learner_types_are_read(text, fixed):
    assert parse_number(text) == pytest.approx(fixed)


@pytest.mark.parametrize("text,words", [
    ("1..2", ["'1..2'", "not a number"]), ("0.1.2", ["not a number"]),
    ("12abc", ["not a number"]), ("abc", ["not a number"]), ("--3", ["not a number"]),
    ("e", ["not a number"]), ("3e", ["not a number"]), ("1/0", ["not a number"]),
    ("", ["empty"]), ("   ", ["empty"]), ("nan", ["not a finite number"]),
    ("NaN", ["not a finite number"]), ("inf", ["not a finite number"]),
    ("-Infinity", ["not a finite number"]),
    ("1e39", ["too large for float32"]), ("-1e39", ["too large for float32"]),
    ("1e308", ["too large for float32"]), ("1e400", ["too large for float32"]),
    ("9" * 300, ["too large for float32", "..."]),
])
def test_sandbox_refuses_a_cell_that_is_not_a_float32_number(sandbox, text, words):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning (overflow in a cast) either
        sandbox.set(preset="sobel_x")
        sandbox.set(k12=text)
        refused(sandbox, "KernelSandbox: cell (1, 2)", *words)
        assert "output range" not in sandbox.status.value  # not "[inf, inf]" as before
        sandbox.set(k12="2")  # and the learner fixes it
    assert sandbox.error is None and sandbox.state["kernel"][1, 2] == 2.0


def test_sandbox_refuses_a_kernel_whose_output_overflows(sandbox):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sandbox.set_kernel(np.full((3, 3), 3e38))  # each weight fits float32, the sums do not
        refused(sandbox, "overflows float32")
        sandbox.set_kernel(np.full((3, 3), -1e39))
        refused(sandbox, "too large for float32")
        sandbox.set_kernel(np.full((3, 3), np.inf))
        refused(sandbox, "not a finite number")


def test_sandbox_huge_finite_numbers_stay_inside_the_kernel_tile(sandbox):
    sandbox.set_kernel(np.full((5, 5), 99999999999999999999999.0))
    assert sandbox.error is None and np.all(np.isfinite(sandbox.state["output"]))
    fig = sandbox.draw(sandbox.state)
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    tile = fig.axes[1].get_window_extent(renderer)
    for text in fig.axes[1].texts:
        box = text.get_window_extent(renderer)
        assert len(text.get_text()) <= 6, text.get_text()
        assert tile.x0 - 1 <= box.x0 and box.x1 <= tile.x1 + 1, text.get_text()
    assert max(len(word) for word in sandbox.status.value.split()) <= 20, sandbox.status.value


# --------------------------------------------------------------------- the palette
def _output_image(e):
    fig = e.draw(e.state)
    return fig, fig.axes[2].images[0]


@pytest.mark.parametrize("preset", KERNEL_NAMES)
def test_sandbox_output_is_a_grey_photo_when_the_kernel_keeps_the_brightness(preset):
    e = KernelSandbox(preset=preset)
    fig, im = _output_image(e)
    kernel_sum = get_kernel(preset).sum()
    if abs(kernel_sum - 1) < 1e-6:  # identity, blurs, sharpen, emboss: sum 1
        assert e.state["palette"] == IMAGE_CMAP and im.get_cmap().name == IMAGE_CMAP
        assert im.get_clim() == (0.0, 1.0)  # the photo's own scale: dark = 0
    else:  # edges: sum 0, signed
        assert kernel_sum == 0 and e.state["output"].min() < 0
        assert e.state["palette"] == SIGNED_CMAP and im.get_cmap().name == SIGNED_CMAP
        lo, hi = im.get_clim()
        assert -lo == hi > 0
    assert im.colorbar is not None  # the output panel always says what its colours mean
    kernel_image = fig.axes[1].images[0]
    assert kernel_image.get_cmap().name == SIGNED_CMAP  # a kernel is signed data
    assert fig.axes[3].images[0].get_cmap().name == IMAGE_CMAP  # ReLU(output): an image


def test_sandbox_switches_palette_in_place_and_the_colour_bar_follows():
    e = KernelSandbox(preset="box_blur")
    fig, im = _output_image(e)
    e.set(preset="sobel_y")
    assert e.draw(e.state) is fig and im.get_cmap().name == SIGNED_CMAP
    assert im.colorbar.cmap.name == SIGNED_CMAP and im.colorbar.vmin == -im.colorbar.vmax
    e.set_kernel(np.ones((3, 3)))  # sums to 9, never negative: an image, grey from 0
    assert e.state["palette"] == IMAGE_CMAP and im.get_clim()[0] == 0.0
    assert im.colorbar.cmap.name == IMAGE_CMAP


# --------------------------------------------------------------------- what notebook 02 says
def test_sandbox_opens_on_what_the_notebook_describes():
    """Notebook 02 builds KernelSandbox(image="camera", preset="sobel_x") and talks about Sobel
    x: red where the photo gets lighter to the right, white (0) along horizontal edges."""
    e = KernelSandbox(image="camera", preset="sobel_x")
    assert e.values["preset"] == "sobel_x" and not e.values["flip"] and e.values["size"] == 3
    assert e.state["palette"] == SIGNED_CMAP
    step = np.zeros((6, 6), np.float32)
    step[3:] = 1.0  # a horizontal edge: Sobel x gives 0 there
    out = conv.conv2d_forward(step[None, None], e.state["applied_kernel"][None, None]
                              .astype(np.float32))[0]
    assert np.all(out == 0)


def test_sandbox_checks_that_were_notebook_cells():
    """Moved here from notebook 02 (a notebook cell must not drive the learner's explorer)."""
    e = KernelSandbox(image="camera", preset="identity")
    img = e.state["image"]
    np.testing.assert_array_equal(e.state["output"], img[1:-1, 1:-1])
    e.set(preset="sobel_x")
    unflipped = e.state["output"].copy()
    e.set(flip=True)
    np.testing.assert_allclose(e.state["output"], -unflipped, atol=1e-6)
    np.testing.assert_array_equal(e.state["applied_kernel"], get_kernel("sobel_x")[::-1, ::-1])
    e.set(flip=False, size=5, preset="box_blur")
    assert e.state["output"].shape == (img.shape[0] - 4, img.shape[1] - 4)  # W - K + 1


def test_sandbox_flipped_emboss_is_another_filter_not_the_negative():
    e = KernelSandbox(preset="emboss")
    out = e.state["output"].copy()
    e.set(flip=True)
    flipped = e.state["output"]
    assert not np.allclose(flipped, -out, atol=1e-3) and not np.allclose(flipped, out, atol=1e-3)
    assert e.state["palette"] == IMAGE_CMAP, "still sums to 1: still drawn as a photo"
    np.testing.assert_array_equal(e.state["applied_kernel"],
                                  [[2, 1, 0], [1, 1, -1], [0, -1, -2]])


# --------------------------------------------------------------------- clipping is said
@pytest.mark.parametrize("preset", ["emboss", "sharpen", "box_blur", "identity", "sobel_x"])
def test_sandbox_says_how_much_of_a_grey_output_is_clipped(preset):
    """A kernel that sums to 1 is drawn grey over [0, 1]: the share outside is in the output's
    title and in the status line (emboss: about 15 %), never hidden."""
    e = KernelSandbox(image="camera", preset=preset)
    out = e.state["output"]
    share = float(np.mean((out < 0) | (out > 1)))
    title = e._fig.axes[2].get_title()
    if preset == "sobel_x":  # signed: nothing is clipped, the colour bar spans the output
        assert e.state["clipped"] == 0 and "clipped" not in title + e.status.value
        return
    assert e.state["clipped"] == pytest.approx(share)
    if preset in ("box_blur", "identity"):  # averages stay in [0, 1]
        assert share == 0 and "clipped" not in title + e.status.value
        return
    percent = f"{100 * share:.1f} %"
    assert percent in title and "outside [0, 1]" in title, title
    assert percent in e.status.value and "clipped" in e.status.value, e.status.value
    assert (0.13 < share < 0.16) if preset == "emboss" else (0.03 < share < 0.06)


def test_sandbox_clipping_note_follows_a_hand_typed_kernel(sandbox):
    sandbox.set_kernel(np.array([[0, 0, 0], [0, 2, 0], [0, 0, 0]]))
    assert sandbox.state["palette"] == IMAGE_CMAP and sandbox.state["clipped"] == 0, \
        "sum 2, never negative: grey from 0 to its maximum, nothing clipped"
    sandbox.set_kernel(np.array([[0, 0, 0], [-1, 2, 0], [0, 0, 0]]))  # sums to 1, overshoots
    out = sandbox.state["output"]
    share = float(np.mean((out < 0) | (out > 1)))
    assert share > 0 and sandbox.state["clipped"] == pytest.approx(share)
    assert "clipped" in sandbox.status.value and "clipped" in sandbox._fig.axes[2].get_title()
