"""The Tensor: an array (NumPy or CuPy) plus what autograd needs to differentiate through it.

Operators and methods are written out here and delegate to the op modules in autograd/ops/.
"""
import builtins
import numbers

import numpy as np

from . import backend, dtypes, grad_mode
from . import tensor_autograd as _autograd
from .tensor_api import TensorApiMethods

_NUMPY_SCALAR = np.generic


def wrap(array, requires_grad=False, grad_fn=None):
    """A Tensor around an existing array (no copy). The constructor of every op output."""
    if isinstance(array, _NUMPY_SCALAR):   # NumPy reductions give scalars: keep 0-d storage writable
        array = np.asarray(array)
    t = Tensor.__new__(Tensor)
    t.array = array
    t.requires_grad = requires_grad
    t._grad = None
    t.grad_fn = grad_fn
    t._vc = [0]
    t._hooks = None
    t._accumulator = None
    t._retains_grad = False
    t._base = None
    return t


class Size(tuple):
    """torch.Size: a tuple of ints that prints as autograd.Size([...])."""
    def __repr__(self):
        return f"autograd.Size({list(self)})"

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n


class Tensor(TensorApiMethods):   # the wider API's methods: tensor_api.py
    # _base: the tensor a view shares memory with; _vc: the version counter, a list shared by views and
    # detach()es ([n], so all see one count); _accumulator: the leaf's AccumulateGrad node
    __slots__ = ('array', 'requires_grad', '_grad', 'grad_fn', '_vc', '_hooks', '_accumulator',
                 '_retains_grad', '_base', '__weakref__')
    __array_priority__ = 1000   # numpy scalars/arrays on the left defer to our reflected operators

    def __init__(self, *data, dtype=None, device=None, requires_grad=False):
        """torch.Tensor(data) makes a float32 tensor; torch.Tensor(2, 3) an uninitialised one of that size."""
        from .creation import tensor as make
        if len(data) == 1 and not isinstance(data[0], numbers.Integral) or len(data) == 0:
            src = make(data[0] if data else [], dtype=dtype or dtypes.float32, device=device)
        else:
            xp = backend.module_for(backend.device(device) if device is not None else None)
            src = wrap(xp.zeros(tuple(data), dtype=dtypes.to_numpy(dtype or dtypes.float32)))
        self.array = src.array
        self.requires_grad = requires_grad
        self._grad = None
        self.grad_fn = None
        self._vc = [0]
        self._hooks = None
        self._accumulator = None
        self._retains_grad = False
        self._base = None

    # ---- attributes -------------------------------------------------------------------------
    @property
    def shape(self):
        return Size(self.array.shape)

    def size(self, dim=None):
        return Size(self.array.shape) if dim is None else self.array.shape[dim]

    def dim(self):
        return self.array.ndim

    ndim = property(dim)

    def numel(self):
        return self.array.size

    nelement = numel

    def element_size(self):
        return self.array.itemsize

    @property
    def dtype(self):
        return dtypes.from_numpy(self.array.dtype)

    @property
    def device(self):
        return backend.device_of(self.array)

    @property
    def is_cuda(self):
        return self.device.type == 'cuda'

    @property
    def is_xpu(self):
        return False      # no XPU backend; example programs test `x.is_cuda or x.is_xpu`

    @property
    def is_leaf(self):
        return self.grad_fn is None

    def is_floating_point(self):
        return self.array.dtype.kind == 'f'

    def is_complex(self):
        return self.array.dtype.kind == 'c'

    @property
    def data(self):
        """The same storage, detached and with its own version counter: writes are not tracked."""
        return wrap(self.array)

    @data.setter
    def data(self, value):
        self.array = value.array

    @property
    def T(self):
        return _ops.shape.permute(self, tuple(reversed(range(self.ndim))))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    @property
    def retains_grad(self):
        return self._retains_grad

    grad = property(_autograd.get_grad, _autograd.set_grad, doc="The accumulated gradient, or None.")

    @property
    def _version(self):
        """How many in-place writes this tensor's storage has seen (an int, as torch)."""
        return self._vc[0]

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.array.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __hash__(self):
        return id(self)

    def __repr__(self):
        from .printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec):
        if self.ndim == 0:   # f"{loss}" prints the number, as torch does
            return format(self.item(), spec)
        if spec:
            raise TypeError("unsupported format string passed to Tensor.__format__")
        return repr(self)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (backend.to_host(self.array), self.requires_grad))

    # ---- autograd ---------------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        from .engine import backward
        backward(self, gradient, retain_graph, create_graph, inputs)

    def _grad_accumulator(self):
        if self._accumulator is None:   # one per leaf, made on first use and kept (no cost per op)
            from .function import AccumulateGrad
            self._accumulator = AccumulateGrad(self)
        return self._accumulator

    def detach(self):
        t = wrap(self.array)
        t._vc = self._vc   # detach shares the version counter, as in torch
        return t

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf:
            raise RuntimeError("you can only change requires_grad flags of leaf variables. If you want to use "
                               "a computed variable in a subgraph that doesn't require differentiation use "
                               "var_no_grad = var.detach().")
        if requires_grad and self.array.dtype.kind not in 'fc':
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self.requires_grad = requires_grad
        return self

    def retain_grad(self): _autograd.retain_grad(self)

    def register_hook(self, hook):
        """hook(grad) -> Tensor or None, called with this tensor's gradient; a returned tensor replaces it."""
        return _autograd.register_hook(self, hook)

    def register_post_accumulate_grad_hook(self, hook):
        """hook(tensor), called on a leaf after its .grad was accumulated."""
        return _autograd.register_post_accumulate_grad_hook(self, hook)

    # ---- conversion to Python and NumPy -----------------------------------------------------
    def item(self):
        if self.array.size != 1:
            raise RuntimeError(f"a Tensor with {self.array.size} elements cannot be converted to Scalar")
        return backend.to_host(self.array).reshape(()).item()

    def tolist(self):
        return backend.to_host(self.array).tolist()

    def numpy(self, force=False):
        if self.device.type != 'cpu':
            if not force:
                raise TypeError("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy "
                                "the tensor to host memory first.")
            return backend.to_host(self.array)
        if self.requires_grad and not force:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                               "instead.")
        return self.array

    def __array__(self, dtype=None, copy=None):
        a = backend.to_host(self.array)
        return a if dtype is None else a.astype(dtype)

    def __float__(self):
        return builtins.float(self.item())

    def __int__(self):
        return builtins.int(self.item())

    def __index__(self):
        if self.array.dtype.kind not in 'iub' or self.array.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return builtins.int(self.item())

    def __bool__(self):
        if self.array.size != 1:
            raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
        return builtins.bool(self.item())

    def __complex__(self):
        return complex(self.item())

    # ---- dtype and device -------------------------------------------------------------------
    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        for a in args:
            if isinstance(a, dtypes.dtype) or a in (builtins.float, builtins.int, builtins.bool):
                dtype = a
            elif isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            else:
                device = a
        out = self
        if device is not None:
            out = _ops.shape.to_device(out, backend.device(device))
        if dtype is not None and dtypes.to_numpy(dtype) != out.array.dtype:
            out = _ops.arithmetic.cast(out, dtypes.to_numpy(dtype))
        if copy and out is self:
            out = self.clone()
        return out

    def type(self, dtype=None):
        if dtype is None:
            return _TYPE_NAMES.get(self.array.dtype.name, 'autograd.Tensor')
        if isinstance(dtype, str):
            dtype = {v: k for k, v in _TYPE_NAMES.items()}[dtype.replace('torch.', 'autograd.')]
            dtype = dtypes.from_numpy(np.dtype(dtype))
        return self.to(dtype)

    def type_as(self, other):
        return self.to(other.dtype)

    def cpu(self):
        return self.to('cpu')

    def cuda(self, device=None, non_blocking=False):
        return self.to(backend.device('cuda', device if isinstance(device, int) else None)
                       if not isinstance(device, (str, backend.device)) else device)

    def float(self): return self.to(dtypes.float32)
    def double(self): return self.to(dtypes.float64)
    def half(self): return self.to(dtypes.float16)
    def long(self): return self.to(dtypes.int64)
    def int(self): return self.to(dtypes.int32)
    def short(self): return self.to(dtypes.int16)
    def bool(self): return self.to(dtypes.bool)
    def byte(self): return self.to(dtypes.uint8)

    def clone(self, memory_format=None):
        return _ops.shape.clone(self, contiguous=memory_format is not None and memory_format.name == 'contiguous_format')
    def contiguous(self, memory_format=None):
        return self if self.array.flags.c_contiguous else _ops.shape.clone(self, contiguous=True)
    def is_contiguous(self, memory_format=None):
        return _ops.views.is_contiguous(self.array.shape, _ops.views.strides_of(self.array), memory_format)

    def stride(self, dim=None):
        """Strides in elements, as torch's (a tuple, or one dim's)."""
        strides = _ops.views.strides_of(self.array)
        if dim is None:
            return strides
        if self.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        from .ops.reduction import normalize_dims
        return strides[normalize_dims(dim, self.ndim)[0]]

    def storage_offset(self): return _ops.views.storage_offset_of(self.array)
    def as_strided(self, size, stride, storage_offset=None):
        return _ops.views.as_strided(self, size, stride, storage_offset)

    # ---- arithmetic operators ---------------------------------------------------------------
    # __add__, __sub__, __mul__ and __truediv__ are the op functions themselves (set at the end of this file):
    # one Python call less on the hottest path of small-tensor code
    def __radd__(self, other): return _ops.arithmetic.add(other, self)
    def __rsub__(self, other): return _ops.arithmetic.sub(other, self)
    def __rmul__(self, other): return _ops.arithmetic.mul(other, self)
    def __rtruediv__(self, other): return _ops.arithmetic.div(other, self)
    def __floordiv__(self, other): return _ops.arithmetic.floor_divide(self, other)
    def __rfloordiv__(self, other): return _ops.arithmetic.floor_divide(other, self)
    def __mod__(self, other): return _ops.arithmetic.remainder(self, other)
    def __rmod__(self, other): return _ops.arithmetic.remainder(other, self)
    def __pow__(self, other): return _ops.arithmetic.pow(self, other)
    def __rpow__(self, other): return _ops.arithmetic.pow(other, self)
    def __matmul__(self, other): return _ops.linalg.matmul(self, other)
    def __rmatmul__(self, other): return _ops.linalg.matmul(other, self)
    def __neg__(self): return _ops.arithmetic.neg(self)
    def __pos__(self): return self
    def __abs__(self): return _ops.elementwise.abs(self)
    def __invert__(self): return _ops.arithmetic.bitwise_not(self)
    def __and__(self, other): return _ops.arithmetic.logical_binary('and', self, other)
    def __rand__(self, other): return _ops.arithmetic.logical_binary('and', other, self)
    def __or__(self, other): return _ops.arithmetic.logical_binary('or', self, other)
    def __ror__(self, other): return _ops.arithmetic.logical_binary('or', other, self)
    def __xor__(self, other): return _ops.arithmetic.logical_binary('xor', self, other)
    def __rxor__(self, other): return _ops.arithmetic.logical_binary('xor', other, self)
    def __eq__(self, other): return _ops.arithmetic.compare('eq', self, other)
    def __ne__(self, other): return _ops.arithmetic.compare('ne', self, other)
    def __lt__(self, other): return _ops.arithmetic.compare('lt', self, other)
    def __le__(self, other): return _ops.arithmetic.compare('le', self, other)
    def __gt__(self, other): return _ops.arithmetic.compare('gt', self, other)
    def __ge__(self, other): return _ops.arithmetic.compare('ge', self, other)

    def __iadd__(self, other): return self.add_(other)
    def __isub__(self, other): return self.sub_(other)
    def __imul__(self, other): return self.mul_(other)
    def __itruediv__(self, other): return self.div_(other)
    def __ifloordiv__(self, other): return self._inplace(_ops.arithmetic.floor_divide, other)
    def __imod__(self, other): return self._inplace(_ops.arithmetic.remainder, other)
    def __ipow__(self, other): return self.pow_(other)
    def __iand__(self, other): return self._inplace(Tensor.__and__, other)
    def __ior__(self, other): return self._inplace(Tensor.__or__, other)

    def __getitem__(self, index): return _ops.indexing.getitem(self, index)
    def __setitem__(self, index, value): _ops.indexing.setitem(self, index, value)

    # ---- methods that mirror autograd.<fn> ----------------------------------------------------
    def add(self, other, alpha=1): return _ops.arithmetic.add(self, other if alpha == 1 else other * alpha)
    def sub(self, other, alpha=1): return _ops.arithmetic.sub(self, other if alpha == 1 else other * alpha)
    def mul(self, other): return _ops.arithmetic.mul(self, other)
    def div(self, other, rounding_mode=None): return _ops.arithmetic.div(self, other, rounding_mode)
    def true_divide(self, other): return _ops.arithmetic.div(self, other)
    def floor_divide(self, other): return _ops.arithmetic.floor_divide(self, other)
    def remainder(self, other): return _ops.arithmetic.remainder(self, other)
    def fmod(self, other): return _ops.arithmetic.fmod(self, other)
    def pow(self, exponent): return _ops.arithmetic.pow(self, exponent)
    def neg(self): return _ops.arithmetic.neg(self)
    def maximum(self, other): return _ops.arithmetic.maximum(self, other)
    def minimum(self, other): return _ops.arithmetic.minimum(self, other)
    def clamp(self, min=None, max=None): return _ops.arithmetic.clamp(self, min, max)
    clip = clamp
    def where(self, condition, other): return _ops.arithmetic.where(condition, self, other)
    def eq(self, other): return self == other
    def ne(self, other): return self != other
    def lt(self, other): return self < other
    def le(self, other): return self <= other
    def gt(self, other): return self > other
    def ge(self, other): return self >= other
    def equal(self, other): return _ops.arithmetic.equal(self, other)
    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _ops.arithmetic.allclose(self, other, rtol, atol, equal_nan)
    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        return _ops.arithmetic.isclose(self, other, rtol, atol, equal_nan)
    def logical_not(self): return _ops.arithmetic.logical_not(self)
    def logical_and(self, other): return _ops.arithmetic.logical_binary('and', self.bool(), other)
    def logical_or(self, other): return _ops.arithmetic.logical_binary('or', self.bool(), other)
    def isnan(self): return _ops.arithmetic.unary_predicate('isnan', self)
    def isinf(self): return _ops.arithmetic.unary_predicate('isinf', self)
    def isfinite(self): return _ops.arithmetic.unary_predicate('isfinite', self)
    def lerp(self, end, weight): return _ops.fused.lerp(self, end, weight)
    def addcmul(self, t1, t2, value=1): return _ops.fused.addcmul(self, t1, t2, value)
    def addcdiv(self, t1, t2, value=1): return _ops.elementwise.addcdiv(self, t1, t2, value)

    def exp(self): return _ops.elementwise.exp(self)   # replaced by that function at the end of this file
    def exp2(self): return _ops.elementwise.exp2(self)
    def log(self): return _ops.elementwise.log(self)
    def log2(self): return _ops.elementwise.log2(self)
    def log10(self): return _ops.elementwise.log10(self)
    def log1p(self): return _ops.elementwise.log1p(self)
    def expm1(self): return _ops.elementwise.expm1(self)
    def sqrt(self): return _ops.elementwise.sqrt(self)
    def rsqrt(self): return _ops.elementwise.rsqrt(self)
    def square(self): return _ops.elementwise.square(self)
    def reciprocal(self): return _ops.elementwise.reciprocal(self)
    def sin(self): return _ops.elementwise.sin(self)
    def cos(self): return _ops.elementwise.cos(self)
    def tan(self): return _ops.elementwise.tan(self)
    def asin(self): return _ops.elementwise.asin(self)
    def acos(self): return _ops.elementwise.acos(self)
    def atan(self): return _ops.elementwise.atan(self)
    def sinh(self): return _ops.elementwise.sinh(self)
    def cosh(self): return _ops.elementwise.cosh(self)
    def tanh(self): return _ops.elementwise.tanh(self)   # these three too
    def sigmoid(self): return _ops.elementwise.sigmoid(self)
    def relu(self): return _ops.elementwise.relu(self)
    def abs(self): return _ops.elementwise.abs(self)
    absolute = abs
    def sign(self): return _ops.elementwise.sign(self)
    def erf(self): return _ops.elementwise.erf(self)
    def floor(self): return _ops.elementwise.floor(self)
    def ceil(self): return _ops.elementwise.ceil(self)
    def round(self, decimals=0): return _ops.elementwise.round(self, decimals)
    def trunc(self): return _ops.elementwise.trunc(self)
    def frac(self): return _ops.elementwise.frac(self)

    def sum(self, dim=None, keepdim=False, dtype=None): return _ops.reduction.sum(self, dim, keepdim, dtype)
    def mean(self, dim=None, keepdim=False, dtype=None): return _ops.reduction.mean(self, dim, keepdim, dtype)
    def prod(self, dim=None, keepdim=False, dtype=None): return _ops.reduction.prod(self, dim, keepdim, dtype)
    def max(self, dim=None, keepdim=False): return _ops.reduction.max(self, dim, keepdim)
    def min(self, dim=None, keepdim=False): return _ops.reduction.min(self, dim, keepdim)
    def amax(self, dim=(), keepdim=False): return _ops.reduction.amax(self, dim, keepdim)
    def amin(self, dim=(), keepdim=False): return _ops.reduction.amin(self, dim, keepdim)
    def argmax(self, dim=None, keepdim=False): return _ops.reduction.argmax(self, dim, keepdim)
    def argmin(self, dim=None, keepdim=False): return _ops.reduction.argmin(self, dim, keepdim)
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _ops.reduction.var(self, dim, unbiased, keepdim, correction=correction)
    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return _ops.reduction.std(self, dim, unbiased, keepdim, correction=correction)
    def norm(self, p='fro', dim=None, keepdim=False, dtype=None): return _ops.reduction.norm(self, p, dim, keepdim)
    def logsumexp(self, dim, keepdim=False): return _ops.reduction.logsumexp(self, dim, keepdim)
    def all(self, dim=None, keepdim=False): return _ops.reduction.all(self, dim, keepdim)
    def any(self, dim=None, keepdim=False): return _ops.reduction.any(self, dim, keepdim)
    def cumsum(self, dim, dtype=None): return _ops.reduction.cumsum(self, dim, dtype)
    def cumprod(self, dim, dtype=None): return _ops.reduction.cumprod(self, dim, dtype)
    def softmax(self, dim, dtype=None): return _ops.reduction.softmax(self, dim, dtype)
    def log_softmax(self, dim, dtype=None): return _ops.reduction.log_softmax(self, dim, dtype)
    def count_nonzero(self, dim=None): return _ops.reduction.count_nonzero(self, dim)
    def sort(self, dim=-1, descending=False, stable=False): return _ops.indexing.sort(self, dim, descending)
    def argsort(self, dim=-1, descending=False, stable=False): return _ops.indexing.sort(self, dim, descending)[1]
    def topk(self, k, dim=-1, largest=True, sorted=True): return _ops.indexing.topk(self, k, dim, largest)
    def nonzero(self, as_tuple=False): return _ops.indexing.nonzero(self, as_tuple)
    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
        return _ops.unique.unique(self, sorted, return_inverse, return_counts, dim)
    def unique_consecutive(self, return_inverse=False, return_counts=False, dim=None):
        return _ops.unique.unique_consecutive(self, return_inverse, return_counts, dim)

    def matmul(self, other): return _ops.linalg.matmul(self, other)
    def mm(self, other): return _ops.linalg.mm(self, other)
    def bmm(self, other): return _ops.linalg.bmm(self, other)
    def mv(self, vec): return _ops.linalg.mv(self, vec)
    def dot(self, other): return _ops.linalg.dot(self, other)
    def outer(self, other): return _ops.linalg.outer(self, other)
    ger = outer
    def addmm(self, mat1, mat2, beta=1, alpha=1): return _ops.linalg.addmm(self, mat1, mat2, beta=beta, alpha=alpha)

    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
            return wrap(self.array.view(shape[0].numpy_dtype))
        return _ops.views.view(self, shape)
    def view_as(self, other): return _ops.views.view(self, other.shape)
    def reshape(self, *shape): return _ops.shape.reshape(self, shape)
    def reshape_as(self, other): return _ops.shape.reshape(self, other.shape)
    def flatten(self, start_dim=0, end_dim=-1): return _ops.shape.flatten(self, start_dim, end_dim)
    def unflatten(self, dim, sizes): return _ops.shape.unflatten(self, dim, sizes)
    def ravel(self): return _ops.shape.flatten(self)
    def squeeze(self, dim=None): return _ops.shape.squeeze(self, dim)
    def unsqueeze(self, dim): return _ops.shape.unsqueeze(self, dim)
    def permute(self, *dims):
        if not dims:
            raise TypeError('permute() missing 1 required positional arguments: "dims"')
        return _ops.shape.permute(self, dims)
    def transpose(self, dim0, dim1): return _ops.shape.transpose(self, dim0, dim1)
    swapaxes = transpose
    def t(self): return _ops.shape.t(self)
    def expand(self, *sizes):
        if not sizes:
            raise TypeError('expand() missing 1 required positional arguments: "size"')
        return _ops.shape.expand(self, sizes)
    def expand_as(self, other): return _ops.shape.expand(self, other.shape)
    def broadcast_to(self, shape): return _ops.shape.expand(self, shape)
    def repeat(self, *sizes):
        if not sizes:
            raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
        return _ops.shape.repeat(self, sizes)
    def tile(self, *dims): return _ops.shape.tile(self, dims)
    def flip(self, *dims): return _ops.shape.flip(self, dims)
    def roll(self, shifts, dims=None): return _ops.shape.roll(self, shifts, dims)
    def split(self, split_size, dim=0): return _ops.shape.split(self, split_size, dim)
    def chunk(self, chunks, dim=0): return _ops.shape.chunk(self, chunks, dim)
    def unbind(self, dim=0): return _ops.shape.unbind(self, dim)
    def narrow(self, dim, start, length): return _ops.shape.narrow(self, dim, start, length)
    def select(self, dim, index): return _ops.shape.select(self, dim, index)
    def tril(self, diagonal=0): return _ops.shape.tril(self, diagonal)
    def triu(self, diagonal=0): return _ops.shape.triu(self, diagonal)
    def sum_to_size(self, *size): return _ops.shape.sum_to(self, _shape_arg(size))
    def diag(self, diagonal=0): return _ops.shape.diag(self, diagonal)

    def gather(self, dim, index): return _ops.indexing.gather(self, dim, index)
    def scatter(self, dim, index, src=None, value=None, reduce=None):
        return _ops.scatter.scatter(self, dim, index, src, value, reduce)
    def scatter_add(self, dim, index, src): return _ops.scatter.scatter_add(self, dim, index, src)
    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return _ops.scatter.scatter_reduce(self, dim, index, src, reduce, include_self=include_self)
    def index_put(self, indices, values, accumulate=False):
        return _ops.scatter.index_put(self, indices, values, accumulate)
    def index_add(self, dim, index, source, *, alpha=1): return _ops.scatter.index_add(self, dim, index, source, alpha=alpha)
    def index_copy(self, dim, index, source): return _ops.scatter.index_copy(self, dim, index, source)
    def index_fill(self, dim, index, value): return _ops.scatter.index_fill(self, dim, index, value)
    def index_select(self, dim, index): return _ops.indexing.index_select(self, dim, index)
    def masked_fill(self, mask, value): return _ops.indexing.masked_fill(self, mask, value)
    def masked_select(self, mask): return _ops.indexing.masked_select(self, mask)
    def take(self, index): return self.reshape(-1)[index]

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import zeros
        return zeros(*size, dtype=dtype or self.dtype, device=self.device if device is None else device,
                     requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        from .creation import ones
        return ones(*size, dtype=dtype or self.dtype, device=self.device if device is None else device,
                    requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        from .creation import full
        return full(size, fill_value, dtype=dtype or self.dtype, device=self.device if device is None else device,
                    requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        return self.new_zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        from .creation import tensor
        return tensor(data, dtype=dtype or self.dtype, device=self.device if device is None else device,
                      requires_grad=requires_grad)

    # ---- in-place operations ----------------------------------------------------------------
    def _inplace(self, op, *args, overlap=True):
        """Compute op(self, *args) and write it into self's storage.

        When the result is recorded, op runs on a recorded clone of self, so the graph keeps the value
        from before the write; self then takes the result's grad_fn. Views of self see the new values.
        overlap: check first, as torch's elementwise writes do, that no two elements of self are one memory
        location and that no tensor argument overlaps self in part (ops with other rules check themselves)."""
        if overlap:
            _ops.views.check_elementwise_write(self, args)
        records = grad_mode.state.enabled and (self.requires_grad or any(
            isinstance(a, Tensor) and a.requires_grad for a in args))
        if records:
            self._check_inplace_allowed()
        result = op(self.clone() if records else self, *args)
        if result.array.dtype != self.array.dtype and \
                dtypes.category(result.array.dtype) > dtypes.category(self.array.dtype):
            raise RuntimeError(f"result type {result.dtype.scalar_name} can't be cast to the desired "
                               f"output type {self.dtype.scalar_name}")
        if result.shape != self.shape:
            raise RuntimeError(f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                               f"{list(result.shape)}")
        backend.array_module(self.array).copyto(self.array, result.array, casting='unsafe')
        self._vc[0] += 1
        if result.requires_grad:
            if getattr(self, '_base', None) is not None:
                self._rebase_view(result)
            else:
                self.grad_fn = result.grad_fn
                self.requires_grad = True
            if result.grad_fn is not None and result.grad_fn.saves_output:
                result.grad_fn._set_output(self.array, self._vc, self._vc[0])
        return self

    def _check_inplace_allowed(self):
        if self.requires_grad and self.is_leaf:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        base = getattr(self, '_base', None)
        if base is not None and base.requires_grad and base.is_leaf:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place "
                               "operation.")

    def _rebase_view(self, written):
        """After an in-place write into a view (torch's CopySlices): the base's graph takes the written values
        at the view's positions, and the view becomes a view of that new base."""
        from .ops.indexing import AdvancedIndex, IndexPut, view_index
        base = self._base
        index = view_index(self.array, base.array)
        updated = IndexPut.apply(base, written, index=index)
        base.grad_fn, base.requires_grad = updated.grad_fn, True
        self.grad_fn, self.requires_grad = AdvancedIndex.apply(base, index=index).grad_fn, True

    def add_(self, other, alpha=1): return self._inplace(Tensor.add, other, alpha)
    def sub_(self, other, alpha=1): return self._inplace(Tensor.sub, other, alpha)
    def mul_(self, other): return self._inplace(Tensor.mul, other)
    def div_(self, other, rounding_mode=None): return self._inplace(Tensor.div, other, rounding_mode)
    def pow_(self, exponent): return self._inplace(Tensor.pow, exponent)
    def neg_(self): return self._inplace(Tensor.neg)
    def abs_(self): return self._inplace(Tensor.abs)
    def exp_(self): return self._inplace(Tensor.exp)
    def log_(self): return self._inplace(Tensor.log)
    def sqrt_(self): return self._inplace(Tensor.sqrt)
    def sigmoid_(self): return self._inplace(Tensor.sigmoid)
    def tanh_(self): return self._inplace(Tensor.tanh)
    def relu_(self): return self._inplace(Tensor.relu)
    def floor_(self): return self._inplace(Tensor.floor)
    def round_(self): return self._inplace(Tensor.round)
    def clamp_(self, min=None, max=None): return self._inplace(Tensor.clamp, min, max)
    clip_ = clamp_
    def masked_fill_(self, mask, value): return _ops.scatter.masked_fill_(self, mask, value)
    def addcmul_(self, t1, t2, value=1): return self._inplace(Tensor.addcmul, t1, t2, value)
    def addcdiv_(self, t1, t2, value=1): return self._inplace(Tensor.addcdiv, t1, t2, value)
    def lerp_(self, end, weight): return self._inplace(Tensor.lerp, end, weight)
    def scatter_(self, dim, index, src=None, value=None, reduce=None):
        return _ops.scatter.scatter_(self, dim, index, src, value, reduce)
    def scatter_add_(self, dim, index, src): return _ops.scatter.scatter_add_(self, dim, index, src)
    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return _ops.scatter.scatter_reduce_(self, dim, index, src, reduce, include_self=include_self)
    def index_put_(self, indices, values, accumulate=False):
        return _ops.scatter.index_put_(self, indices, values, accumulate)
    def index_add_(self, dim, index, source, *, alpha=1):
        return _ops.scatter.index_add_(self, dim, index, source, alpha=alpha)
    def index_copy_(self, dim, index, source): return _ops.scatter.index_copy_(self, dim, index, source)
    def index_fill_(self, dim, index, value): return _ops.scatter.index_fill_(self, dim, index, value)
    def copy_(self, src, non_blocking=False):
        """Overwrite with src (broadcast, cast, moved to this device); gradients flow to src only."""
        if not isinstance(src, Tensor):
            from .creation import tensor
            src = tensor(src)
        if grad_mode.state.enabled and (self.requires_grad or src.requires_grad):
            return self._inplace(lambda s, o: o.to(s.device).to(s.dtype).expand(s.shape), src)
        _ops.views.check_partial_overlap(self, (src,))
        _ops.views.check_broadcasts_to(src.shape, self.shape)
        return self._write(lambda xp, arr: xp.copyto(arr, backend.to_device(src.array, self.device), casting='unsafe'))

    def zero_(self): return self.fill_(0)

    def fill_(self, value):
        """torch fills an expanded tensor with a number, but not with a tensor (which may be part of self)."""
        if isinstance(value, Tensor):
            _ops.views.check_internal_overlap(self)
            if value.requires_grad:
                return self._inplace(lambda s, v: s * 0 + v, value, overlap=False)
        return self._write(lambda xp, a: a.fill(value.item() if isinstance(value, Tensor) else value),
                           overlap=False)

    def _write(self, fill, overlap=True):
        """Overwrite self's values with no graph (fill_, uniform_, ...): gradients stop here.
        overlap: refuse, as torch, to write into a tensor two of whose elements are one memory location."""
        if overlap:
            _ops.views.check_internal_overlap(self)
        base = getattr(self, '_base', None)
        tracked_view = grad_mode.state.enabled and base is not None and base.requires_grad
        if grad_mode.state.enabled and self.requires_grad:
            self._check_inplace_allowed()
            self.grad_fn, self.requires_grad = None, False
        fill(backend.array_module(self.array), self.array)
        self._vc[0] += 1
        if tracked_view:   # the base's graph learns that these positions are now constants
            self._rebase_view(wrap(self.array.copy()))
        return self

    def uniform_(self, a=0.0, b=1.0, generator=None):
        from .random import fill_uniform
        return self._write(lambda xp, arr: fill_uniform(arr, a, b, generator))

    def normal_(self, mean=0.0, std=1.0, generator=None):
        from .random import fill_normal
        return self._write(lambda xp, arr: fill_normal(arr, mean, std, generator))

    def bernoulli_(self, p=0.5, generator=None):
        from .random import fill_bernoulli
        return self._write(lambda xp, arr: fill_bernoulli(arr, p, generator))

    def random_(self, low=0, high=None, generator=None):
        from .random import fill_randint
        return self._write(lambda xp, arr: fill_randint(arr, low, high, generator))

    def exponential_(self, lambd=1.0, generator=None):
        from .random import fill_exponential
        return self._write(lambda xp, arr: fill_exponential(arr, lambd, generator))

    def squeeze_(self, dim=None): return self._reshape_inplace(self.squeeze(dim))
    def t_(self): return self._reshape_inplace(self.t())
    def transpose_(self, dim0, dim1): return self._reshape_inplace(self.transpose(dim0, dim1))
    def unsqueeze_(self, dim): return self._reshape_inplace(self.unsqueeze(dim))
    def resize_(self, *size): return self._reshape_inplace(self.reshape(*size))

    def _reshape_inplace(self, result):
        if grad_mode.state.enabled and self.requires_grad:
            self._check_inplace_allowed()
        self.array = result.array
        if result.requires_grad:   # a non-leaf continues as the reshaped view of its former self
            self.grad_fn = result.grad_fn
        return self


_TYPE_NAMES = {'float32': 'autograd.FloatTensor', 'float64': 'autograd.DoubleTensor',
               'float16': 'autograd.HalfTensor', 'int64': 'autograd.LongTensor',
               'int32': 'autograd.IntTensor', 'int16': 'autograd.ShortTensor', 'int8': 'autograd.CharTensor',
               'uint8': 'autograd.ByteTensor', 'bool': 'autograd.BoolTensor'}


def _shape_arg(shape):
    """Accept f(2, 3), f((2, 3)), f([2, 3]) and f(Size)."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = shape[0]
    return tuple(builtins.int(s) for s in shape)


def _rebuild(array, requires_grad):
    return wrap(array, requires_grad)


from . import ops as _ops  # noqa: E402  (the op modules import Tensor from here)

Tensor.__add__ = _ops.arithmetic.add
Tensor.__sub__ = _ops.arithmetic.sub
Tensor.__mul__ = _ops.arithmetic.mul
Tensor.__truediv__ = _ops.arithmetic.div
# and the hot unary methods (autograd.tanh etc. are these too)
Tensor.exp = _ops.elementwise.exp
Tensor.tanh = _ops.elementwise.tanh
Tensor.sigmoid = _ops.elementwise.sigmoid
Tensor.relu = _ops.elementwise.relu
