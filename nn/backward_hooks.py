"""Module.register_full_backward_hook / register_full_backward_pre_hook (torch's BackwardHook semantics).

While a module with such hooks runs, its Tensor inputs and outputs that require grad pass through an
identity node (BackwardHookFunctionBackward, as in torch). The output node's pre-hook sees grad_output and
runs the backward pre-hooks (which may replace it); the input nodes' pre-hooks collect grad_input and,
once every wrapped input's gradient has arrived, run the backward hooks hook(module, grad_input,
grad_output), which may replace grad_input. With no input requiring grad the hooks fire at the output,
with grad_input all None, and torch's warning.

Limits: one node per tensor (this engine's nodes have one output), so for a module with several outputs
the pre-hooks see (and may replace) each output's gradient as it arrives, the others None; for several
inputs a replacement returned by the hook reaches only the input whose gradient arrived last.
"""
import warnings

from autograd.function import Function


class BackwardHookFunction(Function):
    """Identity; the node where a module's backward hooks attach."""
    torch_name = 'BackwardHookFunctionBackward'

    def forward(self, x):
        return x.array

    def backward(self, grad):
        return grad


class BackwardHook:
    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.n_inputs, self.input_slots = 0, []
        self.grad_outputs, self.grad_inputs, self.pending = None, None, 0

    def _wrap(self, values, on_grad):
        """values with each Tensor that requires grad replaced by an identity whose node calls on_grad(i, g)."""
        from autograd.tensor import Tensor
        out, slots = [], []
        for i, v in enumerate(values):
            if isinstance(v, Tensor) and v.requires_grad:
                v = BackwardHookFunction.apply(v)
                v.grad_fn.register_prehook(self._prehook(on_grad, i))
                slots.append(i)
            out.append(v)
        return out, slots

    @staticmethod
    def _prehook(on_grad, i):
        return lambda grads: (on_grad(i, grads[0]),)

    def setup_input_hook(self, args):
        self.n_inputs = len(args)
        wrapped, self.input_slots = self._wrap(args, self._on_input_grad)
        return tuple(wrapped)

    def setup_output_hook(self, result):
        single = not isinstance(result, tuple)
        outputs = (result,) if single else result
        wrapped, slots = self._wrap(outputs, self._on_output_grad)
        self.n_outputs = len(outputs)
        return wrapped[0] if single else tuple(wrapped)

    def _on_output_grad(self, i, grad):
        if self.grad_outputs is None:
            self.grad_outputs = [None] * self.n_outputs
        self.grad_outputs[i] = grad
        for hook in tuple(self.pre_hooks.values()):
            new = hook(self.module, tuple(self.grad_outputs))
            if new is not None:
                new = new if isinstance(new, tuple) else (new,)
                if len(new) != self.n_outputs:
                    raise RuntimeError(f"Backward pre hook returned an invalid number of grad_output, got "
                                       f"{len(new)}, but expected {self.n_outputs}")
                self.grad_outputs = list(new)
        grad = self.grad_outputs[i]
        if not self.input_slots and self.hooks:
            warnings.warn("Full backward hook is firing when gradients are computed with respect to module outputs "
                          "since no inputs require gradients. See https://docs.pytorch.org/docs/main/generated/"
                          "torch.nn.Module.html#torch.nn.Module.register_full_backward_hook for more details.",
                          stacklevel=2)
            for hook in tuple(self.hooks.values()):
                hook(self.module, (None,) * self.n_inputs, tuple(self.grad_outputs))
        self.grad_inputs, self.pending = [None] * self.n_inputs, len(self.input_slots)
        return grad

    def _on_input_grad(self, i, grad):
        if self.grad_inputs is None:   # the module's output did not reach the loss: no grad_output
            self.grad_inputs, self.pending = [None] * self.n_inputs, len(self.input_slots)
        self.grad_inputs[i] = grad
        self.pending -= 1
        if self.pending > 0:
            return grad
        grad_outputs = tuple(self.grad_outputs or (None,))
        for hook in tuple(self.hooks.values()):
            new = hook(self.module, tuple(self.grad_inputs), grad_outputs)
            if new is not None:
                new = new if isinstance(new, tuple) else (new,)
                if len(new) != self.n_inputs:
                    raise RuntimeError(f"Backward hook returned an invalid number of grad_input, got {len(new)}, "
                                       f"but expected {self.n_inputs}")
                self.grad_inputs = list(new)
        self.grad_outputs, grad_inputs, self.grad_inputs = None, self.grad_inputs, None
        return grad_inputs[i]


def call_with_backward_hooks(module, call, args, kwargs):
    """module's forward (call) with its full backward hooks attached to this call's inputs and outputs."""
    hook = BackwardHook(module, module._backward_hooks, module._backward_pre_hooks)
    return hook.setup_output_hook(call(hook.setup_input_hook(args), kwargs))
