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
    assert fig.axes[0].patches[0].get_xy() == (1.5, -0.5)
    ok(pc.plot_conv_matrix(np.arange(12.0).reshape(3, 4) % 3))
    with pytest.raises(ValueError, match="2-D"):
        pc.plot_conv_matrix(np.ones(3))


def test_shape_plots():
    visited = np.ones((7, 7), bool)
    visited[-1] = False
    ok(ps.plot_conv_shape(5, 3, 2, 1, 1, visited, 3, "H_out = 3"))
    ok(ps.plot_transposed_shape(3, 3, 2, 1, 1, np.ones((7, 7)), 5, "H_out = 5"))
