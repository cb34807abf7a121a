"""Notebook 02's explorers. MultiChannelExplorer: its state is cnnlib's convolution taken apart
(three channel maps that add up to one output map; four filters stacked into four output
channels), its picture follows the course's palette and is redrawn in place, and the facts of
its "predict" answer hold. SlidingWindowStepper: the checks notebook 02 used to run on the
learner's stepper. (The generic sweep of every control is in test_widgets.py; the
KernelSandbox has test_kernel_sandbox.py.)
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib import conv  # noqa: E402
from cnnlib.exercises import PREDICTIONS  # noqa: E402
from cnnlib.plotting import core  # noqa: E402
from cnnlib.plotting.core import fig_to_png  # noqa: E402
from cnnlib.plotting.multichannel import decimals3, plot_multichannel  # noqa: E402
from cnnlib.widgets import EXPLORERS, MultiChannelExplorer, SlidingWindowStepper  # noqa: E402
from cnnlib.widgets.multichannel import FILTERS, IMAGES, filter_bank, small_rgb  # noqa: E402


@pytest.fixture(scope="module")
def explorer():
    return MultiChannelExplorer()


def corr2d(x, k):
    """The notebook's 6-line loop."""
    out = np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k)
    return out


def test_registered_and_built_with_no_arguments():
    assert EXPLORERS["MultiChannelExplorer"] == "multichannel"
    e = MultiChannelExplorer()
    assert e.error is None and e.state
    kinds = {type(c).__name__ for c in e.controls.values()}
    assert {"IntSlider", "Dropdown"} <= kinds, "a slider and a dropdown for the browser test"


@pytest.mark.parametrize("image", IMAGES)
def test_output_is_cnnlib_and_the_loops(image):
    e = MultiChannelExplorer(image=image)
    x, w = e.state["x"], e.state["w"]
    assert x.shape == (3, 32, 32) and w.shape == (4, 3, 3, 3)
    assert 0 <= x.min() and x.max() <= 1
    ref = conv.conv2d_forward(x[None], w, np.zeros(4))[0][0]
    np.testing.assert_allclose(e.state["out"], ref)
    loops = np.stack([sum(corr2d(x[c], w[f, c]) for c in range(3)) for f in range(4)])
    np.testing.assert_allclose(e.state["out"], loops, atol=1e-12)
    assert e.state["out"].shape == (4, 30, 30), "4 filters -> 4 output channels of 32 - 3 + 1"


@pytest.mark.parametrize("f", range(4))
def test_channel_maps_add_up_to_the_output_map(explorer, f):
    explorer.set(filter=f, row=3, col=20)
    s = explorer.state
    np.testing.assert_allclose(s["maps"].sum(axis=0) + s["b"][f], s["out"][f], atol=1e-12)
    for c in range(3):
        np.testing.assert_allclose(s["maps"][c], corr2d(s["x"][c], s["w"][f, c]), atol=1e-12)
    np.testing.assert_array_equal(s["window"], s["x"][:, 3:6, 20:23])
    np.testing.assert_allclose(s["products"], s["window"] * s["w"][f])
    np.testing.assert_allclose(s["parts"], s["maps"][:, 3, 20], atol=1e-12)
    assert s["value"] == pytest.approx(s["parts"].sum() + s["b"][f])
    assert s["position"] == (3, 20) and s["filter"] == f


def test_filter_bank_is_what_the_names_say():
    w = filter_bank()
    assert len(FILTERS) == len(w) == 4
    assert np.all(w[0] == w[0, :1]) and np.all(w[1] == w[1, :1]), "same slice in every channel"
    assert np.allclose(w[1, 0], w[0, 0].T)
    assert np.allclose(w[2, 0], -w[2, 2]) and np.all(w[2, 1] == 0) and w[2, 0].sum() == 1
    assert np.all(w[3, [0, 2]] == 0) and np.allclose(w[3, 1], w[0, 1])


def test_predict_answer_facts():
    answer = next(p.answer for p in PREDICTIONS["02_convolution"]
                  if p.explorer == "MultiChannelExplorer")
    e = MultiChannelExplorer(filter=3)
    maps = e.state["maps"]
    assert np.all(maps[0] == 0) and np.all(maps[2] == 0), "red and blue contribute nothing"
    np.testing.assert_allclose(e.state["out"][3], maps[1])
    e.set(filter=2)
    assert e.state["out"][2].min() > 0, "red minus blue is positive all over the cat"
    assert "27" in answer and "4 x 30 x 30" in answer and "positive" in answer


def test_default_is_the_state_the_notebook_describes():
    e = MultiChannelExplorer()
    assert e.values == {"image": "chelsea", "filter": 0, "row": 11, "col": 13}
    out0 = e.state["out"][0]
    assert e.state["value"] == out0.max(), "it opens on the strongest response of filter 0"
    assert np.all(e.state["parts"] > 0), "lighter to the right in all three channels"


def test_status_line_adds_up(explorer):
    explorer.set(filter=1, row=7, col=7)
    text = explorer.status.value
    s = explorer.state
    for p in s["parts"]:
        assert decimals3(p) in text
    assert text.rstrip("</span>").endswith(decimals3(s["value"]))
    assert decimals3(-0.29166) == "-0.292" and decimals3(0.5) == "0.5" and decimals3(-1e-9) == "0"


def test_picture_follows_the_palette_and_redraws_in_place(explorer):
    explorer.set(filter=0, row=0, col=0)
    fig = explorer._fig
    explorer.set(filter=2, row=29, col=29)
    assert explorer._fig is fig, "the same figure is updated in place"
    s = explorer.state
    fresh = plot_multichannel(s["x"], s["w"], 2, (29, 29), s["maps"], s["out"])
    assert fig_to_png(fresh) == bytes(explorer.image.value), "update == a fresh drawing"
    diverging = set()
    for ax in fig.axes:
        for im in ax.images:
            name = im.get_cmap().name
            lo, hi = im.get_clim()
            if name.startswith("black_"):
                assert (lo, hi) == (0, 1), "a colour channel: black = 0"
                assert np.allclose(im.get_cmap()(0.0)[:3], 0)
            else:
                assert name == core.SIGNED_CMAP and lo == -hi, (name, lo, hi)
                diverging.add(name)
    assert diverging == {core.SIGNED_CMAP}, "one diverging map, centred on 0"


def test_small_rgb_is_cached_and_read_only():
    a = small_rgb("chelsea")
    assert a is small_rgb("chelsea") and not a.flags.writeable


# --------------------------------------------------------------------- SlidingWindowStepper
def test_stepper_on_the_notebooks_4x4_example():
    """Notebook 02 builds SlidingWindowStepper(x=x4, kernel=k3); it opens on out[0, 0] = 4."""
    x4 = np.array([[1, 2, 0, 3], [4, 1, 1, 0], [0, 2, 3, 1], [1, 0, 2, 2]], dtype=float)
    k3 = np.array([[1, 0, -1], [2, 0, -2], [1, 0, -1]], dtype=float)
    out4 = corr2d(x4, k3)
    e = SlidingWindowStepper(x=x4, kernel=k3)
    assert e.state["position"] == (0, 0) and e.state["sum"] == out4[0, 0] == 4
    e.set(position=3)  # the last window, bottom right
    assert e.state["position"] == (1, 1) and e.state["sum"] == out4[1, 1]
    np.testing.assert_array_equal(e.state["products"], x4[1:, 1:] * k3)
    np.testing.assert_array_equal(e.state["out_so_far"], out4)
    assert e.controls["size"].disabled and e.controls["kernel_size"].disabled


# --------------------------------------------------------------------- the flip figure
def test_kernel_pairs_grey_for_sum_one_signed_otherwise():
    from cnnlib.kernels import get_kernel
    from cnnlib.plotting.conv import plot_kernel_pairs

    img = np.random.default_rng(0).random((12, 12))
    sx, emb = get_kernel("sobel_x"), get_kernel("emboss")
    pairs = [(name, k, corr2d(img, k)) for name, k in
             [("sobel_x", sx), ("flipped", sx[::-1, ::-1]), ("emboss", emb),
              ("flipped", emb[::-1, ::-1])]]
    fig = plot_kernel_pairs(pairs)
    kernels, outputs = fig.axes[0:8:2], fig.axes[1:8:2]
    for ax in kernels:
        assert ax.images[0].get_cmap().name == core.SIGNED_CMAP, "a kernel is signed data"
    cmaps = [ax.images[0].get_cmap().name for ax in outputs]
    assert cmaps == [core.SIGNED_CMAP] * 2 + [core.IMAGE_CMAP] * 2
    for ax in outputs:
        lo, hi = ax.images[0].get_clim()
        assert (lo, hi) == (0.0, 1.0) or lo == -hi
        assert ax.images[0].colorbar is not None
    assert fig_to_png(fig).startswith(b"\x89PNG")
    with pytest.raises(ValueError, match="pairs is empty"):
        plot_kernel_pairs([])


# --------------------------------------------------------------------- scales are said
def _bars(fig):
    """The colour bars of a figure: axes that hold a colour bar, by their label text."""
    return [ax for ax in fig.axes if hasattr(ax, "_colorbar")]


@pytest.mark.parametrize("f", range(4))
def test_weights_have_their_own_colour_bar_and_the_maps_theirs(explorer, f):
    """The weights (|w| <= 0.5) and the maps (|map| up to ~2) are on two scales, each with its
    colour bar: a weight of 0.11 is never drawn in the colour the maps' bar gives ~2."""
    explorer.set(filter=f, row=5, col=5)
    fig, s = explorer._fig, explorer.state
    m = np.abs(s["w"][f]).max()
    kernels = fig.axes[3:6]
    for ax in kernels:
        assert ax.images[0].get_clim() == (-m, m), "each slice on the filter's own scale"
    bars = {ax._colorbar.mappable: ax for ax in _bars(fig)}
    weight_bar = bars[kernels[-1].images[0]]._colorbar
    assert (weight_bar.vmin, weight_bar.vmax) == (-m, m), "the weights' bar follows the filter"
    maps_bar = bars[fig.axes[13].images[0]]
    limit = max(np.abs(s["out"]).max(), np.abs(s["maps"]).max())
    assert maps_bar._colorbar.vmax == pytest.approx(limit) and maps_bar.get_title() == "maps"
    assert any(t.get_text() == "weights" for t in fig.texts)
    assert len(bars) == 2


def test_kernel_pairs_say_how_much_is_clipped():
    from cnnlib.kernels import get_kernel
    from cnnlib.plotting.conv import clipped_fraction, percent, plot_kernel_pairs

    img = np.random.default_rng(1).random((20, 20))
    emb, box = get_kernel("emboss"), get_kernel("box_blur")
    out_e, out_b = corr2d(img, emb), corr2d(img, box)
    fig = plot_kernel_pairs([("emboss", emb, out_e), ("box_blur", box, out_b)])
    share = float(np.mean((out_e < 0) | (out_e > 1)))
    assert clipped_fraction(out_e) == share > 0.1
    assert f"clipped: {percent(share)} outside [0, 1]" in fig.axes[1].get_title()
    assert clipped_fraction(out_b) == 0 and "clipped" not in fig.axes[3].get_title()
    assert percent(0.1449) == "14.5 %" and percent(1e-5) == "< 0.1 %" and percent(0) == "0.0 %"


def test_number_grids_say_their_scales():
    from cnnlib.plotting.grids import OWN_SCALES, plot_number_grids

    a, b = np.array([[-1.0, 2.0], [0.0, 1.0]]), np.array([[-1.02, 1.98], [0.01, 1.0]])
    own = plot_number_grids({"a": a, "b": 4 * b})
    assert own.get_supxlabel() == OWN_SCALES and not _bars(own)
    assert own.axes[0].images[0].get_clim() != own.axes[1].images[0].get_clim()
    shared = plot_number_grids({"secret": a, "learned": b}, shared=True)
    clims = {ax.images[0].get_clim() for ax in shared.axes if ax.images}
    assert clims == {(-2.0, 2.0)}, "one scale for both grids"
    assert len(_bars(shared)) == 1 and not shared.get_supxlabel()
    grey = plot_number_grids({"x": np.ones((2, 2)), "y": 3 * np.ones((2, 2))}, shared=True)
    assert {ax.images[0].get_clim() for ax in grey.axes if ax.images} == {(0.0, 3.0)}
    single = plot_number_grids({"x": a})
    assert not single.get_supxlabel(), "one grid: nothing to compare"


def test_stepper_says_its_grids_have_their_own_scales():
    from cnnlib.plotting.grids import OWN_SCALES

    e = SlidingWindowStepper()
    assert e.draw(e.state).get_supxlabel().startswith(OWN_SCALES)
