"""Output-size arithmetic, including every size worked out in the seed articles."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnnlib.shapes import conv_output_size, conv_transpose_output_size, pool_output_size


def test_seed_examples():
    assert conv_output_size(4, 3) == 2                        # 3x3 over 4x4 -> 2x2
    assert conv_output_size(5, 3, stride=2, padding=1) == 3   # 5x5, K3, P1, S2 -> 3x3
    assert conv_output_size(32, 3, padding=1) == 32           # 32x32x3, 12 filters -> 32x32x12
    assert conv_output_size(32, 3) == 30                      # ... but only with padding 1
    assert pool_output_size(32, 2) == 16                      # 2x2 max pool, stride 2
    assert [conv_output_size(7, 3), conv_output_size(5, 3), conv_output_size(3, 3)] == [5, 3, 1]


def test_same_padding_keeps_the_size_for_odd_kernels():
    for K in (1, 3, 5, 7):
        assert conv_output_size(28, K, padding=(K - 1) // 2) == 28


def test_floor_when_the_stride_does_not_divide():
    assert conv_output_size(6, 3, stride=2) == 2   # (6 - 3) / 2 + 1 = 2.5 -> 2
    assert pool_output_size(7, 2) == 3


def test_dilation_and_pairs():
    assert conv_output_size(7, 3, dilation=2) == 3             # effective kernel 5
    assert conv_output_size((5, 9), (3, 1), stride=(1, 2)) == (3, 5)
    assert pool_output_size((6, 7), 2, stride=(2, 3)) == (3, 2)


def test_transposed_sizes_dumoulin_visin():
    assert conv_transpose_output_size(2, 3) == 4
    assert conv_transpose_output_size(3, 3, stride=2, padding=1) == 5
    assert conv_transpose_output_size(3, 3, stride=2, padding=1, output_padding=1) == 6
    assert conv_transpose_output_size(2, 4, stride=2, padding=1) == 4


@settings(max_examples=60, deadline=None)
@given(H=st.integers(1, 40), K=st.integers(1, 7), S=st.integers(1, 4), P=st.integers(0, 3),
       D=st.integers(1, 3))
def test_transposed_inverts_conv(H, K, S, P, D):
    span = D * (K - 1) + 1
    if H + 2 * P < span or 2 * P >= span:  # padding wider than the kernel: no inverse
        return
    out = conv_output_size(H, K, S, P, D)
    back = conv_transpose_output_size(out, K, S, P, D)
    assert H - (S - 1) <= back <= H   # equal when the stride divides; the floor loses < S


@pytest.mark.parametrize("call, words", [
    (lambda: conv_output_size(4, 5), r"5-wide kernel does not fit .*\(4 \+ 0 - 4 - 1\) // 1 \+ 1 = 0"),
    (lambda: conv_output_size(4, 3, stride=0), "stride must be >= 1"),
    (lambda: conv_output_size(4, 3, padding=-1), "padding must be >= 0.*cannot be negative"),
    (lambda: conv_output_size(4, 3, dilation=0), "dilation must be >= 1"),
    (lambda: conv_output_size(4.0, 3), "size must be an integer, got 4.0"),
    (lambda: conv_output_size(4, 2.5), "kernel_size must be an integer"),
    (lambda: conv_output_size(4, (3, 3, 3)), r"an int or an \(h, w\) pair"),
    (lambda: conv_output_size(5, 3, dilation=3), "dilation 3 .*spans 7"),
    (lambda: pool_output_size(4, 2, padding=2), r"more than half .*P <= K // 2 = 1"),
    (lambda: pool_output_size(2, 3), r"3-wide window does not fit .*\(2 \+ 0 - 3\) // 3 \+ 1 = 0"),
    (lambda: conv_transpose_output_size(1, 1, padding=1), "removes the whole output"),
    (lambda: conv_transpose_output_size(3, 3, stride=2, output_padding=2), "output_padding"),
    (lambda: conv_output_size(True, 3), "must be an integer"),
])
def test_errors_teach(call, words):
    with pytest.raises(ValueError, match="(?s)" + words) as info:
        call()
    assert str(info.value).split(":")[0].endswith("_size")  # names the function
