"""Exercises of notebooks/03_padding_and_stride.ipynb: design a layer, find the pixels it never
reads, count a network's cost, debug a strided convolution.

The checkers are here; the statements, stubs, solutions and the "predict" question are in
:mod:`.nb03_texts` (re-exported here as ``EXERCISES`` and ``PREDICTIONS``).
"""

from __future__ import annotations

import copy
import re

import numpy as np

from ..conv import conv2d_backward, conv2d_forward
from .core import Case, Wrong, run_check
from .nb03_texts import EXERCISES, PREDICTIONS
from .words import is_int, is_real, number

__all__ = ["EXERCISES", "PREDICTIONS", "check_conv2d_strided", "check_network_cost",
           "check_never_read", "check_pick_padding_stride"]


# ------------------------------------------------------------- 1. design: pick P and S
def _size(W, K, P, S):
    return (W + 2 * P - K) // S + 1


def _ref_pick(W_in, W_out, K):
    S = -(-W_in // W_out)  # ceil(W_in / W_out)
    return next((P, S) for P in range(K) if _size(W_in, K, P, S) == W_out)


def _whole_pair(answer):
    """(P, S) as ints when the answer is two whole real numbers, else None."""
    if isinstance(answer, np.ndarray):
        if answer.ndim != 1 or answer.dtype.kind not in "iuf":
            return None
        answer = answer.tolist()
    if not isinstance(answer, tuple | list) or len(answer) != 2:
        return None
    if not all(is_int(v) or (is_real(v) and float(v).is_integer()) for v in answer):
        return None  # (inf and nan are not whole; a huge int is)
    return int(answer[0]), int(answer[1])


def _works(pair, W_in, W_out, K):
    P, S = pair
    return 0 <= P < K and S >= 1 and _size(W_in, K, P, S) == W_out


def _in_form_of(answer, values):
    """``values`` in the container and number types of ``answer`` (another right design is
    compared as if it were the reference, so only its form can still be wrong)."""
    if isinstance(answer, np.ndarray):
        return np.array(values, dtype=answer.dtype)
    return type(answer)(type(a)(v) for a, v in zip(answer, values, strict=True))


def _judge_design(fn, W_in, W_out, K):
    answer = fn(W_in, W_out, K)
    pair = _whole_pair(answer)
    ref = _ref_pick(W_in, W_out, K)
    if pair is None or pair == ref or not _works(pair, W_in, W_out, K):
        return answer
    return _in_form_of(answer, ref)


def _your_layer(fn, inputs) -> str | None:
    """One line on what the learner's (P, S) does, for a well-formed wrong design."""
    W_in, W_out, K = inputs.values()
    try:
        pair = _whole_pair(fn(*copy.deepcopy(list(inputs.values()))))
    except Exception:  # noqa: BLE001  (already reported by the checker)
        return None
    if pair is None or _works(pair, W_in, W_out, K):
        return None
    P, S = pair
    head = f"   your layer: P = {number(P)}, S = {number(S)}"
    if S < 1 or P < 0:
        return head + ": a stride is at least 1 and a padding at least 0."
    out = _size(W_in, K, P, S)
    text = f"{head} gives floor(({W_in} + {2 * P} - {K}) / {S}) + 1 = {number(out)} outputs"
    if out != W_out:
        return text + f", not {W_out}."
    return text + f", but P = {number(P)} >= K = {K}: the first windows would see only zeros."


def _pick_wrong(P_of, S_of):
    return lambda W_in, W_out, K: (P_of(W_in, W_out, K), S_of(W_in, W_out, K))


def _ceil(W_in, W_out, K):
    return -(-W_in // W_out)


def _solved_for_s(W_in, W_out, K):
    """The size formula solved for S (the floor forgotten), with 'same' padding."""
    return (W_in + 2 * ((K - 1) // 2) - K) // (W_out - 1)


def check_pick_padding_stride(fn, verbose=True):
    """Check ``fn(W_in, W_out, K)`` -> (P, S): any padding 0 <= P < K and stride S with
    which a K-wide kernel gives W_out outputs from W_in (judged by that size).
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    data = [("28 -> 14 with K = 3", (28, 14, 3)), ("the seed's 5 -> 3 with K = 3", (5, 3, 3)),
            ("28 -> 14 with K = 2", (28, 14, 2)), ("28 -> 14 with K = 5", (28, 14, 5)),
            ("keep the size: 28 -> 28 with K = 5", (28, 28, 5)),
            ("the seed's stride 4: 34 -> 9 with K = 3", (34, 9, 3)),
            ("32 -> 8 with K = 4", (32, 8, 4)), ("7 -> 4 with K = 2", (7, 4, 2))]
    cases = [Case(f"{label} (several answers pass)", dict(zip(("W_in", "W_out", "K"), args,
                                                              strict=True)),
                  _ref_pick(*args), run=_judge_design) for label, args in data]
    wrongs = [
        Wrong("no_stride", "with stride 1 and 'same' padding the size stays the same: it is "
              "the stride that divides it (S = 2 roughly halves it).",
              _pick_wrong(lambda W, O, K: (K - 1) // 2, lambda W, O, K: 1)),
        Wrong("no_padding", "without padding the last window does not fit, so there is one "
              "output too few: add padding until the count is W_out.",
              _pick_wrong(lambda W, O, K: 0, _ceil)),
        Wrong("floor_stride", "W_in // W_out rounds the stride down: the windows are then too "
              "close together and there are too many of them. W_out windows S apart must "
              "cover W_in pixels: round UP, S = ceil(W_in / W_out).",
              _pick_wrong(lambda W, O, K: (K - 1) // 2, lambda W, O, K: max(W // O, 1))),
        Wrong("half_padding", "P = K // 2 is one too many for an even K (it adds a window): "
              "try the smaller padding.", _pick_wrong(lambda W, O, K: K // 2, _ceil)),
        Wrong("solved_for_S", "solving W_out = (W_in + 2P - K) / S + 1 for S gives "
              "S = (W_in + 2P - K) // (W_out - 1): the LARGEST stride with which W_out windows "
              "fit, but the floor lets more of them fit (see the size your layer gives above). "
              "Check floor((W_in + 2P - K) / S) + 1 == W_out and change P or S until it holds, "
              "or start from S = ceil(W_in / W_out).",
              _pick_wrong(lambda W, O, K: (K - 1) // 2, _solved_for_s)),
        Wrong("swapped", "return (P, S): the padding first, then the stride.",
              lambda W_in, W_out, K: _ref_pick(W_in, W_out, K)[::-1]),
    ]
    result = run_check("pick_padding_stride", fn, cases, wrongs,
                       "W_out windows S apart must reach across the padded input, so S is about "
                       "W_in / W_out; then adjust P (0 <= P < K) until floor((W_in + 2P - K) / S)"
                       " + 1 is exactly W_out. A loop over candidates is fine.", verbose=False)
    if result.status == "fail" and result.case is not None:
        extra = _your_layer(fn, cases[result.case - 1].inputs)
        if extra:
            lines = result.message.split("\n")
            at = next(i for i, t in enumerate(lines) if t.startswith("   hint:"))
            result.message = "\n".join(lines[:at] + [extra] + lines[at:])
    if verbose:
        print(result.message)
    return result


# ------------------------------------------------------------- 2. find: pixels never read
def _ref_never(H, K, S, P):
    x, w = np.ones((1, 1, H, H)), np.ones((1, 1, K, K))
    out, cache = conv2d_forward(x, w, stride=S, padding=P)
    return conv2d_backward(np.ones_like(out), cache)[0][0, 0] == 0


def _counts(H, K, S, P, start=1, step=None, n=None, width=None):
    """Window counts on the padded grid (start=0 drops the last window per axis; step: the
    windows' spacing, n: their number per axis, width: theirs; right unless a mistake says
    otherwise)."""
    counts = np.zeros((H + 2 * P, H + 2 * P), dtype=np.int64)
    n = (H + 2 * P - K) // S + start if n is None else n
    step, width = S if step is None else step, K if width is None else width
    for i in range(n):
        for j in range(n):
            counts[i * step:i * step + width, j * step:j * step + width] += 1
    return counts


def check_never_read(fn, verbose=True):
    """Check ``fn(H, K, S, P)`` -> bool (H, H): True where no K x K window (stride S, padding
    P) reads the pixel. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    data = [("stride 1 reads every pixel", (6, 3, 1, 0)),
            ("the floor: 6x6, K = 3, S = 2", (6, 3, 2, 0)),
            ("padding 1 gives the floor's row a window", (6, 3, 2, 1)),
            ("gaps: 10x10, K = 3, S = 4, P = 1", (10, 3, 4, 1)),
            ("a 1x1 kernel with stride 2", (8, 1, 2, 0)),
            ("K = 2, S = 3, P = 1", (9, 2, 3, 1)),
            ("the kernel is as big as the image", (5, 5, 1, 0)),
            ("the seed's stride 4 on 34x34: K = 3, S = 4, P = 1", (34, 3, 4, 1))]
    cases = [Case(label, dict(zip("HKSP", args, strict=True)), _ref_never(*args))
             for label, args in data]
    wrongs = [
        Wrong("inverted", "True must mark the pixels NEVER read (count 0), not the read ones.",
              lambda H, K, S, P: ~_ref_never(H, K, S, P)),
        Wrong("counts", "return a True/False mask (e.g. counts == 0), not the counts.",
              lambda H, K, S, P: _counts(H, K, S, P)[P:P + H, P:P + H]),
        Wrong("no_stride", "the windows start S pixels apart: window i starts at row i * S.",
              lambda H, K, S, P: _counts(H, K, S, P, step=1)[P:P + H, P:P + H] == 0),
        Wrong("no_crop", "return the H x H real pixels only: cut P rows and columns off each "
              "side of the padded grid.", lambda H, K, S, P: _counts(H, K, S, P) == 0),
        Wrong("minus_p_crop", "x[P:-P] is empty when P = 0 (-0 is 0, so the slice is [0:0]): "
              "keep the real pixels with [P:P + H].",
              lambda H, K, S, P: (_counts(H, K, S, P) == 0)[P:-P, P:-P]),
        Wrong("unpadded_grid", "the windows live on the padded grid: count on an (H + 2P) "
              "grid, then keep its middle.",
              lambda H, K, S, P: _counts(H + 2 * P, K, S, 0)[:H, :H] == 0),
        Wrong("unpadded_count", "too few windows: they slide over the PADDED grid, so there "
              "are (H + 2P - K) // S + 1 of them per axis (the 2P is missing).",
              lambda H, K, S, P: _counts(H, K, S, P, n=(H - K) // S + 1)[P:P + H, P:P + H] == 0),
        Wrong("one_window_short", "one window too few per axis: check the 2P and the + 1 in "
              "(H + 2P - K) // S + 1.",
              lambda H, K, S, P: _counts(H, K, S, P, start=0)[P:P + H, P:P + H] == 0),
        Wrong("narrow_window", "a window covers K rows and K columns: the slice is "
              "[i * S:i * S + K] (its end is excluded, so not + K - 1).",
              lambda H, K, S, P: _counts(H, K, S, P, width=K - 1)[P:P + H, P:P + H] == 0),
    ]
    return run_check("never_read", fn, cases, wrongs,
                     "count on the padded grid as in section 1, with window (i, j) starting "
                     "at (i * S, j * S); keep the middle H x H; return counts == 0.", verbose)


# ------------------------------------------------------------- 3. count: parameters, multiply-adds
def _cost(H, C_in, layers, bias=True, out_positions=True, chain_c=True, chain_h=True, k2=True,
          bias_mac=False, add_up=True):
    params = macs = 0
    for C_out, K, S, P in layers:
        H_out = (H + 2 * P - K) // S + 1
        taps = C_in * (K * K if k2 else K)
        params = params * add_up + C_out * (taps + bias)
        macs = macs * add_up + (H_out if out_positions else H) ** 2 * C_out * (taps + bias_mac)
        H, C_in = (H_out if chain_h else H), (C_out if chain_c else C_in)
    return params, macs


NETWORKS = [
    ("one 3x3 layer, 1 -> 8 channels, on 28x28", (28, 1, [(8, 3, 1, 1)])),
    ("section 4's layers A, B, C", (32, 16, [(16, 3, 1, 1), (32, 3, 2, 1), (32, 3, 1, 1)])),
    ("a digit network: 1 -> 8 -> 16 (stride 2) -> 32 (stride 2)",
     (28, 1, [(8, 3, 1, 1), (16, 3, 2, 1), (32, 3, 2, 1)])),
    ("AlexNet's first layer", (227, 3, [(96, 11, 4, 0)])),
    ("a 1x1 layer", (7, 64, [(32, 1, 1, 0)])),
    ("no padding, a stride that does not divide", (9, 2, [(4, 3, 2, 0), (4, 2, 1, 0)])),
    ("no layers at all", (5, 3, [])),
]


def check_network_cost(fn, verbose=True):
    """Check ``fn(H, C_in, layers)`` -> (parameters, multiply_adds) of a stack of square
    convolutions, layers a list of (C_out, K, S, P).
    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    cases = [Case(label, {"H": H, "C_in": C, "layers": layers}, _cost(H, C, layers))
             for label, (H, C, layers) in NETWORKS]

    def wrong(**kw):
        return lambda H, C_in, layers: _cost(H, C_in, layers, **kw)

    wrongs = [
        Wrong("no_bias", "each filter also has one bias: a layer has C_out * (C_in * K * K + 1) "
              "parameters.", wrong(bias=False)),
        Wrong("input_positions", "a layer computes H_out x H_out positions (after its stride "
              "and padding), not H x H.", wrong(out_positions=False)),
        Wrong("same_c_in", "the next layer's C_in is this layer's C_out.", wrong(chain_c=False)),
        Wrong("same_h", "the next layer's input is this layer's output: set H = H_out after "
              "each layer.", wrong(chain_h=False)),
        Wrong("k_not_squared", "a K x K kernel has K * K weights per input channel.",
              wrong(k2=False)),
        Wrong("bias_mac", "the bias is added, not multiplied: an output value costs C_in * K * "
              "K multiply-adds, not C_in * K * K + 1 (the exercise leaves the bias additions "
              "out, as section 4 does).", wrong(bias_mac=True)),
        Wrong("last_layer_only", "the totals add up over the layers: parameters += ... and "
              "multiply-adds += ... (your answer is the last layer's alone).",
              wrong(add_up=False)),
    ]
    return run_check("network_cost", fn, cases, wrongs,
                     "for each (C_out, K, S, P): H_out = (H + 2P - K) // S + 1; parameters += "
                     "C_out * (C_in * K * K + 1); multiply-adds += H_out * H_out * C_out * C_in * "
                     "K * K; then H, C_in = H_out, C_out.", verbose)


# ------------------------------------------------------------- 4. debug: strided conv
def _ref(x, k, stride=1, padding=0):
    return conv2d_forward(x[None, None], k[None, None], stride=stride, padding=padding)[0][0, 0]


def _one_side(x, k, stride=1, padding=0):  # bug 1: xp[:H, :W] = x, all 2P zeros after x
    return _ref(np.pad(x, ((0, 2 * padding), (0, 2 * padding))), k, stride, 0)


def _sized(x, k, stride, padding, pad_in_size):
    """The right windows, but an output size that counts ``pad_in_size`` zeros per axis."""
    H_out = (x.shape[0] + pad_in_size - k.shape[0]) // stride + 1
    W_out = (x.shape[1] + pad_in_size - k.shape[1]) // stride + 1
    return _ref(x, k, stride, padding)[:max(H_out, 0), :max(W_out, 0)]


def _rows_only(x, k, stride=1, padding=0):  # window (i, j) starts at (i * stride, j)
    H_out, W_out = _ref(x, k, stride, padding).shape
    return _ref(x, k, 1, padding)[::stride][:H_out, :W_out]


def _at_i(x, k, stride=1, padding=0):  # window (i, j) starts at (i, j)
    H_out, W_out = _ref(x, k, stride, padding).shape
    return _ref(x, k, 1, padding)[:H_out, :W_out]


_SLICE_HINT = ("the window and k have different shapes (read the error): every window must be "
               "KH x KW, so the END of its slice moves with its start: "
               "xp[i * stride:i * stride + KH, j * stride:j * stride + KW].")


def check_conv2d_strided(fn, verbose=True):
    """Check ``fn(x, k, stride, padding)``: single-channel cross-correlation, zero padding.

    Prints the result; returns a CheckResult. Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    rng = np.random.default_rng(5)
    data = [
        ("5x5 input, 3x3 kernel, padding 1, stride 2 -> 3x3", (5, 5), (3, 3), 2, 1),
        ("stride 1, padding 1 ('same')", (4, 4), (3, 3), 1, 1),
        ("stride that does not divide: 6x6, 3x3, stride 2 -> 2x2", (6, 6), (3, 3), 2, 0),
        ("non-square 5x8 input, 2x3 kernel, stride 3, padding 1", (5, 8), (2, 3), 3, 1),
        ("1x1 kernel, stride 2: keeps every other pixel", (5, 5), (1, 1), 2, 0),
        ("padding 2 with stride 1", (3, 3), (3, 3), 1, 2),
        ("float32 in, float32 out", (7, 7), (3, 3), 2, 1),
    ]
    cases = []
    for label, xs, ks, s, p in data:
        dtype = np.float32 if "float32" in label else np.float64
        x = rng.normal(size=xs).astype(dtype)
        k = rng.normal(size=ks).astype(dtype)
        cases.append(Case(label, {"x": x, "k": k, "stride": s, "padding": p}, _ref(x, k, s, p),
                          rtol=1e-5 if dtype == np.float32 else 1e-6))
    wrongs = [
        Wrong("one_side", "the zeros are on one side only: xp[:H, :W] = x puts all 2P of them "
              "after x (below it and to its right). P zeros go on EVERY side: "
              "xp[padding:padding + H, padding:padding + W] = x.", _one_side),
        Wrong("pad_once", "the padded input is H + 2P wide, P zeros on each side (2P: both "
              "sides): H_out = (H + 2P - KH) // S + 1.",
              lambda x, k, stride=1, padding=0: _sized(x, k, stride, padding, padding)),
        Wrong("short", "the output size forgets the padding: H_out = (H + 2P - KH) // S + 1 "
              "(the windows slide over the PADDED input).",
              lambda x, k, stride=1, padding=0: _sized(x, k, stride, padding, 0)),
        Wrong("window_at_i", "the window of output (i, j) starts at row i * stride and column "
              "j * stride, not at (i, j).", _at_i),
        Wrong("rows_only", "the columns step too: window (i, j) starts at column j * stride.",
              _rows_only),
        Wrong("no_padding", "padding is ignored: pad x with `padding` zeros on every side "
              "first, then slide the kernel.", lambda x, k, stride=1, padding=0:
              _ref(x, k, stride, 0)),
        Wrong("flipped", "you flipped the kernel: that is true convolution; frameworks and "
              "this course compute cross-correlation.", lambda x, k, stride=1, padding=0:
              _ref(x, k[::-1, ::-1].copy(), stride, padding)),
    ]
    result = run_check("conv2d_strided", fn, cases, wrongs,
                       "pad first (P zeros on every side), then H_out = (H + 2P - KH) // S + 1 "
                       "and out[i, j] = sum(xp[i*S:i*S+KH, j*S:j*S+KW] * k).", verbose=False)
    if (result.status == "fail" and result.variant is None
            and "problem:  raised ValueError: operands could not be broadcast" in result.message):
        result.hint, result.variant = _SLICE_HINT, "slice_end"
        result.message = re.sub(r"(?m)^   hint:.*$", lambda _: f"   hint:     {_SLICE_HINT}",
                                result.message)
    if verbose:
        print(result.message)
    return result
