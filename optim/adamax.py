"""Adamax: Adam with the infinity norm in place of the second moment."""
from autograd import backend

from .optimizer import (Optimizer, _check_betas, _check_lr, _check_non_negative, effective_grad, increment,
                        params_with_grad, step_counter, zeros_state)


class Adamax(Optimizer):
    group_defaults = {'maximize': False}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check_non_negative('weight_decay', weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = (float(b) for b in group['betas'])
            lr = float(group['lr'])
            for p in params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = step_counter()
                    state['exp_avg'] = zeros_state(p)
                    state['exp_inf'] = zeros_state(p)
                step = increment(state['step'])
                adamax_update(self, p.array, p.grad.array, state['exp_avg'].array, state['exp_inf'].array,
                              clr=lr / (1 - beta1 ** step), beta1=beta1, beta2=beta2, eps=float(group['eps']),
                              weight_decay=float(group['weight_decay']), maximize=group['maximize'])
                p._vc[0] += 1
        return loss


def adamax_update(opt, param, grad, exp_avg, exp_inf, *, clr, beta1, beta2, eps, weight_decay, maximize):
    """One Adamax step on arrays: m = lerp(m, g, 1-b1); u = max(b2*u, |g| + eps); p -= clr * m / u."""
    xp = backend.array_module(param)
    grad = effective_grad(param, grad, weight_decay, maximize, out=opt._scratch(param, 0))
    tmp = opt._scratch(param, 1)
    exp_avg += xp.multiply(xp.subtract(grad, exp_avg, out=tmp), 1 - beta1, out=tmp)
    exp_inf *= beta2
    xp.maximum(exp_inf, xp.add(xp.abs(grad, out=tmp), eps, out=tmp), out=exp_inf)
    update = xp.multiply(exp_avg, -clr, out=tmp)
    update /= exp_inf
    param += update
