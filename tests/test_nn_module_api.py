"""Module API of issue 11 against torch: nn.Buffer, set_submodule, state-dict save/load hooks,
nn.utils.parametrize and the weight/spectral norm reparametrisations."""
import numpy as np
import pytest
import torch

import autograd
import nn
from tests.tolerance import assert_close


def trace(lib):
    nn = lib.nn
    log = []
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))

    def pre(mod, prefix, keep):
        log.append(('pre', type(mod).__name__, prefix, keep))

    def post(mod, sd, prefix, meta):
        log.append(('post', prefix, list(sd)))

    def private_post(mod, sd, prefix, meta):      # the private form may return a replacement
        return type(sd)((k, v) for k, v in sd.items() if 'num_batches' not in k)

    def load_pre(mod, sd, prefix, *rest):
        log.append(('load pre', type(mod).__name__, prefix, sorted(sd)))

    def load_post(mod, keys):
        log.append(('load post', sorted(keys.missing_keys)))
        keys.missing_keys.clear()

    def load_post_child(mod, keys):
        log.append(('load post child', sorted(keys.missing_keys)))
    m[0].register_state_dict_pre_hook(pre)
    m.register_state_dict_post_hook(post)
    m[1]._register_state_dict_hook(private_post)
    m[1].register_load_state_dict_pre_hook(load_pre)
    m.register_load_state_dict_post_hook(load_post)
    m[1].register_load_state_dict_post_hook(load_post_child)
    sd = m.state_dict()
    log.append(sorted(sd))
    log.append(repr(m.load_state_dict(sd)))
    m.b = nn.Buffer(lib.ones(2))
    m.c = nn.Buffer(lib.ones(1), persistent=False)
    log.append(sorted(m.state_dict()))
    m.set_submodule('0', nn.ReLU())
    log.append(repr(m))
    for call in [lambda: m.set_submodule('', nn.ReLU()), lambda: m.set_submodule('x', nn.ReLU(), strict=True),
                 lambda: m.set_submodule('b', nn.ReLU())]:
        try:
            call()
        except Exception as e:
            log.append((type(e).__name__, str(e)))
    return log


def test_buffer_set_submodule_and_state_dict_hooks_match_torch():
    """The same calls on both sides log the same hook calls, keys, reprs and errors."""
    assert trace(autograd) == trace(torch)


# ---- parametrizations ----------------------------------------------------------------------------
def _apply(lib, kind, module):
    utils = lib.nn.utils
    if kind == 'weight_norm':
        return utils.parametrizations.weight_norm(module, dim=1)
    if kind == 'spectral_norm':
        return utils.parametrizations.spectral_norm(module, n_power_iterations=2)
    if kind == 'old_weight_norm':
        return utils.weight_norm(module)
    return utils.spectral_norm(module)


@pytest.mark.filterwarnings('ignore:torch.nn.utils.weight_norm is deprecated')
@pytest.mark.parametrize('layer', ['linear', 'conv', 'convT'])
@pytest.mark.parametrize('kind', ['weight_norm', 'spectral_norm', 'old_weight_norm', 'old_spectral_norm'])
def test_norm_reparametrisations_train_like_torch(kind, layer):
    """Same state (including the power-iteration vectors) in, then forward, backward and SGD steps in
    training mode (the spectral norms update their vectors) and an eval forward: same outputs, same state."""
    make = {'linear': lambda m: m.Linear(3, 4), 'conv': lambda m: m.Conv2d(2, 3, 2),
            'convT': lambda m: m.ConvTranspose2d(2, 3, 2)}[layer]
    shape = (5, 3) if layer == 'linear' else (2, 2, 4, 4)
    theirs, ours = _apply(torch, kind, make(torch.nn)).double(), _apply(autograd, kind, make(nn)).double()
    assert repr(ours) == repr(theirs).replace('torch.', 'autograd.')
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    opt, ref = torch.optim.SGD(theirs.parameters(), lr=0.1), None
    import optim
    ref, opt = opt, optim.SGD(ours.parameters(), lr=0.1)
    rng = np.random.default_rng(0)
    for step in range(3):
        x = rng.standard_normal(shape)
        for lib, model, o in ((torch, theirs, ref), (autograd, ours, opt)):
            o.zero_grad()
            model(lib.tensor(x)).pow(2).sum().backward()
            o.step()
        for (k, v), w in zip(ours.state_dict().items(), theirs.state_dict().values()):
            assert_close(v.numpy(), w.numpy(), dtype=np.float64, scale=10, what=f"{k} after step {step}")
    theirs.eval(), ours.eval()
    x = rng.standard_normal(shape)
    assert_close(ours(autograd.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(),
                 dtype=np.float64, scale=10)


class Symmetric:
    """A parametrization (a Module of either library) X -> triu(X) + triu(X, 1)^T, with a right inverse."""
    @staticmethod
    def make(lib):
        class Sym(lib.nn.Module):
            def forward(self, x):
                return x.triu() + x.triu(1).transpose(-1, -2)

            def right_inverse(self, a):
                return a.triu()
        return Sym()


def test_register_parametrization_cached_and_remove_match_torch():
    def run(lib):
        P = lib.nn.utils.parametrize
        log = []
        m = lib.nn.Linear(3, 3).double()
        with lib.no_grad():
            m.weight.copy_(lib.tensor(np.arange(9.0).reshape(3, 3)))
        weight = m.weight
        P.register_parametrization(m, 'weight', Symmetric.make(lib))
        log += [type(m).__name__, P.is_parametrized(m), P.is_parametrized(m, 'bias'), list(m.state_dict()),
                m.weight.tolist(), m.parametrizations.weight.original is weight,
                P.type_before_parametrizations(m).__name__]
        with P.cached():
            log.append(m.weight is m.weight)
        log.append(m.weight is m.weight)
        m.weight = lib.tensor(np.ones((3, 3)))
        log.append(m.parametrizations.weight.original.tolist())
        out = m(lib.ones(2, 3, dtype=lib.float64)).sum()
        out.backward()
        log.append(m.parametrizations.weight.original.grad.tolist())
        P.remove_parametrizations(m, 'weight')
        log += [type(m).__name__, list(m.state_dict()), m.weight.tolist()]
        try:
            P.register_parametrization(m, 'nothing', Symmetric.make(lib))
        except ValueError as e:
            log.append(str(e))
        return log
    assert run(autograd) == run(torch)


# ---- lazy modules -----------------------------------------------------------------------------------
LAZY = [('LazyLinear', (3,), (2, 5)), ('LazyConv1d', (4, 3), (2, 3, 7)), ('LazyConv2d', (4, 3), (3, 6, 6)),
        ('LazyConv3d', (2, 2), (1, 2, 4, 4, 4)), ('LazyConvTranspose1d', (4, 3), (2, 3, 5)),
        ('LazyConvTranspose2d', (4, 2), (2, 3, 4, 4)), ('LazyConvTranspose3d', (2, 2), (1, 2, 3, 3, 3)),
        ('LazyBatchNorm1d', (), (4, 3)), ('LazyBatchNorm2d', (), (2, 3, 2, 2)),
        ('LazyBatchNorm3d', (), (2, 3, 2, 2, 2)),
        ('LazyInstanceNorm1d', (), (2, 3, 5)), ('LazyInstanceNorm2d', (), (2, 3, 4, 4)),
        ('LazyInstanceNorm3d', (), (2, 3, 2, 2, 2))]


@pytest.mark.parametrize('name,args,shape', LAZY, ids=[n for n, _, _ in LAZY])
def test_lazy_modules_match_torch(name, args, shape):
    """Before the first call: torch's repr and state_dict form; the first call infers the sizes and the
    module becomes its eager class, initialised from the same seed as torch's (same numbers)."""
    theirs, ours = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
    assert repr(ours) == repr(theirs)
    assert [(k, repr(v)) for k, v in ours.state_dict().items()] == \
        [(k, repr(v)) for k, v in theirs.state_dict().items()]
    x = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    torch.manual_seed(7), autograd.manual_seed(7)
    t_out, o_out = theirs(torch.tensor(x)), ours(autograd.tensor(x))
    assert repr(ours) == repr(theirs) and type(ours).__name__ == type(theirs).__name__
    for (k, v), w in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert_close(v.numpy(), w.numpy(), what=k)
    assert_close(o_out.detach().numpy(), t_out.detach().numpy(), scale=10)


def test_lazy_module_loads_a_checkpoint():
    theirs = torch.nn.Linear(4, 3)
    ours = nn.LazyLinear(3)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.ones((2, 4), dtype=np.float32)
    assert_close(ours(autograd.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy())
    assert type(ours).__name__ == 'Linear'
