"""The autograd half of Tensor's methods: .grad assignment checks, hooks, retain_grad, the leaf's node.

Kept out of tensor.py so that file stays about arrays; Tensor's methods delegate here."""
import warnings
import weakref

from . import grad_mode
from .hooks import Hooks

# c10's names, which torch's .grad assignment message uses: the C++ type, then the ScalarType
_CPP_NAMES = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half', 'bfloat16': 'c10::BFloat16',
              'int64': 'long int', 'int32': 'int', 'int16': 'short int', 'int8': 'signed char',
              'uint8': 'unsigned char', 'bool': 'bool', 'complex64': 'c10::complex<float>',
              'complex128': 'c10::complex<double>'}
_SCALAR_TYPES = {'float32': 'Float', 'float64': 'Double', 'float16': 'Half', 'bfloat16': 'BFloat16',
                 'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
                 'bool': 'Bool', 'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}


NON_LEAF_GRAD = ("The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
                 "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
                 "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor "
                 "by mistake, make sure you access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 "
                 "for more information.")


def get_grad(t):
    """t.grad; reading it on a non-leaf that does not retain its gradient warns as torch does (it stays None)."""
    g = t._grad
    if g is None and t.grad_fn is not None and not t._retains_grad:
        warnings.warn(NON_LEAF_GRAD, UserWarning, stacklevel=2)
    return g


def set_grad(t, value):
    """t.grad = value, with torch's checks: a Tensor (or None) of t's dtype, device and size."""
    from .tensor import Tensor
    if value is not None:
        if not isinstance(value, Tensor):
            raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of type "
                            f"{type(value).__name__}")
        if value.array.dtype != t.array.dtype:
            got, want = value.array.dtype.name, t.array.dtype.name
            raise RuntimeError(
                f"attempting to assign a gradient with dtype '{_CPP_NAMES.get(got, got)}' to a tensor with "
                f"grad_dtype '{_SCALAR_TYPES.get(want, want)}'. The gradient must match the tensor's grad_dtype "
                "(defaults to the tensor's dtype). You can set the tensor's grad_dtype attribute with a specific "
                "dtype, or None to allow any dtype. Set grad_dtype with caution. Diverging the dtypes of a tensor "
                "and its gradient may break downstream systems that assume they match.")
        if value.device != t.device:
            if value.device.type != t.device.type:
                raise RuntimeError(f"attempting to assign a gradient with device type '{value.device.type}' to a "
                                   f"tensor with device type '{t.device.type}'. Please ensure that the gradient "
                                   "and the tensor are on the same device")
            raise RuntimeError(f"attempting to assign a gradient located on device with index "
                               f"'{value.device.index}' to a tensor located on device with index "
                               f"'{t.device.index}'. Please ensure that the gradient and the tensor are on the "
                               "same device")
        if value.array.shape != t.array.shape:
            raise RuntimeError(f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                               f"'{list(t.shape)}'. Please ensure that the gradient and the tensor are the same size")
    t._grad = value


def _store(t):
    """Where t's hooks live: its grad_fn's for a computed tensor, its own for a leaf."""
    if t.grad_fn is not None:
        return t.grad_fn._hook_store()
    if t._hooks is None:
        t._hooks = Hooks()
    return t._hooks


def register_hook(t, hook):
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    return _store(t).add('tensor', hook)


def register_post_accumulate_grad_hook(t, hook):
    """hook(tensor) after a backward has accumulated into the leaf's .grad (torch 2.1+)."""
    if not t.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if t.grad_fn is not None:
        raise RuntimeError("post accumulate grad hooks cannot be registered on non-leaf tensors")
    return _store(t).add('post', hook)


def retain_grad(t):
    """Keep a computed tensor's gradient in .grad: stored after the tensor's hooks ran, whatever the order
    they were registered in (torch's retains_grad hook runs after all tensor hooks)."""
    if not t.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if t.grad_fn is None or t._retains_grad:
        return
    t._retains_grad = True
    ref = weakref.ref(t)

    def keep(grad):
        t = ref()
        if t is not None:
            g = grad if grad_mode.state.enabled else grad.detach()
            t._grad = g.clone() if t._grad is None else t._grad + g
    t.grad_fn._hook_store().retain = keep
