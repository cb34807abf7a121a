"""The ActivationExplorer of notebook 01 and its plots (cnnlib/widgets/activation.py,
cnnlib/plotting/activations.py): the checks that used to sit in the notebook, the shared slope
scale, and ReLU's jump drawn as a jump. (The generic sweep of every control is in
tests/test_widgets.py.)"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib import activations as act  # noqa: E402
from cnnlib.plotting import activations as pa  # noqa: E402
from cnnlib.widgets import ActivationExplorer  # noqa: E402


def test_leaky_relu_state_follows_the_controls():
    e = ActivationExplorer(activation="sigmoid")
    e.set(activation="leaky_relu", negative_slope=0.2, x_range=4.0)
    s = e.state
    assert s["x"][0] == -4.0 and s["x"][-1] == 4.0
    assert np.allclose(s["y"], np.where(s["x"] > 0, s["x"], 0.2 * s["x"]))
    assert np.allclose(s["dy"][s["x"] < 0], 0.2)
    e.set(activation="sigmoid", x_range=6.0)
    assert e.state["dy"].max() == pytest.approx(0.25, abs=1e-4)


def test_opens_where_the_notebook_question_starts():
    """The predict question asks about the sigmoid at 0 and at +-6."""
    e = ActivationExplorer(activation="sigmoid")
    assert e.state["name"] == "sigmoid" and e.state["x"][[0, -1]].tolist() == [-6.0, 6.0]
    assert "largest slope 0.25" in e.describe(e.state)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu", "leaky_relu"])
def test_slope_panel_has_one_scale_for_every_activation(activation):
    e = ActivationExplorer(activation=activation)
    fig = e.draw(e.state)
    assert fig.axes[1].get_ylim() == pa.SLOPE_LIMITS


def test_slope_scale_stays_when_switching_and_widens_only_if_needed():
    e = ActivationExplorer(activation="tanh")
    e.set(activation="sigmoid")
    fig = e.draw(e.state)
    assert fig.axes[1].get_ylim() == pa.SLOPE_LIMITS, "sigmoid' looks 4x lower than tanh'"
    x = np.linspace(-2, 2, 41)
    wide = pa.plot_activation(x, 2 * x, np.full_like(x, 2.0), "double")
    assert wide.axes[1].get_ylim()[1] >= 2.0


def test_grid_shares_the_slope_scale():
    x = np.linspace(-5, 5, 201)
    fig = pa.plot_activation_grid({
        "sigmoid": (x, act.sigmoid(x), act.sigmoid_derivative(x)),
        "tanh": (x, act.tanh(x), act.tanh_derivative(x)),
        "relu": (x, act.relu(x), act.relu_derivative(x)),
    })
    slopes = fig.axes[3:]  # row 2 of a 2 x 3 grid
    assert {ax.get_ylim() for ax in slopes} == {pa.SLOPE_LIMITS}
    assert slopes[0].get_title() == "largest slope 0.25"


def test_relu_jump_is_a_gap_not_a_vertical_line():
    x = np.linspace(-1, 1, 21)
    bx, by = pa.break_jumps(x, act.relu_derivative(x))
    assert len(bx) == len(x) + 1 and np.isnan(by).sum() == 1
    gap = int(np.flatnonzero(np.isnan(by))[0])
    assert by[gap - 1] == 0 and by[gap + 1] == 1
    smooth_x, smooth_y = pa.break_jumps(x, act.sigmoid(x))
    assert not np.isnan(smooth_y).any() and len(smooth_x) == len(x)
    flat_x, flat_y = pa.break_jumps(x, np.zeros_like(x))
    assert len(flat_x) == len(x)
    e = ActivationExplorer(activation="relu")
    line = e.draw(e.state).axes[1].lines[0]
    assert np.isnan(line.get_ydata()).sum() == 1
