"""torch.nn.init: in-place initializers. All write under no_grad, so they work on Parameters directly.

generator= takes an autograd.Generator, as in torch (the default generator when None)."""
import math
import warnings

from autograd import backend, grad_mode, random

_LINEAR_FNS = ('linear', 'conv1d', 'conv2d', 'conv3d', 'conv_transpose1d', 'conv_transpose2d',
               'conv_transpose3d')


def calculate_gain(nonlinearity, param=None):
    """The recommended gain for an activation: relu sqrt(2), tanh 5/3, leaky_relu sqrt(2/(1+slope^2)) ..."""
    if nonlinearity in _LINEAR_FNS or nonlinearity == 'sigmoid':
        return 1
    if nonlinearity == 'tanh':
        return 5.0 / 3
    if nonlinearity == 'relu':
        return math.sqrt(2.0)
    if nonlinearity == 'leaky_relu':
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, int) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == 'selu':
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field (receptive field: dims 2+)."""
    if tensor.dim() < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 dimensions")
    receptive_field_size = 1
    for s in tensor.shape[2:]:
        receptive_field_size *= s
    return tensor.size(1) * receptive_field_size, tensor.size(0) * receptive_field_size


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ['fan_in', 'fan_out']
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == 'fan_in' else fan_out


def _assign(tensor, array):
    """Overwrite tensor's values with array (same shape), untracked."""
    backend.array_module(tensor.array).copyto(tensor.array, backend.to_device(array, tensor.device),
                                              casting='unsafe')
    tensor._vc[0] += 1
    return tensor


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    with grad_mode.no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    with grad_mode.no_grad():
        return tensor.normal_(mean, std, generator=generator)


def constant_(tensor, val):
    with grad_mode.no_grad():
        return tensor.fill_(val)


def ones_(tensor):
    return constant_(tensor, 1.0)


def zeros_(tensor):
    with grad_mode.no_grad():
        return tensor.zero_()


def eye_(tensor):
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    xp = backend.array_module(tensor.array)
    return _assign(tensor, xp.eye(*tensor.shape, dtype=tensor.array.dtype))


def dirac_(tensor, groups=1):
    dimensions = tensor.ndim
    if dimensions not in (3, 4, 5):
        raise ValueError("Only tensors with 3, 4, or 5 dimensions are supported")
    sizes = tensor.shape
    if sizes[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    out_per_group = sizes[0] // groups
    xp = backend.array_module(tensor.array)
    values = xp.zeros(sizes, dtype=tensor.array.dtype)
    centre = tuple(s // 2 for s in sizes[2:])
    for g in range(groups):
        for d in range(min(out_per_group, sizes[1])):
            values[(g * out_per_group + d, d) + centre] = 1
    return _assign(tensor, values)


def xavier_uniform_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    a = math.sqrt(3.0) * gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / float(fan_in + fan_out)), generator)


def kaiming_uniform_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None):
    """U(-bound, bound), bound = gain * sqrt(3 / fan). Linear and Conv layers use a=sqrt(5)."""
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return uniform_(tensor, -math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator)


def kaiming_normal_(tensor, a=0, mode='fan_in', nonlinearity='leaky_relu', generator=None):
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_calculate_correct_fan(tensor, mode))
    return normal_(tensor, 0, std, generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std) restricted to [a, b], by rejection: redraw normals that fall outside while the
    interval holds most of the mass, else accept uniform proposals in [a, b] with the normal's density."""
    if mean < a - 2 * std or mean > b + 2 * std:
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    xp = backend.array_module(tensor.array)
    out = xp.empty(tensor.shape, dtype=xp.float64)
    mass = (math.erf((b - mean) / std / math.sqrt(2)) - math.erf((a - mean) / std / math.sqrt(2))) / 2
    pending = xp.ones(tensor.shape, dtype=bool)
    draw = xp.empty(tensor.shape, dtype=xp.float64)
    log_peak = -0.5 * ((max(a, min(mean, b)) - mean) / std) ** 2
    while pending.any():
        if mass > 0.3:
            random.fill_normal(draw, mean, std, generator)
            accept = pending & (draw >= a) & (draw <= b)
        else:
            random.fill_uniform(draw, a, b, generator)
            u = xp.empty(tensor.shape, dtype=xp.float64)
            random.fill_uniform(u, 0.0, 1.0, generator)
            accept = pending & (xp.log(u) <= -0.5 * ((draw - mean) / std) ** 2 - log_peak)
        out[accept] = draw[accept]
        pending &= ~accept
    return _assign(tensor, out)


def orthogonal_(tensor, gain=1, generator=None):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal one, signs fixed by diag(R)."""
    if tensor.ndim < 2:
        raise ValueError("Only tensors with 2 or more dimensions are supported")
    if tensor.numel() == 0:
        return tensor
    rows = tensor.shape[0]
    cols = tensor.numel() // rows
    xp = backend.array_module(tensor.array)
    flattened = xp.empty((rows, cols), dtype=xp.float64)
    random.fill_normal(flattened, 0.0, 1.0, generator)
    if rows < cols:
        flattened = flattened.T
    q, r = xp.linalg.qr(flattened)
    q *= xp.sign(xp.diag(r))
    if rows < cols:
        q = q.T
    return _assign(tensor, (q * gain).reshape(tensor.shape))


def sparse_(tensor, sparsity, std=0.01, generator=None):
    if tensor.ndim != 2:
        raise ValueError("Only tensors with 2 dimensions are supported")
    rows, cols = tensor.shape
    num_zeros = math.ceil(sparsity * rows)
    normal_(tensor, 0, std, generator)
    xp = backend.array_module(tensor.array)
    values = tensor.array.copy()
    for col in range(cols):
        order = xp.empty(rows)
        random.fill_uniform(order, 0.0, 1.0, generator)
        values[xp.argsort(order)[:num_zeros], col] = 0
    return _assign(tensor, values)

