"""Reverse-mode traversal of the graph: backward() and grad().

Iterative, so graphs of any depth work. Each node runs once, after every node that feeds it a
gradient has run (dependency counts), so gradients meeting at a node are summed exactly first.
"""
import numpy as np

from . import grad_mode
from .function import AccumulateGrad
from .hooks import run_post_hooks, run_pre_hooks, run_tensor_hooks
from .tensor import Tensor, wrap
from .ops.arithmetic import ARRAY_OUT

_ndarray = np.ndarray
_add = np.add


def _root_grads(outputs, grad_outputs, create_graph):
    roots = []
    for out, g in zip(outputs, grad_outputs):
        if not out.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = wrap(_ones_like(out.array))
        elif not isinstance(g, Tensor):
            raise TypeError(f"gradient must be a Tensor, not {type(g).__name__}")
        elif g.shape != out.shape:
            raise RuntimeError(f"Mismatch in shape: grad_output[0] has a shape of {tuple(g.shape)} and "
                               f"output[0] has a shape of {tuple(out.shape)}.")
        if g.array.dtype != out.array.dtype and out.array.dtype.kind in 'fc':
            g = g.to(out.dtype)   # torch's validate_outputs: a gradient takes its output's dtype
        if not create_graph:
            g = g.detach()
        roots.append((out.grad_fn or out._grad_accumulator(), g))
    return roots


def _ones_like(array):
    from .backend import array_module
    return array_module(array).ones(array.shape, dtype=array.dtype)


def _dependencies(roots):
    """How many edges point at each node reachable from the roots."""
    deps = {}
    stack = [fn for fn, _ in roots]
    seen = set(stack)
    while stack:
        fn = stack.pop()
        n = fn._nnext   # fn._next, inlined (see Node): most nodes keep one or two edges in slots
        for nxt in (fn._next0, fn._next1) if n == 2 else (fn._next0,) if n == 1 else fn._next:
            if nxt is not None:
                deps[nxt] = deps.get(nxt, 0) + 1
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
    return deps


def run_backward(outputs, grad_outputs, retain_graph, create_graph, capture=None, only=None):
    """Propagate from outputs into the leaves' .grad (all leaves, or the accumulators in `only`).
    capture: {node: None}, filled with the gradient arriving at each of its nodes."""
    roots = _root_grads(outputs, grad_outputs, create_graph)
    deps = _dependencies(roots)
    grads, borrowed = {}, {}
    for fn, g in roots:
        grads[fn] = grads[fn] + g if fn in grads else g
        borrowed[fn] = True          # the caller's tensor: never store it as a .grad
    ready = [fn for fn, _ in roots if deps.get(fn, 0) == 0]
    ready = list(dict.fromkeys(ready))
    instrumented = grad_mode.state.instrumented   # anomaly mode, the profiler or a trace: the slow path
    if instrumented:
        from .instrument import instrumented_backward
    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            fn = ready.pop()
            g = grads.pop(fn, None)
            in_grads = ()
            if g is not None:
                hooks = fn._hooks
                if type(fn) is AccumulateGrad:
                    leaf = fn._variable()
                    leaf_hooks = leaf._hooks if leaf is not None else None
                    if leaf_hooks is not None and leaf_hooks.tensor:
                        g = run_tensor_hooks(leaf_hooks, g)
                    if capture is not None and fn in capture:
                        capture[fn] = g
                    if only is None or fn in only:
                        if hooks is not None:
                            g = run_pre_hooks(hooks, g)
                        if borrowed.get(fn) and not create_graph:
                            g = g.clone()
                        if instrumented:
                            instrumented_backward(fn, g)
                        else:
                            fn.backward(g)
                        if hooks is not None and hooks.post:
                            run_post_hooks(hooks, (), g)
                    continue
                if hooks is None:   # the common case: no hooks on this node
                    if capture is not None and fn in capture:
                        capture[fn] = g
                    in_grads = instrumented_backward(fn, g) if instrumented else fn.backward(g)
                    if type(in_grads) is not tuple:
                        in_grads = (in_grads,)
                else:
                    g = run_tensor_hooks(hooks, g)
                    if capture is not None and fn in capture:
                        capture[fn] = g
                    g = run_pre_hooks(hooks, g)
                    in_grads = instrumented_backward(fn, g) if instrumented else fn.backward(g)
                    if type(in_grads) is not tuple:
                        in_grads = (in_grads,)
                    if hooks.post:
                        in_grads = run_post_hooks(hooks, _one_per_input(fn, in_grads), g)
                if not retain_graph:
                    fn.release()
            n = fn._nnext   # fn._next, inlined (see Node)
            for i, nxt in enumerate((fn._next0, fn._next1) if n == 2 else (fn._next0,) if n == 1 else fn._next):
                if nxt is None:
                    continue
                ig = in_grads[i] if i < len(in_grads) else None
                if ig is not None:
                    prev = grads.get(nxt)
                    if prev is None:
                        grads[nxt] = ig
                        if type(nxt) is AccumulateGrad:   # only a leaf's node reads it (clones before storing)
                            borrowed[nxt] = ig is g or ig.array.base is not None
                    else:
                        a, b = prev.array, ig.array
                        # summed on the arrays when no graph of the backward is recorded (same sum, no node)
                        grads[nxt] = _array_sum(a, b) if not create_graph and a.dtype == b.dtype and \
                            a.shape == b.shape else prev + ig
                        borrowed[nxt] = False
                left = deps[nxt] - 1
                deps[nxt] = left
                if not left:
                    ready.append(nxt)


def _array_sum(a, b):
    """wrap(a + b), with a 0-d NumPy sum kept an array (no re-wrapping of a scalar)."""
    return wrap(_add(a, b, out=ARRAY_OUT) if type(a) is _ndarray and type(b) is _ndarray else a + b)


def _one_per_input(fn, in_grads):
    """backward's gradients as torch's post hooks see them: one per input, None where none flows."""
    n = len(fn._next)
    grads = tuple(in_grads[:n]) + (None,) * (n - len(in_grads))
    return tuple(g if nxt is not None else None for g, nxt in zip(grads, fn._next))


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate d(tensors)/d(leaves) into the leaves' .grad (torch.autograd.backward)."""
    if isinstance(tensors, Tensor):
        tensors = (tensors,)
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = (grad_tensors,) * len(tensors) if grad_tensors is None else (grad_tensors,)
    if retain_graph is None:
        retain_graph = create_graph
    only = None
    if inputs is not None:
        inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
        if not inputs:
            raise RuntimeError("'inputs' argument to backward() cannot be empty.")
        only = {t._grad_accumulator() for t in inputs if t.grad_fn is None}
        for t in inputs:
            if t.grad_fn is not None:
                t.retain_grad()
    run_backward(tuple(tensors), tuple(grad_tensors), retain_graph, create_graph, None, only)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, allow_unused=None,
         materialize_grads=False):
    """Return d(outputs)/d(inputs) without touching any .grad (torch.autograd.grad)."""
    single = isinstance(inputs, Tensor)
    inputs = (inputs,) if single else tuple(inputs)
    outputs = (outputs,) if isinstance(outputs, Tensor) else tuple(outputs)
    if grad_outputs is None or isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,) * len(outputs) if grad_outputs is None else (grad_outputs,)
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    nodes = [t.grad_fn or t._grad_accumulator() for t in inputs]
    capture = dict.fromkeys(nodes)
    run_backward(outputs, tuple(grad_outputs), retain_graph, create_graph, capture, only=())
    result = []
    for t, node in zip(inputs, nodes):
        g = capture[node]
        if g is None:
            if materialize_grads:
                g = t.new_zeros(t.shape)
            elif not allow_unused:
                raise RuntimeError("One of the differentiated Tensors appears to not have been used in the "
                                   "graph. Set allow_unused=True if this is the desired behavior.")
        result.append(g)
    return tuple(result)
