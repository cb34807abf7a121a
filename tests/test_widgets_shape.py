"""The ShapeExplorer of notebook 03 driven from Python: what the notebook's text says it shows,
the never-read pixels (the floor and the gaps of a stride larger than the kernel), the next
window and the transposed view's stamps. (The generic sweep of every control is in
tests/test_widgets.py.)"""

import numpy as np
import pytest
from explorer_helpers import PNG

from cnnlib import conv, shapes
from cnnlib.widgets import ShapeExplorer


def never_by_counting(H, K, S, P):
    """The pixels no window reads, counted with the loop notebook 03 shows."""
    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=int)
    n = (H + 2 * P - K) // S + 1
    for i in range(n):
        for j in range(n):
            counts[i * S:i * S + K, j * S:j * S + K] += 1
    return counts[P:P + H, P:P + H] == 0


def test_opens_on_the_seeds_example_as_the_notebook_says():
    e = ShapeExplorer()
    assert e.values == {"size": 5, "kernel_size": 3, "padding": 1, "stride": 2, "dilation": 1,
                        "transposed": False}
    assert e.state["H_out"] == 3 and e.state["n_never_visited"] == 0
    assert e.describe(e.state) == "5x5 -> 3x3"
    assert bytes(e.image.value).startswith(PNG)


def test_the_cell_that_left_the_notebook():
    """What notebook 03's check cell asserted after the explorer (moved here)."""
    e = ShapeExplorer()
    e.set(size=6, padding=0)                       # the floor bites
    assert e.state["H_out"] == 2 and e.state["n_never_visited"] == 11
    assert np.array_equal(e.state["never_visited"], never_by_counting(6, 3, 2, 0))
    assert "the floor drops the last 1 row(s)/column(s)" in e.state["formula"]
    e.set(kernel_size=7)                           # does not fit: a message, not a traceback
    assert e.state == {} and "does not fit" in e.error
    assert bytes(e.image.value).startswith(PNG)
    e.set(size=3, kernel_size=3, padding=1, transposed=True)
    assert e.state["H_out"] == 5


@pytest.mark.parametrize(("H", "K", "P", "S"), [(12, 3, 1, 4), (12, 3, 1, 3), (9, 2, 1, 3),
                                                (8, 1, 0, 2), (7, 3, 0, 2), (12, 5, 2, 4)])
def test_never_visited_is_the_counting_loop(H, K, P, S):
    e = ShapeExplorer(size=H, kernel_size=K, padding=P, stride=S)
    np.testing.assert_array_equal(e.state["never_visited"], never_by_counting(H, K, S, P))
    assert e.state["n_never_visited"] == never_by_counting(H, K, S, P).sum()


def test_gaps_of_a_stride_larger_than_the_kernel_are_named():
    e = ShapeExplorer(size=12, kernel_size=3, padding=1, stride=4)
    assert e.state["n_never_visited"] == 80  # the predict question's answer
    assert "S = 4 > span 3: 1 row(s)/column(s) between two windows are never read" in \
        e.state["formula"]
    assert "80 input pixels are never read" in e.describe(e.state)
    e.set(stride=3)  # S = K: no gap, only the floor
    assert e.state["n_never_visited"] == 23 and "between two windows" not in e.state["formula"]
    e.set(kernel_size=2, dilation=2)  # span 3 with D = 2: S = 3 = span, no gap line
    assert "between two windows" not in e.state["formula"]


def test_the_next_window_is_one_stride_further():
    e = ShapeExplorer()
    assert e.state["windows"] == [(0, 0), (0, 2)]
    e.set(stride=3, size=8, padding=0)
    assert e.state["windows"] == [(0, 0), (0, 3)]
    e.set(size=3, kernel_size=3, padding=0)  # a single window: nothing to show after it
    assert e.state["H_out"] == 1 and e.state["windows"] == [(0, 0)]


def test_transposed_stamps_are_stride_apart_and_add_up():
    e = ShapeExplorer(size=3, kernel_size=3, padding=1, stride=2, transposed=True)
    assert e.state["stamps"] == [(0, 0), (0, 2)]
    assert "each input pixel stamps the 3x3 kernel, 2 cell(s) after its neighbour" in \
        e.describe(e.state)
    counts = e.state["counts"]
    assert counts.shape == (7, 7) and counts.sum() == 3 * 3 * 3 * 3
    assert counts[2, 2] == 4, "the stamps of 4 neighbouring pixels overlap on (2, 2)"
    loop = np.zeros((7, 7))
    for i in range(3):
        for j in range(3):
            loop[2 * i:2 * i + 3, 2 * j:2 * j + 3] += 1
    np.testing.assert_array_equal(counts, loop)
    e.set(size=1)
    assert e.state["stamps"] == [(0, 0)]


def test_transposed_size_and_counts_match_cnnlib():
    e = ShapeExplorer()
    for H, K, P, S, D in [(2, 3, 0, 1, 1), (3, 3, 1, 2, 1), (4, 4, 2, 1, 1), (2, 3, 0, 2, 2),
                          (5, 2, 0, 3, 1)]:
        st = e.compute(H, K, P, S, D, True)
        assert st["H_out"] == shapes.conv_transpose_output_size(H, K, S, P, D)
        full = conv.conv_transpose2d_forward(np.ones((1, 1, H, H)), np.ones((1, 1, K, K)),
                                             stride=S, dilation=D)[0][0, 0]
        np.testing.assert_array_equal(st["counts"], full)


def test_a_large_input_gets_a_larger_picture():
    from cnnlib.plotting.shapes import plot_conv_shape

    small = plot_conv_shape(5, 3, 2, 1, 1, np.ones((7, 7), bool), 3)
    large = plot_conv_shape(34, 3, 4, 1, 1, np.ones((36, 36), bool), 9)
    assert tuple(large.get_size_inches()) > tuple(small.get_size_inches())


# ----------------------------------------------------------------- the notebook's other figures
def test_use_count_figure_marks_unread_pixels_red_and_keeps_the_palette():
    from test_plotting import check_palette

    from cnnlib.plotting import core
    from cnnlib.plotting.shapes import MISSED, plot_use_counts

    counts = np.array([[1, 0, 1], [1, 0, 2], [0, 0, 0]])
    fig = plot_use_counts({"a": counts, "b": np.ones((40, 40), int)})
    assert check_palette(fig) == {core.COUNT_CMAP}
    first = fig.axes[0]
    overlay = first.images[1].get_array()  # the red layer: opaque exactly where the count is 0
    np.testing.assert_array_equal(overlay[..., 3] == 1.0, counts == 0)
    assert tuple(overlay[0, 1, :3]) == MISSED
    assert [t.get_text() for t in first.texts][:3] == ["1", "0", "1"]
    assert not fig.axes[1].texts, "no numbers on a 40x40 map"
    assert "5 of 9 pixels never read" in first.get_title()
    with pytest.raises(ValueError, match="panels is empty"):
        plot_use_counts({})


def test_stamps_figure_adds_up_to_the_transposed_convolution():
    from test_plotting import check_palette

    from cnnlib.plotting import core
    from cnnlib.plotting.shapes import plot_stamps

    y = np.array([[1.0, -0.5], [0.5, 2.0]])
    k = np.arange(9.0).reshape(3, 3) - 4
    fig = plot_stamps(y, k, stride=2, padding=1)
    assert check_palette(fig) == {core.SIGNED_CMAP}
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 5, "one panel per input pixel, then the sum"
    total = panels[-1].images[0].get_array()
    full = conv.conv_transpose2d_forward(y[None, None], k[None, None], stride=2)[0][0, 0]
    np.testing.assert_allclose(total, full)
    cropped = conv.conv_transpose2d_forward(y[None, None], k[None, None], stride=2,
                                            padding=1)[0][0, 0]
    np.testing.assert_allclose(total[1:-1, 1:-1], cropped)
    second = np.ma.filled(panels[1].images[0].get_array(), np.nan)  # y[0, 1]'s stamp only
    np.testing.assert_allclose(second[0:3, 2:5], -0.5 * k)
    assert np.isnan(second[3:, :]).all() and np.isnan(second[:, :2]).all()
    limits = {im.get_clim() for ax in panels for im in ax.images}
    assert len(limits) == 1, "one shared colour scale for the stamps and their sum"
