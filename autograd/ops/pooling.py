"""Pooling over strided window views: max (and its argmax indices), average, and their adaptive forms.

Max pooling is a gather at the argmax positions; its gradient scatters back to them, and the two are each
other's adjoints (ScatterToIndices / GatherAtIndices), so gradients of any order work. Average pooling is
linear: AvgPool2D and AvgUnpool are adjoints too. Node classes carry torch's names (MaxPool2DWithIndices...). Indices follow torch: flattened h*W + w positions in the
unpadded input, the first maximum of a window winning ties.
"""
import math

from .. import backend
from ..backend import array_module
from ..function import Function
from ..tensor import wrap
from .conv import ConvGeometry, col2im


def _windows(x, geo, fill):
    """(N, C, H, W) -> strided view (N, C, OH, OW, kh, kw) over x padded with `fill` (a copy only when padded)."""
    xp = array_module(x)
    (t, b), (l, r) = geo.pads
    if t or b or l or r:
        hp, wp = geo.padded_hw()
        padded = xp.full((*x.shape[:2], hp, wp), fill, dtype=x.dtype)
        padded[:, :, t:t + x.shape[2], l:l + x.shape[3]] = x
        x = padded
    (kh, kw), (oh, ow) = geo.kernel, geo.out_hw
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    s_n, s_c, s_h, s_w = x.strides
    return xp.lib.stride_tricks.as_strided(
        x, (*x.shape[:2], oh, ow, kh, kw), (s_n, s_c, s_h * sh, s_w * sw, s_h * dh, s_w * dw))


def _lowest(dtype, xp):
    return -math.inf if dtype.kind == 'f' else xp.iinfo(dtype).min


def _disjoint(geo):
    return all(s >= d * (k - 1) + 1 for s, d, k in zip(geo.stride, geo.dilation, geo.kernel))


class GatherAtIndices(Function):
    """x (N, C, H, W) -> x at flat h*W+w indices (N, C, *index_shape). Backward scatters.
    values: the result when the caller already has it; valid: False where an index points nowhere;
    argmax: a WindowArgmax that stands in for indices (derived from it only if they are needed)."""

    def forward(self, x, indices=None, disjoint=False, values=None, valid=None, argmax=None):
        self.indices, self.disjoint, self.valid, self.image_shape = indices, disjoint, valid, x.shape
        self.argmax = argmax
        if values is not None:
            return values
        if indices is None:
            indices = argmax.flat_indices()
        xp = array_module(x.array)
        flat = x.array.reshape(x.shape[0] * x.shape[1], -1)
        picked = xp.take_along_axis(flat, indices.reshape(flat.shape[0], -1), axis=1).reshape(indices.shape)
        return picked if valid is None else xp.where(valid, picked, 0)

    def backward(self, grad):
        return ScatterToIndices.apply(grad, indices=self.indices, image_shape=self.image_shape,
                                      disjoint=self.disjoint, valid=self.valid, argmax=self.argmax)


class ScatterToIndices(Function):
    """values (N, C, ...) summed into zeros (N, C, H, W) at flat h*W+w indices. Backward gathers."""

    def forward(self, values, indices=None, image_shape=None, disjoint=False, valid=None, argmax=None):
        self.indices, self.disjoint, self.valid, self.argmax = indices, disjoint, valid, argmax
        if argmax is not None and disjoint:
            return argmax.scatter(values.array, image_shape)
        if indices is None:
            indices = argmax.flat_indices()
        xp = array_module(values.array)
        n, c = image_shape[:2]
        out = xp.zeros((n * c, math.prod(image_shape[2:])), dtype=values.array.dtype)
        vals = values.array
        if valid is not None:   # windows wholly in the padding have nowhere to send their gradient
            vals, indices = xp.where(valid, vals, 0), xp.where(valid, indices, 0)
        rows_idx = indices.reshape(n * c, -1)
        vals = vals.reshape(n * c, -1)
        rows = xp.arange(n * c).reshape(-1, 1)
        if disjoint:   # every input position is in at most one window: a plain write
            out[rows, rows_idx] = vals
        else:
            backend.add_at(out, (xp.broadcast_to(rows, rows_idx.shape), rows_idx), vals)
        return out.reshape(image_shape)

    def backward(self, grad):
        return GatherAtIndices.apply(grad, indices=self.indices, disjoint=self.disjoint, valid=self.valid,
                                     argmax=self.argmax)


class WindowArgmax:
    """Each window's first maximum as its position k = i*kw + j in the window, for pools without padding.
    Flat h*W+w indices are derived from it only when asked for (return_indices, double backward); with
    disjoint windows the gradient is scattered by position, one strided write per position."""
    __slots__ = ('positions', 'geo', 'image_width', '_flat')

    def __init__(self, positions, geo, image_width):
        self.positions, self.geo, self.image_width, self._flat = positions, geo, image_width, None

    def flat_indices(self):
        if self._flat is None:
            xp = array_module(self.positions)
            (kh, kw), (oh, ow) = self.geo.kernel, self.geo.out_hw
            (sh, sw), (dh, dw), width = self.geo.stride, self.geo.dilation, self.image_width
            offsets = (xp.arange(kh).reshape(-1, 1) * (dh * width) + xp.arange(kw) * dw).ravel()
            self._flat = offsets[self.positions] + (xp.arange(oh).reshape(-1, 1) * (sh * width) + xp.arange(ow) * sw)
        return self._flat

    def scatter(self, values, image_shape):
        """values (N, C, OH, OW) written into an image at each window's maximum (disjoint windows only)."""
        xp = array_module(values)
        (kh, kw), (oh, ow) = self.geo.kernel, self.geo.out_hw
        (sh, sw), (dh, dw) = self.geo.stride, self.geo.dilation
        tiled = dh == dw == 1 and (sh, sw) == (kh, kw) and (oh * sh, ow * sw) == tuple(image_shape[2:])
        out = (xp.empty if tiled else xp.zeros)(image_shape, dtype=values.dtype)   # tiled: every entry written
        windows = _windows(out, self.geo, 0)
        for p in range(kh * kw):
            xp.multiply(values, self.positions == p, out=windows[..., p // kw, p % kw])
        return out


class MaxPool2DWithIndices(GatherAtIndices):
    """max_pool2d's node (torch's name), a gather at the argmax indices."""


class AdaptiveMaxPool2D(GatherAtIndices):
    pass


class MaxUnpool2D(ScatterToIndices):
    pass


def _torch_argmax(windows):
    """windows (..., P) -> torch's max-pool choice: the first maximum, or where the window holds a NaN, its
    last NaN (torch's loop replaces the running maximum by every NaN)."""
    xp = array_module(windows)
    k = windows.argmax(axis=-1)
    nan = xp.isnan(windows)
    last_nan = windows.shape[-1] - 1 - nan[..., ::-1].argmax(axis=-1)
    return xp.where(nan.any(axis=-1), last_nan, k)


def _window_maxima(x, geo):
    """Window maxima (N, C, OH, OW) and the position k = i*kw + j in its window of each one's first maximum.

    Disjoint windows (padded with the lowest value) are first copied out as kh*kw contiguous planes, one
    strided pass and at most the input's size, so that maxima and positions come from contiguous ufuncs,
    several times faster than over strided views; overlapping windows, whose planes would outgrow the input
    kh*kw/(sh*sw) times, are read as strided views. A later plane takes over the position only where strictly
    greater, so the first maximum wins."""
    xp = array_module(x)
    (kh, kw), (oh, ow) = geo.kernel, geo.out_hw
    n, c = x.shape[:2]
    windows = _windows(x, geo, _lowest(x.dtype, xp))
    if _disjoint(geo):
        planes = xp.ascontiguousarray(windows.transpose(4, 5, 0, 1, 2, 3)).reshape(kh * kw, n, c, oh, ow)
    else:
        planes = [windows[..., p // kw, p % kw] for p in range(kh * kw)]
    dtype = xp.int8 if kh * kw < 128 else xp.int32
    if kh * kw == 1:
        values, positions = xp.ascontiguousarray(planes[0]), xp.zeros((n, c, oh, ow), dtype=dtype)
    else:
        values = xp.maximum(planes[0], planes[1])
        positions = xp.greater(planes[1], planes[0]).view(xp.int8).astype(dtype, copy=False)
        for p in range(2, kh * kw):
            later = xp.multiply(xp.greater(planes[p], values), dtype(p))   # p where this plane is the new max
            xp.maximum(values, planes[p], out=values)
            xp.maximum(positions, later, out=positions)   # p only grows, so the last strict increase wins
    if values.dtype.kind == 'f' and bool(xp.isnan(values).any()):   # NaN equals nothing: torch's rule directly
        positions = _torch_argmax(windows.reshape(n, c, oh, ow, kh * kw)).astype(dtype)
    return values, positions


def max_pool_argmax(x, geo):
    """Max pooling without padding: window maxima and a WindowArgmax (flat indices only if asked for)."""
    values, positions = _window_maxima(x, geo)
    return values, WindowArgmax(positions, geo, x.shape[3])


def max_pool_indices(x, geo):
    """Max pooling with padding: window maxima and the flat h*W+w index of each one's maximum, int64.

    As torch, a maximum found in the padding (all the window's values are -inf) is reported at the window's
    first in-bounds position; `valid` (None when all are) marks windows that have no in-bounds position."""
    xp = array_module(x)
    values, k = _window_maxima(x, geo)
    (kh, kw), (oh, ow) = geo.kernel, geo.out_hw
    (sh, sw), (dh, dw), ((t, _), (l, _)) = geo.stride, geo.dilation, geo.pads
    height, width = x.shape[2:]
    h_start, w_start = xp.arange(oh).reshape(-1, 1) * sh - t, xp.arange(ow) * sw - l
    h, w = h_start + (k // kw) * dh, w_start + (k % kw) * dw
    valid = None
    outside = (h < 0) | (h >= height) | (w < 0) | (w >= width)
    if outside.any():
        h0 = h_start + -(xp.minimum(h_start, 0) // dh) * dh   # first in-bounds row/column of each window
        w0 = w_start + -(xp.minimum(w_start, 0) // dw) * dw
        h, w = xp.where(outside, h0, h), xp.where(outside, w0, w)
        if bool(((h >= height) | (w >= width)).any()):
            valid = (h < height) & (w < width)
    return values, h * width + w, valid


class AvgPool2D(Function):
    """Window sums divided by `divisor` (OH, OW). Backward spreads grad/divisor over each window."""

    def forward(self, x, geo=None, divisor=None):
        self.geo, self.divisor, self.channels = geo, divisor, x.shape[1]
        windows = _windows(x.array, geo, 0)
        return windows.sum(axis=(4, 5)) / divisor

    def backward(self, grad):
        return AvgUnpool.apply(grad, geo=self.geo, divisor=self.divisor, channels=self.channels)


class AdaptiveAvgPool2D(AvgPool2D):
    """adaptive_avg_pool2d when the input divides evenly: plain average pooling under torch's node name."""


class AvgUnpool(Function):
    """Adjoint of AvgPool: each output's value / divisor added to every position of its window."""

    def forward(self, g, geo=None, divisor=None, channels=None):
        self.geo, self.divisor = geo, divisor
        xp = array_module(g.array)
        spread = g.array / divisor
        (kh, kw) = geo.kernel
        n, c, oh, ow = spread.shape
        cols = xp.broadcast_to(spread[:, :, None, None], (n, c, kh, kw, oh, ow))
        return col2im(cols, geo, channels)

    def backward(self, grad):
        return AvgPool2D.apply(grad, geo=self.geo, divisor=self.divisor)


# ---- geometry and argument checks -------------------------------------------------------------------

def _pair(value, n, name, op):
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = tuple(value) * n
        if len(value) != n:
            raise RuntimeError(f"{op}: {name} must either be a single int, or a tuple of {n} ints")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _pool_out_size(size, k, s, p, d, ceil_mode):
    """torch's pooling_output_shape: with ceil_mode the last window must start inside the input or left pad."""
    out = (size + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= size + p:
        out -= 1
    return out


def _pool_geometry(input, kernel_size, stride, padding, dilation, ceil_mode, op):
    kernel = _pair(kernel_size, 2, 'kernel_size', op)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else \
        _pair(stride, 2, 'stride', op)
    padding, dilation = _pair(padding, 2, 'padding', op), _pair(dilation, 2, 'dilation', op)
    if any(k <= 0 for k in kernel) or any(s <= 0 for s in stride):
        raise RuntimeError(f"{op}: stride should not be zero, and kernel_size must be positive; got "
                           f"kernel_size={kernel}, stride={stride}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dilation[0]} "
                           f"dilationW: {dilation[1]}")
    for p, k, d in zip(padding, kernel, dilation):
        if p < 0 or p > (d * (k - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got pad={p}, "
                               f"kernel_size={k} and dilation={d}")
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError(f"pad should be smaller than or equal to half of kernel size, but got padW = "
                           f"{padding[1]}, padH = {padding[0]}, kW = {kernel[1]}, kH = {kernel[0]}")
    spatial = tuple(input.shape[2:])
    out = tuple(_pool_out_size(*a, ceil_mode) for a in zip(spatial, kernel, stride, padding, dilation))
    if any(o <= 0 for o in out):
        raise RuntimeError(f"Given input size: ({input.shape[1]}x{spatial[0]}x{spatial[1]}). Calculated output "
                           f"size: ({input.shape[1]}x{out[0]}x{out[1]}). Output size is too small")
    # the right/bottom pad must reach the last window, which ceil_mode may place past the left pad's mirror
    pads = tuple((p, max(0, (o - 1) * s + d * (k - 1) + 1 - size - p))
                 for p, o, s, d, k, size in zip(padding, out, stride, dilation, kernel, spatial))
    return ConvGeometry(stride, dilation, pads, 1, kernel, spatial, out)


def _batched_2d(input, op):
    if input.ndim == 4:
        batched = input
    elif input.ndim == 3:
        batched = input.unsqueeze(0)
    else:
        raise RuntimeError(f"{op}: non-empty 3D or 4D (batch mode) tensor expected for input, but got "
                           f"{list(input.shape)}")
    if any(s == 0 for s in batched.shape[1:]):
        raise RuntimeError(f"{op}: Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(input.shape)}")
    return batched, input.ndim == 3


def _unbatch(t, unbatched):
    return t.squeeze(0) if unbatched else t


def _max_pool(batched, geo, return_indices, unbatched, node=MaxPool2DWithIndices):
    (t, b), (l, r) = geo.pads
    if t or b or l or r:
        values, indices, valid = max_pool_indices(batched.array, geo)
        out = node.apply(batched, indices=indices, disjoint=_disjoint(geo), values=values, valid=valid)
    else:
        values, argmax = max_pool_argmax(batched.array, geo)
        out = node.apply(batched, disjoint=_disjoint(geo), values=values, argmax=argmax)
        indices = argmax.flat_indices() if return_indices else None
    out = _unbatch(out, unbatched)
    return (out, _unbatch(wrap(indices), unbatched)) if return_indices else out


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """input (N, C, H, W) or (C, H, W); windows padded with -inf; indices are flat h*W+w positions."""
    batched, unbatched = _batched_2d(input, 'max_pool2d')
    geo = _pool_geometry(batched, kernel_size, stride, padding, dilation, ceil_mode, 'max_pool2d')
    return _max_pool(batched, geo, return_indices, unbatched)


def _avg_divisor(geo, count_include_pad, divisor_override, xp, dtype):
    """(OH, OW) divisors as torch: the window clipped to input+padding, or to the input alone."""
    if divisor_override is not None:
        if divisor_override == 0:
            raise RuntimeError("divisor must be not zero")
        return divisor_override
    sizes = []
    for size, k, s, (p, _), o in zip(geo.image_hw, geo.kernel, geo.stride, geo.pads, geo.out_hw):
        start = xp.arange(o) * s - p
        end = xp.minimum(start + k, size + p)
        if not count_include_pad:
            start, end = xp.maximum(start, 0), xp.minimum(end, size)
        sizes.append(end - start)
    return (sizes[0].reshape(-1, 1) * sizes[1]).astype(dtype)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
               divisor_override=None, node=AvgPool2D):
    batched, unbatched = _batched_2d(input, 'avg_pool2d')
    geo = _pool_geometry(batched, kernel_size, stride, padding, 1, ceil_mode, 'avg_pool2d')
    xp = array_module(input.array)
    divisor = _avg_divisor(geo, count_include_pad, divisor_override, xp, input.array.dtype)
    return _unbatch(node.apply(batched, geo=geo, divisor=divisor), unbatched)


def _as_2d(input, op):
    """(N, C, L) or (C, L) -> (N, C, 1, L)."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"{op}: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for "
                           f"input, but got:{list(input.shape)}")
    unbatched = input.ndim == 2
    return (input.unsqueeze(0) if unbatched else input).unsqueeze(2), unbatched


def _one(value, name, op):
    return (1, _pair(value, 1, name, op)[0])


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    batched, unbatched = _as_2d(input, 'max_pool1d')
    stride = None if stride is None or stride == [] or stride == () else _one(stride, 'stride', 'max_pool1d')
    kernel = _one(kernel_size, 'kernel_size', 'max_pool1d')
    geo = _pool_geometry(batched, kernel, stride or kernel, (0, _one(padding, 'padding', 'max_pool1d')[1]),
                         _one(dilation, 'dilation', 'max_pool1d'), ceil_mode, 'max_pool1d')
    result = _max_pool(batched, geo, return_indices, False)
    if return_indices:
        return tuple(_unbatch(t.squeeze(2), unbatched) for t in result)
    return _unbatch(result.squeeze(2), unbatched)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    batched, unbatched = _as_2d(input, 'avg_pool1d')
    kernel = _one(kernel_size, 'kernel_size', 'avg_pool1d')
    stride = kernel if stride is None or stride == [] or stride == () else _one(stride, 'stride', 'avg_pool1d')
    out = avg_pool2d(batched, kernel, stride, (0, _one(padding, 'padding', 'avg_pool1d')[1]), ceil_mode,
                     count_include_pad)
    return _unbatch(out.squeeze(2), unbatched)


# ---- adaptive pooling: window i spans [floor(i*H/OH), ceil((i+1)*H/OH)) ---------------------------------

def _adaptive_sizes(input, output_size, op):
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{op}(): Expected 3D or 4D tensor, but got {list(input.shape)}")
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise RuntimeError(f"{op}: output_size must be 2")
        sizes = output_size
    else:
        sizes = (output_size, output_size)
    sizes = tuple(int(input.shape[-2 + i]) if s is None else int(s) for i, s in enumerate(sizes))
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal to 0 but received "
                           f"{{{sizes[0]}, {sizes[1]}}}")
    return sizes


def _adaptive_bounds(size, out, xp):
    i = xp.arange(out)
    return (i * size) // out, -((-(i + 1) * size) // out)


def adaptive_avg_pool2d(input, output_size):
    """When the input divides evenly this is avg_pool2d; otherwise an average-weight matrix on each side."""
    oh, ow = _adaptive_sizes(input, output_size, 'adaptive_avg_pool2d')
    h, w = input.shape[-2:]
    if oh and ow and h % oh == 0 and w % ow == 0:
        return avg_pool2d(input, (h // oh, w // ow), node=AdaptiveAvgPool2D)
    xp = array_module(input.array)
    rows, cols = [], []
    for size, out, acc in ((h, oh, rows), (w, ow, cols)):
        start, end = _adaptive_bounds(size, out, xp)
        pos = xp.arange(size)
        inside = (pos >= start[:, None]) & (pos < end[:, None])
        acc.append(wrap((inside / (end - start)[:, None]).astype(input.array.dtype)))
    return rows[0] @ input @ cols[0].t()


def adaptive_max_pool2d(input, output_size, return_indices=False):
    oh, ow = _adaptive_sizes(input, output_size, 'adaptive_max_pool2d')
    batched, unbatched = (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)
    h, w = input.shape[-2:]
    if oh and ow and h % oh == 0 and w % ow == 0:
        kernel = (h // oh, w // ow)
        geo = ConvGeometry(kernel, (1, 1), ((0, 0), (0, 0)), 1, kernel, (h, w), (oh, ow))
        return _max_pool(batched, geo, return_indices, unbatched, AdaptiveMaxPool2D)
    xp = array_module(input.array)
    positions = []
    for size, out in ((h, oh), (w, ow)):
        start, end = _adaptive_bounds(size, out, xp)
        widest = int((end - start).max()) if out else 1
        # windows padded to the widest by repeating their last position: a repeat never wins the first-max tie
        positions.append(xp.minimum(start[:, None] + xp.arange(widest), end[:, None] - 1))
    rows, cols = positions
    windows = batched.array[:, :, rows[:, None, :, None], cols[None, :, None, :]]
    n, c, _, _, kh, kw = windows.shape
    k = _torch_argmax(windows.reshape(n, c, oh, ow, kh * kw))
    indices = rows[xp.arange(oh)[:, None], k // kw] * w + cols[xp.arange(ow), k % kw]
    out = AdaptiveMaxPool2D.apply(batched, indices=indices, disjoint=False)
    if return_indices:
        return _unbatch(out, unbatched), _unbatch(wrap(indices), unbatched)
    return _unbatch(out, unbatched)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: each value written at its flat h*W+w index in a zero image of
    (H-1)*stride - 2*padding + kernel_size (or output_size); the gradient gathers from the same indices."""
    kernel = _pair(kernel_size, 2, 'kernel_size', 'max_unpool2d')
    stride = kernel if stride is None else _pair(stride, 2, 'stride', 'max_unpool2d')
    padding = _pair(padding, 2, 'padding', 'max_unpool2d')
    default = [(input.shape[-2 + d] - 1) * stride[d] + kernel[d] - 2 * padding[d] for d in range(2)]
    if output_size is None:
        size = default
    else:
        size = list(output_size)[-2:] if len(output_size) == 4 else list(output_size)
        if len(size) != 2:
            raise ValueError(f"output_size should be a sequence containing 2 or 4 elements, but it has a length "
                             f"of '{len(output_size)}'")
        for d in range(2):
            if not default[d] - stride[d] < size[d] < default[d] + stride[d]:
                raise ValueError(f'invalid output_size "{list(output_size)}" (dim {d} must be between '
                                 f'{default[d] - stride[d]} and {default[d] + stride[d]})')
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(f"Expected shape of indices to be same as that of the input tensor "
                           f"({list(input.shape)}) but got indices tensor with shape: {list(indices.shape)}")
    batched, unbatched = (input.unsqueeze(0), True) if input.ndim == 3 else (input, False)
    index = indices.array if not unbatched else indices.array[None]
    if index.size and (int(index.min()) < 0 or int(index.max()) >= size[0] * size[1]):
        bad = int(index.max()) if int(index.max()) >= size[0] * size[1] else int(index.min())
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size {size[0]}x{size[1]})")
    image_shape = (*batched.shape[:2], *size)
    out = MaxUnpool2D.apply(batched, indices=index, image_shape=image_shape, disjoint=True)
    return _unbatch(out, unbatched)
