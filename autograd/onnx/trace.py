"""Records one forward pass as a list of ops, for export.

Every op of this library runs through Function.apply, the call that also records the autograd graph. The
tracer is an observer of it (instrument.py's on_forward hook, which the profiler and trace_backward use
too) for the duration of one forward, and keeps, for each call, the Function class, its tensor inputs,
its options and its output. (The autograd graph itself keeps only the edges to inputs that
require grad, not the constant inputs nor the options an exporter needs, so the calls are recorded
where the graph's nodes are made.) Convolutions and poolings are recorded one level up, as the
torch.nn.functional call with its arguments, because their Functions see im2col geometry and precomputed
window indices rather than kernel sizes and strides; the Functions they call inside are not recorded.
Comparisons, casts between kinds and argmax/argmin have no gradient and never reach Function.apply: they
are recorded at their functions too, or a value computed from the input would be exported as a constant.
A value the forward computes some other way (x.numpy() and back, Python arithmetic on x.item()) is baked
into the model as a constant, as torch's tracer bakes it.
In-place ops (relu(inplace=True), x += y) rename the tensor they wrote to the op's output.
"""
import contextlib
import inspect
import sys
from dataclasses import dataclass, field

import numpy as np

from .. import instrument
from ..tensor import Tensor

# functional-level ops recorded whole: module -> names (patched where nn and user code look them up)
COMPOSITES = {
    'autograd.ops.conv': ('conv1d', 'conv2d', 'conv_transpose1d', 'conv_transpose2d'),
    'autograd.ops.pooling': ('max_pool1d', 'max_pool2d', 'avg_pool1d', 'avg_pool2d', 'adaptive_avg_pool2d',
                             'adaptive_max_pool2d'),
    # ops without a gradient never reach Function.apply: recorded here so they do not become constants
    'autograd.ops.arithmetic': ('compare', 'cast'),
    'autograd.ops.reduction': ('argmax', 'argmin'),
}
# which arguments are the op's tensor inputs (default: input, weight, bias)
_TENSOR_ARGS = {'compare': ('a', 'b'), 'argmax': ('x',), 'argmin': ('x',), 'cast': ('x',)}


@dataclass
class Record:
    op: str                 # a Function class name, or a functional name ('conv2d')
    inputs: list            # Tensors (or None for an absent optional input)
    attrs: dict             # the Function's options, or the functional call's bound arguments
    outputs: list           # Tensors
    fn: type = None         # the Function class (None for a functional op)
    extra: dict = field(default_factory=dict)


class Tracer:
    def __init__(self):
        self.records = []
        self.depth = 0   # > 0 inside a recorded call: the ops it runs are its implementation

    def add(self, record):
        self.records.append(record)

    @contextlib.contextmanager
    def active(self):
        """Observe Function.apply; patch the composite functionals and Tensor._inplace."""
        import importlib
        patches = []

        def patch(owner, name, value):
            patches.append((owner, name, owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)))
            setattr(owner, name, value)

        try:
            instrument.tools.observers = instrument.tools.observers + [self]
            instrument.refresh()
            ops_modules = [m for n, m in list(sys.modules.items()) if n.startswith('autograd.ops.')]
            import nn.functional as F
            import autograd
            for module_name, names in COMPOSITES.items():
                module = importlib.import_module(module_name)
                for name in names:
                    original = getattr(module, name)
                    wrapper = self._composite(name, original)
                    for owner in [module, F, autograd] + ops_modules:   # where it was imported by name too
                        if getattr(owner, name, None) is original:
                            patch(owner, name, wrapper)
            patch(Tensor, '_inplace', self._inplace(Tensor._inplace))
            yield self
        finally:
            instrument.tools.observers = [o for o in instrument.tools.observers if o is not self]
            instrument.refresh()
            for owner, name, value in reversed(patches):
                setattr(owner, name, value)

    def on_forward(self, cls, inputs, options, call):
        """instrument.py calls this around each Function.apply; ops run inside a recorded op are its
        implementation and are not recorded."""
        if self.depth:
            return call()
        self.depth += 1
        try:
            out = call()
        finally:
            self.depth -= 1
        # op_name: the class's name in the source ('Add'); __name__ is torch's node name ('AddBackward0')
        self.add(Record(getattr(cls, 'op_name', cls.__name__), list(inputs), options, [out], fn=cls))
        return out

    def on_backward(self, fn, grad, call):
        return call()

    def _composite(self, name, function):
        tracer = self
        signature = inspect.signature(function)

        def recording_function(*args, **kwargs):
            if tracer.depth:
                return function(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            tracer.depth += 1
            try:
                out = function(*args, **kwargs)
            finally:
                tracer.depth -= 1
            if out is NotImplemented:
                return out
            attrs = dict(bound.arguments)
            inputs = [attrs.pop(k, None) for k in _TENSOR_ARGS.get(name, ('input', 'weight', 'bias'))
                      if k in signature.parameters]
            if name == 'compare' and not isinstance(inputs[1], Tensor):   # a Python number: a constant operand
                inputs[1] = Tensor(np.asarray(inputs[1], dtype=inputs[0].array.dtype
                                              if isinstance(inputs[1], bool) or inputs[0].array.dtype.kind == 'f'
                                              else None))
            tracer.add(Record(name, inputs, attrs, list(out) if isinstance(out, tuple) else [out]))
            return out
        recording_function.__wrapped__ = function
        return recording_function

    def _inplace(self, inplace):
        tracer = self

        def recording_inplace(t, op, *args):
            before = len(tracer.records)
            out = inplace(t, op, *args)
            if len(tracer.records) > before and tracer.records[-1].outputs[0] is not t:
                # t now holds the op's result: later uses of t read that value
                tracer.add(Record('__alias__', [tracer.records[-1].outputs[0]], {}, [t]))
            return out
        return recording_inplace
