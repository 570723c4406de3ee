"""Input strategies for the op-table rows of issue 8's view, scatter and index ops (rows at the end of
op_specs.OPS): shapes and options drawn by hypothesis, index tensors drawn from the case's rng."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


def _shape(draw, min_dims=1, max_dims=3):
    return draw(hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=4))


def scatter_reduce_opts(draw):
    """self, src (src's dim may be longer or shorter than self's), dim, reduce, include_self."""
    s = _shape(draw)
    d = draw(st.integers(0, len(s) - 1))
    src = list(s)
    src[d] = draw(st.integers(1, 4))
    return [s, tuple(src)], {'dim': d, 'reduce': draw(st.sampled_from(['sum', 'prod', 'mean', 'amax', 'amin'])),
                             'include_self': draw(st.booleans())}


def scatter_reduce_index(shapes, opts, rng):
    """An index of src's shape pointing anywhere along dim of self (repeats make the reductions work).
    (torch's backward fails when the index is smaller than src: "returned an invalid gradient"; ours pads.)"""
    s, src, d = shapes[0], shapes[1], opts['dim']
    return [rng.integers(0, s[d], src)]


def index_source_opts(draw):
    """self, source (self's shape with dim replaced by the number of indices), dim."""
    s = _shape(draw)
    d = draw(st.integers(0, len(s) - 1))
    src = list(s)
    src[d] = draw(st.integers(0, 4))
    return [s, tuple(src)], {'dim': d}


def repeated_indices(shapes, opts, rng):
    """index_add: any indices along dim, repeats allowed (they add up)."""
    d = opts['dim']
    return [rng.integers(0, shapes[0][d], shapes[1][d])]


def unique_indices(shapes, opts, rng):
    """index_copy: distinct indices (torch leaves which repeat wins unspecified)."""
    d = opts['dim']
    k = min(shapes[1][d], shapes[0][d])
    return [rng.permutation(shapes[0][d])[:k]]


def index_copy_opts(draw):
    shapes, opts = index_source_opts(draw)
    src = list(shapes[1])
    src[opts['dim']] = min(src[opts['dim']], shapes[0][opts['dim']])
    return [shapes[0], tuple(src)], opts


def index_fill_opts(draw):
    s = _shape(draw)
    return [s, ()], {'dim': draw(st.integers(-len(s), len(s) - 1))}


def fill_indices(shapes, opts, rng):
    n = shapes[0][opts['dim']]
    return [rng.integers(0, n, int(rng.integers(0, 5)))]   # torch's backward refuses the negative ones it fills


def index_put_opts(draw):
    """self, values (broadcastable to the indexing result), k leading dims indexed by n positions, accumulate."""
    s = _shape(draw)
    k = draw(st.integers(1, len(s)))
    n = draw(st.integers(0, min(4, int(np.prod(s[:k])))))
    result = (n,) + s[k:]
    values = result[draw(st.integers(0, len(result))):]
    return [s, values], {'k': k, 'n': n, 'accumulate': draw(st.booleans())}


def put_indices(shapes, opts, rng):
    """k index vectors of n positions; distinct positions unless accumulating (torch leaves which repeat wins
    unspecified)."""
    s, k, n = shapes[0], opts['k'], opts['n']
    if opts['accumulate']:
        return [rng.integers(-m, m, n) for m in s[:k]]
    return list(np.unravel_index(rng.permutation(int(np.prod(s[:k])))[:n], s[:k]))


def as_strided_opts(draw):
    """A geometry inside a 1-D storage: sizes, strides (0 and overlaps allowed) and an offset."""
    dims = draw(st.integers(0, 3))
    size = tuple(draw(st.lists(st.integers(1, 3), min_size=dims, max_size=dims)))
    stride = tuple(draw(st.lists(st.integers(0, 3), min_size=dims, max_size=dims)))
    offset = draw(st.integers(0, 2))
    needed = offset + sum((a - 1) * b for a, b in zip(size, stride)) + 1
    return [(needed + draw(st.integers(0, 2)),)], {'size': size, 'stride': stride, 'offset': offset}
