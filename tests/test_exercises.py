"""The exercise checkers (cnnlib/exercises) and the exercises in notebooks 01-07.

- every solution, from cnnlib.exercises.EXERCISES and from the notebooks' <details> blocks,
  passes its checker; every untouched stub gives "not attempted" without raising;
- typical wrong answers, written here as a learner would (loops, not the checker's own
  variants), are rejected with the hint of their mistake;
- the facts in the "predict, then move the slider" answers are recomputed with cnnlib.
"""

import json
import math
import os
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import cnnlib.exercises as ex
from cnnlib.exercises.core import Case, Wrong, run_check

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
ALL = [(nb, e) for nb, items in ex.EXERCISES.items() for e in items]
IDS = [e.name for _, e in ALL]
# notebook 08's checkers need PyTorch: skipped without it, unless CNN_REQUIRE_TORCH=1 (CI)
TORCH_NOTEBOOKS = {"08_from_cnnlib_to_pytorch"}
try:
    import torch  # noqa: F401
    NO_TORCH = False
except ImportError:
    NO_TORCH = os.environ.get("CNN_REQUIRE_TORCH") != "1"
NEEDS_TORCH = pytest.mark.skipif(NO_TORCH, reason="torch not installed: `make torch` adds the "
                                                  "CPU build")


def _marks(nb):
    return [NEEDS_TORCH] if nb in TORCH_NOTEBOOKS else []


PARAMS = [pytest.param(nb, e, id=e.name, marks=_marks(nb)) for nb, e in ALL]
NOTEBOOK_PARAMS = [pytest.param(nb, marks=_marks(nb)) for nb in ex.EXERCISES]
RUNNABLE_IDS = [e.name for nb, e in ALL if not (NO_TORCH and nb in TORCH_NOTEBOOKS)]
SOLUTION = re.compile(r"<details>\s*<summary>\s*Solution\s*</summary>\s*```python\n(.*?)```",
                      re.S)


def define(code, name):
    """Exec code (a def) with numpy available and return the function called name."""
    namespace = {"np": np}
    exec(code, namespace)  # noqa: S102  (our own exercise texts)
    return namespace[name]


def check(name, fn):
    return getattr(ex, f"check_{name}")(fn, verbose=False)


# ----------------------------------------------------------------- the package's texts
@pytest.mark.parametrize(("nb", "exercise"), PARAMS)
def test_solution_passes(nb, exercise, capsys):
    result = getattr(ex, exercise.check)(define(exercise.solution, exercise.name))
    out = capsys.readouterr().out
    assert result.passed and result.status == "pass", result.message
    assert out.startswith(f"✅ {exercise.name}: all {result.n_cases} cases pass")
    assert result.n_cases >= 4, "several cases, edge cases included"


@pytest.mark.parametrize(("nb", "exercise"), PARAMS)
def test_stub_is_not_attempted(nb, exercise, capsys):
    assert "raise NotImplementedError  # your code here" in exercise.stub
    assert f"def {exercise.name}(" in exercise.stub
    assert f"def {exercise.name}(" in exercise.solution
    result = getattr(ex, exercise.check)(define(exercise.stub, exercise.name))
    assert result.status == "not attempted" and not result
    assert "not attempted yet" in capsys.readouterr().out


def test_two_to_four_exercises_per_notebook():
    assert list(ex.EXERCISES) == [
        "01_neural_network_recap", "02_convolution", "03_padding_and_stride",
        "04_receptive_field", "05_pooling", "06_backpropagation_through_conv", "07_full_cnn",
        "08_from_cnnlib_to_pytorch"]
    for nb, items in ex.EXERCISES.items():
        assert 2 <= len(items) <= 4, nb
    checks = {name for name in ex.__all__ if name.startswith("check_")}
    assert checks == {e.check for _, e in ALL}, "every checker is re-exported and used"


# ----------------------------------------------------------------- the notebooks
def notebook_exercises(name):
    """(solutions {function name: code}, check calls, cells after '## Exercises') or None."""
    path = NOTEBOOKS / f"{name}.ipynb"
    if not path.exists():
        return None
    cells = json.loads(path.read_text())["cells"]
    text = ["".join(c["source"]) for c in cells]
    heads = [i for i, c in enumerate(cells) if c["cell_type"] == "markdown"
             and text[i].lstrip().startswith("## Exercises")]
    if not heads:
        return None
    after = list(zip(cells[heads[-1] + 1:], text[heads[-1] + 1:], strict=True))
    solutions = {}
    for _, src in after:
        for code in SOLUTION.findall(src):
            fn_name = re.search(r"^def (\w+)\(", code, re.M).group(1)
            solutions[fn_name] = code
    calls = [m.group(1) for c, src in after if c["cell_type"] == "code"
             for m in re.finditer(r"^(check_\w+)\(", src, re.M)]
    return solutions, calls, after, cells, text


@pytest.mark.parametrize("name", NOTEBOOK_PARAMS)
def test_notebook_solutions_pass(name):
    found = notebook_exercises(name)
    if found is None:
        pytest.skip(f"{name}.ipynb missing or without an '## Exercises' heading")
    solutions, calls, after, _, _ = found
    if not any(c["cell_type"] == "code" or "<details>" in src for c, src in after):
        pytest.skip(f"{name}.ipynb has no exercises yet (run /work/helpers/add_exercises.py)")
    assert 2 <= len(solutions) <= 4, f"{name}: {len(solutions)} exercises, expected 2-4"
    assert sorted(calls) == sorted(f"check_{n}" for n in solutions), \
        "one check cell per solution"
    for fn_name, code in solutions.items():
        result = check(fn_name, define(code, fn_name))
        assert result.passed, f"{name}: solution of {fn_name} fails:\n{result.message}"
    stubs = [src for c, src in after if c["cell_type"] == "code" and src.startswith("def ")]
    assert len(stubs) == len(solutions)
    for src in stubs:
        fn_name = re.match(r"def (\w+)\(", src).group(1)
        assert check(fn_name, define(src, fn_name)).status == "not attempted"


@pytest.mark.parametrize("name", list(ex.PREDICTIONS))
def test_notebook_predict_questions(name):
    found = notebook_exercises(name)
    if found is None:
        pytest.skip(f"{name}.ipynb missing or without an '## Exercises' heading")
    _, _, after, cells, text = found
    if not any(c["cell_type"] == "code" for c, _ in after):
        pytest.skip(f"{name}.ipynb has no exercises yet")
    for pred in ex.PREDICTIONS[name]:
        first = next((i for i, c in enumerate(cells) if c["cell_type"] == "code"
                      and f"{pred.explorer}(" in text[i]), None)
        if first is None:
            continue
        before = text[first - 1]
        assert before.startswith("**Predict") and "<details><summary>Answer" in before, \
            f"{name}: no predict question right before {pred.explorer}(...)"
        assert text.count(before) == 1, "inserted once"


# ----------------------------------------------------------------- wrong answers
def conv_loop(x, k, flip=False, stop=1):
    KH, KW = k.shape
    if flip:
        k = k[::-1, ::-1]
    out = np.zeros((x.shape[0] - KH + stop, x.shape[1] - KW + stop), dtype=x.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + KH, j:j + KW] * k)
    return out


def sigmoid_naive(x):
    return 1.0 / (1.0 + np.exp(-x))


def sigmoid_where(x):
    return np.where(x > 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def sigmoid_minus(x):
    out = np.empty_like(x)
    pos = x >= 0
    out[pos] = 1 / (1 + np.exp(x[pos]))
    e = np.exp(-x[~pos])
    out[~pos] = e / (1 + e)
    return out


def ce_parts(logits, y, axis=1, shift=True):
    z = logits - logits.max(axis=axis, keepdims=True) if shift else logits
    p = np.exp(z) / np.exp(z).sum(axis=axis, keepdims=True)
    rows = np.arange(len(y))
    onehot = np.zeros_like(p)
    onehot[rows, y] = 1
    return p, onehot, -np.log(p[rows, y])


def ce_no_mean(logits, y):
    p, onehot, losses = ce_parts(logits, y)
    return float(losses.mean()), p - onehot


def ce_sum(logits, y):
    p, onehot, losses = ce_parts(logits, y)
    return float(losses.sum()), (p - onehot) / len(y)


def ce_no_shift(logits, y):
    p, onehot, losses = ce_parts(logits, y, shift=False)
    return float(losses.mean()), (p - onehot) / len(y)


def multi_no_bias(x, w, b):
    return np.stack([sum(conv_loop(x[c], w[f, c]) for c in range(x.shape[0]))
                     for f in range(w.shape[0])])


def multi_mean(x, w, b):
    return np.stack([sum(conv_loop(x[c], w[f, c]) for c in range(x.shape[0])) / x.shape[0]
                     + b[f] for f in range(w.shape[0])])


def multi_bias_inside(x, w, b):
    return np.stack([sum(conv_loop(x[c], w[f, c]) + b[f] for c in range(x.shape[0]))
                     for f in range(w.shape[0])])


def pad_after(x, p):
    out = np.zeros((x.shape[0] + p, x.shape[1] + p), dtype=x.dtype)
    out[:x.shape[0], :x.shape[1]] = x
    return out


def pad_edge(x, p):
    return np.pad(x, p, mode="edge")


def strided_ignores_padding(x, k, stride=1, padding=0):
    KH, KW = k.shape
    H_out, W_out = (x.shape[0] - KH) // stride + 1, (x.shape[1] - KW) // stride + 1
    out = np.zeros((H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(x[i * stride:i * stride + KH, j * stride:j * stride + KW] * k)
    return out


def strided_window_at_i(x, k, stride=1, padding=0):
    KH, KW = k.shape
    xp = np.pad(x, padding)
    H_out = (x.shape[0] + 2 * padding - KH) // stride + 1
    W_out = (x.shape[1] + 2 * padding - KW) // stride + 1
    out = np.zeros((H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            out[i, j] = np.sum(xp[i:i + KH, j:j + KW] * k)
    return out


def rf_no_jump(layers):
    size = 1
    for k, _ in layers:
        size += k - 1
    return size


def rf_stride_first(layers):
    size, jump = 1, 1
    for k, s in layers:
        jump = jump * s
        size = size + (k - 1) * jump
    return size


def span_no_jump(layers, i):
    size, jump = 1, 1
    for k, s in layers:
        size += (k - 1) * jump
        jump *= s
    return (i, i + size - 1)


def span_exclusive(layers, i):
    size, jump = 1, 1
    for k, s in layers:
        size += (k - 1) * jump
        jump *= s
    return (i * jump, i * jump + size)


def pool_avg(x, kernel_size, stride=None):
    s = stride or kernel_size
    H, W = (x.shape[0] - kernel_size) // s + 1, (x.shape[1] - kernel_size) // s + 1
    return np.array([[x[i * s:i * s + kernel_size, j * s:j * s + kernel_size].mean()
                      for j in range(W)] for i in range(H)], dtype=x.dtype)


def pool_stride_one(x, kernel_size, stride=None):
    s = stride if stride is not None else 1
    H, W = (x.shape[0] - kernel_size) // s + 1, (x.shape[1] - kernel_size) // s + 1
    return np.array([[x[i * s:i * s + kernel_size, j * s:j * s + kernel_size].max()
                      for j in range(W)] for i in range(H)], dtype=x.dtype)


def pool_grad_assign(dout, x, kernel_size, stride=None):
    s = stride or kernel_size
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            win = x[i * s:i * s + kernel_size, j * s:j * s + kernel_size]
            a, b = np.unravel_index(win.argmax(), win.shape)
            dx[i * s + a, j * s + b] = dout[i, j]
    return dx


def pool_grad_average(dout, x, kernel_size, stride=None):
    s = stride or kernel_size
    dx = np.zeros_like(x)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i * s:i * s + kernel_size, j * s:j * s + kernel_size] += (
                dout[i, j] / kernel_size ** 2)
    return dx


def dw_rotated(x, dout):
    return conv_loop(x, dout)[::-1, ::-1]


def dw_mean(x, dout):
    return conv_loop(x, dout) / dout.size


def dx_no_rotation(dout, k):
    KH, KW = k.shape
    return conv_loop(np.pad(dout, ((KH - 1, KH - 1), (KW - 1, KW - 1))), k)


def dx_assign(dout, k):
    KH, KW = k.shape
    dx = np.zeros((dout.shape[0] + KH - 1, dout.shape[1] + KW - 1), dtype=dout.dtype)
    for i in range(dout.shape[0]):
        for j in range(dout.shape[1]):
            dx[i:i + KH, j:j + KW] = dout[i, j] * k
    return dx


def grad_forward(f, x, h=1e-5):
    g = np.zeros_like(x)
    base = f(x)
    for i in np.ndindex(x.shape):
        x[i] += h
        g[i] = (f(x) - base) / h
        x[i] -= h
    return g


def grad_over_h(f, x, h=1e-5):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        g[i] = (plus - minus) / h
    return g


def sgd_old_velocity(p, grad, v, lr, momentum):
    p_new = p - lr * v
    return p_new, momentum * v + grad


def sgd_dampened(p, grad, v, lr, momentum):
    v_new = momentum * v + (1 - momentum) * grad
    return p - lr * v_new, v_new


def sgd_lr_in_v(p, grad, v, lr, momentum):
    v_new = momentum * v + lr * grad
    return p - v_new, v_new


def cm_transposed(y_true, y_pred, num_classes):
    M = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        M[p, t] += 1
    return M


def cm_sized_by_labels(y_true, y_pred, num_classes):
    n = max(max(y_true), max(y_pred)) + 1
    M = np.zeros((n, n), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        M[t, p] += 1
    return M


def cm_marks(y_true, y_pred, num_classes):
    M = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred, strict=True):
        M[t, p] = 1
    return M


WRONG = [
    # (exercise, learner's function, variant the checker must recognise, words of the hint)
    ("stable_sigmoid", sigmoid_naive, "naive", ["overflow"]),
    ("stable_sigmoid", sigmoid_where, "where", ["np.where", "BOTH"]),
    ("stable_sigmoid", sigmoid_minus, "sign", ["sigmoid(-x)"]),
    ("softmax_cross_entropy", ce_no_mean, "no_mean_grad", ["divide dlogits by N"]),
    ("softmax_cross_entropy", ce_sum, "sum_loss", ["MEAN"]),
    ("softmax_cross_entropy", ce_no_shift, "no_shift", ["max", "overflow"]),
    ("conv2d_single_channel", lambda x, k: conv_loop(x, k, flip=True), "flipped",
     ["true convolution", "cross-correlation"]),
    ("conv2d_single_channel", lambda x, k: conv_loop(x, k, stop=0), "short",
     ["H - KH + 1"]),
    ("conv2d_multi_channel", multi_no_bias, "no_bias", ["bias"]),
    ("conv2d_multi_channel", multi_mean, "mean_channels", ["averaged", "SUMS"]),
    ("conv2d_multi_channel", multi_bias_inside, "bias_per_channel", ["once"]),
    ("conv_output_shape", lambda xs, ws: (xs[0], ws[0], xs[2] - ws[2], xs[3] - ws[3]),
     "minus", ["W - K + 1"]),
    ("conv_output_shape", lambda xs, ws: (xs[0], xs[1], xs[2] - ws[2] + 1, xs[3] - ws[3] + 1),
     "channels", ["FILTER"]),
    ("pad2d", pad_after, "one_side_after", ["one side"]),
    ("pad2d", pad_edge, "edge", ["zeros"]),
    ("conv2d_strided", strided_ignores_padding, "no_padding", ["padding"]),
    ("conv2d_strided", strided_window_at_i, "window_at_i", ["i * stride"]),
    ("output_size", lambda W, K, P=0, S=1, D=1: (W + 2 * P - D * (K - 1) - 1) / S + 1,
     "no_floor", ["floor"]),
    ("output_size", lambda W, K, P=0, S=1, D=1: (W + 2 * P - K) // S + 1, "no_dilation",
     ["D(K - 1) + 1"]),
    ("output_size", lambda W, K, P=0, S=1, D=1: math.ceil((W + 2 * P - D * (K - 1) - 1) / S) + 1,
     "ceil", ["DOWN"]),
    ("receptive_field_size", rf_no_jump, "no_jump", ["jump"]),
    ("receptive_field_size", rf_stride_first, "own_stride", ["own stride"]),
    ("input_span", span_no_jump, "no_jump", ["jump"]),
    ("input_span", span_exclusive, "inclusive", ["size - 1"]),
    ("max_pool2d", pool_avg, "avg", ["LARGEST"]),
    ("max_pool2d", pool_stride_one, "default_stride_1", ["stride = kernel_size"]),
    ("max_pool2d_grad", pool_grad_assign, "assign", ["ACCUMULATE", "+="]),
    ("max_pool2d_grad", pool_grad_average, "spread", ["average pooling"]),
    ("conv_backward_dw", dw_rotated, "rotated", ["no flip"]),
    ("conv_backward_dw", dw_mean, "mean", ["SUMS"]),
    ("conv_backward_dx", dx_no_rotation, "no_rotation", ["180"]),
    ("conv_backward_dx", dx_assign, "assign", ["+="]),
    ("central_difference_gradient", grad_forward, "forward", ["central"]),
    ("central_difference_gradient", grad_over_h, "over_h", ["2h"]),
    ("sgd_momentum_step", sgd_old_velocity, "after", ["OLD velocity"]),
    ("sgd_momentum_step", sgd_dampened, "dampened", ["(1 - momentum)"]),
    ("sgd_momentum_step", sgd_lr_in_v, "lr_inside", ["lr outside"]),
    ("build_confusion_matrix", cm_transposed, "transposed", ["rows are the TRUE"]),
    ("build_confusion_matrix", cm_sized_by_labels, "from_max", ["num_classes"]),
    ("build_confusion_matrix", cm_marks, "marks", ["+= 1"]),
]


@pytest.mark.parametrize(("name", "fn", "variant", "words"), WRONG,
                         ids=[f"{w[0]}-{w[2]}" for w in WRONG])
def test_wrong_answer_gets_its_hint(name, fn, variant, words, capsys):
    result = getattr(ex, f"check_{name}")(fn)
    out = capsys.readouterr().out
    assert result.status == "fail" and not result.passed
    assert result.variant == variant, result.message
    for word in words:
        assert word in result.hint
    assert "expected:" in out and "got:" in out and "hint:" in out
    assert f"case {result.case} of {result.n_cases}" in out


def test_every_checker_has_two_wrong_answers():
    counts = {}
    for name, *_ in WRONG:
        counts[name] = counts.get(name, 0) + 1
    # notebook 08's wrong answers (they need torch) are in tests/test_exercises_nb08.py
    assert {e.name for nb, e in ALL if nb not in TORCH_NOTEBOOKS} == set(counts)
    assert min(counts.values()) >= 2


# ----------------------------------------------------------------- the machinery
def test_exception_is_reported_not_raised(capsys):
    def broken(x, p):
        return x[p, p, p]

    result = ex.check_pad2d(broken)
    out = capsys.readouterr().out
    assert result.status == "fail" and result.case == 1
    assert "IndexError" in out and "x = " in out


def test_missing_return_and_not_a_function(capsys):
    def forgot(x, p):
        np.pad(x, p)

    assert "return" in ex.check_pad2d(forgot).hint
    assert ex.check_pad2d("pad2d").status == "fail"
    assert "expected a function" in capsys.readouterr().out


def test_late_not_implemented_is_a_failure():
    def partial(W, K, P=0, S=1, D=1):
        if D != 1:
            raise NotImplementedError
        return (W + 2 * P - K) // S + 1

    result = ex.check_output_size(partial)
    assert result.status == "fail" and "NotImplementedError" in result.message


def test_dtype_upcast_is_caught():
    def upcast(x, p):
        out = np.zeros((x.shape[0] + 2 * p, x.shape[1] + 2 * p))
        out[p:p + x.shape[0], p:p + x.shape[1]] = x
        return out

    result = ex.check_pad2d(upcast, verbose=False)
    assert result.status == "fail" and "dtype" in result.hint
    assert "float32" in result.message


def test_unknown_mistake_gets_the_generic_hint():
    result = ex.check_pad2d(lambda x, p: np.pad(x, p) + 1.0, verbose=False)
    assert result.status == "fail" and result.variant is None
    assert "zero array of shape (H + 2p, W + 2p)" in result.hint


def test_learner_mutating_inputs_does_not_spoil_later_cases():
    def pad_and_scribble(x, p):
        out = np.pad(x, p)
        x[...] = 7.0
        return out

    assert ex.check_pad2d(pad_and_scribble, verbose=False).passed


def test_result_is_short_and_truthy():
    result = run_check("demo", lambda a: a, [Case("one", {"a": 1}, 1)], [], "hint", False)
    assert repr(result) == "CheckResult(demo: pass)" and result
    assert result._ipython_display_() is None


def test_diagnosis_prefers_the_variant_that_agrees_most():
    cases = [Case("a", {"a": 2}, 4), Case("b", {"a": 3}, 6)]
    wrongs = [Wrong("plus_two", "plus two", lambda a: a + 2),
              Wrong("square", "square", lambda a: a * a)]
    result = run_check("double", lambda a: a * a, cases, wrongs, "generic", False)
    assert result.case == 2 and result.variant == "square"


# ----------------------------------------------------------------- facts in the answers
def answer(name, explorer):
    return next(p.answer for p in ex.PREDICTIONS[name] if p.explorer == explorer)


def test_fact_activation_slopes():
    from cnnlib import activations as act

    zero, six = np.zeros(1), np.array([6.0, -6.0])
    assert act.sigmoid_derivative(zero)[0] == 0.25 and act.tanh_derivative(zero)[0] == 1.0
    assert np.allclose(act.sigmoid_derivative(six), 0.0025, rtol=0.02)
    assert np.allclose(act.tanh_derivative(six), 0.000025, rtol=0.02)
    assert act.relu_derivative(np.array([-6.0]))[0] == 0
    assert np.all(act.leaky_relu_derivative(six) > 0)
    assert "1/4" in answer("01_neural_network_recap", "ActivationExplorer")


def test_fact_sliding_window_coverage():
    uses = np.zeros((4, 4), int)
    for i in range(2):
        for j in range(2):
            uses[i:i + 3, j:j + 3] += 1
    assert (np.argwhere(uses == 4) == [[1, 1], [1, 2], [2, 1], [2, 2]]).all()
    assert uses[0, 0] == 1
    from cnnlib.kernels import get_kernel

    k = get_kernel("sobel_x", 3)
    assert np.array_equal(k[::-1, ::-1], -k)


def test_fact_shapes_and_pooling():
    from cnnlib.shapes import conv_output_size, pool_output_size

    assert conv_output_size(7, 3, stride=2) == 3 and conv_output_size(6, 3, stride=2) == 2
    assert "the last column is never read" in answer("03_padding_and_stride", "ShapeExplorer")
    assert pool_output_size(32, 2) == 16 and pool_output_size(6, 3, stride=2) == 2
    read = np.zeros(6, bool)
    for i in range(2):
        read[2 * i:2 * i + 3] = True
    assert read[:5].all() and not read[5]
    assert "16x16x12" in answer("05_pooling", "PoolingExplorer")


def test_fact_receptive_fields():
    from cnnlib.exercises.nb04_receptive_field import _ref_size

    assert _ref_size([(3, 1)] * 3) == 7 and _ref_size([(3, 2), (3, 1), (3, 1)]) == 11
    assert "-> 11" in answer("04_receptive_field", "LayerStackExplorer")
    paths = conv_loop(np.pad(np.ones((3, 3)), 2), np.ones((3, 3)))  # two 3x3 layers
    assert paths[2, 2] == 9 and paths[0, 0] == 1
    from cnnlib.exercises.nb07_training import _JUMP, _RF
    from cnnlib.models import course_cnn
    from cnnlib.receptive_field import receptive_field

    last = receptive_field(course_cnn())[-1]
    assert (last.size[0], last.jump[0]) == (_RF, _JUMP) == (10, 4)


def test_fact_gradient_check_step_size():
    from cnnlib.gradcheck import numerical_gradient, rel_error

    rng = np.random.default_rng(0)
    x, w = rng.normal(size=(5, 5)), rng.normal(size=(3, 3))
    dout = rng.normal(size=(3, 3))

    def f(v):
        return float(np.sum(conv_loop(v, w) * dout))

    exact = conv_loop(np.pad(dout, 2), w[::-1, ::-1])
    good = rel_error(numerical_gradient(f, x.copy(), 1e-5), exact)
    tiny = rel_error(numerical_gradient(f, x.copy(), 1e-12), exact)
    assert good < 1e-7 < tiny
    x32, w32, dout32 = x.astype(np.float32), w.astype(np.float32), dout.astype(np.float32)

    def f32(v):
        return float(np.sum(conv_loop(v, w32) * dout32))

    single = rel_error(numerical_gradient(f32, x32.copy(), 1e-5), exact)
    assert 1e-4 < single < 1e-1, "float32: around 1e-3"


def test_fact_effective_receptive_field_grows_like_a_square_root():
    from cnnlib.effective_rf import effective_receptive_field, erf_spread

    def spread(depth):
        return erf_spread(effective_receptive_field(depth, 3, size=41, n_inputs=1, n_inits=16,
                                                    rng=np.random.default_rng(depth)))

    s4, s16 = spread(4), spread(16)
    assert 1.6 < s16 / s4 < 2.6, "about doubles"
    assert s16 / 33 < s4 / 9, "a shrinking share of the theoretical side"
    assert 33 / 9 > 3.6


GARBAGE = st.one_of(
    st.none(), st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=3),
    st.lists(st.integers(0, 3), max_size=4), st.just(float("nan")),
    st.tuples(st.integers(1, 3), st.integers(1, 3)).map(lambda s: np.full(s, np.nan)),
    st.tuples(st.integers(1, 4), st.integers(1, 4)).map(np.zeros),
)


@settings(max_examples=30, deadline=None)
@given(garbage=GARBAGE, which=st.sampled_from(RUNNABLE_IDS))
def test_any_return_value_fails_cleanly(garbage, which):
    """Whatever a learner returns, the checker reports a failure and never raises."""
    result = check(which, lambda *args, **kwargs: garbage)
    assert result.status == "fail" and result.case is not None and result.hint


@pytest.mark.parametrize(("nb", "exercise"), PARAMS)
def test_every_known_mistake_is_recognised(nb, exercise, monkeypatch):
    """Each checker's own wrong variants fail it, each with its own hint (no shadowing)."""
    module = ex.MODULES[nb]
    seen = {}

    def capture(name, fn, cases, wrongs, generic_hint, verbose=True):
        seen["wrongs"] = wrongs
        return run_check(name, fn, cases, wrongs, generic_hint, verbose)

    monkeypatch.setattr(module, "run_check", capture)
    checker = getattr(ex, exercise.check)
    assert checker(define(exercise.solution, exercise.name), verbose=False).passed
    assert len(seen["wrongs"]) >= 3
    for wrong in seen["wrongs"]:
        result = checker(wrong.fn, verbose=False)
        assert result.status == "fail" and result.variant == wrong.key, result.message
