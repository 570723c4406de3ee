"""Functional losses and distances added for issue 11 (re-exported by nn/functional.py).

Each follows ATen's (or torch.nn.functional's) formula step by step with Tensor ops, so values and
gradients match torch's, including which side of a hinge gets the gradient at a tie (torch's hinges use
`> 0` in their backward, written here as where(z > 0, z, 0) rather than clamp, whose gradient passes at 0).
"""
import math

from autograd import backend
from autograd.ops.loss import _reduce, _reduction

__all__ = ['margin_ranking_loss', 'hinge_embedding_loss', 'soft_margin_loss', 'multilabel_soft_margin_loss',
           'cosine_embedding_loss', 'pairwise_distance', 'cosine_similarity', 'pdist', 'triplet_margin_loss',
           'triplet_margin_with_distance_loss', 'multi_margin_loss', 'multilabel_margin_loss', 'poisson_nll_loss',
           'gaussian_nll_loss', 'ctc_loss']


def _hinge(z):
    """max(z, 0) with a zero gradient at z == 0."""
    return z.where(z > 0, 0.0)


def _size(t):
    return f"[{', '.join(str(s) for s in t.shape)}]"


def _no_grad_clamp_min(t, low):
    """torch's `with no_grad(): t.clamp_(min=low)` on a clone: the value is clamped, the gradient is t's."""
    return t + (t.detach().clamp(min=low) - t.detach())


def margin_ranking_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction='mean'):
    """max(0, -target * (input1 - input2) + margin)."""
    reduction = _reduction(size_average, reduce, reduction)
    if not (input1.dim() == input2.dim() == target.dim()):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {_torch_size(input1)}, input2: {_torch_size(input2)}, target: "
                           f"{_torch_size(target)} ")
    return _reduce((-target * (input1 - input2) + margin).clamp(min=0), reduction)


def _torch_size(t):
    return f"torch.Size({list(t.shape)})"


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None, reduction='mean'):
    """input where target == 1, max(0, margin - input) where target == -1 (ATen's sum of both branches)."""
    reduction = _reduction(size_average, reduce, reduction)
    zeros = input * 0
    margin_clamp = (margin - input).clamp(min=0)
    out = margin_clamp.where(target != 1, zeros) + input.where(target != -1, zeros)
    return _reduce(out, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """log(1 + exp(-target * input))."""
    reduction = _reduction(size_average, reduce, reduction)
    return _reduce((-input * target).exp().log1p(), reduction)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None, reduction='mean'):
    """-(y log sigmoid(x) + (1 - y) log sigmoid(-x)), weighted per class, averaged over the classes."""
    from .f_activation import logsigmoid
    reduction = _reduction(size_average, reduce, reduction)
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(dim=class_dim) / input.shape[class_dim]
    return _reduce(loss, reduction)


def cosine_embedding_loss(input1, input2, target, margin=0.0, size_average=None, reduce=None, reduction='mean'):
    """1 - cos(x1, x2) where target == 1, max(0, cos(x1, x2) - margin) where target == -1 (eps 1e-12 in the
    squared magnitudes, as ATen)."""
    reduction = _reduction(size_average, reduce, reduction)
    if input1.dim() != input2.dim() or input1.dim() not in (1, 2):
        raise RuntimeError(f"cosine_embedding_loss: expected 1D or 2D inputs of the same dimension, got "
                           f"{input1.dim()}D and {input2.dim()}D")
    if target.dim() != input1.dim() - 1:
        raise RuntimeError(f"{input1.dim()}D target tensor expects {input1.dim() - 1}D input tensors, but found "
                           f"inputs with sizes {list(input1.shape)} and {list(input2.shape)}.")
    d = input1.dim() - 1
    eps = 1e-12
    prod_sum = (input1 * input2).sum(d)
    mag1 = (input1 * input1).sum(d) + eps
    mag2 = (input2 * input2).sum(d) + eps
    cos = prod_sum / (mag1 * mag2).sqrt()
    zeros = cos * 0
    out = (1 - cos).where(target == 1, zeros) + (cos - margin).clamp(min=0).where(target == -1, zeros)
    return _reduce(out, reduction)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim (ATen adds eps to the difference)."""
    ndim = max(x1.dim(), x2.dim())
    if ndim == 0:
        raise RuntimeError("pairwise_distance: expected at least 1-D inputs")
    return (x1 - x2 + eps).norm(p, ndim - 1, keepdim=keepdim)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum((x1 / max(||x1||, eps)) * (x2 / max(||x2||, eps))) along dim (ATen 2.x: each side normalised first;
    the clamp happens under no_grad, so the gradient is the unclamped norm's)."""
    import numpy as np
    shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    x1, x2 = x1.expand(*shape), x2.expand(*shape)
    n1 = _no_grad_clamp_min(x1.norm(2, dim, keepdim=True), eps)
    n2 = _no_grad_clamp_min(x2.norm(2, dim, keepdim=True), eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pdist(input, p=2):
    """The p-norm distances between the rows of input (N, M): the upper triangle, row by row."""
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    n = input.shape[0]
    xp = backend.array_module(input.array)
    i, j = xp.triu_indices(n, 1)
    from autograd.tensor import wrap
    return (input.index_select(0, wrap(i)) - input.index_select(0, wrap(j))).norm(p, 1)


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False, size_average=None,
                        reduce=None, reduction='mean'):
    """max(d(a, p) - d(a, n) + margin, 0) with d the pairwise p-norm distance; swap uses min(d(a,n), d(p,n))."""
    reduction = _reduction(size_average, reduce, reduction)
    dims = (anchor.dim(), positive.dim(), negative.dim())
    if not (dims[0] == dims[1] == dims[2]):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {dims[0]}D, positive {dims[1]}D, and negative {dims[2]}D "
                           "inputs")
    dist_pos = pairwise_distance(anchor, positive, p, eps)
    dist_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        import autograd
        dist_neg = autograd.minimum(dist_neg, pairwise_distance(positive, negative, p, eps))
    return _reduce((margin + dist_pos - dist_neg).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None, margin=1.0,
                                      swap=False, reduction='mean'):
    """triplet_margin_loss with any distance_function(x, y) (default pairwise_distance)."""
    import autograd
    if margin <= 0:
        raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater than 0, got {margin} "
                         "instead")
    if reduction not in ('mean', 'sum', 'none'):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    a_dim, p_dim, n_dim = anchor.ndim, positive.ndim, negative.ndim
    if not (a_dim == p_dim and p_dim == n_dim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {a_dim}D, positive {p_dim}D, and negative {n_dim}D inputs")
    dist = distance_function if distance_function is not None else pairwise_distance
    dist_pos, dist_neg = dist(anchor, positive), dist(anchor, negative)
    if swap:
        dist_neg = autograd.minimum(dist_neg, dist(positive, negative))
    loss = (margin + dist_pos - dist_neg).clamp(min=0)
    return _reduce(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None, reduce=None,
                      reduction='mean'):
    """sum over i != y of max(0, margin - x[y] + x[i])^p * weight[y], divided by the number of classes.
    input (N, C) or (C,), target (N,) or () class indices."""
    reduction = _reduction(size_average, reduce, reduction)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    x = input if input.dim() == 2 else input.reshape(1, -1)
    n, c = x.shape
    t = target.reshape(-1)
    if t.shape[0] != n or input.dim() > 2:
        raise RuntimeError(f"inconsistent target size, expected {n} but got {list(target.shape)}")
    tv = backend.to_host(t.array)
    if tv.size and (tv.min() < 0 or tv.max() >= c):
        raise IndexError(f"Target {int(tv.max()) if tv.max() >= c else int(tv.min())} is out of bounds.")
    idx = t.long().reshape(n, 1)
    z = _hinge(margin - x.gather(1, idx) + x)
    if p == 2:
        z = z * z
    if weight is not None:
        z = z * weight.index_select(0, t.long()).reshape(n, 1)
    xp = backend.array_module(x.array)
    from autograd.tensor import wrap
    not_target = wrap(xp.arange(c)[None, :] != t.array.reshape(n, 1))
    loss = z.where(not_target, 0.0).sum(1) / c
    if input.dim() < 2 and reduction == 'none':
        loss = loss.reshape(target.shape)
    return _reduce(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction='mean'):
    """sum over target classes j and non-target classes i of max(0, 1 - (x[j] - x[i])) / C; target holds
    class indices, ended by the first -1. input (C,) or (N, C), target of the same shape."""
    from autograd.tensor import wrap
    reduction = _reduction(size_average, reduce, reduction)
    x = input if input.dim() == 2 else input.reshape(1, -1)
    t = target.reshape(x.shape) if target.numel() == x.numel() else None
    if t is None or input.dim() > 2:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    n, c = x.shape
    xp = backend.array_module(x.array)
    tv = t.array.astype(xp.int64)
    valid = xp.cumprod(tv >= 0, axis=1).astype(bool)          # positions before the first -1
    if ((tv >= c) & valid).any() or ((tv < -1) & valid).any():
        raise RuntimeError(f"multilabel_margin_loss: target values must lie in [-1, {c - 1}]")
    safe = xp.where(valid, tv, 0)
    is_target = xp.zeros((n, c), dtype=bool)
    rows = xp.repeat(xp.arange(n), c)
    is_target[rows[valid.reshape(-1)], safe[valid]] = True
    x_target = x.gather(1, wrap(safe))                         # (n, c): x at each listed target
    z = _hinge(1 - x_target.unsqueeze(2) + x.unsqueeze(1))     # (n, j, i)
    keep = wrap(valid[:, :, None] & ~is_target[:, None, :])
    loss = z.where(keep, 0.0).sum((1, 2)) / c
    if input.dim() < 2 and reduction == 'none':
        loss = loss.reshape(())
    return _reduce(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8, reduce=None,
                     reduction='mean'):
    """exp(input) - target * input (log_input), or input - target * log(input + eps); full adds Stirling's
    term target*log(target) - target + 0.5*log(2 pi target) where target > 1."""
    reduction = _reduction(size_average, reduce, reduction)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _reduce(loss, reduction)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction='mean'):
    """0.5 * (log(max(var, eps)) + (input - target)^2 / max(var, eps)) (+ 0.5 log(2 pi) when full); var may
    be a float, or lack the last dim, or have one dim of size 1 (homoscedastic along it)."""
    import autograd
    if isinstance(var, float):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = var * autograd.ones_like(input)
    elif bool((var < 0).any()):
        raise ValueError("var has negative entry/entries")
    if tuple(var.shape) != tuple(input.shape):
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif input.ndim == var.ndim and sum(y for x, y in zip(input.shape, var.shape) if x != y) == 1:
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ('none', 'mean', 'sum'):
        raise ValueError(reduction + " is not valid")
    var = _no_grad_clamp_min(var, eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)


from .f_ctc import ctc_loss  # noqa: E402,F401
