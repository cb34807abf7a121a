"""Every plotting function of notebooks 01-03 returns a matplotlib Figure on small inputs."""

from __future__ import annotations

import os

os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from cnnlib.plotting import activations as pa  # noqa: E402
from cnnlib.plotting import conv as pc  # noqa: E402
from cnnlib.plotting import shapes as ps  # noqa: E402
from cnnlib.plotting.core import fig_to_png  # noqa: E402

rng = np.random.default_rng(0)


def ok(fig):
    assert isinstance(fig, Figure)
    assert fig_to_png(fig).startswith(b"\x89PNG")
    return fig


def test_activation_plots():
    x = np.linspace(-3, 3, 31)
    fig = ok(pa.plot_activation(x, np.tanh(x), 1 - np.tanh(x) ** 2, "tanh"))
    ok(pa.update_activation(fig, 2 * x, np.maximum(x, 0), (x > 0) * 1.0, "relu"))
    assert fig.axes[0].get_xlim() == (-6.0, 6.0) and fig.axes[0].get_title() == "relu(x)"
    ok(pa.plot_activation_grid({"relu": (x, np.maximum(x, 0), (x > 0) * 1.0),
                                "tanh": (x, np.tanh(x), 1 - np.tanh(x) ** 2)}))
    with pytest.raises(ValueError, match="empty"):
        pa.plot_activation_grid({})


def test_conv_plots():
    x = rng.integers(0, 5, (4, 4)).astype(float)
    w = np.ones((3, 3))
    out = rng.normal(size=(2, 2))
    ok(pc.plot_number_grids({"input": x, "kernel": w, "output": out}))
    ok(pc.plot_image_channels(rng.random((3, 8, 10))))
    with pytest.raises(ValueError, match=r"\(3, H, W\)"):
        pc.plot_image_channels(rng.random((8, 10, 3)))
    img = rng.random((12, 14)).astype(np.float32)
    fig = ok(pc.plot_kernel_result(img, w, img[1:-1, 1:-1] - 0.5,
                                   np.maximum(img[1:-1, 1:-1] - 0.5, 0)))
    ok(pc.update_kernel_result(fig, img[:10], np.eye(5), img[:6, :10] - 0.5, img[:6, :10]))
    so_far = np.full((2, 2), np.nan)
    so_far[0, 0] = 3.0
    fig = ok(pc.plot_sliding_window(np.pad(x, 1), w, x[:3, :3] * w, so_far, (0, 0), 2, 1))
    so_far[0, 1] = 5.0
    ok(pc.update_sliding_window(fig, np.pad(x, 1)[:3, 2:5] * w, so_far, (0, 1), 2))
    assert fig.axes[0].patches[-1].get_xy() == (1.5, -0.5)  # the window (after the hatching)
    ok(pc.plot_conv_matrix(np.arange(12.0).reshape(3, 4) % 3))
    with pytest.raises(ValueError, match="2-D"):
        pc.plot_conv_matrix(np.ones(3))


def test_shape_plots():
    visited = np.ones((7, 7), bool)
    visited[-1] = False
    ok(ps.plot_conv_shape(5, 3, 2, 1, 1, visited, 3, "H_out = 3"))
    ok(ps.plot_transposed_shape(3, 3, 2, 1, 1, np.ones((7, 7)), 5, "H_out = 5"))


# --------------------------------------------------------------------- layout: computed once, then frozen
def test_freeze_layout_keeps_the_positions_with_the_public_api():
    import inspect

    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from cnnlib.plotting import core

    fig = core.new_figure(4, 3)
    ax = fig.add_subplot()
    ax.plot([0, 1])
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    fig.draw_without_rendering()  # constrained layout runs once
    before = ax.get_position().bounds
    assert core.freeze_layout(fig) is fig
    assert not isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    ax.set_ylabel("a label that constrained layout would make room for", fontsize=20)
    fig.suptitle("and a big title", fontsize=30)
    fig_to_png(fig)
    assert ax.get_position().bounds == before  # frozen: the layout did not run again
    assert "._layout_engine" not in inspect.getsource(core)  # no private matplotlib state


def test_fixed_figure_has_no_layout_engine():
    from cnnlib.plotting.core import fixed_figure

    fig = fixed_figure(3, 2)
    ax = fig.add_axes([0.1, 0.2, 0.5, 0.6])
    fig_to_png(fig)
    assert fig.get_layout_engine() is None
    assert np.allclose(ax.get_position().bounds, (0.1, 0.2, 0.5, 0.6))


def test_layout_cache_lays_out_each_geometry_once(monkeypatch):
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    from cnnlib.plotting.core import LayoutCache, new_figure

    runs = []
    execute = ConstrainedLayoutEngine.execute
    monkeypatch.setattr(ConstrainedLayoutEngine, "execute",
                        lambda self, fig: runs.append(fig) or execute(self, fig))

    def figure():
        fig = new_figure(4, 2)
        for ax in fig.subplots(1, 2):
            ax.set_title("a title")
        return fig

    cache = LayoutCache()
    first = cache.apply(figure(), "key")
    assert len(runs) == 1
    second = cache.apply(figure(), "key")
    fig_to_png(first)
    fig_to_png(second)
    assert len(runs) == 1  # not for the second figure, nor when either is drawn
    assert [a.get_position().bounds for a in first.axes] == \
        [a.get_position().bounds for a in second.axes]
    cache.apply(figure(), "another key")
    assert len(runs) == 2


# --------------------------------------------------------------------- the palette
from cnnlib.plotting import core  # noqa: E402
from cnnlib.plotting import gradients as pg  # noqa: E402
from cnnlib.plotting import pooling as pp  # noqa: E402
from cnnlib.plotting import receptive as pr  # noqa: E402
from cnnlib.plotting import training as pt  # noqa: E402

DIVERGING = {"RdBu_r", "RdBu", "PuOr", "PuOr_r", "coolwarm", "bwr", "seismic", "RdYlBu",
             "RdYlBu_r", "BrBG", "PiYG", "PRGn", "Spectral"}


def images(fig):
    return [im for ax in fig.axes for im in ax.images]


def check_palette(fig):
    """The course's convention: one diverging map per figure, centred on 0; grey images start
    at 0; every colour map is one of core's."""
    allowed = {core.IMAGE_CMAP, core.SIGNED_CMAP, core.COUNT_CMAP, core.CATEGORY_CMAP,
               core.ERROR_CMAP, *(c.name for c in core.CHANNEL_CMAPS.values())}
    used = set()
    for im in images(fig):
        if im.get_array() is not None and np.ndim(im.get_array()) == 3:
            continue  # RGB(A) pictures: a photo, an overlay
        name = im.get_cmap().name
        assert name in allowed, f"colour map {name!r} is not one of the course's palette"
        used.add(name)
        lo, hi = im.get_clim()
        if name == core.SIGNED_CMAP:
            assert lo == -hi, f"the diverging map is not centred on 0: {lo, hi}"
        if name == core.IMAGE_CMAP and np.nanmin(im.get_array()) >= 0:
            assert lo == 0, f"a grey image must start at black = 0, not {lo}"
    assert len(used & DIVERGING) <= 1, f"two diverging maps in one figure: {used & DIVERGING}"
    return used


def every_figure():
    x = np.linspace(-3, 3, 31)
    img = rng.random((12, 14)).astype(np.float32)
    w = rng.normal(size=(8, 1, 3, 3))
    so_far = np.full((2, 2), np.nan)
    so_far[0, 0] = -3.0
    maps = np.maximum(rng.normal(size=(8, 6, 6)), 0)
    curves = {"float64": (np.array([1e-6, 1e-3]), np.array([1e-10, 1e-4]))}
    return {
        "activation": pa.plot_activation(x, np.tanh(x), 1 - np.tanh(x) ** 2),
        "number grids": pc.plot_number_grids({"x": rng.random((4, 4)),
                                              "w": rng.normal(size=(3, 3))}),
        "channels": pc.plot_image_channels(rng.random((3, 8, 10))),
        "kernel result": pc.plot_kernel_result(img, -np.eye(3), img[1:-1, 1:-1] - 0.5,
                                               np.maximum(img[1:-1, 1:-1] - 0.5, 0)),
        "sliding window": pc.plot_sliding_window(np.pad(rng.random((4, 4)), 1), -np.eye(3),
                                                 rng.normal(size=(3, 3)), so_far, (0, 0), 2, 1),
        "conv matrix": pc.plot_conv_matrix(np.arange(12.0).reshape(3, 4) % 3),
        "conv shape": ps.plot_conv_shape(5, 3, 2, 1, 1, np.ones((7, 7), bool), 3),
        "transposed": ps.plot_transposed_shape(3, 3, 2, 1, 1, np.ones((7, 7)), 5),
        "layer stack": pr.plot_layer_stack(rng.random((7, 7)), (0, 0, 2, 2),
                                           np.ones((7, 7)), "table"),
        "erf": pr.plot_erf(rng.random((9, 9)), 5, spread=1.0),
        "erf growth": pr.plot_erf_growth([2, 4, 8], [1.4, 2.6, 4.9], [1.2, 1.6, 2.3], 0.5,
                                         prediction=[1.15, 1.63, 2.31]),
        "stacked fields": pr.plot_stacked_fields(7, [(2, 2, 4, 4)], ["1"]),
        "pooling": pp.plot_pooling(rng.random((6, 6)), rng.random((3, 3)), np.eye(6), (0, 0),
                                   2, 2, 0),
        "maps": pp.plot_maps([rng.random((5, 5)), rng.normal(size=(5, 5)), maps]),
        "maps rdbu": pp.plot_maps([rng.normal(size=(5, 5))], cmap="RdBu_r", symmetric=True),
        "maps shared": pp.plot_maps([rng.random((5, 5)), 0.5 * rng.random((5, 5))], vmax=1.0),
        "gradcheck": pg.plot_gradcheck(rng.random((2, 3)), 1e-9, 1e-5, curves),
        "filters": pt.plot_filters(w),
        "dashboard": pt.plot_dashboard([1.0, 0.5], [2], [0.9], [0.8], w, 2, 4, 1.0),
        "digit": pt.plot_digit(rng.random((28, 28)), np.full(10, 0.1), 3, maps),
        "confusion": pt.plot_confusion(np.eye(3, dtype=int) * 5),
    }


def test_every_plot_follows_the_palette():
    for name, fig in every_figure().items():
        try:
            check_palette(fig)
        except AssertionError as exc:
            raise AssertionError(f"{name}: {exc}") from None
        assert fig_to_png(fig).startswith(b"\x89PNG")


def test_no_colour_map_is_named_outside_core():
    """Every cmap of cnnlib's figures comes from plotting/core.py (one convention)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "cnnlib"
    for path in [*root.glob("plotting/*.py"), *root.glob("widgets/*.py")]:
        if path.name == "core.py":
            continue
        found = re.findall(r"cmap\s*=\s*[\"']([\w_]+)[\"']", path.read_text())
        assert not found, f"{path.name} names colour maps {found}: use the constants of core.py"


def test_channel_maps_go_from_black_to_their_colour():
    fig = pc.plot_image_channels(rng.random((3, 8, 10)))
    for im, colour in zip(images(fig)[1:], [(1, 0, 0), (0, 0.5, 0), (0, 0, 1)], strict=True):
        assert im.get_clim() == (0, 1)
        assert np.allclose(im.get_cmap()(0.0)[:3], 0)  # 0 is black: the cat's pupils stay dark
        assert np.allclose(im.get_cmap()(1.0)[:3], colour, atol=0.01)


def test_number_grids_are_grey_or_diverging_and_their_numbers_readable():
    fig = pc.plot_number_grids({"x": np.array([[0.0, 9.0], [3.0, 1.0]]),
                                "w": np.array([[-2.0, 1.0], [0.0, 4.0]])})
    (grey,), (signed,) = fig.axes[0].images, fig.axes[1].images
    assert grey.get_cmap().name == core.IMAGE_CMAP and grey.get_clim() == (0, 9)
    assert signed.get_cmap().name == core.SIGNED_CMAP and signed.get_clim() == (-4, 4)
    colours = [t.get_color() for t in fig.axes[0].texts]
    assert colours == ["white", "black", "white", "white"]  # white on dark cells


@pytest.mark.parametrize("value,text", [(5, "5"), (-12, "-12"), (0.1111, "0.11"), (0.5, "0.5"),
                                        (0.00390625, "0.004"), (1e23, "1e23"),
                                        (-99999999999999999999999.0, "-1e23"),
                                        (3e-7, "3e-7"), (123456, "1e5"), (np.nan, "")])
def test_short_number(value, text):
    assert core.short_number(value) == text


# --------------------------------------------------------------------- feature maps and filters
def test_mosaic_keeps_zero_at_zero_and_dead_maps_black():
    maps = np.stack([np.full((3, 3), 2.0), np.zeros((3, 3)), np.arange(9.0).reshape(3, 3)])
    tiles = pt.mosaic(maps, ncols=3)
    assert np.isnan(tiles[:, 3]).all()  # the gaps
    assert np.all(tiles[:, 4:7] == 0)  # a dead map is 0 (black), not mid-grey 0.5
    assert np.all(tiles[:, :3] == 1) and tiles[0, 8] == 0 and tiles[2, 10] == 1
    signed = pt.mosaic(np.stack([np.array([[-2.0, 1.0]]), np.array([[4.0, -1.0]])]), ncols=2)
    assert signed[0, 0] == -1 and signed[0, 3] == 1 and signed[0, 4] == -0.25
    raw = pt.mosaic(np.stack([np.array([[-2.0, 1.0]]), np.array([[4.0, -1.0]])]), ncols=2,
                    shared=True)
    assert raw[0, 0] == -2 and raw[0, 3] == 4  # shared: the values as they are
    assert pt.dead_maps(maps).tolist() == [False, True, False]


def test_dead_feature_maps_are_labelled():
    maps = np.maximum(rng.normal(size=(8, 6, 6)), 0)
    maps[[1, 5]] = 0
    fig = pt.plot_digit(rng.random((28, 28)), np.full(10, 0.1), 3, maps)
    ax = fig.axes[2]
    assert [t.get_text() for t in ax.texts] == ["dead", "dead"]
    assert ax.images[0].get_cmap().name == core.IMAGE_CMAP  # after ReLU: an image
    fig = pp.plot_maps([maps])  # a stack in plot_maps: the same mosaic
    assert sum(t.get_text() == "dead" for t in fig.axes[0].texts) == 2


def test_filters_keep_their_sign_on_one_shared_scale():
    w = np.zeros((4, 1, 3, 3))
    w[0, 0, 0, 0], w[1, 0, 1, 1], w[2, 0] = -3.0, 1.0, 0.5
    w[3, 0, 2, 2] = 2.0
    fig = pt.plot_filters(w)
    im = fig.axes[0].images[0]
    assert im.get_cmap().name == core.SIGNED_CMAP and im.get_clim() == (-3, 3)
    assert im.colorbar is not None
    assert np.nanmin(im.get_array()) == -3  # the raw weights: the size of each one shows
    dash = pt.plot_dashboard([1.0], [1], [0.5], [0.4], w, 1, 2, 1.0)
    filt = [a for a in dash.axes if a.images][0].images[0]
    assert filt.get_cmap().name == core.SIGNED_CMAP and filt.get_clim() == (-3, 3)
    assert "validation" in [t.get_text() for t in dash.axes[2].get_legend().get_texts()]
