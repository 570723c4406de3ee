"""Vector p-norms (Tensor.norm, torch.norm with a vector p) with torch's gradients at singular points.

norm(x, p, dim, keepdim) = (sum |x_i|^p)^(1/p) over dim (all dims by default); p = inf / -inf is the
largest / smallest |x_i|, p = 0 the count of non-zeros. Shapes: x (...), result x's shape without dim
(kept as 1 with keepdim). dtype: integer inputs become float32, as torch's.

The backward is torch's linalg_vector_norm_backward (FunctionsManual.cpp), case by case, so that the
singular points agree: the gradient is 0 where the norm is 0 (p >= 1), 0 at zero entries for p < 1,
shared evenly among the ties of an inf-norm (NaN entries count as ties and get sign(NaN) = 0), and
undefined (x.grad stays None) for p = 0. It is written in tensor ops, so it is differentiable again.
Errors: p = +-inf over an empty dim (no identity) raises torch's RuntimeError.
"""
import math

import numpy as np

from .. import backend
from ..function import Function
from ..tensor import wrap
from .arithmetic import where
from .elementwise import floating
from .reduction import expand_reduced, normalize_dims


class VectorNorm(Function):
    contiguous_output = True
    torch_name = 'LinalgVectorNormBackward0'
    saves_output = True

    def forward(self, x, p, dims, keepdim):
        self.save_for_backward(x)
        self.args = (x.array.shape, dims, keepdim)
        self.p = p
        xp = backend.array_module(x.array)
        a = xp.abs(x.array)
        if p == math.inf:
            return a.max(axis=dims, keepdims=keepdim)
        if p == -math.inf:
            return a.min(axis=dims, keepdims=keepdim)
        if p == 0:
            return (a != 0).sum(axis=dims, keepdims=keepdim).astype(a.dtype)
        if p == 1:
            return a.sum(axis=dims, keepdims=keepdim)
        if p == 2:
            return xp.sqrt((a * a).sum(axis=dims, keepdims=keepdim))
        return (a ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)

    def backward(self, grad):
        x, = self.saved_tensors
        return None if self.p == 0 else norm_backward(grad, x, self.p, self.output, *self.args[1:])


def norm_backward(grad, x, p, norm, dims, keepdim):
    """torch's norm_backward: the gradient of norm = vector_norm(x, p, dims, keepdim) (p != 0) for the
    output gradient grad, in tensor ops (also renorm's backward reads it)."""
    shape = x.shape
    grad = expand_reduced(grad, shape, dims, keepdim)
    norm = expand_reduced(norm, shape, dims, keepdim)
    if p == 1:
        return x.sign() * grad
    if p == 2:
        return grad * where(norm == 0, 0.0, x / norm)
    if math.isinf(p):
        a = x.abs()
        mask = ((a == norm) | a.isnan()).to(x.dtype)
        count = expand_reduced(mask.sum(dims, keepdim=True), shape, dims, True)
        return x.sign() * ((grad / count) * mask)
    if p < 1:
        scaled = x.sign() * where(x == 0, 0.0, x.abs() ** (p - 1))
        return scaled * grad * norm ** (1 - p)
    scaled = x.sign() * x.abs() ** (p - 1) if p < 2 else x * x.abs() ** (p - 2)
    return scaled * where(norm == 0, 0.0, grad / norm ** (p - 1))


def check_identity(x, p, dim):
    """torch's RuntimeError for a norm with no identity (p < 0 or inf: a min or max) over an empty tensor or
    an empty reduced dim; dim as the user gave it (torch names it so)."""
    if x.array.size != 0 or not (p < 0 or math.isinf(p)):
        return
    if dim is None or dim == ():
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty tensor because "
                           "the operation does not have an identity")
    for d in ((dim,) if isinstance(dim, int) else dim):
        if x.shape[d] == 0:
            raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on the dimension {d}"
                               "because this dimension is empty and the operation does not have an identity")


def norm(x, p='fro', dim=None, keepdim=False):
    x = floating(x)
    if p in ('fro', None):
        p = 2
    p = {'inf': math.inf, '-inf': -math.inf}.get(p, p)
    dims = normalize_dims(dim, x.ndim)
    check_identity(x, p, dim)
    return VectorNorm.apply(x, p=float(p), dims=dims, keepdim=keepdim)


class Cdist(Function):
    """torch.cdist: p-norm distances between the rows of x1 (*, P, M) and x2 (*, R, M), result (*, P, R).

    Backward is torch's _cdist_backward kernel, per pair and summed over the other side, with its sign()
    (NaN at NaN) and its zero cases: p = 0 none; 1: sign(d) g; p < 2: 0 where dist = 0 (or d = 0 for p < 1),
    else sign(d) |d|^(p-1) g / dist^(p-1); 2: d g / dist (0 where dist = 0); inf: sign(d) g where |d| equals
    dist, every such tie in full, NaN where |d| and dist are both inf; other p: d |d|^(p-2) g / dist^(p-1).
    (Torch has no second derivative here: this backward is not differentiable again.)"""
    torch_name = 'CdistBackward0'
    saves_output = True

    def forward(self, x1, x2, p):
        self.save_for_backward(x1, x2)
        self.p = p
        xp = backend.array_module(x1.array)
        a = xp.abs(x1.array[..., :, None, :] - x2.array[..., None, :, :])
        if p == math.inf:   # torch's scalar loop: agg = std::max(agg, |d|) from 0, so NaN entries are skipped
            a = xp.where(xp.isnan(a), 0, a)
            return a.max(axis=-1) if a.shape[-1] else a.sum(axis=-1)
        if p == 0:   # torch's map min(ceil(|d|), 1): NaN stays NaN
            return xp.minimum(xp.ceil(a), 1).sum(axis=-1).astype(a.dtype)
        if p == 1:
            return a.sum(axis=-1)
        if p == 2:
            return xp.sqrt((a * a).sum(axis=-1))
        return (a ** p).sum(axis=-1) ** (1.0 / p)

    @staticmethod
    def _pair_grad(xp, d, g, dist, p):
        """The kernel's per-pair term for diff d (*, P, R, M), grad g and dist (*, P, R, 1)."""
        with np.errstate(all='ignore'):
            sign = xp.minimum(xp.maximum(0, xp.ceil(d)), 1) + xp.minimum(xp.maximum(-1, xp.floor(d)), 0)
            sign = xp.where(xp.isnan(d), xp.nan, sign)
            a = xp.abs(d)
            if p == 0:
                return xp.zeros_like(d)
            if p == 1:
                return g * sign
            if p == math.inf:
                return g * sign * (1 - xp.minimum(1, xp.ceil(xp.abs(a - dist))))
            if p == 2:
                return xp.where(dist == 0, 0, g * d / dist)
            if p < 2:
                zero = (dist == 0) | ((d == 0) & (p < 1))
                return xp.where(zero, 0, sign * a ** (p - 1) * g / dist ** (p - 1))
            return xp.where(dist == 0, 0, d * a ** (p - 2) * g / dist ** (p - 1))

    def backward(self, grad):
        x1, x2 = self.saved_tensors
        xp = backend.array_module(x1.array)
        g = grad.array[..., None]
        dist = self.output.array[..., None]
        d = x1.array[..., :, None, :] - x2.array[..., None, :, :]
        g1 = self._pair_grad(xp, d, g, dist, self.p).sum(axis=-2)
        g2 = self._pair_grad(xp, -d, g, dist, self.p).sum(axis=-3)
        from .shape import sum_to
        return (sum_to(wrap(g1.astype(x1.array.dtype)), x1.shape) if self.needs_input_grad[0] else None,
                sum_to(wrap(g2.astype(x2.array.dtype)), x2.shape) if self.needs_input_grad[1] else None)
