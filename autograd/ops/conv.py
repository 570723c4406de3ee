"""Convolution as im2col (a strided view, copied once) plus one batched matrix product.

A convolution Y = conv(X, W) is bilinear, so its two adjoints close the family under differentiation:
  conv(X, W)            -> Y   im2col(X), then W @ cols
  conv_transpose(Y, W)  -> X   W^T @ Y, then col2im (scatter-add the columns back onto the image)
  conv_weight(X, Y)     -> W   Y @ im2col(X)^T, summed over the batch
Each one's backward is written with the other two, so gradients of any order work (create_graph).
Arrays: images (N, C, H, W), weights (O, C/groups, kh, kw). The layout depends on the output size:
  large outputs, batch first: columns (N, groups, C/groups*kh*kw, OH*OW), a matrix product per image;
  small outputs (OH*OW <= BATCH_LAST_MAX_PIXELS), where per-image products are too small for BLAS:
    im2col side: pixel rows (groups, N*OH*OW, kh*kw*C/groups) cut from a channels-last copy of the image,
      whose windows copy in runs of kw*C and whose products (rows @ W^T, Y^T @ rows) run fastest;
    col2im side: batch last (groups, C/groups*kh*kw, OH*OW*N), so the col2im adds run along rows of OW*N;
      with groups == 1 on NumPy, conv_layout.conv_transpose_channels_inner instead (a product per output
      pixel, adds along rows of C*N: OpenBLAS's fast orientation, the same values).
"""
import numpy as np

from .. import grad_mode
from ..backend import array_module
from ..function import Function
from ..tensor import wrap
from .conv_layout import conv_transpose_channels_inner, matmul_rows, rows_last, small_add_buffer

BATCH_LAST_MAX_PIXELS = 100   # measured crossover on LeNet / MNIST CNN shapes (batch 64, 1 BLAS thread)
CACHED_COLUMNS_MAX_BYTES = 1 << 28   # larger columns are rebuilt in backward rather than kept alive until then


class ConvGeometry:
    """Everything about a convolution except its arrays. pads are ((top, bottom), (left, right))."""
    __slots__ = ('stride', 'dilation', 'pads', 'groups', 'kernel', 'image_hw', 'out_hw', 'batch_last', 'one_d')

    def __init__(self, stride, dilation, pads, groups, kernel, image_hw, out_hw, batch_last=False, one_d=False):
        self.stride, self.dilation, self.pads, self.groups = stride, dilation, pads, groups
        self.kernel, self.image_hw, self.out_hw, self.batch_last = kernel, image_hw, out_hw, batch_last
        self.one_d = one_d   # arrays are (N, C, L): a 2-d convolution over height 1

    def as_2d(self, a):
        return a.reshape(a.shape[:2] + (1,) + a.shape[2:]) if self.one_d else a

    def as_given(self, a):
        return a.reshape(a.shape[:2] + a.shape[3:]) if self.one_d else a

    def padded_hw(self):
        (t, b), (l, r) = self.pads
        return self.image_hw[0] + t + b, self.image_hw[1] + l + r


def _windows(image, geo):
    """A strided view of every window of a padded image: (N, C, kh, kw, OH, OW) of an (N, C, Hp, Wp) image,
    or with batch_last (C, kh, kw, OH, OW, N) of a (C, Hp, Wp, N) image. Writable; no copy."""
    (kh, kw), (oh, ow) = geo.kernel, geo.out_hw
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    if geo.batch_last:
        s_c, s_h, s_w, s_n = image.strides
        shape, outer, inner = (image.shape[0], kh, kw, oh, ow, image.shape[3]), (s_c,), (s_n,)
    else:
        s_n, s_c, s_h, s_w = image.strides
        shape, outer, inner = (*image.shape[:2], kh, kw, oh, ow), (s_n, s_c), ()
    strides = outer + (s_h * dh, s_w * dw, s_h * sh, s_w * sw) + inner
    return array_module(image).lib.stride_tricks.as_strided(image, shape, strides)


def im2col(x, geo, ones_row=False):
    """x (N, C, H, W) -> columns in geo's layout, one copy of a strided view (of a padded copy if padded).
    ones_row (batch first only): a row of ones after each group's columns, which turns a bias into one more
    weight column, so the matrix product adds it instead of another pass over the output."""
    xp = array_module(x)
    n, c, h, w = x.shape
    (t, b), (l, r) = geo.pads
    (kh, kw), (oh, ow) = geo.kernel, geo.out_hw
    if geo.batch_last:   # pixel rows (groups, N*OH*OW, kh*kw*C/groups) of a channels-last image
        if t or b or l or r:
            image = xp.zeros((n, *geo.padded_hw(), c), dtype=x.dtype)
            image[:, t:t + h, l:l + w] = x.transpose(0, 2, 3, 1)
        else:
            image = xp.ascontiguousarray(x.transpose(0, 2, 3, 1))
        (sh, sw), (dh, dw), g = geo.stride, geo.dilation, geo.groups
        s_n, s_h, s_w, s_c = image.strides
        rows = xp.lib.stride_tricks.as_strided(image, (g, n, oh, ow, kh, kw, c // g),
                                               (s_c * (c // g), s_n, s_h * sh, s_w * sw, s_h * dh, s_w * dw, s_c))
        return rows.reshape(g, n * oh * ow, kh * kw * (c // g))
    if t or b or l or r:
        image = xp.zeros((n, c, *geo.padded_hw()), dtype=x.dtype)
        image[:, :, t:t + h, l:l + w] = x
        x = image
    g, k = geo.groups, c // geo.groups * kh * kw
    windows = _windows(x, geo)
    if not ones_row:
        return windows.reshape(n, g, k, oh * ow)
    cols = xp.empty((n, g, k + 1, oh * ow), dtype=x.dtype)
    cols[:, :, :k].reshape(n, g, c // g, kh, kw, oh, ow)[...] = windows.reshape(n, g, c // g, kh, kw, oh, ow)
    cols[:, :, k] = 1
    return cols


def col2im(cols, geo, channels):
    """Adjoint of im2col: columns in geo's layout summed back into an image (N, C, H, W)."""
    xp = array_module(cols)
    (kh, kw), (oh, ow) = geo.kernel, geo.out_hw
    (sh, sw), (dh, dw) = geo.stride, geo.dilation
    (t, _), (l, _) = geo.pads
    hp, wp = geo.padded_hw()
    if geo.batch_last:   # image (C, Hp, Wp, N): each add runs along contiguous rows of OW*N
        n = cols.shape[-1] // (oh * ow)
        cols = cols.reshape(channels, kh, kw, oh, ow, n)
        image = xp.zeros((channels, hp, wp, n), dtype=cols.dtype)
    else:
        n = cols.shape[0]
        cols = cols.reshape(n, channels, kh, kw, oh, ow)
        image = xp.zeros((n, channels, hp, wp), dtype=cols.dtype)
    if sh >= dh * (kh - 1) + 1 and sw >= dw * (kw - 1) + 1:   # windows don't overlap: one strided write
        _windows(image, geo)[...] = cols
    else:   # overlapping windows: one strided add per kernel position (not per pixel)
        with small_add_buffer(xp):
            for i in range(kh):
                rows = slice(i * dh, i * dh + sh * (oh - 1) + 1, sh)
                for j in range(kw):
                    columns = slice(j * dw, j * dw + sw * (ow - 1) + 1, sw)
                    if geo.batch_last:
                        image[:, rows, columns] += cols[:, i, j]
                    else:
                        image[:, :, rows, columns] += cols[:, :, i, j]
    h, w = geo.image_hw
    if geo.batch_last:
        return xp.ascontiguousarray(image[:, t:t + h, l:l + w].transpose(3, 0, 1, 2))
    if hp == h and wp == w:
        return image
    return xp.ascontiguousarray(image[:, :, t:t + h, l:l + w])


def _grouped_weight(w, groups):
    return w.reshape(groups, w.shape[0] // groups, -1)   # (groups, O/groups, C/groups*kh*kw)


def _row_weight(w, groups):
    """(O, C/groups, kh, kw) -> (groups, O/groups, kh*kw*C/groups), the order of the pixel rows' columns."""
    o, cg, kh, kw = w.shape
    return w.reshape(groups, o // groups, cg, kh, kw).transpose(0, 1, 3, 4, 2).reshape(groups, o // groups, -1)


def _batch_last(y, groups):
    """(N, O, OH, OW) -> (groups, O/groups, OH*OW*N), a copy."""
    n, o, oh, ow = y.shape
    return rows_last(y.reshape(n, o * oh * ow)).reshape(groups, o // groups, oh * ow * n)


def conv_array(x, w, geo, b=None):
    """conv(x, w) + b and the columns of x (for the weight gradient)."""
    xp = array_module(x)
    n, o, g = x.shape[0], w.shape[0], geo.groups
    if geo.batch_last:   # pixel rows @ W^T: (groups, N*OH*OW, O/groups), then back to (N, O, OH, OW)
        cols = im2col(x, geo)
        pixels = geo.out_hw[0] * geo.out_hw[1]
        y = matmul_rows(cols, _row_weight(w, g).transpose(0, 2, 1))
        y = y.reshape(g, n, pixels, o // g).transpose(1, 0, 3, 2)
        out = xp.empty((n, g, o // g, pixels), dtype=y.dtype)
        if b is None:
            out[...] = y
        else:   # the bias rides along with the copy back to (N, O, OH, OW)
            xp.add(y, b.reshape(1, g, o // g, 1), out=out)
        return out.reshape(n, o, *geo.out_hw), cols
    if b is None:
        cols = im2col(x, geo)
        y = xp.matmul(_grouped_weight(w, g), cols)
    else:   # the bias as one more weight column, against a row of ones
        cols = im2col(x, geo, ones_row=True)
        y = xp.matmul(xp.concatenate([_grouped_weight(w, g), b.reshape(g, o // g, 1)], axis=2), cols)
        cols = cols[:, :, :-1]
    return y.reshape(n, o, *geo.out_hw), cols


def conv_transpose_array(y, w, geo):
    n, g = y.shape[0], geo.groups
    if geo.batch_last and g == 1 and array_module(y) is np:
        return conv_transpose_channels_inner(y, w, geo)
    wg = _grouped_weight(w, g)
    y = _batch_last(y, g) if geo.batch_last else y.reshape(n, g, wg.shape[1], y.shape[2] * y.shape[3])
    cols = array_module(y).matmul(wg.transpose(0, 2, 1), y)
    return col2im(cols, geo, w.shape[1] * g)


def conv_weight_array(x, y, geo, weight_shape, cols=None):
    xp = array_module(y)
    if cols is None:
        cols = im2col(x, geo)
    n, g = y.shape[0], geo.groups
    o, cg, kh, kw = weight_shape
    if geo.batch_last:   # Y^T (groups, O/groups, N*OH*OW) @ pixel rows, back to (O, C/groups, kh, kw)
        pixels = geo.out_hw[0] * geo.out_hw[1]
        yt = xp.ascontiguousarray(y.reshape(n, g, o // g, pixels).transpose(1, 2, 0, 3))
        yt = yt.reshape(g, o // g, n * pixels)
        return xp.ascontiguousarray(xp.matmul(yt, cols).reshape(o, kh, kw, cg).transpose(0, 3, 1, 2))
    per_item = xp.matmul(y.reshape(n, g, o // g, cols.shape[3]), cols.transpose(0, 1, 3, 2))
    return per_item.sum(0).reshape(weight_shape)


def _add_bias(out, b):
    if b is not None:
        out += b.array.reshape((1, -1) + (1,) * (out.ndim - 2))
    return out


def _bias_grad(grad, need):
    if len(need) < 3 or not need[2]:
        return None
    g = grad.array
    if grad_mode.state.enabled or g.size == 0:   # recording the backward: stay in Tensor ops
        return grad.sum(tuple(d for d in range(grad.ndim) if d != 1))
    xp, (n, o) = array_module(g), g.shape[:2]   # the sum over pixels as a BLAS matrix-vector product, which
    per_item = xp.matmul(g.reshape(n * o, -1), xp.ones(g.size // (n * o), dtype=g.dtype))   # is 2x NumPy's sum
    return wrap(per_item.reshape(n, o).sum(0))


class Convolution(Function):
    """conv(X, W) [+ b]. Saves X, W and the columns of X (reused for the weight gradient, unless huge)."""

    def forward(self, x, w, b=None, geo=None):
        self.save_for_backward(x, w)
        self.geo = geo
        y, cols = conv_array(geo.as_2d(x.array), geo.as_2d(w.array), geo, None if b is None else b.array)
        self.cols = cols if cols.nbytes <= CACHED_COLUMNS_MAX_BYTES else None
        return geo.as_given(y)

    def backward(self, grad):
        x, w = self.saved_tensors
        need = self.needs_input_grad
        gx = ConvTranspose.apply(grad, w, geo=self.geo) if need[0] else None
        gw = ConvWeight.apply(x, grad, geo=self.geo, cols=self.cols) if need[1] else None
        return gx, gw, _bias_grad(grad, need)

    def release(self):
        super().release()
        self.cols = None


class ConvTranspose(Function):
    """conv_transpose(Y, W) [+ b]: the adjoint of conv in X. Saves Y, W."""

    def forward(self, y, w, b=None, geo=None):
        self.save_for_backward(y, w)
        self.geo = geo
        x = conv_transpose_array(geo.as_2d(y.array), geo.as_2d(w.array), geo)
        return _add_bias(geo.as_given(x), b)

    def backward(self, grad):
        y, w = self.saved_tensors
        need = self.needs_input_grad
        gy = Convolution.apply(grad, w, geo=self.geo) if need[0] else None
        gw = ConvWeight.apply(grad, y, geo=self.geo) if need[1] else None
        return gy, gw, _bias_grad(grad, need)

    def name(self):
        return 'ConvolutionBackward0'   # torch's node for transposed convolutions too


class ConvWeight(Function):
    """conv_weight(X, Y): the adjoint of conv in W (the weight gradient). Saves X, Y."""

    def forward(self, x, y, geo=None, cols=None):
        self.save_for_backward(x, y)
        self.geo = geo
        shape = (y.shape[1], x.shape[1] // geo.groups, *geo.kernel)
        return geo.as_given(conv_weight_array(geo.as_2d(x.array), geo.as_2d(y.array), geo, shape, cols))

    def backward(self, grad):
        x, y = self.saved_tensors
        need = self.needs_input_grad
        gx = ConvTranspose.apply(y, grad, geo=self.geo) if need[0] else None
        gy = Convolution.apply(x, grad, geo=self.geo) if need[1] else None
        return gx, gy


class Im2Col(Function):
    """F.unfold: (N, C, H, W) -> (N, C*kh*kw, L). Backward is fold."""

    def forward(self, x, geo=None):
        self.geo, self.channels = geo, x.shape[1]
        cols = im2col(x.array, geo)
        return cols.reshape(x.shape[0], -1, cols.shape[3])

    def backward(self, grad):
        return Col2Im.apply(grad, geo=self.geo, channels=self.channels)


class Col2Im(Function):
    """F.fold: (N, C*kh*kw, L) -> (N, C, H, W), summing overlaps. Backward is unfold."""

    def forward(self, cols, geo=None, channels=None):
        self.geo = geo
        return col2im(cols.array, geo, channels)

    def backward(self, grad):
        return Im2Col.apply(grad, geo=self.geo)


# ---- argument checking and the functional API ------------------------------------------------------

def _expand(value, n, name):
    """An int or a sequence of n ints, as torch accepts for stride/padding/dilation/kernel_size."""
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = tuple(value) * n
        if len(value) != n:
            raise RuntimeError(f"expected {name} to be a single integer value or a list of {n} values to match "
                               f"the convolution dimensions, but got {name}={list(value)}")
        return tuple(int(v) for v in value)
    return (int(value),) * n


def _same_pads(kernel, dilation):
    """torch's padding='same': total d*(k-1), the odd extra on the bottom/right."""
    pads = []
    for k, d in zip(kernel, dilation):
        total = d * (k - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _out_size(size, pads, k, s, d):
    return (size + pads[0] + pads[1] - d * (k - 1) - 1) // s + 1


def _check_options(stride, dilation, groups, padding):
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if padding is not None and any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")


_C_NAMES = {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half'}


def _check_dtypes(x, w, b, transposed=False):
    if x.dtype != w.dtype:
        names = {'float32': 'torch.FloatTensor', 'float64': 'torch.DoubleTensor', 'float16': 'torch.HalfTensor'}
        raise RuntimeError(f"Input type ({names.get(x.dtype.name, x.dtype)}) and weight type "
                           f"({names.get(w.dtype.name, w.dtype)}) should be the same; convert one with .to()")
    if b is not None and b.dtype != x.dtype:
        raise RuntimeError(f"Input type ({_C_NAMES.get(x.dtype.name, x.dtype)}) and bias type "
                           f"({_C_NAMES.get(b.dtype.name, b.dtype)}) should be the same; convert one with .to()")


def _batched(input, n_spatial, op):
    if input.ndim == n_spatial + 2:
        return input, False
    if input.ndim == n_spatial + 1:
        return input.unsqueeze(0), True
    raise RuntimeError(f"Expected {n_spatial + 1}D (unbatched) or {n_spatial + 2}D (batched) input to {op}, "
                       f"but got input of size: {list(input.shape)}")


def _conv(input, weight, bias, stride, padding, dilation, groups, n_spatial, op):
    input, unbatched = _batched(input, n_spatial, op)
    if weight.ndim != n_spatial + 2:
        raise RuntimeError(f"weight should have at least three dimensions: expected {n_spatial + 2}D weight "
                           f"for {op}, but got weight of size {list(weight.shape)}")
    stride, dilation = _expand(stride, n_spatial, 'stride'), _expand(dilation, n_spatial, 'dilation')
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == 'valid':
            pads = ((0, 0),) * n_spatial
        elif padding == 'same':
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = _same_pads(kernel, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        _check_options(stride, dilation, groups, None)
    else:
        padding = _expand(padding, n_spatial, 'padding')
        _check_options(stride, dilation, groups, padding)
        pads = tuple((p, p) for p in padding)
    out_channels, in_channels = weight.shape[0], input.shape[1]
    if out_channels % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{list(weight.shape)}] instead")
    if weight.shape[1] * groups != in_channels:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {weight.shape[1] * groups} channels, but got "
                           f"{in_channels} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given weight of size {list(weight.shape)}, expected bias to be 1-dimensional with "
                           f"{out_channels} elements, but got bias of size {list(bias.shape)} instead")
    _check_dtypes(input, weight, bias)
    spatial = tuple(input.shape[2:])
    padded = tuple(s + a + b for s, (a, b) in zip(spatial, pads))
    extent = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    if any(p < e for p, e in zip(padded, extent)):
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). Kernel "
                           f"size: ({' x '.join(map(str, extent))}). Kernel size can't be greater than actual "
                           f"input size")
    out = tuple(_out_size(*a) for a in zip(spatial, pads, kernel, stride, dilation))
    y = _apply_2d(Convolution, input, weight, bias, stride, dilation, pads, groups, kernel, spatial, out,
                  pixels=out)
    return y.squeeze(0) if unbatched else y


def _apply_2d(cls, input, weight, bias, stride, dilation, pads, groups, kernel, image, columns, pixels):
    """Run a convolution-like Function on its geometry; a 1-d one is a 2-d one over height 1."""
    one_d = len(kernel) == 1
    if one_d:
        stride, dilation, pads = (1,) + stride, (1,) + dilation, ((0, 0),) + pads
        kernel, image, columns, pixels = (1,) + kernel, (1,) + image, (1,) + columns, (1,) + pixels
    geo = ConvGeometry(stride, dilation, pads, groups, kernel, image, columns,
                       batch_last=pixels[0] * pixels[1] <= BATCH_LAST_MAX_PIXELS, one_d=one_d)
    args = (input, weight) if bias is None else (input, weight, bias)
    return cls.apply(*args, geo=geo)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """input (N, C, H, W) or (C, H, W); weight (O, C/groups, kh, kw); padding int, pair, 'same' or 'valid'."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 2, 'conv2d')


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """input (N, C, L) or (C, L); weight (O, C/groups, k)."""
    return _conv(input, weight, bias, stride, padding, dilation, groups, 1, 'conv1d')


def _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, n_spatial, op):
    if isinstance(padding, str):
        raise TypeError(f"{op}(): argument 'padding' must be tuple of ints, not str")
    input, unbatched = _batched(input, n_spatial, op)
    stride, dilation = _expand(stride, n_spatial, 'stride'), _expand(dilation, n_spatial, 'dilation')
    padding, output_padding = _expand(padding, n_spatial, 'padding'), _expand(output_padding, n_spatial,
                                                                              'output_padding')
    _check_options(stride, dilation, groups, padding)
    if any(op_ >= s and op_ >= d for op_, s, d in zip(output_padding, stride, dilation)) or \
            any(p < 0 for p in output_padding):
        names = ('height', 'width')[-n_spatial:] if n_spatial == 2 else ('width',)
        parts = [f"output_padding_{n}: {v}" for n, v in zip(names, output_padding)]
        parts += [f"stride_{n}: {v}" for n, v in zip(names, stride)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(names, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " +
                           " ".join(parts))
    if weight.ndim != n_spatial + 2:
        raise RuntimeError(f"expected {n_spatial + 2}D weight for {op}, but got weight of size "
                           f"{list(weight.shape)}")
    if input.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                           f"input{list(input.shape)} to have {weight.shape[0]} channels, but got "
                           f"{input.shape[1]} channels instead")
    if weight.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                           f"but got weight of size [{list(weight.shape)}] instead")
    out_channels = weight.shape[1] * groups
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != out_channels):
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected bias to be "
                           f"1-dimensional with {out_channels} elements, but got bias of size "
                           f"{list(bias.shape)} instead")
    _check_dtypes(input, weight, bias)
    kernel, spatial = tuple(weight.shape[2:]), tuple(input.shape[2:])
    image = tuple((i - 1) * s - 2 * p + d * (k - 1) + o + 1
                  for i, s, p, d, k, o in zip(spatial, stride, padding, dilation, kernel, output_padding))
    if any(s <= 0 for s in image):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, spatial))}). Calculated output "
                           f"size per channel: ({' x '.join(map(str, image))}). Output size is too small")
    pads = tuple((p, p) for p in padding)
    x = _apply_2d(ConvTranspose, input, weight, bias, stride, dilation, pads, groups, kernel, image, spatial,
                  pixels=spatial)
    return x.squeeze(0) if unbatched else x


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """input (N, Cin, H, W); weight (Cin, Cout/groups, kh, kw); output size
    (H - 1)*stride - 2*padding + dilation*(kh - 1) + output_padding + 1."""
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                           'conv_transpose2d')


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    return _conv_transpose(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                           'conv_transpose1d')


def _fold_geometry(kernel_size, dilation, padding, stride):
    kernel, dilation = _expand(kernel_size, 2, 'kernel_size'), _expand(dilation, 2, 'dilation')
    padding, stride = _expand(padding, 2, 'padding'), _expand(stride, 2, 'stride')
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_size={kernel}")
    _check_options(stride, dilation, 1, padding)
    return kernel, dilation, padding, stride


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """im2col: (N, C, H, W) -> (N, C*kh*kw, L), L the number of sliding blocks (also unbatched)."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D or 4D (batch mode) tensor with possibly 0 batch size and other non-zero "
                           f"dimensions for input, but got: {list(input.shape)}")
    kernel, dilation, padding, stride = _fold_geometry(kernel_size, dilation, padding, stride)
    unbatched = input.ndim == 3
    if unbatched:
        input = input.unsqueeze(0)
    spatial = tuple(input.shape[2:])
    pads = tuple((p, p) for p in padding)
    out = tuple(_out_size(*a) for a in zip(spatial, pads, kernel, stride, dilation))
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input with spatial size {spatial}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, calculated shape of the array of sliding blocks as {out}, but its "
                           f"components must be at least one.")
    geo = ConvGeometry(stride, dilation, pads, 1, kernel, spatial, out)
    cols = Im2Col.apply(input, geo=geo)
    return cols.squeeze(0) if unbatched else cols


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """col2im, the adjoint of unfold: (N, C*kh*kw, L) -> (N, C, H, W), overlapping values summed."""
    if input.ndim not in (2, 3):
        raise RuntimeError(f"Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and "
                           f"non-zero dimensions for input, but got: {list(input.shape)}")
    kernel, dilation, padding, stride = _fold_geometry(kernel_size, dilation, padding, stride)
    output_size = _expand(output_size, 2, 'output_size')
    unbatched = input.ndim == 2
    if unbatched:
        input = input.unsqueeze(0)
    per_block = kernel[0] * kernel[1]
    if input.shape[1] % per_block:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, "
                           f"but got input.size(1)={input.shape[1]} and kernel_size={kernel}.")
    pads = tuple((p, p) for p in padding)
    out = tuple(_out_size(*a) for a in zip(output_size, pads, kernel, stride, dilation))
    if out[0] * out[1] != input.shape[2]:
        raise RuntimeError(f"Given output_size={output_size}, kernel_size={kernel}, dilation={dilation}, "
                           f"padding={padding}, stride={stride}, expected size of input's dimension 2 to match the "
                           f"calculated number of sliding blocks {out[0]} * {out[1]} = {out[0] * out[1]}, but got "
                           f"input.size(2)={input.shape[2]}.")
    geo = ConvGeometry(stride, dilation, pads, 1, kernel, output_size, out)
    image = Col2Im.apply(input, geo=geo, channels=input.shape[1] // per_block)
    return image.squeeze(0) if unbatched else image
