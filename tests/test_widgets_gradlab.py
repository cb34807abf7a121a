"""GradCheckLab (notebook 06): the bands of a correct backward, the step h and float32, and the
planted bugs: each one lifts the relative error of the gradient it touches above 1e-2 (and
leaves the others good), "none" stays below 1e-7 in float64. Also the checks that notebook 06
used to run on the learner's lab. (The generic sweep over every control is in test_widgets.py.)
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from explorer_helpers import PNG  # noqa: E402

from cnnlib import conv, gradcheck  # noqa: E402
from cnnlib.exercises.nb06_mistakes import LAB_BUGS  # noqa: E402
from cnnlib.widgets.gradlab import BUG_TOUCHES, CONV, GradCheckLab, check_once  # noqa: E402

BUGS = [key for _, key in LAB_BUGS if key != "none"]


@pytest.fixture(scope="module")
def lab():
    return GradCheckLab()


def test_default_state_is_what_notebook_06_describes(lab):
    lab.set(op="conv2d + tanh", which="x", log10_h=-5.0, dtype="float64", bug="none")
    assert lab.state["rel_error"] < 1e-7 and lab.state["band"] == "good"
    assert np.isclose(lab.state["errors"].max(), lab.state["rel_error"])
    assert lab.state["errors"].shape == lab.state["analytic"].shape == (1, 2, 6, 6)
    assert bytes(lab.image.value).startswith(PNG)


@pytest.mark.parametrize("op", ["conv2d", "conv2d + tanh"])
@pytest.mark.parametrize("which", ["x", "w", "b"])
def test_no_bug_is_good_in_float64(lab, op, which):
    lab.set(op=op, which=which, log10_h=-5.0, dtype="float64", bug="none")
    assert lab.state["rel_error"] < 1e-7 and lab.state["band"] == "good"
    assert not lab.state["touched"]


@pytest.mark.parametrize("bug", BUGS)
def test_each_bug_lifts_the_error_of_the_gradient_it_touches(lab, bug):
    for which in "xwb":
        lab.set(op="conv2d", which=which, log10_h=-5.0, dtype="float64", bug=bug)
        if which in BUG_TOUCHES[bug]:
            assert lab.state["touched"] and lab.state["rel_error"] > 1e-2, (bug, which)
            assert lab.state["band"] == "wrong" and "This bug changes" in lab.status.value
        else:
            assert not lab.state["touched"] and lab.state["rel_error"] < 1e-7, (bug, which)
            assert "cannot see it" in lab.status.value
    assert "x" in BUG_TOUCHES[bug], "every lab bug is in dx"


@pytest.mark.parametrize("bug", BUGS)
def test_no_step_size_repairs_a_bug(bug):
    hs, errs = GradCheckLab(op="conv2d + tanh", bug=bug).state["curves"]["float64"]
    assert np.nanmin(errs) > 1e-2, "the whole float64 curve lies in the wrong band"


def test_the_planted_backward_is_the_one_the_lab_checks():
    analytic, numeric = check_once("conv2d", "x", 1e-5, "float64", "dx_step_1")
    from cnnlib.exercises.nb06_mistakes import planted_backward
    from cnnlib.widgets.gradlab import _arrays

    a = _arrays("float64")
    out, cache = conv.conv2d_forward(a["x"], a["w"], a["b"], **CONV)
    np.testing.assert_array_equal(analytic, planted_backward(a["dconv"], cache, "dx_step_1")[0])
    assert gradcheck.rel_error(analytic, numeric) > 1e-2
    assert not analytic.flags.writeable and not numeric.flags.writeable, "cached: read-only"


def test_bug_and_gradient_are_disabled_and_ignored_for_other_ops(lab):
    lab.set(op="conv2d", bug="no_rotation", which="x")
    wrong = bytes(lab.image.value)
    lab.set(op="relu")
    assert lab.controls["bug"].disabled and lab.controls["which"].disabled
    assert lab.state["bug"] == "none" and lab.state["rel_error"] < 1e-7
    lab.set(op="conv2d")
    assert not lab.controls["bug"].disabled and bytes(lab.image.value) == wrong


def test_float32_is_worse_and_a_tiny_step_is_refused(lab):
    lab.set(op="conv2d", which="x", log10_h=-5.0, dtype="float32", bug="none")
    assert lab.state["rel_error"] > 1e-6 and lab.state["analytic"].dtype == np.float32
    lab.set(log10_h=-12.0)
    assert lab.state == {} and "too small" in lab.error and "float32" in lab.error
    assert bytes(lab.image.value).startswith(PNG)
    lab.set(dtype="float64", log10_h=-1.0, op="conv2d + tanh")
    assert lab.state["rel_error"] > 1e-4, "a large step: truncation error"


def test_a_planted_bug_changes_the_picture_and_names_itself(lab):
    lab.set(op="conv2d + tanh", which="x", log10_h=-5.0, dtype="float64", bug="none")
    clean = bytes(lab.image.value)
    lab.set(bug="assign_both")
    assert bytes(lab.image.value) != clean
    assert "= instead of +=" in lab.status.value


def test_the_error_map_is_sequential_with_a_labelled_colour_bar_and_a_gap(lab):
    from cnnlib.plotting import core
    from cnnlib.plotting.gradients import as_2d

    lab.set(op="conv2d + tanh", which="x", log10_h=-5.0, dtype="float64", bug="no_rotation")
    fig = lab.draw(lab.state)
    image = fig.axes[0].images[0]
    assert image.get_cmap().name == core.ERROR_CMAP == "viridis", "a magnitude: sequential map"
    assert image.get_clim() == (-14, 0)
    assert any(ax.get_ylabel() == "log10 error" for ax in fig.axes), "a labelled colour bar"
    laid = as_2d(lab.state["errors"], gap=True)
    assert laid.shape == (6, 6 + 1 + 6) and np.isnan(laid[:, 6]).all(), "a gap between channels"
    assert not np.isnan(laid[:, :6]).any() and not np.isnan(laid[:, 7:]).any()
    flat = as_2d(np.arange(2 * 3 * 2 * 2.0).reshape(2, 3, 2, 2), gap=True)
    assert flat.shape == (2 * 3 - 1, 3 * 3 - 1) and np.isnan(flat[2]).all()


def test_the_band_labels_sit_outside_the_curve_so_the_star_never_covers_them(lab):
    lab.set(op="relu", log10_h=-1.0, dtype="float64")
    fig = lab.draw(lab.state)
    right = fig.axes[-1]
    labels = {t.get_text(): t for t in right.texts}
    assert {"wrong", "suspicious", "good"} <= set(labels)
    for text in labels.values():
        assert text.get_position()[0] > 1.0, "the band labels are right of the axes"
    star = right.lines[-1]
    assert star.get_marker() == "*" and star.get_xdata()[0] == 10.0 ** -1
