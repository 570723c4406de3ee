"""torch.nn.utils: gradient clipping and flattening parameters into one vector; rnn (packed sequences)."""
import math

from autograd import backend, grad_mode
from autograd.creation import tensor as make_tensor
from autograd.ops.shape import cat
from autograd.tensor import Tensor, wrap


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint norm is at most max_norm; returns that norm
    (taken before clipping) as a 0-d tensor."""
    grads = _grads(parameters)
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not grads:
        return make_tensor(0.0)
    xp = backend.array_module(grads[0].array)
    norms = xp.stack([xp.linalg.norm(g.array.reshape(-1), ord=norm_type) for g in grads])
    total = xp.linalg.norm(norms, ord=norm_type)
    if error_if_nonfinite and not math.isfinite(float(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, "
                           "so it cannot be clipped. To disable this error and scale the gradients by the "
                           "non-finite norm anyway, set `error_if_nonfinite=False`")
    # the factor stays an array in the gradients' dtype, as torch's clip_coef_clamped: no GPU->host wait
    clip_coef = xp.minimum(max_norm / (total + 1e-6), 1.0)
    for g in grads:
        g.array *= clip_coef.astype(g.array.dtype, copy=False)
        g._vc[0] += 1
    return wrap(xp.asarray(total, dtype=grads[0].array.dtype))


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient elementwise to [-clip_value, clip_value], in place."""
    clip_value = float(clip_value)
    for g in _grads(parameters):
        backend.array_module(g.array).clip(g.array, -clip_value, clip_value, out=g.array)
        g._vc[0] += 1


def parameters_to_vector(parameters):
    """One 1-D tensor of all parameters, flattened and concatenated in order (differentiable)."""
    params = list(parameters)
    _check_same_device(params)
    return cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters):
    """Point each parameter at its slice of vec (the parameters then share vec's storage)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    params = list(parameters)
    _check_same_device(params)
    pointer = 0
    with grad_mode.no_grad():
        for param in params:
            n = param.numel()
            param.array = vec.array[pointer:pointer + n].reshape(param.shape)
            pointer += n


def _check_same_device(params):
    devices = {str(p.device) for p in params}
    if len(devices) > 1:
        raise TypeError(f"Found two parameters on different devices, this is currently not supported: "
                        f"{sorted(devices)}")




# issue 11 (helper nnlayers): parametrizations and the older weight/spectral norm hooks
from . import parametrizations, parametrize  # noqa: E402,F401
from .weight_norm import remove_spectral_norm, remove_weight_norm, spectral_norm, weight_norm  # noqa: E402,F401
from . import rnn  # noqa: E402,F401  (nn.utils.rnn: packed and padded sequences)
