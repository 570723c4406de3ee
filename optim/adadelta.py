"""Adadelta: steps scaled by the ratio of running RMS of updates to running RMS of gradients."""
from autograd import backend

from .optimizer import (Optimizer, _check_lr, _check_non_negative, effective_grad, increment, params_with_grad,
                        step_counter, zeros_state)


class Adadelta(Optimizer):
    group_defaults = {'maximize': False}

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, capturable=False,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Invalid rho value: {rho}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_non_negative('weight_decay', weight_decay)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize,
                        capturable=capturable, foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            options = dict(lr=float(group['lr']), rho=float(group['rho']), eps=float(group['eps']),
                           weight_decay=float(group['weight_decay']), maximize=group['maximize'])
            for p in params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = step_counter()
                    state['square_avg'] = zeros_state(p)
                    state['acc_delta'] = zeros_state(p)
                increment(state['step'])
                adadelta_update(self, p.array, p.grad.array, state['square_avg'].array, state['acc_delta'].array,
                                **options)
                p._vc[0] += 1
        return loss


def adadelta_update(opt, param, grad, square_avg, acc_delta, *, lr, rho, eps, weight_decay, maximize):
    """One Adadelta step on arrays in torch's order: v = rho*v + (1-rho)*g*g;
    delta = sqrt(acc + eps) / sqrt(v + eps) * g; acc = rho*acc + (1-rho)*delta*delta; p -= lr * delta."""
    xp = backend.array_module(param)
    grad = effective_grad(param, grad, weight_decay, maximize, out=opt._scratch(param, 0))
    std, delta = opt._scratch(param, 1), opt._scratch(param, 2)
    square_avg *= rho
    square_avg += xp.multiply(xp.multiply(grad, 1 - rho, out=std), grad, out=std)
    xp.sqrt(xp.add(square_avg, eps, out=std), out=std)
    xp.sqrt(xp.add(acc_delta, eps, out=delta), out=delta)
    delta /= std
    delta *= grad
    acc_delta *= rho
    acc_delta += xp.multiply(xp.multiply(delta, 1 - rho, out=std), delta, out=std)
    param -= xp.multiply(delta, lr, out=delta)
