"""Hypothesis strategies shared by the convolution tests."""

from hypothesis import assume
from hypothesis import strategies as st


def out_size(H, K, S, P, D):
    """PyTorch's floor formula, written out independently of cnnlib.shapes."""
    return (H + 2 * P - D * (K - 1) - 1) // S + 1


@st.composite
def conv_geometry(draw):
    """Per-axis kernel, stride, padding, dilation and an input size that fits, with a stride
    that need not divide it: ``((H, W), K, S, P, D)``."""
    K = (draw(st.integers(1, 4)), draw(st.integers(1, 4)))
    S = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    P = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    D = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    H, W = draw(st.integers(1, 9)), draw(st.integers(1, 9))
    assume(out_size(H, K[0], S[0], P[0], D[0]) >= 1 and out_size(W, K[1], S[1], P[1], D[1]) >= 1)
    return (H, W), K, S, P, D
