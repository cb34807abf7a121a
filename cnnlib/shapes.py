"""Output-size arithmetic for convolution, pooling and transposed convolution.

All sizes floor as in PyTorch::

    conv:       H_out = (H + 2P - D(K - 1) - 1) // S + 1
    pool:       H_out = (H + 2P - K) // S + 1            (P <= K // 2)
    transposed: H_out = (H - 1)S - 2P + D(K - 1) + 1 + output_padding

Each function takes ints (returns an int) or (h, w) pairs (returns a pair), and a size
that is not positive raises a ValueError showing the formula with the numbers filled in.
Introduced in notebooks/03_padding_and_stride.ipynb.
"""

from __future__ import annotations

from .checks import fail, pair

__all__ = [
    "conv_output_size", "conv_out_hw", "conv_transpose_output_size", "pool_output_size",
    "pool_out_hw",
]


def _all_ints(*values) -> bool:
    return all(not isinstance(v, tuple | list) for v in values)


def _conv_1d(func, axis, H, K, S, P, D, details=()):
    out = (H + 2 * P - D * (K - 1) - 1) // S + 1
    if out <= 0:
        span = D * (K - 1) + 1
        what = f"a {K}-wide kernel" + (f" with dilation {D} (it spans {span})" if D > 1 else "")
        raise fail(
            func,
            f"{what} does not fit an input of {H} ({axis}) with padding={P}.",
            f"  {axis}_out = (H + 2*P - D*(K-1) - 1) // S + 1"
            f" = ({H} + {2 * P} - {D * (K - 1)} - 1) // {S} + 1 = {out}",
            f"  Use a smaller kernel, or padding of at least {-(-(span - H) // 2)}.",
            *details,
        )
    return out


def conv_output_size(size, kernel_size, stride=1, padding=0, dilation=1):
    """Output size of a convolution: ``(H + 2P - D(K-1) - 1) // S + 1``.

    >>> conv_output_size(4, 3)          # the 3x3-over-4x4 example
    2
    >>> conv_output_size(5, 3, stride=2, padding=1)
    3

    Introduced in notebooks/02_convolution.ipynb.
    """
    H = pair(size, "size", "conv_output_size", minimum=1)
    out = conv_out_hw("conv_output_size", H, kernel_size, stride, padding, dilation)
    return out[0] if _all_ints(size, kernel_size, stride, padding, dilation) else out


def conv_out_hw(func, hw, kernel_size, stride=1, padding=0, dilation=1, details=()):
    """``(H_out, W_out)`` of a convolution on an ``(H, W)`` input, checked for ``func``.

    Used by every conv function so that an error names the function the learner called;
    ``details`` are extra lines (e.g. the shapes of x and w) added to such an error.
    Not used in the notebooks.
    """
    H = pair(hw, "size", func, minimum=1)
    K = pair(kernel_size, "kernel_size", func, minimum=1)
    S = pair(stride, "stride", func, minimum=1)
    P = pair(padding, "padding", func, minimum=0)
    D = pair(dilation, "dilation", func, minimum=1)
    return tuple(_conv_1d(func, ax, H[i], K[i], S[i], P[i], D[i], details)
                 for i, ax in enumerate("HW"))


def pool_output_size(size, kernel_size, stride=None, padding=0):
    """Output size of a pooling window: ``(H + 2P - K) // S + 1``; stride defaults to K.

    Padding may be at most half the window (``P <= K // 2``), as in PyTorch.

    >>> pool_output_size(32, 2)         # 2x2 max pool, stride 2: 32 -> 16
    16

    Introduced in notebooks/05_pooling.ipynb.
    """
    H = pair(size, "size", "pool_output_size", minimum=1)
    out = pool_out_hw("pool_output_size", H, kernel_size, stride, padding)
    stride_int = stride is None or not isinstance(stride, tuple | list)
    return out[0] if _all_ints(size, kernel_size, padding) and stride_int else out


def pool_out_hw(func, hw, kernel_size, stride=None, padding=0, details=()):
    """``(H_out, W_out)`` of a pooling window on an ``(H, W)`` input, checked for ``func``.
    Not used in the notebooks."""
    H = pair(hw, "size", func, minimum=1)
    K = pair(kernel_size, "kernel_size", func, minimum=1)
    S = K if stride is None else pair(stride, "stride", func, minimum=1)
    P = pair(padding, "padding", func, minimum=0)
    for i, ax in enumerate("HW"):
        if P[i] > K[i] // 2:
            raise fail(func, f"padding={P[i]} is more than half the {K[i]}-wide window ({ax}).",
                       f"  Pooling padding must satisfy P <= K // 2 = {K[i] // 2}: otherwise a "
                       "window could hold nothing but padding.", *details)
    out = []
    for i, ax in enumerate("HW"):
        o = (H[i] + 2 * P[i] - K[i]) // S[i] + 1
        if o <= 0:
            raise fail(func, f"a {K[i]}-wide window does not fit an input of {H[i]} ({ax}) "
                       f"with padding={P[i]}.",
                       f"  {ax}_out = (H + 2*P - K) // S + 1 = ({H[i]} + {2 * P[i]} - {K[i]})"
                       f" // {S[i]} + 1 = {o}", *details)
        out.append(o)
    return tuple(out)


def conv_transpose_output_size(size, kernel_size, stride=1, padding=0, dilation=1,
                               output_padding=0):
    """Output size of a transposed convolution: ``(H - 1)S - 2P + D(K - 1) + 1 + output_padding``.

    It is the inverse of :func:`conv_output_size` when the stride divides evenly.

    >>> conv_transpose_output_size(3, 3, stride=2, padding=1)
    5

    Introduced in notebooks/03_padding_and_stride.ipynb.
    """
    func = "conv_transpose_output_size"
    H = pair(size, "size", func, minimum=1)
    K = pair(kernel_size, "kernel_size", func, minimum=1)
    S = pair(stride, "stride", func, minimum=1)
    P = pair(padding, "padding", func, minimum=0)
    D = pair(dilation, "dilation", func, minimum=1)
    OP = pair(output_padding, "output_padding", func, minimum=0)
    out = []
    for i, ax in enumerate("HW"):
        if OP[i] >= max(S[i], D[i]):
            raise fail(func, f"output_padding={OP[i]} must be smaller than the stride or the "
                       f"dilation ({S[i]}, {D[i]}) ({ax}).")
        o = (H[i] - 1) * S[i] - 2 * P[i] + D[i] * (K[i] - 1) + 1 + OP[i]
        if o <= 0:
            raise fail(func, f"padding={P[i]} removes the whole output ({ax}).",
                       f"  {ax}_out = (H - 1)*S - 2*P + D*(K-1) + 1 + output_padding"
                       f" = ({H[i]} - 1)*{S[i]} - {2 * P[i]} + {D[i] * (K[i] - 1)} + 1 + {OP[i]}"
                       f" = {o}")
        out.append(o)
    ints = _all_ints(size, kernel_size, stride, padding, dilation, output_padding)
    return out[0] if ints else tuple(out)
