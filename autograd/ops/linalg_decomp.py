"""Matrix decompositions and solves (batched over leading dims), each with torch's backward formula.

Every backward is written in Tensor ops, so create_graph=True gives second derivatives. Ops with several
differentiable outputs (eigh, svd, qr) return ONE packed array that the public function slices apart: the
slices' gradients meet again in the packed gradient, which backward unpacks (a Function has one output).

Formula sources (real case; torch's FunctionsManual.cpp derives the same ones):
  inv            gA = -A^-T g A^-T
  det, slogdet   gA = g det(A) A^-T  /  g A^-T                       (non-singular A)
  solve          gB = A^-T g,  gA = -gB X^T
  cholesky       gA = L^-T Phi(L^T gL) L^-1, Phi = sym. part of the lower triangle with halved diagonal
  eigh           gA = V (diag(gL) + skew(V^T gV) / (2 E)) V^T,  E_ij = L_j - L_i
  svd            Townsend, "Differentiating the singular value decomposition" (2016)
  qr             Liao, Liu, Wang, Xiang, "Differentiable programming tensor networks" (2019), eq. 7/8
  matrix_exp     gA = upper-right block of exp([[A^T, g], [0, A^T]])  (Najfeld & Havel 1995)
"""
import builtins
import math

import numpy as np

from .. import backend
from ..function import Function
from ..tensor import wrap
from .shape import View, sum_to
from .views import storage_of


class LinAlgError(RuntimeError):
    """torch.linalg.LinAlgError: a factorization or solve failed on the given values."""


def _xp(t):
    return backend.array_module(t.array)


def _eye_like(x, n=None):
    xp = _xp(x)
    n = x.shape[-1] if n is None else n
    return wrap(xp.eye(n, dtype=x.array.dtype))


def check_square(op, a):
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if a.shape[-1] != a.shape[-2]:
        raise RuntimeError(f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by "
                           f"{a.shape[-1]} matrices")
    check_float(op, a)


def check_float(op, a):
    if a.array.dtype.kind not in 'fc':
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {a.dtype.scalar_name}")


# ---- diagonals ---------------------------------------------------------------------------------
def _diagonal_view(xp, a, offset, dim1, dim2):
    """A writable view of a's diagonal with torch's geometry (at::diagonal: the other dims keep their strides,
    the diagonal dim last with stride(dim1) + stride(dim2), the start moved by offset along dim2 (dim1 when
    negative)); NumPy's diagonal has that geometry but is read-only, so it is rebuilt on a's storage."""
    d = xp.diagonal(a, offset, dim1, dim2)
    if xp is np:
        root = storage_of(a)
        try:
            start = d if d.size else a   # torch leaves an empty diagonal at a's offset
            return np.ndarray(d.shape, d.dtype, root, start.ctypes.data - root.ctypes.data, d.strides)
        except (TypeError, ValueError, BufferError):   # a storage that exports no buffer
            return np.lib.stride_tricks.as_strided(d, writeable=True) if d.size else d.copy()
    return d   # CuPy's diagonal is a writable view


class Diagonal(View):
    """A's diagonal at offset between dims dim1 and dim2, moved last: a view, as torch's."""
    def forward(self, a, offset, dim1, dim2):
        self.args = (a.array.shape, offset, dim1, dim2)
        return _diagonal_view(_xp(a), a.array, offset, dim1, dim2)

    def backward(self, grad):
        shape, offset, dim1, dim2 = self.args
        return DiagEmbedInto.apply(grad, shape=shape, offset=offset, dim1=dim1, dim2=dim2)


class DiagEmbedInto(Function):
    """Zeros of `shape` with the last dim of x written on the (offset, dim1, dim2) diagonal: Diagonal's adjoint."""
    torch_name = 'DiagEmbedBackward0'

    def forward(self, x, shape, offset, dim1, dim2):
        self.args = (offset, dim1, dim2)
        xp = _xp(x)
        out = xp.zeros(shape, dtype=x.array.dtype)
        _write_diagonal(xp, out, x.array, offset, dim1, dim2)
        return out

    def backward(self, grad):
        offset, dim1, dim2 = self.args
        return Diagonal.apply(grad, offset=offset, dim1=dim1, dim2=dim2)


def _write_diagonal(xp, out, values, offset, dim1, dim2):
    """out's (offset, dim1, dim2) diagonal = values (diagonal dim last), through an index, not a view."""
    n1, n2 = out.shape[dim1], out.shape[dim2]
    length = builtins.max(0, builtins.min(n1, n2 - offset) if offset >= 0 else builtins.min(n1 + offset, n2))
    i = xp.arange(length) + builtins.max(-offset, 0)
    j = xp.arange(length) + builtins.max(offset, 0)
    moved = xp.moveaxis(out, (dim1, dim2), (-2, -1))   # a view: writes land in out
    moved[..., i, j] = values


def diagonal(a, offset=0, dim1=0, dim2=1):
    nd = builtins.max(a.ndim, 1)
    d1, d2 = dim1 % nd, dim2 % nd
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return Diagonal.apply(a, offset=offset, dim1=d1, dim2=d2)


def diag_embed(x, offset=0, dim1=-2, dim2=-1):
    nd = x.ndim + 1
    d1, d2 = dim1 % nd, dim2 % nd
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    n = x.shape[-1] + builtins.abs(offset) if x.ndim else 1 + builtins.abs(offset)
    batch = list(x.shape[:-1])
    shape = []
    for k in range(nd):
        shape.append(n if k in (d1, d2) else batch.pop(0))
    return DiagEmbedInto.apply(x, shape=tuple(shape), offset=offset, dim1=d1, dim2=d2)


def _diag_matrix(v):
    return diag_embed(v)


# ---- inverse, determinants ---------------------------------------------------------------------
def _lapack(op, fn, *arrays):
    try:
        return fn(*arrays)
    except Exception as error:   # numpy.linalg.LinAlgError (and CuPy's) in torch's class and words
        if type(error).__name__ != 'LinAlgError':
            raise
        if op != 'linalg.inv':
            raise LinAlgError(f"torch.{op}: The solver failed because the input matrix is singular.") from None
        k = _zero_pivot(backend.to_host(arrays[0]))
        raise LinAlgError(f"{op}: The diagonal element {k} is zero, the inversion could not be completed because "
                          "the input matrix is singular.") from None


def _zero_pivot(a):
    """1-based index of the first zero pivot of LU with partial pivoting (LAPACK getrf's info), over the
    batch's first singular matrix. Runs only on the error path."""
    import numpy as np
    mats = a.reshape(-1, a.shape[-2], a.shape[-1]).astype(np.float64)
    for m in mats:
        m = m.copy()
        n = m.shape[0]
        for j in range(n):
            p = j + int(np.argmax(np.abs(m[j:, j])))
            if m[p, j] == 0:
                return j + 1
            m[[j, p]] = m[[p, j]]
            m[j + 1:, j:] -= np.outer(m[j + 1:, j] / m[j, j], m[j, j:])
    return 1


class Inv(Function):
    torch_name = 'LinalgInvExBackward0'
    saves_output = True

    def forward(self, a):
        return _lapack('linalg.inv', _xp(a).linalg.inv, a.array)

    def backward(self, grad):
        out_t = self.output.mT
        return -(out_t @ grad @ out_t)


class Det(Function):
    torch_name = 'LinalgDetBackward0'
    saves_output = True

    def forward(self, a):
        self.save_for_backward(a)
        return _xp(a).linalg.det(a.array)

    def backward(self, grad):
        """det(A) A^-T grad. At an exactly singular A (det == 0) torch's first-order backward solves with
        the zero pivots of A's LU nudged by eps against a zero right side: 0 there, as here (its
        create_graph path takes the SVD's adjugate instead; not matched)."""
        a, = self.saved_tensors
        det = self.output
        if a.shape[-1] == 1:   # det of a 1 x 1 matrix is its entry: gradient 1, singular or not (as torch)
            return grad.unsqueeze(-1).unsqueeze(-1)
        singular = (det == 0).unsqueeze(-1).unsqueeze(-1)
        xp = _xp(a)
        if not bool(xp.any(singular.array)):
            return (grad * det).unsqueeze(-1).unsqueeze(-1) * inv(a).mT
        from .arithmetic import where
        safe = where(singular, _eye_like(a), a)
        return where(singular, 0.0, (grad * det).unsqueeze(-1).unsqueeze(-1) * inv(safe).mT)


class LogAbsDet(Function):
    torch_name = 'LinalgSlogdetBackward0'

    def forward(self, a):
        self.save_for_backward(a)
        return _xp(a).linalg.slogdet(a.array)[1]

    def backward(self, grad):
        a, = self.saved_tensors
        return grad.unsqueeze(-1).unsqueeze(-1) * inv(a).mT


def inv(a):
    check_square('linalg.inv', a)
    return Inv.apply(a)


def det(a):
    check_square('linalg.det', a)
    return Det.apply(a)


def slogdet(a):
    check_square('linalg.slogdet', a)
    sign = Det.apply(a).sign()   # no gradient flows through it, but it is recorded as torch's is
    return sign, LogAbsDet.apply(a)


# ---- solves ------------------------------------------------------------------------------------
class Solve(Function):
    """X = A^-1 B for matrices B (*, n, k); the batch dims broadcast."""
    torch_name = 'LinalgSolveExBackward0'
    saves_output = True

    def forward(self, a, b):
        self.save_for_backward(a)
        self.shapes = (a.array.shape, b.array.shape)
        xp = _xp(a)
        batch = xp.broadcast_shapes(a.array.shape[:-2], b.array.shape[:-2])
        return _lapack('linalg.solve', xp.linalg.solve, xp.broadcast_to(a.array, batch + a.array.shape[-2:]),
                       xp.broadcast_to(b.array, batch + b.array.shape[-2:]))

    def backward(self, grad):
        a, = self.saved_tensors
        gb = Solve.apply(a.mT, grad)
        ga = -(gb @ self.output.mT) if self.needs_input_grad[0] else None
        return (sum_to(ga, self.shapes[0]) if ga is not None else None), sum_to(gb, self.shapes[1])


def solve(a, b, left=True):
    check_square('linalg.solve', a)
    if not left:   # X A = B  <=>  A^T X^T = B^T
        return solve(a.mT, b.mT).mT
    vector = b.ndim == 1 or (b.ndim == a.ndim - 1 and tuple(b.shape) == tuple(a.shape[:-1]))
    if vector:
        return Solve.apply(a, b.unsqueeze(-1)).squeeze(-1)
    if b.shape[-2] != a.shape[-1]:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation AX = B "
                           f"({a.shape[-2]}x{a.shape[-1]} and {b.shape[-2]}x{b.shape[-1]})")
    return Solve.apply(a, b)


class SolveTriangular(Function):
    """X with A X = B (left) or X A = B (right), reading only A's upper or lower triangle."""
    torch_name = 'LinalgSolveTriangularBackward0'
    saves_output = True

    def forward(self, a, b, upper, left, unitriangular):
        self.args = (upper, left, unitriangular)
        self.shapes = (a.array.shape, b.array.shape)
        self.save_for_backward(a)
        xp = _xp(a)
        t = _triangle(xp, a.array, upper, unitriangular)
        batch = xp.broadcast_shapes(a.array.shape[:-2], b.array.shape[:-2])
        t = xp.broadcast_to(t, batch + t.shape[-2:])
        bb = xp.broadcast_to(b.array, batch + b.array.shape[-2:])
        if left:
            return _solve_triangle(xp, t, bb, lower=not upper)
        return xp.swapaxes(_solve_triangle(xp, xp.swapaxes(t, -1, -2), xp.swapaxes(bb, -1, -2), lower=upper), -1, -2)

    def backward(self, grad):
        a, = self.saved_tensors
        upper, left, unit = self.args
        x = self.output
        gb = SolveTriangular.apply(a.mT, grad, upper=not upper, left=left, unitriangular=unit)
        ga = None
        if self.needs_input_grad[0]:
            ga = -(gb @ x.mT) if left else -(x.mT @ gb)
            ga = ga.triu(1 if unit else 0) if upper else ga.tril(-1 if unit else 0)
            ga = sum_to(ga, self.shapes[0])
        return ga, sum_to(gb, self.shapes[1])


def _solve_triangle(xp, t, b, lower):
    """t^-1 b for a triangular t (..., n, n) and b (..., n, k). LAPACK's solve where t is invertible; at an
    exactly singular t, forward (lower) or back substitution, as torch's trsm, whose divisions by a zero
    pivot give inf/NaN where LAPACK's solve refuses."""
    try:
        return xp.linalg.solve(t, b)
    except Exception as error:
        if type(error).__name__ != 'LinAlgError':
            raise
    x = xp.zeros(b.shape, dtype=xp.result_type(t, b))
    n = t.shape[-1]
    with np.errstate(divide='ignore', invalid='ignore', over='ignore'):
        for i in (range(n) if lower else range(n - 1, -1, -1)):
            done = slice(0, i) if lower else slice(i + 1, n)
            x[..., i, :] = (b[..., i, :] - (t[..., i:i + 1, done] @ x[..., done, :])[..., 0, :]) / t[..., i, i, None]
    return x


def _triangle(xp, a, upper, unit):
    t = xp.triu(a) if upper else xp.tril(a)
    if unit:
        t = t - xp.diagonal(t, 0, -2, -1)[..., None] * xp.eye(a.shape[-1], dtype=a.dtype) + \
            xp.eye(a.shape[-1], dtype=a.dtype)
    return t


def solve_triangular(a, b, *, upper, left=True, unitriangular=False):
    check_square('linalg.solve_triangular', a)
    n, k = a.shape[-1], b.shape[-2] if left else b.shape[-1]
    if b.ndim < 2 or n != k:
        B = 'x'.join(map(str, b.shape[-2:]))
        raise RuntimeError(f"linalg.solve_triangular: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and {B})")
    return SolveTriangular.apply(a, b, upper=upper, left=left, unitriangular=unitriangular)


# ---- Cholesky ----------------------------------------------------------------------------------
class Cholesky(Function):
    torch_name = 'LinalgCholeskyExBackward0'
    saves_output = True

    def forward(self, a):
        xp = _xp(a)
        try:
            return xp.linalg.cholesky(a.array)
        except Exception as error:
            if type(error).__name__ != 'LinAlgError':
                raise
            raise LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                              f"positive-definite (the leading minor of order {_bad_minor(xp, a.array)} is not "
                              "positive-definite).") from None

    def backward(self, grad):
        L = self.output
        p = (L.mT @ grad).tril()
        phi = 0.5 * (p + p.tril(-1).mT)
        ga = SolveTriangular.apply(L.mT, phi, upper=True, left=True, unitriangular=False)
        return SolveTriangular.apply(L, ga, upper=False, left=False, unitriangular=False)


def _bad_minor(xp, a):
    """The order of the first leading minor that is not positive-definite (error path only)."""
    for k in range(1, a.shape[-1] + 1):
        try:
            xp.linalg.cholesky(a[..., :k, :k])
        except Exception:
            return k
    return a.shape[-1]


def cholesky(a, upper=False):
    check_square('linalg.cholesky', a)
    L = Cholesky.apply(a)
    return L.mT if upper else L


# ---- symmetric eigendecomposition --------------------------------------------------------------
def _off_diagonal_reciprocal(e):
    """1/e off the diagonal, 0 on it (e's diagonal is a zero gap)."""
    eye = _eye_like(e)
    return (1 - eye) / (e + eye)


def _nonfinite_guard(op, a, fn, *outs_like):
    """fn(a) for the matrices of a (..., m, n) that are finite; LAPACK's iterative drivers can loop for ever
    on inf or NaN, so those matrices never reach it. As torch (its CPU build) answers: a NaN anywhere
    raises for svd (the driver reports non-convergence), an inf gives NaN results for that matrix; eigh
    gives NaN for both."""
    xp = _xp(a)
    arr = a.array
    bad = ~xp.isfinite(arr).all(axis=(-2, -1))
    if not bad.any():
        return fn(arr)
    if op == 'linalg.svd' and xp.isnan(arr).any():
        raise LinAlgError("linalg.svd: The algorithm failed to converge because the input matrix contained "
                          "non-finite values.")
    outs = fn(xp.where(bad[..., None, None], 0, arr))
    return tuple(xp.where(bad.reshape(bad.shape + (1,) * (o.ndim - bad.ndim)), xp.nan, o).astype(o.dtype)
                 for o in outs)


class Eigh(Function):
    """Packed (..., n+1, n): rows :n are the eigenvectors V, row n the ascending eigenvalues L."""
    torch_name = 'LinalgEighBackward0'
    saves_output = True

    def forward(self, a, uplo):
        xp = _xp(a)
        values, vectors = _nonfinite_guard('linalg.eigh', a, lambda arr: xp.linalg.eigh(arr, UPLO=uplo))
        return xp.concatenate([vectors, values[..., None, :]], axis=-2)

    def backward(self, grad):
        n = grad.shape[-1]
        packed = self.output
        V, L = packed[..., :n, :], packed[..., n, :]
        gV, gL = grad[..., :n, :], grad[..., n, :]
        G = V.mT @ gV
        inner = _off_diagonal_reciprocal(L.unsqueeze(-2) - L.unsqueeze(-1)) * (G - G.mT) * 0.5
        return V @ (inner + _diag_matrix(gL)) @ V.mT


def eigh(a, UPLO='L'):
    check_square('linalg.eigh', a)
    n = a.shape[-1]
    packed = Eigh.apply(a, uplo=UPLO)
    return packed[..., n, :], packed[..., :n, :]


# ---- singular value decomposition ---------------------------------------------------------------
class Svd(Function):
    """Reduced SVD packed as (..., k, m + 1 + n): U^T, then S as a column, then Vh (k = min(m, n))."""
    torch_name = 'LinalgSvdBackward0'
    saves_output = True

    def forward(self, a):
        xp = _xp(a)
        u, s, vh = _nonfinite_guard('linalg.svd', a, lambda arr: xp.linalg.svd(arr, full_matrices=False))
        self.mn = a.array.shape[-2:]
        return xp.concatenate([xp.swapaxes(u, -1, -2), s[..., None], vh], axis=-1)

    def backward(self, grad):
        m, n = self.mn
        U, S, Vh = unpack_svd(self.output, m)
        gU, gS, gVh = unpack_svd(grad, m)
        V, gV = Vh.mT, gVh.mT
        F = _off_diagonal_reciprocal(S.unsqueeze(-2) ** 2 - S.unsqueeze(-1) ** 2)   # F_ij = 1/(s_j^2 - s_i^2)
        J = F * (U.mT @ gU - gU.mT @ U)
        K = F * (V.mT @ gV - gV.mT @ V)
        Sm = _diag_matrix(S)
        inner = J @ Sm + Sm @ K + _diag_matrix(gS)
        ga = U @ inner @ Vh
        s_inv = _diag_matrix(1 / S)
        if m > S.shape[-1]:   # the part of gU outside U's span
            ga = ga + (gU - U @ (U.mT @ gU)) @ s_inv @ Vh
        if n > S.shape[-1]:
            ga = ga + U @ s_inv @ (gV - V @ (V.mT @ gV)).mT
        return ga


def unpack_svd(packed, m):
    return packed[..., :m].mT, packed[..., m], packed[..., m + 1:]


def svd(a, full_matrices=True):
    check_float('linalg.svd', a)
    m, n = a.shape[-2:]
    if full_matrices and m != n:   # the extra columns carry no gradient in torch either: constants here
        xp = _xp(a)
        u, s, vh = _nonfinite_guard('linalg.svd', a, lambda arr: xp.linalg.svd(arr, full_matrices=True))
        k = builtins.min(m, n)
        U, S, Vh = unpack_svd(Svd.apply(a), m)
        from .shape import cat
        U = cat([U, wrap(u[..., k:])], -1) if m > k else U
        Vh = cat([Vh, wrap(vh[..., k:, :])], -2) if n > k else Vh
        return U, S, Vh
    return unpack_svd(Svd.apply(a), m)


def svdvals(a):
    check_float('linalg.svdvals', a)
    return unpack_svd(Svd.apply(a), a.shape[-2])[1]


# ---- QR ----------------------------------------------------------------------------------------
class Qr(Function):
    """Reduced QR packed as (..., k, m + n): Q^T then R."""
    torch_name = 'LinalgQrBackward0'
    saves_output = True

    def forward(self, a):
        xp = _xp(a)
        q, r = xp.linalg.qr(a.array, mode='reduced')
        self.m = a.array.shape[-2]
        return xp.concatenate([xp.swapaxes(q, -1, -2), r], axis=-1)

    def backward(self, grad):
        m = self.m
        out = self.output
        Q, R = out[..., :m].mT, out[..., m:]
        gQ, gR = grad[..., :m].mT, grad[..., m:]
        return qr_backward(Q, R, gQ, gR)


def _copyltu(M):
    return M.tril() + M.tril(-1).mT


def qr_backward(Q, R, gQ, gR):
    m, n = Q.shape[-2], R.shape[-1]
    if m >= n:
        M = R @ gR.mT - gQ.mT @ Q
        b = gQ + Q @ _copyltu(M)
        return SolveTriangular.apply(R.mT, b, upper=False, left=False, unitriangular=False)   # b R^-T
    # wide: A = [X | Y], R = [U | V] with X = Q U square, Y = Q V
    from .shape import cat
    U, V = R[..., :m], R[..., m:]
    gU, gV = gR[..., :m], gR[..., m:]
    Y = Q @ V
    gX = qr_backward(Q, U, gQ + Y @ gV.mT, gU)
    return cat([gX, Q @ gV], -1)


def qr(a, mode='reduced'):
    check_float('linalg.qr', a)
    if mode not in ('reduced', 'complete', 'r'):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), "
                           "'r', or 'complete'")
    m, n = a.shape[-2:]
    packed = Qr.apply(a)
    Q, R = packed[..., :m].mT, packed[..., m:]
    if mode == 'r':
        return wrap(_xp(a).zeros((0,), dtype=a.array.dtype)), R
    if mode == 'complete' and m > n:
        from .shape import cat
        q, r = _xp(a).linalg.qr(a.array, mode='complete')
        Q = cat([Q, wrap(q[..., n:])], -1)
        R = cat([R, wrap(r[..., n:, :])], -2)
    return Q, R


# ---- matrix exponential --------------------------------------------------------------------------
class MatrixExp(Function):
    torch_name = 'LinalgMatrixExpBackward0'

    def forward(self, a):
        self.save_for_backward(a)
        return expm(_xp(a), a.array)

    def backward(self, grad):
        a, = self.saved_tensors
        n = a.shape[-1]
        from .shape import cat
        at = a.mT
        top = cat([at, grad], -1)
        bottom = cat([at * 0, at], -1)
        return MatrixExp.apply(cat([top, bottom], -2))[..., :n, n:]


def expm(xp, a):
    """exp(A) by scaling and squaring with a degree-18 Taylor polynomial (error below 1e-16 once
    ||A / 2^s||_1 <= 1/2); computed in float64 and cast back."""
    work = a.astype(xp.float64)
    if a.shape[-1] == 1:   # torch: the exponential of the entry (so exp(-inf) = 0)
        return xp.exp(work).astype(a.dtype)
    # a matrix holding inf or NaN: all NaN, as torch's (its norm would make the scaling exponent infinite)
    bad = ~xp.isfinite(work).all(axis=(-2, -1)) if work.size else xp.zeros(work.shape[:-2], dtype=bool)
    if bad.any():
        out = expm(xp, xp.where(bad[..., None, None], 0.0, work))
        return xp.where(bad[..., None, None], xp.nan, out).astype(a.dtype)
    norm = xp.abs(work).sum(-2).max() if work.size else 0.0
    s = builtins.max(0, int(math.ceil(math.log2(float(norm) / 0.5))) if norm > 0.5 else 0)
    work = work / (2.0 ** s)
    eye = xp.broadcast_to(xp.eye(a.shape[-1]), work.shape)
    result, term = eye.copy(), eye.copy()
    for k in range(1, 19):
        term = term @ work / k
        result = result + term
    for _ in range(s):
        result = result @ result
    return result.astype(a.dtype)


def matrix_exp(a):
    check_square('linalg.matrix_exp', a)
    return MatrixExp.apply(a)
