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
import pytest

import cnnlib.exercises as ex
from cnnlib import conv
from cnnlib.exercises import nb02_convolution as nb02
from cnnlib.exercises import nb02_mistakes as mistakes
from cnnlib.kernels import get_kernel

EXERCISES = {e.name: e for e in nb02.EXERCISES}


def define(code, name):
    namespace = {"np": np}
    exec(code, namespace)  # noqa: S102  (our own exercise texts)
    return namespace[name]


def corr2d(x, k):
    out = np.zeros((x.shape[0] - k.shape[0] + 1, x.shape[1] - k.shape[1] + 1), dtype=x.dtype)
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] = np.sum(x[i:i + k.shape[0], j:j + k.shape[1]] * k)
    return out


# ----------------------------------------------------------------- learner-style answers
def cost_forgot_bias(C_in, H, W, C_out, K):
    weights = C_out * C_in * K ** 2
    return weights, (H - K + 1) * (W - K + 1) * weights


def cost_counts_input_pixels(C_in, H, W, C_out, K):
    per_cell = C_in * K * K
    return C_out * (per_cell + 1), H * W * C_out * per_cell


def cost_one_channel(C_in, H, W, C_out, K):
    return C_out * (K * K + 1), (H - K + 1) * (W - K + 1) * C_out * K * K


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
    ("conv_cost", cost_forgot_bias, "no_bias", ["bias"]),
    ("conv_cost", cost_counts_input_pixels, "input_size", ["OUTPUT cell"]),
    ("conv_cost", cost_one_channel, "no_channels", ["C_in x K x K"]),
    ("conv2d_multi_channel", multi_bias_in_channel_loop, "bias_per_channel", ["once"]),
    ("conv2d_multi_channel", multi_square_loops, "rows_for_cols", ["range(W_out)"]),
    ("conv2d_multi_channel", multi_averaged, "mean_channels", ["SUMS"]),
    ("conv_matrix", matrix_swapped, "transposed", ["ROW per output pixel"]),
    ("conv_matrix", matrix_mask, "ones", ["k[u, v]"]),
    ("conv_matrix", matrix_output_width, "output_width", ["r * W + s"]),
]


@pytest.mark.parametrize(("name", "fn", "variant", "words"), WRONG,
                         ids=[f"{w[0]}-{w[2]}" for w in WRONG])
def test_wrong_answer_gets_its_hint(name, fn, variant, words, capsys):
    result = getattr(ex, f"check_{name}")(fn)
    out = capsys.readouterr().out
    assert result.status == "fail" and result.variant == variant, result.message
    for word in words:
        assert word in result.hint
    assert "expected:" in out and "got:" in out and "hint:" in out


def test_every_checker_has_two_learner_style_wrong_answers():
    counts = {name: sum(w[0] == name for w in WRONG) for name in EXERCISES}
    assert min(counts.values()) >= 2, counts


def test_half_the_exercises_make_you_think():
    kinds = [e.title.rsplit("(", 1)[1].rstrip(")") for e in nb02.EXERCISES]
    assert kinds == ["design", "count", "debug", "write"]
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


def test_cost_statement_example():
    solution = define(EXERCISES["conv_cost"].solution, "conv_cost")
    assert solution(1, 28, 28, 1, 3) == (10, 6_084)


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
