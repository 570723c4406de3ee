"""Writes at indices: scatter with reduce, scatter_reduce, index_put, index_add, index_copy, index_fill, and
their in-place forms with the memory-overlap checks torch makes before each.

Gradients follow torch's derivatives.yaml and scatter_reduce_backward (torch/csrc/autograd/FunctionsManual.cpp),
written in Tensor ops so that they differentiate again.
"""
import builtins
import warnings

import numpy as np

from .. import backend, grad_mode
from ..function import Function
from ..tensor import Tensor, wrap
from .arithmetic import cast
from .indexing import IndexPut, ScatterAdd, Scatter, _coords, add_at, gather, normalize_index
from .reduction import normalize_dims
from .shape import sum_to
from .views import check_internal_overlap, check_no_overlap, has_internal_overlap, warn_internal_overlap

_UFUNC = {'sum': 'add', 'mean': 'add', 'prod': 'multiply', 'amax': 'maximum', 'amin': 'minimum'}


# ---- argument checks -----------------------------------------------------------------------------
def _dim(x, dim):
    return normalize_dims(dim, x.ndim)[0] if x.ndim else normalize_dims(dim, 1)[0]


def _check_scatter(op, x, dim, index, src):
    """torch's checks of scatter-like arguments (src None for the value form); returns dim normalised."""
    if not isinstance(index, Tensor) or index.array.dtype.kind not in 'iu':
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index")
    if isinstance(src, Tensor) and src.array.dtype != x.array.dtype:
        raise RuntimeError(f"{op}(): Expected self.dtype to be equal to src.dtype")
    d = _dim(x, dim)
    xs, ix = x.shape or (1,), index.shape or (1,)
    if len(ix) != len(xs):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    ss = (src.shape or (1,)) if isinstance(src, Tensor) else None
    if ss is not None and len(ss) != len(ix):
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if builtins.any(i > s for k, (i, s) in enumerate(zip(ix, xs)) if k != d) or \
            (ss is not None and builtins.any(i > s for i, s in zip(ix, ss))):
        extra = f" and to be no larger size than src {list(src.shape)}" if ss is not None else ""
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self {list(x.shape)} apart "
                           f"from dimension {d}{extra}")
    _check_bounds(index, xs[d], d, "index {} is out of bounds for dimension {} with size {}", RuntimeError)
    return d


def _check_bounds(index, size, dim, message, error, negative_ok=False):
    a = index.array
    if a.size == 0:
        return
    low, high = builtins.int(a.min()), builtins.int(a.max())
    if high >= size:
        raise error(message.format(high, dim, size))
    if low < (-size if negative_ok else 0):
        raise error(message.format(low, dim, size))


def _check_index_op(op, x, dim, index, source=None, vector_error=IndexError):
    """torch's checks of index_add/index_copy/index_fill arguments; returns dim normalised."""
    if not isinstance(index, Tensor) or index.array.dtype.kind not in 'iu':
        name = getattr(getattr(index, 'dtype', None), 'scalar_name', type(index).__name__)
        raise RuntimeError(f"{op}(): Expected dtype int32/int64 for index but got: {name}")
    if index.ndim > 1:
        raise vector_error(f"{op}(): Index is supposed to be a vector, but got dim: {index.ndim} with type: "
                           f"{index.dtype.scalar_name} and size: {list(index.shape)}")
    d = _dim(x, dim)
    if source is not None:
        if source.array.dtype != x.array.dtype:
            raise RuntimeError(f"{op}(): self ({x.dtype.scalar_name}) and source ({source.dtype.scalar_name}) must "
                               f"have the same scalar type")
        expected = list(x.shape or (1,))
        expected[d] = index.numel()
        got = list(source.shape or (1,))
        if x.ndim and (source.ndim != x.ndim or builtins.any(a != b for k, (a, b) in
                                                                 enumerate(zip(got, expected)) if k != d)):
            raise RuntimeError(f"source tensor shape must match self tensor shape, excluding the specified "
                               f"dimension. Got self.shape = {list(x.shape)} source.shape = {list(source.shape)}")
        if got[d] != index.numel():
            raise RuntimeError(f"{op}(): Number of indices ({index.numel()}) should be equal to source.size(dim): "
                               f"({got[d]}), for dim: {d}")
    return d


def _along(x, d, index):
    """The index tuple that picks index along dim d (all of every other dim)."""
    return (slice(None),) * d + (index.array.reshape(-1),)


def _as_value(x, value, op):
    """A number (converted to x's dtype, as torch's Scalar is) or a 0-d tensor, as a 0-d tensor of x's dtype."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"{op} only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value.ndim} dimension(s).")
        return cast(value, x.array.dtype)
    return wrap(backend.array_module(x.array).asarray(value).astype(x.array.dtype))


def _flat(x):
    """torch treats a 0-d tensor as one element along dim 0."""
    return x.reshape(1) if x.ndim == 0 else x


def _ufunc_at(xp, name, out, coords, values):
    """getattr(xp, name).at(out, coords, values). CuPy has no multiply.at (no atomic product): there, the
    repeated positions are multiplied in rounds, the k-th occurrence of every position in round k."""
    if xp is np or name != 'multiply':
        return getattr(xp, name).at(out, coords, values)
    coords = xp.broadcast_arrays(*coords)
    flat = xp.ravel_multi_index(tuple(c.reshape(-1) for c in coords), out.shape)
    values = xp.broadcast_to(values, coords[0].shape).reshape(-1)
    order = xp.argsort(flat, kind='stable')
    flat, values = flat[order], values[order]
    first = xp.searchsorted(flat, flat, side='left')
    rank = xp.arange(flat.size) - first
    view = out.reshape(-1) if out.flags.c_contiguous else None
    for r in range(builtins.int(rank.max()) + 1 if rank.size else 0):
        pick = rank == r
        target = flat[pick]
        if view is not None:
            view[target] *= values[pick]
        else:
            idx = xp.unravel_index(target, out.shape)
            out[idx] *= values[pick]


# ---- scatter with reduce, scatter_reduce ---------------------------------------------------------
class ScatterReduce(Function):
    """out = x with src reduced into it at index along dim (include_self: x's value joins the reduction)."""
    saves_output = True

    def forward(self, x, src, index, dim, reduce, include_self):
        self.args = (index, dim, reduce, include_self)
        self.save_for_backward(x, src)
        xp = backend.array_module(x.array)
        out = x.array.copy()
        coords = _coords(xp, index.array, dim)
        values = src.array[tuple(slice(0, s) for s in index.shape)]
        if not include_self:
            identity = {'sum': 0, 'mean': 0, 'prod': 1}.get(reduce)
            if identity is None:
                info = np.finfo(out.dtype) if out.dtype.kind == 'f' else np.iinfo(out.dtype)
                identity = (-np.inf if reduce == 'amax' else np.inf) if out.dtype.kind == 'f' else \
                    (info.min if reduce == 'amax' else info.max)
            out[coords] = identity
        _ufunc_at(xp, _UFUNC[reduce], out, coords, values)
        if reduce == 'mean':
            count = xp.full(out.shape, 1 if include_self else 0, dtype=out.dtype)
            xp.add.at(count, coords, 1)
            count[count == 0] = 1
            out = out / count if out.dtype.kind == 'f' else xp.floor_divide(out, count)
        return out

    def backward(self, grad):
        index, dim, reduce, include_self = self.args
        x, src = self.saved_tensors
        result = self.output
        if reduce == 'sum':
            g_self, g_src = grad, gather(grad, dim, index)
        elif reduce == 'mean':
            n = (grad.new_ones(grad.shape) if include_self else grad.new_zeros(grad.shape))
            n = n.scatter_add(dim, index, grad.new_ones(index.shape))
            n = n.masked_fill(n == 0, 1)
            g_self, g_src = grad / n, gather(grad, dim, index) / gather(n, dim, index)
        elif reduce == 'prod':
            masked_self = x.masked_fill(x == 0, 1)
            g_self = grad * scatter_reduce(masked_self, dim, index, src, reduce, include_self=include_self) / \
                masked_self
            src_zero = src == 0
            zeros_here = gather(x.new_zeros(x.shape).scatter_add(dim, index, src_zero.to(x.dtype)), dim, index)
            single_zero = src_zero & (zeros_here == 1)
            masked_src_result = scatter_reduce(x, dim, index, src.masked_fill(single_zero, 1), reduce,
                                               include_self=include_self)
            g_src = gather(grad * masked_src_result, dim, index).where(
                single_zero, gather(grad * result, dim, index) / src.masked_fill(src_zero, 1))
        else:   # amax, amin: ties share the gradient evenly (torch counts self's tie even when not included)
            value = gather(result, dim, index)
            self_is = (x == result).to(x.dtype)
            src_is = (src == value).to(x.dtype)
            share = grad / self_is.scatter_add(dim, index, src_is)
            g_self, g_src = self_is * share, src_is * gather(share, dim, index)
        if not include_self:
            g_self = g_self.scatter(dim, index, 0.)
        if g_src.shape != src.shape:
            from .indexing import _pad_to
            g_src = _pad_to(g_src, src.shape)
        return g_self, g_src


class ScatterNoGrad(Function):
    """scatter(..., reduce=) has no derivative in torch: the node raises when the backward reaches it."""
    torch_name = 'NotImplemented'

    def name(self):
        return 'torch::autograd::NotImplemented'

    def forward(self, x, src, index, dim, reduce):
        xp = backend.array_module(x.array)
        out = x.array.copy()
        values = src.array if src.ndim == 0 else src.array[tuple(slice(0, s) for s in index.shape)]
        _ufunc_at(xp, 'add' if reduce == 'add' else 'multiply', out, _coords(xp, index.array, dim), values)
        return out

    def backward(self, grad):
        raise RuntimeError("derivative for aten::scatter is not implemented")


class ScatterValue(Scatter):
    torch_name = 'ScatterBackward1'


ScatterNoGrad.__name__ = 'NotImplemented'   # torch's node type; its name() is the qualified one


def scatter(x, dim, index, src=None, value=None, reduce=None):
    """x.scatter(dim, index, src | value, reduce=None|'add'|'multiply'), torch.scatter."""
    src = value if src is None else src
    d = _check_scatter('scatter', x, dim, index, src)
    if reduce is not None and reduce not in ('add', 'multiply'):
        raise RuntimeError("reduce argument must be either add or multiply.")
    flat_x, flat_index = _flat(x), _flat(index)
    is_value = not isinstance(src, Tensor)
    src = _as_value(x, src, 'scatter') if is_value else _flat(src)
    if reduce is not None and not is_value:
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be removed in a "
                      "future PyTorch release. Use torch.scatter_reduce instead for more reduction options.",
                      UserWarning, stacklevel=3)
    if reduce is None:
        out = (ScatterValue if is_value else Scatter).apply(flat_x, src, index=flat_index, dim=d)
    else:
        out = ScatterNoGrad.apply(flat_x, src, index=flat_index, dim=d, reduce=reduce)
    return out.reshape(()) if x.ndim == 0 else out


def scatter_reduce(x, dim, index, src, reduce, *, include_self=True):
    """x.scatter_reduce(dim, index, src, reduce, include_self=True) with reduce sum, prod, mean, amax, amin."""
    if reduce not in _UFUNC:
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_reduce(): argument 'src' (position 3) must be Tensor, not {type(src).__name__}")
    d = _check_scatter('scatter', x, dim, index, src)
    fx, fi, fs = _flat(x), _flat(index), _flat(src)
    out = ScatterReduce.apply(fx, fs, index=fi, dim=d, reduce=reduce, include_self=include_self)
    return out.reshape(()) if x.ndim == 0 else out


def scatter_add(x, dim, index, src):
    d = _check_scatter('scatter_add', x, dim, index, src)
    out = ScatterAdd.apply(_flat(x), _flat(src), index=_flat(index), dim=d)
    return out.reshape(()) if x.ndim == 0 else out


# ---- index_put, index_add, index_copy, index_fill ------------------------------------------------
class IndexPutOut(IndexPut):
    torch_name = 'IndexPutBackward0'


class IndexCopy(IndexPut):
    torch_name = 'IndexCopyBackward0'


class IndexFill(IndexPut):
    torch_name = 'IndexFillBackward0'


class IndexFillTensor(IndexPut):
    torch_name = 'IndexFillBackward1'


class IndexAccumulate(Function):
    """x with v added at index (repeated positions add up): index_put(accumulate=True), index_add."""
    torch_name = 'IndexPutBackward0'

    def forward(self, x, v, index):
        self.args = (index, v.array.shape)
        out = x.array.copy()
        xp = backend.array_module(out)
        add_at(xp, out, index, xp.broadcast_to(v.array, out[index].shape))
        return out

    def backward(self, grad):
        index, v_shape = self.args
        gv = None
        if self.needs_input_grad[1]:
            from .indexing import AdvancedIndex
            picked = AdvancedIndex.apply(grad, index=index)
            gv = sum_to(picked, v_shape) if picked.ndim >= len(v_shape) else picked.reshape(v_shape)
        return grad, gv


class IndexAdd(IndexAccumulate):
    torch_name = 'IndexAddBackward0'


def _int_parts(parts):
    """Boolean masks as the integer arrays they select (ufunc.at and repeated writes want integers)."""
    out = []
    for p in parts:
        if hasattr(p, 'dtype') and p.dtype == np.bool_:
            out.extend(backend.array_module(p).nonzero(p))
        else:
            out.append(p)
    return tuple(out)


def index_put(x, indices, values, accumulate=False):
    """x.index_put(indices, values, accumulate=False): indices a tuple of index tensors (masks allowed)."""
    if not isinstance(values, Tensor):
        raise TypeError(f"index_put(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    for i, t in enumerate(indices):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    if values.array.dtype != x.array.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{x.dtype.scalar_name.capitalize()} for the destination and "
                           f"{values.dtype.scalar_name.capitalize()} for the source.")
    parts, _ = normalize_index(x, tuple(indices))
    parts = _int_parts(parts)
    try:
        target = x.array[parts].shape
    except IndexError as e:
        raise IndexError(str(e).replace('axis', 'dimension')) from None
    try:
        np.broadcast_shapes(values.array.shape, target)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to "
                           f"indexing result of shape {list(target)}") from None
    if accumulate:
        return IndexAccumulate.apply(x, values, index=parts)
    return IndexPutOut.apply(x, values, index=parts)


def index_add(x, dim, index, source, *, alpha=1):
    """x.index_add(dim, index, source, alpha=1): x with alpha * source added at index along dim."""
    d = _check_index_op('index_add_', x, dim, index, source)
    _check_bounds(index, (x.shape or (1,))[d], d, "index out of range in self", IndexError)
    fx, fs = _flat(x), _flat(source)
    if alpha != 1:
        fs = fs * alpha
    out = IndexAdd.apply(fx, fs, index=_along(fx, d, index))
    return out.reshape(()) if x.ndim == 0 else out


def index_copy(x, dim, index, source):
    """x.index_copy(dim, index, source): x with the slices of source written at index along dim."""
    if not isinstance(index, Tensor) or index.array.dtype.kind not in 'iu':
        raise RuntimeError("index_copy_(): Expected a long tensor for index, but got "
                           f"{getattr(getattr(index, 'dtype', None), 'scalar_name', type(index).__name__)}")
    d = _dim(x, dim)
    size = (source.shape or (1,))[d] if source.ndim else 1
    if index.numel() != size:
        raise IndexError(f"index_copy_(): Number of indices ({index.numel()}) should be equal to source.size(dim) "
                         f"({size})")
    if source.array.dtype != x.array.dtype:
        raise RuntimeError(f"index_copy_(): self and source expected to have the same dtype, but got (self) "
                           f"{x.dtype.scalar_name} and (source) {source.dtype.scalar_name}")
    _check_bounds(index, (x.shape or (1,))[d], d, "index_copy_(): index {} is out of bounds for dimension {} "
                  "with size {}", IndexError)
    fx = _flat(x)
    fs = source.reshape(fx.shape[:d] + (index.numel(),) + fx.shape[d + 1:]) if source.ndim != fx.ndim else source
    out = IndexCopy.apply(fx, fs, index=_along(fx, d, index))
    return out.reshape(()) if x.ndim == 0 else out


def index_fill(x, dim, index, value):
    """x.index_fill(dim, index, value): value (a number or a 0-d tensor) at index along dim."""
    d = _check_index_op('index_fill_', x, dim, index)
    _check_bounds(index, (x.shape or (1,))[d], d, "index {} is out of bounds for dimension {} with size {}",
                  IndexError, negative_ok=True)
    op = IndexFillTensor if isinstance(value, Tensor) else IndexFill
    value = _as_value(x, value, 'index_fill_')
    fx = _flat(x)
    xp = backend.array_module(fx.array)
    positions = xp.unique(index.array.reshape(-1) % builtins.max(fx.shape[d], 1))   # each filled once: the
    out = op.apply(fx, value, index=(slice(None),) * d + (positions,))              # value's gradient too
    return out.reshape(()) if x.ndim == 0 else out


# ---- in-place forms ------------------------------------------------------------------------------
def _write(x, op, args, inputs, aliased=None, direct=None, example='tensor[indices] = tensor'):
    """x.<op>_(...): the overlap checks of torch's kernel, then the write.
    aliased: None to refuse a tensor with aliased elements (RuntimeError), else the op name to warn about;
    direct: writes the result straight into x's memory (how torch writes through aliased elements)."""
    if aliased is None:
        check_internal_overlap(x)
    else:
        warn_internal_overlap(x, aliased, example)
    check_no_overlap(x, inputs)
    records = grad_mode.state.enabled and (x.requires_grad or builtins.any(
        isinstance(a, Tensor) and a.requires_grad for a in args))
    if direct is not None and not records and has_internal_overlap(x.array):
        direct()
        x._vc[0] += 1
        return x
    return x._inplace(op, *args, overlap=False)


def scatter_(x, dim, index, src=None, value=None, reduce=None):
    src = value if src is None else src
    return _write(x, lambda s, v: scatter(s, dim, index, v, reduce=reduce), (src,), (index, src))


def scatter_add_(x, dim, index, src):
    return _write(x, lambda s, v: scatter_add(s, dim, index, v), (src,), (index, src))


def scatter_reduce_(x, dim, index, src, reduce, *, include_self=True):
    return _write(x, lambda s, v: scatter_reduce(s, dim, index, v, reduce, include_self=include_self), (src,),
                  (index, src))


def index_add_(x, dim, index, source, *, alpha=1):
    return _write(x, lambda s, v: index_add(s, dim, index, v, alpha=alpha), (source,), (index, source))


def index_copy_(x, dim, index, source):
    return _write(x, lambda s, v: index_copy(s, dim, index, v), (source,), (index, source))


def index_put_(x, indices, values, accumulate=False):
    def direct():
        index_put(x, indices, values, accumulate)   # the argument checks
        parts = _int_parts(normalize_index(x, tuple(indices))[0])
        xp = backend.array_module(x.array)
        if accumulate:
            add_at(xp, x.array, parts, xp.broadcast_to(values.array, x.array[parts].shape))
        else:
            x.array[parts] = values.array
    return _write(x, lambda s, v: index_put(s, indices, v, accumulate), (values,), (*indices, values),
                  aliased='index_put_', direct=direct)


def index_fill_(x, dim, index, value):
    def direct():
        index_fill(x, dim, index, value)
        x.array[_along(x, _dim(x, dim), index)] = value.item() if isinstance(value, Tensor) else value
    return _write(x, lambda s, *v: index_fill(s, dim, index, v[0] if v else value),
                  (value,) if isinstance(value, Tensor) else (), (index,), aliased='index_fill_', direct=direct,
                  example='tensor[mask] = scalar')


def masked_fill_(x, mask, value):
    from .indexing import masked_fill

    def direct():
        masked_fill(x, mask, value)
        x.array[backend.array_module(x.array).broadcast_to(mask.array, x.array.shape)] = \
            value.item() if isinstance(value, Tensor) else value
    return _write(x, lambda s, *v: masked_fill(s, mask, v[0] if v else value),
                  (value,) if isinstance(value, Tensor) else (), (), aliased='masked_fill_', direct=direct,
                  example='tensor[mask] = scalar')
