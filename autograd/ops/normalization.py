"""Normalization layers' math: batch_norm, layer_norm, group_norm as one fused Function.

Normalize computes y = (x - mean) * invstd * weight + bias with the statistics taken over `axes` of x
(or given: batch norm's running statistics in eval mode). backward is the closed form
    dxhat = grad * weight
    dx    = invstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))     (batch statistics)
    dx    = invstd * dxhat                                                  (given statistics)
    dweight = sum(grad * xhat), dbias = sum(grad)   over the axes the parameters broadcast along.
It runs on saved arrays; under create_graph it rebuilds xhat from x in Tensor ops so that the result is
differentiable again.
"""
from .. import backend, grad_mode
from ..function import Function
from ..tensor import Tensor, wrap


def _mean(v, axes):
    return v.mean(axes, keepdim=True) if isinstance(v, Tensor) else v.mean(axis=axes, keepdims=True)


def _sum(v, axes):
    if not axes:   # nothing to reduce (Tensor.sum(()) would reduce everything)
        return v
    return v.sum(axes) if isinstance(v, Tensor) else v.sum(axis=axes)


class Normalize(Function):
    """inputs: x and optionally (weight, bias); options:
    axes: the axes the statistics run over, of x viewed as work_shape (default: x's own shape; group norm
    views (N, C, ...) as (N, groups, C // groups, rest)); param_shape: weight's shape broadcast against that;
    eps; stats: (mean, var) arrays shaped for broadcasting, or None to use the batch's;
    running: (running_mean, running_var, momentum) arrays updated in place from the batch statistics;
    node_name: torch's grad_fn name (NativeBatchNormBackward0, NativeLayerNormBackward0, ...).
    Saved for backward: x (for create_graph), weight, xhat and invstd (arrays)."""
    contiguous_output = True

    def name(self):
        return self.node_name

    def forward(self, x, *affine, axes, param_shape, eps, stats=None, running=None, work_shape=None,
                node_name='NormalizeBackward0'):
        self.node_name, self.axes, self.param_shape, self.eps = node_name, axes, param_shape, eps
        self.work_shape = work_shape or x.shape
        a = x.array.reshape(self.work_shape)
        xp = backend.array_module(a)
        if stats is None:
            mean = a.mean(axis=axes, keepdims=True)
            centered = a - mean
            var = (centered * centered).mean(axis=axes, keepdims=True)
            if running is not None:
                _update_running(running, mean, var, a.size // mean.size)
        else:
            mean, var = stats
            centered = a - mean
        self.given_mean = None if stats is None else mean
        self.invstd = 1 / xp.sqrt(var + eps)
        self.xhat = centered * self.invstd
        self.save_for_backward(x, *affine)
        out = self.xhat
        if affine:
            out = out * affine[0].array.reshape(param_shape) + affine[1].array.reshape(param_shape)
        return out.reshape(x.shape)

    def backward(self, grad):
        x, *affine = self.saved_tensors
        if grad_mode.state.enabled:   # create_graph: xhat and invstd as Tensor functions of x
            xhat, invstd = self._tensor_statistics(x.reshape(self.work_shape))
            g, weight = grad.reshape(self.work_shape), affine and affine[0].reshape(self.param_shape)
        else:
            xhat, invstd, g = self.xhat, self.invstd, grad.array.reshape(self.work_shape)
            weight = affine and affine[0].array.reshape(self.param_shape)
        needs = self.needs_input_grad
        dx = dweight = dbias = None
        if needs[0]:
            dxhat = g * weight if affine else g
            if self.given_mean is None:
                dx = invstd * (dxhat - _mean(dxhat, self.axes) - xhat * _mean(dxhat * xhat, self.axes))
            else:
                dx = invstd * dxhat
            dx = dx.reshape(x.shape)
        if affine:
            reduce = tuple(i for i, s in enumerate(_left_pad(self.param_shape, g.ndim)) if s == 1)
            shape = tuple(affine[0].shape)
            if needs[1]:
                dweight = _sum(g * xhat, reduce).reshape(shape)
            if needs[2]:
                dbias = _sum(g, reduce).reshape(shape)
        grads = (dx, dweight, dbias)[:1 + len(affine)]
        return tuple(v if v is None or isinstance(v, Tensor) else wrap(v) for v in grads)

    def _tensor_statistics(self, x):
        if self.given_mean is None:
            mean = x.mean(self.axes, keepdim=True)
            centered = x - mean
            invstd = ((centered * centered).mean(self.axes, keepdim=True) + self.eps).rsqrt()
            return centered * invstd, invstd
        invstd = wrap(self.invstd)
        return (x - wrap(self.given_mean)) * invstd, invstd


def _left_pad(shape, ndim):
    return (1,) * (ndim - len(shape)) + tuple(shape)


def _update_running(running, mean, var, n):
    """running = (1 - momentum) * running + momentum * batch statistic (unbiased variance), in place."""
    running_mean, running_var, momentum = running
    unbiased = var * (n / (n - 1)) if n > 1 else var
    for buf, batch in ((running_mean, mean), (running_var, unbiased)):
        if buf is not None:
            buf *= 1 - momentum
            buf += momentum * batch.reshape(buf.shape).astype(buf.dtype, copy=False)
