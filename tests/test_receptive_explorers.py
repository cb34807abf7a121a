"""LayerStackExplorer and EffectiveRFExplorer (notebook 04): their state equals what
cnnlib.receptive_field and cnnlib.effective_rf compute, and text a learner types into the
"layers" box (unreadable, or numbers far too large) gets a plain sentence, never numpy's text.
(The generic sweep over every control is in test_widgets.py.)
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from explorer_helpers import refused  # noqa: E402

from cnnlib import receptive_field as rf  # noqa: E402


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


def test_a_new_stack_starts_at_its_middle_unit():
    """Typing a stack that makes the output smaller must not clamp the unit into a corner."""
    from cnnlib.widgets import LayerStackExplorer

    e = LayerStackExplorer()
    assert e.values["i"] == e.values["j"] == 11  # 22x22 output
    e.set(spec="conv3 s2, conv3, conv3")  # notebook 04's "predict" question: 9x9 output
    assert e.state["out_size"] == (9, 9) and e.state["unit"] == (4, 4), e.state["unit"]
    assert e.state["size"][-1].tolist() == [11, 11] and e.state["region"] == (8, 8, 18, 18)
    e.controls["spec"].value = "conv3, conv3, conv3"  # typed in the page: back to 22x22
    assert e.state["unit"] == (11, 11)
    e.set(i=3, j=5)
    e.controls["input"].value = 64  # another input: the middle of the new output
    assert e.state["unit"] == (29, 29)
    e.add_layer()
    assert e.state["unit"] == (28, 28) and e.state["out_size"] == (56, 56)


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


HUGE = "99999999999999999999"


@pytest.fixture(scope="module")
def stack():
    from cnnlib.widgets import LayerStackExplorer

    return LayerStackExplorer()


@pytest.mark.parametrize("spec,name", [
    (f"conv3 s{HUGE}", "stride"), (f"conv3 p{HUGE}", "padding"),
    (f"conv3 d{HUGE}", "dilation"), (f"conv{HUGE}", "kernel size"),
    (f"pool{HUGE}", "kernel size"), (f"pool2 s{HUGE}", "stride"),
    (f"pool3 p{HUGE}", "padding"), ("conv3 p1000000000", "padding"),
    ("conv3 s1000000000", "stride"), ("conv1000000", "kernel size"), ("conv65", "kernel size"),
    ("conv3 p1, conv3 s65", "stride"), (f"conv3, pool2 s{HUGE}, conv3", "stride"),
])
def test_layer_stack_absurd_sizes_get_a_sentence(stack, spec, name):
    """Numbers beyond the largest input: a plain sentence naming the layer and the number, not
    numpy's "Maximum allowed dimension exceeded", an OverflowError or a minutes-long compute."""
    stack.set(spec=spec)
    refused(stack, "LayerStackExplorer: layer", f"a {name} of", "use numbers up to 64")
    assert "Maximum allowed dimension" not in stack.error and "array" not in stack.error
    assert len(stack.error) < 220 and "\n" not in stack.error, stack.error
    assert "about 1e" in stack.error or len(max(stack.error.split(), key=len)) < 30, stack.error
    stack.set(spec="conv3, conv3")  # the learner fixes it
    assert stack.error is None


@pytest.mark.parametrize("spec", ["conv3 p60, conv3 p60, conv3 p60", "conv1 p64, conv1 p64"])
def test_layer_stack_outputs_grown_by_padding_are_refused(stack, spec):
    stack.set(spec=spec, input=64)
    refused(stack, "grown to", "use less padding")
    stack.set(spec="conv3 p64", input=64)  # one large padding still fits: 64 + 128 - 2
    assert stack.error is None and stack.state["out_size"] == (190, 190)
    stack.set(spec="conv3, conv3, conv3", input=28)


def test_parse_stack_limits_are_the_largest_input():
    from cnnlib.widgets.receptive import INPUTS, MAX_NUMBER, parse_stack

    assert MAX_NUMBER == max(INPUTS.values()) == 64
    assert len(parse_stack("conv64 p64 s64 d64, pool64 s64")) == 2
    with pytest.raises(ValueError, match="a dilation of 65"):
        parse_stack("conv3 d65")


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




def test_erf_explorer_status_compares_like_with_like():
    """The status line sets the measured spread beside the random walk's prediction, never a
    standard deviation as a percentage of a width."""
    from cnnlib.effective_rf import random_walk_spread
    from cnnlib.widgets import EffectiveRFExplorer

    e = EffectiveRFExplorer()
    assert "%" not in e.status.value
    assert f"{random_walk_spread(5):.2f} px" in e.status.value
    assert f"std {np.sqrt(5 * 6 / 3):.2f} px" in e.status.value  # uniform over the 11x11 square
    for depth in (2, 8, 16):
        e.set(depth=depth)
        assert abs(e.state["spread"] / e.state["walk_spread"] - 1) < 0.06


# ------------------------------------------------ the checks notebook 04 used to run
def test_the_layer_stack_checks_notebook_04_used_to_run():
    """Formerly an assert cell under the explorer (it moved the learner's explorer)."""
    from cnnlib.widgets import LayerStackExplorer

    stack = LayerStackExplorer()
    assert stack.state["size"][:, 0].tolist() == [3, 5, 7]
    stack.set(preset="notebook 07: conv-pool, conv-pool", i=3, j=3)
    assert stack.state["size"][-1].tolist() == [10, 10] and stack.state["region"] == (9, 9, 18, 18)
    assert (stack.state["paths"] > 0).sum() == 100
    stack.set(spec=", ".join(["conv3"] * 14))  # 14 unpadded layers do not fit a 28x28 digit
    assert stack.state == {} and "does not fit" in stack.error
    stack.set(preset="seed: three 3x3 convs, 7x7 input")
    paths = stack.state["paths"]
    assert paths[3, 3] == 49 and paths[0, 0] == 1 and paths.sum() == 9 ** 3
    assert np.array_equal(paths[3], 7 * np.array([1, 3, 6, 7, 6, 3, 1]))


def test_the_erf_checks_notebook_04_used_to_run():
    from cnnlib.widgets import EffectiveRFExplorer

    erf_explorer = EffectiveRFExplorer()
    s = erf_explorer.state
    c = erf_explorer.SIZE // 2
    assert abs(s["centroid"][0] - c) < 0.5 and abs(s["centroid"][1] - c) < 0.5
    assert s["inside_theory"] > 0.999
    spreads = []
    for depth in (2, 8, 16):
        erf_explorer.set(depth=depth)
        spreads.append(erf_explorer.state["spread"])
    assert spreads[0] < spreads[1] < spreads[2] < 2 * spreads[1]
    with pytest.raises(ValueError, match="out of range"):
        erf_explorer.compute(depth=40, nonlinearity="linear")
