"""SGD with momentum, dampening, Nesterov momentum, weight decay and maximize."""
from autograd import backend, cuda_kernels
from autograd.tensor import wrap

from .optimizer import Optimizer, _check_lr, effective_grad, params_with_grad


class SGD(Optimizer):
    group_defaults = {'nesterov': False, 'maximize': False}

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        _check_lr(lr)
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, momentum = float(group['lr']), float(group['momentum'])
            for p in params_with_grad(group):
                state = self.state[p] if momentum != 0 else None
                buffer = state.get('momentum_buffer') if state is not None else None
                new_buffer = sgd_update(self, p.array, p.grad.array, None if buffer is None else buffer.array,
                                        lr=lr, momentum=momentum, dampening=float(group['dampening']),
                                        weight_decay=float(group['weight_decay']), nesterov=group['nesterov'],
                                        maximize=group['maximize'])
                if new_buffer is not None:
                    state['momentum_buffer'] = wrap(new_buffer)
                p._vc[0] += 1
        return loss


def sgd_update(opt, param, grad, buffer, *, lr, momentum, dampening, weight_decay, nesterov, maximize):
    """One SGD step on arrays, in torch's operation order. Returns a new momentum buffer on the first step
    (a copy of the gradient, as torch), else None."""
    if buffer is not None and momentum != 0 and cuda_kernels.available(param):   # one fused kernel on a GPU
        cuda_kernels.sgd_momentum_(param, grad, buffer, lr=lr, momentum=momentum, dampening=dampening,
                                   weight_decay=weight_decay, nesterov=nesterov, maximize=maximize)
        return None
    xp = backend.array_module(param)
    grad = effective_grad(param, grad, weight_decay, maximize, out=opt._scratch(param, 0))
    new_buffer = None
    if momentum != 0:
        if buffer is None:
            buffer = new_buffer = grad.copy()
        else:
            buffer *= momentum
            if dampening == 0:
                buffer += grad
            else:
                buffer += xp.multiply(grad, 1 - dampening, out=opt._scratch(param, 1))
        if nesterov:
            grad = xp.add(grad, xp.multiply(buffer, momentum, out=opt._scratch(param, 1)),
                          out=opt._scratch(param, 1))
        else:
            grad = buffer
    param -= xp.multiply(grad, lr, out=opt._scratch(param, 2))
    return new_buffer
