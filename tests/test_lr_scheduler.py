"""Learning-rate schedulers against torch.optim.lr_scheduler: the same lrs (bit for bit) at every step."""
import warnings

import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
import optim

SETTINGS = settings(max_examples=25, deadline=None)
LRS = (0.1, 0.02)   # two parameter groups with their own lr


def optimizers(name='SGD', **options):
    """The same optimizer over two parameter groups, ours and torch's."""
    def build(lib, mod):
        groups = [{'params': [lib.zeros(2, requires_grad=True)], 'lr': lr} for lr in LRS]
        return getattr(mod, name)(groups, **options)
    return build(autograd, optim), build(torch, torch.optim)


def group_values(opt, key):
    return [g[key] for g in opt.param_groups]


def assert_same(ours_opt, torch_opt, ours, theirs, keys=('lr',)):
    assert ours.get_last_lr() == theirs.get_last_lr()
    for key in keys:
        assert group_values(ours_opt, key) == group_values(torch_opt, key), key


def run(make, steps, name='SGD', keys=('lr',), **options):
    """make(lr_scheduler_module, optimizer) -> scheduler; steps both sides and compares after each step."""
    ours_opt, torch_opt = optimizers(name, **options)
    ours, theirs = make(optim.lr_scheduler, ours_opt), make(torch.optim.lr_scheduler, torch_opt)
    assert_same(ours_opt, torch_opt, ours, theirs, keys)
    for _ in range(steps):
        ours_opt.step(), torch_opt.step()
        ours.step(), theirs.step()
        assert_same(ours_opt, torch_opt, ours, theirs, keys)
    return ours, theirs


GAMMA = st.sampled_from([0.1, 0.5, 0.9, 0.99])
SCHEDULERS = {
    'StepLR': st.builds(lambda s, g: lambda m, o: m.StepLR(o, step_size=s, gamma=g), st.integers(1, 5), GAMMA),
    'MultiStepLR': st.builds(lambda ms, g: lambda m, o: m.MultiStepLR(o, milestones=sorted(ms), gamma=g),
                             st.lists(st.integers(1, 15), max_size=4), GAMMA),
    'ExponentialLR': st.builds(lambda g: lambda m, o: m.ExponentialLR(o, gamma=g), GAMMA),
    'CosineAnnealingLR': st.builds(lambda t, e: lambda m, o: m.CosineAnnealingLR(o, T_max=t, eta_min=e),
                                   st.integers(1, 8), st.sampled_from([0.0, 1e-3])),
    'LambdaLR': st.builds(lambda k: lambda m, o: m.LambdaLR(o, [lambda e: 0.95 ** e, lambda e: 1 / (1 + k * e)]),
                          st.sampled_from([0.1, 1.0])),
    'MultiplicativeLR': st.builds(lambda f: lambda m, o: m.MultiplicativeLR(o, lambda e: f), GAMMA),
    'LinearLR': st.builds(lambda s, e, n: lambda m, o: m.LinearLR(o, start_factor=s, end_factor=e, total_iters=n),
                          st.sampled_from([1.0 / 3, 0.1, 1.0]), st.sampled_from([1.0, 0.5, 0.0]), st.integers(1, 8)),
    'ConstantLR': st.builds(lambda f, n: lambda m, o: m.ConstantLR(o, factor=f, total_iters=n),
                            st.sampled_from([1.0 / 3, 0.5]), st.integers(0, 6)),
    'PolynomialLR': st.builds(lambda n, p: lambda m, o: m.PolynomialLR(o, total_iters=n, power=p),
                              st.integers(1, 8), st.sampled_from([1.0, 2.0, 0.5])),
    'CosineAnnealingWarmRestarts': st.builds(
        lambda t, k, e: lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=t, T_mult=k, eta_min=e),
        st.integers(1, 4), st.integers(1, 3), st.sampled_from([0.0, 1e-3])),
}


@pytest.mark.parametrize('name', list(SCHEDULERS))
def test_scheduler_matches_torch(name):
    @SETTINGS
    @given(make=SCHEDULERS[name])
    def check(make):
        run(make, steps=20)
    check()


@pytest.mark.parametrize('name', list(SCHEDULERS))
def test_state_dict_round_trip_matches_torch(name):
    @SETTINGS
    @given(make=SCHEDULERS[name])
    def check(make):
        ours, theirs = run(make, steps=4)
        saved, torch_saved = ours.state_dict(), theirs.state_dict()
        assert sorted(saved) == sorted(torch_saved)
        # a fresh scheduler loaded from the checkpoint continues where the first one was
        ours_opt, torch_opt = optimizers()
        resumed, torch_resumed = make(optim.lr_scheduler, ours_opt), make(torch.optim.lr_scheduler, torch_opt)
        resumed.load_state_dict(saved), torch_resumed.load_state_dict(torch_saved)
        for opt in (ours_opt, torch_opt):   # what loading the optimizer's own state_dict would restore
            for group, lr in zip(opt.param_groups, theirs.get_last_lr()):
                group['lr'] = lr
        for _ in range(6):
            resumed.step(), torch_resumed.step()
            assert_same(ours_opt, torch_opt, resumed, torch_resumed)
    check()


@SETTINGS
@given(epochs=st.lists(st.integers(0, 30), min_size=1, max_size=8),
       name=st.sampled_from(['StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'LinearLR',
                             'ConstantLR', 'PolynomialLR', 'CosineAnnealingWarmRestarts']),
       data=st.data())
def test_step_with_epoch_uses_torch_closed_form(epochs, name, data):
    make = data.draw(SCHEDULERS[name])
    ours_opt, torch_opt = optimizers()
    ours, theirs = make(optim.lr_scheduler, ours_opt), make(torch.optim.lr_scheduler, torch_opt)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for epoch in epochs:
            ours.step(epoch), theirs.step(epoch)
            assert_same(ours_opt, torch_opt, ours, theirs)


def test_two_schedulers_on_one_optimizer_compound_like_torch():
    ours_opt, torch_opt = optimizers()
    scheds = [(m.ExponentialLR(o, gamma=0.9), m.MultiStepLR(o, milestones=[3, 6], gamma=0.5))
              for m, o in ((optim.lr_scheduler, ours_opt), (torch.optim.lr_scheduler, torch_opt))]
    for _ in range(10):
        ours_opt.step(), torch_opt.step()
        for ours, theirs in zip(*scheds):
            ours.step(), theirs.step()
            assert_same(ours_opt, torch_opt, ours, theirs)


@SETTINGS
@given(warmup=st.integers(1, 6), milestone=st.integers(1, 8), t_max=st.integers(1, 10))
def test_sequential_lr_matches_torch(warmup, milestone, t_max):
    run(lambda m, o: m.SequentialLR(o, [m.LinearLR(o, start_factor=0.1, total_iters=warmup),
                                        m.CosineAnnealingLR(o, T_max=t_max)], milestones=[milestone]), steps=20)
    run(lambda m, o: m.SequentialLR(o, [m.ConstantLR(o, factor=0.5, total_iters=warmup),
                                        m.ExponentialLR(o, gamma=0.9), m.StepLR(o, step_size=2)],
                                    milestones=[milestone, milestone + 3]), steps=20)


def test_chained_scheduler_matches_torch_and_saves_nested_state():
    def make(m, o):
        return m.ChainedScheduler([m.ConstantLR(o, factor=0.1, total_iters=2), m.ExponentialLR(o, gamma=0.9)])
    ours, theirs = run(make, steps=8)
    saved, torch_saved = ours.state_dict(), theirs.state_dict()
    assert sorted(saved) == sorted(torch_saved)
    assert [sorted(s) for s in saved['_schedulers']] == [sorted(s) for s in torch_saved['_schedulers']]


@SETTINGS
@given(three_phase=st.booleans(), anneal=st.sampled_from(['cos', 'linear']), total=st.integers(5, 30),
       pct=st.sampled_from([0.3, 0.25, 0.5]), optimizer=st.sampled_from(['SGD', 'Adam']))
def test_one_cycle_lr_matches_torch_including_momentum(three_phase, anneal, total, pct, optimizer):
    def make(m, o):
        return m.OneCycleLR(o, max_lr=[1.0, 0.5], total_steps=total, pct_start=pct, anneal_strategy=anneal,
                            three_phase=three_phase)
    keys = ('lr', 'betas') if optimizer == 'Adam' else ('lr', 'momentum')
    ours, theirs = run(make, steps=total - 1, name=optimizer, keys=keys,
                       **({'momentum': 0.9} if optimizer == 'SGD' else {}))
    ours.step(), theirs.step()   # the step past total_steps: torch raises there
    with pytest.raises(ValueError) as expected:
        theirs.step()
    with pytest.raises(ValueError, match=str(expected.value)):
        ours.step()


@SETTINGS
@given(metrics=st.lists(st.sampled_from([1.0, 0.9, 0.95, 0.8999, 1.2, 0.5, 0.49999]), min_size=1, max_size=30),
       mode=st.sampled_from(['min', 'max']), threshold_mode=st.sampled_from(['rel', 'abs']),
       patience=st.integers(0, 3), cooldown=st.integers(0, 2), factor=st.sampled_from([0.1, 0.5]),
       min_lr=st.sampled_from([0, 0.005, [0.01, 0.0]]))
def test_reduce_lr_on_plateau_matches_torch(metrics, mode, threshold_mode, patience, cooldown, factor, min_lr):
    ours_opt, torch_opt = optimizers()
    ours, theirs = [m.ReduceLROnPlateau(o, mode=mode, factor=factor, patience=patience, threshold=1e-2,
                                        threshold_mode=threshold_mode, cooldown=cooldown, min_lr=min_lr)
                    for m, o in ((optim.lr_scheduler, ours_opt), (torch.optim.lr_scheduler, torch_opt))]
    assert_same(ours_opt, torch_opt, ours, theirs)
    for metric in metrics:
        ours.step(autograd.tensor(metric)), theirs.step(torch.tensor(metric))
        assert_same(ours_opt, torch_opt, ours, theirs)
        assert (ours.num_bad_epochs, ours.cooldown_counter, ours.best) == \
            (theirs.num_bad_epochs, theirs.cooldown_counter, theirs.best)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())


@pytest.mark.parametrize('make', [
    lambda m, o: m.StepLR([], step_size=2),
    lambda m, o: m.LinearLR(o, start_factor=0),
    lambda m, o: m.LinearLR(o, end_factor=1.5),
    lambda m, o: m.ConstantLR(o, factor=2),
    lambda m, o: m.ReduceLROnPlateau(o, factor=1.0),
    lambda m, o: m.ReduceLROnPlateau(o, mode='up'),
    lambda m, o: m.ReduceLROnPlateau(o, min_lr=[0.1]),
    lambda m, o: m.OneCycleLR(o, max_lr=1.0),
    lambda m, o: m.OneCycleLR(o, max_lr=1.0, total_steps=10, pct_start=1),
    lambda m, o: m.OneCycleLR(o, max_lr=[1.0], total_steps=10),
    lambda m, o: m.SequentialLR(o, [m.ExponentialLR(o, 0.9)], milestones=[2]),
    lambda m, o: m.SequentialLR(o, [m.ReduceLROnPlateau(o)], milestones=[]),
    lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=0),
    lambda m, o: m.StepLR(o, step_size=2, last_epoch=3),
], ids=['not-optimizer', 'start-factor', 'end-factor', 'constant-factor', 'plateau-factor', 'plateau-mode',
        'min-lrs', 'one-cycle-steps', 'pct-start', 'max-lrs', 'milestones', 'sequential-plateau', 'T_0',
        'resume-without-initial-lr'])
def test_bad_arguments_raise_like_torch(make):
    ours_opt, torch_opt = optimizers()
    with pytest.raises(Exception) as expected:
        make(torch.optim.lr_scheduler, torch_opt)
    with pytest.raises(expected.type) as actual:
        make(optim.lr_scheduler, ours_opt)
    assert str(actual.value) == str(expected.value)
