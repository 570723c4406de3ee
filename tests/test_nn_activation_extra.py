"""The activations and dropouts of issue 11 against torch: layers and F forms, forward, input (and PReLU
weight) gradients, second derivatives, float64 and float32, inputs that hit the kinks exactly."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
import nn
import nn.functional as F
from tests.layer_oracle import DTYPES, compare, compare_module, host, pair
from tests.tolerance import assert_close

SETTINGS = dict(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(0, 2 ** 32 - 1)
KINKS = [-3.0, 3.0, 0.0, 0.5, -0.5, 1.0, -1.0, 0.1, 2.0]   # the breakpoints of the layers below

# (layer name, constructor args, F name, F args)
LAYERS = [('SELU', (), 'selu', ()), ('CELU', (0.7,), 'celu', (0.7,)), ('GLU', (1,), 'glu', (1,)),
          ('Hardswish', (), 'hardswish', ()), ('Hardsigmoid', (), 'hardsigmoid', ()),
          ('Hardshrink', (0.5,), 'hardshrink', (0.5,)), ('Softshrink', (0.5,), 'softshrink', (0.5,)),
          ('LogSigmoid', (), 'logsigmoid', ()), ('Softmin', (1,), 'softmin', (1,)), ('Softsign', (), 'softsign', ()),
          ('Tanhshrink', (), 'tanhshrink', ()), ('Threshold', (0.1, 2.0), 'threshold', (0.1, 2.0)),
          ('RReLU', (0.1, 0.3), 'rrelu', (0.1, 0.3)), ('Softmax2d', (), None, ())]


def draw_input(rng, shape, dtype):
    x = rng.standard_normal(shape) * 3
    mask = rng.random(shape) < 0.3
    x[mask] = rng.choice(KINKS, size=int(mask.sum()))
    return x.astype(dtype)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('name,args,fname,fargs', LAYERS, ids=[layer[0] for layer in LAYERS])
@settings(**SETTINGS)
@given(shape=st.lists(st.integers(1, 4), min_size=3, max_size=4), seed=SEEDS)
def test_activation_layers(dtype, name, args, fname, fargs, shape, seed):
    """RReLU runs in eval mode here (its training draws: test_rrelu_training_is_torchs_stream)."""
    shape = list(shape)
    if name == 'GLU':
        shape[1] *= 2
    theirs, ours = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
    assert repr(ours) == repr(theirs)
    theirs.eval(), ours.eval()
    x = draw_input(np.random.default_rng(seed), shape, dtype)
    compare_module(theirs, ours, [x], dtype, seed)
    if fname is not None:
        compare(lambda t: getattr(TF, fname)(t, *fargs), lambda t: getattr(F, fname)(t, *fargs), [x], dtype, seed)
    # second derivative: the gradient of (gradient . v)
    xt, xo = torch.tensor(x, requires_grad=True), autograd.tensor(x, requires_grad=True)
    yt, yo = theirs(xt), ours(xo)
    v = np.random.default_rng(seed + 1).standard_normal(tuple(yt.shape)).astype(dtype)
    gt, = torch.autograd.grad(yt, xt, torch.tensor(v), create_graph=True)
    go, = autograd.autograd.grad(yo, xo, autograd.tensor(v), create_graph=True)
    assert_close(host(go), gt.detach().numpy(), dtype=dtype, what='first derivative')
    if gt.requires_grad:
        w = np.random.default_rng(seed + 2).standard_normal(x.shape).astype(dtype)
        try:
            ht, = torch.autograd.grad((gt * torch.tensor(w)).sum(), xt, allow_unused=True)
        except RuntimeError as e:      # torch has no double backward for e.g. hardsigmoid
            assert 'not implemented' in str(e)
            return
        ho, = autograd.autograd.grad((go * autograd.tensor(w)).sum(), xo, allow_unused=True)
        if ht is not None and ho is not None:
            assert_close(host(ho), ht.numpy(), dtype=dtype, what='second derivative')


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(num=st.sampled_from([1, 3]), shape=st.sampled_from([(2, 3), (2, 3, 4), (3,), (2, 3, 2, 2)]), seed=SEEDS)
def test_prelu(dtype, num, shape, seed):
    if len(shape) == 1:    # a 1-D input has one channel (torch rejects 3 weights for it, tested below)
        num = 1
    rng = np.random.default_rng(seed)
    theirs, ours = torch.nn.PReLU(num), nn.PReLU(num)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(rng.uniform(-1, 1, num)))
    theirs, ours = pair(theirs, ours, dtype)
    assert repr(ours) == repr(theirs)
    compare_module(theirs, ours, [draw_input(rng, shape, dtype)], dtype, seed)


def test_rrelu_training_draws_slopes_in_range():
    autograd.manual_seed(0)
    x = autograd.tensor(np.linspace(-3, 3, 400), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.3, training=True)
    y.sum().backward()
    slope = host(x.grad)
    neg = host(x) <= 0
    assert (slope[~neg] == 1).all()
    assert ((slope[neg] >= 0.1) & (slope[neg] <= 0.3)).all() and len(np.unique(slope[neg])) > 100
    np.testing.assert_array_equal(host(y)[neg], host(x)[neg] * slope[neg])


@pytest.mark.parametrize('name', ['Dropout1d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout'])
def test_dropouts_match_torch_with_the_same_seed(name):
    """Our bernoulli stream is torch's, so the same seed drops the same elements/channels."""
    shape = (4, 5, 6) if name == 'Dropout1d' else (3, 4, 2, 3, 2)
    x = np.random.default_rng(0).standard_normal(shape)
    for p in (0.2, 0.5):
        theirs, ours = getattr(torch.nn, name)(p), getattr(nn, name)(p)
        assert repr(ours) == repr(theirs)
        torch.manual_seed(3), autograd.manual_seed(3)
        compare_module(theirs, ours, [x], np.float64)
        theirs.eval(), ours.eval()
        compare_module(theirs, ours, [x], np.float64)


def test_activation_errors_match_torch():
    for fn, shape in [(lambda m, t: m.nn.functional.glu(t, 1), (2, 3)),
                      (lambda m, t: m.nn.Softmax2d()(t), (2, 3)),
                      (lambda m, t: m.nn.functional.dropout1d(t), (2, 3, 4, 5)),
                      (lambda m, t: m.nn.functional.prelu(t, m.ones(4)), (2, 3)),
                      (lambda m, t: m.nn.functional.prelu(t, m.ones(3)), (3,))]:
        with pytest.raises(Exception) as theirs:
            fn(torch, torch.zeros(shape))
        with pytest.raises(theirs.type) as ours:
            fn(autograd, autograd.zeros(shape))
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(data=st.data(), seed=SEEDS)
def test_rrelu_training_is_torchs_stream(dtype, data, seed):
    """Training-mode RReLU draws torch's slopes: one double uniform per element <= 0 (zeros included, NaN
    and positives draw nothing), so the same seed gives torch's output, gradient and generator state."""
    shape = data.draw(st.lists(st.integers(0, 5), min_size=1, max_size=3))
    lower = data.draw(st.sampled_from([1 / 8, 0.0, 0.1, 0.3]))
    upper = data.draw(st.sampled_from([lower, 1 / 3, 0.5, 1.0]))
    inplace = data.draw(st.booleans())
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    flat = x.reshape(-1)
    for v in data.draw(st.lists(st.sampled_from([0.0, -0.0, np.nan]), max_size=3)):
        if flat.size:
            flat[data.draw(st.integers(0, flat.size - 1))] = v
    theirs, ours = torch.nn.RReLU(lower, upper, inplace), nn.RReLU(lower, upper, inplace)
    torch.manual_seed(seed)
    autograd.manual_seed(seed)
    compare(lambda t: theirs(t * 1), lambda t: ours(t * 1), [x], dtype, seed)   # * 1: inplace needs a non-leaf
    assert autograd.rand(4).tolist() == torch.rand(4).tolist()    # both generators end at the same place
