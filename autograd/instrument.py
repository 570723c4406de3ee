"""The slow path that debugging and measuring tools share: anomaly mode, saved-tensor hooks, the profiler
and the backward trace. Function.apply and the engine test one flag (grad_mode.state.instrumented) and come
here only when a tool is on, so the ordinary path pays nothing else for them.

Tools register in `tools`; refresh() recomputes the flag."""
import os
import traceback
import warnings

from . import grad_mode
from .backend import array_module
from .function import Packed


class _Tools:
    anomaly = False
    check_nan = True
    saved_hooks = []    # stack of (pack, unpack): the innermost saved_tensors_hooks is the active one
    observers = []      # objects with on_forward(cls, inputs, options, run) / on_backward(fn, g, run) ...


tools = _Tools()


def refresh():
    grad_mode.state.instrumented = bool(tools.anomaly or tools.saved_hooks or tools.observers)


# ---- forward ------------------------------------------------------------------------------------
def instrumented_apply(cls, inputs, options):
    """cls.apply with the tools on: observers wrap the call; then the new node gets its forward traceback
    (anomaly mode) and its saved tensors packed (saved_tensors_hooks)."""
    def run():
        grad_mode.state.instrumented = False   # the op itself (and ops it calls inside) take the plain path
        try:
            return cls.apply(*inputs, **options)
        finally:
            refresh()
    call = run
    for observer in tools.observers:
        call = _wrapped(observer, cls, inputs, options, call)
    out = call()
    fn = out.grad_fn
    if fn is not None and isinstance(fn, cls) and out.requires_grad:
        _decorate(fn, out)
    return out


def _wrapped(observer, cls, inputs, options, call):
    return lambda: observer.on_forward(cls, inputs, options, call)


def _decorate(fn, out=None):
    if tools.anomaly:
        fn.metadata['traceback_'] = forward_traceback()
    if tools.saved_hooks:
        hooks, tools.saved_hooks = tools.saved_hooks, []   # ops inside a pack hook save plainly (no recursion)
        try:
            pack, unpack = hooks[-1]
            saved = fn._saved_tuple()
            if saved and type(saved) is not Packed:
                fn._saved = Packed(saved, pack, unpack)
                fn._saved0 = fn._saved1 = None   # only the packed values stay (hooks may move them off)
            output = getattr(fn, '_out_array', None)
            if out is not None and type(fn).saves_output and output is not None and type(output) is not Packed:
                fn._out_array = Packed((out.detach(),), pack, unpack)
        finally:
            tools.saved_hooks = hooks
            refresh()


def instrumented_custom(ctx):
    """A custom autograd.Function's node, after its apply: the same decoration as a built-in op's."""
    if tools.anomaly:
        ctx.metadata['traceback_'] = forward_traceback()
    if tools.saved_hooks and ctx.to_save and type(ctx.to_save) is not Packed:
        hooks, tools.saved_hooks = tools.saved_hooks, []
        try:
            ctx.to_save = Packed(ctx.to_save, *hooks[-1])
        finally:
            tools.saved_hooks = hooks
            refresh()


_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_EXAMPLES = os.path.join(_PACKAGE, 'examples') + os.sep


def forward_traceback():
    """The stack of the forward call, as torch's anomaly mode stores it ('  File ..., line ..., in ...\\n
    code\\n' strings), without this library's own frames (torch's ops are C++ and show none)."""
    frames = [f for f in traceback.extract_stack()[:-1]
              if not f.filename.startswith(_PACKAGE) or f.filename.startswith(_EXAMPLES)]
    return traceback.format_list(frames)


# ---- backward -----------------------------------------------------------------------------------
def instrumented_backward(fn, grad):
    """fn.backward(grad) with the tools on: observers wrap it; anomaly mode checks the result for NaN and,
    on any error, warns with the traceback of the forward call that made fn (as torch does)."""
    call = fn.backward
    for observer in tools.observers:
        call = _wrapped_backward(observer, fn, call)
    try:
        grads = call(grad)
        if tools.anomaly and tools.check_nan:
            check_nan(fn, grads if type(grads) is tuple else (grads,))
    except Exception:
        if tools.anomaly:
            warn_forward_traceback(fn)
        raise
    return grads


def _wrapped_backward(observer, fn, call):
    return lambda grad: observer.on_backward(fn, grad, call)


def check_nan(fn, grads):
    for i, g in enumerate(grads):
        if g is not None and g.array.dtype.kind in 'fc':
            xp = array_module(g.array)
            if bool(xp.isnan(g.array).any()):
                raise RuntimeError(f"Function '{fn.name()}' returned nan values in its {i}th output.")


def warn_forward_traceback(fn):
    stack = fn.metadata.get('traceback_') if _has_metadata(fn) else None
    if not stack:
        warnings.warn("Error detected in {0}. No forward pass information available. Enable detect anomaly "
                      "during forward pass for more information.".format(fn.name()), stacklevel=2)
        return
    warnings.warn(f"Error detected in {fn.name()}. Traceback of forward call that caused the error:\n"
                  + ''.join(stack), stacklevel=2)


def _has_metadata(fn):
    try:
        fn._metadata
    except AttributeError:
        return False
    return True
