"""InstanceNorm1d/2d/3d, BatchNorm3d, SyncBatchNorm, LocalResponseNorm, RMSNorm against torch: weights and
buffers copied in, forward, input and parameter gradients, running statistics, float64 and float32."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
import nn
import nn.functional as F
from tests.layer_oracle import DTYPES, array, compare, compare_module, host, pair
from tests.tolerance import assert_close

SETTINGS = dict(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(0, 2 ** 32 - 1)
# normalising a small plane divides float32 rounding by a small standard deviation: scale the tolerance
NORM_SCALE = 10


def randomize(module, rng):
    """Non-trivial affine parameters and running statistics on the torch module (copied to ours by pair)."""
    with torch.no_grad():
        for name, t in list(module.named_parameters()) + list(module.named_buffers()):
            if t.is_floating_point():
                values = rng.uniform(0.5, 1.5, tuple(t.shape)) if 'var' in name else rng.standard_normal(tuple(t.shape))
                t.copy_(torch.tensor(values))


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('n', [1, 2, 3])
@settings(**SETTINGS)
@given(affine=st.booleans(), track=st.booleans(), training=st.booleans(), batched=st.booleans(),
       momentum=st.sampled_from([0.1, 0.5, None]), spatial=st.lists(st.integers(2, 4), min_size=3, max_size=3),
       seed=SEEDS)
def test_instance_norm(dtype, n, affine, track, training, batched, momentum, spatial, seed):
    rng = np.random.default_rng(seed)
    name = f"InstanceNorm{n}d"
    kw = dict(affine=affine, track_running_stats=track, momentum=momentum)
    theirs, ours = getattr(torch.nn, name)(3, **kw), getattr(nn, name)(3, **kw)
    assert repr(ours) == repr(theirs)
    randomize(theirs, rng)
    theirs, ours = pair(theirs, ours, dtype)
    theirs.train(training), ours.train(training)
    shape = ([2] if batched else []) + [3] + spatial[:n]
    for step in range(2):
        compare_module(theirs, ours, [array(rng, shape, dtype, 3)], dtype, seed, NORM_SCALE)
        for key, value in theirs.state_dict().items():
            assert_close(host(ours.state_dict()[key]), value.numpy(), dtype=dtype, what=f"{key} after {step}")


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('cls', ['BatchNorm3d', 'SyncBatchNorm'])
@settings(**SETTINGS)
@given(affine=st.booleans(), track=st.booleans(), training=st.booleans(), momentum=st.sampled_from([0.1, None]),
       seed=SEEDS)
def test_batch_norm_3d_and_sync(dtype, cls, affine, track, training, momentum, seed):
    rng = np.random.default_rng(seed)
    kw = dict(affine=affine, track_running_stats=track, momentum=momentum)
    theirs, ours = getattr(torch.nn, cls)(3, **kw), getattr(nn, cls)(3, **kw)
    assert repr(ours) == repr(theirs)
    randomize(theirs, rng)
    theirs, ours = pair(theirs, ours, dtype)
    theirs.train(training), ours.train(training)
    for step in range(2):
        compare_module(theirs, ours, [array(rng, (2, 3, 2, 3, 2), dtype, 2)], dtype, seed, NORM_SCALE)
        for key, value in theirs.state_dict().items():
            assert_close(host(ours.state_dict()[key]), value.numpy(), dtype=dtype, what=f"{key} after {step}")


def test_convert_sync_batchnorm_keeps_the_tensors():
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3), nn.Sequential(nn.BatchNorm1d(4)),
                          nn.InstanceNorm2d(3, affine=True))
    ref = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 1), torch.nn.BatchNorm2d(3),
                              torch.nn.Sequential(torch.nn.BatchNorm1d(4)), torch.nn.InstanceNorm2d(3, affine=True))
    weight = model[1].weight
    converted = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    assert repr(converted) == repr(torch.nn.SyncBatchNorm.convert_sync_batchnorm(ref))
    assert converted[1].weight is weight and type(converted[3]).__name__ == 'InstanceNorm2d'
    assert list(converted.state_dict()) == list(ref.state_dict())


def test_instance_norm_errors_and_warnings_match_torch():
    with pytest.raises(ValueError) as theirs:
        TF.instance_norm(torch.zeros(2, 3, 1))
    with pytest.raises(ValueError) as ours:
        F.instance_norm(autograd.zeros(2, 3, 1))
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(ValueError) as theirs:
        torch.nn.InstanceNorm1d(4, affine=True)(torch.zeros(2, 3, 5))
    with pytest.raises(ValueError) as ours:
        nn.InstanceNorm1d(4, affine=True)(autograd.zeros(2, 3, 5))
    assert str(ours.value) == str(theirs.value)
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm1d(4)(autograd.zeros(2, 3, 5))


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(size=st.integers(1, 5), alpha=st.sampled_from([1e-4, 0.5]), beta=st.sampled_from([0.75, 2.0]),
       k=st.sampled_from([1.0, 2.0]), spatial=st.lists(st.integers(1, 3), min_size=1, max_size=3), seed=SEEDS)
def test_local_response_norm(dtype, size, alpha, beta, k, spatial, seed):
    theirs, ours = torch.nn.LocalResponseNorm(size, alpha, beta, k), nn.LocalResponseNorm(size, alpha, beta, k)
    assert repr(ours) == repr(theirs)
    compare_module(theirs, ours, [array(np.random.default_rng(seed), [2, 4] + spatial, dtype)], dtype, seed)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(lead=st.lists(st.integers(1, 3), max_size=2), shape=st.lists(st.integers(1, 4), min_size=1, max_size=2),
       eps=st.sampled_from([None, 1e-6, 0.1]), affine=st.booleans(), seed=SEEDS)
def test_rms_norm(dtype, lead, shape, eps, affine, seed):
    rng = np.random.default_rng(seed)
    theirs, ours = torch.nn.RMSNorm(shape, eps, affine), nn.RMSNorm(shape, eps, affine)
    assert repr(ours) == repr(theirs)
    randomize(theirs, rng)
    theirs, ours = pair(theirs, ours, dtype)
    compare_module(theirs, ours, [array(rng, lead + shape, dtype)], dtype, seed, NORM_SCALE)
    compare(lambda t: TF.rms_norm(t, shape), lambda t: F.rms_norm(t, shape), [array(rng, lead + shape, dtype)],
            dtype, seed, NORM_SCALE)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(size=st.integers(2, 7), alpha=st.sampled_from([1e-4, 0.5]), beta=st.sampled_from([0.75, 2.0]),
       k=st.sampled_from([1, 2.0]), channels=st.integers(1, 7), seed=SEEDS)
def test_cross_map_lrn2d(dtype, size, alpha, beta, k, channels, seed):
    """The legacy layer, with its own window bookkeeping and hand-written backward (size 1's backward
    fails in torch itself)."""
    theirs, ours = torch.nn.CrossMapLRN2d(size, alpha, beta, k), nn.CrossMapLRN2d(size, alpha, beta, k)
    assert repr(ours) == repr(theirs)
    compare_module(theirs, ours, [array(np.random.default_rng(seed), (2, channels, 3, 2), dtype)], dtype, seed)
