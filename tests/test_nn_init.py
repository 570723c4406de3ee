"""nn.init against torch.nn.init. The random streams differ from torch's, so random initializers are
compared by their statistics against torch's own draws on same-shaped tensors (and against the bounds
torch's formulas give); deterministic ones, gains and fans are compared exactly."""
import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
import nn
from nn import init
from tolerance import assert_close

SHAPES = st.lists(st.integers(1, 6), min_size=2, max_size=4)


def host(t):
    return autograd.backend.to_host(t.detach().array)


def fresh(shape, device='cpu', dtype=autograd.float32):
    return nn.Parameter(autograd.zeros(*shape, device=device, dtype=dtype))


def test_calculate_gain_matches_torch():
    cases = [('linear', None), ('conv1d', None), ('conv2d', None), ('conv_transpose2d', None), ('sigmoid', None),
             ('tanh', None), ('relu', None), ('leaky_relu', None), ('leaky_relu', 0.2), ('leaky_relu', 3),
             ('selu', None), ('leaky_relu', math.sqrt(5))]
    for name, param in cases:
        assert init.calculate_gain(name, param) == torch.nn.init.calculate_gain(name, param), (name, param)
    for name, param in [('softmax', None), ('leaky_relu', 'x'), ('leaky_relu', True)]:
        with pytest.raises(ValueError) as theirs:
            torch.nn.init.calculate_gain(name, param)
        with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
            init.calculate_gain(name, param)


@settings(max_examples=40, deadline=None)
@given(shape=st.lists(st.integers(1, 7), min_size=0, max_size=5))
def test_fans_match_torch(shape):
    try:
        expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(shape))
    except ValueError as error:
        with pytest.raises(ValueError, match=re.escape(str(error))):
            init._calculate_fan_in_and_fan_out(autograd.zeros(*shape))
        return
    assert init._calculate_fan_in_and_fan_out(autograd.zeros(*shape)) == expected


def _stats_like_torch(ours, theirs, n_sigma=6):
    """Mean and standard deviation of two independent samples agree within sampling error."""
    a, b = host(ours).ravel().astype(np.float64), theirs.detach().numpy().ravel().astype(np.float64)
    sd = max(b.std(), 1e-12)
    assert abs(a.mean() - b.mean()) < n_sigma * sd * math.sqrt(2 / a.size), (a.mean(), b.mean())
    assert abs(a.std() / sd - 1) < n_sigma * math.sqrt(1 / a.size) + 0.01, (a.std(), sd)


SHAPE_CASES = [(256, 300), (64, 32, 3, 3), (500, 40, 5)]
# (name, kwargs, support): support is the interval every value must lie in, 'bound' for a symmetric
# interval that torch's formula fixes (checked against the extremes of torch's own sample), or None.
RANDOM_INITS = [
    ('uniform_', dict(a=-0.3, b=0.7), (-0.3, 0.7)), ('normal_', dict(mean=0.5, std=2.0), None),
    ('xavier_uniform_', dict(gain=1.5), 'bound'), ('xavier_normal_', dict(), None),
    ('kaiming_uniform_', dict(a=math.sqrt(5)), 'bound'),
    ('kaiming_uniform_', dict(mode='fan_out', nonlinearity='relu'), 'bound'),
    ('kaiming_normal_', dict(), None), ('kaiming_normal_', dict(a=0.1, mode='fan_out', nonlinearity='leaky_relu'), None),
    ('trunc_normal_', dict(), (-2.0, 2.0)), ('trunc_normal_', dict(mean=1.0, std=0.5, a=0.0, b=1.2), (0.0, 1.2)),
    ('trunc_normal_', dict(mean=0.0, std=3.0, a=2.0, b=4.0), (2.0, 4.0)),   # narrow and far out: uniform proposals
]


@pytest.mark.parametrize('name, kwargs, support', RANDOM_INITS, ids=[f"{n}{k}" for n, k, _ in RANDOM_INITS])
@pytest.mark.parametrize('shape', SHAPE_CASES)
def test_random_initializers_match_torch_statistics(device, name, kwargs, support, shape):
    theirs = getattr(torch.nn.init, name)(torch.empty(shape), **kwargs)
    p = fresh(shape, device)
    ours = getattr(init, name)(p, **kwargs)
    assert ours is p and p.requires_grad and p.grad_fn is None and p.dtype == autograd.float32
    assert p.device.type == device
    _stats_like_torch(ours, theirs)
    values, expected = host(ours), theirs.numpy()
    if support == 'bound':   # torch's sample maximum approaches the bound from below, as ours must
        bound = np.abs(expected).max()
        assert bound * 0.98 <= np.abs(values).max() <= bound * 1.01
    elif support is not None:
        assert values.min() >= support[0] and values.max() <= support[1]


def test_generator_makes_draws_repeatable():
    draws = []
    for seed in (1, 1, 2):
        g = autograd.Generator().manual_seed(seed)
        draws.append(host(init.kaiming_normal_(fresh((30, 20)), generator=g)).copy())
    np.testing.assert_array_equal(draws[0], draws[1])
    assert not np.array_equal(draws[0], draws[2])


@pytest.mark.parametrize('shape, gain', [((6, 6), 1.0), ((4, 9), 2.0), ((9, 4), 0.5), ((5, 2, 3), 1.0)])
def test_orthogonal(device, shape, gain):
    w = host(init.orthogonal_(fresh(shape, device), gain=gain)).reshape(shape[0], -1).astype(np.float64)
    theirs = torch.nn.init.orthogonal_(torch.empty(shape), gain=gain).reshape(shape[0], -1).double().numpy()
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    expected = theirs @ theirs.T if w.shape[0] <= w.shape[1] else theirs.T @ theirs
    assert_close(gram, expected, np.float32)   # float32 QR, ours and torch's LAPACK
    with pytest.raises(ValueError, match="Only tensors with 2 or more dimensions are supported"):
        init.orthogonal_(fresh((3,)))


@pytest.mark.parametrize('name, args, shape', [
    ('constant_', (0.3,), (3, 4)), ('ones_', (), (2, 5)), ('zeros_', (), (4,)), ('eye_', (), (3, 5)),
    ('eye_', (), (4, 2)), ('dirac_', (), (4, 3, 3)), ('dirac_', (2,), (4, 2, 3, 3)), ('dirac_', (), (2, 3, 1, 3, 3))])
def test_deterministic_initializers_match_torch(device, name, args, shape):
    theirs = getattr(torch.nn.init, name)(torch.full(shape, 7.0), *args)
    p = nn.Parameter(autograd.full(shape, 7.0, device=device))
    ours = getattr(init, name)(p, *args)
    assert ours is p and p.grad_fn is None
    np.testing.assert_array_equal(host(ours), theirs.numpy())


def test_shape_errors_match_torch():
    cases = [('eye_', (), (2, 2, 2)), ('dirac_', (), (3, 3)), ('dirac_', (2,), (3, 3, 3)), ('xavier_uniform_', (), (5,)),
             ('kaiming_normal_', (0, 'fan_middle'), (3, 3)), ('sparse_', (0.5,), (2, 2, 2))]
    for name, args, shape in cases:
        with pytest.raises(ValueError) as theirs:
            getattr(torch.nn.init, name)(torch.zeros(shape), *args)
        with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
            getattr(init, name)(fresh(shape), *args)


def test_zero_element_tensors_warn_like_torch():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(fresh((0, 3)))
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(fresh((3, 3)), mean=10.0, std=1.0, a=-1.0, b=1.0)


def test_sparse_zeroes_the_requested_fraction_per_column():
    w = host(init.sparse_(fresh((10, 7)), sparsity=0.3, std=0.5))
    assert all((w[:, c] == 0).sum() >= 3 for c in range(7))
    assert (w != 0).sum() > 0


@settings(max_examples=25, deadline=None)
@given(n_in=st.integers(1, 50), n_out=st.integers(1, 50), bias=st.booleans())
def test_default_layer_init_uses_torchs_bounds(n_in, n_out, bias):
    layer = nn.Linear(n_in, n_out, bias=bias)
    bound = 1 / math.sqrt(n_in)   # torch's kaiming_uniform_(a=sqrt(5)) and bias bound
    assert np.abs(host(layer.weight)).max() <= bound + 1e-7
    if bias:
        assert np.abs(host(layer.bias)).max() <= bound + 1e-7
    bil = nn.Bilinear(n_in, 2, n_out)
    assert np.abs(host(bil.weight)).max() <= 1 / math.sqrt(n_in) + 1e-7
    emb = host(nn.Embedding(n_in + 1, n_out, padding_idx=0).weight)
    assert not emb[0].any()
    for p in (layer.weight, bil.weight):
        assert p.dtype == autograd.float32 and p.requires_grad


def test_initializers_keep_double_dtype():
    for name in ('xavier_uniform_', 'kaiming_normal_', 'orthogonal_', 'trunc_normal_', 'eye_'):
        p = fresh((4, 4), dtype=autograd.float64)
        getattr(init, name)(p)
        assert p.dtype == autograd.float64, name
