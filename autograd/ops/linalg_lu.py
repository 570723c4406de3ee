"""LU with partial pivoting (torch.linalg.lu_factor / lu / lu_solve), batched.

NumPy has no LU, so the factorization is Doolittle elimination with LAPACK getrf's pivot rule (the largest
|entry| of the column, the first on ties), one column per step, vectorised over the batch. Pivots are
1-based row swaps as LAPACK returns them.

Backward (square A = P L U, torch's linalg_lu_backward; Walter & Lehmann 2018):
    gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T
"""
import numpy as np

from .. import backend
from ..function import Function
from ..tensor import wrap
from .linalg_decomp import SolveTriangular, check_float


def factor(xp, a):
    """(LU packed, pivots int32 1-based) of a (*, m, n)."""
    lu = a.astype(a.dtype, copy=True)
    m, n = a.shape[-2:]
    k = min(m, n)
    batch = a.shape[:-2]
    flat = lu.reshape((int(np.prod(batch)), m, n))   # explicit count: -1 is ambiguous when m or n is 0
    pivots = xp.zeros((flat.shape[0], k), dtype=np.int32)
    rows = xp.arange(flat.shape[0])
    for j in range(k):
        p = j + xp.argmax(xp.abs(flat[:, j:, j]), axis=1)
        pivots[:, j] = p + 1
        top, other = flat[rows, j, :].copy(), flat[rows, p, :].copy()
        flat[rows, j, :], flat[rows, p, :] = other, top
        pivot = flat[:, j, j]
        safe = xp.where(pivot == 0, 1, pivot)
        factors = xp.where(pivot[:, None] == 0, 0, flat[:, j + 1:, j] / safe[:, None])
        flat[:, j + 1:, j] = factors
        flat[:, j + 1:, j + 1:] -= factors[:, :, None] * flat[:, j, None, j + 1:]
    return flat.reshape(a.shape), pivots.reshape(batch + (k,))


def permutation(xp, pivots, m, dtype):
    """P (*, m, m) with A = P L U, from LAPACK row swaps."""
    batch = pivots.shape[:-1]
    flat = pivots.reshape((int(np.prod(batch)), pivots.shape[-1]))
    perm = xp.broadcast_to(xp.arange(m), (flat.shape[0], m)).copy()
    rows = xp.arange(flat.shape[0])
    for j in range(flat.shape[1]):
        p = flat[:, j] - 1
        a, b = perm[rows, j].copy(), perm[rows, p].copy()
        perm[rows, j], perm[rows, p] = b, a
    # row i of P^T A is row perm[i] of A, so P[perm[i], i] = 1
    P = xp.zeros((flat.shape[0], m, m), dtype=dtype)
    P[rows[:, None], perm, xp.arange(m)[None, :]] = 1
    return P.reshape(batch + (m, m))


class LuFactor(Function):
    """The packed LU, computed outside (with its pivots) and passed in; backward for square A."""
    torch_name = 'LinalgLuFactorExBackward0'
    saves_output = True

    def forward(self, a, lu, P):
        self.P = P
        return lu

    def backward(self, grad):
        packed = self.output
        n = packed.shape[-1]
        if packed.numel() == 0:   # an empty A (one of its sizes 0): an empty gradient, as torch's
            return grad * 0
        if packed.shape[-2] != n:
            raise NotImplementedError("lu_factor: the gradient is implemented for square matrices only")
        eye = wrap(backend.array_module(packed.array).eye(n, dtype=packed.array.dtype))
        L, U = packed.tril(-1) + eye, packed.triu()
        gL, gU = grad.tril(-1), grad.triu()
        phi = (L.mT @ gL).tril(-1) + (gU @ U.mT).triu()
        x = SolveTriangular.apply(L.mT, phi, upper=True, left=True, unitriangular=True)
        x = SolveTriangular.apply(U.mT, x, upper=False, left=False, unitriangular=False)
        return wrap(self.P) @ x


def lu_factor(A, pivot=True):
    check_float('linalg.lu_factor', A)
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")
    xp = backend.array_module(A.array)
    lu, piv = factor(xp, A.array)
    P = permutation(xp, piv, A.shape[-2], A.array.dtype)
    return LuFactor.apply(A, lu=lu, P=P), wrap(piv)


def lu_factor_checked(A, pivot=True):
    """torch.linalg.lu_factor: as lu_factor, but an exactly zero pivot U[i, i] raises torch's RuntimeError
    (1-based i, the first in the batch's first such matrix, as LAPACK getrf's info)."""
    LU, piv = lu_factor(A, pivot)
    xp = backend.array_module(A.array)
    k = min(A.shape[-2:])
    diag = xp.diagonal(LU.array, axis1=-2, axis2=-1).reshape((-1, k)) if k else None
    if k and bool((diag == 0).any()):
        first = diag[int(xp.argmax((diag == 0).any(axis=1)))]
        i = int(xp.argmax(first == 0)) + 1
        raise RuntimeError(f"torch.linalg.lu_factor: U[{i},{i}] is zero and using it on lu_solve would result in "
                           "a division by zero. If you still want to perform the factorization, consider calling "
                           "linalg.lu(A, pivot) or linalg.lu_factor_ex(A, pivot)")
    return LU, piv


def lu(A, pivot=True):
    """P, L (unit lower, m x k), U (upper, k x n) with A = P L U."""
    packed, piv = lu_factor(A, pivot)
    xp = backend.array_module(A.array)
    m, n = A.shape[-2:]
    k = min(m, n)
    eye = wrap(xp.eye(m, k, dtype=A.array.dtype))
    L = packed[..., :, :k].tril(-1) + eye
    U = packed[..., :k, :].triu()
    return wrap(permutation(xp, piv.array, m, A.array.dtype)), L, U


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """X with A X = B (or X A = B; A^H in place of A when adjoint) from lu_factor's output."""
    xp = backend.array_module(LU.array)
    n = LU.shape[-1]
    P = wrap(permutation(xp, pivots.array, n, LU.array.dtype))
    eye = wrap(xp.eye(n, dtype=LU.array.dtype))
    L, U = LU.tril(-1) + eye, LU.triu()
    if not left:   # X A = B  <=>  A^T X^T = B^T
        return lu_solve(LU, pivots, B.mT, left=True, adjoint=not adjoint).mT
    if adjoint:    # A^T X = B: U^T L^T P^T X = B
        y = SolveTriangular.apply(U.mT, B, upper=False, left=True, unitriangular=False)
        y = SolveTriangular.apply(L.mT, y, upper=True, left=True, unitriangular=True)
        return P @ y
    y = SolveTriangular.apply(L, P.mT @ B, upper=False, left=True, unitriangular=True)
    return SolveTriangular.apply(U, y, upper=True, left=True, unitriangular=False)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    xp = backend.array_module(LU_data.array)
    m, n = LU_data.shape[-2:]
    k = min(m, n)
    L = LU_data[..., :, :k].tril(-1) + wrap(xp.eye(m, k, dtype=LU_data.array.dtype))
    U = LU_data[..., :k, :].triu()
    return wrap(permutation(xp, LU_pivots.array, m, LU_data.array.dtype)), L, U
