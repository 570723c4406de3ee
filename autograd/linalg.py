"""torch.linalg: norms, inverses, solves and decompositions, batched over leading dims.

The differentiable kernels live in ops/linalg_decomp.py; what is here is composed from them and from
Tensor ops, so gradients (and second derivatives) follow. Results come as torch's named tuples.
eig/eigvals return complex values without a gradient: the library's complex support does not extend to
autograd (torch differentiates them in complex arithmetic).
"""
import builtins
import collections

from . import backend
from .type_info import finfo
from .ops import linalg_decomp as _d
from .ops.linalg import matmul
from .ops.reduction import normalize_dims
from .tensor import wrap

LinAlgError = _d.LinAlgError
inv, det, matrix_exp, solve_triangular = _d.inv, _d.det, _d.matrix_exp, _d.solve_triangular

_slogdet = collections.namedtuple('slogdet', ['sign', 'logabsdet'])
_eigh = collections.namedtuple('eigh', ['eigenvalues', 'eigenvectors'])
_qr = collections.namedtuple('qr', ['Q', 'R'])
_svd = collections.namedtuple('svd', ['U', 'S', 'Vh'])
_inv_ex = collections.namedtuple('inv_ex', ['inverse', 'info'])
_cholesky_ex = collections.namedtuple('cholesky_ex', ['L', 'info'])
_lstsq = collections.namedtuple('lstsq', ['solution', 'residuals', 'rank', 'singular_values'])
_solve_ex = collections.namedtuple('solve_ex', ['result', 'info'])

_INF = float('inf')


def _info(a):
    xp = backend.array_module(a.array)
    return wrap(xp.zeros(a.shape[:-2], dtype='int32'))


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """torch.linalg.diagonal: the diagonal of each matrix, last dim of the result."""
    return _d.diagonal(A, offset, dim1, dim2)


def slogdet(A):
    return _slogdet(*_d.slogdet(A))


def inv_ex(A, *, check_errors=False):
    return _inv_ex(_d.inv(A), _info(A))


def solve(A, B, *, left=True):
    return _d.solve(A, B, left=left)


def solve_ex(A, B, *, left=True, check_errors=False):
    return _solve_ex(_d.solve(A, B, left=left), _info(A))


def cholesky(A, *, upper=False):
    return _d.cholesky(A, upper)


def cholesky_ex(A, *, upper=False, check_errors=False):
    return _cholesky_ex(_d.cholesky(A, upper), _info(A))


def eigh(A, UPLO='L'):
    return _eigh(*_d.eigh(A, UPLO))


def eigvalsh(A, UPLO='L'):
    return _d.eigh(A, UPLO)[0]


def eig(A):
    """Complex eigenvalues and eigenvectors, without gradient (see the module docstring)."""
    _d.check_square('linalg.eig', A)
    _no_grad_support('linalg.eig', A)
    xp = backend.array_module(A.array)
    w, v = xp.linalg.eig(A.array)
    ctype = 'complex64' if A.array.dtype == 'float32' else 'complex128'
    return collections.namedtuple('eig', ['eigenvalues', 'eigenvectors'])(wrap(w.astype(ctype)), wrap(v.astype(ctype)))


def eigvals(A):
    _d.check_square('linalg.eigvals', A)
    _no_grad_support('linalg.eigvals', A)
    ctype = 'complex64' if A.array.dtype == 'float32' else 'complex128'
    return wrap(backend.array_module(A.array).linalg.eigvals(A.array).astype(ctype))


def _no_grad_support(op, A):
    from .grad_mode import is_grad_enabled
    if A.requires_grad and is_grad_enabled():
        raise NotImplementedError(f"{op}: gradients need complex autograd, which this library does not have; "
                                  "call it under no_grad() or on A.detach(), or use linalg.eigh for symmetric A")


def qr(A, mode='reduced'):
    return _qr(*_d.qr(A, mode))


def svd(A, full_matrices=True, *, driver=None):
    return _svd(*_d.svd(A, full_matrices))


def svdvals(A, *, driver=None):
    return _d.svdvals(A)


# ---- norms -------------------------------------------------------------------------------------
def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):
    """sum(|x|^ord)^(1/ord) over dim (all dims when None); ord inf/-inf: max/min |x|, 0: count of nonzeros."""
    from .ops.elementwise import floating
    from .ops.reduction import norm
    from .ops.vector_norm import check_identity
    if x.array.dtype.kind not in 'fc':
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {x.dtype.scalar_name}")
    if dtype is not None:
        x = x.to(dtype)
    x = floating(x)
    dims = normalize_dims(dim, x.ndim)
    check_identity(x, ord, dim)
    # every ord through the one Function with torch's case-by-case backward (ops/vector_norm.py): -inf shares
    # among ties and NaNs, p < 1 is 0 at zero entries, 0 has no gradient (a count; inf counts as non-zero)
    return norm(x, ord, dims, keepdim)


def matrix_norm(A, ord='fro', dim=(-2, -1), keepdim=False, *, dtype=None):
    """Frobenius, nuclear, spectral (2, -2), and max/min column (1, -1) or row (inf, -inf) sums."""
    if A.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    if dtype is not None:
        A = A.to(dtype)
    d0, d1 = (d % A.ndim for d in dim)
    if ord == 'fro':
        return vector_norm(A, 2, (d0, d1), keepdim)
    if A.numel() == 0 and (ord == 'nuc' or (not isinstance(ord, str) and ord > 0)):
        return A.abs().sum((d0, d1), keepdim)   # torch: 0 for the positive orders of an empty matrix

    if ord in ('nuc', 2, -2):
        moved = A.movedim((d0, d1), (-2, -1))
        s = svdvals(moved)
        out = s.sum(-1) if ord == 'nuc' else s.amax(-1) if ord == 2 else s.amin(-1)
        if keepdim:
            out = out.unsqueeze(builtins.min(d0, d1)).unsqueeze(builtins.max(d0, d1))
        return out
    if ord in (1, -1, _INF, -_INF):
        first, second = (d0, d1) if ord in (1, -1) else (d1, d0)   # sum over rows for 1, columns for inf
        summed = A.abs().sum(first, keepdim=True)
        out = summed.amax(second, True) if ord > 0 else summed.amin(second, True)
        return out if keepdim else out.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):
    """Vector norm over one dim (or a flattened 1-D input), matrix norm over two dims."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if dim is None:
        if A.ndim not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. "
                               f"Got {A.ndim}D.")
        dim = tuple(range(A.ndim))
    if len(dim) == 2:
        return matrix_norm(A, ord, dim, keepdim, dtype=dtype)
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def cond(A, p=None):
    s = svdvals(A)
    if p in (None, 2):
        return s.amax(-1) / s.amin(-1)
    if p == -2:
        return s.amin(-1) / s.amax(-1)
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


# ---- built from the kernels --------------------------------------------------------------------
def pinv(A, *, atol=None, rtol=None, hermitian=False):
    """V diag(1/s) U^T over the singular values above max(atol, rtol * s_max) (torch's default rtol:
    eps * max(m, n) when neither is given)."""
    U, S, Vh = _d.svd(A, full_matrices=False)
    keep = _sv_mask(A, S, atol, rtol)
    s_inv = (keep / (S + (1 - keep))) if not bool(keep.all()) else 1 / S
    return (Vh.mT * s_inv.unsqueeze(-2)) @ U.mT


def _sv_mask(A, S, atol, rtol):
    """1.0 where a singular value counts, as a float tensor of S's shape."""
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else finfo(A.dtype).eps * builtins.max(A.shape[-2:])
    atol = 0.0 if atol is None else atol
    smax = S.detach().amax(-1, keepdim=True) if S.shape[-1] else S.detach()
    tol = (smax * rtol).clamp(min=atol)
    return (S.detach() > tol).to(S.dtype)


def matrix_rank(A, *, atol=None, rtol=None, hermitian=False):
    S = svdvals(A.detach())
    return _sv_mask(A, S, atol, rtol).sum(-1).long()


def lstsq(A, B, rcond=None, *, driver=None):
    """The least-squares solution pinv(A) B (torch's CPU default driver 'gelsy': residuals and singular
    values come back empty, rank is filled)."""
    vector = B.ndim == A.ndim - 1
    Bm = B.unsqueeze(-1) if vector else B
    sol = pinv(A) @ Bm
    xp = backend.array_module(A.array)
    empty = wrap(xp.zeros((0,), dtype=A.array.dtype))
    return _lstsq(sol.squeeze(-1) if vector else sol, empty, matrix_rank(A), empty)


def matrix_power(A, n):
    _d.check_square('linalg.matrix_power', A) if A.ndim >= 2 else None
    if n == 0:
        from .creation import eye
        # torch copies eye into a clone of A: recorded, with a zero gradient, and eye whatever A holds (inf, NaN)
        from .ops.arithmetic import where
        from .creation import ones
        from .dtypes import bool as bool_
        keep = ones(A.shape, dtype=bool_, device=A.device)
        return where(keep, eye(A.shape[-1], dtype=A.dtype, device=A.device), A)
    if n < 0:
        A, n = inv(A), -n
    # torch's order of products (linalg_matrix_power_impl): it decides where inf * 0 gives NaN
    if n == 1:
        return A.clone()
    if n == 2:
        return A @ A
    if n == 3:
        return (A @ A) @ A
    result = z = None
    while n > 0:   # binary powering: z = A^(2^k), result @ z for each set bit
        bit, n = n % 2, n // 2
        z = A if z is None else z @ z
        if bit:
            result = z if result is None else result @ z
    return result


def _chain(ts):
    """The product of 2-D ts in torch's order (multi_dot_impl): for three, (AB)C unless a c (b + d) >
    b d (a + c); for more, the cheapest parenthesisation (matrix-chain dynamic programme, first split on
    ties). The order decides where inf * 0 makes NaN, and the rounding."""
    n = len(ts)
    if n == 2:
        return matmul(ts[0], ts[1])
    if n == 3:
        a, b, c, d = ts[0].shape[0], ts[1].shape[0], ts[2].shape[0], ts[2].shape[1]
        if a * c * (b + d) > b * d * (a + c):
            return matmul(ts[0], matmul(ts[1], ts[2]))
        return matmul(matmul(ts[0], ts[1]), ts[2])
    p = [t.shape[0] for t in ts] + [ts[-1].shape[1]]
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                q = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if cost[i][j] is None or q < cost[i][j]:
                    cost[i][j], split[i][j] = q, k

    def product(i, j):
        if i == j:
            return ts[i]
        return matmul(product(i, split[i][j]), product(split[i][j] + 1, j))
    return product(0, n - 1)


def multi_dot(tensors):
    """A chain of matrix products; the first (last) tensor may be 1-D, a row (column) vector."""
    tensors = list(tensors)
    if len(tensors) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(tensors)}")
    first, last = tensors[0].ndim == 1, tensors[-1].ndim == 1
    for i, t in enumerate(tensors):
        if t.ndim != 2 and not ((i == 0 and first) or (i == len(tensors) - 1 and last)):
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {t.ndim}D")
    ts = ([tensors[0].unsqueeze(0)] if first else [tensors[0]]) + tensors[1:-1] + \
         ([tensors[-1].unsqueeze(-1)] if last else [tensors[-1]])
    out = _chain(ts)
    if first:
        out = out.squeeze(0)
    if last:
        out = out.squeeze(-1)
    return out


def vecdot(x, y, *, dim=-1):
    """sum(x * y) along dim, broadcasting; two 1-d vectors must have one size (torch's RuntimeError)."""
    for t in (x, y):
        if t.array.dtype.kind not in 'fc':
            raise RuntimeError(f"linalg.vecdot: Expected a floating point or complex tensor as input. Got "
                               f"{t.dtype.scalar_name}")
    nx, ny = x.shape[dim] if x.ndim else None, y.shape[dim] if y.ndim else None
    if x.ndim == 1 and y.ndim == 1 and nx != ny:   # torch's 1-d case is a dot product: sizes must agree
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{nx}] and src [{ny}] to have the same "
                           f"number of elements, but got {nx} and {ny} elements respectively")
    if x.ndim == 1 and y.ndim == 1:   # one node, torch's VdotBackward0 (real tensors: vdot is dot)
        from .ops.linalg import Matmul
        from .ops.arithmetic import operands
        return Matmul.apply(*operands(x, y), vdot=True)
    return (x * y).sum(dim)


def cross(input, other, *, dim=-1):
    """The 3-vector cross product along dim (size 3), broadcasting the other dims."""
    from .ops.shape import cat
    from .ops.arithmetic import operands
    input, other = operands(input, other)
    nd = builtins.max(input.ndim, other.ndim)
    if input.ndim != other.ndim:
        raise RuntimeError("linalg.cross: inputs must have the same number of dimensions.")
    if input.shape[dim] != 3 or other.shape[dim] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {dim} must have length 3. Got {input.shape[dim]} "
                           f"and {other.shape[dim]}")
    d = dim % nd if dim < 0 else dim

    def part(t, i):
        return t.narrow(d - (nd - t.ndim), i, 1)
    a = [part(input, i) for i in range(3)]
    b = [part(other, i) for i in range(3)]
    return cat([a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]], d)


def matrix_transpose(A):   # noqa: D401 (a small helper some programs use through linalg)
    return A.mT


def vander(x, *, N=None):
    n = x.shape[-1] if N is None else N
    from .ops.shape import stack
    return stack([x ** i for i in range(n)], -1)



# ---- LU (ops/linalg_lu.py) and the tensor forms of inv/solve -----------------------------------
_lu_factor = collections.namedtuple('lu_factor', ['LU', 'pivots'])
_lu_factor_ex = collections.namedtuple('lu_factor_ex', ['LU', 'pivots', 'info'])
_lu = collections.namedtuple('lu', ['P', 'L', 'U'])


def lu_factor(A, *, pivot=True):
    from .ops import linalg_lu
    return _lu_factor(*linalg_lu.lu_factor_checked(A, pivot))


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    from .ops import linalg_lu
    LU, piv = linalg_lu.lu_factor(A, pivot)
    return _lu_factor_ex(LU, piv, _info(A))


def lu(A, *, pivot=True):
    from .ops import linalg_lu
    return _lu(*linalg_lu.lu(A, pivot))


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    from .ops import linalg_lu
    return linalg_lu.lu_solve(LU, pivots, B, left=left, adjoint=adjoint)


def tensorinv(A, ind=2):
    """The inverse of A seen as a matrix from its first ind dims to the rest; shape A.shape[ind:] + A.shape[:ind]."""
    if ind <= 0:
        raise RuntimeError(f"Expected a strictly positive integer for 'ind', but got {ind}")
    rows, cols = A.shape[:ind], A.shape[ind:]
    n = 1
    for s in rows:
        n *= s
    return inv(A.reshape(n, -1)).reshape(tuple(cols) + tuple(rows))


def tensorsolve(A, B, dims=None):
    """X with tensordot(A, X, X.ndim) = B."""
    if dims is not None:
        dims = [d % A.ndim for d in dims]
        A = A.movedim(dims, list(range(A.ndim - len(dims), A.ndim)))
    out_shape = A.shape[B.ndim:]
    n = 1
    for s in out_shape:
        n *= s
    return solve(A.reshape(-1, n), B.reshape(-1)).reshape(tuple(out_shape))
