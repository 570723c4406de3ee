"""NAdam: Adam with Nesterov momentum and the momentum-decay schedule of Dozat (2016)."""
import numpy as np

from autograd import backend
from autograd.tensor import wrap

from .optimizer import (Optimizer, _check_betas, _check_lr, _check_non_negative, effective_grad, increment,
                        params_with_grad, step_counter, zeros_state)


class NAdam(Optimizer):
    group_defaults = {'maximize': False, 'decoupled_weight_decay': False}

    def __init__(self, params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                 decoupled_weight_decay=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check_non_negative('weight_decay', weight_decay)
        _check_non_negative('momentum_decay', momentum_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, momentum_decay=momentum_decay,
                        decoupled_weight_decay=decoupled_weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = (float(b) for b in group['betas'])
            lr, weight_decay = float(group['lr']), float(group['weight_decay'])
            momentum_decay = float(group['momentum_decay'])
            for p in params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = step_counter()
                    state['mu_product'] = wrap(np.ones((), dtype=np.float32))
                    state['exp_avg'] = zeros_state(p)
                    state['exp_avg_sq'] = zeros_state(p)
                step = increment(state['step'])
                # the momentum schedule: mu_t and mu_{t+1}; mu_product (a float32 tensor, as torch) is their product
                mu = beta1 * (1.0 - 0.5 * (0.96 ** (step * momentum_decay)))
                mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((step + 1) * momentum_decay)))
                mu_product = state['mu_product']
                mu_product.array *= mu
                mu_product._vc[0] += 1
                mu_product = float(mu_product.array)
                nadam_update(self, p.array, p.grad.array, state['exp_avg'].array, state['exp_avg_sq'].array,
                             grad_coefficient=-lr * (1.0 - mu) / (1.0 - mu_product),
                             exp_avg_coefficient=(-lr * mu_next) / (1.0 - mu_product * mu_next),
                             bias_correction2=1 - beta2 ** step, lr=lr, beta1=beta1, beta2=beta2,
                             eps=float(group['eps']), weight_decay=weight_decay, maximize=group['maximize'],
                             decoupled=group['decoupled_weight_decay'])
                p._vc[0] += 1
        return loss


def nadam_update(opt, param, grad, exp_avg, exp_avg_sq, *, grad_coefficient, exp_avg_coefficient, bias_correction2,
                 lr, beta1, beta2, eps, weight_decay, maximize, decoupled):
    """One NAdam step on arrays in torch's order: moments as Adam, denom = sqrt(v / bc2) + eps,
    p += c_g * g / denom, then p += c_m * m / denom."""
    xp = backend.array_module(param)
    if weight_decay != 0 and decoupled:
        param *= 1 - lr * weight_decay
        weight_decay = 0
    grad = effective_grad(param, grad, weight_decay, maximize, out=opt._scratch(param, 0))
    tmp, denom = opt._scratch(param, 1), opt._scratch(param, 2)
    exp_avg += xp.multiply(xp.subtract(grad, exp_avg, out=tmp), 1 - beta1, out=tmp)
    exp_avg_sq *= beta2
    exp_avg_sq += xp.multiply(xp.multiply(grad, 1 - beta2, out=tmp), grad, out=tmp)
    xp.sqrt(xp.divide(exp_avg_sq, bias_correction2, out=denom), out=denom)
    denom += eps
    update = xp.multiply(grad, grad_coefficient, out=tmp)
    update /= denom
    param += update
    update = xp.multiply(exp_avg, exp_avg_coefficient, out=tmp)
    update /= denom
    param += update
