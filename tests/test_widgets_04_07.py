"""Specific checks of the explorers of notebooks 04-07 and the training dashboard: their state
equals what cnnlib computes, and impossible settings give a message instead of an exception.
(The generic sweep over every control is in test_widgets.py.)
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from cnnlib import pool  # noqa: E402
from cnnlib import receptive_field as rf  # noqa: E402

PNG = b"\x89PNG"


def refused(explorer, *words):
    """The explorer shows a message (no exception), its state is empty, and the message
    holds each of ``words``."""
    assert explorer.state == {} and explorer.error
    assert bytes(explorer.image.value).startswith(PNG)
    for word in words:
        assert word in explorer.error, (word, explorer.error)


# --------------------------------------------------------------------- LayerStackExplorer
@pytest.mark.parametrize("preset", ["seed: three 3x3 convs, 7x7 input",
                                    "notebook 07: conv-pool, conv-pool", "three stride-2 convs",
                                    "VGG-like (photo)", "dilated 3x3: d = 1, 2, 4 (photo)"])
def test_layer_stack_matches_receptive_field(preset):
    from cnnlib.widgets import LayerStackExplorer
    from cnnlib.widgets.receptive import PRESETS, parse_stack

    e = LayerStackExplorer(preset=preset)
    spec, size = PRESETS[preset]
    rows = rf.receptive_field(parse_stack(spec), input_size=size)
    assert e.state["size"].tolist() == [list(r.size) for r in rows]
    assert e.state["jump"].tolist() == [list(r.jump) for r in rows]
    i, j = e.values["i"], e.values["j"]
    region = rf.input_region(parse_stack(spec), i, j, input_size=size)
    assert e.state["region"] == (region.top, region.left, region.bottom, region.right)
    # the unit depends exactly on the clipped region (all stacks here are hole-free)
    box = np.zeros((size, size), bool)
    box[region.clipped.slices] = True
    assert np.array_equal(e.state["paths"] > 0, box)


def test_layer_stack_seed_example_and_paths():
    from cnnlib.widgets import LayerStackExplorer

    e = LayerStackExplorer(preset="seed: three 3x3 convs, 7x7 input")
    assert e.state["size"][:, 0].tolist() == [3, 5, 7] and e.state["out_size"] == (1, 1)
    paths = e.state["paths"]
    assert paths[3, 3] == paths.max() and paths[0, 0] == 1  # the centre has the most paths
    assert paths.sum() == 9 ** 3  # every path: one choice of 9 per layer


def test_layer_stack_add_remove_and_unit_range():
    from cnnlib.widgets import LayerStackExplorer

    e = LayerStackExplorer()
    assert e.controls["i"].max == 21  # three 3x3 convs on 28x28: 22x22 units
    e.set(kind="pool", kernel_size=2, stride=2, padding=0)
    assert e.controls["dilation"].disabled and "RF 8, jump 2" in e.state["preview"]
    e.add_layer()
    assert e.values["spec"].endswith("pool2") and e.values["preset"] is None
    assert e.state["size"][-1].tolist() == [8, 8] and e.controls["i"].max == 10
    assert e.values["i"] <= 10
    e.remove_last()
    assert e.values["spec"] == "conv3, conv3, conv3" and e.controls["i"].max == 21
    e.set(spec="conv3, conv3", i=20, j=0)  # geometry and unit in one call
    assert e.state["unit"] == (20, 0) and e.state["region"] == (20, 0, 24, 4)


def test_layer_stack_impossible_settings_show_messages():
    from cnnlib.widgets import LayerStackExplorer

    e = LayerStackExplorer()
    e.set(spec="conv3, bogus")
    refused(e, "cannot read", "conv<K>")
    e.set(spec="conv29")
    refused(e, "does not fit")
    e.set(spec="conv3, conv3, conv3", kind="pool", kernel_size=2, padding=2)
    assert e.error is None and "impossible" in e.state["preview"]  # only the preview says no
    e.set(kind="conv", kernel_size=7, padding=0, spec="conv7, conv7, conv7, conv7")
    assert e.error is None and "does not fit" in e.state["preview"]


# --------------------------------------------------------------------- EffectiveRFExplorer
def test_erf_explorer_centred_and_growing():
    from cnnlib.widgets import EffectiveRFExplorer

    e = EffectiveRFExplorer(depth=1)
    c = e.SIZE // 2
    spreads = []
    for depth in (1, 4, 9, 16):
        e.set(depth=depth)
        s = e.state
        assert np.isclose(s["erf"].sum(), 1.0) and s["theory_size"] == 2 * depth + 1
        assert abs(s["centroid"][0] - c) < 0.5 and abs(s["centroid"][1] - c) < 0.5
        assert s["erf"][c, c] > 0.5 * s["erf"].max()  # the peak region is the centre
        assert s["inside_theory"] > 1 - 1e-9
        spreads.append(s["spread"])
    assert np.all(np.diff(spreads) > 0)
    # sqrt growth: 16 layers spread about 2x (not 4x) as far as 4 layers
    assert 1.5 < spreads[3] / spreads[1] < 2.6
    e.set(nonlinearity="relu")
    assert e.state["spread"] > spreads[1]


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
