"""Optimizers against torch.optim: identical parameters and gradients in, parameters compared after every step."""
import copy

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import autograd
import optim
from autograd import backend
from tolerance import assert_close, tolerance

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
SHAPES = [(4, 3), (3,), (2, 1, 2), ()]

# name -> (our class, torch class, strategy for the options)
BOOL = st.booleans()
WEIGHT_DECAY = st.sampled_from([0, 0.0, 0.05])
OPTIMIZERS = {
    'SGD': (optim.SGD, torch.optim.SGD, st.fixed_dictionaries(dict(
        lr=st.sampled_from([0.1, 0.01]), momentum=st.sampled_from([0, 0.9]), dampening=st.sampled_from([0, 0.3]),
        nesterov=BOOL, weight_decay=WEIGHT_DECAY, maximize=BOOL))),
    'Adam': (optim.Adam, torch.optim.Adam, st.fixed_dictionaries(dict(
        lr=st.sampled_from([1e-3, 0.05]), betas=st.sampled_from([(0.9, 0.999), (0.5, 0.9)]),
        eps=st.sampled_from([1e-8, 1e-3]), weight_decay=WEIGHT_DECAY, amsgrad=BOOL, maximize=BOOL))),
    'AdamW': (optim.AdamW, torch.optim.AdamW, st.fixed_dictionaries(dict(
        lr=st.sampled_from([1e-3, 0.05]), weight_decay=st.sampled_from([0, 1e-2, 0.3]), amsgrad=BOOL,
        maximize=BOOL))),
    'RMSprop': (optim.RMSprop, torch.optim.RMSprop, st.fixed_dictionaries(dict(
        lr=st.sampled_from([1e-2, 1e-3]), alpha=st.sampled_from([0.99, 0.8]), eps=st.sampled_from([1e-8, 1e-2]),
        momentum=st.sampled_from([0, 0.9]), centered=BOOL, weight_decay=WEIGHT_DECAY, maximize=BOOL))),
    'Adagrad': (optim.Adagrad, torch.optim.Adagrad, st.fixed_dictionaries(dict(
        lr=st.sampled_from([1e-2, 0.1]), lr_decay=st.sampled_from([0, 0.1]), weight_decay=WEIGHT_DECAY,
        initial_accumulator_value=st.sampled_from([0, 0.5]), eps=st.sampled_from([1e-10, 1e-3]), maximize=BOOL))),
    'Adadelta': (optim.Adadelta, torch.optim.Adadelta, st.fixed_dictionaries(dict(
        lr=st.sampled_from([1.0, 0.5]), rho=st.sampled_from([0.9, 0.5]), eps=st.sampled_from([1e-6, 1e-3]),
        weight_decay=WEIGHT_DECAY, maximize=BOOL))),
    'Adamax': (optim.Adamax, torch.optim.Adamax, st.fixed_dictionaries(dict(
        lr=st.sampled_from([2e-3, 0.05]), betas=st.sampled_from([(0.9, 0.999), (0.5, 0.9)]),
        eps=st.sampled_from([1e-8, 1e-3]), weight_decay=WEIGHT_DECAY, maximize=BOOL))),
    'NAdam': (optim.NAdam, torch.optim.NAdam, st.fixed_dictionaries(dict(
        lr=st.sampled_from([2e-3, 0.05]), betas=st.sampled_from([(0.9, 0.999), (0.5, 0.9)]),
        momentum_decay=st.sampled_from([4e-3, 0.1]), weight_decay=WEIGHT_DECAY,
        decoupled_weight_decay=BOOL, maximize=BOOL))),
}


def make_params(rng, dtype, device):
    arrays = [rng.standard_normal(s).astype(dtype) for s in SHAPES]
    ours = [autograd.tensor(a.copy(), device=device, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a.copy(), requires_grad=True) for a in arrays]
    return ours, theirs


def set_grads(rng, ours, theirs, skip=None):
    """Identical random gradients on both sides; parameter `skip` gets none (the optimizers must skip it)."""
    for i, (p, q) in enumerate(zip(ours, theirs)):
        if i == skip:
            p.grad = q.grad = None
            continue
        g = rng.standard_normal(p.shape).astype(backend.to_host(p.array).dtype)
        p.grad = autograd.tensor(g.copy(), device=p.device)
        q.grad = torch.from_numpy(g.copy())


def assert_params_close(ours, theirs, dtype, step):
    for i, (p, q) in enumerate(zip(ours, theirs)):
        mine = backend.to_host(p.array)
        assert mine.dtype == dtype, f"parameter {i} changed dtype to {mine.dtype}"
        np.testing.assert_allclose(mine, q.detach().numpy(), **tolerance(dtype),
                                   err_msg=f"parameter {i} after step {step}")


def run_against_torch(name, options, dtype, device, steps=10, seed=0):
    ours_cls, torch_cls, _ = OPTIMIZERS[name]
    rng = np.random.default_rng(seed)
    ours, theirs = make_params(rng, dtype, device)
    opt, ref = ours_cls(ours, **options), torch_cls(theirs, **options)
    for step in range(steps):
        set_grads(rng, ours, theirs, skip=1 if step % 4 == 2 else None)
        opt.step()
        ref.step()
        assert_params_close(ours, theirs, dtype, step)
    return opt, ref, ours, theirs


def valid(name, options):
    return not (name == 'SGD' and options['nesterov'] and (options['momentum'] == 0 or options['dampening'] != 0))


@pytest.mark.parametrize('dtype', [np.float64, np.float32])
@pytest.mark.parametrize('name', list(OPTIMIZERS))
def test_trajectory_matches_torch(name, dtype, device):
    @SETTINGS
    @given(options=OPTIMIZERS[name][2], seed=st.integers(0, 2 ** 16))
    def check(options, seed):
        assume(valid(name, options))
        run_against_torch(name, options, dtype, device, seed=seed)
    check()


@pytest.mark.parametrize('name', list(OPTIMIZERS))
def test_defaults_match_torch(name, device):
    """Default options give torch's trajectory, state keys, state['step'] form, and repr."""
    opt, ref, ours, theirs = run_against_torch(name, {} if name != 'SGD' else {'momentum': 0.5}, np.float32,
                                               device, steps=4)
    assert repr(opt) == repr(ref)
    for p, q in zip(ours, theirs):
        assert list(opt.state[p]) == list(ref.state[q])
        if 'step' in opt.state[p]:
            step = opt.state[p]['step']
            assert step.dtype == autograd.float32 and step.shape == () and step.item() == ref.state[q]['step'].item()


@pytest.mark.parametrize('name', ['SGD', 'Adam', 'RMSprop', 'NAdam'])
def test_closure_training_matches_torch(name):
    """step(closure) re-evaluates a real loss through autograd; zero_grad(set_to_none=False) in the closure."""
    ours_cls, torch_cls, _ = OPTIMIZERS[name]
    rng = np.random.default_rng(1)
    w0, x, y = rng.standard_normal((3, 2)), rng.standard_normal((8, 3)), rng.standard_normal((8, 2))
    w, v = autograd.tensor(w0.copy(), requires_grad=True), torch.tensor(w0.copy(), requires_grad=True)
    options = {'lr': 0.05, 'momentum': 0.9} if name == 'SGD' else {'lr': 0.05}
    opt, ref = ours_cls([w], **options), torch_cls([v], **options)

    def closure(lib, param, optimizer):
        def run():
            optimizer.zero_grad(set_to_none=False)
            loss = ((lib.tensor(x) @ param - lib.tensor(y)) ** 2).mean()
            loss.backward()
            return loss
        return run
    for _ in range(15):
        loss, ref_loss = opt.step(closure(autograd, w, opt)), ref.step(closure(torch, v, ref))
        assert_close(loss.item(), ref_loss.item(), np.float64, what='loss')
    assert_close(w.detach().numpy(), v.detach().numpy())


def test_param_groups_with_own_options_match_torch():
    rng = np.random.default_rng(2)
    ours, theirs = make_params(rng, np.float64, 'cpu')
    groups = lambda ps: [{'params': ps[:2]}, {'params': ps[2:], 'lr': 0.3, 'momentum': 0.0, 'nesterov': False}]
    opt = optim.SGD(groups(ours), lr=0.1, momentum=0.9, nesterov=True)
    ref = torch.optim.SGD(groups(theirs), lr=0.1, momentum=0.9, nesterov=True)
    assert repr(opt) == repr(ref)
    for step in range(5):
        set_grads(rng, ours, theirs)
        opt.step(), ref.step()
        assert_params_close(ours, theirs, np.float64, step)


# ---- state_dict -------------------------------------------------------------------------------
def to_numpy_state_dict(sd):
    """A torch optimizer state_dict with every tensor converted to a NumPy array."""
    state = {k: {n: (v.numpy() if isinstance(v, torch.Tensor) else v) for n, v in s.items()}
             for k, s in sd['state'].items()}
    return {'state': state, 'param_groups': sd['param_groups']}


def assert_state_dicts_equal(ours, theirs):
    assert ours['param_groups'] == theirs['param_groups']
    assert list(ours['state']) == list(theirs['state'])
    for index, state in theirs['state'].items():
        assert list(ours['state'][index]) == list(state)
        for key, value in state.items():
            mine = ours['state'][index][key]
            assert backend.to_host(mine.array).dtype == value.numpy().dtype, key
            assert_close(backend.to_host(mine.array), value.numpy(), what=key)


@pytest.mark.parametrize('name', list(OPTIMIZERS))
def test_state_dict_matches_torch_and_round_trips_through_save(name, tmp_path):
    ours_cls, torch_cls, _ = OPTIMIZERS[name]
    opt, ref, ours, theirs = run_against_torch(name, {}, np.float64, 'cpu', steps=3)
    assert_state_dicts_equal(opt.state_dict(), ref.state_dict())
    path = tmp_path / 'optim.pt'
    autograd.save(opt.state_dict(), str(path))
    loaded = autograd.load(str(path))
    # both sides restore into fresh optimizers (built with another lr, which the checkpoint overrides)
    fresh = [autograd.tensor(backend.to_host(p.array).copy(), requires_grad=True) for p in ours]
    fresh_torch = [q.detach().clone().requires_grad_() for q in theirs]
    restored, restored_torch = ours_cls(fresh, lr=0.5), torch_cls(fresh_torch, lr=0.5)
    restored.load_state_dict(loaded)
    restored_torch.load_state_dict(copy.deepcopy(ref.state_dict()))
    assert_state_dicts_equal(restored.state_dict(), restored_torch.state_dict())
    rng = np.random.default_rng(3)
    for step in range(3):
        set_grads(rng, fresh, fresh_torch)
        restored.step(), restored_torch.step()
        assert_params_close(fresh, fresh_torch, np.float64, step)


@pytest.mark.parametrize('convert', [to_numpy_state_dict, lambda sd: sd], ids=['numpy', 'torch-tensors'])
@pytest.mark.parametrize('dtype', [np.float64, np.float32])
@pytest.mark.parametrize('name', list(OPTIMIZERS))
def test_loads_torch_state_dict(name, dtype, convert, device):
    """A torch checkpoint (tensors converted to NumPy, or left as torch tensors) continues the same trajectory."""
    ours_cls, torch_cls, _ = OPTIMIZERS[name]
    rng = np.random.default_rng(4)
    _, theirs = make_params(rng, dtype, device)
    options = {'momentum': 0.9} if name == 'SGD' else {'amsgrad': True} if name in ('Adam', 'AdamW') else {}
    ref = torch_cls(theirs, **options)
    for _ in range(3):
        for q in theirs:
            q.grad = torch.from_numpy(rng.standard_normal(q.shape).astype(dtype))
        ref.step()
    ours = [autograd.tensor(q.detach().numpy().copy(), device=device, requires_grad=True) for q in theirs]
    opt = ours_cls(ours)
    opt.load_state_dict(convert(copy.deepcopy(ref.state_dict())))
    assert repr(opt) == repr(ref)
    for p in ours:
        for key, value in opt.state[p].items():   # torch's policy: 'step' as saved, the rest like the parameter
            assert isinstance(value, autograd.Tensor)
            assert (value.device, value.dtype) == ((autograd.device('cpu'), autograd.float32) if key == 'step'
                                                   else (p.device, p.dtype)), key
    for step in range(5):
        set_grads(rng, ours, theirs, skip=0 if step == 2 else None)
        opt.step(), ref.step()
        assert_params_close(ours, theirs, dtype, step)


def load_mismatched(lib, mod, two_groups):
    p, q = lib.zeros(2, requires_grad=True), lib.zeros(3, requires_grad=True)
    saved = mod.SGD([p] if two_groups else [p, q]).state_dict()
    target = mod.SGD([{'params': [p]}, {'params': [q]}]) if two_groups else mod.SGD([p])
    target.load_state_dict(saved)


@pytest.mark.parametrize('two_groups', [True, False])
def test_load_state_dict_rejects_mismatched_groups(two_groups):
    torch_and_ours_raise(lambda lib, mod: load_mismatched(lib, mod, two_groups))


# ---- base class behaviour ---------------------------------------------------------------------
def test_zero_grad_matches_torch():
    p, q = autograd.ones(3, requires_grad=True), torch.ones(3, requires_grad=True)
    opt, ref = optim.SGD([p], lr=0.1), torch.optim.SGD([q], lr=0.1)
    (p * 2).sum().backward(), (q * 2).sum().backward()
    grad = p.grad
    opt.zero_grad(set_to_none=False), ref.zero_grad(set_to_none=False)
    assert p.grad is grad and p.grad.tolist() == q.grad.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad(), ref.zero_grad()
    assert p.grad is None and q.grad is None


def test_add_param_group_and_lazy_state():
    rng = np.random.default_rng(5)
    ours, theirs = make_params(rng, np.float64, 'cpu')
    opt, ref = optim.Adagrad(ours[:2], lr=0.1), torch.optim.Adagrad(theirs[:2], lr=0.1)
    opt.add_param_group({'params': ours[2:], 'lr': 0.05})
    ref.add_param_group({'params': theirs[2:], 'lr': 0.05})
    assert repr(opt) == repr(ref)
    for step in range(4):
        set_grads(rng, ours, theirs)
        opt.step(), ref.step()
        assert_params_close(ours, theirs, np.float64, step)


def test_step_bumps_version_so_stale_saved_tensors_are_detected():
    def run(m, optim_module):
        p = m.ones(3, requires_grad=True)
        opt = optim_module.SGD([p], lr=0.1)
        before = p._version
        p.grad = m.ones(3)
        opt.step()
        return before, p._version
    assert run(autograd, optim) == run(torch, torch.optim)


def torch_and_ours_raise(make):
    """make(lib, optim_module) must raise the same exception class with the same message in torch and here
    (where torch names its own types, e.g. torch.FloatTensor, we name ours)."""
    with pytest.raises(Exception) as expected:
        make(torch, torch.optim)
    with pytest.raises(expected.type) as actual:
        make(autograd, optim)
    assert str(actual.value) == str(expected.value).replace('torch.', 'autograd.')


BAD_OPTIONS = [
    ('SGD', dict(lr=-0.1)), ('SGD', dict(momentum=-0.5)), ('SGD', dict(weight_decay=-1e-4)),
    ('SGD', dict(nesterov=True)), ('SGD', dict(nesterov=True, momentum=0.9, dampening=0.1)),
    ('Adam', dict(lr=-1e-3)), ('Adam', dict(betas=(1.0, 0.999))), ('Adam', dict(betas=(0.9, -0.1))),
    ('Adam', dict(eps=-1e-8)), ('Adam', dict(weight_decay=-1.0)), ('Adam', dict(betas=(0, 0.9))),
    ('AdamW', dict(betas=(0.9, 1.5))), ('RMSprop', dict(alpha=-0.1)), ('RMSprop', dict(momentum=-0.1)),
    ('RMSprop', dict(eps=-1.0)), ('Adagrad', dict(lr_decay=-0.1)), ('Adagrad', dict(initial_accumulator_value=-1)),
    ('Adadelta', dict(rho=1.5)), ('Adamax', dict(betas=(0.9, 1.0))), ('NAdam', dict(momentum_decay=-0.1)),
]


@pytest.mark.parametrize('name,options', BAD_OPTIONS)
def test_invalid_options_raise_like_torch(name, options):
    torch_and_ours_raise(lambda lib, mod: getattr(mod, name)([lib.zeros(2, requires_grad=True)], **options))


@pytest.mark.parametrize('make', [
    lambda lib, mod: mod.Adam([]),
    lambda lib, mod: mod.SGD(lib.zeros(2, requires_grad=True)),
    lambda lib, mod: mod.SGD([1.0]),
    lambda lib, mod: mod.SGD([{'params': {lib.zeros(2, requires_grad=True)}}]),
    lambda lib, mod: mod.SGD([lib.zeros(2, requires_grad=True) * 2]),
    lambda lib, mod: (lambda p: mod.SGD([{'params': [p]}, {'params': [p]}]))(lib.zeros(2, requires_grad=True)),
    lambda lib, mod: mod.SGD([lib.zeros(2, requires_grad=True)]).add_param_group([1]),
], ids=['empty', 'tensor', 'float', 'set', 'non-leaf', 'shared', 'group-not-dict'])
def test_bad_params_raise_like_torch(make):
    torch_and_ours_raise(make)


def test_complex_parameters_are_refused_with_a_clear_error():
    with pytest.raises(NotImplementedError, match=r"Adam: complex parameters \(here of shape \[2\]"):
        optim.Adam([autograd.zeros(2, dtype=autograd.complex64, requires_grad=True)])


def test_named_parameters_give_param_names():
    p, q = autograd.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    opt, ref = optim.Adam([('w', p)]), torch.optim.Adam([('w', q)])
    assert opt.state_dict()['param_groups'] == ref.state_dict()['param_groups']


def test_step_allocates_no_graph_and_keeps_float32():
    p = autograd.zeros(5, requires_grad=True)
    opt = optim.Adam([p], lr=0.1, weight_decay=0.1)
    p.grad = autograd.ones(5)
    opt.step()
    assert p.grad_fn is None and p.is_leaf and p.dtype == autograd.float32
    assert all(v.dtype == autograd.float32 for v in opt.state[p].values())
