"""Fused CUDA kernels for GPU hot paths: one launch where the array code launches several.

Used only when real CuPy holds the arrays (`available`); everywhere else the array code runs, and it is the
reference the tests compare these kernels with. Each kernel performs the array code's operations in the same
order with the same scalars (computed here in double and cast to the array's dtype, as NumPy/CuPy do with
Python floats); only nvcc's fused multiply-adds can change the last bit. The kernels compile on first use.

KERNELS is the table of sources (in params, out params, body), so tests can compile every kernel with NVRTC
for float16, float32 and float64 without a GPU (tests/test_cuda_kernels.py). In CuPy's float16 arithmetic an
expression such as `-grad` or `g + buf * momentum` is a float, so both arms of a `?:` are cast to T: a
float/float16 mix is ambiguous in C++ and does not compile.
"""
from . import backend

KERNELS = {
    'autograd_relu_backward': ('T g, T y', 'T gx', 'gx = y > (T)0 ? g : (T)0'),
    'autograd_sgd_momentum': (
        'T grad, T weight_decay, T momentum, T one_minus_dampening, T lr, bool nesterov, bool maximize',
        'T param, T buf',
        '''
        T g = weight_decay * param + (maximize ? (T)(-grad) : (T)(grad));
        buf = buf * momentum + g * one_minus_dampening;
        param = param - (nesterov ? (T)(g + buf * momentum) : (T)(buf)) * lr;
        '''),
    'autograd_adam': (
        'T grad, T decay, T weight_decay, T one_minus_beta1, T beta2, T one_minus_beta2, T bc2_sqrt, T eps, '
        'T neg_step_size, bool maximize',
        'T param, T m, T v',
        '''
        param = param * decay;
        T g = weight_decay * param + (maximize ? (T)(-grad) : (T)(grad));
        m = m + (g - m) * one_minus_beta1;
        v = v * beta2 + g * one_minus_beta2 * g;
        param = param + m * neg_step_size / (sqrt(v) / bc2_sqrt + eps);
        '''),
}
_COMPILED = {}


def available(array):
    """True for a CuPy array (the tests' NumPy-backed fake CuPy runs these kernels' bodies as NumPy code)."""
    cupy = backend.cupy
    return cupy is not None and isinstance(array, cupy.ndarray) and hasattr(cupy, 'ElementwiseKernel')


def _kernel(name):
    key = (backend.cupy, name)   # per CuPy module: the tests swap in a fake one
    kernel = _COMPILED.get(key)
    if kernel is None:
        kernel = _COMPILED[key] = backend.cupy.ElementwiseKernel(*KERNELS[name], name)
    return kernel


def _as(array, dtype):
    """CuPy's kernels need every `T` argument in one dtype ("Type is mismatched"): cast, as NumPy would."""
    return array if array.dtype == dtype else array.astype(dtype)


def relu_backward(grad, output):
    """grad * (output > 0) in one pass, without the boolean mask array; in the promoted dtype of the two
    (a float64 seed gradient on a float32 graph gives float64, as the array code does)."""
    dtype = backend.cupy.result_type(grad.dtype, output.dtype)
    return _kernel('autograd_relu_backward')(_as(grad, dtype), _as(output, dtype))


def sgd_momentum_(param, grad, buffer, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """In place, as optim.sgd.sgd_update once the momentum buffer exists:
    g = wd*p +/- grad; buf = buf*momentum + g*(1-dampening); p -= (g + buf*momentum if nesterov else buf) * lr."""
    _kernel('autograd_sgd_momentum')(_as(grad, param.dtype), weight_decay, momentum, 1 - dampening, lr, nesterov,
                                     maximize, param, buffer)


def adam_(param, grad, exp_avg, exp_avg_sq, step, *, lr, beta1, beta2, eps, weight_decay, maximize, decoupled):
    """In place, as optim.adam.adam_update without amsgrad (step already incremented):
    p *= 1 - lr*wd (decoupled); g = wd*p +/- grad (L2); m += (g - m)*(1-b1); v = v*b2 + g*(1-b2)*g;
    p += m * -(lr/bc1) / (sqrt(v)/sqrt(bc2) + eps)."""
    decay, weight_decay = (1 - lr * weight_decay, 0.0) if decoupled else (1.0, weight_decay)
    _kernel('autograd_adam')(_as(grad, param.dtype), decay, weight_decay, 1 - beta1, beta2, 1 - beta2,
                             (1 - beta2 ** step) ** 0.5, eps, -(lr / (1 - beta1 ** step)), maximize,
                             param, exp_avg, exp_avg_sq)
