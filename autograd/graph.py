"""torch.autograd.graph: the Node type of grad_fn objects, saved-tensor hooks, increment_version."""
from . import instrument
from .function import Node  # noqa: F401  (isinstance(t.grad_fn, autograd.autograd.graph.Node) holds)
from .hooks import RemovableHandle  # noqa: F401

__all__ = ['Node', 'saved_tensors_hooks', 'save_on_cpu', 'increment_version']


class saved_tensors_hooks:
    """with saved_tensors_hooks(pack_hook, unpack_hook): every tensor an op saves for backward while inside is
    stored as pack_hook(tensor) and given back to backward as unpack_hook(packed) (torch's semantics).

    Here this covers what ops save through save_for_backward and their saved outputs; values an op keeps
    as plain arrays (shapes, masks, indices) are not tensors torch would save either way."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook, self.unpack_hook = pack_hook, unpack_hook

    def __enter__(self):
        instrument.tools.saved_hooks = instrument.tools.saved_hooks + [(self.pack_hook, self.unpack_hook)]
        instrument.refresh()
        return self

    def __exit__(self, *exc):
        instrument.tools.saved_hooks = instrument.tools.saved_hooks[:-1]
        instrument.refresh()


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors go to the host during forward and back to their device for backward."""

    def __init__(self, pin_memory=False, device_type='cuda'):
        def pack(t):
            return (t.device, t.cpu())

        def unpack(packed):
            device, t = packed
            return t.to(device)
        super().__init__(pack, unpack)


def increment_version(tensor):
    """Bump tensor's version counter, as an in-place write would (so saved copies of it are detected stale)."""
    tensors = tensor if isinstance(tensor, (list, tuple)) else (tensor,)
    for t in tensors:
        t._vc[0] += 1


# ---- grad_fn._saved_<name>: what a node saved, under torch's names ------------------------------------
def _tensor(i):
    return lambda fn: fn.saved_tensors[i]


def _result(fn):
    return fn.output


def _shape(i):
    return lambda fn: tuple(fn.saved_tensors[i].shape)


def _addmm_mat2(fn):
    mat2 = fn.saved_tensors[1]
    return mat2 if 'alpha' in fn.__dict__ else mat2.t()


_REDUCTION = {'none': 0, 'mean': 1, 'sum': 2}   # torch's Reduction enum, which _saved_reduction shows
_SELF = {'self': _tensor(0)}
_SELF_OTHER = {'self': _tensor(0), 'other': _tensor(1)}
_RESULT = {'result': _result}
SAVED = {
    'MulBackward0': _SELF_OTHER, 'DivBackward0': _SELF_OTHER,
    'PowBackward0': {'self': _tensor(0), 'exponent': lambda fn: fn.exponent},
    'PowBackward1': {'self': _tensor(0), 'exponent': _tensor(1), 'result': _result},
    'ExpBackward0': _RESULT, 'SqrtBackward0': _RESULT, 'TanhBackward0': _RESULT, 'SigmoidBackward0': _RESULT,
    'ReluBackward0': _RESULT,
    'LogBackward0': _SELF, 'SinBackward0': _SELF, 'CosBackward0': _SELF,
    'MmBackward0': {'self': _tensor(0), 'mat2': _tensor(1), 'self_sym_sizes': _shape(0), 'mat2_sym_sizes': _shape(1)},
    # torch.addmm's node keeps alpha and beta; nn.Linear's (an addmm of weight.t()) saved x and the weight
    'AddmmBackward0': {'mat1': _tensor(0), 'mat2': lambda fn: _addmm_mat2(fn),
                       'alpha': lambda fn: fn.__dict__.get('alpha', 1), 'beta': lambda fn: fn.__dict__.get('beta', 1),
                       'mat1_sym_sizes': _shape(0), 'mat2_sym_sizes': lambda fn: tuple(_addmm_mat2(fn).shape)},
    'MseLossBackward0': {'self': _tensor(0), 'target': _tensor(1), 'reduction': lambda fn: _REDUCTION[fn.reduction]},
    'SumBackward0': {'self_sym_sizes': lambda fn: tuple(fn.args[0])},
    'SumBackward1': {'dim': lambda fn: tuple(fn.args[1]), 'keepdim': lambda fn: fn.args[2],
                     'self_sym_sizes': lambda fn: tuple(fn.args[0])},
    'MeanBackward0': {'self_sym_sizes': lambda fn: tuple(fn.args[0]),
                      'self_sym_numel': lambda fn: int(__import__('math').prod(fn.args[0]))},
}


def _install_saved_properties():
    """grad_fn._saved_<name> as properties of Function (not a __getattr__, which would slow every attribute
    access on every node); a node without that saved value raises AttributeError, so hasattr() is False."""
    from .function import Function
    for name in sorted({n for table in SAVED.values() for n in table}):
        setattr(Function, '_saved_' + name, property(lambda fn, name=name: saved_attribute(fn, name)))


def saved_attribute_names(fn):
    """The X of the grad_fn._saved_X attributes this node has (torch's names), e.g. ('self', 'other')."""
    return tuple(SAVED.get(type(fn).__name__, ()))


def saved_attribute(fn, name):
    """grad_fn._saved_<name>, as torch exposes it (saved tensors, the saved result, saved arguments)."""
    getter = SAVED.get(type(fn).__name__, {}).get(name)
    if getter is None:
        raise AttributeError(f"'{type(fn).__name__}' object has no attribute '_saved_{name}'")
    return getter(fn)


# ---- a step-by-step record of a backward pass, for learners ---------------------------------------------
class _Summary:
    """shape, dtype, norm and the first few values of a gradient (the tensor itself is kept in .tensor)."""

    def __init__(self, t, values):
        import numpy as np
        from .backend import to_host
        self.tensor = t.detach() if t is not None else None
        if t is None:
            self.shape = self.dtype = self.norm = None
            self.values = []
            return
        a = to_host(t.detach().array)
        self.shape, self.dtype = tuple(a.shape), str(t.dtype).split('.')[-1]
        self.norm = float(np.linalg.norm(a.astype(np.float64).ravel())) if a.size else 0.0
        self.values = [float(v) for v in a.ravel()[:values]]
        self.more = a.size > values

    def __str__(self):
        if self.tensor is None:
            return 'None'
        vals = ', '.join(f'{v:.4g}' for v in self.values) + (', ...' if self.more else '')
        return f"shape {self.shape} {self.dtype}, norm {self.norm:.4g}, values [{vals}]"


class BackwardStep:
    """One node the engine ran: its name, the gradient that arrived, what it sent to each input (or, for an
    AccumulateGrad, which leaf it accumulated into), the hooks registered on it, and whether the engine freed
    its saved tensors afterwards (retain_graph=False)."""

    def __init__(self, index, fn, grad, values):
        self.index, self.node, self.name = index, fn, fn.name()
        self.grad_in = _Summary(grad, values)
        self.sent = []          # (input_nr, receiving node's name, _Summary)
        self.hooks = _hook_names(fn)
        self.saved_bytes = _saved_bytes(fn)
        self.freed = False

    def __str__(self):
        lines = [f"step {self.index}: {self.name}", f"    grad in : {self.grad_in}"]
        if self.name == 'AccumulateGrad':
            leaf = self.node.variable
            lines.append(f"    accumulated into the .grad of the leaf of shape {tuple(leaf.shape)}")
        for nr, target, summary in self.sent:
            lines.append(f"    -> input {nr} ({target}): {summary}")
        if self.hooks:
            lines.append(f"    hooks   : {', '.join(self.hooks)}")
        if self.freed:
            lines.append(f"    saved tensors freed ({self.saved_bytes} bytes)")
        return '\n'.join(lines)


def _hook_names(fn):
    names = []
    stores = [('', fn._hooks)]
    if type(fn).__name__ == 'AccumulateGrad':
        stores.append(('leaf ', fn.variable._hooks))
    for prefix, hooks in stores:
        if hooks is None:
            continue
        for kind in ('tensor', 'pre', 'post'):
            for hook in getattr(hooks, kind).values():
                names.append(f"{prefix}{kind} hook {getattr(hook, '__name__', type(hook).__name__)}")
        if hooks.retain is not None:
            names.append('retain_grad')
    return names


def _saved_bytes(fn):
    from .utils.viz import saved_bytes
    return saved_bytes(fn)


class trace_backward:
    """with trace_backward() as trace: y.backward() records, in the order the engine runs them, each node, the
    gradient that arrived, what it sent to each input, the hooks on it and whether its saved tensors were freed.
    print(trace) lists the steps; trace.table() gives one line per step; trace.steps holds BackwardStep objects
    (with the gradient tensors themselves in .grad_in.tensor and .sent[i][2].tensor). values: how many leading
    values of each gradient to show."""

    def __init__(self, values=4):
        self.values, self.steps = values, []

    def __enter__(self):
        instrument.tools.observers = instrument.tools.observers + [self]
        instrument.refresh()
        return self

    def __exit__(self, *exc):
        instrument.tools.observers = [o for o in instrument.tools.observers if o is not self]
        instrument.refresh()
        self._note_freed()

    def on_forward(self, cls, inputs, options, call):
        return call()

    def on_backward(self, fn, grad, call):
        self._note_freed()
        step = BackwardStep(len(self.steps) + 1, fn, grad, self.values)
        self.steps.append(step)
        grads = call(grad)
        outs = grads if type(grads) is tuple else (grads,)
        for nr, (nxt, g) in enumerate(zip(fn._next, outs)):
            if nxt is not None and g is not None:
                step.sent.append((nr, nxt.name(), _Summary(g, self.values)))
        return grads

    def _note_freed(self):
        """The engine releases a node's saved tensors right after its backward: seen at the next step."""
        if self.steps:
            last = self.steps[-1]
            last.freed = getattr(last.node, '_saved', ()) is None and last.saved_bytes > 0

    def __str__(self):
        return '\n'.join(str(s) for s in self.steps)

    def table(self):
        """One line per step: step, node, gradient in (shape, norm), where it went, hooks, freed."""
        rows = [('step', 'node', 'grad in', 'sent to', 'hooks', 'freed')]
        for s in self.steps:
            sent = '; '.join(f"{nr}->{target} {summary.shape}" for nr, target, summary in s.sent) or \
                ('.grad' if s.name == 'AccumulateGrad' else '-')
            grad_in = f"{s.grad_in.shape} |{s.grad_in.norm:.4g}|" if s.grad_in.tensor is not None else 'None'
            rows.append((str(s.index), s.name, grad_in, sent, ', '.join(s.hooks) or '-',
                         f"{s.saved_bytes} B" if s.freed else '-'))
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = ['  '.join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        lines.insert(1, '  '.join('-' * w for w in widths))
        return '\n'.join(lines)


_install_saved_properties()
