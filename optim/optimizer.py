"""Optimizer: parameter groups with per-group options, per-parameter state, and torch's state_dict format.

Subclasses validate their options and hold state; the update math lives in plain functions that work on raw
arrays with in-place `out=` arithmetic, so a step records no graph and allocates (almost) nothing.
"""
import warnings
from collections import defaultdict
from copy import deepcopy
from itertools import chain

import numpy as np

from autograd import backend
from autograd.grad_mode import enable_grad
from autograd.tensor import Tensor, wrap

from .hooks import OptimizerHooks, register_optimizer_step_post_hook, register_optimizer_step_pre_hook  # noqa: F401


class _RequiredParameter:
    """Singleton marking an option a parameter group must give (torch.optim.optimizer.required)."""
    def __repr__(self):
        return "<required parameter>"


required = _RequiredParameter()


def _typename(obj):
    if isinstance(obj, Tensor):
        return obj.type()
    cls = type(obj)
    module = cls.__module__
    return cls.__qualname__ if module in (None, 'builtins') else f"{module}.{cls.__qualname__}"


def _check_lr(lr):
    """Torch's check of a learning rate, which may be a float or a 1-element Tensor."""
    if isinstance(lr, Tensor) and lr.numel() != 1:
        raise ValueError("Tensor lr must be 1-element")
    if not 0.0 <= lr:
        raise ValueError(f"Invalid learning rate: {lr}")


def _check_non_negative(name, value):
    if not 0.0 <= value:
        raise ValueError(f"Invalid {name} value: {value}")


def _check_betas(betas):
    for i, beta in enumerate(betas):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")


def step_counter():
    """torch's form of state['step']: a float32 0-d tensor on the host, whatever the parameter's dtype and device."""
    return wrap(np.zeros((), dtype=np.float32))


def increment(counter):
    """counter += 1 in float32, as torch's `step_t += 1`; returns the new count as a Python float."""
    counter.array += 1
    counter._vc[0] += 1
    return float(counter.array)


def zeros_state(param):
    """A state buffer shaped, typed and placed like the parameter."""
    return wrap(backend.array_module(param.array).zeros_like(param.array))


class Optimizer(OptimizerHooks):
    """Base class: `param_groups` (list of dicts with 'params' and every option) and `state` (dict keyed by
    the parameter Tensor; Tensor hashes by identity). Subclasses implement `step(closure=None)`."""

    def __init__(self, params, defaults):
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            "but got " + _typename(params))
        self.state = defaultdict(dict)
        self.param_groups = []
        self._scratch_buffers = {}
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{'params': param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)
        self._patch_step_function()   # step pre/post hooks (optim/hooks.py)

    # ---- pickling, printing -----------------------------------------------------------------
    def __getstate__(self):
        return {'defaults': self.defaults, 'state': self.state, 'param_groups': self.param_groups}

    group_defaults = {}   # options that older state dicts may lack, filled in on load (as torch's __setstate__)

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._scratch_buffers = {}
        self.defaults.setdefault('differentiable', False)
        for group in self.__dict__.get('param_groups', ()):
            for key, default in self.group_defaults.items():
                group.setdefault(key, default)

    def __repr__(self):
        text = self.__class__.__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != 'params':
                    text += f"    {key}: {group[key]}\n"
        return text + ")"

    # ---- groups -----------------------------------------------------------------------------
    def add_param_group(self, param_group):
        """Add a group of parameters (a dict with 'params' and options that override the defaults)."""
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group['params']
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError("optimizer parameters need to be organized in ordered collections, but the ordering "
                            "of tensors in sets will change between runs. Please use a list instead.")
        else:
            params = list(params)
        tensors = [p[1] if isinstance(p, tuple) else p for p in params]
        names = [p[0] for p in params if isinstance(p, tuple)]
        param_group['params'] = tensors
        if names:
            if len(names) != len(tensors):
                raise ValueError("all optimizer params should be with/without names. Some param names are missing")
            param_group['param_names'] = names

        for param in tensors:
            if not isinstance(param, Tensor):
                raise TypeError("optimizer can only optimize Tensors, but one of the params is " + _typename(param))
            if not self.defaults.get('differentiable', None) and not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")
            if param.is_complex():
                raise NotImplementedError(
                    f"{type(self).__name__}: complex parameters (here of shape {list(param.shape)}, dtype "
                    f"{param.dtype}) are not supported yet; optimize the real and imaginary parts as separate "
                    "real tensors instead")
        for name, default in self.defaults.items():
            if default is required and name not in param_group:
                raise ValueError(f"parameter group didn't specify a value of required optimization parameter {name}")
            param_group.setdefault(name, default)

        if len(tensors) != len(set(tensors)):
            warnings.warn("optimizer contains a parameter group with duplicate parameters; in future, this will "
                          "cause an error; see github.com/pytorch/pytorch/issues/40967 for more information",
                          stacklevel=3)
        existing = set()
        for group in self.param_groups:
            existing.update(group['params'])
            if ('param_names' in param_group) != ('param_names' in group):
                which = "with names" if 'param_names' in param_group else "without names"
                raise ValueError("all optimizer param groups should be with/without names. "
                                 f"cannot add param group {which} to the optimizer")
        if not existing.isdisjoint(tensors):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ---- gradients and steps ----------------------------------------------------------------
    def zero_grad(self, set_to_none=True):
        """Drop every parameter's .grad (default), or zero it in place with set_to_none=False."""
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    grad = p.grad
                    grad.grad_fn, grad.requires_grad = None, False
                    grad.zero_()

    def step(self, closure=None):
        raise NotImplementedError

    @staticmethod
    def _evaluate(closure):
        """Run the closure (it recomputes the loss and calls backward) with gradients enabled."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    def _scratch(self, like, slot):
        """A temporary array shaped like `like`, a view of a flat buffer reused across parameters and steps.

        slot picks one of a few buffers (an update needs up to three temporaries at once)."""
        xp = backend.array_module(like)
        key = (slot, like.dtype, xp, None if xp is np else like.device.id)
        flat = self._scratch_buffers.get(key)
        if flat is None or flat.size < like.size:
            flat = xp.empty(like.size, dtype=like.dtype)
            self._scratch_buffers[key] = flat
        return flat[:like.size].reshape(like.shape)

    # ---- state_dict -------------------------------------------------------------------------
    def state_dict(self):
        """{'state': {index: {...}}, 'param_groups': [{options..., 'params': [index, ...]}]} as in torch:
        parameters are replaced by their position across all groups; state tensors are not copied."""
        self._run_hooks('_optimizer_state_dict_pre_hooks')
        index_of = {}
        start = 0
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != 'params'}
            for i, p in enumerate(group['params'], start):
                index_of.setdefault(id(p), i)
            packed['params'] = [index_of[id(p)] for p in group['params']]
            start += len(packed['params'])
            groups.append(packed)
        state = {(index_of[id(k)] if isinstance(k, Tensor) else k): v for k, v in self.state.items()}
        return self._run_hooks('_optimizer_state_dict_post_hooks', {'state': state, 'param_groups': groups},
                               replaces=True)

    def load_state_dict(self, state_dict):
        """Load state saved by state_dict() (ours or torch's with tensors converted): state tensors are cast
        to each parameter's dtype and device, except 'step', which keeps its own."""
        state_dict = self._run_hooks('_optimizer_load_state_dict_pre_hooks', state_dict.copy(), replaces=True)
        groups = self.param_groups
        saved_groups = deepcopy(state_dict['param_groups'])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        if any(len(g['params']) != len(s['params']) for g, s in zip(groups, saved_groups)):
            raise ValueError("loaded state dict contains a parameter group that doesn't match the size of "
                             "optimizer's group")
        param_of = dict(zip(chain.from_iterable(g['params'] for g in saved_groups),
                            chain.from_iterable(g['params'] for g in groups)))
        state = defaultdict(dict)
        for key, value in state_dict['state'].items():
            if key in param_of:
                param = param_of[key]
                state[param] = {k: _cast_state(param, v, k) for k, v in value.items()}
            else:
                state[key] = value
        for group, saved in zip(groups, saved_groups):
            saved['params'] = group['params']
            if 'param_names' in group and 'param_names' not in saved:
                saved['param_names'] = group['param_names']
        self.__setstate__({'state': state, 'param_groups': saved_groups})
        self._run_hooks('_optimizer_load_state_dict_post_hooks')


def _cast_state(param, value, key):
    """Torch's policy: 'step' stays as saved; other tensors take the parameter's device (and its dtype when
    it is floating point). Arrays (NumPy, or anything with __array__ such as a torch checkpoint's tensors)
    become tensors; an old-style numeric 'step' becomes torch's float32 0-d tensor."""
    if not isinstance(value, Tensor) and hasattr(value, '__array__'):
        value = wrap(np.array(value))
    if key == 'step':
        return value if isinstance(value, Tensor) else wrap(np.asarray(float(value), dtype=np.float32))
    if isinstance(value, Tensor):
        if param.is_floating_point():
            return value.to(dtype=param.dtype, device=param.device)
        return value.to(device=param.device)
    if isinstance(value, dict):
        return {k: _cast_state(param, v, k) for k, v in value.items()}
    return value


def effective_grad(param, grad, weight_decay, maximize, out):
    """torch's `grad = -grad if maximize else grad; grad = grad + weight_decay * param` on arrays.

    Returns grad itself when neither applies; otherwise the result is written into out (a scratch array)."""
    if weight_decay == 0 and not maximize:
        return grad
    xp = backend.array_module(param)
    if weight_decay == 0:
        return xp.negative(grad, out=out)
    xp.multiply(param, weight_decay, out=out)
    return (xp.subtract if maximize else xp.add)(out, grad, out=out)


def params_with_grad(group):
    """The group's parameters that received a gradient (the others are skipped, as in torch)."""
    return [p for p in group['params'] if p.grad is not None]
