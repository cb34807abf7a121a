"""Notebook 07's exercises (cnnlib/exercises/nb07_training.py): count a CNN's parameters, one
SGD-with-momentum step, choose the epoch to stop at, a confusion matrix.

- every exercise's solution passes and its stub is "not attempted" (also in test_exercises.py,
  for every notebook); here: the checkers' reference answers agree with cnnlib's own networks
  and optimiser, and wrong answers written as a learner would write them (loops, not the
  checker's own variants) are rejected with the hint of their mistake, at least two per
  exercise;
- the facts in the "predict, then move the slider" answer are recomputed with cnnlib.
"""

import numpy as np
import pytest
from exercise_helpers import assert_two_wrong_answers_each, wrong_answers_get_their_hints

import cnnlib.exercises as ex
from cnnlib.exercises import nb07_training as nb07

NAMES = [e.name for e in ex.EXERCISES["07_full_cnn"]]


# ----------------------------------------------------------------- references vs cnnlib
def test_four_exercises_half_of_them_reasoning():
    assert NAMES == ["count_cnn_parameters", "sgd_momentum_step", "choose_stop_epoch",
                     "build_confusion_matrix"]
    statements = {e.name: e.statement for e in ex.EXERCISES["07_full_cnn"]}
    assert "predict" in statements["count_cnn_parameters"].lower()
    assert "Think first" in statements["choose_stop_epoch"]
    # the statement asks why never the test accuracy; the solution answers it
    solution = ex.EXERCISES["07_full_cnn"][2].solution
    assert "why never the test accuracy" in statements["choose_stop_epoch"]
    assert "Never the test accuracy" in solution and "overstate" in solution


@pytest.mark.parametrize("channels, hidden, size", [((8, 32), 128, 28), ((8, 16, 32), 64, 28),
                                                    ((4,), 16, 30), ((8, 32), 128, 56)])
def test_parameter_count_reference_matches_a_built_network(channels, hidden, size):
    from cnnlib.layers import Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential

    layers, c_in, side = [], 1, size
    for c in channels:
        layers += [Conv2d(c_in, c, 3, padding=1), MaxPool2d(2), ReLU()]
        c_in, side = c, side // 2
    layers += [Flatten(), Linear(c_in * side * side, hidden), ReLU(), Linear(hidden, 10)]
    model = Sequential(*layers)
    assert model.summary((1, size, size)).output_shape == (1, 10)
    expected = sum(p.size for p in model.parameters())
    assert nb07._ref_count(1, channels, 3, hidden, 10, size) == expected


def test_digit_cnn_count_is_the_one_the_statement_quotes():
    from cnnlib.models import digit_cnn

    assert sum(p.size for p in digit_cnn().parameters()) == 204_538
    assert nb07._ref_count(1, (8, 32), 3, 128, 10, 28) == 204_538
    assert "204,538" in ex.EXERCISES["07_full_cnn"][0].statement
    # the answer in the solution's comment: only the first Linear grows (7x7 -> 14x14 maps)
    grown = nb07._ref_count(1, (8, 32), 3, 128, 10, 56) - nb07._ref_count(1, (8, 32), 3, 128,
                                                                           10, 28)
    assert grown == 32 * (14 * 14 - 7 * 7) * 128
    assert "Only the first Linear grows: 4x the weights" in ex.EXERCISES["07_full_cnn"][0].solution


def test_sgd_reference_is_cnnlib_sgd():
    from cnnlib.module import Parameter
    from cnnlib.optim import SGD

    rng = np.random.default_rng(0)
    p, g = rng.normal(size=5), rng.normal(size=5)
    param = Parameter(p.copy())
    param.grad = g
    SGD([param], lr=0.1, momentum=0.9).step()
    np.testing.assert_allclose(nb07._ref_step(p, g, np.zeros(5), 0.1, 0.9)[0], param.data)


# ----------------------------------------------------------------- learner-style answers
def count_no_biases(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, prev, side = 0, in_channels, image_size
    for c in channels:
        total += prev * c * kernel_size * kernel_size
        prev = c
        side = side // 2
    total += prev * side * side * hidden
    total += hidden * classes
    return total


def count_flat_filters(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, side = 0, image_size
    for c in channels:
        total += c * kernel_size * kernel_size + c  # a filter as a K x K square only
        side //= 2
    total += channels[-1] * side * side * hidden + hidden
    return total + hidden * classes + classes


def count_forgot_pooling(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, prev = 0, in_channels
    for c in channels:
        total += prev * c * kernel_size ** 2 + c
        prev = c
    flat = prev * image_size * image_size  # the side after the convolutions (padding 1)...
    return total + flat * hidden + hidden + hidden * classes + classes


def count_like_an_mlp(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, prev, side = 0, in_channels, image_size
    for c in channels:
        per_position = prev * c * kernel_size ** 2 + c
        total += per_position * side * side  # "each output pixel has its own weights"
        prev, side = c, side // 2
    return total + prev * side * side * hidden + hidden + hidden * classes + classes


def count_unpadded(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, prev, side = 0, in_channels, image_size
    for c in channels:
        total += prev * c * kernel_size ** 2 + c
        side = side - kernel_size + 1  # "a 3x3 convolution loses a pixel on each side"
        side = side // 2
        prev = c
    return total + prev * side * side * hidden + hidden + hidden * classes + classes


def count_half_pixels(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, prev, side = 0, in_channels, image_size
    for c in channels:
        total += prev * c * kernel_size ** 2 + c
        side = side / 2
        prev = c
    return int(total + prev * side * side * hidden + hidden + hidden * classes + classes)


def stop_at_best_training(epochs, train_acc, val_acc, val_loss):
    best = 0
    for i in range(len(epochs)):
        if train_acc[i] > train_acc[best]:
            best = i
    return epochs[best]


def stop_at_first_best(epochs, train_acc, val_acc, val_loss):
    best = 0
    for i in range(len(epochs)):
        if val_acc[i] > val_acc[best]:  # strict: the first of equals stays
            best = i
    return epochs[best]


def stop_at_last_best(epochs, train_acc, val_acc, val_loss):
    best = 0
    for i in range(len(epochs)):
        if val_acc[i] >= val_acc[best]:  # >=: the last of equals wins
            best = i
    return epochs[best]


def stop_at_lowest_loss(epochs, train_acc, val_acc, val_loss):
    return epochs[val_loss.index(min(val_loss))]


def stop_position(epochs, train_acc, val_acc, val_loss):
    best = max(val_acc)
    candidates = [i for i, a in enumerate(val_acc) if a == best]
    return sorted(candidates, key=lambda i: val_loss[i])[0]


def stop_position_plus_one(epochs, train_acc, val_acc, val_loss):
    return stop_position(epochs, train_acc, val_acc, val_loss) + 1


def sgd_old_velocity(p, grad, v, lr, momentum):
    p_new = p - lr * v
    return p_new, momentum * v + grad


def sgd_dampened(p, grad, v, lr, momentum):
    v_new = momentum * v + (1 - momentum) * grad
    return p - lr * v_new, v_new


def sgd_lr_in_v(p, grad, v, lr, momentum):
    v_new = momentum * v + lr * grad
    return p - v_new, v_new


def sgd_cs231n(p, grad, v, lr, momentum):
    v = momentum * v - lr * grad  # CS231n's notes: the velocity holds the step
    p = p + v
    return p, v


def cm_fancy_index(y_true, y_pred, num_classes):
    M = np.zeros((num_classes, num_classes), dtype=np.int64)
    M[y_true, y_pred] += 1  # no loop needed?
    return M


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
    ("count_cnn_parameters", count_no_biases, "no_bias", ["bias"]),
    ("count_cnn_parameters", count_flat_filters, "no_depth", ["depth", "C_in"]),
    ("count_cnn_parameters", count_forgot_pooling, "no_pool", ["halves"]),
    ("count_cnn_parameters", count_like_an_mlp, "per_position", ["shared"]),
    ("count_cnn_parameters", count_unpadded, "valid", ["padded", "K - 1"]),
    ("count_cnn_parameters", count_half_pixels, "half_side", ["side // 2", "3.5"]),
    ("choose_stop_epoch", stop_at_last_best, "last_tie", ["LAST", "lowest validation loss"]),
    ("choose_stop_epoch", stop_at_best_training, "train", ["VALIDATION"]),
    ("choose_stop_epoch", stop_at_first_best, "first_tie", ["lowest validation loss"]),
    ("choose_stop_epoch", stop_at_lowest_loss, "min_loss", ["ACCURACY", "ties"]),
    ("choose_stop_epoch", stop_position, "index", ["epochs[i]"]),
    ("choose_stop_epoch", stop_position_plus_one, "count_from_1", ["does not start at epoch 1"]),
    ("sgd_momentum_step", sgd_old_velocity, "after", ["OLD velocity"]),
    ("sgd_momentum_step", sgd_dampened, "dampened", ["(1 - momentum)"]),
    ("sgd_momentum_step", sgd_lr_in_v, "lr_inside", ["lr outside"]),
    ("sgd_momentum_step", sgd_cs231n, "cs231n", ["CS231n", "-lr times", "schedule"]),
    ("build_confusion_matrix", cm_fancy_index, "marks", ["np.add.at", "M[y_true, y_pred] += 1"]),
    ("build_confusion_matrix", cm_transposed, "transposed", ["rows are the TRUE"]),
    ("build_confusion_matrix", cm_sized_by_labels, "from_max", ["num_classes"]),
    ("build_confusion_matrix", cm_marks, "marks", ["+= 1"]),
]


test_wrong_answer_gets_its_hint = wrong_answers_get_their_hints(WRONG, case_line=True)


def test_every_exercise_has_two_learner_style_wrong_answers():
    assert_two_wrong_answers_each(WRONG, NAMES)


def test_cs231n_hint_facts_same_path_at_a_fixed_lr_not_under_a_schedule():
    """The hint says: CS231n's v is -lr times PyTorch's; a fixed lr gives the same p, a
    schedule does not."""
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=4) for _ in range(6)]

    def run(lrs):
        p_pt, v_pt = np.ones(4), np.zeros(4)
        p_cs, v_cs = np.ones(4), np.zeros(4)
        for g, lr in zip(grads, lrs, strict=True):
            p_pt, v_pt = nb07._ref_step(p_pt, g, v_pt, lr, 0.9)
            p_cs, v_cs = sgd_cs231n(p_cs, g, v_cs, lr, 0.9)
        return p_pt, v_pt, p_cs, v_cs

    p_pt, v_pt, p_cs, v_cs = run([0.1] * 6)
    np.testing.assert_allclose(p_cs, p_pt, rtol=1e-12)
    np.testing.assert_allclose(v_cs, -0.1 * v_pt, rtol=1e-12)
    p_pt, _, p_cs, _ = run([0.1, 0.08, 0.06, 0.04, 0.02, 0.01])
    assert np.abs(p_cs - p_pt).max() > 1e-3


def test_fancy_index_increment_counts_a_repeated_pair_once():
    """The confusion-matrix hint's fact: M[t, p] += 1 on arrays is buffered; np.add.at is not."""
    t, p = np.array([1, 1, 1, 0]), np.array([1, 1, 1, 1])
    buffered = np.zeros((2, 2), dtype=np.int64)
    buffered[t, p] += 1
    added = np.zeros((2, 2), dtype=np.int64)
    np.add.at(added, (t, p), 1)
    assert buffered[1, 1] == 1 and added[1, 1] == 3
    assert ex.check_build_confusion_matrix(
        lambda yt, yp, n: (np.add.at(m := np.zeros((n, n), dtype=np.int64), (yt, yp), 1), m)[1],
        verbose=False).passed


def test_counts_as_floats_or_numpy_ints():
    solution = nb07._ref_count
    as_float = ex.check_count_cnn_parameters(lambda *a: float(solution(*a)), verbose=False)
    assert as_float.status == "fail" and "int" in as_float.message
    as_numpy = ex.check_count_cnn_parameters(lambda *a: np.int64(solution(*a)), verbose=False)
    assert as_numpy.passed


def test_stop_epoch_accepts_numpy_answers_and_leaves_the_lists_alone():
    def numpy_style(epochs, train_acc, val_acc, val_loss):
        acc, loss = np.array(val_acc), np.array(val_loss)
        tied = np.flatnonzero(acc == acc.max())
        return np.array(epochs)[tied[np.argmin(loss[tied])]]

    assert ex.check_choose_stop_epoch(numpy_style, verbose=False).passed

    def sorts_in_place(epochs, train_acc, val_acc, val_loss):
        val_acc.sort()  # spoils the learner's own list, not the next case's
        return epochs[-1]

    result = ex.check_choose_stop_epoch(sorts_in_place, verbose=False)
    assert result.status == "fail" and result.case == 1


# ----------------------------------------------------------------- the predict answer
def test_fact_digit_cnn_receptive_field():
    from cnnlib.models import digit_cnn
    from cnnlib.receptive_field import receptive_field

    last = receptive_field(digit_cnn())[-1]
    assert (last.size[0], last.jump[0]) == (nb07._RF, nb07._JUMP) == (10, 4)
