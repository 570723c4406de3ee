"""Run the same code against torch and autograd and compare what comes out (values, dtypes, shapes, errors)."""
import numpy as np
import torch

import autograd
from tolerance import tolerance

MODULES = (torch, autograd)


def host(t):
    """A tensor of either library as a NumPy array (detached, on the host)."""
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    return autograd.backend.to_host(t.detach().array)


def dtype_name(d):
    return str(d).split('.')[-1]


def assert_same(ours, theirs, scale=1.0, what='result'):
    """ours (autograd) matches theirs (torch): recursively through tuples/lists/dicts, tensors by dtype,
    shape and value, None as None, plain values by equality. Floating values compare within
    tolerance(dtype, scale) (tests/tolerance.py), integers and bools exactly; NaNs must sit in the same places."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, autograd.Tensor), f"{what}: got {type(ours).__name__}, torch gives a Tensor"
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), f"{what}: dtype {ours.dtype} vs {theirs.dtype}"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {tuple(ours.shape)} vs {tuple(theirs.shape)}"
        assert ours.requires_grad == theirs.requires_grad, \
            f"{what}: requires_grad {ours.requires_grad} vs {theirs.requires_grad}"
        np.testing.assert_allclose(host(ours), host(theirs), err_msg=what, **tolerance(theirs.dtype, scale))
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, (tuple, list)) and len(ours) == len(theirs), f"{what}: {ours!r} vs {theirs!r}"
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, scale, f"{what}[{i}]")
    elif isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), f"{what}: keys {ours.keys()} vs {theirs.keys()}"
        for k in theirs:
            assert_same(ours[k], theirs[k], scale, f"{what}[{k!r}]")
    elif isinstance(theirs, float) and isinstance(ours, float):
        # a Python float carries no dtype: it may come from a float32 tensor's .item(), so float32's tolerance
        np.testing.assert_allclose(ours, theirs, err_msg=what, **tolerance('float32', scale))
    else:
        if isinstance(theirs, torch.dtype):
            theirs = dtype_name(theirs)
            ours = dtype_name(ours)
        assert type(ours) is type(theirs) and ours == theirs, f"{what}: {ours!r} vs torch {theirs!r}"


def outcome(fn, m):
    """fn(m)'s result, or ('raises', exception class name) when it raises."""
    try:
        return fn(m)
    except Exception as e:   # the class is what we compare; the message is checked where it matters
        return ('raises', type(e).__name__)


def check(fn, scale=1.0):
    """fn(torch) and fn(autograd) agree, including raising the same exception class; floats within
    tolerance(dtype, scale)."""
    theirs = outcome(fn, torch)
    if isinstance(theirs, tuple) and theirs[:1] == ('raises',):
        assert outcome(fn, autograd) == theirs, f"torch raises {theirs[1]}"
        return
    assert_same(fn(autograd), theirs, scale)   # an unexpected exception shows its own traceback


def error_of(fn, m):
    """(class name, message) of the exception fn(m) raises; AssertionError if it does not raise."""
    try:
        fn(m)
    except Exception as e:
        return type(e).__name__, str(e)
    raise AssertionError(f"{m.__name__}: no exception raised")
