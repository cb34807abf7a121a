"""Exercises of notebooks/05_pooling.ipynb: route a pooling gradient by hand, write max
pooling's backward pass, find the shifts that max pooling absorbs."""

from __future__ import annotations

import numpy as np

from ..pool import (
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from ..shapes import pool_output_size
from .by_hand import hide_answer
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_absorbed_shifts", "check_max_pool2d_grad", "check_routed_gradient"]


def _ref(x, kernel_size, stride=None):
    return max_pool2d_forward(x[None, None], kernel_size, stride)[0][0, 0]


def _windows(x, K, S):
    """Yield (i, j, window) over the floor-sized output grid."""
    H_out, W_out = (x.shape[0] - K) // S + 1, (x.shape[1] - K) // S + 1
    for i in range(H_out):
        for j in range(W_out):
            yield i, j, x[i * S:i * S + K, j * S:j * S + K]


# ------------------------------------------------------------- 1. route by hand
# (x, kernel_size, stride, mode, dout): four rows, pooled along the row
ROUTES = {
    "A": ([3, 3, 2, 5], 2, 2, "max", [10, 20]),
    "B": ([1, 4, 2, 0, 3, 3, 1], 3, 2, "max", [1, 10, 100]),
    "C": ([2, 5, 1, 5, 0], 3, 1, "max", [1, 10, 100]),
    "D": ([4, 0, 8], 2, 1, "avg", [2, 6]),
}


def _route(case, tie="first", accumulate=True, max_as="max", avg_as="avg"):
    """dx of row ``case`` (a tuple of floats), with one of the typical mistakes switched on."""
    x, K, S, mode, dout = ROUTES[case]
    dx = [0.0] * len(x)
    rule = max_as if mode == "max" else avg_as
    for i, d in enumerate(dout):
        window = x[i * S:i * S + K]
        if rule == "max":
            best = max(window)
            hits = [a for a, v in enumerate(window) if v == best]
            winners = {"first": hits[:1], "last": hits[-1:], "split": hits, "all": hits}[tie]
            share = d / len(hits) if tie == "split" else d
            for a in winners:
                if accumulate:
                    dx[i * S + a] += share
                else:
                    dx[i * S + a] = share
        else:
            share = {"avg": d / K, "avg_k2": d / K ** 2}.get(rule, d)
            for a in range(K):
                dx[i * S + a] += share
    return tuple(float(v) for v in dx)


def _ref_route(case):
    x, K, S, mode, dout = ROUTES[case]
    arr = np.array(x, float)[None, None, None, :]
    forward = max_pool2d_forward if mode == "max" else avg_pool2d_forward
    backward = max_pool2d_backward if mode == "max" else avg_pool2d_backward
    _, cache = forward(arr, (1, K), (1, S))
    dx = backward(np.array(dout, float)[None, None, None, :], cache)
    return tuple(float(v) for v in dx[0, 0, 0])


def check_routed_gradient(fn, verbose=True):
    """Check ``fn(case)`` -> dx (a tuple or list of numbers) of row "A"-"D", routed by hand.

    Prints the result; returns a CheckResult. Introduced in notebooks/05_pooling.ipynb.
    """
    cases = []
    for name, (x, K, S, mode, dout) in ROUTES.items():
        label = f"row {name}: x = {x}, {mode} pool K={K} S={S}, dout = {dout}"
        cases.append(Case(label, {"case": name}, _ref_route(name)))
    wrongs = [
        Wrong("last_tie", "on a tie the gradient goes to the FIRST maximum of the window "
              "(what np.argmax returns), not the last.",
              lambda case: _route(case, tie="last")),
        Wrong("assign", "one input can win several overlapping windows: it collects the SUM "
              "of their dout values (+=), not only the last one.",
              lambda case: _route(case, accumulate=False)),
        Wrong("spread", "that is average pooling's routing: in max pooling only the winner of "
              "each window gets its dout; the other pixels get 0.",
              lambda case: _route(case, max_as="avg")),
        Wrong("spread_all", "every pixel of the window got the whole dout: in max pooling "
              "only the winner gets it.", lambda case: _route(case, max_as="all")),
        Wrong("avg_as_max", "row D is AVERAGE pooling: every pixel of a window gets "
              "dout / K, winner or not.", lambda case: _route(case, avg_as="max")),
        Wrong("avg_whole", "the mean divides by K, so each of the K pixels of the window gets "
              "dout / K, not the whole dout.", lambda case: _route(case, avg_as="all")),
        Wrong("split_tie", "one window, one winner: on a tie the WHOLE dout goes to the first "
              "maximum (the one np.argmax picks, as cnnlib and PyTorch do), not a share to "
              "each tied pixel.", lambda case: _route(case, tie="split")),
        Wrong("all_ties", "every tied maximum got the whole dout, so a window with two tied "
              "maxima hands back twice its gradient: a backward pass only routes the gradient, "
              "it never creates any. One window, one winner: the first maximum.",
              lambda case: _route(case, tie="all")),
        Wrong("avg_k2", "these windows are 1-D: the mean of K pixels divides by K, so each "
              "gets dout / K (here dout / 2). Dividing by K^2 is for a K x K window.",
              lambda case: _route(case, avg_as="avg_k2")),
    ]
    result = run_check("routed_gradient", fn, cases, wrongs,
                       "for each output i: find its window x[i*S : i*S + K]; max pooling: add "
                       "dout[i] to the first maximum of the window; average pooling: add "
                       "dout[i] / K to each of its pixels. Windows that overlap add up.",
                       verbose=False)
    return hide_answer(result, fn, cases, _explain_route, verbose)


def _explain_route(case, wrong):
    x = ROUTES[case.inputs["case"]][0]
    items = [f"{k} (x = {x[k]})" for k in wrong]
    where = (f"input {items[0]}" if len(items) == 1 else
             f"inputs {', '.join(items[:-1])} and {items[-1]}")
    right = len(x) - len(wrong)
    return (f"dx is wrong at {where}" + (f"; right at the other {right} input"
                                          f"{'s' if right > 1 else ''}" if right else ""))


# ------------------------------------------------------------- backward
def _ref_backward(dout, x, kernel_size, stride=None):
    _, cache = max_pool2d_forward(x[None, None], kernel_size, stride)
    return max_pool2d_backward(dout[None, None], cache)[0, 0]


def _wrong_assign(dout, x, kernel_size, stride=None):
    S = kernel_size if stride is None else stride
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, kernel_size, S):
        a, b = np.unravel_index(np.argmax(win), win.shape)
        dx[i * S + a, j * S + b] = dout[i, j]
    return dx


def _wrong_spread(dout, x, kernel_size, stride=None, scale=None):
    S = kernel_size if stride is None else stride
    dx = np.zeros_like(x)
    share = 1.0 / kernel_size ** 2 if scale is None else scale
    for i, j, _ in _windows(x, kernel_size, S):
        dx[i * S:i * S + kernel_size, j * S:j * S + kernel_size] += dout[i, j] * share
    return dx


def _wrong_swapped_index(dout, x, kernel_size, stride=None):
    S = kernel_size if stride is None else stride
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, kernel_size, S):
        k = int(np.argmax(win))
        a, b = k % kernel_size, k // kernel_size
        dx[i * S + a, j * S + b] += dout[i, j]
    return dx


def _wrong_ties(dout, x, kernel_size, stride=None, rule="last"):
    """Ties broken the wrong way: the last maximum wins, or every tied maximum gets dout."""
    S = kernel_size if stride is None else stride
    dx = np.zeros_like(x)
    for i, j, win in _windows(x, kernel_size, S):
        hits = np.argwhere(win == win.max())
        for a, b in (hits[-1:] if rule == "last" else hits):
            dx[i * S + a, j * S + b] += dout[i, j]
    return dx


# a grid with ties (several 3s, four 2s) pooled with overlapping 2x2 windows
TIES = np.array([[1., 3., 3., 0.], [3., 2., 1., 1.], [0., 0., 2., 2.], [0., 1., 2., 2.]])


def check_max_pool2d_grad(fn, verbose=True):
    """Check ``fn(dout, x, kernel_size, stride=None)`` -> dx of max pooling (2-D arrays).

    Prints the result; returns a CheckResult. Introduced in notebooks/05_pooling.ipynb.
    """
    rng = np.random.default_rng(7)
    shared = rng.normal(size=(4, 4))
    shared[2, 2] = 5.0  # the max of all four 3x3 windows
    data = [
        ("4x4, 2x2 windows that do not overlap", rng.normal(size=(4, 4)), 2, None),
        ("overlapping 3x3 windows (stride 1) sharing one maximum", shared, 3, 1),
        ("5x5, 2x2 stride 2: last row and column get no gradient", rng.normal(size=(5, 5)), 2, 2),
        ("5x5, 3x3 stride 2: windows overlap on row and column 2", rng.normal(size=(5, 5)), 3, 2),
        ("ties (several 3s, four 2s) and overlapping 2x2 windows, stride 1", TIES, 2, 1),
        ("non-square 3x6, 2x2 stride 1", rng.normal(size=(3, 6)), 2, 1),
        ("float32 stays float32", rng.normal(size=(4, 4)).astype(np.float32), 2, 2),
    ]
    cases = []
    for label, x, k, s in data:
        dout = rng.normal(size=_ref(x, k, s).shape).astype(x.dtype)
        cases.append(Case(label, {"dout": dout, "x": x, "kernel_size": k, "stride": s},
                          _ref_backward(dout, x, k, s)))
    wrongs = [
        Wrong("assign", "overlapping windows can pick the same input: ACCUMULATE with "
              "dx[r, c] += dout[i, j]; plain = keeps only the last window's gradient.",
              _wrong_assign),
        Wrong("spread", "that is average pooling's backward: in max pooling only the input "
              "that won the window gets dout[i, j]; the others get 0.", _wrong_spread),
        Wrong("spread_all", "every input of the window got the whole dout[i, j]: only the "
              "maximum (np.argmax of the window) should receive it.",
              lambda dout, x, kernel_size, stride=None: _wrong_spread(dout, x, kernel_size,
                                                                      stride, 1.0)),
        Wrong("swapped_index", "the winner's position is mixed up: np.argmax flattens the "
              "window row by row, so use a, b = np.unravel_index(k, window.shape) (row, "
              "column).", _wrong_swapped_index),
        Wrong("last_tie", "on a tie the gradient goes to the FIRST maximum in row-major order "
              "(what np.argmax returns), not the last one.", _wrong_ties),
        Wrong("all_ties", "every tied maximum got the whole dout[i, j], so a window hands "
              "back several times its gradient: one window, one winner, the first maximum "
              "(np.argmax), even when several pixels tie.",
              lambda dout, x, kernel_size, stride=None: _wrong_ties(dout, x, kernel_size,
                                                                    stride, "all")),
    ]
    return run_check("max_pool2d_grad", fn, cases, wrongs,
                     "dx starts at zeros; for each window, find its argmax (row a, column b) "
                     "and do dx[i*S + a, j*S + b] += dout[i, j].", verbose)


# ------------------------------------------------------------- 3. find: absorbed shifts
def _pooled_dot(width, c, K, S):
    row = np.zeros((1, 1, 1, width))
    row[..., c] = 1.0
    return max_pool2d_forward(row, (1, K), (1, S))[0]


def _ref_absorbed(width, kernel_size, stride):
    same = [np.array_equal(_pooled_dot(width, c, kernel_size, stride),
                           _pooled_dot(width, c + 1, kernel_size, stride))
            for c in range(width - 1)]
    return np.flatnonzero(same)


def _wrong_absorbed_phase(width, kernel_size, stride):  # off by one in the phase
    return np.flatnonzero(np.arange(width - 1) % kernel_size != 0)


def _wrong_absorbed_never(width, kernel_size, stride):
    return np.flatnonzero(np.zeros(width - 1, dtype=bool))


def _wrong_absorbed_tiles(width, kernel_size, stride):  # windows taken as tiles of the stride
    c = np.arange(width - 1)
    return np.flatnonzero(c // stride == (c + 1) // stride)


def _wrong_absorbed_first_only(width, kernel_size, stride):  # only a window's first pixel
    return np.flatnonzero(np.arange(width - 1) % kernel_size == 0)


def check_absorbed_shifts(fn, verbose=True):
    """Check ``fn(width, kernel_size, stride)`` -> int array of the columns c (increasing) where
    max pooling a row with one bright pixel at c or at c + 1 gives the same output.

    Prints the result; returns a CheckResult. Introduced in notebooks/05_pooling.ipynb.
    """
    data = [
        ("8 pixels, 2x2 windows, stride 2", 8, 2, 2),
        ("8 pixels, 4x4 windows, stride 4", 8, 4, 4),
        ("7 pixels, windows of 3, stride 3: the last pixel is never read", 7, 3, 3),
        ("7 pixels, windows of 3, stride 2: overlapping windows", 7, 3, 2),
        ("6 pixels, windows of 1: nothing is pooled", 6, 1, 1),
        ("10 pixels, windows of 4, stride 2: overlapping windows", 10, 4, 2),
    ]
    cases = [Case(label, {"width": w, "kernel_size": k, "stride": s}, _ref_absorbed(w, k, s))
             for label, w, k, s in data]
    wrongs = [
        Wrong("phase", "off by one: the dot stays in its window when c and c + 1 are in the "
              "same window, i.e. when c is NOT the last pixel of a window (c % K != K - 1 "
              "for stride K).", _wrong_absorbed_phase),
        Wrong("never", "some shifts ARE absorbed: when the dot moves inside its window, the "
              "window's maximum is the same 1 and the pooled row does not change.",
              _wrong_absorbed_never),
        Wrong("tiles", "with overlapping windows (stride < K) a pixel lies in several "
              "windows: the output is unchanged only if the dot at c and at c + 1 lie in "
              "exactly the same windows. Simplest: pool both rows and compare.",
              _wrong_absorbed_tiles),
        Wrong("first_only", "not only a window's first pixel: the dot can move from ANY pixel "
              "of its window but the last to the next one and stay inside it.",
              _wrong_absorbed_first_only),
    ]
    return run_check("absorbed_shifts", fn, cases, wrongs,
                     "for each c in range(width - 1): build a row of zeros with a 1 at c, "
                     "another with a 1 at c + 1, max-pool both (windows that do not fit are "
                     "dropped) and keep c if the two outputs are equal; return the kept columns "
                     "as np.array(columns, dtype=int).", verbose)


_ROUTE_ROWS = "\n".join(
    f"| {name} | `{x}` | {mode} | {K} | {S} | `{dout}` |"
    for name, (x, K, S, mode, dout) in ROUTES.items())

EXERCISES = [
    Exercise(
        "routed_gradient", "Route the gradient by hand",
        "Pooling along a row works like pooling an image, on one axis. For each row below, "
        "work out BY HAND (pen and paper, no code) the gradient `dx` that the backward pass "
        "sends to each input, given the gradient `dout` of each output. Mind the ties "
        "(the first maximum wins) and the windows that overlap.\n\n"
        "| row | x | pooling | K | S | dout |\n|---|---|---|---|---|---|\n"
        f"{_ROUTE_ROWS}\n\n"
        "Write `routed_gradient(case)` that returns your `dx` for `case` = `\"A\"`, "
        "`\"B\"`, `\"C\"` or `\"D\"`, as a tuple (or a list) with one number per input (a "
        "dictionary of your four answers is enough). The check does not show the right "
        "answer: it names the inputs where your `dx` is wrong, with a hint.",
        'def routed_gradient(case):\n'
        '    """dx of row "A", "B", "C" or "D" (one number per input), routed by hand."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def routed_gradient(case):\n'
        '    """dx of row "A", "B", "C" or "D" (one number per input), routed by hand."""\n'
        '    answers = {\n'
        '        # windows [3, 3] (a tie: the first 3 wins) and [2, 5]\n'
        '        "A": (10, 0, 0, 20),\n'
        '        # windows [1, 4, 2], [2, 0, 3], [3, 3, 1]: the 3 at index 4 wins the second\n'
        '        # window, and the third (a tie with index 5, the first wins): 10 + 100\n'
        '        "B": (0, 1, 0, 0, 110, 0, 0),\n'
        '        # windows [2, 5, 1], [5, 1, 5] (a tie: the 5 at index 1), [1, 5, 0]\n'
        '        "C": (0, 11, 0, 100, 0),\n'
        '        # average: each window gives dout / 2 to both of its pixels; the 0 is in both\n'
        '        "D": (1, 4, 3),\n'
        '    }\n'
        '    return answers[case]\n'),
    Exercise(
        "max_pool2d_grad", "Max pooling, backward (with overlapping windows)",
        "Write `max_pool2d_grad(dout, x, kernel_size, stride=None)` for a 2-D array `x` "
        "`(H, W)`: `dout` has the shape of the pooled output, and the result `dx` has the "
        "shape of `x`. `stride=None` means `stride = kernel_size`; windows that do not fit "
        "are dropped. Each `dout[i, j]` goes to the input that won window `(i, j)` (the first "
        "maximum, as `np.argmax` gives it, even when several pixels tie); everything else gets "
        "0. When windows overlap, one input can win several windows. (Section 4 wrote the 1-D "
        "version.)",
        'def max_pool2d_grad(dout, x, kernel_size, stride=None):\n'
        '    """dout (H_out, W_out), x (H, W) -> dx (H, W)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def max_pool2d_grad(dout, x, kernel_size, stride=None):\n'
        '    """dout (H_out, W_out), x (H, W) -> dx (H, W)."""\n'
        '    K = kernel_size\n'
        '    S = K if stride is None else stride\n'
        '    dx = np.zeros_like(x)\n'
        '    for i in range(dout.shape[0]):\n'
        '        for j in range(dout.shape[1]):\n'
        '            window = x[i * S:i * S + K, j * S:j * S + K]\n'
        '            a, b = np.unravel_index(np.argmax(window), window.shape)\n'
        '            dx[i * S + a, j * S + b] += dout[i, j]   # += : windows may share a winner\n'
        '    return dx\n'),
    Exercise(
        "absorbed_shifts", "Which shifts does max pooling absorb?",
        "A row of `width` pixels is 0 everywhere except one pixel of value 1 at column `c`. "
        "It is max-pooled with windows of `kernel_size` and stride `stride` (windows that do "
        "not fit are dropped). Now move the bright pixel one step right, to `c + 1`. For "
        "which `c` is the pooled row unchanged (the shift is **absorbed**)? Write "
        "`absorbed_shifts(width, kernel_size, stride)` that returns those columns `c` "
        "(from 0 to `width - 2`, in increasing order) as a numpy array of ints: for 8 pixels "
        "and windows of 8, `np.array([0, 1, 2, 3, 4, 5, 6])`. Predict first: with 2x2 "
        "windows and stride 2, which half of the shifts are absorbed? And are there more or "
        "fewer with overlapping windows?",
        'def absorbed_shifts(width, kernel_size, stride):\n'
        '    """The columns c (ints, increasing) where moving the bright pixel from c to c + 1\n'
        '    leaves the max-pooled row unchanged."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def absorbed_shifts(width, kernel_size, stride):\n'
        '    """The columns c (ints, increasing) where moving the bright pixel from c to c + 1\n'
        '    leaves the max-pooled row unchanged."""\n'
        '    n_out = (width - kernel_size) // stride + 1\n'
        '\n'
        '    def pooled(c):                      # the row with its bright pixel at c, pooled\n'
        '        row = np.zeros(width)\n'
        '        row[c] = 1.0\n'
        '        return [row[i * stride:i * stride + kernel_size].max() for i in range(n_out)]\n'
        '\n'
        '    # absorbed when c and c + 1 lie in exactly the same windows\n'
        '    return np.array([c for c in range(width - 1) if pooled(c) == pooled(c + 1)],\n'
        '                    dtype=int)\n'),
]

PREDICTIONS = [
    Prediction(
        "PoolingExplorer",
        "**Predict, then move the sliders.** The digit is 28x28: what size does a 2x2 max "
        "pool with stride 2 give, and what does the 32x32 photo give? (The seed's "
        "32x32x12 volume is 12 such maps pooled one by one, so it becomes 16x16x12; that "
        "was computed in section 1.) On the `numbers 6x6` grid with a 3x3 window and stride "
        "2, how many outputs are there per side, and which rows and columns are never read? "
        "On the `ties 4x4` grid with 2x2 windows, output cell (1, 1) is the maximum of four "
        "2s: which input gets its gradient?",
        f"28x28 -> {pool_output_size(28, 2)}x{pool_output_size(28, 2)}, 32x32 -> "
        f"{pool_output_size(32, 2)}x{pool_output_size(32, 2)}: height and width halve, and "
        "pooling works on each channel separately, so 32x32x12 -> 16x16x12. On the 6x6 grid, "
        f"(6 - 3) // 2 + 1 = {pool_output_size(6, 3, stride=2)} per side: the windows cover "
        "rows 0-2 and 2-4 (row 2 is shared by two windows), and the last row and column "
        "fit no window, so they are never read. On the ties grid, the first 2 in row-major "
        "order, input (2, 2), gets the whole gradient; the status line says so."),
]
