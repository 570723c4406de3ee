"""Graph nodes. A Function subclass is one differentiable op; its instance is the node (and the ctx).

forward(self, *tensors, **options) reads the inputs' arrays and returns the output array.
backward(self, grad) gets the output's gradient as a Tensor and returns one gradient (Tensor or None)
per input, written with Tensor ops so that create_graph=True records a graph of the backward too.
"""
import builtins
import weakref

from . import grad_mode
from .tensor import wrap

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after "
         "they have already been freed). Saved intermediate values of the graph are freed when you call "
         ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
         "graph a second time or if you need to access saved tensors after calling backward.")


class Node:
    """What the engine needs of a node: edges to the nodes of its inputs, and backward."""
    __slots__ = ('next_functions', '_hooks', '__weakref__')

    def name(self):
        return type(self).__name__

    def register_hook(self, hook):
        """hook(grad) runs on the node's output gradient before backward; it may return a replacement."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(hook)
        return _RemovableHandle(self._hooks, hook)

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


class Function(Node):
    __slots__ = ('needs_input_grad', '_saved', '_versions', '_output', '__dict__')
    saves_output = False   # set True where backward reads the output (self.output)
    torch_name = None      # the grad_fn name torch prints, where it is not <ClassName>Backward0

    @classmethod
    def apply(cls, *inputs, **options):
        """Run forward on Tensors, and record a node when grad mode is on and an input requires grad."""
        fn = cls()
        fn._saved = ()
        try:
            out = wrap(fn.forward(*inputs, **options))
        except ValueError:   # NumPy's broadcasting error, in torch's words and class
            message = broadcast_error([t.array.shape for t in inputs])
            if message is None:
                raise
            raise RuntimeError(message) from None
        except TypeError:   # CuPy refuses host arrays: a CPU scalar joins the device, any other mix is torch's error
            moved = cpu_scalars_moved(inputs)
            if moved is None:
                raise
            return cls.apply(*moved, **options)
        if grad_mode.state.enabled:
            needs = tuple([t.requires_grad for t in inputs])
            if True in needs:
                fn.needs_input_grad = needs
                fn.next_functions = tuple([t.grad_fn or t._grad_accumulator() if t.requires_grad else None
                                           for t in inputs])
                fn._hooks = None
                out.requires_grad = True
                out.grad_fn = fn
                if cls.saves_output:
                    fn._output = (out.array, out._version, out._version[0])
        return out

    def forward(self, *inputs, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def name(self):
        return self.torch_name or type(self).__name__ + 'Backward0'

    def save_for_backward(self, *tensors):
        self._saved = tensors
        self._versions = [t._version[0] if t is not None else 0 for t in tensors]

    @property
    def saved_tensors(self):
        if self._saved is None:
            raise RuntimeError(FREED)
        for i, (t, v) in enumerate(zip(self._saved, self._versions)):
            if t is not None and t._version[0] != v:
                raise RuntimeError(_modified_message(t, self.name(), t._version[0], v))
        return self._saved

    @property
    def output(self):
        """The op's output, rebuilt with this node as its grad_fn (no reference cycle while stored)."""
        if self._saved is None:
            raise RuntimeError(FREED)
        array, version, expected = self._output
        if version[0] != expected:
            raise RuntimeError(_modified_message(wrap(array), self.name(), version[0], expected, output=True))
        return wrap(array, True, self)

    def release(self):
        """Free saved values after a backward without retain_graph."""
        self._saved = None
        self._output = None


def _modified_message(t, op, version, expected, output=False):
    """torch's text (the tensor, the op that produced it, the versions), plus which op saved it and the fix."""
    producer = op if output else t.grad_fn.name() if t.grad_fn is not None else None
    which = f", which is output 0 of {_short_name(producer)}," if producer else ""
    return (f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{t.type()} {list(t.shape)}]{which} is at version {version}; expected version "
            f"{expected} instead. Hint: {op} saved it for backward and it was modified in place afterwards; "
            f"use an out-of-place version (e.g. x = x + 1 instead of x += 1) or clone() it first.")


def _short_name(node_name):
    """MulBackward0 -> Mul, as torch names the producing op in this message (CopySlices by the index_put it wraps)."""
    if node_name == 'CopySlices':
        return 'IndexPut'
    return node_name[:node_name.rindex('Backward')] if 'Backward' in node_name else node_name


def broadcast_error(shapes):
    """torch's message for the first shapes that do not broadcast together, or None if they all do."""
    result = ()
    for shape in shapes:
        n = max(len(result), len(shape))
        a, b = (1,) * (n - len(result)) + tuple(result), (1,) * (n - len(shape)) + tuple(shape)
        for i in reversed(range(n)):
            if a[i] != b[i] and a[i] != 1 and b[i] != 1:
                return (f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at "
                        f"non-singleton dimension {i}")
        result = tuple(y if x == 1 else x for x, y in zip(a, b))
    return None


def cpu_scalars_moved(inputs):
    """None when all inputs share a device. Else, as torch: CPU 0-d tensors may join an op on another device
    (copied there, differentiably); any other mix raises torch's RuntimeError naming both devices."""
    devices = []
    for t in inputs:
        if t.device not in devices:
            devices.append(t.device)
    if len(devices) < 2:
        return None
    targets = [d for d in devices if d.type != 'cpu']
    if len(targets) == 1 and builtins.all(t.ndim == 0 for t in inputs if t.device.type == 'cpu'):
        from .ops.shape import to_device
        return [to_device(t, targets[0]) for t in inputs]
    raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                       f"{devices[0]} and {devices[1]}!")


class AccumulateGrad(Node):
    """The node of a leaf: adds the incoming gradient into leaf.grad."""
    __slots__ = ('variable',)

    def __init__(self, leaf):
        self.variable = weakref.ref(leaf)
        self.next_functions = ()
        self._hooks = None

    def name(self):
        return 'AccumulateGrad'

    def backward(self, grad):
        leaf = self.variable()
        if leaf is None:
            return ()
        for hook in leaf._hooks or ():
            new = hook(grad)
            if new is not None:
                grad = new
        if leaf.grad is None:
            leaf.grad = grad if grad_mode.state.enabled else grad.detach()
        elif grad_mode.state.enabled:
            leaf.grad = leaf.grad + grad
        else:
            leaf.grad.array += grad.array
        return ()

    def release(self):
        pass


class _RemovableHandle:
    def __init__(self, hooks, hook):
        self.hooks, self.hook = hooks, hook

    def remove(self):
        if self.hook in self.hooks:
            self.hooks.remove(self.hook)
