"""unique and unique_consecutive, over all elements or over the slices along a dim, as torch computes them.

Values keep the input's dtype; inverse indices and counts are int64. NaN equals nothing, so every NaN (and
every slice holding one) is its own group, as in torch (NumPy's unique would merge them). The outputs require
grad when the input does, but torch has no derivative for these ops: a backward through them raises.
"""
import numpy as np

from .. import backend
from ..function import Function
from ..tensor import Tensor, wrap
from .reduction import normalize_dims


class _NoDerivative(Function):
    """The values, recorded so that a backward reaching them raises torch's NotImplementedError."""
    def forward(self, x, values, op):
        self.op = op
        return values

    def backward(self, grad):
        raise NotImplementedError(f"the derivative for '{self.op}' is not implemented.")


class Unique2(_NoDerivative):
    torch_name = 'Unique2Backward0'


class UniqueDim(_NoDerivative):
    torch_name = 'UniqueDimBackward0'


class UniqueConsecutive(_NoDerivative):
    torch_name = 'UniqueConsecutiveBackward0'


def _groups(xp, rows, consecutive):
    """rows: (n, k). Returns (order, starts): the row order (sorted unless consecutive) and a boolean mask of
    the positions in that order where a new group begins."""
    n = rows.shape[0]
    if consecutive or n == 0:
        order = xp.arange(n)
    elif rows.shape[1] == 1:
        order = xp.argsort(rows[:, 0], kind='stable')
    else:   # lexicographic, first column most significant (lexsort sorts by its last key first)
        order = xp.asarray(np.lexsort(backend.to_host(rows).T[::-1]))
    s = rows[order]
    starts = xp.ones(n, dtype=bool)
    if n > 1:
        starts[1:] = (s[1:] != s[:-1]).any(axis=1)
    return order, starts


def _unique(x, sorted_, return_inverse, return_counts, dim, consecutive):
    xp = backend.array_module(x.array)
    a = x.array
    if dim is None:
        rows, moved = a.reshape(-1, 1), None
    else:
        if a.ndim == 0:
            raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
        d = normalize_dims(dim, a.ndim)[0]
        moved = xp.moveaxis(a, d, 0)
        if a.shape.count(0) > 1:
            raise RuntimeError("Number of zero sized dimensions is more than one, so unique cannot be applied ")
        if moved.shape[0] and 0 in moved.shape[1:]:
            raise RuntimeError("There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
        rows = moved.reshape(moved.shape[0], int(np.prod(moved.shape[1:], dtype=np.int64)))
    order, starts = _groups(xp, rows, consecutive)
    group = xp.cumsum(starts) - 1                    # group of each row, in sorted order
    first = order[starts]
    if dim is None:
        values = a.reshape(-1)[first]
    else:
        values = xp.moveaxis(moved[first], 0, d)
    node = UniqueConsecutive if consecutive else UniqueDim if dim is not None else Unique2
    op = 'unique_consecutive' if consecutive else 'unique_dim' if dim is not None else '_unique2'
    out = [node.apply(x, values=values, op=op)]
    if return_inverse:
        inverse = xp.empty(rows.shape[0], dtype=np.int64)
        inverse[order] = group
        out.append(wrap(inverse.reshape(a.shape) if dim is None else inverse))
    if return_counts:
        bounds = xp.flatnonzero(xp.append(starts, True))
        out.append(wrap(xp.diff(bounds).astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def unique(x, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """torch.unique: the distinct elements (dim None, flattened) or distinct slices along dim, sorted
    (torch sorts on the CPU whatever sorted says); inverse maps each element/slice to its group."""
    if not isinstance(x, Tensor):
        raise TypeError(f"unique(): argument 'input' (position 1) must be Tensor, not {type(x).__name__}")
    return _unique(x, sorted, return_inverse, return_counts, dim, consecutive=False)


def unique_consecutive(x, return_inverse=False, return_counts=False, dim=None):
    """torch.unique_consecutive: collapse runs of equal consecutive elements (or slices along dim)."""
    if not isinstance(x, Tensor):
        raise TypeError(f"unique_consecutive(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(x).__name__}")
    return _unique(x, True, return_inverse, return_counts, dim, consecutive=True)
