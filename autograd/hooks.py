"""Hook storage shared by tensors, graph nodes and the engine (torch.utils.hooks.RemovableHandle's semantics).

A node's hooks, in the order torch's engine runs them (NOTE [Hooks ordering] in torch's engine.cpp):
  tensor hooks   hook(grad) -> Tensor | None      registered by Tensor.register_hook on the node's output
  retain_grad    stores the gradient after every tensor hook ran
  pre            hook(grad_outputs) -> tuple | None     Node.register_prehook
  (backward)
  post           hook(grad_inputs, grad_outputs) -> tuple | None     Node.register_hook
A leaf tensor keeps its own tensor hooks and post-accumulate-grad hooks (hook(tensor)), which its
AccumulateGrad node runs.
"""
import itertools

_ids = itertools.count()


class RemovableHandle:
    """handle.remove() unregisters the hook; also a context manager that removes it on exit."""
    __slots__ = ('hooks_dict_ref', 'id')

    def __init__(self, hooks_dict):
        self.hooks_dict_ref = hooks_dict
        self.id = next(_ids)

    def remove(self):
        self.hooks_dict_ref.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class Hooks:
    """The hooks of one node (or one leaf tensor); each kind is a dict id -> hook, in registration order."""
    __slots__ = ('tensor', 'retain', 'pre', 'post')

    def __init__(self):
        self.tensor, self.retain, self.pre, self.post = {}, None, {}, {}

    def add(self, kind, hook):
        hooks = getattr(self, kind)
        handle = RemovableHandle(hooks)
        hooks[handle.id] = hook
        return handle


def run_tensor_hooks(hooks, grad):
    """Tensor hooks, then retain_grad's store: each hook may return a replacement gradient."""
    for hook in tuple(hooks.tensor.values()):
        new = hook(grad)
        if new is not None:
            grad = new
    if hooks.retain is not None:
        hooks.retain(grad)
    return grad


def run_pre_hooks(hooks, grad):
    for hook in tuple(hooks.pre.values()):
        new = hook((grad,))
        if new is not None:
            grad = new[0]
    return grad


def run_post_hooks(hooks, grad_inputs, grad):
    for hook in tuple(hooks.post.values()):
        new = hook(grad_inputs, (grad,))
        if new is not None:
            grad_inputs = tuple(new)
    return grad_inputs
