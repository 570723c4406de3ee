"""Indexing: x[index] and x[index] = v, gather/scatter, index_select, masks, sort/topk/nonzero/unique."""
import builtins
import numbers
import warnings

import numpy as np

from .. import backend, grad_mode
from ..function import Function
from ..tensor import Tensor, wrap
from .arithmetic import Where, as_operand, cast
from .reduction import SelectAlong, normalize_dims, values_indices
from .shape import Slice, sum_to


# ---- x[index] ----------------------------------------------------------------------------------
def _index_part(part, xp, dev):
    if isinstance(part, Tensor):
        if part.ndim == 0 and part.array.dtype.kind in 'iu':
            return builtins.int(part.item())
        return backend.to_device(part.array, dev)
    if isinstance(part, (list, range)):
        arr = np.asarray(part)
        if arr.dtype == object or (arr.size and arr.dtype.kind not in 'iub'):
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return backend.to_device(arr if arr.size else arr.astype(np.int64), dev)
    if isinstance(part, np.ndarray):
        return backend.to_device(part, dev)
    return part


def _list_is_tuple(index):
    """torch (and old NumPy) read x[[a, b]] as x[a, b] when the list holds sequences, tensors, slices, None or
    Ellipsis and is shorter than 32; otherwise the list is one index tensor."""
    if len(index) >= 32 or not builtins.any(isinstance(p, (list, tuple, Tensor, np.ndarray, slice)) or p is None
                                            or p is Ellipsis for p in index):
        return False
    warnings.warn("Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed in "
                  "pytorch 2.9; use x[tuple(seq)] instead of x[seq].", UserWarning, stacklevel=5)
    return True


def normalize_index(x, index):
    """The index as a tuple NumPy/CuPy understands, and whether it is basic (a view, no arrays)."""
    if type(index) is list and _list_is_tuple(index):
        index = tuple(index)
    parts = index if isinstance(index, tuple) else (index,)
    xp, dev = backend.array_module(x.array), backend.device_of(x.array)
    parts = tuple(_index_part(p, xp, dev) for p in parts)
    basic = builtins.all(p is None or p is Ellipsis or isinstance(p, (slice, numbers.Integral)) and
                         not isinstance(p, builtins.bool) for p in parts)
    for p in parts:
        if isinstance(p, slice) and p.step is not None and p.step <= 0:
            raise ValueError("step must be greater than zero")
    if not basic and xp is not np:
        _check_device_bounds(parts, x.array.shape)
    return parts, basic


def _check_device_bounds(parts, shape):
    """CuPy wraps out-of-range index arrays around; check them as NumPy does on the host."""
    used = builtins.sum(0 if p is None or p is Ellipsis else p.ndim if getattr(p, 'dtype', None) == bool else 1
                        for p in parts)
    dim = 0
    for p in parts:
        if p is Ellipsis:
            dim += len(shape) - used
        elif p is not None:
            if getattr(p, 'dtype', None) == bool:
                dim += p.ndim
                continue
            if hasattr(p, 'dtype') and dim < len(shape):
                backend.check_index_bounds(p, shape[dim], dim)
            dim += 1


class AdvancedIndex(Function):
    contiguous_output = True
    torch_name = 'IndexBackward0'
    """x[index] with index arrays (a copy); backward adds the gradient back at those positions."""
    def forward(self, x, index):
        self.args = (x.array.shape, index)
        return x.array[index]

    def backward(self, grad):
        return IndexAdd.apply(grad, shape=self.args[0], index=self.args[1])


class IndexSelect(AdvancedIndex):
    torch_name = 'IndexSelectBackward0'   # index_select's node in torch: the same selection, its own name


class MaskedSelect(AdvancedIndex):
    torch_name = 'MaskedSelectBackward0'


class IndexAdd(Function):
    """zeros(shape) with g added at index (repeated positions accumulate): the adjoint of AdvancedIndex."""
    def forward(self, g, shape, index):
        self.index = index
        xp = backend.array_module(g.array)
        out = xp.zeros(shape, dtype=g.array.dtype)
        add_at(xp, out, index, g.array)
        return out

    def backward(self, grad):
        return AdvancedIndex.apply(grad, index=self.index)


def add_at(xp, out, index, values):
    backend.add_at(out, index, values)


def _split_basic(parts):
    """torch applies integers before index arrays (NumPy mixes them into the advanced part), so index in
    two steps: ints, slices and None as a view, then the arrays on what remains."""
    basic, advanced = [], []
    for p in parts:
        if isinstance(p, numbers.Integral) and not isinstance(p, builtins.bool):
            basic.append(p)
        elif p is None or isinstance(p, slice):
            basic.append(p)
            advanced.append(slice(None))
        elif p is Ellipsis:
            basic.append(p)
            advanced.append(p)
        else:
            basic.append(slice(None))
            advanced.append(p)
    return tuple(basic), tuple(advanced)


def getitem(x, index, node=AdvancedIndex):
    """x[index]; node: the AdvancedIndex class whose name the node of an advanced index takes."""
    parts, basic = normalize_index(x, index)
    try:
        if basic:   # a bare slice is torch's slice op, no-op or not (x[:] is SliceBackward0, x[:, :] an alias)
            return Slice.apply(x, index=parts, getitem=not isinstance(index, slice))
        if builtins.any(isinstance(p, numbers.Integral) for p in parts):
            basic_part, parts = _split_basic(parts)
            x = Slice.apply(x, index=basic_part, getitem=True)
        return node.apply(x, index=parts)
    except IndexError as e:
        raise IndexError(str(e).replace('axis', 'dimension')) from None


def view_index(view, base):
    """Index arrays that pick the elements of array view out of array base, whose memory view shares."""
    xp = backend.array_module(base)
    item = base.itemsize

    def memory_offsets(a, start):   # offset of each element from base's start, in elements
        offsets = xp.asarray(start, dtype=np.int64)
        for n, stride in zip(a.shape, a.strides):
            offsets = offsets[..., None] + xp.arange(n, dtype=np.int64) * (stride // item)
        return offsets

    base_offsets = memory_offsets(base, 0).reshape(-1)
    low = builtins.int(base_offsets.min())
    lookup = xp.zeros(builtins.int(base_offsets.max()) - low + 1, dtype=np.int64)
    lookup[base_offsets - low] = xp.arange(base.size, dtype=np.int64)
    flat = lookup[memory_offsets(view, (_address(view) - _address(base)) // item) - low]
    return tuple(xp.unravel_index(flat, base.shape))


def _address(array):
    return array.ctypes.data if isinstance(array, np.ndarray) else array.data.ptr


class IndexPut(Function):
    """A copy of x with values written at index (the out-of-place form of x[index] = v)."""
    torch_name = 'CopySlices'
    def forward(self, x, v, index):
        self.args = (index, v.array.shape)
        out = x.array.copy()
        out[index] = v.array
        return out

    def backward(self, grad):
        index, v_shape = self.args
        gx = gv = None
        if self.needs_input_grad[0]:
            gx = IndexPut.apply(grad, grad.new_zeros(()), index=index)
        if self.needs_input_grad[1]:
            picked = Slice.apply(grad, index=index) if _is_basic(index) else AdvancedIndex.apply(grad, index=index)
            gv = sum_to(picked, v_shape) if picked.ndim >= len(v_shape) else picked.reshape(v_shape)
        return gx, gv


def _is_basic(index):
    return builtins.all(p is None or p is Ellipsis or isinstance(p, (slice, numbers.Integral)) for p in index)


def setitem(x, index, value):
    parts, _ = normalize_index(x, index)
    value = as_operand(value, x) if not isinstance(value, Tensor) else value
    if value.array.dtype != x.array.dtype:
        value = cast(value, x.array.dtype)
    _check_setitem_overlap(x, parts, value)
    if grad_mode.state.enabled and (x.requires_grad or value.requires_grad):
        x._inplace(lambda s, v: IndexPut.apply(s, v, index=parts), value, overlap=False)
        return
    if x.requires_grad and x.is_leaf and grad_mode.state.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    try:
        x.array[parts] = backend.to_device(value.array, x.device)
    except IndexError as e:
        raise IndexError(str(e).replace('axis', 'dimension')) from None
    except ValueError as e:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
                           f"indexing result: {e}") from None
    x._vc[0] += 1


def _check_setitem_overlap(x, parts, value):
    """torch's checks: x[basic] = v is a copy_ into the view (no aliased elements in the view, v not a part
    of it); x[index arrays] = v is an index_put_ into the view the ints and slices select (a warning for
    aliased elements, and v may not share its memory at all)."""
    from .views import check_elementwise_write, check_no_overlap, warn_internal_overlap
    if _is_basic(parts):
        target = x.array[parts]
        if isinstance(target, np.ndarray) or not isinstance(target, np.generic):
            check_elementwise_write(wrap(target), (value,))
        return
    basic_part, _ = _split_basic(parts)
    target = wrap(x.array[basic_part])
    warn_internal_overlap(target, 'index_put_')
    check_no_overlap(target, (value,))


# ---- gather / scatter --------------------------------------------------------------------------
def _coords(xp, index, dim):
    """Full coordinates for scatter-style ops: index along dim, position elsewhere."""
    coords = []
    for a in range(index.ndim):
        if a == dim:
            coords.append(index)
        else:
            shape = [1] * index.ndim
            shape[a] = index.shape[a]
            coords.append(xp.arange(index.shape[a]).reshape(shape))
    return tuple(coords)


def _check_index(op, x, dim, index):
    if index.array.dtype.kind not in 'iu':
        raise RuntimeError(f"{op}(): Expected dtype int64 for index")
    if index.ndim != x.ndim and not (x.ndim <= 1 and index.ndim <= 1):   # torch lets 0-d and 1-d mix
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    d = normalize_dims(dim, x.ndim)[0] if x.ndim else 0
    backend.check_index_bounds(index.array, x.shape[d] if x.ndim else 1, d, RuntimeError, host=True, negative=False)
    return d


class Gather(Function):
    def forward(self, x, index, dim):
        self.args = (x.array.shape, index, dim)
        xp = backend.array_module(x.array)
        idx = index.array
        if idx.size and (idx.max() >= x.array.shape[dim] or idx.min() < -x.array.shape[dim]):
            raise RuntimeError(f"gather(): index {builtins.int(idx.max())} is out of bounds for dimension {dim} "
                               f"with size {x.array.shape[dim]}")
        return x.array[_coords(xp, idx, dim)]

    def backward(self, grad):
        shape, index, dim = self.args
        return ScatterAdd.apply(grad.new_zeros(shape), grad, index=index, dim=dim)


def gather(x, dim, index):
    d = _check_index('gather', x, dim, index)
    if index.ndim == 0 and x.ndim == 1:
        return Gather.apply(x, index=index.reshape(1), dim=d).reshape(())
    return Gather.apply(x, index=index, dim=d)


class Scatter(Function):
    def forward(self, x, src, index, dim):
        self.args = (index, dim, src.array.shape)
        xp = backend.array_module(x.array)
        out = x.array.copy()
        coords = _coords(xp, index.array, dim)
        out[coords] = src.array if src.array.ndim == 0 else src.array[tuple(slice(0, s) for s in index.shape)]
        return out

    def backward(self, grad):
        index, dim, src_shape = self.args
        gx = Scatter.apply(grad, grad.new_zeros(()), index=index, dim=dim) if self.needs_input_grad[0] else None
        gs = None
        if self.needs_input_grad[1]:
            gs = gather(grad, dim, index)
            if gs.shape != src_shape:
                gs = _pad_to(gs, src_shape)
        return gx, gs


class ScatterAdd(Function):
    def forward(self, x, src, index, dim):
        self.args = (index, dim, src.array.shape)
        xp = backend.array_module(x.array)
        out = x.array.copy()
        add_at(xp, out, _coords(xp, index.array, dim), src.array[tuple(slice(0, s) for s in index.shape)])
        return out

    def backward(self, grad):
        index, dim, src_shape = self.args
        gs = None
        if self.needs_input_grad[1]:
            gs = gather(grad, dim, index)
            if gs.shape != src_shape:
                gs = _pad_to(gs, src_shape)
        return grad, gs


def _pad_to(g, shape):
    from .shape import PadInto
    return PadInto.apply(g, shape=shape, index=tuple(slice(0, s) for s in g.shape))


def scatter(x, dim, index, src):
    d = _check_index('scatter', x, dim, index)
    if index.ndim == 0 and x.ndim == 1:
        index = index.reshape(1)
    src = as_operand(src, x) if not isinstance(src, Tensor) else src
    return Scatter.apply(x, cast(src, x.array.dtype), index=index, dim=d)


def scatter_add(x, dim, index, src):
    d = _check_index('scatter_add', x, dim, index)
    return ScatterAdd.apply(x, cast(src, x.array.dtype), index=index, dim=d)


def index_select(x, dim, index):
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    d = normalize_dims(dim, x.ndim)[0] if x.ndim else 0
    backend.check_index_bounds(index.array, x.shape[d] if x.ndim else 1, d, host=True,
                               message="index out of range in self")
    if x.ndim == 0:   # a scalar: one index (0) picks the scalar itself, as torch's
        if index.numel() != 1:
            raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index.numel()} "
                               f"value(s)")
        return IndexSelect.apply(x, index=())
    return getitem(x, (slice(None),) * d + (index.reshape(-1),), IndexSelect)


def masked_fill(x, mask, value):
    if not isinstance(mask, Tensor) or mask.array.dtype != np.bool_:
        raise RuntimeError("masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{getattr(mask, 'dtype', type(mask).__name__)}")
    if isinstance(value, Tensor) and value.ndim != 0:
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                           f"{value.ndim} dimension(s).")
    value = cast(as_operand(value, x) if not isinstance(value, Tensor) else value, x.array.dtype)
    return MaskedFill.apply(mask, value, x)


class MaskedFill(Where):
    contiguous_output = True
    torch_name = 'MaskedFillBackward0'


def masked_select(x, mask):
    shape = np.broadcast_shapes(x.shape, mask.shape)
    return getitem(x.expand(shape), mask.expand(shape), MaskedSelect)


# ---- sorting and searching ---------------------------------------------------------------------
def _sort_indices(xp, a, d, descending):
    """A stable argsort along d. Descending: a stable ascending sort of the reversed data, reversed: ties keep
    their order, NaN (NumPy's largest) comes first, and no negation overflows an integer minimum."""
    if descending:
        flipped = xp.argsort(xp.flip(a, d), axis=d, kind='stable')
        return a.shape[d] - 1 - xp.flip(flipped, d)
    return xp.argsort(a, axis=d, kind='stable')


def sort(x, dim=-1, descending=False):
    xp = backend.array_module(x.array)
    if x.ndim == 0:
        return values_indices(x.clone(), wrap(xp.zeros((), dtype=np.int64)), 'sort')
    d = normalize_dims(dim, x.ndim)[0]
    idx = wrap(_sort_indices(xp, x.array, d, descending))
    return values_indices(SelectAlong.apply(x, indices=idx, dim=d, keepdim=True, node_name='SortBackward0'), idx,
                          'sort')


def topk(x, k, dim=-1, largest=True):
    """The k largest (smallest) along dim, in order, ties in index order. Both results are fresh row-major
    tensors, as torch's (so view() of them views where torch's does)."""
    d = normalize_dims(dim, x.ndim)[0] if x.ndim else 0
    if k > (x.shape[d] if x.ndim else 1):
        raise RuntimeError("selected index k out of range")
    if x.ndim == 0:
        values, indices = sort(x, d, descending=largest)
        return values_indices(values, indices, 'topk')
    xp = backend.array_module(x.array)
    order = _sort_indices(xp, x.array, d, largest)
    idx = wrap(xp.ascontiguousarray(order[(slice(None),) * d + (slice(0, k),)]))
    return values_indices(SelectAlong.apply(x, indices=idx, dim=d, keepdim=True, node_name='TopkBackward0'), idx,
                          'topk')


def nonzero(x, as_tuple=False):
    xp = backend.array_module(x.array)
    found = xp.nonzero(x.array if x.ndim else x.array.reshape(1))
    if as_tuple:
        return tuple(wrap(i.astype(np.int64)) for i in found)
    return wrap(xp.stack(found, axis=1).astype(np.int64) if found else xp.zeros((0, 0), dtype=np.int64))

