"""Conv3d, ConvTranspose1d/3d and the 3-d, Lp, fractional pooling and 1-d unpooling layers against torch:
weights copied in, forward, input and parameter gradients (and returned indices), float64 and float32."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
import nn
import nn.functional as F
from tests.layer_oracle import DTYPES, array, compare, compare_module, pair

SETTINGS = dict(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(0, 2 ** 32 - 1)
CONV_SCALE = 10    # sums of many products


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(groups=st.sampled_from([1, 2]), k=st.lists(st.integers(1, 3), min_size=3, max_size=3),
       stride=st.sampled_from([1, 2, (1, 2, 1)]), padding=st.sampled_from([0, 1, (1, 0, 2), 'same']),
       dilation=st.sampled_from([1, (2, 1, 1)]), bias=st.booleans(), batched=st.booleans(),
       padding_mode=st.sampled_from(['zeros', 'reflect', 'circular']), seed=SEEDS)
def test_conv3d(dtype, groups, k, stride, padding, dilation, bias, batched, padding_mode, seed):
    if padding == 'same' and stride != 1:
        padding = 1
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias, padding_mode=padding_mode)
    theirs, ours = pair(torch.nn.Conv3d(2, 4, k, **kw), nn.Conv3d(2, 4, k, **kw), dtype)
    assert repr(ours) == repr(theirs)
    shape = ([2] if batched else []) + [2, 5, 6, 5]
    compare_module(theirs, ours, [array(np.random.default_rng(seed), shape, dtype)], dtype, seed, CONV_SCALE)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('n', [1, 3])
@settings(**SETTINGS)
@given(groups=st.sampled_from([1, 2]), k=st.integers(1, 3), stride=st.integers(1, 3), padding=st.integers(0, 1),
       dilation=st.integers(1, 2), bias=st.booleans(), extra=st.booleans(), seed=SEEDS)
def test_conv_transpose(dtype, n, groups, k, stride, padding, dilation, bias, extra, seed):
    kw = dict(stride=stride, padding=padding, dilation=dilation, groups=groups, bias=bias,
              output_padding=1 if extra and (stride > 1 or dilation > 1) else 0)
    name = f"ConvTranspose{n}d"
    theirs, ours = pair(getattr(torch.nn, name)(2, 4, k, **kw), getattr(nn, name)(2, 4, k, **kw), dtype)
    assert repr(ours) == repr(theirs)
    x = array(np.random.default_rng(seed), [2, 2] + [4] * n, dtype)
    compare_module(theirs, ours, [x], dtype, seed, CONV_SCALE)


def test_conv_transpose1d_output_size_matches_torch():
    theirs, ours = pair(torch.nn.ConvTranspose1d(2, 3, 3, stride=2), nn.ConvTranspose1d(2, 3, 3, stride=2),
                        np.float64)
    x = np.random.default_rng(0).standard_normal((1, 2, 5))
    compare(lambda t: theirs(t, output_size=[12]), lambda t: ours(t, output_size=[12]), [x], np.float64)


def ties(rng, shape, dtype):
    """Values on a coarse grid, so windows hold ties (the gradient must pick torch's element)."""
    return (np.round(rng.standard_normal(shape) * 2) / 2).astype(dtype)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(k=st.sampled_from([2, 3, (2, 3, 1)]), stride=st.sampled_from([None, 1, 2, (1, 2, 2)]),
       padding=st.sampled_from([0, 1]), dilation=st.sampled_from([1, (1, 2, 1)]), ceil_mode=st.booleans(),
       count_include_pad=st.booleans(), divisor=st.sampled_from([None, 3]), seed=SEEDS)
def test_pool3d(dtype, k, stride, padding, dilation, ceil_mode, count_include_pad, divisor, seed):
    if padding and k == (2, 3, 1):
        padding = 0
    rng = np.random.default_rng(seed)
    x = ties(rng, (2, 3, 5, 6, 5), dtype)
    kw = dict(stride=stride, padding=padding, ceil_mode=ceil_mode)
    theirs = torch.nn.MaxPool3d(k, dilation=dilation, return_indices=True, **kw)
    ours = nn.MaxPool3d(k, dilation=dilation, return_indices=True, **kw)
    assert repr(ours) == repr(theirs)
    o_out, t_out = compare(lambda t: theirs(t)[0], lambda t: ours(t)[0], [x], dtype, seed)
    np.testing.assert_array_equal(ours(autograd.tensor(x))[1].numpy(), theirs(torch.tensor(x))[1].numpy())
    theirs = torch.nn.AvgPool3d(k, count_include_pad=count_include_pad, divisor_override=divisor, **kw)
    ours = nn.AvgPool3d(k, count_include_pad=count_include_pad, divisor_override=divisor, **kw)
    assert repr(ours) == repr(theirs)
    compare_module(theirs, ours, [x], dtype, seed)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(size=st.sampled_from([1, 2, 3, (2, None, 4), (5, 6, 5), 7]), seed=SEEDS)
def test_adaptive_pool3d(dtype, size, seed):
    x = ties(np.random.default_rng(seed), (2, 3, 5, 6, 5), dtype)
    compare_module(torch.nn.AdaptiveAvgPool3d(size), nn.AdaptiveAvgPool3d(size), [x], dtype, seed)
    theirs, ours = torch.nn.AdaptiveMaxPool3d(size, True), nn.AdaptiveMaxPool3d(size, True)
    assert repr(ours) == repr(theirs)
    compare(lambda t: theirs(t)[0], lambda t: ours(t)[0], [x], dtype, seed)
    np.testing.assert_array_equal(ours(autograd.tensor(x))[1].numpy(), theirs(torch.tensor(x))[1].numpy())


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(norm=st.sampled_from([1, 2, 3.0]), k=st.integers(1, 3), stride=st.sampled_from([None, 1, 2]),
       ceil_mode=st.booleans(), seed=SEEDS)
def test_lp_pool(dtype, norm, k, stride, ceil_mode, seed):
    rng = np.random.default_rng(seed)
    for n, shape in [(1, (2, 3, 7)), (2, (2, 3, 6, 7)), (3, (2, 2, 4, 5, 4))]:
        name = f"LPPool{n}d"
        theirs = getattr(torch.nn, name)(norm, k, stride, ceil_mode)
        ours = getattr(nn, name)(norm, k, stride, ceil_mode)
        assert repr(ours) == repr(theirs)
        x = (np.abs(rng.standard_normal(shape)) + 0.2).astype(dtype)
        compare_module(theirs, ours, [x], dtype, seed, 10)


def test_max_unpool1d_matches_torch():
    x = np.random.default_rng(0).standard_normal((2, 3, 8))
    for kw, size in [(dict(kernel_size=2), [9]), (dict(kernel_size=3, stride=2), [8])]:
        values, indices = TF.max_pool1d(torch.tensor(x), return_indices=True, **kw)
        theirs, ours = torch.nn.MaxUnpool1d(**kw), nn.MaxUnpool1d(**kw)
        assert repr(ours) == repr(theirs)
        ind = autograd.tensor(indices.numpy())
        compare(lambda v: theirs(v, indices), lambda v: ours(v, ind), [values.numpy()], np.float64)
        compare(lambda v: theirs(v, indices, output_size=size), lambda v: ours(v, ind, output_size=size),
                [values.numpy()], np.float64)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(k=st.sampled_from([2, 3, (2, 3)]), out=st.sampled_from([dict(output_size=3), dict(output_size=(4, 2)),
                                                               dict(output_ratio=(0.5, 0.5)), dict(output_size=1)]),
       seed=SEEDS)
def test_fractional_max_pool2d_with_given_samples(dtype, k, out, seed):
    """torch draws the window offsets from its own generator: both sides get the same _random_samples."""
    rng = np.random.default_rng(seed)
    x, samples = ties(rng, (2, 3, 8, 7), dtype), rng.random((2, 3, 2)).astype(dtype)
    kw = dict(return_indices=True, **out)
    t = lambda v: TF.fractional_max_pool2d(v, k, _random_samples=torch.tensor(samples), **kw)       # noqa: E731
    o = lambda v: F.fractional_max_pool2d(v, k, _random_samples=autograd.tensor(samples), **kw)    # noqa: E731
    compare(lambda v: t(v)[0], lambda v: o(v)[0], [x], dtype, seed)
    np.testing.assert_array_equal(o(autograd.tensor(x))[1].numpy(), t(torch.tensor(x))[1].numpy())
    assert nn.FractionalMaxPool2d(k, **out).__class__.__name__ == 'FractionalMaxPool2d'
