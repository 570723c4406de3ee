"""Shape, indexing and distance functions composed from the differentiable primitives (gather, scatter,
cat, permute, matmul, norms), so their gradients follow: meshgrid, movedim, tensor_split, rot90,
block_diag, take_along_dim, put, masked_scatter, kron, tensordot, cdist, cosine_similarity, ...
"""
import builtins
import itertools

import numpy as np

from .. import backend
from ..function import Function
from ..tensor import Tensor, wrap
from .reduction import normalize_dims
from .shape import cat, stack


def _xp(x):
    return backend.array_module(x.array)


def _dims(dims, ndim):
    return [d % builtins.max(ndim, 1) for d in ((dims,) if isinstance(dims, int) else dims)]


def _tensors(args):
    return list(args[0]) if len(args) == 1 and isinstance(args[0], (list, tuple)) else list(args)


# ---- layout ------------------------------------------------------------------------------------
def movedim(x, source, destination):
    src, dst = _dims(source, x.ndim), _dims(destination, x.ndim)
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
                           f"contain the same number of dims as destination ({list(dst)} dims)")
    order = [d for d in range(x.ndim) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return x.permute(*order) if x.ndim else x


def meshgrid(*tensors, indexing='ij'):
    ts = _tensors(tensors)
    if indexing not in ('ij', 'xy'):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: {indexing}")
    swap = indexing == 'xy' and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.numel() for t in ts]
    out = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = -1
        out.append(t.reshape(view).expand(*shape))
    if swap:   # 'xy': the first two inputs trade places, and so do their grids
        out[0], out[1] = out[1], out[0]
    return tuple(out)


def cartesian_prod(*tensors):
    ts = _tensors(tensors)
    if len(ts) == 1:
        return ts[0]
    return stack([g.reshape(-1) for g in meshgrid(*ts, indexing='ij')], 1)


def combinations(x, r=2, with_replacement=False):
    if x.ndim != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(x.shape)}")
    pick = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    idx = list(pick(range(x.shape[0]), r))
    index = wrap(_xp(x).asarray(np.array(idx, dtype=np.int64).reshape(len(idx), r)))
    return x[index]


def _tri_indices(row, col, offset, upper, dtype, device):
    from ..creation import tensor
    mask = np.triu(np.ones((row, col), bool), offset) if upper else np.tril(np.ones((row, col), bool), offset)
    return tensor(np.stack(np.nonzero(mask)).astype(np.int64), dtype=dtype, device=device)


def triu_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, True, dtype, device)


def tril_indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
    return _tri_indices(row, col, offset, False, dtype, device)


def tensor_split(x, indices_or_sections, dim=0):
    d = normalize_dims(dim, x.ndim)[0]
    n = x.shape[d]
    if isinstance(indices_or_sections, Tensor):
        indices_or_sections = indices_or_sections.tolist()
    if isinstance(indices_or_sections, int):
        k = indices_or_sections
        if k <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {k}")
        sizes = [n // k + 1] * (n % k) + [n // k] * (k - n % k)
        bounds = list(itertools.accumulate([0] + sizes))
    else:
        bounds = [0] + [builtins.min(builtins.max(i if i >= 0 else i + n, 0), n) for i in indices_or_sections] + [n]
    out = []
    for a, b in zip(bounds[:-1], bounds[1:]):
        a = builtins.min(a, n)
        out.append(x.narrow(d, a, builtins.max(b - a, 0)))
    return tuple(out)


def _split_n(x, sections, dim, name, min_dims):
    if x.ndim < min_dims:
        raise RuntimeError(f"torch.{name} requires a tensor with at least {min_dims} dimension, but got a tensor "
                           f"with {x.ndim} dimensions!")
    if isinstance(sections, int) and x.shape[dim] % sections:
        raise RuntimeError(f"torch.{name} attempted to split along dimension {dim}, but the size of the dimension "
                           f"{x.shape[dim]} is not divisible by the split_size {sections}!")
    return tensor_split(x, sections, dim)


def hsplit(x, sections): return _split_n(x, sections, 1 if x.ndim > 1 else 0, 'hsplit', 1)
def vsplit(x, sections): return _split_n(x, sections, 0, 'vsplit', 2)
def dsplit(x, sections): return _split_n(x, sections, 2, 'dsplit', 3)


def _atleast(n, tensors):
    """0-d -> (1,), (1, 1), (1, 1, 1); 1-d (k,) -> (1, k), (1, k, 1); 2-d (m, k) -> (m, k, 1) for 3-d."""
    out = []
    for t in _tensors(tensors):
        if t.ndim < n:
            if t.ndim == 0:
                t = t.reshape((1,) * n)
            elif t.ndim == 1:   # as torch's ATen: unsqueezes (UnsqueezeBackward0 nodes), not a reshape
                t = t.unsqueeze(0) if n == 2 else t.unsqueeze(0).unsqueeze(-1)
            else:
                t = t.unsqueeze(-1)
        out.append(t)
    return out[0] if len(tensors) == 1 and not isinstance(tensors[0], (list, tuple)) else tuple(out)


def atleast_1d(*tensors): return _atleast(1, tensors)
def atleast_2d(*tensors): return _atleast(2, tensors)
def atleast_3d(*tensors): return _atleast(3, tensors)


def broadcast_shapes(*shapes):
    from ..tensor import Size
    try:
        return Size(np.broadcast_shapes(*[(s,) if isinstance(s, int) else tuple(s) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape: {list(shapes)}") from None


def broadcast_tensors(*tensors):
    ts = _tensors(tensors)
    shape = broadcast_shapes(*[t.shape for t in ts])
    return tuple(t if t.shape == shape else t.broadcast_to(tuple(shape)) for t in ts)   # torch: same-shape inputs as they are


def rot90(x, k=1, dims=(0, 1)):
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    d0, d1 = _dims(dims, x.ndim)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return x.flip(d1).transpose(d0, d1)
    if k == 2:
        return x.flip((d0, d1))
    if k == 3:
        return x.flip(d0).transpose(d0, d1)
    return x.clone()


def fliplr(x):
    if x.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return x.flip(1)


def flipud(x):
    if x.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return x.flip(0)


class BlockDiag(Function):
    """torch.block_diag: the inputs (0-d as 1x1, 1-d (n,) as 1xn) placed corner to corner in a zero matrix.
    One BlockDiagBackward0 node: each input gets its block of the gradient."""
    def forward(self, *tensors):
        xp = _xp(tensors[0])
        blocks = [t.array.reshape(1, 1) if t.ndim == 0 else t.array.reshape(1, -1) if t.ndim == 1 else t.array
                  for t in tensors]
        out = xp.zeros((builtins.sum(b.shape[0] for b in blocks), builtins.sum(b.shape[1] for b in blocks)),
                       dtype=blocks[0].dtype)
        self.places, r, c = [], 0, 0
        for t, b in zip(tensors, blocks):
            out[r:r + b.shape[0], c:c + b.shape[1]] = b
            self.places.append((r, c, b.shape, t.shape))
            r, c = r + b.shape[0], c + b.shape[1]
        return out

    def backward(self, grad):
        return tuple(grad[r:r + h, c:c + w].reshape(shape) if need else None
                     for (r, c, (h, w), shape), need in zip(self.places, self.needs_input_grad))


def block_diag(*tensors):
    """Shapes: each input 0-, 1- or 2-d; the result (sum of rows, sum of columns), in the inputs' promoted dtype.
    Errors: torch's RuntimeError for an input of more than 2 dims."""
    from ..creation import zeros
    from .arithmetic import cast
    if not tensors:
        return zeros(1, 0)
    for i, t in enumerate(tensors):
        if t.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t.ndim} dimensions")
    dt = np.result_type(*[t.array.dtype for t in tensors])
    return BlockDiag.apply(*[cast(t, dt) for t in tensors])


def diagflat(x, offset=0):
    from .linalg_decomp import diag_embed
    return diag_embed(x.reshape(-1), offset)


# ---- indexing ------------------------------------------------------------------------------------
def take_along_dim(x, indices, dim=None):
    if dim is None:
        return x.reshape(-1).gather(0, indices.reshape(-1))
    d = normalize_dims(dim, x.ndim)[0]
    shape_x = list(x.shape)
    shape_i = list(indices.shape)
    shape_x[d] = shape_i[d] = 1
    common = np.broadcast_shapes(tuple(shape_x), tuple(shape_i))
    xs = list(common)
    xs[d] = x.shape[d]
    is_ = list(common)
    is_[d] = indices.shape[d]
    return x.expand(*xs).gather(d, indices.expand(*is_))


class Put(Function):
    """Tensor.put: x with source written (accumulate: added) at the flat positions `flat` (non-negative, int64).
    One PutBackward0 node, with torch's derivatives (derivatives.yaml): x gets grad, zeroed at the positions
    written unless accumulating; source gets grad.take(index)."""
    def forward(self, x, source, flat, accumulate):
        from .indexing import add_at
        self.flat, self.accumulate, self.source_shape = flat, accumulate, source.array.shape
        xp = _xp(x)
        out = x.array.copy()
        target = out.reshape(-1)
        if accumulate:
            add_at(xp, target, (flat,), source.array.reshape(-1))
        else:
            target[flat] = source.array.reshape(-1)
        return out

    def backward(self, grad):
        gx, gs = self.needs_input_grad
        index = wrap(self.flat)
        grad_x = grad if self.accumulate or not gx else \
            Put.apply(grad, grad.new_zeros(self.flat.shape), flat=self.flat, accumulate=False)
        grad_s = grad.reshape(-1)[index].reshape(self.source_shape) if gs else None
        return (grad_x if gx else None), grad_s


def put(x, index, source, accumulate=False):
    """Out of place Tensor.put: source written (or added) at the flat positions index of x (negative ones
    count from the end). Errors (torch's IndexError): index and source of different sizes, a non-empty
    index into an empty x, an index out of range."""
    n = x.numel()
    if index.numel() != source.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source.numel()}, index.numel() = {index.numel()}")
    if n == 0 and index.numel():
        raise IndexError("put_(): Tried to put elements into an empty tensor")
    xp = _xp(x)
    flat_index = index.array.reshape(-1)
    bad = (flat_index >= n) | (flat_index < -n)
    if bad.any():
        raise IndexError(f"out of range: tried to access index {int(flat_index[bad][0])} on a tensor of {n} elements.")
    from .arithmetic import cast
    return Put.apply(x, cast(source, x.array.dtype), flat=xp.where(flat_index < 0, flat_index + n, flat_index),
                     accumulate=accumulate)


class MaskedScatter(Function):
    """x with the positions where mask (broadcast to x) is True filled, in order, with source's leading elements.
    One MaskedScatterBackward0 node: x gets grad where mask is False, source grad's masked elements (then 0)."""
    def forward(self, x, source, positions):
        self.positions, self.source_shape = positions, source.array.shape
        out = x.array.copy()
        out.reshape(-1)[positions] = source.array.reshape(-1)[:positions.size]
        return out

    def backward(self, grad):
        gx, gs = self.needs_input_grad
        flat = grad.reshape(-1)
        index = wrap(self.positions)
        grad_x = MaskedScatter.apply(grad, grad.new_zeros(self.positions.shape), positions=self.positions) if gx else None
        grad_s = None
        if gs:
            taken = flat[index]
            size = int(np.prod(self.source_shape))
            if size > taken.numel():
                taken = cat([taken, grad.new_zeros(size - taken.numel())])
            grad_s = taken.reshape(self.source_shape)
        return grad_x, grad_s


def masked_scatter(x, mask, source):
    """x with the positions where mask is True filled, in order, with source's leading elements.
    Errors: torch's RuntimeError when source has fewer elements than mask has True values."""
    from .arithmetic import cast
    xp = _xp(x)
    m = xp.broadcast_to(mask.array, x.array.shape).reshape(-1)
    positions = xp.nonzero(m)[0]
    if positions.size > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return MaskedScatter.apply(x, cast(source, x.array.dtype), positions=positions.astype(np.int64))


# ---- products and distances ----------------------------------------------------------------------
def kron(a, b):
    nd = builtins.max(a.ndim, b.ndim)
    a = a.reshape((1,) * (nd - a.ndim) + tuple(a.shape))
    b = b.reshape((1,) * (nd - b.ndim) + tuple(b.shape))
    a2 = a.reshape(tuple(itertools.chain.from_iterable((s, 1) for s in a.shape)))
    b2 = b.reshape(tuple(itertools.chain.from_iterable((1, s) for s in b.shape)))
    return (a2 * b2).reshape(tuple(p * q for p, q in zip(a.shape, b.shape)))


def tensordot(a, b, dims=2):
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
    da, db = [d % a.ndim for d in da], [d % b.ndim for d in db]
    for i, j in zip(da, db):
        if a.shape[i] != b.shape[j]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[i]} in dim {i} "
                               f"and second has size {b.shape[j]} in dim {j}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = int(np.prod([a.shape[d] for d in da]))
    am = a.permute(*(fa + da)).reshape(-1, k) if a.ndim else a.reshape(1, 1)
    bm = b.permute(*(db + fb)).reshape(k, -1) if b.ndim else b.reshape(1, 1)
    return (am @ bm).reshape(tuple(a.shape[d] for d in fa) + tuple(b.shape[d] for d in fb))


def cdist(x1, x2, p=2.0, compute_mode='use_mm_for_euclid_dist_if_necessary'):
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if p < 0:
        raise RuntimeError(f"cdist only supports non-negative p values, got {p}")
    from .vector_norm import Cdist
    batch = np.broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    x1, x2 = x1.expand(*batch, *x1.shape[-2:]), x2.expand(*batch, *x2.shape[-2:])
    return Cdist.apply(x1, x2, p=float(p))


def pdist(x, p=2):
    from ..linalg import vector_norm
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    i, j = np.triu_indices(x.shape[0], 1)
    xp = _xp(x)
    return vector_norm(x[wrap(xp.asarray(i))] - x[wrap(xp.asarray(j))], p, -1)


class Dist(Function):
    """dist(a, b, p) = vector_norm(a - b, p) over all elements, as torch's one DistBackward0 node: its gradient
    is the norm's (torch's norm_backward at a - b), summed to each input's shape with opposite signs."""
    def forward(self, a, b, p):
        from ..grad_mode import no_grad
        from ..linalg import vector_norm
        self.save_for_backward(a, b)
        self.p = p
        with no_grad():
            return vector_norm(a.detach() - b.detach(), p).array

    def backward(self, grad):
        from ..linalg import vector_norm
        from .arithmetic import sum_to
        from .vector_norm import norm_backward
        a, b = self.saved_tensors
        if self.p == 0:
            return None, None
        diff = a - b   # the norm again in tensor ops: a second derivative sees how it moves with a and b
        g = norm_backward(grad, diff, self.p, vector_norm(diff, self.p), tuple(range(diff.ndim)), False)
        ga, gb = self.needs_input_grad
        return (sum_to(g, a.shape) if ga else None), (sum_to(-g, b.shape) if gb else None)


def dist(a, b, p=2):
    """The p-norm of a - b (shapes broadcast); a 0-d result. Errors: torch's, for shapes that do not broadcast."""
    from .arithmetic import operands
    return Dist.apply(*operands(a, b), p=p)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum((x1 / max(|x1|, eps)) (x2 / max(|x2|, eps))) along dim, after broadcasting x1 and x2.

    As torch's ATen composite (Distance.cpp): the norms are clamped under no_grad, so the gradient flows
    through |x| as if unclamped, and each input is divided by its norm before the product.
    """
    from ..grad_mode import no_grad
    from ..linalg import vector_norm
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    n1 = vector_norm(x1, 2, dim, True).clone()
    n2 = vector_norm(x2, 2, dim, True).clone()
    with no_grad():
        n1.clamp_min_(eps)
        n2.clamp_min_(eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    from ..linalg import vector_norm
    nd = builtins.max(x1.ndim, x2.ndim)
    return vector_norm(x1 - x2 + eps, p, -1 if nd else None, keepdim)


class Renorm(Function):
    """renorm(x, p, dim, maxnorm): each slice along dim (the sub-tensor x.select(dim, i)) whose p-norm
    exceeds maxnorm scaled by maxnorm / (norm + 1e-7). The backward is torch's renorm_backward
    (FunctionsManual.cpp): where the norm is not above maxnorm (NaN included) the gradient passes unchanged,
    so a NaN slice cannot spread NaN through the norm's derivative."""
    torch_name = 'RenormBackward0'

    def forward(self, x, p, dims, maxnorm):
        from ..grad_mode import no_grad
        from ..linalg import vector_norm
        self.save_for_backward(x)
        self.args = (p, dims, maxnorm)
        with no_grad():
            norm = vector_norm(x.detach(), p, dims, True).array
        xp = _xp(x)
        factor = xp.where(norm > maxnorm, maxnorm / (norm + 1e-7), 1).astype(x.array.dtype)
        return x.array * factor

    def backward(self, grad):
        from ..linalg import vector_norm
        from .arithmetic import where
        from .vector_norm import norm_backward
        x, = self.saved_tensors
        p, dims, maxnorm = self.args
        norm = vector_norm(x, p, dims, True)
        nb = norm_backward((x * grad).sum(dims, keepdim=True), x, p, norm, dims, True)
        invnorm = (norm + 1e-7).reciprocal()
        factor = invnorm * maxnorm
        return where(norm > maxnorm, factor * grad - factor * invnorm * nb, grad)


def renorm(x, p, dim, maxnorm):
    """Shape: x (n0, ..., nk), k >= 1, floating; result the same. Errors: RuntimeError for a 0-d or 1-d x."""
    if x.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} dimensions")
    d = normalize_dims(dim, x.ndim)[0]
    return Renorm.apply(x, p=p, dims=tuple(i for i in range(x.ndim) if i != d), maxnorm=maxnorm)


def trace(x):
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    from .linalg_decomp import diagonal
    if x.array.dtype.kind in 'fc':
        return Trace.apply(x)
    return diagonal(x, 0, 0, 1).sum(dtype=None)


class Trace(Function):
    """The sum of a floating matrix's diagonal as one node (torch's TraceBackward0); gradient grad on the
    diagonal, zeros elsewhere (torch's trace_backward)."""
    def forward(self, x):
        self.shape = x.array.shape
        xp = backend.array_module(x.array)
        return xp.diagonal(x.array).sum()

    def backward(self, grad):
        xp = backend.array_module(grad.array)
        return grad * wrap(xp.eye(*self.shape, dtype=grad.array.dtype))


def cross(input, other, dim=None):
    from ..linalg import cross as linalg_cross
    if dim is None:   # torch's deprecated default: the first dim of size 3
        dim = next((i for i, s in enumerate(np.broadcast_shapes(tuple(input.shape), tuple(other.shape)))
                    if s == 3), -1)
    return linalg_cross(input, other, dim=dim)


def addmv(input, mat, vec, *, beta=1, alpha=1):
    prod = mat @ vec
    return prod * alpha + input * beta if beta != 0 else (prod * alpha).expand(*np.broadcast_shapes(
        tuple(prod.shape), tuple(input.shape)))


def addr(input, vec1, vec2, *, beta=1, alpha=1):
    prod = vec1.unsqueeze(1) * vec2.unsqueeze(0)
    return prod * alpha + input * beta if beta != 0 else prod * alpha


def addbmm(input, batch1, batch2, *, beta=1, alpha=1):
    prod = (batch1 @ batch2).sum(0)
    return prod * alpha + input * beta if beta != 0 else prod * alpha


def chain_matmul(*matrices):
    from ..linalg import multi_dot
    ms = _tensors(matrices)
    return ms[0].clone() if len(ms) == 1 else multi_dot(ms)


def cholesky_solve(B, L, upper=False):
    from .linalg_decomp import solve_triangular
    if upper:
        L = L.mT
    y = solve_triangular(L, B, upper=False)
    return solve_triangular(L.mT, y, upper=True)


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    import collections
    from .linalg_decomp import solve_triangular
    if A.ndim >= 2 and b.ndim >= 2 and A.shape[-1] != b.shape[-2]:
        raise RuntimeError(f"Incompatible matrix sizes for triangular_solve: each A matrix is {A.shape[-2]} by "
                           f"{A.shape[-1]} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    coeff = A.mT if transpose else A
    x = solve_triangular(coeff, b, upper=upper != transpose, unitriangular=unitriangular)
    return collections.namedtuple('triangular_solve', ['solution', 'cloned_coefficient'])(x, A.clone())

