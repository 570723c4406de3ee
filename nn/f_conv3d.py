"""conv3d and conv_transpose3d composed of the 2-d kernels: a 3-d convolution is the sum over the kernel's
depth taps of 2-d convolutions of depth slices (slices stacked into the batch, so each tap is one conv2d
call); the transposed one scatters each tap's conv_transpose2d output to its output depths with a 0/1
placement matrix. Gradients come from the 2-d ops. Layout as torch: input (N, C, D, H, W) or unbatched
(C, D, H, W); weight (O, C/groups, kd, kh, kw), transposed (C, O/groups, kd, kh, kw)."""
import numpy as np

from autograd import backend
from autograd.ops import conv as ops
from autograd.tensor import wrap

__all__ = ['conv3d', 'conv_transpose3d']


def _batched(input, op):
    if input.dim() == 5:
        return input, False
    if input.dim() == 4:
        return input.unsqueeze(0), True
    raise RuntimeError(f"Expected 4D (unbatched) or 5D (batched) input to {op}, but got input of size: "
                       f"{list(input.shape)}")


def _index(like, values):
    return wrap(backend.array_module(like.array).asarray(np.asarray(values, dtype=np.int64)))


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    from .functional import pad
    x, unbatched = _batched(input, 'conv3d')
    if weight.dim() != 5:
        raise RuntimeError(f"weight should have at least three dimensions: expected 5D weight for conv3d, but got "
                           f"weight of size {list(weight.shape)}")
    stride, dilation = ops._expand(stride, 3, 'stride'), ops._expand(dilation, 3, 'dilation')
    kernel = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == 'valid':
            pads = ((0, 0),) * 3
        elif padding == 'same':
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            pads = ops._same_pads(kernel, dilation)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        padding = ops._expand(padding, 3, 'padding')
        ops._check_options(stride, dilation, groups, padding)
        pads = tuple((p, p) for p in padding)
    if weight.shape[1] * groups != x.shape[1]:
        raise RuntimeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[1] * groups} channels, but got {x.shape[1]} "
                           "channels instead")
    ops._check_dtypes(x, weight, bias)
    if any(lo or hi for lo, hi in pads):
        x = pad(x, [a for lo_hi in reversed(pads) for a in lo_hi])
    n, c, d = x.shape[:3]
    kd, sd, dd = kernel[0], stride[0], dilation[0]
    out_d = (d - dd * (kd - 1) - 1) // sd + 1
    if out_d < 1:
        raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, x.shape[2:]))}). "
                           f"Kernel size: ({' x '.join(str(dl * (k - 1) + 1) for k, dl in zip(kernel, dilation))})"
                           ". Kernel size can't be greater than actual input size")
    out = None
    for i in range(kd):
        rows = x.index_select(2, _index(x, i * dd + np.arange(out_d) * sd))          # (N, C, Do, H, W)
        rows = rows.permute(0, 2, 1, 3, 4).reshape(n * out_d, c, *x.shape[3:])
        y = ops.conv2d(rows, weight[:, :, i], None, stride[1:], 0, dilation[1:], groups)
        out = y if out is None else out + y
    out = out.reshape(n, out_d, *out.shape[1:]).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    x, unbatched = _batched(input, 'conv_transpose3d')
    if weight.dim() != 5:
        raise RuntimeError(f"expected 5D weight for conv_transpose3d, but got weight of size {list(weight.shape)}")
    stride, dilation = ops._expand(stride, 3, 'stride'), ops._expand(dilation, 3, 'dilation')
    padding, output_padding = ops._expand(padding, 3, 'padding'), ops._expand(output_padding, 3, 'output_padding')
    ops._check_options(stride, dilation, groups, padding)
    if any(o >= s and o >= dl for o, s, dl in zip(output_padding, stride, dilation)):
        raise RuntimeError(f"output padding must be smaller than either stride or dilation, but got "
                           f"output_padding: {list(output_padding)}, stride: {list(stride)}, dilation: "
                           f"{list(dilation)}")
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected input"
                           f"{list(x.shape)} to have {weight.shape[0]} channels, but got {x.shape[1]} channels "
                           "instead")
    ops._check_dtypes(x, weight, bias)
    n, c, d = x.shape[:3]
    kd, sd, dd, pd, od = weight.shape[2], stride[0], dilation[0], padding[0], output_padding[0]
    full = (d - 1) * sd + dd * (kd - 1) + 1 + od
    out_d = full - 2 * pd
    if out_d < 1:
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated "
                           f"output size per channel: ({out_d} x ...). Output size is too small")
    slices = x.permute(0, 2, 1, 3, 4).reshape(n * d, c, *x.shape[3:])
    taps = [ops.conv_transpose2d(slices, weight[:, :, i], None, stride[1:], padding[1:], output_padding[1:],
                                 groups, dilation[1:]) for i in range(kd)]
    rest = tuple(taps[0].shape[1:])                                                    # (O, Ho, Wo)
    stacked = wrap_stack(taps).reshape(kd, n, d, -1).permute(1, 2, 0, 3).reshape(n, d * kd, -1)
    place = np.zeros((out_d, d * kd))
    for j in range(d):
        for i in range(kd):
            z = j * sd + i * dd - pd
            if 0 <= z < out_d:
                place[z, j * kd + i] = 1
    xp = backend.array_module(x.array)
    out = wrap(xp.asarray(place.astype(x.array.dtype))) @ stacked                       # (N, Do, O*Ho*Wo)
    out = out.reshape(n, out_d, *rest).permute(0, 2, 1, 3, 4)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out.squeeze(0) if unbatched else out


def wrap_stack(tensors):
    import autograd
    return autograd.stack(tensors, 0)
