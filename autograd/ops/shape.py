"""Shape and layout ops: views, permutations, broadcasting, concatenation, flips, repeats, triangles."""
import builtins

from .. import backend
from ..function import Function, Node
from ..tensor import Tensor, _shape_arg
from .reduction import normalize_dims
from .views import (compute_stride, dense_strides_like, infer_shape, is_non_overlapping_and_dense, storage_of,
                    strides_of, with_strides)


def _dim(d, ndim):
    return normalize_dims(d, ndim)[0] if ndim else 0


class View(Function):
    """An op whose output may share the input's memory (reshape, permute, expand, basic slicing). When it does,
    the output shares the input's version counter and remembers the base tensor, as torch's views do, so that
    in-place ops through it are checked and update the base's graph (Tensor._rebase_view)."""
    @classmethod
    def apply(cls, x, **options):
        out = _function_apply(cls, x, **options)
        if out.array.base is not None and storage_of(out.array) is storage_of(x.array):   # no copy was made
            base = getattr(x, '_base', None)
            out._base = x if base is None else base
            out._vc = x._vc
        return out


_function_apply = Function.apply.__func__


class Reshape(View):
    torch_name = 'ViewBackward0'
    def forward(self, x, shape):
        self.in_shape = x.array.shape
        try:
            out = x.array.reshape(shape)
        except ValueError:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {x.array.size}") from None
        if out.base is None or out.size == 0 or x.array.flags.c_contiguous and 1 not in x.array.shape:
            return out   # a copy, or NumPy's strides are torch's (a size-1 dim may carry any stride in either)
        strides = self.view_strides(x.array, out.shape)
        return out if strides is None or strides == strides_of(out) else with_strides(x.array, out.shape, strides)

    def view_strides(self, array, shape):
        """torch's strides for this view of a non-contiguous array (where NumPy may pick others for size-1 dims)."""
        return compute_stride(array.shape, strides_of(array), shape)

    def backward(self, grad):
        return grad.reshape(self.in_shape)


def reshape(x, shape):
    return Reshape.apply(x, shape=infer_shape(_shape_arg(shape), x.array.size))


class Alias(Reshape):
    """x itself as a new node (flatten of one dim, t() of a vector, ...): same shape, same strides."""
    def forward(self, x):
        self.in_shape = x.array.shape
        return x.array.view()


class AliasTranspose(Alias):
    torch_name = 'TransposeBackward0'


class AliasT(Alias):
    torch_name = 'TBackward0'


class AliasExpand(Alias):
    torch_name = 'ExpandBackward0'


def view_of(x, node=Alias):
    """An alias of x in the graph, with x's strides: a no-op transpose/t/expand, still a node of torch's name."""
    return node.apply(x)


view = reshape


def flatten(x, start_dim=0, end_dim=-1):
    if x.ndim == 0:
        return reshape(x, (1,))
    s, e = _dim(start_dim, x.ndim), _dim(end_dim, x.ndim)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if s == e:   # torch returns x itself
        return x
    shape = x.shape
    merged = 1
    for n in shape[s:e + 1]:
        merged *= n
    return reshape(x, shape[:s] + (merged,) + shape[e + 1:])


def unflatten(x, dim, sizes):
    d = _dim(dim, x.ndim)
    return reshape(x, x.shape[:d] + tuple(sizes) + x.shape[d + 1:])


class SqueezeAll(Reshape):
    """x without the given size-1 dims; the other dims keep their strides, as torch's squeeze."""
    torch_name = 'SqueezeBackward0'

    def forward(self, x, dims):
        self.in_shape = x.array.shape
        return x.array.squeeze(axis=dims)


class SqueezeDims(SqueezeAll):
    torch_name = 'SqueezeBackward1'


class Unsqueeze(Reshape):
    """x with a size-1 dim inserted at dim; torch gives it the stride size * stride of the dim after it (1 at
    the end), which NumPy's reshape may not."""
    torch_name = 'UnsqueezeBackward0'

    def forward(self, x, dim):
        a = x.array
        self.in_shape = a.shape
        shape = a.shape[:dim] + (1,) + a.shape[dim:]
        out = a.reshape(shape)
        if a.size == 0 or a.flags.c_contiguous and 1 not in a.shape:
            return out
        strides = strides_of(a)
        want = strides[:dim] + ((a.shape[dim] * strides[dim]) if dim < a.ndim else 1,) + strides[dim:]
        return out if strides_of(out) == want else with_strides(a, shape, want)


def squeeze(x, dim=None):
    if dim is None:
        return SqueezeAll.apply(x, dims=tuple(i for i, s in enumerate(x.shape) if s == 1))
    dims = normalize_dims(dim, x.ndim)
    return SqueezeDims.apply(x, dims=tuple(i for i in dims if x.shape[i] == 1))


def unsqueeze(x, dim):
    rank = x.ndim + 1
    if not -rank <= dim < rank:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})")
    d = dim % rank
    return Unsqueeze.apply(x, dim=d)


class Permute(View):
    def forward(self, x, dims):
        self.dims = dims
        return x.array.transpose(dims)

    def backward(self, grad):
        inverse = [0] * len(self.dims)
        for i, d in enumerate(self.dims):
            inverse[d] = i
        return permute(grad, tuple(inverse))


def permute(x, dims):
    dims = _shape_arg(dims) if dims and isinstance(dims[0], (tuple, list)) else tuple(dims)
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
                           f"length of the desired ordering of dimensions i.e. input.dim() = {x.ndim} is not "
                           f"equal to len(dims) = {len(dims)}")
    dims = tuple(d % builtins.max(x.ndim, 1) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return Permute.apply(x, dims=dims)


def transpose(x, dim0, dim1):
    if x.ndim < 2 and dim0 in (0, -1) and dim1 in (0, -1):
        return view_of(x, AliasTranspose)
    d0, d1 = _dim(dim0, x.ndim), _dim(dim1, x.ndim)
    dims = list(range(x.ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return Transpose.apply(x, dims=tuple(dims))


class Transpose(Permute):
    torch_name = 'TransposeBackward0'


class T(Permute):
    torch_name = 'TBackward0'


def t(x):
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D")
    return T.apply(x, dims=(1, 0)) if x.ndim == 2 else view_of(x, AliasT)


class Expand(View):
    def forward(self, x, shape):
        self.in_shape = x.array.shape
        # a writable view with torch's strides (inferExpandGeometry): fill_, index_put_ and masked_fill_ write
        # through it; a new leading dim of size 1 gets the stride of the dims after it
        lead, old = len(shape) - x.array.ndim, strides_of(x.array)
        strides = [0] * len(shape)
        for i in reversed(range(len(shape) if x.array.ndim else 0)):   # a 0-d tensor expands with strides 0
            size = x.array.shape[i - lead] if i >= lead else 1
            stride = old[i - lead] if i >= lead else (shape[i + 1] * strides[i + 1] if i + 1 < len(shape) else 1)
            strides[i] = 0 if size != shape[i] else stride
        return with_strides(x.array, shape, tuple(strides))

    def backward(self, grad):
        return sum_to(grad, self.in_shape)


def expand(x, sizes):
    sizes = _shape_arg(sizes)
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise RuntimeError(f"expand({x.type()}{{{list(x.shape)}}}, size={list(sizes)}): the number of sizes "
                           f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in "
                           f"the tensor ({x.ndim})")
    shape = tuple(x.shape[i - lead] if s == -1 else s for i, s in enumerate(sizes))
    for i, s in enumerate(x.shape):
        if s != 1 and s != shape[i + lead]:
            raise RuntimeError(f"The expanded size of the tensor ({shape[i + lead]}) must match the existing "
                               f"size ({s}) at non-singleton dimension {i + lead}.  Target sizes: {list(sizes)}."
                               f"  Tensor sizes: {list(x.shape)}")
    if shape == x.array.shape:
        return view_of(x, AliasExpand)
    return Expand.apply(x, shape=shape)


class SumTo(Function):
    def forward(self, x, shape):
        self.in_shape = x.array.shape
        a = x.array
        lead = a.ndim - len(shape)
        axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1 and a.shape[i + lead] != 1)
        out = a.sum(axis=axes, keepdims=True) if axes else a
        return out.reshape(shape)

    def backward(self, grad):
        return expand(grad, self.in_shape)


def sum_to(x, shape):
    """Sum x down to shape: undoes broadcasting (no-op when the shapes already match)."""
    if x.array.shape == tuple(shape):
        return x
    return SumTo.apply(x, shape=tuple(shape))


class Cat(Function):
    contiguous_output = True
    def forward(self, *tensors, dim):
        self.dim = dim
        kept = [t for t in tensors if not _skipped(t)] or tensors
        self.sizes = [t.array.shape[dim] if any(t is k for k in kept) else None for t in tensors]
        return backend.array_module(tensors[0].array).concatenate([t.array for t in kept], axis=dim)

    def backward(self, grad):
        parts = iter(grad.split([s for s in self.sizes if s is not None], self.dim))
        return tuple(grad.new_zeros(0) if s is None else next(parts) for s in self.sizes)


def _skipped(t):
    """torch still lets 1-D empty tensors join any cat (a legacy rule), contributing nothing."""
    return t.array.shape == (0,)


def cat(tensors, dim=0):
    if isinstance(tensors, Tensor):
        raise TypeError("cat(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    from .arithmetic import cast
    from .. import dtypes
    dt = tensors[0].array.dtype
    for t in tensors[1:]:
        dt = dtypes.promote_types(dt, t.array.dtype)
    tensors = [cast(t, dt) for t in tensors]
    shaped = [t for t in tensors if not _skipped(t)] or tensors[:1]
    ref = shaped[0]
    d = _dim(dim, ref.ndim)
    for i, t in enumerate(shaped):
        if t.ndim != ref.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.ndim} and {t.ndim}")
        for k in range(ref.ndim):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(f"Sizes of tensors must match except in dimension {d}. Expected size "
                                   f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list.")
    return Cat.apply(*tensors, dim=d)


class Stack(Function):
    """torch.stack: the tensors joined along a new dim (one node, StackBackward0, as torch's)."""
    contiguous_output = True

    def forward(self, *tensors, dim):
        self.dim = dim
        return backend.array_module(tensors[0].array).stack([t.array for t in tensors], axis=dim)

    def backward(self, grad):
        return tuple(grad.select(self.dim, i) for i in range(grad.shape[self.dim]))


def stack(tensors, dim=0):
    from .arithmetic import cast
    from .. import dtypes
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} at "
                               f"entry 0 and {list(t.shape)} at entry {i}")
    dt = tensors[0].array.dtype
    for t in tensors[1:]:
        dt = dtypes.promote_types(dt, t.array.dtype)
    d = _dim(dim, tensors[0].ndim + 1)
    return Stack.apply(*[cast(t, dt) for t in tensors], dim=d)


def hstack(tensors):
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def vstack(tensors):
    return cat([t.reshape(1, -1) if t.ndim == 1 else t for t in tensors], 0)


class Slice(View):
    """x[index] for a basic index (ints, slices, None, Ellipsis): a view; backward pads with zeros."""
    def name(self):
        """x[index] (getitem): torch applies the index left to right (select, slice, unsqueeze) and the last op
        that did something names the node; a slice over a whole dim does nothing, and an index that did nothing
        is an alias. Internal uses (narrow, split's parts) are torch's slice or select."""
        shape, index = self.args
        if not self.getitem:
            sliced = builtins.any(isinstance(p, slice) and p != slice(None) for p in index)
            return 'SelectBackward0' if not sliced and builtins.any(type(p) is int for p in index) \
                else 'SliceBackward0'
        fill = len(shape) - builtins.sum(1 for p in index if p is not None and p is not Ellipsis)
        name, dim = 'AliasBackward0', 0
        for p in index:
            if p is None:
                name = 'UnsqueezeBackward0'
            elif p is Ellipsis:
                dim += fill
            else:
                if isinstance(p, slice):   # torch's no-op test is on the slice as written (start -3 is a slice)
                    whole = p.start in (None, 0) and p.step in (None, 1) and (p.stop is None or p.stop >= shape[dim])
                    if not whole:
                        name = 'SliceBackward0'
                else:
                    name = 'SelectBackward0'
                dim += 1
        return name

    def forward(self, x, index, getitem=False):
        self.args, self.getitem = (x.array.shape, index), getitem
        out = x.array[index]
        if out.ndim == 0 and out.base is None and Ellipsis not in index:   # NumPy gives a scalar copy for
            out = x.array[index + (Ellipsis,)]                             # x[i, j]; x[i, j, ...] is a view
        if out.size and builtins.any(p is None for p in index):   # NumPy gives a None stride 0, torch does not
            a = x.array
            if a.flags.c_contiguous and out.flags.c_contiguous and 1 not in a.shape:
                out = out.reshape(-1).reshape(out.shape)   # torch's strides here are the row-major ones
            else:
                out = with_strides(out, out.shape, _none_strides(a, index, strides_of(out)))
        return out

    def backward(self, grad):
        return PadInto.apply(grad, shape=self.args[0], index=self.args[1])


def _none_strides(array, index, strides):
    """torch indexes left to right and gives a None the stride of unsqueeze at that point: the size times the
    stride of the input dim it precedes (1 at the end); NumPy gives 0."""
    strides, shape = list(strides), array.shape
    fill = array.ndim - builtins.sum(1 for p in index if p is not None and p is not Ellipsis)
    in_dim = out_dim = 0
    for p in index:
        if p is None:
            strides[out_dim] = (shape[in_dim] * strides_of(array)[in_dim]) if in_dim < array.ndim else 1
            out_dim += 1
        elif p is Ellipsis:
            in_dim, out_dim = in_dim + fill, out_dim + fill
        else:
            in_dim, out_dim = in_dim + 1, out_dim + (not isinstance(p, int))
    return tuple(strides)


class PadInto(Function):
    """zeros(shape) with grad written at a basic index: the adjoint of Slice."""
    def forward(self, g, shape, index):
        self.index = index
        out = backend.array_module(g.array).zeros(shape, dtype=g.array.dtype)
        out[index] = g.array
        return out

    def backward(self, grad):
        return Slice.apply(grad, index=self.index)


def narrow(x, dim, start, length):
    d = _dim(dim, x.ndim)
    if isinstance(start, Tensor):
        start = int(start)
    start = start % x.shape[d] if start < 0 else start
    if start + length > x.shape[d]:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({x.shape[d]}).")
    return Slice.apply(x, index=(slice(None),) * d + (slice(start, start + length),))


def select(x, dim, index):
    d = _dim(dim, x.ndim)
    size = x.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension {d}")
    return Slice.apply(x, index=(slice(None),) * d + (index,))


def split(x, split_size, dim=0):
    d = _dim(dim, x.ndim)
    size = x.shape[d]
    if isinstance(split_size, int):
        if split_size <= 0 and size:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}")
        sizes = [builtins.min(split_size, size - i) for i in range(0, size, split_size)] if size else [0]
    else:
        sizes = list(split_size)
        if builtins.sum(sizes) != size:
            raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
                               f"at dimension {d}), but got split_sizes={sizes}")
    node = Split if isinstance(split_size, int) else SplitWithSizes
    out, start = [], 0
    for s in sizes:
        out.append(node.apply(x, index=(slice(None),) * d + (slice(start, start + s),)))
        start += s
    return tuple(out)


class Split(Slice):
    """One output of split/chunk/unbind: a slice view named as torch's node for that op. (torch records one
    node with an output per piece; here each piece has its own node of that name, over the same input.)"""
    torch_name = 'SplitBackward0'
    name = Node.name


class SplitWithSizes(Split):
    torch_name = 'SplitWithSizesBackward0'


class Unbind(Split):
    torch_name = 'UnbindBackward0'


def chunk(x, chunks, dim=0):
    if chunks <= 0:
        raise RuntimeError("chunk expects `chunks` to be greater than 0, got: " + str(chunks))
    size = x.shape[_dim(dim, x.ndim)]
    return split(x, builtins.max(-(-size // chunks), 1), dim) if size else split(x, [0] * chunks, dim)


def unbind(x, dim=0):
    d = _dim(dim, x.ndim)
    return tuple(Unbind.apply(x, index=(slice(None),) * d + (i,)) for i in range(x.shape[d]))


class Flip(Function):
    def forward(self, x, dims):
        self.dims = dims
        return backend.array_module(x.array).flip(x.array, dims).copy()   # torch's flip copies

    def backward(self, grad):
        return grad.flip(*self.dims)


def flip(x, dims):
    dims = _shape_arg(dims) if dims and isinstance(dims[0], (tuple, list)) else tuple(dims)
    return Flip.apply(x, dims=normalize_dims(dims, x.ndim) if dims else ())


class Roll(Function):
    contiguous_output = True
    def forward(self, x, shifts, dims):
        self.args = (shifts, dims)
        return backend.array_module(x.array).roll(x.array, shifts, dims)

    def backward(self, grad):
        shifts, dims = self.args
        neg = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return Roll.apply(grad, shifts=neg, dims=dims)


def roll(x, shifts, dims=None):
    if isinstance(shifts, list):
        shifts = tuple(shifts)
    if isinstance(dims, list):
        dims = tuple(dims)
    return Roll.apply(x, shifts=shifts, dims=dims)


class Tile(Function):
    torch_name = 'RepeatBackward0'
    """np.tile with reps as long as the (left-padded) input: backward sums the copies."""
    def forward(self, x, reps):
        self.args = (x.array.shape, reps)
        return backend.array_module(x.array).tile(x.array, reps)

    def backward(self, grad):
        shape, reps = self.args
        shape = (1,) * (len(reps) - len(shape)) + tuple(shape)
        interleaved = []
        for r, s in zip(reps, shape):
            interleaved += [r, s]
        g = grad.reshape(interleaved).sum(tuple(range(0, 2 * len(reps), 2)))
        return g.reshape(self.args[0])


def repeat(x, sizes):
    sizes = _shape_arg(sizes)
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of dimensions of "
                           "tensor")
    return Tile.apply(x, reps=sizes)


def tile(x, dims):
    dims = _shape_arg(dims)
    return Tile.apply(x, reps=(1,) * (x.ndim - len(dims)) + dims)


class Triangle(Function):
    def name(self):
        return 'TriuBackward0' if self.args[1] else 'TrilBackward0'

    def forward(self, x, diagonal, upper):
        self.args = (diagonal, upper)
        xp = backend.array_module(x.array)
        return xp.triu(x.array, diagonal) if upper else xp.tril(x.array, diagonal)

    def backward(self, grad):
        return Triangle.apply(grad, diagonal=self.args[0], upper=self.args[1])


def tril(x, diagonal=0):
    return Triangle.apply(x, diagonal=diagonal, upper=False)


def triu(x, diagonal=0):
    return Triangle.apply(x, diagonal=diagonal, upper=True)


def diag(x, diagonal=0):
    """1-D: a matrix with x on a diagonal; 2-D: that diagonal of x."""
    xp = backend.array_module(x.array)
    if x.ndim == 1:
        n = x.shape[0] + builtins.abs(diagonal)
        rows = xp.arange(x.shape[0]) + builtins.max(0, -diagonal)
        return PadInto.apply(x, shape=(n, n), index=(rows, rows + diagonal))
    if x.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    rows = xp.arange(builtins.max(0, -diagonal), builtins.min(x.shape[0], x.shape[1] - diagonal))
    return Slice.apply(x, index=(rows, rows + diagonal))


class Clone(Function):
    def forward(self, x, contiguous):
        a = x.array
        if contiguous or a.size == 0 or a.flags.c_contiguous and 1 not in a.shape:
            return a.copy()
        strides = strides_of(a)   # torch's preserve_format: a dense layout's own strides, else dense ones in
        if not is_non_overlapping_and_dense(a.shape, strides):   # the order of x's strides
            strides = dense_strides_like(a.shape, strides)
        xp = backend.array_module(a)
        out = with_strides(xp.empty(a.size, dtype=a.dtype), a.shape, strides)
        out[...] = a
        return out

    def backward(self, grad):
        return grad


def clone(x, contiguous=False):
    """A copy with its own memory: x's layout where that is dense (torch's preserve_format), else row-major;
    contiguous=True (x.contiguous(), memory_format=contiguous_format) always row-major."""
    return Clone.apply(x, contiguous=contiguous)


class ToDevice(Function):
    def forward(self, x, device):
        self.src = backend.device_of(x.array)
        return backend.to_device(x.array, device)

    def backward(self, grad):
        return to_device(grad, self.src)


def to_device(x, device):
    if backend.device_of(x.array) == device:
        return x
    return ToDevice.apply(x, device=device)
