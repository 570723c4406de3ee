"""Reductions over dims (int, tuple or all), softmax and log_softmax, cumulative sums."""
import builtins
import collections

from .. import backend, dtypes
from ..function import Function, Node
from ..tensor import Tensor, wrap
from .arithmetic import cast, where
from .elementwise import floating

class _ValuesIndices(collections.namedtuple('values_indices', ['values', 'indices'])):
    """(values, indices) of max/min/sort/topk, printed as torch.return_types.<op>(...)."""
    op = 'max'

    def __repr__(self):
        return f"autograd.return_types.{self.op}(\nvalues={self.values!r},\nindices={self.indices!r})"


def values_indices(values, indices, op='max'):
    result = _ValuesIndices(values, indices)
    result.op = op
    return result


def normalize_dims(dim, ndim, op='sum'):
    """dim as a sorted tuple of non-negative axes; None or () means all."""
    if dim is None or dim == ():
        return tuple(range(ndim))
    if isinstance(dim, Tensor):
        dim = dim.tolist()
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    rank = builtins.max(ndim, 1)
    out = []
    for d in dims:
        if not -rank <= d < rank:
            raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], "
                             f"but got {d})")
        out.append(d % rank if ndim else 0)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return tuple(sorted(out)) if ndim else ()


def _keep_shape(shape, dims):
    """The reduced shape with keepdim=True: reduced axes become 1."""
    return tuple(1 if i in dims else s for i, s in enumerate(shape))


def expand_reduced(grad, in_shape, dims, keepdim):
    """Broadcast a reduced gradient back over the input's shape."""
    if not keepdim:
        grad = grad.reshape(_keep_shape(in_shape, dims))
    return grad.expand(in_shape)


class Sum(Function):
    contiguous_output = True
    def name(self):   # torch's overload: sum() is SumBackward0, sum(dim, ...) SumBackward1 even over every dim
        return 'SumBackward0' if self.full else 'SumBackward1'

    def forward(self, x, dims, keepdim, full=False):
        self.args, self.full = (x.array.shape, dims, keepdim), full
        return x.array.sum(axis=dims, keepdims=keepdim)

    def backward(self, grad):
        return expand_reduced(grad, *self.args)


class Mean(Function):
    contiguous_output = True
    def name(self):   # as Sum's: mean() or mean(dim, ...)
        return 'MeanBackward0' if self.full else 'MeanBackward1'

    def forward(self, x, dims, keepdim, full=False):
        self.args, self.full = (x.array.shape, dims, keepdim), full
        return x.array.mean(axis=dims, keepdims=keepdim)

    def backward(self, grad):
        shape, dims, _ = self.args
        n = 1
        for d in dims:
            n *= shape[d]
        return expand_reduced(grad / n if n else grad, *self.args)


class Prod(Function):
    contiguous_output = True
    saves_output = True

    def name(self):   # as Sum's: prod() or prod(dim, ...)
        return 'ProdBackward0' if self.full else 'ProdBackward1'

    def forward(self, x, dims, keepdim, full=False):
        self.save_for_backward(x)
        self.args, self.full = (x.array.shape, dims, keepdim), full
        return x.array.prod(axis=dims, keepdims=keepdim)

    def backward(self, grad):
        x, = self.saved_tensors
        if x.ndim == 0:   # torch's prod_backward: the gradient itself (x / x would be NaN at inf)
            return grad
        shape, dims, keepdim = self.args
        out = expand_reduced(self.output, *self.args)
        g = expand_reduced(grad, *self.args)
        if not builtins.bool((x.array == 0).any()):
            return g * (out / x)
        # with zeros, the product of the other elements, computed directly (once differentiable)
        xp = backend.array_module(x.array)
        moved = xp.moveaxis(x.array, dims, tuple(range(-len(dims), 0)))
        flat = moved.reshape(moved.shape[:moved.ndim - len(dims)] + (-1,))
        left = xp.cumprod(xp.concatenate([xp.ones_like(flat[..., :1]), flat[..., :-1]], -1), -1)
        right = xp.flip(xp.cumprod(xp.concatenate([xp.ones_like(flat[..., :1]),
                                                   xp.flip(flat, -1)[..., :-1]], -1), -1), -1)
        others = xp.moveaxis((left * right).reshape(moved.shape), tuple(range(-len(dims), 0)), dims)
        return g * wrap(others)


def check_reducible(x, dim, dims, op, arg=False):
    """torch's errors for reductions without an identity (max, min, argmax, ...) over nothing: IndexError for
    a named dim of size 0, and for no dim on an empty input a RuntimeError (an IndexError for argmax/argmin)."""
    if x.array.size:
        return
    if dim is None or (dim == () and not arg):
        message = f"{op}(): Expected reduction dim to be specified for input.numel() == 0."
        if arg:
            raise IndexError(message)
        raise RuntimeError(message + " Specify the reduction dim with the 'dim' argument.")
    for d in dims:
        if x.shape[d] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {d} to have non-zero size.")


class Extremum(Function):
    """amax/amin and full max()/min(): ties share the gradient evenly (torch's rule). NaN: the full max()/min()
    share it among the NaN entries (torch's evenly_distribute_backward); amax/amin match nothing and give
    NaN gradients (torch's scale_grad_by_count of a zero count)."""
    contiguous_output = True
    saves_output = True

    def name(self):
        return self.node_name

    def forward(self, x, dims, keepdim, largest, node_name):
        self.node_name = node_name
        self.save_for_backward(x)
        self.args = (x.array.shape, dims, keepdim)
        return x.array.max(axis=dims, keepdims=keepdim) if largest else x.array.min(axis=dims, keepdims=keepdim)

    def backward(self, grad):
        x, = self.saved_tensors
        out = expand_reduced(self.output, *self.args)
        hit = x == out
        if self.node_name in ('MaxBackward1', 'MinBackward1'):
            hit = hit | (x.isnan() & out.isnan())
        hit = hit.to(grad.dtype)
        count = expand_reduced(hit.sum(self.args[1], keepdim=True), self.args[0], self.args[1], True)
        return expand_reduced(grad, *self.args) * hit / count


class SelectAlong(Function):
    """Values of x at `indices` along dim (max/min with dim, sort, topk); gradient scattered back."""
    def name(self):
        return self.node_name

    def forward(self, x, indices, dim, keepdim, node_name):
        self.node_name = node_name
        xp = backend.array_module(x.array)
        self.args = (x.array.shape, indices, dim, keepdim)
        idx = indices.array if keepdim or indices.ndim == x.ndim else xp.expand_dims(indices.array, dim)
        out = xp.take_along_axis(x.array, idx, dim)
        return out if keepdim or indices.ndim == x.ndim else out.squeeze(dim)

    def backward(self, grad):
        shape, indices, dim, keepdim = self.args
        if not keepdim and indices.ndim != len(shape):
            grad, indices = grad.unsqueeze(dim), indices.unsqueeze(dim)
        from .indexing import scatter_add
        return scatter_add(grad.new_zeros(shape), dim, indices, grad)


def sum(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    elif x.array.dtype.kind in 'bui' and x.array.dtype != dtypes.int64.numpy_dtype:
        x = cast(x, dtypes.int64.numpy_dtype)
    return Sum.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim, full=dim is None and not keepdim)


def mean(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    if x.array.dtype.kind not in 'fc':
        raise RuntimeError(f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                           f"or complex dtype. Got: {x.dtype.scalar_name}")
    return Mean.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim, full=dim is None and not keepdim)


def prod(x, dim=None, keepdim=False, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    elif x.array.dtype.kind in 'bui':
        x = cast(x, dtypes.int64.numpy_dtype)
    return Prod.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim, full=dim is None and not keepdim)


def _extremum(x, dim, keepdim, largest):
    op = 'max' if largest else 'min'
    if dim is None:
        check_reducible(x, None, (), op)
        return Extremum.apply(x, dims=normalize_dims(None, x.ndim), keepdim=False, largest=largest,
                              node_name='MaxBackward1' if largest else 'MinBackward1')
    if isinstance(dim, Tensor):   # max(a, b): the elementwise form
        from .arithmetic import maximum, minimum
        return maximum(x, dim) if largest else minimum(x, dim)
    d = normalize_dims(dim, x.ndim)
    check_reducible(x, dim, d, op)
    d = d[0] if d else 0
    xp = backend.array_module(x.array)
    arr = x.array if x.ndim else x.array.reshape(1)
    idx = (xp.argmax if largest else xp.argmin)(arr, axis=d, keepdims=True)
    if x.ndim == 0:
        idx = idx.reshape(())
    indices = wrap(idx)
    if not keepdim and x.ndim:
        indices = wrap(idx.squeeze(d))
    values = SelectAlong.apply(x, indices=indices, dim=d, keepdim=keepdim,
                               node_name='MaxBackward0' if largest else 'MinBackward0') if x.ndim else x.clone()
    return values_indices(values, indices, 'max' if largest else 'min')


def max(x, dim=None, keepdim=False):
    return _extremum(x, dim, keepdim, True)


def min(x, dim=None, keepdim=False):
    return _extremum(x, dim, keepdim, False)


def amax(x, dim=(), keepdim=False):
    dims = normalize_dims(dim, x.ndim)
    check_reducible(x, dim, dims, 'amax')
    return Extremum.apply(x, dims=dims, keepdim=keepdim, largest=True, node_name='AmaxBackward0')


def amin(x, dim=(), keepdim=False):
    dims = normalize_dims(dim, x.ndim)
    check_reducible(x, dim, dims, 'amin')
    return Extremum.apply(x, dims=dims, keepdim=keepdim, largest=False, node_name='AminBackward0')


def argmax(x, dim=None, keepdim=False):
    if x.array.dtype.kind == 'b':
        raise RuntimeError("argmax(): does not support bool input")
    check_reducible(x, dim, normalize_dims(dim, x.ndim), 'argmax', arg=True)
    xp = backend.array_module(x.array)
    if dim is None:
        out = xp.argmax(x.array.reshape(-1))
        return wrap(out.reshape((1,) * x.ndim) if keepdim else xp.asarray(out))
    return wrap(xp.argmax(x.array, axis=normalize_dims(dim, x.ndim)[0] if x.ndim else None, keepdims=keepdim))


def argmin(x, dim=None, keepdim=False):
    if x.array.dtype.kind == 'b':
        raise RuntimeError("argmin(): does not support bool input")
    check_reducible(x, dim, normalize_dims(dim, x.ndim), 'argmin', arg=True)
    xp = backend.array_module(x.array)
    if dim is None:
        out = xp.argmin(x.array.reshape(-1))
        return wrap(out.reshape((1,) * x.ndim) if keepdim else xp.asarray(out))
    return wrap(xp.argmin(x.array, axis=normalize_dims(dim, x.ndim)[0] if x.ndim else None, keepdims=keepdim))


def var(x, dim=None, unbiased=None, keepdim=False, correction=None, _node=None):
    if isinstance(dim, bool):   # var(x, False): the old unbiased positional form
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    if x.array.dtype.kind not in 'fc':
        raise RuntimeError("std and var only support floating point and complex dtypes")
    return (_node or Var).apply(x, dims=normalize_dims(dim, x.ndim), correction=correction, keepdim=keepdim,
                                full=dim is None)


def _count(shape, dims):
    n = 1
    for d in dims:
        n *= shape[d]
    return n


class Var(Function):
    """sum((x - mean)^2) / (n - correction) over dims; n - correction <= 0 gives inf or NaN, as torch.
    backward: torch's var_backward, 2 / (n - correction) * grad * (x - mean), so that infinities and NaNs
    land where torch's do (a composed graph would spread one NaN over the whole slice)."""
    contiguous_output = True
    torch_name = 'VarBackward0'

    def forward(self, x, dims, correction, keepdim, full):
        self.save_for_backward(x)
        self.args = (x.array.shape, dims, keepdim)
        self.correction, self.full = correction, full
        xp = backend.array_module(x.array)
        n = _count(x.array.shape, dims)
        with backend.numpy.errstate(invalid='ignore', divide='ignore'):   # empty dims: NaN, as torch's
            centered = x.array - x.array.sum(axis=dims, keepdims=True) / n
            return xp.asarray((centered * centered).sum(axis=dims, keepdims=keepdim) / builtins.max(n - correction, 0),
                              dtype=x.array.dtype)

    def backward(self, grad):
        x, = self.saved_tensors
        shape, dims, keepdim = self.args
        dof = _count(shape, dims) - self.correction
        if self.full and dof <= 0:   # torch: 2 / 0 is inf, and inf * 0 is NaN where x equals the mean
            return grad * where(x == x.mean(), x.new_full((), float('nan')), x.new_full((), float('inf')))
        if not keepdim:
            grad = grad.reshape(_keep_shape(shape, dims))
        return (2.0 / dof if dof else float('inf')) * grad * (x - x.mean(dims, keepdim=True))


class SafeSqrt(Function):
    """sqrt whose gradient is 0 where the result is 0 (std of constant data), as torch's std backward."""
    torch_name = 'StdBackward0'
    saves_output = True

    def forward(self, x):
        return backend.array_module(x.array).sqrt(x.array)

    def backward(self, grad):
        out = self.output
        return where(out == 0, 0.0, grad / (2 * out))


def std(x, dim=None, unbiased=None, keepdim=False, correction=None):
    return SafeSqrt.apply(var(x, dim, unbiased, keepdim, correction=correction))


# var_mean/std_mean: torch records one node with two outputs; here each output keeps its own node, named as
# torch's (VarMeanBackward0 / StdMeanBackward0), over the same input
class VarOfVarMean(Var):
    torch_name = 'VarMeanBackward0'


class MeanOfVarMean(Mean):
    torch_name = 'VarMeanBackward0'
    name = Node.name


class StdOfStdMean(SafeSqrt):
    torch_name = 'StdMeanBackward0'


class MeanOfStdMean(MeanOfVarMean):
    torch_name = 'StdMeanBackward0'


def var_mean(x, dim=None, unbiased=None, keepdim=False, correction=None):
    v = var(x, dim, unbiased, keepdim, correction, _node=VarOfVarMean)
    return v, MeanOfVarMean.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim)


def std_mean(x, dim=None, unbiased=None, keepdim=False, correction=None):
    s = StdOfStdMean.apply(var(x, dim, unbiased, keepdim, correction))
    return s, MeanOfStdMean.apply(x, dims=normalize_dims(dim, x.ndim), keepdim=keepdim)


class Logsumexp(Function):
    contiguous_output = True
    saves_output = True

    def forward(self, x, dims, keepdim):
        self.save_for_backward(x)
        self.args = (x.array.shape, dims, keepdim)
        xp = backend.array_module(x.array)
        if x.array.size == 0:   # the sum of no exponentials is 0: log gives -inf, as torch's
            return xp.full(_keep_shape(x.array.shape, dims) if keepdim else
                           tuple(n for i, n in enumerate(x.array.shape) if i not in dims), -xp.inf, x.array.dtype)
        m = x.array.max(axis=dims, keepdims=True)
        m = xp.where(xp.isfinite(m), m, 0)
        out = xp.log(xp.exp(x.array - m).sum(axis=dims, keepdims=True)) + m
        return out if keepdim else out.squeeze(dims)

    def backward(self, grad):
        x, = self.saved_tensors
        return expand_reduced(grad, *self.args) * (x - expand_reduced(self.output, *self.args)).exp()


def logsumexp(x, dim, keepdim=False):
    return Logsumexp.apply(floating(x), dims=normalize_dims(dim, x.ndim), keepdim=keepdim)


def all(x, dim=None, keepdim=False):
    axis = None if dim is None else normalize_dims(dim, x.ndim)
    xp = backend.array_module(x.array)
    return wrap(xp.asarray(xp.all(x.array, axis=axis, keepdims=keepdim), order='C'))   # torch's layout: row-major


def any(x, dim=None, keepdim=False):
    axis = None if dim is None else normalize_dims(dim, x.ndim)
    xp = backend.array_module(x.array)
    return wrap(xp.asarray(xp.any(x.array, axis=axis, keepdims=keepdim), order='C'))   # torch's layout: row-major


def count_nonzero(x, dim=None):
    axis = None if dim is None else normalize_dims(dim, x.ndim)
    return wrap(backend.array_module(x.array).count_nonzero(x.array, axis=axis)).long()


class Cumsum(Function):
    contiguous_output = True
    def forward(self, x, dim):
        self.dim = dim
        return backend.array_module(x.array).cumsum(x.array, axis=dim, dtype=x.array.dtype)

    def backward(self, grad):
        return grad.flip(self.dim).cumsum(self.dim).flip(self.dim)


class CumProd(Function):
    contiguous_output = True
    torch_name = 'CumprodBackward0'
    saves_output = True

    def forward(self, x, dim):
        self.save_for_backward(x)
        self.dim = dim
        return backend.array_module(x.array).cumprod(x.array, axis=dim, dtype=x.array.dtype)

    def backward(self, grad):
        """d out_j / d x_i = prod_{k<=j, k!=i} x_k for j >= i. Without zeros: sum_{j>=i} grad_j out_j / x_i.
        With zeros (torch's cumprod_backward): before a slice's first zero z the division is exact; at z the
        product skips x_z, i.e. out_{z-1} * sum_{j>=z} grad_j prod_{z<k<=j} x_k; after z it is 0."""
        x, = self.saved_tensors
        d = self.dim
        if x.shape[d] == 1:   # torch: the gradient itself (out / x would be NaN at inf)
            return grad
        if not builtins.bool((x.array == 0).any()):
            return (grad * self.output).flip(d).cumsum(d).flip(d) / x
        xp = backend.array_module(x.array)
        a, g, out = (xp.moveaxis(t, d, -1) for t in (x.array, grad.array, self.output.array))
        n = a.shape[-1]
        position = xp.arange(n)
        first = xp.where((a == 0).any(-1, keepdims=True), (a == 0).argmax(-1)[..., None], n)
        with backend.numpy.errstate(invalid='ignore', divide='ignore'):
            before = xp.where(position < first, xp.flip(xp.cumsum(xp.flip(g * out, -1), -1), -1) / a, 0)
        after = xp.cumprod(xp.where(position <= first, 1, a), -1)     # prod_{z<k<=j} x_k for j >= z
        tail = xp.flip(xp.cumsum(xp.flip(xp.where(position >= first, g * after, 0), -1), -1), -1)
        prefix = xp.take_along_axis(xp.concatenate([xp.ones_like(a[..., :1]), out], -1), xp.minimum(first, n), -1)
        at_zero = xp.where(position == first, prefix * tail, 0)
        return wrap(xp.moveaxis((before + at_zero).astype(a.dtype), -1, d))


def cumsum(x, dim, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    elif x.array.dtype.kind in 'bui':
        x = cast(x, dtypes.int64.numpy_dtype)
    return Cumsum.apply(x, dim=normalize_dims(dim, x.ndim)[0] if x.ndim else 0) if x.ndim else x.clone()


def cumprod(x, dim, dtype=None):
    if dtype is not None:
        x = x.to(dtype)
    elif x.array.dtype.kind in 'bui':
        x = cast(x, dtypes.int64.numpy_dtype)
    return CumProd.apply(x, dim=normalize_dims(dim, x.ndim)[0]) if x.ndim else x.clone()


class Softmax(Function):
    contiguous_output = True
    saves_output = True

    def forward(self, x, dim):
        self.dim = dim
        xp = backend.array_module(x.array)
        if x.array.size == 0:
            return x.array.copy()
        e = xp.exp(x.array - x.array.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        return e

    def backward(self, grad):
        out = self.output
        return out * (grad - (grad * out).sum(self.dim, keepdim=True))


class LogSoftmax(Function):
    contiguous_output = True
    saves_output = True

    def forward(self, x, dim):
        self.dim = dim
        xp = backend.array_module(x.array)
        if x.array.size == 0:
            return x.array.copy()
        shifted = x.array - x.array.max(axis=dim, keepdims=True)
        shifted -= xp.log(xp.exp(shifted).sum(axis=dim, keepdims=True))
        return shifted

    def backward(self, grad):
        return grad - self.output.exp() * grad.sum(self.dim, keepdim=True)


def _softmax_dim(x, dim, dtype):
    if dtype is not None:
        x = x.to(dtype)
    if dim is None:   # torch's legacy implicit choice
        dim = 0 if x.ndim in (0, 1, 3) else 1
    return floating(x), normalize_dims(dim, x.ndim)[0] if x.ndim else 0


def softmax(x, dim=None, dtype=None):
    x, d = _softmax_dim(x, dim, dtype)
    return Softmax.apply(x, dim=d) if x.ndim else x.new_ones(())


def log_softmax(x, dim=None, dtype=None):
    x, d = _softmax_dim(x, dim, dtype)
    return LogSoftmax.apply(x, dim=d) if x.ndim else x.new_zeros(())


from .vector_norm import norm  # noqa: E402,F401  (Tensor.norm; needs this module's helpers first)
