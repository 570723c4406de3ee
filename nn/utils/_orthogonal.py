"""parametrizations.orthogonal: a weight kept (semi-)orthogonal by a map from an unconstrained matrix.

As torch's (torch/nn/utils/parametrizations.py, after Lezcano-Casado & Martinez-Rubio, ICML 2019): the
weight is Q = base @ map(X), with map one of
    matrix_exp   Q = exp(A),                       A = tril(X) - tril(X)^T (skew-symmetric)
    cayley       Q = (I - A/2)^-1 (I + A/2)
    householder  Q = H_1 ... H_k,  H_i = I - tau_i v_i v_i^T, v_i the i-th column of tril(X, -1) with a unit
                 diagonal, tau_i = 2 / (1 + |v_i below the diagonal|^2), signs from diag(X)
and, with use_trivialization, `base` the orthogonal matrix the weight was set to (right_inverse returns -I,
which every map sends to I). A wide weight (n < k) is parametrised through its transpose.
"""
from autograd import creation, linalg
from autograd.grad_mode import no_grad

from ..module import Module

MAPS = ('matrix_exp', 'cayley', 'householder')


def householder_product(A, tau):
    """torch.linalg.householder_product for real A (..., n, k) and tau (..., k): the first k columns of
    H_1 ... H_k, composed of Tensor ops so that it is differentiable in A and tau."""
    n, k = A.shape[-2], A.shape[-1]
    eye = creation.eye(n, dtype=A.dtype, device=A.device)
    Q = eye.expand(tuple(A.shape[:-2]) + (n, n))
    rows = creation.arange(n, device=A.device)
    for i in range(k):
        below = (rows > i).to(A.dtype)
        v = A[..., :, i] * below + (rows == i).to(A.dtype)          # (..., n), unit at i, zeros above
        H = eye - tau[..., i, None, None] * (v[..., :, None] * v[..., None, :])
        Q = Q @ H
    return Q[..., :, :k]


def _make_orthogonal(A):
    """The Q of A's QR decomposition with diag(R) made positive (torch: geqrf + householder_product)."""
    Q, R = linalg.qr(A)
    return Q * R.diagonal(dim1=-2, dim2=-1).sign().unsqueeze(-2)


def _is_orthogonal(Q):
    n, k = Q.shape[-2], Q.shape[-1]
    from autograd import finfo, allclose
    eye = creation.eye(k, dtype=Q.dtype, device=Q.device)
    return allclose(Q.mT @ Q, eye, atol=10 * n * finfo(Q.dtype).eps)


class _Orthogonal(Module):
    def __init__(self, weight, orthogonal_map, use_trivialization=True):
        super().__init__()
        self.shape, self.orthogonal_map = weight.shape, orthogonal_map
        if use_trivialization:
            self.register_buffer('base', None)

    def forward(self, X):
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ('matrix_exp', 'cayley'):
            X = X.tril()
            if n != k:
                from autograd import cat
                X = cat([X, X.new_zeros(n, n - k).expand(tuple(X.shape[:-2]) + (-1, -1))], dim=-1)
            A = X - X.mT
            if self.orthogonal_map == 'matrix_exp':
                Q = linalg.matrix_exp(A)
            else:
                eye = creation.eye(n, dtype=A.dtype, device=A.device)
                Q = linalg.solve(eye - 0.5 * A, eye + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(diagonal=-1)
            tau = 2.0 / (1.0 + (A * A).sum(dim=-2))
            Q = householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if getattr(self, 'base', None) is not None:
            Q = self.base @ Q
        if transposed:
            Q = Q.mT
        return Q

    def right_inverse(self, Q):
        """Set the weight to Q (made orthogonal if it is not): base <- Q, and the unconstrained matrix <- -I."""
        with no_grad():
            if tuple(Q.shape) != tuple(self.shape):
                raise ValueError(f"Expected a matrix or batch of matrices of shape {tuple(self.shape)}. "
                                 f"Got a tensor of shape {tuple(Q.shape)}.")
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            if n < k:
                Q = Q.mT
                n, k = k, n
            if not hasattr(self, 'base'):
                raise NotImplementedError("orthogonal(use_trivialization=False) is not supported here: its "
                                          "right_inverse needs geqrf")
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                from autograd import cat, randn
                N = randn(*(tuple(Q.shape[:-2]) + (n, n - k)), dtype=Q.dtype, device=Q.device)
                Q = _make_orthogonal(cat([Q, N], dim=-1))
            self.base = Q
            eye = creation.eye(Q_init.shape[-2], Q_init.shape[-1], dtype=Q_init.dtype, device=Q_init.device)
            return (-eye).expand(tuple(Q_init.shape)).clone()


def orthogonal(module, name='weight', orthogonal_map=None, *, use_trivialization=True):
    """Parametrise module.<name> (a matrix or batch of matrices) as orthogonal; torch's defaults: matrix_exp for
    square weights, householder otherwise. Raises ValueError for a weight with fewer than 2 dims or an unknown
    map."""
    from . import parametrize
    weight = getattr(module, name, None)
    if weight is None or not hasattr(weight, 'ndim'):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    n, k = weight.shape[-2], weight.shape[-1]
    if orthogonal_map is None:
        orthogonal_map = 'matrix_exp' if n == k else 'householder'
    if orthogonal_map not in MAPS:
        raise ValueError(f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". '
                         f'Got: {orthogonal_map}')
    orth = _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization)
    parametrize.register_parametrization(module, name, orth, unsafe=True)
    return module
