"""SyncBatchNorm's math across processes: batch statistics over every rank's batch, not just this one's.

Forward: each rank sums x and x^2 per channel over its (N, *) positions and counts them; one all-reduce
gives the global count, mean and (biased) variance, used to normalise; running statistics take the
unbiased variance, as torch's. Backward (the batch-norm closed form over the global batch):
    dx = weight * invstd * (dy - sum_all(dy) / M - xhat * sum_all(dy * xhat) / M)
where sum_all runs over all ranks (one more all-reduce) and M is the global count; dweight = sum(dy * xhat)
and dbias = sum(dy) stay local, as in torch, for DistributedDataParallel to average.
Sums are accumulated in float64, so the E[x^2] - E[x]^2 variance keeps float32 inputs' accuracy.
"""
from .. import backend
from ..autograd import once_differentiable
from ..function import Function
from ..tensor import wrap


def _channels(a):
    """(axes to reduce, broadcast shape of a per-channel vector) for (N, C, *) arrays."""
    return (0,) + tuple(range(2, a.ndim)), (1, a.shape[1]) + (1,) * (a.ndim - 2)


class SyncBatchNormFunction(Function):
    def forward(self, x, *affine, eps, momentum, running, group):
        xp = backend.array_module(x.array)
        a = x.array
        axes, shape = _channels(a)
        c = a.shape[1]
        local = xp.concatenate([a.sum(axes, dtype=xp.float64), (a.astype(xp.float64) ** 2).sum(axes),
                                xp.asarray([a.size // c], dtype=xp.float64)])
        stats = wrap(local)
        group.engine.all_reduce(stats, 0, check=False).wait()
        total = float(stats.array[-1])
        if total <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {list(a.shape)}"
                             f" over all processes")
        mean = stats.array[:c] / total
        var = xp.maximum(stats.array[c:2 * c] / total - mean ** 2, 0)
        invstd = (1 / xp.sqrt(var + eps)).astype(a.dtype)
        if running is not None:
            running_mean, running_var = running
            running_mean.array[...] = (1 - momentum) * running_mean.array + momentum * mean
            running_var.array[...] = (1 - momentum) * running_var.array + momentum * var * total / (total - 1)
        xhat = (a - mean.astype(a.dtype).reshape(shape)) * invstd.reshape(shape)
        self.state = (xhat, invstd, total, group)
        self.affine = bool(affine)
        if affine:
            weight, bias = affine
            self.weight = weight.array
            return xhat * weight.array.reshape(shape) + bias.array.reshape(shape)
        return xhat

    @once_differentiable
    def backward(self, grad):
        xhat, invstd, total, group = self.state
        g = grad.array
        xp = backend.array_module(g)
        axes, shape = _channels(g)
        c = g.shape[1]
        sum_dy, sum_dy_xhat = g.sum(axes), (g * xhat).sum(axes)
        grads = [None]
        if self.needs_input_grad[0]:
            both = wrap(xp.concatenate([sum_dy, sum_dy_xhat]))
            group.engine.all_reduce(both, 0, check=False).wait()
            all_dy, all_dy_xhat = both.array[:c], both.array[c:]
            scale = invstd * (self.weight if self.affine else 1)
            grads[0] = wrap(scale.reshape(shape) * (g - (all_dy / total).reshape(shape)
                                                    - xhat * (all_dy_xhat / total).reshape(shape)))
        if self.affine:
            grads += [wrap(sum_dy_xhat), wrap(sum_dy)]
        return tuple(grads)


def sync_batch_norm(x, weight, bias, running_mean, running_var, momentum, eps, group):
    """Training-mode batch norm of x (N, C, *) with statistics over all ranks of `group` (a ProcessGroup)."""
    affine = (weight, bias) if weight is not None else ()
    running = (running_mean, running_var) if running_mean is not None else None
    return SyncBatchNormFunction.apply(x, *affine, eps=eps, momentum=momentum, running=running, group=group)
