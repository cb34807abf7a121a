"""PoolingExplorer (notebook 05): the default shows a cell on a stroke with a single winner,
ties are named in the status line, and the checks that notebook 05 used to run on the
learner's explorer (they live here now, so no cell drives the explorer the learner is using).
(Its state against cnnlib.pool for several geometries is in test_network_explorers.py; the
generic sweep over every control in test_widgets.py.)
"""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
from explorer_helpers import PNG  # noqa: E402

from cnnlib import pool  # noqa: E402

TIES = np.array([[1., 3., 3., 0.], [3., 2., 1., 1.], [0., 0., 2., 2.], [0., 1., 2., 2.]])


def test_default_cell_is_on_a_stroke_with_one_winner():
    from cnnlib.widgets import PoolingExplorer

    e = PoolingExplorer()
    s = e.state
    assert s["shape"] == (14, 14)
    assert np.array_equal(s["out"], pool.max_pool2d_forward(s["x"][None, None], 2)[0][0, 0])
    i, j = s["cell"]
    top, left = s["window"]
    window = s["x"][top:top + 2, left:left + 2]
    assert window.max() > 0.5 and s["ties"] == 1 and (window == window.max()).sum() == 1
    assert s["winner"] == (top + int(np.argmax(window)) // 2, left + int(np.argmax(window)) % 2)
    assert "tie" not in e.status.value and f"input pixel {s['winner']}" in e.status.value
    assert abs(i - 7) <= 3 and abs(j - 7) <= 3, "near the middle of the map"


def test_ties_are_named_in_the_status():
    from cnnlib.widgets import PoolingExplorer

    e = PoolingExplorer(image="ties 4x4", i=1, j=1)
    assert e.state["ties"] == 4 and e.state["winner"] == (2, 2)
    assert "a tie: 4 pixels" in e.status.value and "(2, 2)" in e.status.value
    e.set(i=0, j=0)
    assert e.state["winner"] == (0, 1) and "a tie: 2 pixels" in e.status.value
    e.set(image="digit 28x28", i=0, j=0)  # a blank corner: four zeros tie
    assert e.state["ties"] == 4 and "first in row-major order" in e.status.value
    e.set(mode="avg")
    assert e.state["ties"] == 0 and "shared: 1/4" in e.status.value


def test_explicit_cell_and_sweep_defaults_are_kept():
    from cnnlib.widgets import PoolingExplorer

    e = PoolingExplorer(image="numbers 6x6", kernel_size=3, stride=2, i=1, j=0)
    assert e.values["i"] == 1 and e.values["j"] == 0
    defaults = e.values
    e.set(mode="avg", kernel_size=2, i=2, j=2)
    e.set(**defaults)
    assert e.values == defaults and e.state["cell"] == (1, 0)


def test_the_checks_notebook_05_used_to_run():
    """Formerly an assert cell under the explorer: now here, on an explorer of its own."""
    from cnnlib.widgets import PoolingExplorer

    e = PoolingExplorer()
    e.set(image="ties 4x4", i=0, j=0)
    assert e.state["winner"] == (0, 1)  # the tie rule: first maximum in row-major order
    e.set(mode="avg", kernel_size=3, stride=1, padding=1)
    ref = pool.avg_pool2d_forward(TIES[None, None], 3, 1, 1)[0][0, 0]
    assert np.allclose(e.state["out"], ref) and np.isclose(e.state["dx"].sum(), 4 / 9)
    assert "5 of them are padding: only 4/9 reaches the image" in e.status.value, e.status.value
    e.set(i=1, j=1)  # an inner window: all 9 places are pixels
    assert "1/9 to each pixel of the window" in e.status.value and "padding" not in e.status.value
    e.set(i=0, j=1)  # an edge window: 3 of 9 are padding
    assert "only 6/9 reaches the image" in e.status.value
    assert np.isclose(e.state["dx"].sum(), 6 / 9)
    e.set(i=0, j=0)
    e.set(padding=2)  # more than half the window: refused with a message
    assert e.state == {} and "padding" in e.error
    assert bytes(e.image.value).startswith(PNG)
    e.set(padding=1)
    assert e.error is None


def test_stroke_cell_falls_back_to_the_middle():
    from cnnlib.widgets.pooling import stroke_cell

    assert stroke_cell(np.zeros((8, 8)), 2, 2, 0) == (2, 2)
    x = np.zeros((8, 8))
    x[1, 6] = 1.0
    assert stroke_cell(x, 2, 2, 0) == (0, 3)
