"""PoolingExplorer (05), GradCheckLab (06), DigitInspector and TrainingDashboard (07): their
state equals what cnnlib computes, impossible settings give a message instead of an exception,
and feature maps and filters are drawn by the course's palette.
(The generic sweep over every control is in test_widgets.py.)
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from explorer_helpers import PNG, refused  # noqa: E402

from cnnlib import pool  # noqa: E402


# --------------------------------------------------------------------- PoolingExplorer
@pytest.mark.parametrize("mode,K,S,P", [("max", 2, 2, 0), ("avg", 3, 2, 1), ("max", 3, 1, 1),
                                        ("avg", 2, 3, 0)])
def test_pooling_matches_cnnlib(mode, K, S, P):
    from cnnlib.widgets import PoolingExplorer

    e = PoolingExplorer(image="numbers 6x6", mode=mode, kernel_size=K, stride=S, padding=P)
    x = e.state["x"][None, None]
    fwd = pool.max_pool2d_forward if mode == "max" else pool.avg_pool2d_forward
    bwd = pool.max_pool2d_backward if mode == "max" else pool.avg_pool2d_backward
    out, cache = fwd(x, K, S, P)
    np.testing.assert_array_equal(e.state["out"], out[0, 0])
    H_out = out.shape[2]
    for i, j in [(0, 0), (H_out - 1, H_out - 1)]:
        e.set(i=i, j=j)
        dout = np.zeros_like(out)
        dout[0, 0, i, j] = 1
        np.testing.assert_allclose(e.state["dx"], bwd(dout, cache)[0, 0])
        assert e.state["window"] == (i * S - P, j * S - P)


def test_pooling_tie_rule_and_messages():
    from cnnlib.widgets import PoolingExplorer

    e = PoolingExplorer(image="ties 4x4")
    e.set(i=0, j=0)
    assert e.state["winner"] == (0, 1)  # first maximum in row-major order
    e.set(i=1, j=1)
    assert e.state["winner"] == (2, 2)
    e.set(padding=2)
    refused(e, "padding")
    e.set(padding=0, kernel_size=4, stride=4, i=0, j=0)
    assert e.state["shape"] == (1, 1)
    e.set(image="digit 28x28", i=13, j=13)  # the unit range follows the new geometry
    assert e.state["shape"] == (7, 7) and e.values["i"] == 6


# --------------------------------------------------------------------- GradCheckLab
def test_gradcheck_lab_bands():
    from cnnlib.widgets import GradCheckLab

    lab = GradCheckLab(op="conv2d", log10_h=-5.0, dtype="float64")
    for which in ("x", "w", "b"):
        lab.set(which=which)
        assert lab.state["rel_error"] < 1e-7 and lab.state["band"] == "good"
        assert lab.state["errors"].shape == lab.state["analytic"].shape
        assert np.isclose(lab.state["errors"].max(), lab.state["rel_error"])
    lab.set(which="x", dtype="float32")
    assert lab.state["rel_error"] > 1e-6 and lab.state["analytic"].dtype == np.float32
    lab.set(log10_h=-12.0)
    refused(lab, "too small", "float32")
    lab.set(op="conv2d + tanh", dtype="float64", log10_h=-1.0)
    assert lab.state["rel_error"] > 1e-4  # a large step: truncation error
    hs, errs = lab.state["curves"]["float64"]
    best = hs[np.nanargmin(errs)]
    assert 1e-7 <= best <= 1e-4 and np.nanmin(errs) < 1e-9  # the V's bottom
    assert lab.controls["which"].disabled is False
    lab.set(op="relu")
    assert lab.controls["which"].disabled


# --------------------------------------------------------------------- DigitInspector
def test_digit_inspector_with_a_given_model():
    from cnnlib.models import course_cnn
    from cnnlib.train import predict
    from cnnlib.widgets import DigitInspector

    rng = np.random.default_rng(0)
    X = rng.random((5, 1, 28, 28)).astype(np.float32)
    y = np.arange(5)
    model = course_cnn(rng)
    d = DigitInspector(model, X, y, index=2, layer=3)
    assert np.isclose(d.state["probs"].sum(), 1.0) and d.state["label"] == 2
    np.testing.assert_allclose(d.state["probs"], predict(model, X[2:3])[0], rtol=1e-5)
    assert d.state["maps"].shape == (16, 14, 14)
    assert [v for _, v in d.controls["layer"].options] == [0, 1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="labels"):
        DigitInspector(model, X, y[:3])


def test_digit_inspector_default_model_is_trained():
    from cnnlib.widgets import DigitInspector

    d = DigitInspector()
    hits = 0
    for index in range(0, 1000, 50):
        d.set(index=index)
        assert np.isclose(d.state["probs"].sum(), 1.0)
        hits += d.state["pred"] == d.state["label"]
    assert hits >= 17  # a quickly trained model, but a trained one


# --------------------------------------------------------------------- TrainingDashboard
def test_dashboard_records_and_draws():
    from cnnlib.widgets.dashboard import TrainingDashboard

    class Layer:
        weight = type("P", (), {"data": np.ones((4, 1, 3, 3))})()

    class Model:
        layers = [Layer()]

    dash = TrainingDashboard(total_batches=4, every=0.0, budget=1.0)
    for epoch in range(2):
        for batch in range(2):
            dash.on_batch_end(epoch, batch, {"loss": 2.0 / (1 + batch), "acc": 0.5, "lr": 0.1},
                              Model())
        dash.on_epoch_end(epoch, {"train_acc": [0.5 + epoch / 4], "val_acc": [None]}, Model())
    assert dash.batch_loss == [2.0, 1.0, 2.0, 1.0] and dash.epoch_ends == [2, 4]
    assert dash.train_acc == [0.5, 0.75] and dash.draws >= 3
    assert bytes(dash.image.value).startswith(PNG)
    with pytest.raises(ValueError, match="total_batches"):
        TrainingDashboard(0)


def test_digit_inspector_feature_maps_follow_the_palette_and_show_dead_maps():
    from cnnlib.models import course_cnn
    from cnnlib.plotting.core import IMAGE_CMAP, SIGNED_CMAP
    from cnnlib.plotting.training import dead_maps
    from cnnlib.widgets import DigitInspector

    rng = np.random.default_rng(0)
    model = course_cnn(rng)
    model.layers[0].weight.data[2] = 0.0  # filter 2 is dead: zero after ReLU for every digit
    model.layers[0].bias.data[2] = -1.0
    X = rng.random((3, 1, 28, 28)).astype(np.float32)
    d = DigitInspector(model, X, np.arange(3), layer=0)
    maps = d.draw(d.state).axes[2]
    assert maps.images[0].get_cmap().name == SIGNED_CMAP  # conv outputs are signed
    assert [t.get_text() for t in maps.texts] == []  # -1 everywhere is not dead
    d.set(layer=2)  # course_cnn: Conv2d, MaxPool2d, ReLU, ...
    maps = d.draw(d.state).axes[2]
    assert maps.images[0].get_cmap().name == IMAGE_CMAP  # after ReLU: grey, dark = 0
    assert maps.images[0].get_clim()[0] == 0
    dead = dead_maps(d.state["maps"])
    assert dead[2] and [t.get_text() for t in maps.texts] == ["dead"] * dead.sum()


def test_dashboard_names_its_validation_curve():
    from cnnlib.widgets.dashboard import TrainingDashboard

    dash = TrainingDashboard(total_batches=2)
    assert dash.val_label == "validation"
    assert TrainingDashboard(2, val_label="held-out").val_label == "held-out"


def _interrupt_at(epoch, batch):
    """A fit callback that presses 'stop' (raises KeyboardInterrupt) at (epoch, batch)."""

    class Stop:
        def on_batch_end(self, e, b, logs, model):
            if (e, b) == (epoch, batch):
                raise KeyboardInterrupt

    return Stop()


def test_dashboard_says_where_training_stopped():
    from cnnlib.losses import CrossEntropyLoss
    from cnnlib.models import course_cnn
    from cnnlib.optim import SGD
    from cnnlib.widgets.dashboard import TrainingDashboard

    rng = np.random.default_rng(0)
    X = rng.random((40, 1, 28, 28)).astype(np.float32)
    y = rng.integers(0, 10, 40)
    model = course_cnn(rng)
    from cnnlib.train import fit

    dash = TrainingDashboard(total_batches=3 * 3, every=1e9, budget=0.0)
    statuses, redraw = [], dash.redraw

    def recording_redraw():
        statuses.append(dash.status)
        redraw()

    dash.redraw = recording_redraw

    with pytest.raises(KeyboardInterrupt):
        fit(model, X, y, epochs=3, batch_size=16, optimizer=SGD(model.parameters(), lr=0.01),
            loss_fn=CrossEntropyLoss(), rng=0, progress=False,
            callbacks=[dash, _interrupt_at(1, 1)])
    assert dash.status == "stopped at epoch 2"  # epochs counted from 1, as on the picture
    assert statuses[-1] == "stopped at epoch 2"  # the last picture says so
    assert len(dash.batch_loss) == 5 and dash.epoch_ends == [3]
    assert bytes(dash.image.value).startswith(PNG)


def test_dashboard_picture_shows_the_status_instead_of_the_time_left():
    from cnnlib.plotting.training import plot_dashboard

    w = np.zeros((4, 1, 3, 3))
    running = plot_dashboard([1.0, 0.5], [2], [0.5], [0.6], w, 2, 6, 1.0)
    stopped = plot_dashboard([1.0, 0.5], [2], [0.5], [0.6], w, 2, 6, 1.0,
                             status="stopped at epoch 2")
    texts = [t.get_text() for t in running.axes[0].texts]
    assert any("s left" in t for t in texts)
    texts = [t.get_text() for t in stopped.axes[0].texts]
    assert any(t.endswith(": stopped at epoch 2") for t in texts)
    assert not any("s left" in t for t in texts)
    assert "validation" in running.axes[2].get_title()


def test_dashboard_finishes_as_done_without_a_status_line():
    from cnnlib.widgets.dashboard import TrainingDashboard

    class Model:
        layers = []

    dash = TrainingDashboard(total_batches=2, every=1e9, budget=0.0)
    for b in range(2):
        dash.on_batch_end(0, b, {"loss": 1.0, "acc": 0.5, "lr": 0.1}, Model())
    dash.on_epoch_end(0, {"train_acc": [0.5], "val_acc": [0.6]}, Model())
    assert dash.status == "done" and dash.draws == 1  # the last picture is always drawn


def test_filters_keep_their_sign_on_one_scale_and_dead_ones_are_marked():
    from cnnlib.plotting.core import SIGNED_CMAP
    from cnnlib.plotting.training import plot_filters

    w = np.zeros((3, 1, 3, 3))
    w[0] = 1.0
    w[1] = -0.5
    w[2, 0, 1, 1] = 0.25
    fig = plot_filters(w, bias=np.array([0.1, -0.2, 0.0]), dead=[False, True, False])
    ax = fig.axes[0]
    im = ax.images[0]
    assert im.get_cmap().name == SIGNED_CMAP and im.get_clim() == (-1.0, 1.0)  # shared scale
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("dead") == 1 and "1: b=-0.20" in texts and "0: b=+0.10" in texts
    assert len(fig.axes) == 2  # the colour bar


def test_history_and_schedule_pictures():
    from cnnlib.optim import cosine_lr
    from cnnlib.plotting.training import plot_history, plot_schedule

    history = {"epoch": [1, 2, 3], "train_loss": [1.0, 0.5, 0.3], "train_acc": [0.7, 0.9, 0.95],
               "val_loss": [0.8, 0.4, 0.45], "val_acc": [0.8, 0.93, 0.92],
               "lr": [0.05, 0.02, 0.0], "time": [1.0, 1.0, 1.0]}
    fig = plot_history(history)
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "validation" in legend
    assert [t.get_text() for t in fig.axes[2].get_legend().get_texts()] == \
        ["stop (exercise 3's rule): epoch 2"]
    no_val = dict(history, val_loss=[None] * 3, val_acc=[None] * 3)
    assert len(plot_history(no_val).axes) == 4  # a run without validation still draws
    fig = plot_schedule(cosine_lr(0.05, 10, warmup=1), 10, warmup=1)
    line = fig.axes[0].lines[0]
    assert np.isclose(line.get_ydata().max(), 0.05, rtol=1e-3) and line.get_ydata()[-1] == 0


def test_history_marks_the_rule_of_exercise_3_and_hides_no_point():
    """Ties at the best validation accuracy: the lowest validation loss wins (not the first,
    as np.argmax would); one accuracy panel shows every point, the next zooms on the end."""
    from cnnlib.exercises.nb07_training import _ref_stop
    from cnnlib.plotting.training import plot_history, stop_index

    history = {"epoch": [1, 2, 3, 4, 5, 6], "train_loss": [2.0, 0.5, 0.3, 0.2, 0.1, 0.1],
               "train_acc": [0.46, 0.85, 0.96, 0.97, 0.98, 0.98],
               "val_loss": [0.47, 0.18, 0.1, 0.075, 0.073, 0.072],
               "val_acc": [0.846, 0.95, 0.97, 0.978, 0.978, 0.978],
               "lr": [0.05] * 6, "time": [1.0] * 6}
    args = (history["epoch"], history["train_acc"], history["val_acc"], history["val_loss"])
    assert stop_index(history["val_acc"], history["val_loss"]) == 5
    assert history["epoch"][5] == _ref_stop(*args)
    fig = plot_history(history)
    full, zoom = fig.axes[1], fig.axes[2]
    legend = [t.get_text() for t in zoom.get_legend().get_texts()]
    assert legend == ["stop (exercise 3's rule): epoch 6"]
    assert full.get_ylim()[0] <= 0.46 and full.get_ylim()[1] == 1.0  # every point visible
    assert zoom.get_ylim()[0] > 0.85  # the zoom leaves the first epochs out...
    assert "zoomed on the right" in [t.get_text() for t in full.get_legend().get_texts()]


def test_feature_map_colour_bar_says_each_map_is_on_its_own_scale():
    from cnnlib.plotting.pooling import plot_maps
    from cnnlib.plotting.training import plot_filters

    maps = np.random.default_rng(0).normal(size=(4, 5, 5))
    fig = plot_maps([maps], ["signed maps"])
    labels = [ax.get_ylabel() for ax in fig.axes]
    assert "value / max|value|\nof its map" in labels
    shared = plot_filters(np.random.default_rng(1).normal(size=(3, 1, 3, 3)))
    assert not any("max|value|" in ax.get_ylabel() for ax in shared.axes)  # one shared scale


def test_every_colour_bar_of_notebook_07s_pictures_has_a_label():
    """Filters (one shared scale: "weight"), the dashboard's filters, a digit's feature maps
    (each on its own scale). matplotlib marks a colour bar's axes with ``_colorbar``."""
    from cnnlib.plotting.training import plot_dashboard, plot_digit, plot_filters

    rng = np.random.default_rng(2)
    weight = rng.normal(size=(8, 1, 3, 3))
    figs = {"filters": plot_filters(weight),
            "dashboard": plot_dashboard([2.3, 1.0, 0.5], [3], [0.5], [0.6], weight, 3, 30, 1.0),
            "digit": plot_digit(rng.random((28, 28)), np.full(10, 0.1), 3,
                                rng.normal(size=(8, 28, 28)), "0: Conv2d")}
    expected = {"filters": "weight", "dashboard": "weight",
                "digit": "value / max|value|\nof its map"}
    for name, fig in figs.items():
        bars = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is not None]
        assert len(bars) == 1, name
        label = bars[0].get_ylabel() or bars[0].get_xlabel()
        assert label == expected[name], (name, label)



def test_confusion_matrix_shows_single_mistakes_on_their_own_scale():
    """The diagonal (hundreds) must not wash out the mistakes (ones and twos): the colours
    cover the off-diagonal counts only, 0 to the largest mistake count, with a labelled bar;
    every non-zero count is written in its cell."""
    from matplotlib.patches import Rectangle

    from cnnlib.plotting.core import COUNT_CMAP
    from cnnlib.plotting.training import plot_confusion

    M = np.diag([97, 95, 99])
    M[1, 2], M[0, 1] = 2, 1
    fig = plot_confusion(M)
    ax = fig.axes[0]
    im = ax.images[0]
    assert im.get_cmap().name == COUNT_CMAP and im.get_clim() == (0.0, 2.0)
    assert np.array_equal(im.get_array(), np.array([[0, 1, 0], [0, 0, 2], [0, 0, 0]]))
    single = im.cmap(im.norm(1))[:3]
    assert min(single) < 0.8  # one mistake is a clear colour, not near-white
    assert sorted(t.get_text() for t in ax.texts) == sorted(["97", "95", "99", "2", "1"])
    greys = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(greys) == 3  # the diagonal, drawn over in grey
    bars = [a for a in fig.axes if getattr(a, "_colorbar", None) is not None]
    assert len(bars) == 1 and "mistakes" in bars[0].get_ylabel()
    assert plot_confusion(np.eye(3, dtype=int) * 5).axes[0].images[0].get_clim() == (0.0, 1.0)


def test_feature_maps_figure_has_a_labelled_colour_bar_on_every_panel():
    """Notebook 07's feature maps: the digit (grey, 0..1), signed stacks (diverging, -1..1),
    stacks after ReLU (grey, 0..1, dead maps labelled); every panel with its bar; two rows."""
    from cnnlib.plotting.core import IMAGE_CMAP, SIGNED_CMAP
    from cnnlib.plotting.training import plot_feature_maps

    rng = np.random.default_rng(3)
    relu = np.maximum(rng.normal(size=(8, 14, 14)), 0)
    relu[1] = 0
    maps = [rng.random((28, 28)), rng.normal(size=(8, 28, 28)), rng.normal(size=(8, 14, 14)),
            relu, rng.normal(size=(32, 7, 7))]
    fig = plot_feature_maps(maps, [f"panel {k}" for k in range(5)], ncols=4, size=2.0)
    panels = [ax for ax in fig.axes if ax.images and getattr(ax, "_colorbar", None) is None]
    assert len(panels) == 5
    cmaps = [ax.images[0].get_cmap().name for ax in panels]
    assert cmaps == [IMAGE_CMAP, SIGNED_CMAP, SIGNED_CMAP, IMAGE_CMAP, SIGNED_CMAP]
    assert [ax.images[0].get_clim() for ax in panels] == \
        [(0.0, 1.0), (-1.0, 1.0), (-1.0, 1.0), (0.0, 1.0), (-1.0, 1.0)]
    bars = [ax for ax in fig.axes if getattr(ax, "_colorbar", None) is not None]
    assert len(bars) == 5 and all(b.get_ylabel() for b in bars)
    assert "dead" in [t.get_text() for t in panels[3].texts]
    assert fig.get_size_inches()[1] == 4.0  # 5 panels, 4 to a row: two rows
