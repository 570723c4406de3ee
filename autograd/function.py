"""Graph nodes. A Function subclass is one differentiable op; its instance is the node (and the ctx).

forward(self, *tensors, **options) reads the inputs' arrays and returns the output array.
backward(self, grad) gets the output's gradient as a Tensor and returns one gradient (Tensor or None)
per input, written with Tensor ops so that create_graph=True records a graph of the backward too.
"""
import builtins
import weakref

import numpy as np

from . import backend, grad_mode
from .hooks import Hooks
from .tensor import Tensor, wrap, _NUMPY_SCALAR

_ndarray = np.ndarray
_asarray = np.asarray
_new_tensor = _new_node = object.__new__
_state = grad_mode.state   # one object for the whole process (grad_mode never replaces it)
# Nodes are many and live until backward: every object a node keeps is one more for Python's cyclic
# collector to traverse, whose full passes over a growing graph dominate tiny-op workloads (see Node). So
# nodes share their needs_input_grad tuples (a handful of patterns) instead of holding one each.
_NEEDS = {}
_NEEDS1 = (True,)
_NEEDS2 = ((False, False), (False, True), (True, False), (True, True))   # [2 * a + b]

FREED = ("Trying to backward through the graph a second time (or directly access saved tensors after "
         "they have already been freed). Saved intermediate values of the graph are freed when you call "
         ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
         "graph a second time or if you need to access saved tensors after calling backward.")


class Node:
    """A node of the backward graph (torch.autograd.graph.Node): edges to the nodes of its inputs, hooks.

    _next is one node (or None) per input; next_functions is torch's view of it, (node, input_nr) pairs.
    type(node).__name__ is torch's name for the node (AddBackward0, AccumulateGrad, ...).

    Nodes are many and live until backward, and every container a node keeps is one more object for
    Python's cyclic collector, whose full passes over a growing graph dominate tiny-op workloads (they
    run about once per 85,000 surviving container objects, each over the whole heap). So the edges of a
    node with one or two inputs live in its own slots (_next0, _next1; _nnext says how many), not in a
    tuple; with more inputs _next0 holds the tuple (_nnext = -1)."""
    __slots__ = ('_next0', '_next1', '_nnext', '_hooks', '_metadata', '__weakref__')

    @property
    def _next(self):
        """The edges as a tuple, one node (or None) per input."""
        n = self._nnext
        if n == 2:
            return (self._next0, self._next1)
        if n == 1:
            return (self._next0,)
        return self._next0 if n < 0 else ()

    @_next.setter
    def _next(self, edges):
        edges = tuple(edges)
        n = len(edges)
        if n == 2:
            self._next0, self._next1 = edges
        elif n == 1:
            self._next0 = edges[0]
        elif n:
            self._next0, n = edges, -1
        self._nnext = n

    def name(self):
        return type(self).__name__

    @property
    def next_functions(self):
        """((node, 0) or (None, 0) per input), as torch: None where the input needs no gradient."""
        return tuple([(fn, 0) for fn in self._next])

    @property
    def metadata(self):
        """A dict for the user's notes about this node (anomaly mode keeps 'traceback_' here, as torch)."""
        try:
            return self._metadata
        except AttributeError:
            self._metadata = {}
            return self._metadata

    def _hook_store(self):
        if self._hooks is None:
            self._hooks = Hooks()
        return self._hooks

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) -> tuple or None, after this node's backward ran: grad_inputs (one per
        next_functions entry, None where none) may be replaced by the returned tuple."""
        return self._hook_store().add('post', fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) -> tuple or None, before this node's backward runs (after the tensor hooks)."""
        return self._hook_store().add('pre', fn)

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"


class Function(Node):
    """One differentiable op. The class is named as torch names its node: Add -> AddBackward0, or torch_name;
    a class whose name() depends on the call (SumBackward0/1, MmBackward0/BmmBackward0, ...) gets one
    subclass per name, so type(grad_fn).__name__ is always what torch prints."""
    # Saved values live in slots too (see Node): one or two saved tensors in _saved0/_saved1 with their
    # versions in _version0/_version1 (_saved is then their count), more as tuples in _saved/_versions;
    # _saved is () when nothing was saved, None once freed, or a Packed (saved-tensor hooks). The output of a
    # saves_output op: its array (or Packed), its version counter and the version it must still be at.
    __slots__ = ('needs_input_grad', '_saved', '_saved0', '_saved1', '_version0', '_version1', '_versions',
                 '_out_array', '_out_counter', '_out_version', '__dict__')
    saves_output = False   # set True where backward reads the output (self.output)
    torch_name = None      # the grad_fn name torch prints, where it is not <ClassName>Backward0
    # torch allocates this op's output fresh and row-major (reductions, scans, softmax, cat, normalisations):
    # a NumPy result that kept its input's layout (NumPy's K order) is made row-major, so that stride() and
    # view() agree with torch's (elementwise ops keep their input's layout in both libraries)
    contiguous_output = False
    _per_call_name = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if '__init__' in cls.__dict__:   # apply makes nodes with object.__new__ (one call less per op)
            raise TypeError(f"{cls.__name__}: a Function node takes no __init__; set its state in forward")
        if '_variant_of' in cls.__dict__:
            return
        cls.op_name = cls.__name__           # the readable name in the source, e.g. 'Add'
        static = cls.torch_name or cls.__name__ + 'Backward0'
        cls._per_call_name = False
        if cls.name is not Node.name:
            static = _class_level_name(cls)
            cls._per_call_name = static is None
            cls._variants = {}
        if static is not None:
            cls.__name__ = static

    @classmethod
    def _variant(cls, name):
        """The subclass of cls named `name` (made once), that a node whose name() is `name` becomes."""
        sub = cls._variants.get(name)
        if sub is None:
            sub = cls._variants[name] = type(cls)(name, (cls,), {'__slots__': (), '_variant_of': cls,
                                                                 '__module__': cls.__module__})
        return sub

    @classmethod
    def apply(cls, *inputs, **options):
        """Run forward on Tensors, and record a node when grad mode is on and an input requires grad."""
        if _state.instrumented:   # anomaly mode, saved-tensor hooks, the profiler or a trace
            from .instrument import instrumented_apply
            return instrumented_apply(cls, inputs, options)
        fn = _new_node(cls)   # cls() without the type call's __init__ lookup (nodes have no __init__)
        fn._saved = ()
        try:
            out = fn.forward(*inputs, **options) if options else fn.forward(*inputs)
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
        # wrap(), inlined: this runs once per op
        if type(out) is not _ndarray and isinstance(out, _NUMPY_SCALAR):
            out = _asarray(out)
        if cls.contiguous_output and not out.flags.c_contiguous:
            out = backend.array_module(out).ascontiguousarray(out)
        t = _new_tensor(Tensor)
        t.array = out
        t.requires_grad = False
        t._grad = t.grad_fn = t._hooks = t._accumulator = t._base = None
        t._vc = [0]
        t._retains_grad = False
        if _state.enabled:
            n = len(inputs)
            if n == 2:   # the common binary op: its edges in slots (see Node), no tuples built
                a, b = inputs
                ra, rb = a.requires_grad, b.requires_grad
                if not (ra or rb):
                    return t
                fn.needs_input_grad = _NEEDS2[(2 if ra else 0) + (1 if rb else 0)]
                fn._next0 = (a.grad_fn or a._grad_accumulator()) if ra else None
                fn._next1 = (b.grad_fn or b._grad_accumulator()) if rb else None
                fn._nnext = 2
            elif n == 1:
                a, = inputs
                if not a.requires_grad:
                    return t
                fn.needs_input_grad = _NEEDS1
                fn._next0 = a.grad_fn or a._grad_accumulator()
                fn._nnext = 1
            else:
                for x in inputs:
                    if x.requires_grad:
                        break
                else:
                    return t
                needs = tuple([x.requires_grad for x in inputs])
                # one shared tuple per pattern (patterns of up to 4 inputs: a bounded set)
                fn.needs_input_grad = _NEEDS.setdefault(needs, needs) if n <= 4 else needs
                fn._next = [(x.grad_fn or x._grad_accumulator()) if x.requires_grad else None for x in inputs]
            fn._hooks = None
            if cls._per_call_name:
                fn.__class__ = cls._variant(fn.name())
            t.requires_grad = True
            t.grad_fn = fn
            if cls.saves_output:
                fn._out_array = out
                fn._out_counter = t._vc
                fn._out_version = 0
        return t

    @classmethod
    def apply2(cls, a, b):
        """apply(a, b) for the hot binary ops (add, sub, mul, div of two Tensors of one dtype): the same steps
        without the generic argument handling. Anything unusual (instrumentation, an error, a per-call name,
        a saved output, a layout fix) goes through apply."""
        if _state.instrumented:
            return cls.apply(a, b)
        fn = _new_node(cls)
        fn._saved = ()
        try:
            out = fn.forward(a, b)
        except (ValueError, TypeError):
            return cls.apply(a, b)
        t = wrap(out)
        if _state.enabled:
            ra, rb = a.requires_grad, b.requires_grad
            if ra or rb:
                fn.needs_input_grad = _NEEDS2[(2 if ra else 0) + (1 if rb else 0)]
                fn._next0 = (a.grad_fn or a._grad_accumulator()) if ra else None
                fn._next1 = (b.grad_fn or b._grad_accumulator()) if rb else None
                fn._nnext = 2
                fn._hooks = None
                t.requires_grad = True
                t.grad_fn = fn
        return t

    def forward(self, *inputs, **options):
        raise NotImplementedError

    def backward(self, grad):
        raise NotImplementedError

    def save_for_backward(self, *tensors):
        n = len(tensors)
        if n == 2:
            a, b = tensors
            self._saved0, self._saved1 = a, b
            self._version0 = a._vc[0] if a is not None else 0
            self._version1 = b._vc[0] if b is not None else 0
        elif n == 1:
            a, = tensors
            self._saved0 = a
            self._version0 = a._vc[0] if a is not None else 0
        else:
            self._saved = tensors
            # a tuple of ints: the collector untracks it, where a list would be traversed by every collection
            self._versions = tuple([t._vc[0] if t is not None else 0 for t in tensors])
            return
        self._saved = n

    def _saved_tuple(self):
        """The saved tensors as saved (not unpacked or checked); None once freed."""
        saved = self._saved
        if type(saved) is int:
            return (self._saved0, self._saved1) if saved == 2 else (self._saved0,)
        return saved

    @property
    def saved_tensors(self):
        saved = self._saved
        if type(saved) is int:
            a = self._saved0
            if a is not None and a._vc[0] != self._version0:
                raise RuntimeError(_modified_message(a, self.name(), a._vc[0], self._version0))
            if saved == 1:
                return (a,)
            b = self._saved1
            if b is not None and b._vc[0] != self._version1:
                raise RuntimeError(_modified_message(b, self.name(), b._vc[0], self._version1))
            return (a, b)
        if saved is None:
            raise RuntimeError(FREED)
        if type(saved) is Packed:
            return saved.unpack(self)
        for t, v in zip(saved, self._versions):
            if t is not None and t._vc[0] != v:
                raise RuntimeError(_modified_message(t, self.name(), t._vc[0], v))
        return saved

    @property
    def output(self):
        """The op's output, rebuilt with this node as its grad_fn (no reference cycle while stored)."""
        return wrap(self.output_array(), True, self)

    def output_array(self):
        """The op's output array, checked as output is (freed, modified in place): for raw-array backwards."""
        if self._saved is None:
            raise RuntimeError(FREED)
        array, counter, expected = self._out_array, self._out_counter, self._out_version
        if counter[0] != expected:
            raise RuntimeError(_modified_message(wrap(array), self.name(), counter[0], expected, output=True))
        if type(array) is Packed:
            array = array.unpack(self)[0].array
        return array

    def _set_output(self, array, counter, version):
        """Where the output now lives (an in-place op's result is its target's storage, version)."""
        self._out_array, self._out_counter, self._out_version = array, counter, version

    def release(self):
        """Free saved values after a backward without retain_graph."""
        if type(self._saved) is int:
            self._saved0 = self._saved1 = None
        self._saved = None
        if self.saves_output:
            self._out_array = self._out_counter = None


def _class_level_name(cls):
    """The name a class with its own name() gives without running forward (its name() reads only class
    attributes, e.g. Activation's node_name), or None when it depends on the call."""
    try:
        name = cls.name(object.__new__(cls))
    except AttributeError:
        return None
    return name if isinstance(name, str) else cls.__name__


class Packed:
    """Saved tensors as pack hooks returned them (torch.autograd.graph.saved_tensors_hooks); unpacked on use.
    The version counters of the originals stay, so in-place changes after saving are still detected."""
    __slots__ = ('packed', 'unpack_hook', 'originals')

    def __init__(self, tensors, pack_hook, unpack_hook):
        self.packed = tuple(pack_hook(t) if t is not None else None for t in tensors)
        self.unpack_hook = unpack_hook
        # what the modified-in-place message needs, without keeping the tensor itself alive
        self.originals = [(t._vc, t._vc[0], t.type(), list(t.shape), t.grad_fn.name() if t.grad_fn else None)
                          if t is not None else None for t in tensors]

    def unpack(self, node):
        for original in self.originals:
            if original is not None and original[0][0] != original[1]:
                counter, version, type_name, shape, producer = original
                raise RuntimeError(_modified_text(type_name, shape, producer, node.name(), counter[0], version))
        return tuple(self.unpack_hook(p) if p is not None else None for p in self.packed)


def _modified_message(t, op, version, expected, output=False):
    """torch's text (the tensor, the op that produced it, the versions), plus which op saved it and the fix."""
    producer = op if output else t.grad_fn.name() if t.grad_fn is not None else None
    return _modified_text(t.type(), list(t.shape), producer, op, version, expected)


def _modified_text(type_name, shape, producer, op, version, expected):
    which = f", which is output 0 of {_short_name(producer)}," if producer else ""
    return (f"one of the variables needed for gradient computation has been modified by an inplace "
            f"operation: [{type_name} {shape}]{which} is at version {version}; expected version "
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
    """The node of a leaf: adds the incoming gradient into variable.grad, then runs the leaf's
    post-accumulate-grad hooks. The leaf keeps its node (made once, so ops on leaves pay nothing for it); the
    node refers to the leaf weakly, to make no reference cycle: unlike torch's, a graph does not keep a leaf
    alive that nothing else holds (variable is then None and the gradient has nowhere to go)."""
    __slots__ = ('_variable',)

    def __init__(self, leaf):
        self._variable = weakref.ref(leaf)
        self._nnext = 0
        self._hooks = None

    @property
    def variable(self):
        """The leaf tensor this node accumulates into (torch's AccumulateGrad.variable)."""
        return self._variable()

    def backward(self, grad):
        leaf = self._variable()
        if leaf is None:
            return ()
        if leaf._grad is None:
            leaf._grad = grad if grad_mode.state.enabled else grad.detach()
        elif grad_mode.state.enabled:
            leaf._grad = leaf._grad + grad
        else:
            leaf._grad.array += grad.array
        hooks = leaf._hooks
        if hooks is not None and hooks.post:
            for hook in tuple(hooks.post.values()):
                hook(leaf)
        return ()

    def release(self):
        pass
