"""Fused CUDA kernels for GPU hot paths: one launch where the array code launches several.

Used only when real CuPy holds the arrays (`available`); everywhere else the array code runs, and it is the
reference the tests compare these kernels with. Each kernel performs the array code's operations in the same
order with the same scalars (computed here in double and cast to the array's dtype, as NumPy/CuPy do with
Python floats); only nvcc's fused multiply-adds can change the last bit. The kernels compile on first use.
"""
from . import backend

_KERNELS = {}


def available(array):
    """True for a CuPy array (the tests' NumPy-backed fake CuPy runs these kernels' bodies as NumPy code)."""
    cupy = backend.cupy
    return cupy is not None and isinstance(array, cupy.ndarray) and hasattr(cupy, 'ElementwiseKernel')


def _kernel(name, inputs, outputs, body):
    key = (backend.cupy, name)   # per CuPy module: the tests swap in a fake one
    kernel = _KERNELS.get(key)
    if kernel is None:
        kernel = _KERNELS[key] = backend.cupy.ElementwiseKernel(inputs, outputs, body, name)
    return kernel


def relu_backward(grad, output):
    """grad * (output > 0) in one pass, without the boolean mask array."""
    return _kernel('autograd_relu_backward', 'T g, T y', 'T gx', 'gx = y > (T)0 ? g : (T)0')(grad, output)


def sgd_momentum_(param, grad, buffer, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """In place, as optim.sgd.sgd_update once the momentum buffer exists:
    g = wd*p +/- grad; buf = buf*momentum + g*(1-dampening); p -= (g + buf*momentum if nesterov else buf) * lr."""
    _kernel('autograd_sgd_momentum',
            'T grad, T weight_decay, T momentum, T one_minus_dampening, T lr, bool nesterov, bool maximize',
            'T param, T buf',
            '''
            T g = weight_decay * param + (maximize ? -grad : grad);
            buf = buf * momentum + g * one_minus_dampening;
            param = param - (nesterov ? g + buf * momentum : buf) * lr;
            ''')(grad, weight_decay, momentum, 1 - dampening, lr, nesterov, maximize, param, buffer)


def adam_(param, grad, exp_avg, exp_avg_sq, step, *, lr, beta1, beta2, eps, weight_decay, maximize, decoupled):
    """In place, as optim.adam.adam_update without amsgrad (step already incremented):
    p *= 1 - lr*wd (decoupled); g = wd*p +/- grad (L2); m += (g - m)*(1-b1); v = v*b2 + g*(1-b2)*g;
    p += m * -(lr/bc1) / (sqrt(v)/sqrt(bc2) + eps)."""
    decay, weight_decay = (1 - lr * weight_decay, 0.0) if decoupled else (1.0, weight_decay)
    _kernel('autograd_adam',
            'T grad, T decay, T weight_decay, T one_minus_beta1, T beta2, T one_minus_beta2, T bc2_sqrt, T eps, '
            'T neg_step_size, bool maximize',
            'T param, T m, T v',
            '''
            param = param * decay;
            T g = weight_decay * param + (maximize ? -grad : grad);
            m = m + (g - m) * one_minus_beta1;
            v = v * beta2 + g * one_minus_beta2 * g;
            param = param + m * neg_step_size / (sqrt(v) / bc2_sqrt + eps);
            ''')(grad, decay, weight_decay, 1 - beta1, beta2, 1 - beta2, (1 - beta2 ** step) ** 0.5, eps,
                 -(lr / (1 - beta1 ** step)), maximize, param, exp_avg, exp_avg_sq)
