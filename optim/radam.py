"""RAdam (Liu et al. 2019): Adam whose adaptive step is switched on, rectified, once the variance of the
adaptive learning rate is tractable (rho_t > 5); L2 or decoupled weight decay. torch's _single_tensor_radam."""
from autograd import backend

from .optimizer import (Optimizer, _check_betas, _check_lr, _check_non_negative, increment, params_with_grad,
                        step_counter, zeros_state)


class RAdam(Optimizer):
    group_defaults = {'maximize': False, 'decoupled_weight_decay': False}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False,
                 *, foreach=None, maximize=False, capturable=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check_non_negative('weight_decay', weight_decay)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, maximize=maximize, foreach=foreach,
                        capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = (float(b) for b in group['betas'])
            lr, eps, wd = float(group['lr']), float(group['eps']), float(group['weight_decay'])
            for p in params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = step_counter()
                    state['exp_avg'] = zeros_state(p)
                    state['exp_avg_sq'] = zeros_state(p)
                param, grad = p.array, p.grad.array
                xp = backend.array_module(param)
                exp_avg, exp_avg_sq = state['exp_avg'].array, state['exp_avg_sq'].array
                step = increment(state['step'])
                if group['maximize']:
                    grad = -grad
                if wd != 0:
                    if group['decoupled_weight_decay']:
                        param *= 1 - lr * wd
                    else:
                        grad = grad + wd * param
                exp_avg += (grad - exp_avg) * (1 - beta1)            # lerp
                exp_avg_sq *= beta2
                exp_avg_sq += (1 - beta2) * grad * grad
                bias_correction1 = 1 - beta1 ** step
                bias_correction2 = 1 - beta2 ** step
                corrected = exp_avg / bias_correction1
                rho_inf = 2 / (1 - beta2) - 1
                rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
                if rho_t > 5.0:
                    rect = ((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)) ** 0.5
                    adaptive = (bias_correction2 ** 0.5) / (xp.sqrt(exp_avg_sq) + eps)
                    param -= corrected * lr * adaptive * rect
                else:
                    param -= corrected * lr
                p._vc[0] += 1
        return loss
