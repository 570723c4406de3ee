"""autograd.distributions against torch.distributions: log_prob, cdf, entropy, moments and their gradients in
the parameters, seeded draws (equal to torch's where torch's sampler is a transform of rand/randn), rsample's
reparameterised gradient, shapes, expand, argument validation and kl_divergence, over hypothesis-drawn
batch shapes and parameters."""
import numpy as np
import pytest
import torch
import torch.distributions as td
from hypothesis import given, settings, strategies as st

import autograd
import autograd.distributions as ad
from tolerance import assert_close

SETTINGS = dict(max_examples=5, deadline=None)
shapes = st.lists(st.integers(1, 3), min_size=0, max_size=2).map(tuple)


def params(rng, shape, kind):
    """Valid parameter values: real, positive, probability, simplex rows, lower-Cholesky factors."""
    if kind == 'real':
        return rng.standard_normal(shape)
    if kind == 'positive':
        return rng.uniform(0.5, 2.5, shape)
    if kind == 'prob':
        return rng.uniform(0.05, 0.95, shape)
    if kind == 'simplex':
        p = rng.uniform(0.1, 1.0, shape + (4,))
        return p / p.sum(-1, keepdims=True)
    if kind == 'tril':
        a = rng.standard_normal(shape + (3, 3)) * 0.3
        return np.tril(a, -1) + np.eye(3) * rng.uniform(0.5, 1.5, shape + (3,))[..., None]
    raise ValueError(kind)


def high_above(rng, shape):
    return rng.uniform(0.5, 2.0, shape)


# name: (parameter kinds, constructor(module, *params), value shape suffix, rsample matches torch)
CASES = {
    'Normal': (['real', 'positive'], lambda m, a, b: m.distributions.Normal(a, b), True),
    'Uniform': (['real', 'positive'], lambda m, a, b: m.distributions.Uniform(a, a + b), True),
    'Exponential': (['positive'], lambda m, r: m.distributions.Exponential(r), True),
    'Laplace': (['real', 'positive'], lambda m, a, b: m.distributions.Laplace(a, b), True),
    'Gamma': (['positive', 'positive'], lambda m, a, b: m.distributions.Gamma(a, b), False),
    'Beta': (['positive', 'positive'], lambda m, a, b: m.distributions.Beta(a, b), False),
    'Dirichlet': (['simplex'], lambda m, c: m.distributions.Dirichlet(c * 3), False),
    'Bernoulli': (['prob'], lambda m, p: m.distributions.Bernoulli(probs=p), False),
    'Bernoulli logits': (['real'], lambda m, z: m.distributions.Bernoulli(logits=z), False),
    'Categorical': (['simplex'], lambda m, p: m.distributions.Categorical(probs=p), False),
    'Categorical logits': (['real4'], lambda m, z: m.distributions.Categorical(logits=z), False),
    'OneHotCategorical': (['simplex'], lambda m, p: m.distributions.OneHotCategorical(probs=p), False),
    'MultivariateNormal': (['real3', 'tril'], lambda m, a, L: m.distributions.MultivariateNormal(a, scale_tril=L),
                           True),
    'MultivariateNormal cov': (['real3', 'tril'], lambda m, a, L: m.distributions.MultivariateNormal(
        a, covariance_matrix=L @ L.mT), True),
    'Independent Normal': (['real', 'positive'], lambda m, a, b: m.distributions.Independent(
        m.distributions.Normal(a, b), min(1, a.ndim)), True),
}


def make_params(rng, shape, kinds):
    out = []
    for kind in kinds:
        if kind == 'real3':
            out.append(rng.standard_normal(shape + (3,)))
        elif kind == 'real4':
            out.append(rng.standard_normal(shape + (4,)))
        else:
            out.append(params(rng, shape, kind))
    return out


def both(case, arrays):
    kinds, make, _ = CASES[case]
    t_params = [torch.tensor(a, requires_grad=True) for a in arrays]
    a_params = [autograd.tensor(a, requires_grad=True) for a in arrays]
    return make(torch, *t_params), make(autograd, *a_params), t_params, a_params


def compare_grads(a_out, t_out, a_params, t_params, what):
    t_grads = torch.autograd.grad(t_out.sum(), t_params, allow_unused=True, retain_graph=True)
    a_grads = autograd.autograd.grad(a_out.sum(), a_params, allow_unused=True, retain_graph=True)
    for i, (ga, gt) in enumerate(zip(a_grads, t_grads)):
        if gt is None:
            assert ga is None or not ga.detach().numpy().any(), f"{what}: parameter {i} should get no gradient"
        else:
            assert ga is not None, f"{what}: parameter {i} got no gradient"
            assert_close(ga.detach().numpy(), gt.detach().numpy(), 'float64', scale=10, what=f"{what} grad {i}")


def same(a, t, what, scale=10):
    assert tuple(a.shape) == tuple(t.shape), f"{what}: shape {tuple(a.shape)} vs torch {tuple(t.shape)}"
    assert_close(a.detach().numpy(), t.detach().numpy(), 'float64', scale=scale, what=what)


@pytest.mark.parametrize('case', list(CASES))
@settings(**SETTINGS)
@given(shape=shapes, seed=st.integers(0, 2 ** 31))
def test_log_prob_entropy_and_moments_match_torch_with_gradients(case, shape, seed):
    rng = np.random.default_rng(seed)
    t_dist, a_dist, t_params, a_params = both(case, make_params(rng, shape, CASES[case][0]))
    assert (tuple(a_dist.batch_shape), tuple(a_dist.event_shape)) == \
        (tuple(t_dist.batch_shape), tuple(t_dist.event_shape))
    torch.manual_seed(seed)
    value = t_dist.sample((2,)).detach()
    t_lp, a_lp = t_dist.log_prob(value), a_dist.log_prob(autograd.tensor(value.numpy()))
    same(a_lp, t_lp, f"{case} log_prob")
    compare_grads(a_lp, t_lp, a_params, t_params, f"{case} log_prob")
    t_h, a_h = t_dist.entropy(), a_dist.entropy()
    same(a_h, t_h, f"{case} entropy")
    compare_grads(a_h, t_h, a_params, t_params, f"{case} entropy")
    for moment in ('mean', 'variance'):
        t_m, a_m = getattr(t_dist, moment), getattr(a_dist, moment)
        assert np.array_equal(np.isnan(a_m.detach().numpy()), np.isnan(t_m.detach().numpy())), f"{case} {moment}"
        if not torch.isnan(t_m).any():
            same(a_m, t_m, f"{case} {moment}")
    if case in ('Normal', 'Uniform', 'Exponential', 'Laplace'):
        probe = t_dist.mean.detach()
        same(a_dist.cdf(autograd.tensor(probe.numpy())), t_dist.cdf(probe), f"{case} cdf")
    big = (3,) + tuple(t_dist.batch_shape)
    assert tuple(a_dist.expand(big).batch_shape) == tuple(t_dist.expand(big).batch_shape)
    assert tuple(a_dist.expand(big).sample((2,)).shape) == tuple(t_dist.expand(big).sample((2,)).shape)


@pytest.mark.parametrize('case', [c for c in CASES if CASES[c][2] or c.startswith(('Bernoulli', 'Categorical',
                                                                                     'OneHot'))])
@settings(**SETTINGS)
@given(shape=shapes, seed=st.integers(0, 2 ** 31))
def test_seeded_draws_are_torchs_and_rsample_carries_gradients(case, shape, seed):
    rng = np.random.default_rng(seed)
    t_dist, a_dist, t_params, a_params = both(case, make_params(rng, shape, CASES[case][0]))
    torch.manual_seed(seed)
    autograd.manual_seed(seed)
    t_s, a_s = t_dist.sample((5,)), a_dist.sample((5,))
    same(a_s, t_s, f"{case} sample", scale=1e4 if 'Multivariate' in case else 10)
    assert not a_s.requires_grad
    if CASES[case][2]:
        torch.manual_seed(seed)
        autograd.manual_seed(seed)
        t_r, a_r = t_dist.rsample((2,)), a_dist.rsample((2,))
        same(a_r, t_r, f"{case} rsample", scale=1e4 if 'Multivariate' in case else 10)
        compare_grads(a_r, t_r, a_params, t_params, f"{case} rsample")


@pytest.mark.parametrize('case, mean', [('Gamma', lambda a, b: a / b), ('Beta', lambda a, b: a / (a + b)),
                                        ('Dirichlet', lambda c: c * 3 / (c * 3).sum(-1, keepdims=True))])
def test_gamma_family_draws_are_in_the_support_with_the_right_mean(case, mean):
    """Their sampler is this library's own (Marsaglia-Tsang): checked by support and a 4-sigma mean test."""
    rng = np.random.default_rng(0)
    arrays = make_params(rng, (3,), CASES[case][0])
    arrays[0] = np.concatenate([arrays[0][:1] * 0.2, arrays[0][1:]])   # a concentration below 1 too
    _, a_dist, _, _ = both(case, arrays)
    autograd.manual_seed(1)
    draws = a_dist.sample((4000,)).numpy()
    assert bool(a_dist.support.check(autograd.tensor(draws)).all())
    sd = np.sqrt(a_dist.variance.detach().numpy() / 4000)
    assert np.all(np.abs(draws.mean(0) - mean(*arrays)) < 4 * sd + 1e-12)
    with pytest.raises(NotImplementedError, match='no reparameterised sampler'):
        a_dist.rsample()


KL_PAIRS = ['Normal', 'Uniform', 'Exponential', 'Laplace', 'Gamma', 'Beta', 'Dirichlet', 'Bernoulli',
            'Categorical', 'OneHotCategorical', 'MultivariateNormal', 'Independent Normal']


@pytest.mark.parametrize('case', KL_PAIRS)
@settings(**SETTINGS)
@given(shape=shapes, seed=st.integers(0, 2 ** 31))
def test_kl_divergence_matches_torch_with_gradients(case, shape, seed):
    rng = np.random.default_rng(seed)
    p = both(case, make_params(rng, shape, CASES[case][0]))
    q = both(case, make_params(rng, shape, CASES[case][0]))
    t_kl, a_kl = td.kl_divergence(p[0], q[0]), ad.kl_divergence(p[1], q[1])
    same(a_kl, t_kl, f"KL {case}", scale=100)
    compare_grads(a_kl, t_kl, p[3] + q[3], p[2] + q[2], f"KL {case}")


def _normalised(text):
    return text.replace('autograd.', 'torch.')


@pytest.mark.parametrize('build', [
    lambda m: m.distributions.Normal(m.zeros(2), -m.ones(2)),
    lambda m: m.distributions.Exponential(m.tensor([1.0, 0.0])),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([1.5])),
    lambda m: m.distributions.Normal(0.0, 1.0).log_prob(m.tensor([float('nan')])),
    lambda m: m.distributions.Exponential(m.ones(2)).log_prob(m.tensor([-1.0, 1.0])),
    lambda m: m.distributions.Normal(m.zeros(3), m.ones(3)).log_prob(m.zeros(2)),
    lambda m: m.distributions.Categorical(probs=m.ones(3)).log_prob(m.tensor([3])),
    lambda m: m.distributions.Bernoulli(probs=m.tensor([0.5]), logits=m.tensor([0.0])),
])
def test_invalid_arguments_raise_torchs_value_error(build):
    with pytest.raises(ValueError) as theirs:
        build(torch)
    with pytest.raises(ValueError) as ours:
        build(autograd)
    assert _normalised(str(ours.value)) == str(theirs.value)


def test_validation_can_be_switched_off_and_unregistered_pairs_raise():
    assert ad.Normal(autograd.zeros(2), -autograd.ones(2), validate_args=False).batch_shape == (2,)
    with pytest.raises(NotImplementedError, match='No KL'):
        ad.kl_divergence(ad.Normal(0.0, 1.0), ad.Exponential(autograd.tensor(1.0)))
    assert _normalised(repr(ad.Normal(autograd.zeros(3), autograd.ones(3)))) == \
        repr(td.Normal(torch.zeros(3), torch.ones(3)))
    assert repr(ad.Normal(0.0, 1.0)) == repr(td.Normal(0.0, 1.0))
