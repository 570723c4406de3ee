"""RMSprop with smoothing constant alpha, optional momentum and centering."""
from autograd import backend

from .optimizer import (Optimizer, _check_lr, _check_non_negative, effective_grad, increment, params_with_grad,
                        step_counter, zeros_state)


class RMSprop(Optimizer):
    group_defaults = {'momentum': 0, 'centered': False, 'maximize': False}

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 capturable=False, foreach=None, maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_non_negative('momentum', momentum)
        _check_non_negative('weight_decay', weight_decay)
        _check_non_negative('alpha', alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach, maximize=maximize,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            momentum, centered = float(group['momentum']), group['centered']
            options = dict(lr=float(group['lr']), alpha=float(group['alpha']), eps=float(group['eps']),
                           weight_decay=float(group['weight_decay']), momentum=momentum,
                           maximize=group['maximize'])
            for p in params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = step_counter()
                    state['square_avg'] = zeros_state(p)
                    if momentum > 0:
                        state['momentum_buffer'] = zeros_state(p)
                    if centered:
                        state['grad_avg'] = zeros_state(p)
                increment(state['step'])
                rmsprop_update(self, p.array, p.grad.array, state['square_avg'].array,
                               state['grad_avg'].array if centered else None,
                               state['momentum_buffer'].array if momentum > 0 else None, **options)
                p._vc[0] += 1
        return loss


def rmsprop_update(opt, param, grad, square_avg, grad_avg, momentum_buffer, *, lr, alpha, eps, weight_decay,
                   momentum, maximize):
    """One RMSprop step on arrays in torch's order: v = alpha*v + (1-alpha)*g*g; centered: subtract the
    square of the lerped grad average; p -= lr * g / (sqrt(v) + eps), through the momentum buffer if any."""
    xp = backend.array_module(param)
    grad = effective_grad(param, grad, weight_decay, maximize, out=opt._scratch(param, 0))
    avg = opt._scratch(param, 1)
    square_avg *= alpha
    square_avg += xp.multiply(xp.multiply(grad, 1 - alpha, out=avg), grad, out=avg)
    if grad_avg is not None:
        grad_avg += xp.multiply(xp.subtract(grad, grad_avg, out=avg), 1 - alpha, out=avg)
        xp.sqrt(xp.subtract(square_avg, xp.multiply(grad_avg, grad_avg, out=avg), out=avg), out=avg)
    else:
        xp.sqrt(square_avg, out=avg)
    avg += eps
    if momentum_buffer is not None:
        momentum_buffer *= momentum
        momentum_buffer += xp.divide(grad, avg, out=avg)
        param -= xp.multiply(momentum_buffer, lr, out=avg)
    else:
        update = xp.multiply(grad, -lr, out=opt._scratch(param, 2))
        update /= avg
        param += update
