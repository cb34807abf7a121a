"""Notebook 02's exercises and "predict" answers.

- learner-style wrong answers (written here as a learner would, not the checker's variants)
  get the hint of their mistake, at least two per checker;
- the debug exercise: its stub, once the `raise` line is deleted, is the buggy code; fixing
  one bug at a time walks the learner through the three hints;
- the facts written in the statements, solutions and "predict" answers are recomputed.
(Solutions passing, stubs "not attempted", and the generic wrong-type battery are in
test_exercises.py and test_exercise_checkers.py, for every notebook.)
"""

import numpy as np
from exercise_helpers import assert_two_wrong_answers_each, define, wrong_answers_get_their_hints

import cnnlib.exercises as ex
from cnnlib import conv
from cnnlib.exercises import nb02_convolution as nb02
from cnnlib.exercises import nb02_mistakes as mistakes
from cnnlib.kernels import get_kernel

EXERCISES = {e.name: e for e in nb02.EXERCISES}


def corr2d(x, k):
    out = np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1), dtype=x.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k)
    return out


# ----------------------------------------------------------------- learner-style answers
M1, C1, C2 = "MLP Linear(784, 128)", "CNN Conv2d(1, 8, 3, padding=1)", "CNN Conv2d(8, 32, 3, padding=1)"


def table(changes):
    """A learner's layer_cost: the right table with some rows typed differently."""
    rows = {
        "MLP Linear(784, 128)": (784 * 128 + 128, 784 * 128),
        "MLP Linear(128, 10)": (128 * 10 + 10, 128 * 10),
        "CNN Conv2d(1, 8, 3, padding=1)": (8 * (1 * 3 * 3 + 1), 28 * 28 * 8 * 1 * 3 * 3),
        "CNN Conv2d(8, 32, 3, padding=1)": (32 * (8 * 3 * 3 + 1), 14 * 14 * 32 * 8 * 3 * 3),
        "CNN Linear(1568, 128)": (1568 * 128 + 128, 1568 * 128),
        "CNN Linear(128, 10)": (128 * 10 + 10, 128 * 10),
    }
    assert set(changes) <= set(rows)
    rows.update(changes)

    def layer_cost(layer):
        return rows[layer]
    return layer_cost


# the slips a learner makes, one row at a time
cost_forgot_c_in = table({C2: (32 * (3 * 3 + 1), 14 * 14 * 32 * 3 * 3)})
cost_forgot_c_in_in_parameters = table({C2: (32 * (3 * 3 + 1), 14 * 14 * 32 * 8 * 3 * 3)})
cost_bias_added = table({M1: (784 * 128 + 128, 784 * 128 + 128)})
cost_weights_once = table({C1: (80, 8 * 9)})
cost_macs_are_parameters = table({C1: (80, 80)})
cost_before_pooling = table({C2: (2_336, 28 * 28 * 32 * 8 * 9)})
cost_valid = table({C1: (80, 26 * 26 * 8 * 9)})
cost_after_pooling = table({C2: (2_336, 7 * 7 * 32 * 8 * 9)})
cost_no_bias = table({M1: (784 * 128, 784 * 128)})


def multi_bias_in_channel_loop(x, w, b):
    F, C, KH, KW = w.shape
    out = np.zeros((F, x.shape[1] - KH + 1, x.shape[2] - KW + 1), dtype=x.dtype)
    for f in range(F):
        for c in range(C):
            out[f] += corr2d(x[c], w[f, c]) + b[f]
    return out


def multi_square_loops(x, w, b):
    F, C, KH, KW = w.shape
    n = x.shape[1] - KH + 1
    out = np.zeros((F, n, x.shape[2] - KW + 1), dtype=x.dtype)
    for f in range(F):
        for i in range(n):
            for j in range(n):
                if j < out.shape[2]:
                    out[f, i, j] = np.sum(x[:, i:i + KH, j:j + KW] * w[f]) + b[f]
    return out


def multi_averaged(x, w, b):
    return np.stack([np.mean([corr2d(x[c], w[f, c]) for c in range(x.shape[0])], axis=0) + b[f]
                     for f in range(w.shape[0])]).astype(x.dtype)


def matrix_swapped(k, H, W):
    KH, KW = k.shape
    H_out, W_out = H - KH + 1, W - KW + 1
    M = np.zeros((H * W, H_out * W_out), dtype=k.dtype)
    for i in range(H_out):
        for j in range(W_out):
            for u in range(KH):
                for v in range(KW):
                    M[(i + u) * W + (j + v), i * W_out + j] = k[u, v]
    return M


def matrix_mask(k, H, W):
    KH, KW = k.shape
    H_out, W_out = H - KH + 1, W - KW + 1
    M = np.zeros((H_out * W_out, H * W), dtype=k.dtype)
    for i in range(H_out):
        for j in range(W_out):
            for u in range(KH):
                for v in range(KW):
                    M[i * W_out + j, (i + u) * W + (j + v)] = 1
    return M


def matrix_output_width(k, H, W):
    KH, KW = k.shape
    H_out, W_out = H - KH + 1, W - KW + 1
    M = np.zeros((H_out * W_out, H * W), dtype=k.dtype)
    for r in range(H_out):
        for s in range(W_out):
            M[r * W_out + s].reshape(-1)[[(r + u) * W_out + s + v for u in range(KH)
                                          for v in range(KW)]] = k.ravel()
    return M


WRONG = [
    # (exercise, learner's function, variant the checker must recognise, words of the hint)
    ("diagonal_kernel", lambda: [[1, 0, -1], [2, 0, -2], [1, 0, -1]], "vertical",
     ["vertical", "across the diagonal"]),
    ("diagonal_kernel", lambda: np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]]), "horizontal",
     ["horizontal"]),
    ("diagonal_kernel", lambda: np.array([[0, 1, 1], [-1, 0, 1], [-1, -1, 0]]), "negated",
     ["opposite sign"]),
    ("diagonal_kernel", lambda: np.array([[-1, -1, 0], [-1, 0, 1], [0, 1, 1]]),
     "other_diagonal", ["'/'"]),
    ("diagonal_kernel", lambda: np.array([[0, 0, 0], [1, 0, 0], [2, 1, 0]]), "not_zero_sum",
     ["add up to 0"]),
    ("diagonal_kernel", lambda: np.array([[0, 0, -2], [0, 0, 0], [2, 0, 0]]), "two_corners",
     ["two weights"]),
    ("layer_cost", cost_forgot_c_in, "no_channels", ["ALL the input channels"]),
    ("layer_cost", cost_forgot_c_in_in_parameters, "no_channels", ["one filter"]),
    ("layer_cost", cost_bias_added, "bias_adds", ["added, not multiplied"]),
    ("layer_cost", cost_weights_once, "no_reuse", ["EVERY output position"]),
    ("layer_cost", cost_macs_are_parameters, "no_reuse", ["EVERY output position"]),
    ("layer_cost", cost_before_pooling, "before_pool", ["14 x 14"]),
    ("layer_cost", cost_valid, "valid", ["padding=1"]),
    ("layer_cost", cost_after_pooling, "pooled", ["AFTER this convolution"]),
    ("layer_cost", cost_no_bias, "no_bias", ["biases are parameters"]),
    ("conv2d_multi_channel", multi_bias_in_channel_loop, "bias_per_channel", ["once"]),
    ("conv2d_multi_channel", multi_square_loops, "rows_for_cols", ["range(W_out)"]),
    ("conv2d_multi_channel", multi_averaged, "mean_channels", ["SUMS"]),
    ("conv_matrix", matrix_swapped, "transposed", ["ROW per output pixel"]),
    ("conv_matrix", matrix_mask, "ones", ["k[u, v]"]),
    ("conv_matrix", matrix_output_width, "output_width", ["r * W + s"]),
]


test_wrong_answer_gets_its_hint = wrong_answers_get_their_hints(WRONG)


def test_every_checker_has_two_learner_style_wrong_answers():
    assert_two_wrong_answers_each(WRONG, EXERCISES)


def test_half_the_exercises_make_you_think():
    kinds = [e.title.rsplit("(", 1)[1].rstrip(")") for e in nb02.EXERCISES]
    assert kinds == ["design", "count", "debug", "write"]
    assert not any("conv_cost" in e.name for e in nb02.EXERCISES), "no formula to retype"
    assert sum(k != "write" for k in kinds) >= len(kinds) / 2


# ----------------------------------------------------------------- the debug exercise
def stub_without_raise():
    lines = EXERCISES["conv2d_multi_channel"].stub.splitlines()
    return "\n".join(line for line in lines if "raise NotImplementedError" not in line)


def test_debug_stub_is_the_buggy_code_and_fixing_walks_through_the_hints():
    buggy = stub_without_raise()
    assert ex.check_conv2d_multi_channel(define(buggy, "conv2d_multi_channel"),
                                         verbose=False).variant == "as_given"
    first = buggy.replace("np.sum(x[c, i:i + KH, j:j + KW] * w[f, c]) + b[f]",
                          "np.sum(x[c, i:i + KH, j:j + KW] * w[f, c])").replace(
        "    return out", "        out[f] += b[f]\n    return out")
    result = ex.check_conv2d_multi_channel(define(first, "conv2d_multi_channel"), verbose=False)
    assert result.variant == "rows_for_cols" and result.case == 3
    second = first.replace("for j in range(H_out)", "for j in range(W_out)")
    result = ex.check_conv2d_multi_channel(define(second, "conv2d_multi_channel"), verbose=False)
    assert result.case == 7 and "dtype=x.dtype" in result.hint, result.message
    third = second.replace("np.zeros((F, H_out, W_out))", "np.zeros((F, H_out, W_out), "
                           "dtype=x.dtype)")
    assert ex.check_conv2d_multi_channel(define(third, "conv2d_multi_channel"),
                                         verbose=False).passed
    first_case = ex.check_conv2d_multi_channel(define(buggy, "conv2d_multi_channel"),
                                               verbose=False)
    assert first_case.case == 2, "the buggy code passes case 1, as the statement says"


# ----------------------------------------------------------------- facts in the texts
def test_diagonal_solution_numbers_and_report(capsys):
    k = define(EXERCISES["diagonal_kernel"].solution, "diagonal_kernel")()
    s = {name: mistakes.strongest(img, k) for name, img in mistakes.PATTERNS.items()}
    assert s == {"diagonal": 4, "vertical": 3, "horizontal": 3, "other diagonal": 0}
    assert np.array_equal(mistakes.PATTERNS["diagonal"], np.tril(np.ones((8, 8)), -1))
    ex.check_diagonal_kernel(lambda: k)
    assert "diagonal 4, vertical 3, horizontal 3, other diagonal 0" in capsys.readouterr().out
    ex.check_diagonal_kernel(lambda: "no kernel")  # no report line, no error
    assert "largest |output|" not in capsys.readouterr().out


def model_costs(model):
    """(parameters, multiply-adds) of every layer with weights, read from a cnnlib model."""
    shape, rows = (1, 1, 28, 28), []
    for layer in model.layers:
        shape = layer.output_shape(shape)
        if hasattr(layer, "weight"):
            uses = shape[2] * shape[3] if len(shape) == 4 else 1
            rows.append((sum(p.size for p in layer.parameters()), layer.weight.size * uses))
    return rows


def test_cost_table_is_the_models_of_01_and_07():
    """The exercise's six rows are cnnlib.models.mlp and digit_cnn, layer by layer."""
    from cnnlib.models import digit_cnn, mlp

    solution = define(EXERCISES["layer_cost"].solution, "layer_cost")
    rows = model_costs(mlp()) + model_costs(digit_cnn())
    assert [solution(layer) for layer in mistakes.LAYERS] == rows
    assert [mistakes.layer_cost(layer) for layer in mistakes.LAYERS] == rows
    names = [repr(layer).split("(")[0] for model in (mlp(), digit_cnn()) for layer in model.layers
             if hasattr(layer, "weight")]
    assert names == [k.split()[1].split("(")[0] for k in mistakes.LAYERS]
    cnn = digit_cnn()
    assert [cnn[0].padding, cnn[3].padding] == [(1, 1), (1, 1)], "same convolutions"


def test_cost_facts_in_the_solution_and_the_report(capsys):
    solution = define(EXERCISES["layer_cost"].solution, "layer_cost")
    rows = {layer: solution(layer) for layer in mistakes.LAYERS}
    mlp = [sum(v[i] for k, v in rows.items() if k.startswith("MLP")) for i in (0, 1)]
    cnn = [sum(v[i] for k, v in rows.items() if k.startswith("CNN")) for i in (0, 1)]
    conv = [sum(v[i] for k, v in rows.items() if "Conv2d" in k) for i in (0, 1)]
    assert mlp == [101_770, 101_632] and cnn == [204_538, 710_016]
    assert f"{cnn[1] / mlp[1]:.1f}" == "7.0"
    assert f"{conv[0] / cnn[0]:.1%}" == "1.2%" and f"{conv[1] / cnn[1]:.1%}" == "71.6%"
    assert f"{rows['CNN Linear(1568, 128)'][0] / cnn[0]:.1%}" == "98.2%"
    assert max(rows, key=lambda k: rows[k][0]) == "CNN Linear(1568, 128)"
    assert max(rows, key=lambda k: rows[k][1]) == "CNN Conv2d(8, 32, 3, padding=1)"
    assert rows["CNN Conv2d(8, 32, 3, padding=1)"][1] == 451_584
    for fact in ("101,770", "101,632", "204,538", "710,016", "7.0 times", "1.2 %", "71.6 %",
                 "98.2 %", "Linear(1568,\n# 128)", "Conv2d(8, 32, 3), 451,584"):
        assert fact in EXERCISES["layer_cost"].solution, fact
    assert "7 times" in EXERCISES["layer_cost"].statement
    assert round(cnn[1] / mlp[1]) == 7
    assert ex.check_layer_cost(solution).passed
    out = capsys.readouterr().out
    for fact in ("101,770 parameters, 101,632 multiply-adds", "204,538 parameters, 710,016",
                 "7.0 times", "1.2% of its parameters", "71.6% of its multiply-adds",
                 "Most parameters: CNN Linear(1568, 128) (200,832)",
                 "most multiply-adds: CNN Conv2d(8, 32, 3, padding=1) (451,584)"):
        assert fact in out, out
    ex.check_layer_cost(cost_valid)
    assert "times the MLP" not in capsys.readouterr().out, "no totals after a failed check"


def test_cost_stub_lists_the_checked_layers_and_fails_each_row_alone():
    stub = EXERCISES["layer_cost"].stub
    for layer in mistakes.LAYERS:
        assert f'"{layer}": (0, 0)' in stub
    filled = define(stub.replace("    raise NotImplementedError", "    pass  #"), "layer_cost")
    result = ex.check_layer_cost(filled, verbose=False)
    assert result.case == 1 and "expected 100480, got 0" in result.message


def test_cost_hints_do_not_hand_out_the_formula():
    hint = mistakes.COST_HINTS["no_channels"]
    assert "C_in x K x K" in hint and "+ 1" not in hint and "H_out" not in hint
    for key, hint in mistakes.COST_HINTS.items():
        assert "(C_in * K * K + 1)" not in hint and "C_out * (" not in hint, key


def test_matrix_statement_example_is_the_notebooks_matrix():
    solution = define(EXERCISES["conv_matrix"].solution, "conv_matrix")
    ids = np.arange(1.0, 10.0).reshape(3, 3)
    np.testing.assert_array_equal(solution(ids, 4, 4),
                                  conv.conv_matrix(ids[None, None], (4, 4)))
    x = np.random.default_rng(0).random((5, 6))
    k = np.random.default_rng(1).normal(size=(2, 3))
    np.testing.assert_allclose(solution(k, 5, 6) @ x.ravel(), corr2d(x, k).ravel())


def answer(explorer):
    return next(p.answer for p in nb02.PREDICTIONS if p.explorer == explorer)


def test_fact_sliding_window_coverage():
    uses = np.zeros((4, 4), int)
    for i in range(2):
        for j in range(2):
            uses[i:i + 3, j:j + 3] += 1
    assert (np.argwhere(uses == 4) == [[1, 1], [1, 2], [2, 1], [2, 2]]).all()
    assert uses[0, 0] == 1
    assert "2 x 2 = 4 positions" in answer("SlidingWindowStepper")


def test_fact_sandbox_answer():
    k = get_kernel("sobel_x")
    assert np.array_equal(k[::-1, ::-1], -k), "Sobel x turned by 180 degrees is -Sobel x"
    e = get_kernel("emboss")
    assert not np.allclose(e[::-1, ::-1], -e) and not np.allclose(e[::-1, ::-1], e)
    horizontal_edge = np.repeat([[0.0], [0.0], [1.0], [1.0]], 4, axis=1)
    assert np.all(corr2d(horizontal_edge, k) == 0), "a horizontal edge gives 0"
    text = answer("KernelSandbox")
    assert "white" in text and "emboss" in text and "stay dark" not in text
