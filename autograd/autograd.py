"""autograd.autograd: torch.autograd's user-facing API — grad, backward, custom Functions, gradcheck."""
import functools
import sys

from . import grad_mode
from .engine import backward, grad  # noqa: F401
from .function import FREED, Node, Packed, _modified_message
from .grad_mode import enable_grad, no_grad, set_grad_enabled  # noqa: F401
from .tensor import Tensor, wrap

Variable = Tensor
_DIFFERENTIABLE = object()   # stands for the differentiable output among a custom Function's outputs


class FunctionCtx(Node):
    """The ctx of a custom Function, which is also its graph node."""

    def __init__(self, fn_cls, needs_input_grad):
        self._next = ()
        self._hooks = None
        self._fn_cls = fn_cls
        self.needs_input_grad = needs_input_grad
        self.to_save = ()
        self._versions = ()
        self._non_differentiable = ()
        self.materialize_grads = True
        self._outputs = None

    def save_for_backward(self, *tensors):
        self.to_save = tensors
        self._versions = tuple(t._vc[0] if isinstance(t, Tensor) else 0 for t in tensors)

    @property
    def saved_tensors(self):
        if self.to_save is None:
            raise RuntimeError(FREED)
        if type(self.to_save) is Packed:
            return self.to_save.unpack(self)
        for t, v in zip(self.to_save, self._versions):
            if isinstance(t, Tensor) and t._vc[0] != v:
                raise RuntimeError(_modified_message(t, self.name(), t._vc[0], v))
        return self.to_save

    def mark_non_differentiable(self, *tensors):
        self._non_differentiable = tensors

    def mark_dirty(self, *tensors):
        pass

    def set_materialize_grads(self, value):
        self.materialize_grads = value

    def backward(self, grad):
        if self._outputs is None:
            grads = self._fn_cls.backward(self, grad)
        else:   # one gradient per output: zeros (or None) for the non-differentiable ones, as torch passes
            grads = self._fn_cls.backward(self, *[grad if o is _DIFFERENTIABLE else self._zero_grad(o)
                                                  for o in self._outputs])
        grads = grads if isinstance(grads, tuple) else (grads,)
        if len(grads) != len(self.needs_input_grad):
            raise RuntimeError(f"function {self.name()} returned an incorrect number of gradients (expected "
                               f"{len(self.needs_input_grad)}, got {len(grads)})")
        return tuple(grads[i] for i in self._tensor_positions)

    def _zero_grad(self, output):
        return output.new_zeros(output.shape) if self.materialize_grads and isinstance(output, Tensor) else None

    def release(self):
        self.to_save = None


class Function:
    """Subclass with static forward(ctx, *args) and backward(ctx, *grad_outputs); call Cls.apply(*args).

    forward runs without recording; its one differentiable output gets this node as grad_fn."""

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError("You must implement either the backward or vjp method for your custom "
                                  "autograd.Function to use it with backward mode AD.")

    vjp = backward

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # the node class users see: type(y.grad_fn).__name__ == 'MyFnBackward', as torch names it
        cls._backward_cls = type(cls.__name__ + 'Backward', (FunctionCtx,), {'__module__': cls.__module__})

    @classmethod
    def apply(cls, *args, **kwargs):
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = cls._backward_cls(cls, needs)
        with grad_mode.no_grad():
            if cls.setup_context is not Function.setup_context:
                out = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, out)
            else:
                out = cls.forward(ctx, *args, **kwargs)
        if not (grad_mode.state.enabled and True in needs):
            return out
        ctx._tensor_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx._next = tuple((a.grad_fn or a._grad_accumulator()) if a.requires_grad else None
                                   for a in args if isinstance(a, Tensor))
        outs = out if isinstance(out, tuple) else (out,)
        marked = [o for o in outs if isinstance(o, Tensor) and not any(o is n for n in ctx._non_differentiable)
                  and o.array.dtype.kind in 'fc']
        if len(marked) > 1:
            raise NotImplementedError(f"{cls.__name__}: custom Functions with more than one differentiable "
                                      "output are not supported; return one tensor, or mark the others with "
                                      "ctx.mark_non_differentiable")
        # the outputs other than the differentiable one, for the zero gradients backward receives for them
        ctx._outputs = tuple(_DIFFERENTIABLE if marked and o is marked[0] else o for o in outs) \
            if isinstance(out, tuple) else None
        result = []
        for o in outs:
            if marked and o is marked[0]:
                if any(o is a for a in args):   # an input returned as is: give the output its own identity
                    o = wrap(o.array)
                o.requires_grad, o.grad_fn = True, ctx
            result.append(o)
        if grad_mode.state.instrumented:
            from .instrument import instrumented_custom
            instrumented_custom(ctx)
        return tuple(result) if isinstance(out, tuple) else result[0]


def once_differentiable(fn):
    """Run a custom backward without recording: its result cannot be differentiated again."""
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            return fn(ctx, *args)
    return wrapper


def __getattr__(name):
    if name == 'function':   # torch.autograd.function.{Function, once_differentiable, FunctionCtx}
        return sys.modules[__name__]
    if name in ('gradcheck', 'gradgradcheck', 'GradcheckError'):
        from . import gradcheck as module
        return getattr(module, name)
    raise AttributeError(f"module 'autograd.autograd' has no attribute '{name}'")


from . import anomaly_mode, graph  # noqa: E402  (torch.autograd.graph, torch.autograd.anomaly_mode)
from . import autograd_profiler as profiler  # noqa: E402  (torch.autograd.profiler)
from .anomaly_mode import detect_anomaly, set_detect_anomaly  # noqa: E402,F401

# `import autograd.autograd.graph` and `from torch.autograd.graph import ...` find the submodules by these names
sys.modules.setdefault(__name__ + '.graph', graph)
sys.modules.setdefault(__name__ + '.anomaly_mode', anomaly_mode)
sys.modules.setdefault(__name__ + '.profiler', profiler)
