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


# ---- hooks ---------------------------------------------------------------------------------------
def test_step_and_state_dict_hooks_match_torch():
    """The same hooks registered on both sides see the same calls, in the same order, and can replace the
    step's arguments, the saved state dict and the state dict being loaded."""
    def trace(lib, mod):
        import importlib
        hooks = importlib.import_module(mod.__name__ + '.optimizer')
        log = []
        p = lib.ones(3, requires_grad=True)
        opt = mod.SGD([p], lr=0.1, momentum=0.5)
        handles = [
            opt.register_step_pre_hook(lambda o, a, k: log.append(('pre', len(a), sorted(k)))),
            opt.register_step_post_hook(lambda o, a, k: log.append(('post', len(a), sorted(k)))),
            hooks.register_optimizer_step_pre_hook(lambda o, a, k: log.append(('global pre',))),
            hooks.register_optimizer_step_post_hook(lambda o, a, k: log.append(('global post',))),
            opt.register_state_dict_pre_hook(lambda o: log.append(('sd pre',))),
            opt.register_state_dict_post_hook(lambda o, sd: {**sd, 'extra': 1}),
            opt.register_load_state_dict_pre_hook(lambda o, sd: log.append(('load pre', sorted(sd))) or
                                                  {k: v for k, v in sd.items() if k != 'extra'}),
            opt.register_load_state_dict_post_hook(lambda o: log.append(('load post',)), prepend=True),
            opt.register_step_pre_hook(lambda o, a, k: ((o,), {'closure': None})),
        ]
        for _ in range(2):
            p.grad = lib.ones(3)
            opt.step()
        sd = opt.state_dict()
        log.append(('saved', sorted(sd)))
        opt.load_state_dict(sd)
        for h in handles:
            h.remove()
        p.grad = lib.ones(3)
        opt.step()
        log.append(('params', p.detach().tolist()))
        return log
    assert trace(autograd, optim) == trace(torch, torch.optim)


def test_bad_pre_hook_result_raises_like_torch():
    def make(lib, mod):
        p = lib.ones(1, requires_grad=True)
        p.grad = lib.ones(1)
        opt = mod.SGD([p], lr=0.1)
        opt.register_step_pre_hook(lambda o, a, k: 3)
        opt.step()
    with pytest.raises(RuntimeError, match="must return None or a tuple of"):
        make(autograd, optim)
    with pytest.raises(RuntimeError, match="must return None or a tuple of"):
        make(torch, torch.optim)


# ---- CyclicLR --------------------------------------------------------------------------------------
@settings(max_examples=15, deadline=None)
@given(mode=st.sampled_from(['triangular', 'triangular2', 'exp_range', 'custom']), adam=BOOL,
       up=st.integers(1, 5), down=st.sampled_from([None, 2, 7]), gamma=st.sampled_from([1.0, 0.9]),
       cycle_momentum=BOOL)
def test_cyclic_lr_matches_torch(mode, adam, up, down, gamma, cycle_momentum):
    kw = dict(step_size_up=up, step_size_down=down, gamma=gamma, cycle_momentum=cycle_momentum)
    if mode == 'custom':
        kw.update(scale_fn=lambda x: 0.5 ** x, scale_mode='iterations')
    else:
        kw['mode'] = mode
    extra = {} if adam else dict(momentum=0.9)
    p, q = autograd.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    opt = (optim.Adam if adam else optim.SGD)([p], lr=0.1, **extra)
    ref = (torch.optim.Adam if adam else torch.optim.SGD)([q], lr=0.1, **extra)
    ours = optim.lr_scheduler.CyclicLR(opt, [0.01], 0.1, **kw)
    theirs = torch.optim.lr_scheduler.CyclicLR(ref, [0.01], 0.1, **kw)
    for _ in range(25):
        opt.step(), ref.step(), ours.step(), theirs.step()
        assert ours.get_last_lr() == theirs.get_last_lr()
        assert opt.param_groups[0].get('momentum') == ref.param_groups[0].get('momentum')
        assert opt.param_groups[0].get('betas') == ref.param_groups[0].get('betas')
    sd, ref_sd = ours.state_dict(), theirs.state_dict()
    assert sorted(sd) == sorted(ref_sd)


# ---- swa_utils -----------------------------------------------------------------------------------
def models(dtype=np.float64):
    """(the Linear before the BatchNorm has no bias: its gradient would be rounding noise)"""
    import nn
    rng = np.random.default_rng(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4, bias=False), torch.nn.BatchNorm1d(4), torch.nn.ReLU(),
                                 torch.nn.Linear(4, 2)).double()
    ours = nn.Sequential(nn.Linear(3, 4, bias=False), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 2)).double()
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return rng, theirs, ours


@pytest.mark.parametrize('kind', ['swa', 'ema', 'ema_fn', 'swa_fn', 'buffers'])
def test_averaged_model_and_swalr_match_torch(kind):
    from torch.optim import swa_utils as tswa

    from optim import swa_utils as swa
    rng, theirs, ours = models()
    kw = {'swa': {}, 'buffers': dict(use_buffers=True),
          'ema': ('multi_avg_fn', 'get_ema_multi_avg_fn', (0.9,)), 'ema_fn': ('avg_fn', 'get_ema_avg_fn', (0.8,)),
          'swa_fn': ('multi_avg_fn', 'get_swa_multi_avg_fn', ())}[kind]
    if isinstance(kw, tuple):
        key, fn, args = kw
        ours_avg = swa.AveragedModel(ours, **{key: getattr(swa, fn)(*args)})
        their_avg = tswa.AveragedModel(theirs, **{key: getattr(tswa, fn)(*args)})
    else:
        ours_avg, their_avg = swa.AveragedModel(ours, **kw), tswa.AveragedModel(theirs, **kw)
    opt, ref = optim.SGD(ours.parameters(), lr=0.5), torch.optim.SGD(theirs.parameters(), lr=0.5)
    sched, ref_sched = swa.SWALR(opt, swa_lr=0.05, anneal_epochs=3), tswa.SWALR(ref, swa_lr=0.05, anneal_epochs=3)
    for step in range(6):
        x = rng.standard_normal((5, 3))
        for lib, model, o in ((autograd, ours, opt), (torch, theirs, ref)):
            o.zero_grad()
            model(lib.tensor(x)).pow(2).sum().backward()
            o.step()
        sched.step(), ref_sched.step()
        assert sched.get_last_lr() == pytest.approx(ref_sched.get_last_lr(), rel=1e-15)
        ours_avg.update_parameters(ours), their_avg.update_parameters(theirs)
        for (name, value), (ref_name, ref_value) in zip(ours_avg.state_dict().items(),
                                                        their_avg.state_dict().items()):
            assert name == ref_name
            assert_close(backend.to_host(value.array), ref_value.numpy(), dtype=ref_value.numpy().dtype, what=name)
    # update_bn recomputes the averaged model's BatchNorm statistics over a loader
    batches = [rng.standard_normal((4, 3)) for _ in range(3)]
    swa.update_bn([(autograd.tensor(b), 0) for b in batches], ours_avg)
    tswa.update_bn([(torch.tensor(b), 0) for b in batches], their_avg)
    for (name, value), ref_value in zip(ours_avg.state_dict().items(), their_avg.state_dict().values()):
        assert_close(backend.to_host(value.array), ref_value.numpy(), dtype=ref_value.numpy().dtype, what=name)


@pytest.mark.parametrize('make', [
    lambda lib, mod: mod.SparseAdam([lib.zeros(2, requires_grad=True)], lr=0.0),
    lambda lib, mod: mod.SparseAdam([lib.zeros(2, requires_grad=True)], betas=(1.0, 0.9)),
    lambda lib, mod: mod.SparseAdam([lib.zeros(2, requires_grad=True)], eps=0.0),
    lambda lib, mod: (lambda p: (setattr(p, 'grad', lib.ones(2)), mod.SparseAdam([p]).step()))(
        lib.zeros(2, requires_grad=True)),
])
def test_sparse_adam_checks_like_torch(make):
    """No sparse gradients exist here: SparseAdam validates its options and rejects dense gradients as torch."""
    torch_and_ours_raise(make)
