"""Optimizer hooks (torch.optim.Optimizer's): step pre/post hooks (per optimizer and global), state_dict
pre/post hooks and load_state_dict pre/post hooks, each registration returning a RemovableHandle.

As in torch, the first optimizer of a class built wraps that class's `step` once, so hooks run around every
step() of every optimizer of the class (a pre hook may return new (args, kwargs))."""
import functools
from collections import OrderedDict
from itertools import chain

__all__ = ['register_optimizer_step_pre_hook', 'register_optimizer_step_post_hook']

_global_optimizer_pre_hooks = OrderedDict()
_global_optimizer_post_hooks = OrderedDict()
_HOOK_DICTS = ('_optimizer_step_pre_hooks', '_optimizer_step_post_hooks', '_optimizer_state_dict_pre_hooks',
               '_optimizer_state_dict_post_hooks', '_optimizer_load_state_dict_pre_hooks',
               '_optimizer_load_state_dict_post_hooks')


def _handle(hook_dict):
    from nn.module import RemovableHandle
    return RemovableHandle(hook_dict)


def register_optimizer_step_pre_hook(hook):
    """hook(optimizer, args, kwargs) -> None or (args, kwargs), before every optimizer's step."""
    handle = _handle(_global_optimizer_pre_hooks)
    _global_optimizer_pre_hooks[handle.id] = hook
    return handle


def register_optimizer_step_post_hook(hook):
    """hook(optimizer, args, kwargs) -> None, after every optimizer's step."""
    handle = _handle(_global_optimizer_post_hooks)
    _global_optimizer_post_hooks[handle.id] = hook
    return handle


def _hook_step(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        self = args[0]
        self._ensure_hook_dicts()
        for pre_hook in chain(list(_global_optimizer_pre_hooks.values()),
                              list(self._optimizer_step_pre_hooks.values())):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if isinstance(result, tuple) and len(result) == 2:
                    args, kwargs = result
                else:
                    raise RuntimeError(f"{func} must return None or a tuple of (new_args, new_kwargs), but got "
                                       f"{result}.")
        out = func(*args, **kwargs)
        for post_hook in chain(list(self._optimizer_step_post_hooks.values()),
                               list(_global_optimizer_post_hooks.values())):
            post_hook(self, args, kwargs)
        return out
    wrapper.hooked = True
    return wrapper


class OptimizerHooks:
    """Mixin of Optimizer: the hook registries and their registration methods."""

    def _ensure_hook_dicts(self):
        for name in _HOOK_DICTS:
            if name not in self.__dict__:
                self.__dict__[name] = OrderedDict()

    def _patch_step_function(self):
        self._ensure_hook_dicts()
        if not getattr(self.__class__.step, 'hooked', None):
            self.__class__.step = _hook_step(self.__class__.step)

    def _register(self, name, hook, prepend=False):
        self._ensure_hook_dicts()
        hooks = self.__dict__[name]
        handle = _handle(hooks)
        hooks[handle.id] = hook
        if prepend:
            hooks.move_to_end(handle.id, last=False)
        return handle

    def register_step_pre_hook(self, hook):
        """hook(optimizer, args, kwargs) -> None or (new_args, new_kwargs), before this optimizer's step."""
        return self._register('_optimizer_step_pre_hooks', hook)

    def register_step_post_hook(self, hook):
        """hook(optimizer, args, kwargs) -> None, after this optimizer's step."""
        return self._register('_optimizer_step_post_hooks', hook)

    def register_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer) -> None, before state_dict() builds the dict."""
        return self._register('_optimizer_state_dict_pre_hooks', hook, prepend)

    def register_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) -> None or a state_dict that replaces it."""
        return self._register('_optimizer_state_dict_post_hooks', hook, prepend)

    def register_load_state_dict_pre_hook(self, hook, prepend=False):
        """hook(optimizer, state_dict) -> None or a state_dict to load instead."""
        return self._register('_optimizer_load_state_dict_pre_hooks', hook, prepend)

    def register_load_state_dict_post_hook(self, hook, prepend=False):
        """hook(optimizer) -> None, after load_state_dict()."""
        return self._register('_optimizer_load_state_dict_post_hooks', hook, prepend)

    def _run_hooks(self, name, *args, replaces=False):
        self._ensure_hook_dicts()
        value = args[-1] if replaces else None
        for hook in list(self.__dict__[name].values()):
            result = hook(self, *args[:-1], value) if replaces else hook(self, *args)
            if replaces and result is not None:
                value = result
        return value
