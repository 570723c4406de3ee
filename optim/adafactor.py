"""Adafactor (Shazeer & Stern 2018), torch 2.5+'s variant: second moments factored into row and column
averages for matrices, relative step sizes, update clipping by d. torch's _single_tensor_adafactor."""
import numpy as np

from autograd import backend
from autograd.tensor import wrap

from .optimizer import Optimizer, increment, params_with_grad, step_counter


class Adafactor(Optimizer):
    group_defaults = {'maximize': False}

    def __init__(self, params, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0, *,
                 foreach=None, maximize=False):
        if not 0.0 <= lr:
            raise ValueError(f"Learning rate should be >= 0 but is: {lr}")
        if not 0.0 >= beta2_decay:
            raise ValueError(f"beta2_decay should be <= 0 but is: {beta2_decay}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"epsilon1 should be >= 0 but is: {eps[0]}")
        if not 0.0 <= eps[1]:
            raise ValueError(f"epsilon2 should be >= 0 but is: {eps[1]}")
        if not 1.0 <= d:
            raise ValueError(f"Clipping threshold d should be >= 1 but is: {d}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"weight_decay should be >= 0 but is: {weight_decay}")
        defaults = dict(lr=lr, beta2_decay=beta2_decay, eps=eps, d=d, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, beta2_decay, d, wd = float(group['lr']), group['beta2_decay'], group['d'], group['weight_decay']
            eps1, eps2 = group['eps']
            for p in params_with_grad(group):
                state = self.state[p]
                param = p.array
                xp = backend.array_module(param)
                grad = -p.grad.array if group['maximize'] else p.grad.array
                if len(state) == 0:
                    state['step'] = step_counter()
                    if grad.ndim > 1:
                        state['row_var'] = wrap(xp.zeros(grad.shape[:-1] + (1,), dtype=grad.dtype))
                        state['col_var'] = wrap(xp.zeros(grad.shape[:-2] + (1,) + grad.shape[-1:], dtype=grad.dtype))
                    else:
                        state['variance'] = wrap(xp.zeros_like(grad))
                e1 = float(np.finfo(param.dtype).eps) if eps1 is None else eps1
                step = increment(state['step'])
                one_minus_beta2_t = step ** beta2_decay
                rho_t = min(lr, 1 / (step ** 0.5))
                alpha = max(eps2, float(xp.linalg.norm(param.reshape(-1))) / (param.size ** 0.5)) * rho_t
                if wd != 0:
                    param *= 1 - lr * wd
                if grad.ndim > 1:
                    row_var, col_var = state['row_var'].array, state['col_var'].array
                    row_mean = (xp.sqrt((grad * grad).sum(-1, keepdims=True)) ** 2) / grad.shape[-1]
                    row_var += (row_mean - row_var) * one_minus_beta2_t
                    col_mean = (xp.sqrt((grad * grad).sum(-2, keepdims=True)) ** 2) / grad.shape[-2]
                    col_var += (col_mean - col_var) * one_minus_beta2_t
                    var_estimate = row_var @ col_var
                    var_estimate = var_estimate / xp.maximum(row_var.mean(-2, keepdims=True), e1)
                else:
                    variance = state['variance'].array
                    variance += (grad * grad - variance) * one_minus_beta2_t
                    var_estimate = variance.copy()
                update = 1 / xp.sqrt(xp.maximum(var_estimate, e1 * e1)) * grad
                denom = max(1.0, float(xp.linalg.norm(update.reshape(-1))) / ((update.size ** 0.5) * d))
                param -= (alpha / denom) * update
                p._vc[0] += 1
        return loss
