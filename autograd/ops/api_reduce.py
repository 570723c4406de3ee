"""Order statistics and other reductions: median, mode, kthvalue, quantile, nan-reductions, aminmax,
cummax/cummin, logcumsumexp, diff; and the counting ops histc, histogram, bincount, bucketize, searchsorted.

The order statistics find their positions with a stable argsort on the array, then gather the values
with the differentiable gather: the gradient goes to the chosen element, as torch's does.
"""
import collections

import numpy as np

from .. import backend
from ..function import Function
from ..tensor import Tensor, wrap
from .arithmetic import where
from .elementwise import floating
from .reduction import SelectAlong
from .reduction import normalize_dims

_minmax = collections.namedtuple('aminmax', ['min', 'max'])
_histogram = collections.namedtuple('histogram', ['hist', 'bin_edges'])


def _xp(x):
    return backend.array_module(x.array)


def _named(op, values, indices):
    from .reduction import values_indices
    return values_indices(values, indices, op)


def _dim_of(x, dim, op):
    return normalize_dims(dim, x.ndim, op)[0] if x.ndim else 0


_NODES = {'kthvalue': 'KthvalueBackward0', 'median': 'MedianBackward1', 'nanmedian': 'NanmedianBackward1',
          'mode': 'ModeBackward0', 'cummax': 'CummaxBackward0', 'cummin': 'CumminBackward0'}


def _select(x, dim, idx, keepdim, op):
    """values and indices at positions idx (keepdim shape, int64) along dim: one node named as torch's."""
    if x.ndim == 0:
        idx = idx.reshape(())
    elif not keepdim:
        idx = idx.squeeze(dim)
    indices = wrap(idx)
    values = SelectAlong.apply(x, indices=indices, dim=dim, keepdim=keepdim, node_name=_NODES[op])
    return _named(op, values, indices)


def _kth_index(x, dim, k, nan_last=True):
    xp = _xp(x)
    a = x.array if x.ndim else x.array.reshape(1)
    order = xp.argsort(a, axis=dim, kind='stable')
    return xp.take(order, xp.asarray([k]), axis=dim) if isinstance(k, int) else xp.take_along_axis(order, k, dim)


def kthvalue(x, k, dim=-1, keepdim=False):
    d = _dim_of(x, dim, 'kthvalue')
    n = x.shape[d] if x.ndim else 1
    if n == 0:   # torch checks the empty dim first, with an IndexError
        raise IndexError(f"kthvalue(): Expected reduction dim {d} to have non-zero size.")
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    return _select(x, d, _kth_index(x, d, k - 1), keepdim, 'kthvalue')


class MedianAll(Function):
    """The lower median of all entries (NaN if any is NaN). Backward as torch's evenly_distribute_backward:
    the gradient is shared evenly by every entry equal to the median (every NaN when it is NaN), so it does
    not depend on which of equal entries a sort picks."""
    torch_name = 'MedianBackward0'

    def forward(self, x):
        self.save_for_backward(x)
        xp = _xp(x)
        a = x.array.reshape(-1)
        if xp.isnan(a).any():
            return xp.asarray(xp.nan, dtype=a.dtype)
        return xp.sort(a)[(a.size - 1) // 2]

    def backward(self, grad):
        x, = self.saved_tensors
        xp = _xp(x)
        a = x.array
        v = xp.sort(a.reshape(-1))[(a.size - 1) // 2] if not xp.isnan(a).any() else xp.nan
        mask = xp.isnan(a) if xp.isnan(v) else a == v
        return where(wrap(mask), grad / float(mask.sum()), 0.0)


def median(x, dim=None, keepdim=False):
    """The lower median: with no dim a 0-d tensor of the flattened input, else (values, indices)."""
    if dim is None:
        flat = x.reshape(-1)
        if flat.numel() == 0:
            return flat.sum() + float('nan')   # recorded, as torch's is
        return MedianAll.apply(x)
    d = _dim_of(x, dim, 'median')
    n = x.shape[d] if x.ndim else 1
    xp = _xp(x)
    a = x.array if x.ndim else x.array.reshape(1)
    order = xp.argsort(a, axis=d, kind='stable')
    idx = xp.take(order, xp.asarray([(n - 1) // 2]), axis=d)
    nans = xp.isnan(a)
    if nans.any():   # a row holding nan has median nan, at its first nan
        first_nan = xp.argmax(nans, axis=d, keepdims=True)
        idx = xp.where(nans.any(axis=d, keepdims=True), first_nan, idx)
    return _select(x, d, idx, keepdim, 'median')


def nanmedian(x, dim=None, keepdim=False):
    """The lower median of the non-nan values (nan where all are)."""
    xp = _xp(x)
    if dim is None:
        flat = x.reshape(-1)
        return nanmedian(flat, 0).values if flat.numel() else median(flat)
    d = _dim_of(x, dim, 'nanmedian')
    a = x.array if x.ndim else x.array.reshape(1)
    order = xp.argsort(a, axis=d, kind='stable')   # NumPy sorts nan last
    count = (~xp.isnan(a)).sum(axis=d, keepdims=True)
    pos = xp.maximum((count - 1) // 2, 0)
    idx = xp.take_along_axis(order, pos, d)
    return _select(x, d, idx, keepdim, 'nanmedian')


def mode(x, dim=-1, keepdim=False):
    """The most frequent value along dim (the smallest among equally frequent ones) and its last index."""
    d = _dim_of(x, dim, 'mode')
    if x.ndim and x.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    a = backend.to_host(x.array if x.ndim else x.array.reshape(1))
    moved = np.moveaxis(a, d, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    idx = np.zeros(rows.shape[0], dtype=np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True, equal_nan=False)   # each nan counts alone, as torch
        best = values[np.argmax(counts)]
        idx[r] = np.nonzero((row == best) | (np.isnan(row) & np.isnan(best)))[0][-1]
    idx = np.expand_dims(idx.reshape(moved.shape[:-1]), d)
    return _select(x, d, backend.to_device(idx, x.device), keepdim, 'mode')


def quantile(x, q, dim=None, keepdim=False, *, interpolation='linear', ignore_nan=False):
    """q-th quantiles (q a float or 1-D tensor in [0, 1]) by interpolating between sorted values;
    a tensor q puts its dim first in the result."""
    name = 'nanquantile' if ignore_nan else 'quantile'
    if interpolation not in ('linear', 'lower', 'higher', 'midpoint', 'nearest'):
        raise ValueError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest. "
                         f"Got {interpolation}")
    scalar_q = not isinstance(q, Tensor)
    qs = np.atleast_1d(np.asarray(q.tolist() if isinstance(q, Tensor) else q, dtype=np.float64))
    if isinstance(q, Tensor) and q.ndim > 1:
        raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
    if ((qs < 0) | (qs > 1)).any():
        raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
    if x.numel() == 0:   # torch checks this first, with quantile's name for both functions
        raise RuntimeError("quantile() input tensor must be non-empty")
    if x.array.dtype.kind != 'f':
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if dim is None:
        src, d = x.reshape(-1), 0
    else:
        d = _dim_of(x, dim, name)
        src = x if x.ndim else x.reshape(1)
    sorted_x = src.sort(d)[0]
    xp = _xp(x)
    n = src.shape[d]
    isnan = xp.isnan(src.array)
    count = (~isnan).sum(axis=d, keepdims=True) if ignore_nan else xp.full(
        tuple(1 if i == d else s for i, s in enumerate(src.shape)), n)
    outs = []
    has_nan = isnan.any(axis=d, keepdims=True)
    for qv in qs:
        # torch's ranks: nanquantile over the non-NaN count (0 when all are NaN: the first NaN is picked);
        # quantile at the last index where a row holds NaN (the sort puts NaN last: value and gradient
        # go to that NaN)
        rank = qv * (xp.maximum(count, 1) - 1)
        if not ignore_nan:
            rank = xp.where(has_nan, n - 1, rank)
        lo = xp.floor(rank).astype(np.int64)
        hi = xp.ceil(rank).astype(np.int64)
        if interpolation == 'lower':
            hi = lo
        elif interpolation == 'higher':
            lo = hi
        elif interpolation == 'nearest':
            lo = hi = xp.round(rank).astype(np.int64)   # NumPy rounds half to even, as torch
        frac = rank - lo if interpolation == 'linear' else xp.full(rank.shape, 0.5 if interpolation == 'midpoint'
                                                                   else 0.0)
        lo_v = sorted_x.gather(d, wrap(lo))
        if interpolation in ('linear', 'midpoint'):   # torch's lerp: exact at both ends, NaN from inf - inf
            hi_v = sorted_x.gather(d, wrap(hi))
            w = wrap(frac.astype(x.array.dtype))
            val = where(w < 0.5, lo_v + w * (hi_v - lo_v), hi_v - (hi_v - lo_v) * (1 - w))
        else:                                         # lower, higher, nearest: the element itself
            val = lo_v
        if not keepdim:
            val = val.squeeze(d)
        elif dim is None:
            val = val.reshape((1,) * x.ndim)
        outs.append(val)
    if x.ndim == 0:
        outs = [o.reshape(()) for o in outs]
    if scalar_q:
        return outs[0]
    from .shape import stack
    return stack(outs, 0)


def nanquantile(x, q, dim=None, keepdim=False, *, interpolation='linear'):
    return quantile(x, q, dim, keepdim, interpolation=interpolation, ignore_nan=True)


class _NanToZero(Function):
    """NaN -> 0 with torch's nansum gradient, grad * (x is not NaN): a product, so an infinite grad (nanmean
    over only NaNs divides by a zero count) gives NaN there, as in torch."""
    def forward(self, x):
        self.keep = wrap(~backend.array_module(x.array).isnan(x.array))
        return where(self.keep, x.detach(), 0.0).array

    def backward(self, grad):
        return grad * self.keep


def nansum(x, dim=None, keepdim=False, *, dtype=None):
    if x.array.dtype.kind in 'fc':
        x = _NanToZero.apply(x)
    dim = tuple(range(x.ndim)) if dim is None and keepdim else dim
    return x.sum(dim, keepdim, dtype=dtype) if dim is not None else x.sum(dtype=dtype)


def nanmean(x, dim=None, keepdim=False, *, dtype=None):
    if x.array.dtype.kind not in 'fc':
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex dtype but got "
                           f"{x.dtype.scalar_name}")
    dim = tuple(range(x.ndim)) if dim is None and keepdim else dim
    count = (~x.isnan()).sum(dim, keepdim) if dim is not None else (~x.isnan()).sum()
    return nansum(x, dim, keepdim, dtype=dtype) / count


def aminmax(x, *, dim=None, keepdim=False):
    dims = () if dim is None else dim
    return _minmax(x.amin(dims, keepdim), x.amax(dims, keepdim))


def _cumulative_extreme(x, dim, largest, op):
    d = _dim_of(x, dim, op)
    xp = _xp(x)
    a = x.array if x.ndim else x.array.reshape(1)
    moved = xp.moveaxis(a, d, 0)
    idx = xp.zeros(moved.shape, dtype=np.int64)
    best = moved[0].copy() if moved.shape[0] else None   # an empty dim: no steps, empty results
    for i in range(1, moved.shape[0]):   # ties and nan take the later index, as torch's kernels do
        v = moved[i]
        take = xp.isnan(v) | (~xp.isnan(best) & ((v >= best) if largest else (v <= best)))
        best = xp.where(take, v, best)
        idx[i] = xp.where(take, i, idx[i - 1])
    idx = xp.ascontiguousarray(xp.moveaxis(idx, 0, d))   # torch's results are fresh row-major tensors
    return _select(x, d, idx, True, op)


def cummax(x, dim): return _cumulative_extreme(x, dim, True, 'cummax')
def cummin(x, dim): return _cumulative_extreme(x, dim, False, 'cummin')


def _log_add_exp(x, acc, xp):
    """torch's _log_add_exp_helper(x, acc) (ATen ReduceOps.cpp), elementwise: NaN in either propagates
    (std::min/max keep the first argument at a NaN), two equal infinities give x, else log1p(exp(lo - hi)) + hi."""
    nan_acc = xp.isnan(acc)
    lo = xp.where(nan_acc, acc, xp.where(acc < x, acc, x))
    hi = xp.where(nan_acc, acc, xp.where(x < acc, acc, x))
    with np.errstate(invalid='ignore', over='ignore'):
        mixed = xp.log1p(xp.exp(lo - hi)) + hi
    return xp.where((lo == hi) & ~xp.isfinite(lo), x, mixed)


class Logcumsumexp(Function):
    """log(cumsum(exp(x))) along dim as torch's scan computes it: a running log-add-exp from -inf, prefix by
    prefix, so an inf or NaN reaches only the prefixes that contain it. x: floating, any shape (0-d as
    one element); out: x's shape and dtype."""
    saves_output = True
    contiguous_output = True

    def forward(self, x, dim):
        xp = _xp(x)
        self.dim = dim
        self.save_for_backward(x)
        a = x.array.reshape(1) if x.ndim == 0 else x.array
        moved = xp.moveaxis(a, dim, 0)
        out = xp.empty_like(moved)
        acc = xp.full(moved.shape[1:], -np.inf, dtype=moved.dtype)
        for i in range(moved.shape[0]):
            acc = out[i] = _log_add_exp(moved[i], acc, xp)
        return xp.moveaxis(out, 0, dim).reshape(x.array.shape)

    def backward(self, grad):
        """torch's logcumsumexp_backward (FunctionsManual.cpp): the positive and negative parts of grad each
        through a reversed logcumsumexp in log space, log|grad| with the dtype's lowest value where grad has
        the other sign or is zero; a 0-d or empty grad passes through."""
        if grad.ndim == 0 or grad.numel() == 0:
            return grad
        x, = self.saved_tensors
        d, result = self.dim, self.output
        lowest = float(np.finfo(x.array.dtype).min)
        log_abs = grad.abs().log()

        def part(mask):
            shifted = where(mask, log_abs, lowest) - result
            return (Logcumsumexp.apply(shifted.flip(d), dim=d).flip(d) + x).exp()
        return part(grad > 0) - part(grad < 0)


def logcumsumexp(x, dim):
    x = floating(x)
    return Logcumsumexp.apply(x, dim=_dim_of(x, dim, 'logcumsumexp'))


def diff(x, n=1, dim=-1, prepend=None, append=None):
    from .shape import cat
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = _dim_of(x, dim, 'diff')
    if prepend is not None or append is not None:
        x = cat([t for t in (prepend, x, append) if t is not None], d)
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        a, b = x.narrow(d, 1, length - 1), x.narrow(d, 0, length - 1)
        x = (a != b) if x.array.dtype.kind == 'b' else a - b
    return x


# ---- counting (no gradient) ---------------------------------------------------------------------
def histc(x, bins=100, min=0, max=0):
    """Counts in `bins` equal bins over [min, max] (the data's range when both are 0); outside is ignored."""
    if x.array.dtype.kind != 'f':
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{x.dtype.scalar_name}'")
    a = backend.to_host(x.array).astype(np.float64).reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and a.size:
        lo, hi = float(a.min()), float(a.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (np.isfinite(lo) and np.isfinite(hi)):   # the data's range holds inf or NaN: torch refuses it
        raise RuntimeError(f"torch.histc: range of [{lo:g}, {hi:g}] is not finite")
    if lo > hi:
        raise RuntimeError("histc: max must be larger than min")
    counts, _ = np.histogram(a[(a >= lo) & (a <= hi)], bins=bins, range=(lo, hi))
    return wrap(backend.to_device(counts.astype(x.array.dtype), x.device))


def histogram(x, bins, *, range=None, weight=None, density=False):
    a = backend.to_host(x.array).reshape(-1)
    b = backend.to_host(bins.array) if isinstance(bins, Tensor) else bins
    w = backend.to_host(weight.array).reshape(-1) if weight is not None else None
    if range is None and not isinstance(bins, Tensor) and a.size:
        range = (float(a.min()), float(a.max()))
    if range is not None and not (np.isfinite(range[0]) and np.isfinite(range[1])):
        raise RuntimeError(f"torch.histogramdd: dimension 0's range [{range[0]:g}, {range[1]:g}] is not finite")
    hist, edges = np.histogram(a, bins=b, range=range, weights=w, density=density)
    dev = x.device
    return _histogram(wrap(backend.to_device(hist.astype(x.array.dtype), dev)),
                      wrap(backend.to_device(edges.astype(x.array.dtype), dev)))


def bincount(x, weights=None, minlength=0):
    if x.ndim != 1 or x.array.dtype.kind not in 'iu':
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if x.numel() and int(x.array.min()) < 0:
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    xp = _xp(x)
    w = weights.array if weights is not None else None
    if x.numel() == 0:   # torch: an empty input counts nothing, in int64 whatever the weights
        return wrap(xp.zeros(minlength, dtype=np.int64))
    out = xp.bincount(x.array, weights=w, minlength=minlength)
    if weights is None:
        return wrap(out.astype(np.int64))
    return wrap(out.astype(w.dtype if w.dtype.kind == 'f' else np.float64))


def searchsorted(sorted_sequence, values, *, out_int32=False, right=False, side=None, sorter=None):
    """Insertion points of values into sorted_sequence's last dim (1-D, or batched with matching lead dims)."""
    xp = _xp(sorted_sequence)
    side = side or ('right' if right else 'left')
    seq = sorted_sequence.array
    vals = values.array if isinstance(values, Tensor) else xp.asarray(values)
    if sorter is not None:
        seq = xp.take_along_axis(seq, sorter.array, -1)
    if seq.ndim == 1:
        out = xp.searchsorted(seq, vals, side=side)
    else:
        if seq.shape[:-1] != vals.shape[:-1]:
            raise RuntimeError("torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                               "dimensions of boundaries tensor and input value tensor must match, but we got "
                               f"boundaries tensor {list(seq.shape)} and input value tensor {list(vals.shape)}")
        flat_s = seq.reshape(-1, seq.shape[-1])
        flat_v = vals.reshape(-1, vals.shape[-1])
        out = xp.stack([xp.searchsorted(s, v, side=side) for s, v in zip(flat_s, flat_v)]).reshape(vals.shape)
    return wrap(xp.asarray(out).astype(np.int32 if out_int32 else np.int64))


def bucketize(input, boundaries, *, out_int32=False, right=False):
    if boundaries.ndim != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)

