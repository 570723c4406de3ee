"""ASGD, averaged SGD (Polyak & Juditsky 1992): SGD with a decaying step eta_t = lr / (1 + lambd lr t)^alpha
and a running average ax of the iterates from step t0 on. torch's _single_tensor_asgd: eta and mu are float32
0-d state tensors, so their values are float32-rounded, as torch's."""
import numpy as np

from autograd.tensor import wrap

from .optimizer import Optimizer, _check_lr, _check_non_negative, increment, params_with_grad, step_counter, \
    zeros_state


class ASGD(Optimizer):
    group_defaults = {'maximize': False}

    def __init__(self, params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, foreach=None,
                 maximize=False, differentiable=False, capturable=False):
        _check_lr(lr)
        _check_non_negative('weight_decay', weight_decay)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lambd, alpha, t0 = float(group['lr']), group['lambd'], group['alpha'], group['t0']
            wd = group['weight_decay']
            for p in params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = step_counter()
                    state['eta'] = wrap(np.asarray(lr, dtype=np.float32))
                    state['mu'] = wrap(np.ones((), dtype=np.float32))
                    state['ax'] = zeros_state(p)
                param = p.array
                grad = -p.grad.array if group['maximize'] else p.grad.array
                step = increment(state['step'])
                if wd != 0:
                    grad = grad + wd * param
                eta = float(state['eta'].array)
                param *= 1 - lambd * eta
                param -= eta * grad
                mu, ax = state['mu'].array, state['ax'].array
                if float(mu) != 1:
                    ax += (param - ax) * mu.astype(param.dtype)   # mu's float32 value, in param's dtype
                else:
                    ax[...] = param
                state['eta'].array[...] = np.float32(lr / ((1 + lambd * lr * step) ** alpha))
                state['mu'].array[...] = np.float32(1 / max(1, step - t0))
                p._vc[0] += 1
        return loss
