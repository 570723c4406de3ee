"""Module API pieces of issue 11 kept out of module.py: nn.Buffer, set_submodule, and the state-dict save
and load hooks (torch's register_state_dict_pre_hook / register_state_dict_post_hook /
register_load_state_dict_pre_hook / register_load_state_dict_post_hook and their private forms).

Module inherits ModuleApi; module.py calls the _run_* helpers at torch's points: state-dict pre hooks
before a module saves its own entries, post hooks after its children's; load pre hooks at the start of
Module._load_from_state_dict; load post hooks once a module and its children are loaded."""
from collections import OrderedDict

from autograd.tensor import Tensor

__all__ = ['Buffer', 'ModuleApi']


class Buffer(Tensor):
    """Buffer(data=None, *, persistent=True): a Tensor that, assigned as a Module attribute, registers as a
    buffer (persistent: part of state_dict). Shares data's memory, detached, as torch's."""

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            from autograd.creation import empty
            data = empty(0)
        b = Tensor.__new__(cls)
        b.array = data.array
        b.requires_grad = data.requires_grad
        b._grad = None
        b.grad_fn = None
        b._vc = data._vc
        b._hooks = None
        b._accumulator = None
        b._retains_grad = False
        b._base = None
        b.persistent = persistent
        return b

    def __init__(self, data=None, *, persistent=True):
        pass


def _hooks(module, name):
    hooks = module.__dict__.get(name)
    if hooks is None:
        hooks = OrderedDict()
        object.__setattr__(module, name, hooks)
    return hooks


def _register(module, name, hook, prepend=False):
    from .module import RemovableHandle
    hooks = _hooks(module, name)
    handle = RemovableHandle(hooks)
    hooks[handle.id] = hook
    if prepend:
        hooks.move_to_end(handle.id, last=False)
    return handle


class _WithModule:
    """A load pre hook registered through the public API: called with the module first."""

    def __init__(self, hook, module):
        self.hook, self.module = hook, module

    def __call__(self, *args, **kwargs):
        return self.hook(self.module, *args, **kwargs)


class ModuleApi:
    # ---- submodules -----------------------------------------------------------------------------
    def set_submodule(self, target, module, strict=False):
        """Set (or, strict=False, create) the submodule at a dotted path such as 'layer1.0.conv1'."""
        from .module import Module
        if target == '':
            raise ValueError("Cannot set the submodule without a target name!")
        atoms = target.split('.')
        if not isinstance(module, Module):
            raise ValueError("`module` is not an nn.Module, found " + str(type(module)).replace('autograd.', 'torch.'))
        parent = self if len(atoms) == 1 else self.get_submodule('.'.join(atoms[:-1]))
        if strict and not hasattr(parent, atoms[-1]):
            raise AttributeError(parent._get_name() + " has no attribute `" + atoms[-1] + "`")
        if hasattr(parent, atoms[-1]):
            mod = getattr(parent, atoms[-1])
            if not isinstance(mod, Module):
                raise AttributeError("`" + atoms[-1] + "` is not an nn.Module")
        setattr(parent, atoms[-1], module)

    # ---- state_dict hooks -------------------------------------------------------------------------
    def register_state_dict_pre_hook(self, hook):
        """hook(module, prefix, keep_vars) -> None, before the module saves its state."""
        return _register(self, '_state_dict_pre_hooks', hook)

    def register_state_dict_post_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata) -> None (may edit state_dict in place)."""
        hook._from_public_api = True
        return _register(self, '_state_dict_hooks', hook)

    def _register_state_dict_hook(self, hook):
        """The private form: hook(module, state_dict, prefix, local_metadata) may return a new state_dict."""
        if getattr(hook, '_from_public_api', False):
            raise RuntimeError("Cannot register the same function as the state dict post hook that was "
                               "previously registered via register_state_dict_post_hook")
        return _register(self, '_state_dict_hooks', hook)

    def register_load_state_dict_pre_hook(self, hook):
        """hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
        error_msgs) -> None, before the module loads its own entries."""
        return _register(self, '_load_state_dict_pre_hooks', _WithModule(hook, self))

    def _register_load_state_dict_pre_hook(self, hook, with_module=False):
        return _register(self, '_load_state_dict_pre_hooks', _WithModule(hook, self) if with_module else hook)

    def register_load_state_dict_post_hook(self, hook):
        """hook(module, incompatible_keys) -> None; may edit incompatible_keys' lists in place."""
        return _register(self, '_load_state_dict_post_hooks', hook)

    # ---- called by module.py ----------------------------------------------------------------------
    def _run_state_dict_pre_hooks(self, prefix, keep_vars):
        for hook in list(_hooks(self, '_state_dict_pre_hooks').values()):
            hook(self, prefix, keep_vars)

    def _run_state_dict_post_hooks(self, destination, prefix):
        local_metadata = dict(version=self._version)
        for hook in list(_hooks(self, '_state_dict_hooks').values()):
            result = hook(self, destination, prefix, local_metadata)
            if not getattr(hook, '_from_public_api', False):
                if result is not None:
                    destination = result
            elif result is not None:
                raise RuntimeError("state_dict post-hook must return None")
        return destination

    def _run_load_pre_hooks(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                            error_msgs):
        for hook in list(_hooks(self, '_load_state_dict_pre_hooks').values()):
            hook(state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs)

    def _run_load_post_hooks(self, incompatible_keys):
        for hook in list(_hooks(self, '_load_state_dict_post_hooks').values()):
            out = hook(self, incompatible_keys)
            if out is not None:
                raise AssertionError(
                    "Hooks registered with ``register_load_state_dict_post_hook`` are not expected to return new "
                    f"values, if incompatible_keys need to be modified, it should be done inplace. got {out}")


