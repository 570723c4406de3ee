"""autograd/cuda_kernels.py on a real GPU against the array code it replaces (run on the host with NumPy).

The kernels may contract a*b+c into fused multiply-adds, so agreement is to float32 rounding, not bit for bit.
(On the fake device of fake_cuda.py the same kernels run as NumPy code: see test_fake_cuda.py.)"""
import numpy as np
import pytest

import autograd
from autograd import backend, cuda_kernels, nn, optim
from optim.adam import adam_update
from optim.sgd import sgd_update
from tolerance import tolerance

pytestmark = pytest.mark.skipif(not autograd.cuda.is_available(),
                                reason="needs a CUDA device (CuPy and an NVIDIA GPU); runs on a GPU machine")
RNG = np.random.default_rng(0)
TOLERANCE = tolerance(np.float32)   # the kernels compute in float32, in another order than NumPy


def arrays(*shape, count=1, positive=False):
    out = [RNG.standard_normal(shape).astype(np.float32) for _ in range(count)]
    return [np.abs(a) for a in out] if positive else out


def on_gpu(*host):
    return [backend.cupy.asarray(a) for a in host]


def test_real_cupy_runs_the_kernels():
    assert cuda_kernels.available(on_gpu(np.ones(2, np.float32))[0]) and not cuda_kernels.available(np.ones(2))


@pytest.mark.parametrize('shape', [(7,), (64, 513), (3, 1, 5)])
def test_relu_backward_kernel_matches_grad_times_mask(shape):
    grad, output = arrays(*shape, count=2)
    output = np.maximum(output, 0)
    gx = cuda_kernels.relu_backward(*on_gpu(grad, output))
    np.testing.assert_array_equal(backend.cupy.asnumpy(gx), grad * (output > 0))


SGD_OPTIONS = [dict(momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False),
               dict(momentum=0.9, dampening=0.0, weight_decay=1e-2, nesterov=True, maximize=False),
               dict(momentum=0.5, dampening=0.3, weight_decay=1e-3, nesterov=False, maximize=True)]


@pytest.mark.parametrize('options', SGD_OPTIONS)
def test_sgd_momentum_kernel_matches_the_array_code(options):
    param, grad, buffer = arrays(33, 17, count=3)
    opt = optim.SGD([nn.Parameter(autograd.ones(1))], lr=0.1)
    host = [a.copy() for a in (param, grad, buffer)]
    sgd_update(opt, host[0], host[1], host[2], lr=0.05, **options)
    device = on_gpu(param, grad, buffer)
    cuda_kernels.sgd_momentum_(device[0], device[1], device[2], lr=0.05, **options)
    for name, ours, reference in zip(('param', 'grad', 'buffer'), device, host):
        np.testing.assert_allclose(backend.cupy.asnumpy(ours), reference, err_msg=name, **TOLERANCE)


ADAM_OPTIONS = [dict(weight_decay=0.0, maximize=False, decoupled=False),
                dict(weight_decay=1e-2, maximize=False, decoupled=False),
                dict(weight_decay=1e-2, maximize=True, decoupled=True)]


@pytest.mark.parametrize('options', ADAM_OPTIONS)
@pytest.mark.parametrize('step', [1, 2, 1000])
def test_adam_kernel_matches_the_array_code(options, step):
    param, grad, exp_avg = arrays(40, 9, count=3)
    exp_avg_sq, = arrays(40, 9, positive=True)
    opt = optim.Adam([nn.Parameter(autograd.ones(1))])
    hyper = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, **options)
    host = [a.copy() for a in (param, grad, exp_avg, exp_avg_sq)]
    adam_update(opt, host[0], host[1], host[2], host[3], None, step, **hyper)
    device = on_gpu(param, grad, exp_avg, exp_avg_sq)
    cuda_kernels.adam_(*device, step, **hyper)
    for name, ours, reference in zip(('param', 'grad', 'exp_avg', 'exp_avg_sq'), device, host):
        np.testing.assert_allclose(backend.cupy.asnumpy(ours), reference, err_msg=name, **TOLERANCE)
