"""Exercises of notebooks/07_full_cnn.ipynb: count a CNN's parameters, an SGD-with-momentum
step, choose the epoch to stop at from validation curves, a confusion matrix."""

from __future__ import annotations

import numpy as np

from ..module import Parameter
from ..optim import SGD
from ..receptive_field import conv, pool, receptive_field
from ..train import confusion_matrix
from .core import Case, Exercise, Prediction, Wrong, run_check

__all__ = ["check_build_confusion_matrix", "check_choose_stop_epoch",
           "check_count_cnn_parameters", "check_sgd_momentum_step"]


# ------------------------------------------------------------- counting parameters
def _ref_count(in_channels, channels, kernel_size, hidden, classes, image_size):
    """Blocks Conv2d(c_prev, c, K, padding=K // 2) -> MaxPool2d(2) -> ReLU, then
    Flatten -> Linear(features, hidden) -> ReLU -> Linear(hidden, classes)."""
    total, c_in, side = 0, in_channels, image_size
    for c in channels:
        total += c * c_in * kernel_size ** 2 + c
        c_in, side = c, side // 2
    features = c_in * side * side
    return total + features * hidden + hidden + hidden * classes + classes


def _count_no_bias(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, c_in, side = 0, in_channels, image_size
    for c in channels:
        total += c * c_in * kernel_size ** 2
        c_in, side = c, side // 2
    return total + c_in * side * side * hidden + hidden * classes


def _count_no_depth(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, c_in, side = 0, in_channels, image_size
    for c in channels:
        total += c * kernel_size ** 2 + c
        c_in, side = c, side // 2
    return total + c_in * side * side * hidden + hidden + hidden * classes + classes


def _count_no_pool(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, c_in = 0, in_channels
    for c in channels:
        total += c * c_in * kernel_size ** 2 + c
        c_in = c
    return (total + c_in * image_size ** 2 * hidden + hidden + hidden * classes + classes)


def _count_per_position(in_channels, channels, kernel_size, hidden, classes, image_size):
    total, c_in, side = 0, in_channels, image_size
    for c in channels:
        total += (c * c_in * kernel_size ** 2 + c) * side * side
        c_in, side = c, side // 2
    return total + c_in * side * side * hidden + hidden + hidden * classes + classes


def _count_valid(in_channels, channels, kernel_size, hidden, classes, image_size):
    """Unpadded ("valid") convolutions: each shrinks the side by K - 1 before pooling."""
    total, c_in, side = 0, in_channels, image_size
    for c in channels:
        total += c * c_in * kernel_size ** 2 + c
        c_in, side = c, (side - kernel_size + 1) // 2
    return total + c_in * side * side * hidden + hidden + hidden * classes + classes


def _count_half_side(in_channels, channels, kernel_size, hidden, classes, image_size):
    """Pooling as side / 2: a 7 x 7 map becomes 3.5 x 3.5 (the int keeps a float answer
    with whole-number sides for the plain "return an int" hint)."""
    total, c_in, side = 0, in_channels, image_size
    for c in channels:
        total += c * c_in * kernel_size ** 2 + c
        c_in, side = c, side / 2
    return int(total + c_in * side * side * hidden + hidden + hidden * classes + classes)


def check_count_cnn_parameters(fn, verbose=True):
    """Check ``fn(in_channels, channels, kernel_size, hidden, classes, image_size)`` -> the
    number of weights and biases of the CNN described in the exercise.

    Prints the result; returns a CheckResult. Introduced in notebooks/07_full_cnn.ipynb.
    """
    data = [
        ("notebook 07's digit_cnn", 1, (8, 32), 3, 128, 10, 28),
        ("the same network on 56x56 images", 1, (8, 32), 3, 128, 10, 56),
        ("doubling the channels when the maps halve: 8 -> 16 -> 32", 1, (8, 16, 32), 3,
         64, 10, 28),
        ("a 32x32 colour image (3 channels), 12 filters first", 3, (12, 24), 3, 100, 10, 32),
        ("5x5 kernels", 1, (6, 16), 5, 120, 10, 28),
        ("a 30x30 image: pooling 15 -> 7 drops the odd row", 1, (4, 8), 3, 32, 5, 30),
    ]
    cases = [Case(label, {"in_channels": c, "channels": ch, "kernel_size": k, "hidden": h,
                          "classes": n, "image_size": size}, _ref_count(c, ch, k, h, n, size))
             for label, c, ch, k, h, n, size in data]
    wrongs = [
        Wrong("no_bias", "every filter and every dense unit also has a bias: add F biases per "
              "conv layer and one per output of each Linear.", _count_no_bias),
        Wrong("no_depth", "a filter has the depth of its input: F filters of C_in x K x K "
              "weights, so a conv layer has F * C_in * K * K + F parameters.", _count_no_depth),
        Wrong("no_pool", "each 2x2 pooling halves the side (side // 2): Flatten hands "
              "C * side * side numbers to the first Linear, with the side after pooling.",
              _count_no_pool),
        Wrong("per_position", "a conv layer's weights are shared by every position of the "
              "image (that is the point of a CNN): count them once, not once per position.",
              _count_per_position),
        Wrong("valid", "these convolutions are padded (padding=K // 2): they keep the side, "
              "and only the pooling halves it. You shrank the side by K - 1 at each "
              "convolution, as an unpadded ('valid') one would.", _count_valid),
        Wrong("half_side", "2x2 pooling drops an odd last row and column: the side becomes "
              "side // 2 (7 -> 3), not side / 2 (7 -> 3.5; there is no half a pixel).",
              _count_half_side),
    ]
    return run_check("count_cnn_parameters", fn, cases, wrongs,
                     "per block: F * C_in * K * K + F, then side //= 2; then "
                     "C * side * side * hidden + hidden and hidden * classes + classes.",
                     verbose)


# ------------------------------------------------------------- early stopping
def _ref_stop(epochs, train_acc, val_acc, val_loss):
    best = max(val_acc)
    tied = [i for i, a in enumerate(val_acc) if a == best]
    return epochs[min(tied, key=lambda i: val_loss[i])]


def _stop_index(epochs, train_acc, val_acc, val_loss):
    return int(np.argmax(val_acc))


def _stop_train(epochs, train_acc, val_acc, val_loss):
    return epochs[int(np.argmax(train_acc))]


def _stop_last(epochs, train_acc, val_acc, val_loss):
    return epochs[-1]


def _stop_min_loss(epochs, train_acc, val_acc, val_loss):
    return epochs[int(np.argmin(val_loss))]


def _stop_first_tie(epochs, train_acc, val_acc, val_loss):
    return epochs[int(np.argmax(val_acc))]


def _stop_last_tie(epochs, train_acc, val_acc, val_loss):
    tied = [i for i, a in enumerate(val_acc) if a == max(val_acc)]
    return epochs[tied[-1]]


def _stop_count_from_1(epochs, train_acc, val_acc, val_loss):
    tied = [i for i, a in enumerate(val_acc) if a == max(val_acc)]
    return min(tied, key=lambda i: val_loss[i]) + 1


def check_choose_stop_epoch(fn, verbose=True):
    """Check ``fn(epochs, train_acc, val_acc, val_loss)`` -> the epoch to stop at: the best
    validation accuracy, ties broken by the lowest validation loss.

    Prints the result; returns a CheckResult. Introduced in notebooks/07_full_cnn.ipynb.
    """
    data = [
        ("validation peaks at epoch 3 while training accuracy keeps rising", [1, 2, 3, 4, 5],
         [0.90, 0.95, 0.97, 0.98, 0.99], [0.92, 0.95, 0.97, 0.96, 0.96],
         [0.30, 0.18, 0.11, 0.12, 0.13]),
        ("two epochs tie at 97 %: the lower validation loss decides", [1, 2, 3, 4, 5, 6],
         [0.90, 0.94, 0.96, 0.97, 0.985, 0.98], [0.94, 0.97, 0.96, 0.97, 0.95, 0.96],
         [0.20, 0.12, 0.13, 0.10, 0.14, 0.15]),
        ("the lowest loss is not the best accuracy: accuracy decides", [1, 2, 3, 4],
         [0.93, 0.96, 0.97, 0.99], [0.95, 0.97, 0.98, 0.975], [0.16, 0.10, 0.11, 0.09]),
        ("a tie again; here the earlier epoch has the lower loss", [1, 2, 3, 4],
         [0.95, 0.97, 0.98, 0.985], [0.96, 0.98, 0.97, 0.98], [0.15, 0.08, 0.10, 0.09]),
        ("a single epoch", [1], [0.9], [0.91], [0.3]),
        ("a run continued from epoch 5: the epochs are 6 to 10", [6, 7, 8, 9, 10],
         [0.97, 0.98, 0.985, 0.99, 0.992], [0.97, 0.975, 0.98, 0.978, 0.979],
         [0.10, 0.09, 0.08, 0.085, 0.082]),
    ]
    cases = [Case(label, {"epochs": e, "train_acc": t, "val_acc": a, "val_loss": v},
                  _ref_stop(e, t, a, v)) for label, e, t, a, v in data]
    wrongs = [
        Wrong("last_tie", "you chose on the validation accuracy, good; but several epochs "
              "share the best one, and you took the LAST of them. Among the tied epochs take "
              "the one with the lowest validation loss.", _stop_last_tie),
        Wrong("train", "training accuracy keeps rising while the network memorises its "
              "training digits: choose on the VALIDATION curve.", _stop_train),
        Wrong("last", "the last epoch is not always the best: find the epoch with the highest "
              "validation accuracy.", _stop_last),
        Wrong("min_loss", "the criterion is validation ACCURACY; the validation loss only "
              "breaks ties between epochs with the same accuracy.", _stop_min_loss),
        Wrong("first_tie", "several epochs share the best accuracy: among them, take the one "
              "with the lowest validation loss (not simply the first).", _stop_first_tie),
        Wrong("index", "return the epoch NUMBER, epochs[i], not the position i in the list "
              "(epochs are counted from 1).", _stop_index),
        Wrong("count_from_1", "read the epoch number from the list, epochs[i]: this history "
              "does not start at epoch 1.", _stop_count_from_1),
    ]
    return run_check("choose_stop_epoch", fn, cases, wrongs,
                     "best = max(val_acc); among the i with val_acc[i] == best, take the one "
                     "with the smallest val_loss[i]; return epochs[i].", verbose)


# ------------------------------------------------------------- SGD with momentum
def _ref_step(p, grad, v, lr, momentum):
    param = Parameter(p.copy())
    opt = SGD([param], lr=lr, momentum=momentum)
    if momentum:
        opt.velocity[0][...] = v
    param.grad = grad
    opt.step()
    v_new = opt.velocity[0] if momentum else grad.copy()
    return param.data, v_new.astype(p.dtype)


def _three_steps(fn, p, grads, v, lr, momentum):
    """Call fn three times, feeding back its (p, v), with the gradients grads[0..2].

    What comes back is fed in as arrays, like the inputs shown (a list would make the
    learner's code fail in a way those inputs cannot reproduce); the last answer is returned
    as it is, and anything that is not a pair of numbers at once, for the checker to report.
    """
    out = None
    for g in grads:
        out = fn(p, g, v, lr, momentum)
        try:
            p, v = (np.asarray(a, dtype=p.dtype) for a in out)
        except (TypeError, ValueError):
            return out
    return out


def _wrong_after(p, grad, v, lr, momentum):  # update with the OLD velocity
    return p - lr * v, momentum * v + grad


def _wrong_dampened(p, grad, v, lr, momentum):
    v = momentum * v + (1 - momentum) * grad
    return p - lr * v, v


def _wrong_lr_inside(p, grad, v, lr, momentum):
    v = momentum * v + lr * grad
    return p - v, v


def _wrong_sign(p, grad, v, lr, momentum):
    v = momentum * v + grad
    return p + lr * v, v


def _wrong_plain(p, grad, v, lr, momentum):
    return p - lr * grad, momentum * v + grad


def _wrong_old_v(p, grad, v, lr, momentum):
    return p - lr * (momentum * v + grad), v


def _wrong_cs231n(p, grad, v, lr, momentum):  # CS231n's notes: v holds steps
    v = momentum * v - lr * grad
    return p + v, v


def check_sgd_momentum_step(fn, verbose=True):
    """Check ``fn(p, grad, v, lr, momentum)`` -> (p_new, v_new), PyTorch's formulation.

    Prints the result; returns a CheckResult. Introduced in notebooks/07_full_cnn.ipynb.
    """
    rng = np.random.default_rng(11)
    p0, g0 = np.array([1.0, -2.0, 0.5]), np.array([0.1, 0.3, -0.2])
    cases = [
        Case("first step: v = 0", {"p": p0, "grad": g0, "v": np.zeros(3), "lr": 0.1,
                                   "momentum": 0.9}, _ref_step(p0, g0, np.zeros(3), 0.1, 0.9)),
        Case("a velocity from earlier steps", {"p": p0, "grad": g0, "v": np.array(
            [0.5, -0.5, 1.0]), "lr": 0.1, "momentum": 0.9},
            _ref_step(p0, g0, np.array([0.5, -0.5, 1.0]), 0.1, 0.9)),
    ]
    p1, v1 = rng.normal(size=(2, 2)), rng.normal(size=(2, 2))
    g1 = rng.normal(size=(2, 2))
    cases.append(Case("momentum 0 is plain SGD", {"p": p1, "grad": g1, "v": v1 * 0, "lr": 0.5,
                                                  "momentum": 0.0},
                      _ref_step(p1, g1, v1 * 0, 0.5, 0.0)))
    grads = [rng.normal(size=4) for _ in range(3)]
    p_start = rng.normal(size=4)
    exp_p, exp_v = p_start, np.zeros(4)
    for g in grads:
        exp_p, exp_v = _ref_step(exp_p, g, exp_v, 0.05, 0.8)
    cases.append(Case("three steps in a row, feeding back (p, v)",
                      {"p": p_start, "grads": grads, "v": np.zeros(4), "lr": 0.05,
                       "momentum": 0.8}, (exp_p, exp_v), run=_three_steps))
    p32 = rng.normal(size=(2, 3)).astype(np.float32)
    g32 = rng.normal(size=(2, 3)).astype(np.float32)
    v32 = rng.normal(size=(2, 3)).astype(np.float32)
    cases.append(Case("float32 stays float32", {"p": p32, "grad": g32, "v": v32, "lr": 0.01,
                                                 "momentum": 0.9},
                      _ref_step(p32, g32, v32, 0.01, 0.9), rtol=1e-5, atol=1e-6))
    cases = [c if c.run else Case(c.label, c.inputs, tuple(c.expected), rtol=c.rtol,
                                  atol=c.atol) for c in cases]
    wrongs = [
        Wrong("after", "the update used the OLD velocity: first v = momentum * v + grad, then "
              "p = p - lr * v with that new v.", _wrong_after),
        Wrong("dampened", "PyTorch's SGD does not scale the gradient by (1 - momentum): "
              "v = momentum * v + grad.", _wrong_dampened),
        Wrong("cs231n", "this is CS231n's form, v = momentum * v - lr * grad, then p = p + v: "
              "its v holds steps, and is -lr times PyTorch's v. With a fixed lr both move p "
              "the same way; with a learning-rate schedule they do not (PyTorch applies "
              "today's lr to the whole velocity, CS231n applied each step's lr to its own "
              "gradient). This exercise uses PyTorch's, as cnnlib's SGD does: "
              "v_new = momentum * v + grad, p_new = p - lr * v_new.", _wrong_cs231n),
        Wrong("lr_inside", "in PyTorch's formulation v holds gradients, not steps: "
              "v = momentum * v + grad, then p = p - lr * v (lr outside v).", _wrong_lr_inside),
        Wrong("sign", "gradient DEScent: p = p - lr * v (you moved uphill).", _wrong_sign),
        Wrong("plain", "the parameter update ignored the velocity: p = p - lr * v, with the "
              "new v.", _wrong_plain),
        Wrong("old_v", "return the NEW velocity (it is fed back in at the next step).",
              _wrong_old_v),
    ]
    return run_check("sgd_momentum_step", fn, cases, wrongs,
                     "v_new = momentum * v + grad; p_new = p - lr * v_new; return "
                     "(p_new, v_new).", verbose)


# ------------------------------------------------------------- confusion matrix
def _wrong_transposed(y_true, y_pred, num_classes):
    return confusion_matrix(y_true, y_pred, num_classes).T


def _wrong_from_max(y_true, y_pred, num_classes):
    n = int(max(y_true.max(), y_pred.max())) + 1
    return confusion_matrix(y_true, y_pred, n)


def _wrong_marks(y_true, y_pred, num_classes):  # = 1 instead of += 1
    return (confusion_matrix(y_true, y_pred, num_classes) > 0).astype(np.int64)


def _wrong_diagonal_only(y_true, y_pred, num_classes):
    return np.diag(np.diag(confusion_matrix(y_true, y_pred, num_classes)))


def check_build_confusion_matrix(fn, verbose=True):
    """Check ``fn(y_true, y_pred, num_classes)`` -> M with M[i, j] = #(true i, predicted j).

    Prints the result; returns a CheckResult. Introduced in notebooks/07_full_cnn.ipynb.
    """
    rng = np.random.default_rng(12)
    data = [
        ("3 classes, some mistakes", [0, 0, 1, 1, 2, 2, 2], [0, 1, 1, 1, 2, 0, 0], 3),
        ("everything right: only the diagonal", [2, 0, 1, 2], [2, 0, 1, 2], 3),
        ("class 3 never appears (num_classes = 4)", [0, 1, 2, 1], [1, 1, 2, 0], 4),
        ("a single sample", [4], [7], 10),
        ("50 samples, 10 classes", list(rng.integers(0, 10, 50)),
         list(rng.integers(0, 10, 50)), 10),
    ]
    cases = []
    for label, yt, yp, n in data:
        yt, yp = np.array(yt, dtype=np.int64), np.array(yp, dtype=np.int64)
        cases.append(Case(label, {"y_true": yt, "y_pred": yp, "num_classes": n},
                          confusion_matrix(yt, yp, n)))
    wrongs = [
        Wrong("transposed", "rows are the TRUE classes and columns the predictions: "
              "M[y_true[n], y_pred[n]] += 1.", _wrong_transposed),
        Wrong("from_max", "the size comes from num_classes, not from the largest label seen: "
              "a class may be missing from a small batch.", _wrong_from_max),
        Wrong("marks", "some pairs (true t, predicted p) occur more than once and you counted "
              "them once. In a loop: M[t, p] += 1, not = 1. With arrays, M[y_true, y_pred] += 1 "
              "also counts a repeated pair once (numpy reads all the old values, then writes "
              "them back + 1); np.add.at(M, (y_true, y_pred), 1) adds every sample.",
              _wrong_marks),
        Wrong("diagonal", "the mistakes belong in the matrix too (off the diagonal): "
              "M[t, p] += 1 for every sample.", _wrong_diagonal_only),
    ]
    return run_check("build_confusion_matrix", fn, cases, wrongs,
                     "M = np.zeros((num_classes, num_classes), dtype=np.int64); for each "
                     "sample M[y_true[n], y_pred[n]] += 1.", verbose)


EXERCISES = [
    Exercise(
        "count_cnn_parameters", "Count the parameters of a CNN",
        "A CNN made of one block per entry `c` of `channels` - `Conv2d(c_prev, c, K, "
        "padding=K // 2)` -> `MaxPool2d(2)` -> `ReLU` (the first `c_prev` is `in_channels`) - "
        "then `Flatten` -> `Linear(features, hidden)` -> `ReLU` -> `Linear(hidden, classes)`. "
        "Write `count_cnn_parameters(in_channels, channels, kernel_size, hidden, classes, "
        "image_size)` returning its number of weights and biases (square images of side "
        "`image_size`; pooling rounds down). **Before you code, predict:** if the images were "
        "56 x 56 instead of 28 x 28, which layers would get more parameters, and which would "
        "keep exactly the same number? Then check your prediction with your function: "
        "`count_cnn_parameters(1, (8, 32), 3, 128, 10, 28)` is `digit_cnn`'s 204,538.",
        'def count_cnn_parameters(in_channels, channels, kernel_size, hidden, classes,\n'
        '                         image_size):\n'
        '    """Number of weights and biases of the CNN described above (an int)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def count_cnn_parameters(in_channels, channels, kernel_size, hidden, classes,\n'
        '                         image_size):\n'
        '    """Number of weights and biases of the CNN described above (an int)."""\n'
        '    total, c_in, side = 0, in_channels, image_size\n'
        '    for c in channels:\n'
        '        total += c * c_in * kernel_size * kernel_size + c  # c filters of depth c_in\n'
        '        c_in, side = c, side // 2    # padding keeps the side, pooling halves it\n'
        '    features = c_in * side * side    # what Flatten hands to the first Linear\n'
        '    total += features * hidden + hidden\n'
        '    total += hidden * classes + classes\n'
        '    return total\n'
        '# The conv layers do not depend on the image size: their weights are shared by\n'
        '# every position. Only the first Linear grows: 4x the weights for 56 x 56 images.\n'),
    Exercise(
        "sgd_momentum_step", "One step of SGD with momentum",
        "Write `sgd_momentum_step(p, grad, v, lr, momentum)` returning `(p_new, v_new)` in "
        "PyTorch's formulation: first the velocity `v_new = momentum * v + grad`, then the "
        "step `p_new = p - lr * v_new`. With "
        "`momentum = 0` this is plain SGD.",
        'def sgd_momentum_step(p, grad, v, lr, momentum):\n'
        '    """One update: returns (p_new, v_new), arrays of the shape of p."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def sgd_momentum_step(p, grad, v, lr, momentum):\n'
        '    """One update: returns (p_new, v_new), arrays of the shape of p."""\n'
        '    v_new = momentum * v + grad      # a running sum of gradients\n'
        '    p_new = p - lr * v_new           # the step uses the NEW velocity\n'
        '    return p_new, v_new\n'),
    Exercise(
        "choose_stop_epoch", "Choose when to stop, from validation curves",
        "`fit` returns a history with, per epoch, `history[\"epoch\"]`, "
        "`history[\"train_acc\"]`, `history[\"val_acc\"]` and `history[\"val_loss\"]`. "
        "Write `choose_stop_epoch(epochs, train_acc, val_acc, val_loss)` (four lists of the "
        "same length) returning the epoch to stop at (**early stopping**): the epoch with the "
        "highest validation accuracy; when several epochs share it (on 500 digits accuracy "
        "moves in steps of 0.2 %, so ties happen), the one among them with the lowest "
        "validation loss. Think first: why not the training accuracy, and why never the test "
        "accuracy? Then try it on this notebook's run, "
        "`choose_stop_epoch(history[\"epoch\"], history[\"train_acc\"], "
        "history[\"val_acc\"], history[\"val_loss\"])`: section 4 printed the epoch this "
        "rule gives there, and the one a plain `np.argmax` gives (in our run they differ).",
        'def choose_stop_epoch(epochs, train_acc, val_acc, val_loss):\n'
        '    """The epoch number (from epochs) to stop at."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def choose_stop_epoch(epochs, train_acc, val_acc, val_loss):\n'
        '    """The epoch number (from epochs) to stop at."""\n'
        '    best = max(val_acc)              # train_acc is not used: it rises while memorising\n'
        '    tied = [i for i in range(len(epochs)) if val_acc[i] == best]\n'
        '    i = min(tied, key=lambda k: val_loss[k])   # ties: the lowest validation loss\n'
        '    return epochs[i]                 # the epoch number, not the position\n'
        '# Never the test accuracy: an epoch chosen by its test score is the lucky one on\n'
        '# those digits, so the test score would overstate the network (section 0).\n'),
    Exercise(
        "build_confusion_matrix", "A confusion matrix",
        "Write `build_confusion_matrix(y_true, y_pred, num_classes)` for two integer label "
        "arrays of shape `(N,)`: return an int64 array `M` of shape `(num_classes, "
        "num_classes)` where `M[i, j]` counts the samples of true class `i` predicted as "
        "`j`. The accuracy is then `np.trace(M) / M.sum()`.",
        'def build_confusion_matrix(y_true, y_pred, num_classes):\n'
        '    """M[i, j] = number of samples of true class i predicted as j (int64)."""\n'
        '    raise NotImplementedError  # your code here\n',
        'def build_confusion_matrix(y_true, y_pred, num_classes):\n'
        '    """M[i, j] = number of samples of true class i predicted as j (int64)."""\n'
        '    M = np.zeros((num_classes, num_classes), dtype=np.int64)\n'
        '    for t, p in zip(y_true, y_pred):\n'
        '        M[t, p] += 1                 # row: truth, column: prediction\n'
        '    return M\n'),
]


# the geometry of cnnlib.models.digit_cnn (tests check it against the model)
DIGIT_CNN_WINDOWS = [conv(3, padding=1), pool(2), conv(3, padding=1), pool(2)]


def _digit_rf():
    last = receptive_field(DIGIT_CNN_WINDOWS)[-1]
    return last.size[0], last.jump[0]


_RF, _JUMP = _digit_rf()

PREDICTIONS = [
    Prediction(
        "DigitInspector",
        "**Predict, then move the slider.** The last feature maps of `digit_cnn` are 7x7 "
        "for a 28x28 digit. How many input pixels wide is the patch one of their units sees, "
        "and how many pixels apart are neighbouring units? Then go through the test digits "
        "the network gets wrong (the list `wrong` above): would you hesitate on them "
        "too, and how sure was the network?",
        f"Conv 3x3 -> pool 2 -> conv 3x3 -> pool 2 gives a receptive field of {_RF}x{_RF} "
        f"pixels, with neighbouring units {_JUMP} pixels apart (3 -> 4 -> 8 -> {_RF}; jump "
        f"1 -> 2 -> 2 -> {_JUMP}). Whether the mistakes look ambiguous to you has no fixed "
        "answer; but some are made with high confidence (5 in our run; yours are counted "
        "under the calibration table above): "
        "a probability near 100 % is not a guarantee."),
]
