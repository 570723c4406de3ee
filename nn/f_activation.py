"""Functional activations and dropouts added for issue 11 (re-exported by nn/functional.py)."""
import math
import warnings

import numpy as np

from autograd import backend, random
from autograd.ops import activation_extra as _act
from autograd.tensor import wrap

__all__ = ['threshold', 'threshold_', 'hardshrink', 'softshrink', 'tanhshrink', 'softsign', 'logsigmoid',
           'softmin', 'selu', 'selu_', 'celu', 'celu_', 'glu', 'hardswish', 'hardsigmoid', 'prelu', 'rrelu',
           'rrelu_', 'dropout1d', 'dropout3d', 'alpha_dropout', 'feature_alpha_dropout']


def _apply(fn, input, inplace, **options):
    from .functional import _activate
    return _activate(fn, input, inplace, **options)


def threshold(input, threshold, value, inplace=False):
    """input where input > threshold, else value."""
    return _apply(_act.Threshold, input, inplace, threshold=threshold, value=value)


def threshold_(input, threshold, value):
    return _apply(_act.Threshold, input, True, threshold=threshold, value=value)


def hardshrink(input, lambd=0.5):
    """input where |input| > lambd, else 0."""
    return _act.Hardshrink.apply(input, lambd=lambd)


def softshrink(input, lambd=0.5):
    """input - lambd above lambd, input + lambd below -lambd, 0 between."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return _act.Softshrink.apply(input, lambd=lambd)


def tanhshrink(input):
    return input - input.tanh()


def softsign(input):
    return input / (input.abs() + 1)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), without overflow."""
    from .functional import softplus
    return -softplus(-input)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    from .functional import softmax
    return softmax(-input, dim, _stacklevel + 1, dtype)


def selu(input, inplace=False):
    return _apply(_act.SELU, input, inplace)


def selu_(input):
    return selu(input, True)


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError")
    return _apply(_act.CELU, input, inplace, alpha=alpha)


def celu_(input, alpha=1.0):
    return celu(input, alpha, True)


def glu(input, dim=-1):
    """a * sigmoid(b) with (a, b) the two halves of input along dim."""
    if input.dim() == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.dim()
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size {input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * b.sigmoid()


def hardswish(input, inplace=False):
    return _apply(_act.Hardswish, input, inplace)


def hardsigmoid(input, inplace=False):
    return _apply(_act.Hardsigmoid, input, inplace)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), weight broadcast along the channel dim (dim 1; a 1-D input has one
    channel, as in torch)."""
    if weight.numel() != 1:
        channels = input.shape[1] if input.dim() >= 2 else 1
        if weight.numel() != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found parameter numbers = "
                               f"{weight.numel()} and channel size = {channels}.")
        shape = [1] * input.dim()
        shape[1] = channels
        weight = weight.reshape(shape)
    return input.where(input > 0, weight * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Leaky ReLU whose negative slope is drawn from U(lower, upper) per element in training, and is
    (lower + upper) / 2 otherwise. Training draws torch's stream (ATen's CPU _rrelu_with_noise_train): one
    uniform_real_distribution<double> per element <= 0, in row-major order, from the default generator
    (positive and NaN elements draw nothing), so the same seed gives torch's slopes."""
    if not training:
        from .functional import leaky_relu
        return leaky_relu(input, (lower + upper) / 2, inplace)
    noise = _rrelu_noise(input, lower, upper)
    return input.mul_(noise) if inplace else input * noise


def _rrelu_noise(input, lower, upper):
    """The slopes torch draws: r = (random64 & (2^53 - 1)) * 2^-53 * (upper - lower) + lower in double, with
    lower/upper first rounded to the op's math type (float for float32), then cast to it; 1 elsewhere."""
    x = backend.to_host(input.detach().array)
    opmath = np.float64 if x.dtype == np.float64 else np.float32
    lo, hi = float(opmath(lower)), float(opmath(upper))
    negative = np.ascontiguousarray(x) <= 0
    u = random._unit(random.default_generator, int(negative.sum()), np.float64)
    noise = np.ones(x.shape, x.dtype)
    noise[negative] = (u * (hi - lo) + lo).astype(opmath)
    return wrap(backend.array_module(input.array).asarray(noise))


def rrelu_(input, lower=1.0 / 8, upper=1.0 / 3, training=False):
    return rrelu(input, lower, upper, training, True)


def _check_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, L) or (C, L) input with probability p; scale the rest by 1/(1-p)."""
    from .functional import _dropout
    _check_p(p)
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D input. Note that "
                           "dropout1d exists to provide channel-wise dropout on inputs with 1 spatial dimension, a "
                           "channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).")
    batched = input.dim() == 3
    x = input if batched else input.unsqueeze(0)
    out = _dropout(x, p, training, inplace, tuple(x.shape[:2]) + (1,))
    return out if batched else out.squeeze(0)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input with probability p."""
    from .functional import _dropout
    _check_p(p)
    if input.dim() not in (4, 5):
        warnings.warn(f"dropout3d: Received a {input.dim()}-D input to dropout3d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this warning, "
                      "please use dropout instead. Note that dropout3d exists to provide channel-wise dropout on "
                      "inputs with 3 spatial dimensions, a channel dimension, and an optional batch dimension "
                      "(i.e. 4D or 5D inputs).", stacklevel=2)
    batched = input.dim() == 5
    x = input if batched else input.unsqueeze(0)
    out = _dropout(x, p, training, inplace, tuple(x.shape[:2]) + (1,) * (x.dim() - 2))
    return out if batched else out.squeeze(0)


_ALPHA = 1.7580993408473766   # -SELU's scale * alpha: the value a dropped SELU unit saturates to


def _alpha_dropout(input, p, training, inplace, feature):
    """ATen's _dropout_impl with alpha_dropout: keep ~ bernoulli(1 - p) (per channel when feature);
    out = input * keep * a + (keep - 1) * alpha * a + alpha * a * p, a = 1 / sqrt((alpha^2 p + 1)(1 - p)),
    which keeps a SELU network's activations at zero mean and unit variance."""
    _check_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        return input * 0
    xp = backend.array_module(input.array)
    shape = tuple(input.shape[:2]) + (1,) * (input.dim() - 2) if feature else tuple(input.shape)
    if feature and input.dim() < 2:
        raise RuntimeError("Feature dropout requires at least 2 dimensions in the input")
    keep = xp.empty(shape, dtype=input.array.dtype)
    random.fill_bernoulli(keep, 1 - p, None)
    a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
    b = (keep - 1) * (_ALPHA * a) + _ALPHA * a * p
    keep *= a
    b = wrap(b.astype(input.array.dtype, copy=False))
    return input.mul_(wrap(keep)).add_(b) if inplace else input * wrap(keep) + b


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, inplace, feature=False)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    return _alpha_dropout(input, p, training, inplace, feature=True)
