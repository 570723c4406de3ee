"""Memory layout as torch reports it: strides and storage offsets in elements, contiguity, torch's rule for
which shapes view() can reach, as_strided, and the memory-overlap checks every write performs.

A tensor's storage is the NumPy/CuPy array that owns its memory (followed through `.base`); strides are the
array's byte strides divided by the item size. torch's algorithms are transcribed from ATen:
compute_contiguous / compute_non_overlapping_and_dense (c10/core/Contiguity.h), computeStride
(aten/src/ATen/TensorUtils.cpp), has_internal_overlap / get_overlap_status (aten/src/ATen/MemoryOverlap.cpp).
"""
import builtins
import warnings

import numpy as np

from .. import backend
from ..function import Function
from ..tensor import Tensor, _shape_arg, wrap

INTERNAL_OVERLAP = ("unsupported operation: more than one element of the written-to tensor refers to a single "
                    "memory location. Please clone() the tensor before performing the operation.")
PARTIAL_OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
                   "single memory location. Please clone() the tensor before performing the operation.")
NOT_VIEWABLE = ("view size is not compatible with input tensor's size and stride (at least one dimension spans "
                "across two contiguous subspaces). Use .reshape(...) instead.")


# ---- strides, storage, contiguity --------------------------------------------------------------
def contiguous_strides(shape):
    """torch's strides of a fresh tensor of this shape (an empty dim counts as size 1)."""
    strides, step = [], 1
    for n in reversed(shape):
        strides.append(step)
        step *= builtins.max(n, 1)
    return tuple(reversed(strides))


def strides_of(array):
    """Element strides. NumPy gives every empty array zero strides; torch reports a fresh tensor's."""
    if array.size == 0:
        return contiguous_strides(array.shape)
    item = array.itemsize
    return tuple([s // item for s in array.strides])


def _address(array):
    return array.ctypes.data if isinstance(array, np.ndarray) else array.data.ptr


def storage_of(array):
    """The array that owns array's memory: the last array on its `.base` chain (as_strided puts a plain
    object holding the array interface on that chain, so walk through everything that has a base)."""
    root, obj = array, array.base
    while obj is not None:
        if isinstance(obj, type(array)):
            root = obj
        obj = getattr(obj, 'base', None)
    return root


def storage_offset_of(array):
    return (_address(array) - _address(storage_of(array))) // array.itemsize


class memory_format:
    """torch.contiguous_format, torch.preserve_format, torch.channels_last."""
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return 'autograd.' + self.name


contiguous_format, preserve_format, channels_last = (memory_format(n) for n in
                                                     ('contiguous_format', 'preserve_format', 'channels_last'))


def is_contiguous(shape, strides, memory_format=None):
    """torch's compute_contiguous: row-major, size-1 dims ignored, empty tensors contiguous.
    memory_format=channels_last: a 4-D tensor whose dims in the order C, W, H, N are row-major."""
    if memory_format is not None and memory_format.name == 'channels_last':
        if len(shape) != 4:
            return False
        expected = 1
        for d in (1, 3, 2, 0):
            if shape[d] != 1:
                if strides[d] != expected:
                    return False
                expected *= shape[d]
        return True
    if 0 in shape:
        return True
    expected = 1
    for n, s in zip(reversed(shape), reversed(strides)):
        if n != 1:
            if s != expected:
                return False
            expected *= n
    return True


def is_non_overlapping_and_dense(shape, strides):
    """Some permutation of the dims is contiguous (torch's compute_non_overlapping_and_dense)."""
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    order = sorted((d for d in range(len(shape)) if shape[d] >= 2), key=lambda d: strides[d])
    expected = 1
    for d in order:
        if strides[d] != expected:
            return False
        expected *= shape[d]
    return True


def dense_strides_like(shape, strides):
    """Dense strides that keep the order of strides (torch's infer_dense_strides: insertion sort of the dims
    by stride, ties broken by size, dims with stride 0 left in place)."""
    perm = list(range(len(shape) - 1, -1, -1))

    def should_swap(d0, d1):
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if shape[d0] > shape[d1] else 0

    for i in range(1, len(perm)):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    out, step = [0] * len(shape), 1
    for d in perm:
        out[d] = step
        step *= builtins.max(shape[d], 1)
    return tuple(out)


def compute_stride(old_shape, old_strides, new_shape):
    """The strides of a view of (old_shape, old_strides) as new_shape, or None where no view exists
    (torch's computeStride: dims that are contiguous with each other form chunks a view may regroup)."""
    if not old_shape:   # a 0-d tensor views as any shape of one element, strides 1
        return (1,) * len(new_shape)
    numel = 1
    for n in old_shape:
        numel *= n
    if numel == 0:
        return tuple(old_strides) if tuple(old_shape) == tuple(new_shape) else contiguous_strides(new_shape)
    new_strides = [0] * len(new_shape)
    view_d = len(new_shape) - 1
    chunk_base_stride = old_strides[-1] if old_strides else 1
    tensor_numel, view_numel = 1, 1
    for tensor_d in range(len(old_shape) - 1, -1, -1):
        tensor_numel *= old_shape[tensor_d]
        if tensor_d == 0 or (old_shape[tensor_d - 1] != 1 and
                             old_strides[tensor_d - 1] != tensor_numel * chunk_base_stride):
            while view_d >= 0 and (view_numel < tensor_numel or new_shape[view_d] == 1):
                new_strides[view_d] = view_numel * chunk_base_stride
                view_numel *= new_shape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if tensor_d > 0:
                chunk_base_stride = old_strides[tensor_d - 1]
                tensor_numel, view_numel = 1, 1
    if view_d != -1:
        return None
    return tuple(new_strides)


def infer_shape(shape, numel):
    """shape with its one -1 resolved; torch's RuntimeError when it cannot hold numel elements."""
    shape = tuple(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for i, n in enumerate(shape):
        if n != -1:
            if n < 0:
                raise RuntimeError(f"invalid shape dimension {n} at index {i} of shape {list(shape)}")
            known *= n
    if -1 in shape:
        if known == 0:
            raise RuntimeError(f"cannot reshape tensor of 0 elements into shape {list(shape)} because the "
                               f"unspecified dimension size -1 can be any value and is ambiguous")
        if numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if n == -1 else n for n in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def with_strides(array, shape, strides):
    """A view of array's memory, starting at its first element, with these element strides.
    On NumPy it is built on the owning array's buffer (ten times faster than as_strided, and its base is
    then the storage itself)."""
    item = array.itemsize
    strides = tuple(s * item for s in strides)
    if isinstance(array, np.ndarray):
        try:
            if array.flags.c_contiguous or array.flags.f_contiguous:   # its own buffer starts at its first element
                return np.ndarray(shape, array.dtype, array, 0, strides)
            root = storage_of(array)
            return np.ndarray(shape, array.dtype, root, _address(array) - _address(root), strides)
        except (TypeError, ValueError, BufferError):   # a storage that exports no buffer
            pass
    return backend.array_module(array).lib.stride_tricks.as_strided(array, shape, strides)


# ---- view and as_strided -------------------------------------------------------------------------
def view(x, shape):
    """x.view(*shape): a view sharing x's memory, with the strides torch's computeStride gives for x's shape and
    strides; RuntimeError (torch's words) where no strides over x's memory give the new shape.

    The rule reads x's own strides, whatever op made them: ops return torch's layout (row-major where torch's
    kernels allocate a fresh tensor, the input's layout where its TensorIterator keeps it; tests/test_views.py
    compares them), so view() views and refuses where torch does."""
    shape = infer_shape(_shape_arg(shape), x.array.size)
    if not x.array.flags.c_contiguous and compute_stride(x.array.shape, strides_of(x.array), shape) is None:
        raise RuntimeError(NOT_VIEWABLE)
    return _reshape_op().apply(x, shape=shape)


def _reshape_op():
    """shape.Reshape (shape.py imports this module, so the name is looked up on first use)."""
    global _RESHAPE
    if _RESHAPE is None:
        from .shape import Reshape
        _RESHAPE = Reshape
    return _RESHAPE


_RESHAPE = None


class AsStrided(Function):
    """x.as_strided(size, stride, storage_offset): a view of x's storage with any geometry.
    Backward (torch's as_strided_backward): add the gradient into a zero storage at the output's positions,
    read it back at x's positions, and divide where several of x's own elements are one memory location."""
    def forward(self, x, size, stride, offset):
        storage = storage_of(x.array)
        self.geometry = (x.array.shape, strides_of(x.array), storage_offset_of(x.array), size, stride, offset)
        return with_strides(storage.reshape(-1, order='A')[offset:], size, stride)

    def backward(self, grad):
        in_shape, in_strides, in_offset, size, stride, offset = self.geometry
        xp = backend.array_module(grad.array)
        out_pos, in_pos = _positions(xp, size, stride, offset), _positions(xp, in_shape, in_strides, in_offset)
        g = StorageMove.apply(grad, src=out_pos, dst=in_pos)
        if not is_non_overlapping_and_dense(in_shape, in_strides):
            count = xp.zeros(_length(out_pos, in_pos), dtype=grad.array.dtype)
            xp.add.at(count, in_pos.reshape(-1), 1)
            g = g / wrap(count[in_pos])
        return g


class StorageMove(Function):
    """Add g (laid out at storage positions src) into a zero storage and read it at positions dst.
    Its adjoint is the same move from dst to src."""
    torch_name = 'AsStridedBackward0'

    def forward(self, g, src, dst):
        self.args = (src, dst)
        xp = backend.array_module(g.array)
        storage = xp.zeros(_length(src, dst), dtype=g.array.dtype)
        xp.add.at(storage, src.reshape(-1), g.array.reshape(-1))
        return storage[dst]

    def backward(self, grad):
        src, dst = self.args
        return StorageMove.apply(grad, src=dst, dst=src)


def _length(*positions):
    return builtins.max([builtins.int(p.max()) + 1 for p in positions if p.size] or [0])


def _positions(xp, shape, strides, offset):
    """The storage position of every element of a (shape, strides, offset) geometry, as an int64 array."""
    pos = xp.full((), offset, dtype=np.int64)
    for n, s in zip(shape, strides):
        pos = pos[..., None] + xp.arange(n, dtype=np.int64) * s
    return pos


def as_strided(x, size, stride, storage_offset=None):
    size, stride = _shape_arg(size), _shape_arg(stride)
    if len(size) != len(stride):
        raise RuntimeError("mismatch in length of strides and shape")
    if builtins.any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, got strides: "
                           f"{list(stride)}")
    offset = storage_offset_of(x.array) if storage_offset is None else builtins.int(storage_offset)
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    storage = storage_of(x.array)
    item = x.array.itemsize
    if builtins.all(n > 0 for n in size):
        needed = (offset + builtins.sum((n - 1) * s for n, s in zip(size, stride)) + 1) * item
    else:
        needed = 0
    if needed > storage.nbytes:
        raise RuntimeError(f"setStorage: sizes {list(size)}, strides {list(stride)}, storage offset {offset}, and "
                           f"itemsize {item} requiring a storage size of {needed} are out of bounds for storage of "
                           f"size {storage.nbytes}")
    out = AsStrided.apply(x, size=size, stride=stride, offset=offset)
    base = x._base
    out._base = x if base is None else base
    out._vc = x._vc
    return out


# ---- memory overlap checks of writes -------------------------------------------------------------
def has_internal_overlap(array):
    """True where two elements of array are one memory location (a stride 0 on a dim longer than 1).
    torch leaves other overlapping layouts unchecked ('too hard'), and so does this."""
    if array.size < 2 or 0 not in array.strides:
        return False
    return builtins.any(s == 0 and n > 1 for n, s in zip(array.shape, array.strides))


def overlap_status(a, b):
    """'full', 'partial' or None, as torch's get_overlap_status: only dense layouts are compared."""
    if a is b:
        return 'full'
    if a.size == 0 or b.size == 0:
        return None
    if storage_of(a) is not storage_of(b):
        return None
    sa, sb = strides_of(a), strides_of(b)
    if not (is_non_overlapping_and_dense(a.shape, sa) and is_non_overlapping_and_dense(b.shape, sb)):
        return None
    a_begin, b_begin = _address(a), _address(b)
    a_end, b_end = a_begin + a.nbytes, b_begin + b.nbytes
    if a_begin == b_begin and a_end == b_end:
        return 'full' if sa == sb else 'partial'
    if a_begin < b_end and b_begin < a_end:
        return 'partial'
    return None


def check_internal_overlap(out):
    if has_internal_overlap(out.array):
        raise RuntimeError(INTERNAL_OVERLAP)


def warn_internal_overlap(out, op, example='tensor[indices] = tensor'):
    """index_put_, masked_fill_ and index_fill_ still write into expanded tensors, with torch's warning."""
    if has_internal_overlap(out.array):
        warnings.warn(f"Use of {op} on expanded tensors is deprecated. Please clone() the tensor before "
                      f"performing this operation. This also applies to advanced indexing e.g. {example}",
                      UserWarning, stacklevel=4)


def check_partial_overlap(out, inputs):
    """An elementwise write (in-place op, copy_, out=): each input may be the output itself, not a part of it."""
    for t in inputs:
        if isinstance(t, Tensor) and overlap_status(out.array, t.array) == 'partial':
            raise RuntimeError(PARTIAL_OVERLAP)


def check_no_overlap(out, inputs):
    """A scatter-like write (scatter_, index_add_, index_copy_, index_put_): no input may share the output's memory."""
    for t in inputs:
        if isinstance(t, Tensor) and overlap_status(out.array, t.array) is not None:
            raise RuntimeError(PARTIAL_OVERLAP)


def check_elementwise_write(out, inputs):
    """What torch's TensorIterator checks before writing out: no internal overlap, no partial overlap."""
    check_internal_overlap(out)
    check_partial_overlap(out, inputs)


def check_out_write(out, args):
    """fn(*args, out=out): out may not alias itself nor overlap an input (a tensor or a list of them) in part."""
    check_internal_overlap(out)
    for a in args:
        check_partial_overlap(out, a if isinstance(a, (list, tuple)) else (a,))


def check_broadcasts_to(shape, target):
    """torch's RuntimeError where a value of `shape` cannot be written into a tensor of shape `target`."""
    from ..function import broadcast_error
    message = broadcast_error([target, shape])
    if message is not None:
        raise RuntimeError(message)
    if len(shape) > len(target) or builtins.any(a != b and a != 1 for a, b in zip(shape[::-1], target[::-1])):
        result = tuple(np.broadcast_shapes(tuple(shape), tuple(target)))
        raise RuntimeError(f"output with shape {list(target)} doesn't match the broadcast shape {list(result)}")
