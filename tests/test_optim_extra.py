"""RAdam, Rprop, ASGD, Adafactor against torch.optim: identical parameters and gradients in, parameters
compared after every one of many steps, state_dict format, reprs, invalid options."""
import copy

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
import optim
from autograd import backend
from tests.test_optim import make_params, set_grads, torch_and_ours_raise
from tests.tolerance import assert_close

SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BOOL = st.booleans()
WEIGHT_DECAY = st.sampled_from([0, 0.05])
OPTIMIZERS = {
    'RAdam': (optim.RAdam, torch.optim.RAdam, st.fixed_dictionaries(dict(
        lr=st.sampled_from([1e-3, 0.05]), betas=st.sampled_from([(0.9, 0.999), (0.5, 0.9)]),
        eps=st.sampled_from([1e-8, 1e-3]), weight_decay=WEIGHT_DECAY, decoupled_weight_decay=BOOL, maximize=BOOL))),
    'Rprop': (optim.Rprop, torch.optim.Rprop, st.fixed_dictionaries(dict(
        lr=st.sampled_from([1e-2, 0.1]), etas=st.sampled_from([(0.5, 1.2), (0.3, 1.5)]),
        step_sizes=st.sampled_from([(1e-6, 50), (1e-3, 0.2)]), maximize=BOOL))),
    'ASGD': (optim.ASGD, torch.optim.ASGD, st.fixed_dictionaries(dict(
        lr=st.sampled_from([1e-2, 0.1]), lambd=st.sampled_from([1e-4, 0.1]), alpha=st.sampled_from([0.75, 0.5]),
        t0=st.sampled_from([1e6, 3, 0]), weight_decay=WEIGHT_DECAY, maximize=BOOL))),
    'Adafactor': (optim.Adafactor, torch.optim.Adafactor, st.fixed_dictionaries(dict(
        lr=st.sampled_from([1e-2, 0.1]), beta2_decay=st.sampled_from([-0.8, -0.5]),
        eps=st.sampled_from([(None, 1e-3), (1e-6, 1e-2)]), d=st.sampled_from([1.0, 2.0]),
        weight_decay=WEIGHT_DECAY, maximize=BOOL))),
}
STEPS = 30


def assert_params_close(ours, theirs, dtype, step):
    for i, (p, q) in enumerate(zip(ours, theirs)):
        mine = backend.to_host(p.array)
        assert mine.dtype == dtype, f"parameter {i} changed dtype to {mine.dtype}"
        # rounding differences compound over the steps: allow them to grow with the step count
        assert_close(mine, q.detach().numpy(), dtype=dtype, scale=1 + step, what=f"parameter {i} after step {step}")


def run(name, options, dtype, steps=STEPS, seed=0):
    ours_cls, torch_cls, _ = OPTIMIZERS[name]
    rng = np.random.default_rng(seed)
    ours, theirs = make_params(rng, dtype, 'cpu')
    opt, ref = ours_cls(ours, **options), torch_cls(theirs, **options)
    for step in range(steps):
        set_grads(rng, ours, theirs, skip=1 if step % 4 == 2 else None)
        opt.step()
        ref.step()
        assert_params_close(ours, theirs, dtype, step)
    return opt, ref, ours, theirs


@pytest.mark.parametrize('dtype', [np.float64, np.float32])
@pytest.mark.parametrize('name', list(OPTIMIZERS))
def test_trajectory_matches_torch(name, dtype):
    @SETTINGS
    @given(options=OPTIMIZERS[name][2], seed=st.integers(0, 2 ** 16))
    def check(options, seed):
        run(name, options, dtype, seed=seed)
    check()


@pytest.mark.parametrize('name', list(OPTIMIZERS))
def test_defaults_state_and_state_dict_match_torch(name):
    opt, ref, ours, theirs = run(name, {}, np.float64, steps=4)
    assert repr(opt) == repr(ref)
    mine, their = opt.state_dict(), ref.state_dict()
    assert mine['param_groups'] == their['param_groups']
    for index, state in their['state'].items():
        assert list(mine['state'][index]) == list(state)
        for key, value in state.items():
            ours_value = backend.to_host(mine['state'][index][key].array)
            assert ours_value.dtype == value.numpy().dtype, key
            assert_close(ours_value, value.numpy(), dtype=value.numpy().dtype, what=key)
    # a torch checkpoint continues the same trajectory here
    fresh = [autograd.tensor(q.detach().numpy().copy(), requires_grad=True) for q in theirs]
    restored = OPTIMIZERS[name][0](fresh)
    restored.load_state_dict(copy.deepcopy(ref.state_dict()))
    rng = np.random.default_rng(9)
    for step in range(4):
        set_grads(rng, fresh, theirs)
        restored.step(), ref.step()
        assert_params_close(fresh, theirs, np.float64, step)


BAD_OPTIONS = [('RAdam', dict(betas=(0.9, 1.0))), ('RAdam', dict(eps=-1.0)), ('RAdam', dict(weight_decay=-1)),
               ('Rprop', dict(etas=(1.5, 1.2))), ('Rprop', dict(lr=-1)), ('ASGD', dict(weight_decay=-1)),
               ('Adafactor', dict(beta2_decay=0.5)), ('Adafactor', dict(d=0.5)), ('Adafactor', dict(eps=(-1, 1e-3))),
               ('Adafactor', dict(lr=-1.0))]


@pytest.mark.parametrize('name,options', BAD_OPTIONS)
def test_invalid_options_raise_like_torch(name, options):
    torch_and_ours_raise(lambda lib, mod: getattr(mod, name)([lib.zeros(2, requires_grad=True)], **options))
