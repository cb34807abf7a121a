"""The exercises of notebook 01 (cnnlib/exercises/nb01_recap.py).

- typical wrong answers, written as a learner would (not the checker's own variants), are
  rejected with the hint of their mistake;
- the stubs that carry code (debug, design) give "not attempted" while the `raise` line is
  there, and the right hint once it is deleted and nothing else is changed;
- the checkers' expected answers (central differences) agree with cnnlib's layer functions;
- the facts stated in the statements and solutions are recomputed.
(The generic checks of every exercise, solutions in the notebook included, are in
tests/test_exercises.py and tests/test_exercise_checkers.py.)
"""

import numpy as np
import pytest
from exercise_helpers import assert_two_wrong_answers_each, define, wrong_answers_get_their_hints

import cnnlib.exercises as ex
from cnnlib import activations as act
from cnnlib import linear, losses
from cnnlib.exercises import nb01_recap
from cnnlib.gradcheck import numerical_gradient

EXERCISES = {e.name: e for e in ex.EXERCISES["01_neural_network_recap"]}


# ----------------------------------------------------------------- learners' wrong answers
def log_sig_naive(x):
    return np.log(1.0 / (1.0 + np.exp(-x)))


def log_sig_of_masked_sigmoid(x):
    s = np.empty_like(x)
    pos = x >= 0
    s[pos] = 1 / (1 + np.exp(-x[pos]))
    e = np.exp(x[~pos])
    s[~pos] = e / (1 + e)
    return np.log(s)


def log_sig_softplus(x):
    return -np.log(1 + np.exp(-x))


def log_sig_where(x):
    return np.where(x < 0, x - np.log(1 + np.exp(x)), -np.log(1 + np.exp(-x)))


def _stable_sig(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def log_sig_clipped(x):  # -inf avoided by clipping: log(1e-300) = -690.8 below x ~ -690
    return np.log(np.clip(_stable_sig(x), 1e-300, 1.0))


def log_sig_clipped_eps(x):  # the same with the usual eps of a loss function
    return np.log(np.maximum(1 / (1 + np.exp(-x)), 1e-12))


def sq_no_chain(z, y):
    s = 1 / (1 + np.exp(-z))
    t = np.eye(z.shape[1], dtype=z.dtype)[y]
    return float(((s - t) ** 2).mean()), 2 * (s - t) / z.size


def sq_per_sample(z, y):
    s = 1 / (1 + np.exp(-z))
    t = np.eye(z.shape[1], dtype=z.dtype)[y]
    loss = float(np.sum((s - t) ** 2, axis=1).mean())
    return loss, 2 * (s - t) * s * (1 - s) / len(y)


def sq_forgot_mean(z, y):
    s = 1 / (1 + np.exp(-z))
    t = np.eye(z.shape[1], dtype=z.dtype)[y]
    return float(((s - t) ** 2).mean()), 2 * (s - t) * s * (1 - s)


def sq_pasted_ce(z, y):  # section 5's gradient, p -> s
    s = 1 / (1 + np.exp(-z))
    t = np.eye(z.shape[1], dtype=z.dtype)[y]
    return float(((s - t) ** 2).mean()), (s - t) / len(y)


def sq_eye_float64(z, y):  # right formula, section 5's np.eye(C)[y]
    s = 1 / (1 + np.exp(-z))
    t = np.eye(z.shape[1])[y]
    return float(((s - t) ** 2).mean()), 2 * (s - t) / z.size * s * (1 - s)


def sq_slope_of_z(z, y):
    s = 1 / (1 + np.exp(-z))
    t = np.eye(z.shape[1], dtype=z.dtype)[y]
    return float(((s - t) ** 2).mean()), 2 * (s - t) / z.size * (z * (1 - z))


def _unfixed(name):
    """The stub with its `raise` line deleted and nothing else changed."""
    stub = EXERCISES[name].stub
    return define(stub.replace("    raise NotImplementedError  # your code here\n", ""), name)


def backward_with(da_of):
    def two_layer_backward(x, y, W1, b1, W2, b2):
        a = x @ W1.T + b1
        h = 1 / (1 + np.exp(-a))
        z = h @ W2.T + b2
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        p[np.arange(len(y)), y] -= 1
        dz = p / len(y)
        dh = dz @ W2
        da = da_of(dh, a, h)
        return da.T @ x, da.sum(axis=0), dz.T @ h, dz.sum(axis=0)
    return two_layer_backward


def xor_with(W1, b1, W2, b2):
    W1, b1, W2, b2 = (np.array(v, dtype=float) for v in (W1, b1, W2, b2))

    def xor_scores(x):
        h = np.maximum(x @ W1.T + b1, 0)
        return (h @ W2.T + b2)[:, 0]
    return xor_scores


def _sig(v):
    return 1 / (1 + np.exp(-v))


WRONG = [
    # (exercise, learner's function, variant the checker must recognise, words of the hint)
    ("log_sigmoid", log_sig_naive, "naive", ["log(0) = -inf"]),
    ("log_sigmoid", log_sig_of_masked_sigmoid, "log_of_sigmoid", ["never overflows", "log(0)"]),
    ("log_sigmoid", log_sig_softplus, "one_branch", ["x - log(1 + e^x)"]),
    ("log_sigmoid", log_sig_where, "where", ["np.where", "BOTH"]),
    ("log_sigmoid", log_sig_clipped, "clipped", ["-690.8 at both x = -1000 and x = -2000",
                                                  "slope of 0"]),
    ("log_sigmoid", log_sig_clipped_eps, "clipped", ["-27.6", "Clipping"]),
    ("sigmoid_square_loss", sq_no_chain, "no_slope", ["chain rule", "s * (1 - s)"]),
    ("sigmoid_square_loss", sq_per_sample, "per_sample", ["z.size"]),
    ("sigmoid_square_loss", sq_slope_of_z, "slope_of_z", ["not z * (1 - z)"]),
    ("sigmoid_square_loss", sq_forgot_mean, "no_mean", ["z.size times too large"]),
    ("sigmoid_square_loss", sq_pasted_ce, "ce_gradient", ["softmax + cross-entropy",
                                                          "chain rule"]),
    ("sigmoid_square_loss", sq_eye_float64, "eye_float64", ["np.eye(C, dtype=z.dtype)[y]"]),
    ("two_layer_backward", _unfixed("two_layer_backward"), "planted",
     ["dW2 and db2 are already right", "dh or da"]),
    ("two_layer_backward", backward_with(lambda dh, a, h: dh), "no_slope", ["cannot be dropped"]),
    ("two_layer_backward", backward_with(lambda dh, a, h: dh * _sig(h) * (1 - _sig(h))),
     "sigmoid_of_h", ["already sigmoid(a)"]),
    ("xor_scores", _unfixed("xor_scores"), "zeros", ["all-zero weights"]),
    ("xor_scores", xor_with([[1, 1], [1, 1]], [0, 0], [[1, 0]], [-0.5]), "or", ["OR"]),
    # the AND unit is there, its weight too weak (-1 instead of -2): the hint gives the score
    ("xor_scores", xor_with([[1, 1], [1, 1]], [0, -1], [[1, -1]], [-0.5]), "or",
     ["your score at (1, 1) is +0.50", "2 there, not 1"]),
    ("xor_scores", xor_with([[1, 1], [0, 0]], [-1.5, 0], [[1, 0]], [0]), "and", ["AND"]),
    ("xor_scores", xor_with([[1, 1], [1, 1]], [0, -1], [[1, -2]], [-0.95]), "margin",
     ["within 0.1", "(0, 1.1) scores -0.05", "only 0.05 away from 0"]),
    # b2 = 0: every corner right (two of them score exactly 0), (0.1, 0.1) is not
    ("xor_scores", xor_with([[1, 1], [1, 1]], [0, -1], [[1, -2]], [0]), "margin",
     ["right at the four corners", "(0.1, 0.1) scores +0.20", "exactly 0"]),
]


test_wrong_answer_gets_its_hint = wrong_answers_get_their_hints(WRONG)


def test_every_checker_has_two_learner_wrong_answers():
    assert_two_wrong_answers_each(WRONG, EXERCISES)


def test_four_exercises_most_of_them_reasoning():
    kinds = [e.title.rsplit("(", 1)[1].split(")")[0].split(":")[0] for e in EXERCISES.values()]
    assert kinds == ["write", "write", "debug", "design"]
    assert "backward" in EXERCISES["two_layer_backward"].statement


@pytest.mark.parametrize("name", ["two_layer_backward", "xor_scores"])
def test_stubs_with_code_are_not_attempted_until_the_raise_goes(name, capsys):
    stub = EXERCISES[name].stub
    assert stub.index("raise NotImplementedError") < stub.index("Delete the line above")
    result = getattr(ex, f"check_{name}")(define(stub, name))
    assert result.status == "not attempted"
    assert _unfixed(name)(*_args(name)) is not None, "the code below the raise runs"


def _args(name):
    rng = np.random.default_rng(0)
    if name == "xor_scores":
        return (np.array([[0.0, 1.0]]),)
    return (rng.normal(size=(2, 3)), np.array([0, 1]), rng.normal(size=(4, 3)),
            rng.normal(size=4), rng.normal(size=(2, 4)), rng.normal(size=2))


def test_the_planted_bug_is_one_line():
    stub = EXERCISES["two_layer_backward"].stub.splitlines()
    solution = EXERCISES["two_layer_backward"].solution.splitlines()
    code = [line for line in stub if "raise" not in line and "Delete the line" not in line]
    differ = [(a, b) for a, b in zip(code, solution, strict=True) if a != b]
    assert len(differ) == 1 and "a * (1 - a)" in differ[0][0] and "h * (1 - h)" in differ[0][1]


# ----------------------------------------------------------------- the references
def test_two_layer_expected_gradients_are_cnnlib_backward_passes():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5, 3)), np.array([0, 2, 1, 1, 0])
    W1, b1, W2, b2 = (rng.normal(size=s) for s in [(4, 3), (4,), (3, 4), (3,)])
    a, c1 = linear.linear_forward(x, W1, b1)
    h, cs = act.sigmoid_forward(a)
    z, c2 = linear.linear_forward(h, W2, b2)
    dz = losses.cross_entropy(z, y)[1]
    dh, dW2, db2 = linear.linear_backward(dz, c2)
    _, dW1, db1 = linear.linear_backward(act.sigmoid_backward(dh, cs), c1)
    solution = define(EXERCISES["two_layer_backward"].solution, "two_layer_backward")
    for mine, ref in zip(solution(x, y, W1, b1, W2, b2), (dW1, db1, dW2, db2), strict=True):
        np.testing.assert_allclose(mine, ref, rtol=1e-12, atol=1e-14)


def test_square_loss_expected_gradient_is_the_chain_rule():
    z, y = np.array([[2.0, -1.0, 0.5], [0.0, 3.0, -2.0]]), np.array([2, 0])
    s, cache = act.sigmoid_forward(z)
    loss, ds = losses.mse_loss(s, np.eye(3)[y])
    dz = act.sigmoid_backward(ds, cache)
    solution = define(EXERCISES["sigmoid_square_loss"].solution, "sigmoid_square_loss")
    got = solution(z, y)
    assert got[0] == pytest.approx(loss)
    np.testing.assert_allclose(got[1], dz, rtol=1e-12)


# ----------------------------------------------------------------- facts in the texts
def test_fact_square_loss_barely_moves_a_confidently_wrong_sigmoid():
    """The solution's comparison: the loss makes the difference, with a control that changes
    only the loss (sigmoid + binary cross-entropy, averaged over the same entries)."""
    z, y = np.array([[-8.0, 8.0]]), np.array([0])
    solution = define(EXERCISES["sigmoid_square_loss"].solution, "sigmoid_square_loss")
    square = solution(z, y)[1][0, 0]
    t = np.eye(2)[y]

    def bce(v):
        s = act.sigmoid(v)
        return -np.mean(t * np.log(s) + (1 - t) * np.log(1 - s))

    d_bce = numerical_gradient(bce, z.copy(), h=1e-6)
    s = act.sigmoid(z)
    np.testing.assert_allclose(d_bce, (s - t) / z.size, rtol=1e-6)   # the statement's formula
    ce = losses.cross_entropy(z, y)[1][0, 0]
    assert square == pytest.approx(-0.00034, abs=5e-6)
    assert act.sigmoid_derivative(np.array([-8.0]))[0] == pytest.approx(0.00034, abs=5e-6)
    assert d_bce[0, 0] == pytest.approx(-0.50, abs=5e-3)
    assert 1_450 < d_bce[0, 0] / square < 1_550, "about 1,500 times more"
    assert ce == pytest.approx(-1.0, abs=1e-6)
    assert ce == pytest.approx(2 * d_bce[0, 0], rel=1e-3), "the factor 2: N = 1 vs 2 entries"
    text = EXERCISES["sigmoid_square_loss"].solution
    assert all(word in text for word in ("-0.00034", "-0.50", "1,500", "-1.0", "N = 1"))
    assert "(s - t) / z.size" in EXERCISES["sigmoid_square_loss"].statement


def test_fact_log_sigmoid_of_minus_1000():
    with np.errstate(divide="ignore"):
        assert np.log(act.sigmoid(np.array([-1000.0])))[0] == -np.inf
    solution = define(EXERCISES["log_sigmoid"].solution, "log_sigmoid")
    assert solution(np.array([-1000.0]))[0] == -1000.0
    assert "-inf" in EXERCISES["log_sigmoid"].statement


def test_fact_xor_solution_scores_and_no_linear_layer():
    solution = define(EXERCISES["xor_scores"].solution, "xor_scores")
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(solution(corners), [-0.5, 0.5, 0.5, -0.5])
    assert "-0.5, 0.5, 0.5, -0.5" in EXERCISES["xor_scores"].solution
    # no single layer w.x + b: the two classes' sums of scores are equal for any w, b
    rng = np.random.default_rng(0)
    for _ in range(100):
        w, b = rng.normal(size=2), rng.normal()
        s = corners @ w + b
        assert np.isclose(s[1] + s[2], s[0] + s[3]), "so both cannot be > 0 > the others"


def test_fact_activation_slopes():
    zero, six = np.zeros(1), np.array([6.0, -6.0])
    assert act.sigmoid_derivative(zero)[0] == 0.25 and act.tanh_derivative(zero)[0] == 1.0
    assert np.allclose(act.sigmoid_derivative(six), 0.0025, rtol=0.02)
    assert np.allclose(act.tanh_derivative(six), 0.000025, rtol=0.02)
    assert act.relu_derivative(np.array([-6.0]))[0] == 0
    assert np.all(act.leaky_relu_derivative(six) > 0)
    answer = next(p.answer for p in ex.PREDICTIONS["01_neural_network_recap"]
                  if p.explorer == "ActivationExplorer")
    assert "1/4" in answer


def test_module_lists_the_exercises_in_order():
    assert list(EXERCISES) == ["log_sigmoid", "sigmoid_square_loss", "two_layer_backward",
                               "xor_scores"]
    assert nb01_recap.__all__ == sorted(f"check_{n}" for n in EXERCISES)


def test_xor_hint_quotes_the_learners_scores_when_no_mistake_is_recognised():
    # 1 everywhere: no known pattern; the hint gives the four corner scores and their signs
    result = ex.check_xor_scores(xor_with([[1, 1], [1, 1]], [1, 1], [[1, 1]], [0]), verbose=False)
    assert result.status == "fail" and result.variant is None
    assert "(0, 0): +2.00" in result.hint and "(1, 1): +6.00" in result.hint, result.hint
    assert "below, above, above and below 0" in result.hint
    assert result.message.splitlines()[-1].endswith(result.hint)

