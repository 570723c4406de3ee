"""The batch-last convolution kernels of autograd/ops/conv_layout.py against torch and against the plain NumPy
expressions they replace: the blocked transpose (a copy, compared exactly), the 64-row stacked products and
the channels-innermost transposed convolution (compared with tolerances: other products, other rounding), at
batch sizes that reach the stacked path (N*OH*OW >= 128 rows, with and without a tail of rows)."""
import numpy as np
import pytest
import torch.nn.functional as TF
from hypothesis import given, settings, strategies as st

from autograd.ops import conv as C
from autograd.ops import conv_layout as L
from test_conv_pool import DTYPES, SCALE, compare, layout, randn
from tolerance import assert_close


@settings(max_examples=40, deadline=None)
@given(rows=st.integers(0, 300), cols=st.integers(1, 300), dtype=st.sampled_from([np.float32, np.float64, np.int64]),
       transposed=st.booleans())
def test_rows_last_is_the_transpose(rows, cols, dtype, transposed):
    a = (randn(rows, cols) * 100).astype(dtype)
    if transposed:   # a non-contiguous source
        a = np.ascontiguousarray(a.T).T
    out = L.rows_last(a)
    assert out.flags['C_CONTIGUOUS'] and out.dtype == a.dtype
    np.testing.assert_array_equal(out, a.T)


@settings(max_examples=25, deadline=None)
@given(groups=st.integers(1, 2), m=st.sampled_from([0, 5, 127, 128, 130, 191, 256, 300]), k=st.integers(1, 40),
       o=st.integers(1, 9), dtype=st.sampled_from(DTYPES), seed=st.integers(0, 2 ** 16))
def test_matmul_rows_matches_matmul(groups, m, k, o, dtype, seed):
    a = randn(groups, m, k, seed=seed).astype(dtype)
    b = randn(groups, o, k, seed=seed + 1).astype(dtype).transpose(0, 2, 1)   # as conv passes W^T: a view
    out = L.matmul_rows(a, b)
    assert out.shape == (groups, m, o) and out.dtype == dtype
    assert_close(out, np.matmul(a, b), dtype=dtype, scale=k)


@st.composite
def batch_last_case(draw):
    """Convolutions whose batch-last products have more than 128 rows, on NumPy's stacked paths."""
    groups = draw(st.sampled_from([1, 1, 2]))
    c, o = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    h = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * padding[0]), 9))
    w = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * padding[1]), 9))
    shapes = [(draw(st.integers(16, 70)), c, h, w), (o, c // groups, kh, kw)]
    if draw(st.booleans()):
        shapes.append((o,))
    return shapes, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=15, deadline=None)
@given(case=batch_last_case(), seed=st.integers(0, 2 ** 16))
def test_batch_last_conv2d_at_larger_batches_matches_torch(dtype, case, seed):
    shapes, opts = case
    arrays = [randn(*s, seed=seed + i) for i, s in enumerate(shapes)]
    with layout(True):
        compare(lambda *t: C.conv2d(*t, **opts), lambda *t: TF.conv2d(*t, **opts), arrays, 'cpu', dtype,
                seed=seed)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=10, deadline=None)
@given(case=batch_last_case(), seed=st.integers(0, 2 ** 16))
def test_batch_last_conv_transpose2d_at_larger_batches_matches_torch(dtype, case, seed):
    shapes, opts = case   # the convolution's output shape as the transposed one's input
    (n, c, h, w), (o, cg, kh, kw) = shapes[:2]
    groups = opts['groups']
    arrays = [randn(n, c, h, w, seed=seed), randn(c, o // groups, kh, kw, seed=seed + 1)]
    if len(shapes) == 3:
        arrays.append(randn(o, seed=seed + 2))
    opts = dict(opts, padding=tuple(min(p, d * (k - 1) // 2) for p, d, k in zip(opts['padding'], opts['dilation'],
                                                                                   (kh, kw))))
    with layout(True):
        compare(lambda *t: C.conv_transpose2d(*t, **opts), lambda *t: TF.conv_transpose2d(*t, **opts), arrays,
                'cpu', dtype, seed=seed)


def test_lenet_conv2_layouts_agree():
    """LeNet's second convolution (batch 64, 8 x 8 output pixels) on the new batch-last kernels and on the
    batch-first columns: the same convolution and gradients by two different product orders."""
    arrays = [randn(64, 16, 12, 12), randn(32, 16, 5, 5, seed=1), randn(32, seed=2)]
    for batch_last in (True, False):
        with layout(batch_last):
            compare(C.conv2d, TF.conv2d, arrays, 'cpu', np.float32)


@settings(max_examples=10, deadline=None)
@given(size=st.integers(1 << 16, 3 << 16), dtype=st.sampled_from([np.float16, np.float32, np.float64]),
       seed=st.integers(0, 2 ** 16))
def test_relu_of_large_arrays_matches_torch(size, dtype, seed):
    """ReLU's blocked maximum against a zero block (arrays of 65,536 elements or more), hard points included;
    a selection, so compared exactly (NaN stays NaN)."""
    import torch
    import autograd
    x = randn(size, seed=seed).astype(dtype)
    x[:8] = [-0.0, 0.0, np.nan, -np.nan, -1, np.inf, -np.inf, 1]
    ours = autograd.relu(autograd.tensor(x)).numpy()
    assert ours.dtype == dtype
    np.testing.assert_array_equal(ours, torch.relu(torch.tensor(x)).numpy())
    np.testing.assert_array_equal(ours, np.maximum(x, 0))
