"""Functional forms of the normalizations added for issue 11: instance_norm, local_response_norm, rms_norm.

Kept apart from nn/functional.py (which re-exports them) so that file stays short; written with Tensor ops
and the existing batch_norm, so gradients (and gradients of gradients) come from those ops.
"""
import numpy as np

from autograd import backend

__all__ = ['instance_norm', 'local_response_norm', 'rms_norm']


def _verify_spatial_size(size):
    if int(np.prod(size[2:])) == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size {_size(size)}")


def _size(shape):
    return f"torch.Size([{', '.join(str(s) for s in shape)}])"


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True,
                  momentum=0.1, eps=1e-5):
    """Normalize each (sample, channel) plane of input (N, C, *spatial) over its spatial dims.

    As torch's at::instance_norm: a batch norm of the input viewed as (1, N*C, *spatial), with the running
    statistics (if any) repeated N times, updated there and averaged back over the batch."""
    from .functional import batch_norm
    if use_input_stats:
        _verify_spatial_size(tuple(input.shape))
    n, c = input.shape[0], input.shape[1]
    folded = input.reshape((1, n * c) + tuple(input.shape[2:]))
    rep = lambda t: None if t is None else t.repeat(n)    # noqa: E731
    mean_rep, var_rep = rep(running_mean), rep(running_var)
    out = batch_norm(folded, mean_rep, var_rep, rep(weight), rep(bias), use_input_stats, momentum, eps)
    if use_input_stats:   # the repeated running statistics were updated per sample: fold them back
        for running, updated in ((running_mean, mean_rep), (running_var, var_rep)):
            if running is not None:
                running.array[...] = updated.array.reshape(n, c).mean(0)
                running._vc[0] += 1
    return out.reshape(input.shape)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """input / (k + alpha * mean of x^2 over `size` neighbouring channels)^beta (torch's formula: the window
    covers channels c - size//2 .. c + (size-1)//2, zero-padded, divided by size). Input (N, C, *)."""
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} dimensions)")
    if input.numel() == 0:
        return input
    from .functional import pad
    sq = input.mul(input)
    channels = input.shape[1]
    rest = (0, 0) * (input.dim() - 2)
    padded = pad(sq, rest + (size // 2, (size - 1) // 2))
    div = padded.narrow(1, 0, channels)
    for i in range(1, size):
        div = div + padded.narrow(1, i, channels)
    div = (div / size).mul(alpha).add(k).pow(beta)
    return input / div


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """input * rsqrt(mean(input^2 over the trailing normalized_shape dims) + eps) * weight;
    eps None means the dtype's machine epsilon."""
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*{', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}")
    if eps is None:
        eps = float(backend.array_module(input.array).finfo(input.array.dtype).eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = input * (input.pow(2).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


