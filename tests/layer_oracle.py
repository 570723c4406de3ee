"""Compare one of our layers (or functions) with torch's: same weights in (copied through load_state_dict),
same inputs, same output gradient; forward values, dtypes, input and parameter gradients compared with the
tolerance of tests/tolerance.py."""
import numpy as np
import torch

import autograd
from tests.tolerance import assert_close

DTYPES = [np.float64, np.float32]


def torch_dtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


def our_dtype(dtype):
    return autograd.float64 if dtype == np.float64 else autograd.float32


def host(t):
    return autograd.backend.to_host(t.detach().array) if isinstance(t, autograd.Tensor) else t.detach().numpy()


def same(ours, theirs, dtype, what, scale=1.0):
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {tuple(ours.shape)} vs {tuple(theirs.shape)}"
    assert ours.dtype.name == str(theirs.dtype).replace('torch.', ''), f"{what}: dtype {ours.dtype} vs {theirs.dtype}"
    assert_close(host(ours), host(theirs), dtype=dtype, scale=scale, what=what)


def pair(torch_module, our_module, dtype):
    """torch_module and our_module in dtype, ours holding torch's parameters and buffers."""
    torch_module = torch_module.to(torch_dtype(dtype))
    our_module = our_module.to(our_dtype(dtype))
    result = our_module.load_state_dict({k: v.numpy() for k, v in torch_module.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    return torch_module, our_module


class Const:
    """An input array that gets no gradient (a loss target torch does not differentiate)."""
    def __init__(self, array):
        self.array = array


def compare(torch_fn, our_fn, arrays, dtype, seed=0, scale=1.0, torch_params=None, our_params=None):
    """Run torch_fn and our_fn on the same arrays (float ones require grad), backward the same random
    output gradient, compare outputs, input gradients and (named) parameter gradients. Wrap an array in
    Const to give it no gradient."""
    grads = [not isinstance(a, Const) and a.dtype.kind == 'f' for a in arrays]
    arrays = [a.array if isinstance(a, Const) else a for a in arrays]
    t_in = [torch.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    o_in = [autograd.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]
    t_out, o_out = torch_fn(*t_in), our_fn(*o_in)
    same(o_out, t_out, dtype, 'forward', scale)
    if not t_out.requires_grad:
        return o_out, t_out
    g = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(dtype)
    t_out.backward(torch.tensor(g))
    o_out.backward(autograd.tensor(g))
    for i, (o, t) in enumerate(zip(o_in, t_in)):
        if t.requires_grad:
            if t.grad is None:
                assert o.grad is None or not host(o.grad).any(), f"input {i} has a gradient, torch's has none"
            else:
                same(o.grad, t.grad, dtype, f"grad of input {i}", scale)
    if torch_params is not None:
        theirs = dict(torch_params)
        for name, p in our_params:
            if theirs[name].grad is None:
                assert p.grad is None, f"{name} has a gradient, torch's has none"
            else:
                same(p.grad, theirs[name].grad, dtype, f"grad of {name}", scale)
    return o_out, t_out


def compare_module(torch_module, our_module, arrays, dtype, seed=0, scale=1.0):
    return compare(torch_module, our_module, arrays, dtype, seed, scale, torch_module.named_parameters(),
                   our_module.named_parameters())


def array(rng, shape, dtype, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)
