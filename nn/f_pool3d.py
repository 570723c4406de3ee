"""max_pool3d, avg_pool3d, adaptive_avg/max_pool3d, lp_pool1d/2d/3d, max_unpool1d, fractional_max_pool2d.

The box windows are separable: a window's max is the max along W of rows, then along H, then along D, and
the first maximum in that order is the first in torch's (d, h, w) scan order, so gradients go where
torch's go; an average is the product of per-dim averages (torch's divisor is a product of per-dim counts
too). Each per-dim step gathers the windows with index_select, so gradients come from existing ops.
"""


import numpy as np

from autograd import backend
from autograd.ops import pooling as pool_ops
from autograd.tensor import wrap

__all__ = ['max_pool3d', 'avg_pool3d', 'adaptive_avg_pool3d', 'adaptive_max_pool3d', 'lp_pool1d', 'lp_pool2d',
           'lp_pool3d', 'max_unpool1d', 'fractional_max_pool2d']


def _triple(value, name, op):
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = tuple(value) * 3
        if len(value) != 3:
            raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of three ints")
        return tuple(int(v) for v in value)
    return (int(value),) * 3


def _batched5(input, op):
    if input.dim() == 5:
        return input, False
    if input.dim() == 4:
        return input.unsqueeze(0), True
    raise RuntimeError(f"{op}: Expected 4D or 5D tensor for input, but got: {list(input.shape)}")


def _windows(x, dim, index, fill):
    """x gathered along dim at index (out, k) (-1 = padding, read as `fill`): shape with dim -> (out, k)."""
    xp = backend.array_module(x.array)
    shape = list(x.shape)
    if (index < 0).any():   # append one fill slot and point the padding there
        pad_shape = shape.copy()
        pad_shape[dim] = 1
        filler = wrap(xp.full(pad_shape, fill, dtype=x.array.dtype))
        import autograd
        x = autograd.cat([x, filler], dim)
        index = np.where(index < 0, shape[dim], index)
    out = x.index_select(dim, wrap(xp.asarray(index.reshape(-1))))
    return out.reshape(*shape[:dim], *index.shape, *shape[dim + 1:]), index


def _max_along(x, dim, index, arg=None):
    """Per window along dim: (max values, positions of the maxima along dim as an array, -1 never chosen
    unless the window is all padding); arg (array, same shape as x) carries the already reduced dims'
    positions, gathered along."""
    win, index = _windows(x, dim, index, -np.inf)
    values, which = win.max(dim + 1)
    k = backend.to_host(which.array)
    pos = np.take_along_axis(np.broadcast_to(index.reshape((1,) * dim + index.shape + (1,) * (x.dim() - dim - 1)),
                                             win.shape), np.expand_dims(k, dim + 1), dim + 1).squeeze(dim + 1)
    if arg is not None:
        arg = np.take_along_axis(arg, np.clip(pos, 0, x.shape[dim] - 1), dim)
    return values, pos, arg


def _fixed_index(size, k, s, p, d, ceil_mode):
    out = pool_ops._pool_out_size(size, k, s, p, d, ceil_mode)
    idx = np.arange(out)[:, None] * s - p + np.arange(k)[None, :] * d
    return np.where((idx >= 0) & (idx < size), idx, -1), out


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Window maxima of (N, C, D, H, W); with return_indices the flat d*H*W + h*W + w argmax positions."""
    x, unbatched = _batched5(input, 'max_pool3d')
    k = _triple(kernel_size, 'kernel_size', 'max_pool3d')
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else \
        _triple(stride, 'stride', 'max_pool3d')
    p, dl = _triple(padding, 'padding', 'max_pool3d'), _triple(dilation, 'dilation', 'max_pool3d')
    if any(2 * pp > kk for pp, kk in zip(p, k)):
        raise RuntimeError("max_pool3d: pad should be smaller than or equal to half of kernel size, but got "
                           f"kW={k[2]}, kH={k[1]}, kD={k[0]}, padW={p[2]}, padH={p[1]}, padD={p[0]}")
    sizes = x.shape[2:]
    out, arg, coords = x, None, []
    for axis in (4, 3, 2):
        i = axis - 2
        index, _ = _fixed_index(sizes[i], k[i], s[i], p[i], dl[i], ceil_mode)
        out, pos, arg = _max_along(out, axis, index, arg)
        coords = [np.take_along_axis(c, np.clip(pos, 0, sizes[i] - 1), axis) for c in coords] + [pos]
    if any(o < 1 for o in out.shape[2:]):
        raise RuntimeError(f"max_pool3d: Given input size: ({'x'.join(map(str, x.shape[1:]))}). Calculated output "
                           f"size: ({'x'.join(map(str, [x.shape[1]] + list(out.shape[2:])))}). Output size is too "
                           "small")
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    w_pos, h_pos, d_pos = coords
    flat = (d_pos * sizes[1] + h_pos) * sizes[2] + w_pos
    flat = wrap(backend.array_module(x.array).asarray(flat.astype(np.int64)))
    return out, (flat.squeeze(0) if unbatched else flat)


def _sum_along(x, dim, index):
    win, _ = _windows(x, dim, index, 0.0)
    return win.sum(dim + 1)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None):
    """Window averages of (N, C, D, H, W): divisor the window size inside the padded input
    (count_include_pad) or inside the input, or divisor_override."""
    x, unbatched = _batched5(input, 'avg_pool3d')
    k = _triple(kernel_size, 'kernel_size', 'avg_pool3d')
    s = k if stride is None or (isinstance(stride, (list, tuple)) and not stride) else \
        _triple(stride, 'stride', 'avg_pool3d')
    p = _triple(padding, 'padding', 'avg_pool3d')
    if any(2 * pp > kk for pp, kk in zip(p, k)):
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but got "
                           f"padW = {p[2]}, padH = {p[1]}, padD = {p[0]}, kW = {k[2]}, kH = {k[1]}, kD = {k[0]}")
    out = x
    divisor = 1.0
    for axis in (4, 3, 2):
        i = axis - 2
        size = x.shape[axis]
        index, n_out = _fixed_index(size, k[i], s[i], p[i], 1, ceil_mode)
        out = _sum_along(out, axis, index)
        start = np.arange(n_out) * s[i] - p[i]
        if count_include_pad:
            count = np.minimum(start + k[i], size + p[i]) - start
        else:
            count = np.minimum(start + k[i], size) - np.maximum(start, 0)
        shape = [1] * 5
        shape[axis] = n_out
        divisor = divisor * count.reshape(shape)
    xp = backend.array_module(x.array)
    if divisor_override:
        out = out / divisor_override
    else:
        out = out / wrap(xp.asarray(np.asarray(divisor, dtype=x.array.dtype)))
    return out.squeeze(0) if unbatched else out


def _adaptive_sizes(input, output_size, n):
    sizes = list(output_size) if isinstance(output_size, (tuple, list)) else [output_size] * n
    return [input.shape[-n + i] if s is None else int(s) for i, s in enumerate(sizes)]


def adaptive_avg_pool3d(input, output_size):
    """Average over windows [floor(i*D/OD), ceil((i+1)*D/OD)) per dim; None keeps that input size."""
    from .f_resample import _area_matrix
    x, unbatched = _batched5(input, 'adaptive_avg_pool3d')
    sizes = _adaptive_sizes(x, output_size, 3)
    xp = backend.array_module(x.array)
    out = x
    for axis in (4, 3, 2):
        n_in, n_out = x.shape[axis], sizes[axis - 2]
        m = wrap(xp.asarray(_area_matrix(n_in, n_out, x.array.dtype.type)))
        out = (out.transpose(axis, -1) @ m.t()).transpose(axis, -1)
    return out.squeeze(0) if unbatched else out


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """Max over the adaptive windows per dim; with return_indices the flat d*H*W + h*W + w positions."""
    x, unbatched = _batched5(input, 'adaptive_max_pool3d')
    sizes = _adaptive_sizes(x, output_size, 3)
    shape = x.shape[2:]
    out, arg, coords = x, None, []
    for axis in (4, 3, 2):
        n_in, n_out = x.shape[axis], sizes[axis - 2]
        starts = (np.arange(n_out) * n_in) // n_out
        ends = -((-(np.arange(n_out) + 1) * n_in) // n_out)
        width = int((ends - starts).max())
        index = np.minimum(starts[:, None] + np.arange(width)[None, :], ends[:, None] - 1)   # repeat the last
        out, pos, arg = _max_along(out, axis, index, arg)
        coords = [np.take_along_axis(c, pos, axis) for c in coords] + [pos]
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    w_pos, h_pos, d_pos = coords
    flat = wrap(backend.array_module(x.array).asarray(((d_pos * shape[1] + h_pos) * shape[2] + w_pos)
                                                      .astype(np.int64)))
    return out, (flat.squeeze(0) if unbatched else flat)


def _lp(out, norm_type, count):
    from .functional import relu
    return (out.sign() * relu(out.abs())).mul(count).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """(sum over the window of x^p)^(1/p), computed as torch does from avg_pool1d."""
    from .functional import avg_pool1d
    out = avg_pool1d(input.pow(norm_type), kernel_size, stride if stride is not None else kernel_size, 0,
                     ceil_mode)
    return _lp(out, norm_type, kernel_size)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    from .functional import avg_pool2d
    kh, kw = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
    out = avg_pool2d(input.pow(norm_type), kernel_size, stride if stride is not None else kernel_size, 0,
                     ceil_mode)
    return _lp(out, norm_type, kw * kh)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    kd, kh, kw = _triple(kernel_size, 'kernel_size', 'lp_pool3d')
    out = avg_pool3d(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    return _lp(out, norm_type, kd * kw * kh)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Each value written at its position along L (from max_pool1d's indices), zeros elsewhere."""
    from .functional import max_unpool2d
    k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
    s = k if stride is None else (stride[0] if isinstance(stride, (tuple, list)) else stride)
    p = padding[0] if isinstance(padding, (tuple, list)) else padding
    if output_size is not None:
        output_size = [1] + list(output_size)[-1:]
    out = max_unpool2d(input.unsqueeze(-2), indices.unsqueeze(-2), (1, k), (1, s), (0, p), output_size)
    return out.squeeze(-2)


def _fractional_index(in_size, out_size, pool, sample):
    """ATen's generate_intervals: window starts for one sample in [0, 1), in the input's float type."""
    if out_size == 1:
        return np.array([in_size - pool])
    T = type(sample)
    alpha = T(in_size - pool) / T(out_size - 1)
    starts = [int((T(i) + sample) * alpha) - int(sample * alpha) for i in range(out_size - 1)]
    return np.array(starts + [in_size - pool])


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                          _random_samples=None):
    """Max over pseudo-random windows (Graham 2014): window starts from one uniform sample per (N, C, dim),
    drawn here when _random_samples (N, C, 2) is not given."""
    import autograd
    if output_size is None and output_ratio is None:
        raise ValueError("fractional_max_pool2d requires specifying either an output_size or an output_ratio")
    x, unbatched = (input.unsqueeze(0), True) if input.dim() == 3 else (input, False)
    kh, kw = kernel_size if isinstance(kernel_size, (tuple, list)) else (kernel_size, kernel_size)
    h, w = x.shape[2:]
    if output_size is None:
        ratio = output_ratio if isinstance(output_ratio, (tuple, list)) else (output_ratio, output_ratio)
        output_size = (int(h * ratio[0]), int(w * ratio[1]))
    oh, ow = output_size if isinstance(output_size, (tuple, list)) else (output_size, output_size)
    if oh + kh - 1 > h or ow + kw - 1 > w:
        raise RuntimeError(f"fractional_max_pool2d(): pool height {kh} too large relative to input height {h} "
                           f"and output height {oh}" if oh + kh - 1 > h else
                           f"fractional_max_pool2d(): pool width {kw} too large relative to input width {w} and "
                           f"output width {ow}")
    n, c = x.shape[:2]
    if _random_samples is None:
        _random_samples = autograd.rand(n, c, 2, dtype=x.dtype)
    samples = backend.to_host(_random_samples.array).reshape(n, c, 2)
    # windows differ per (n, c): gather them plane by plane
    planes, indices = [], []
    flat = x.reshape(n * c, h * w)
    xp = backend.array_module(x.array)
    for b in range(n * c):
        sw, sh = samples[b // c, b % c]
        rows = _fractional_index(h, oh, kh, sh)
        cols = _fractional_index(w, ow, kw, sw)
        idx = (rows[:, None, None, None] + np.arange(kh)[None, None, :, None]) * w + \
            cols[None, :, None, None] + np.arange(kw)[None, None, None, :]        # (oh, ow, kh, kw)
        win = flat[b].index_select(0, wrap(xp.asarray(idx.reshape(-1)))).reshape(oh, ow, kh * kw)
        values, which = win.max(2)
        planes.append(values)
        indices.append(np.take_along_axis(idx.reshape(oh, ow, kh * kw), backend.to_host(which.array)[..., None],
                                          2)[..., 0])
    out = autograd.stack(planes, 0).reshape(n, c, oh, ow)
    if unbatched:
        out = out.squeeze(0)
    if not return_indices:
        return out
    ind = wrap(xp.asarray(np.stack(indices).reshape(n, c, oh, ow).astype(np.int64)))
    return out, (ind.squeeze(0) if unbatched else ind)


