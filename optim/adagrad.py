"""Adagrad: per-coordinate learning rates from the running sum of squared gradients."""
from autograd import backend
from autograd.tensor import wrap

from .optimizer import Optimizer, _check_lr, _check_non_negative, effective_grad, increment, params_with_grad, \
    step_counter


class Adagrad(Optimizer):
    group_defaults = {'maximize': False}

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
                 foreach=None, *, maximize=False, differentiable=False, fused=None):
        _check_lr(lr)
        _check_non_negative('lr_decay', lr_decay)
        _check_non_negative('weight_decay', weight_decay)
        _check_non_negative('initial_accumulator_value', initial_accumulator_value)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        # torch creates Adagrad's state eagerly, for every parameter, with the optimizer-wide initial value
        for group in self.param_groups:
            for p in group['params']:
                self._init_state(p)

    def _init_state(self, p):
        state = self.state[p]
        state['step'] = step_counter()
        state['sum'] = wrap(backend.array_module(p.array).full_like(
            p.array, self.defaults['initial_accumulator_value']))
        return state

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            lr, lr_decay = float(group['lr']), float(group['lr_decay'])
            for p in params_with_grad(group):
                state = self.state[p] or self._init_state(p)   # params added by add_param_group start here
                step = increment(state['step'])
                adagrad_update(self, p.array, p.grad.array, state['sum'].array,
                               clr=lr / (1 + (step - 1) * lr_decay), eps=float(group['eps']),
                               weight_decay=float(group['weight_decay']), maximize=group['maximize'])
                p._vc[0] += 1
        return loss


def adagrad_update(opt, param, grad, state_sum, *, clr, eps, weight_decay, maximize):
    """One Adagrad step on arrays: sum += g*g; p -= clr * g / (sqrt(sum) + eps)."""
    xp = backend.array_module(param)
    grad = effective_grad(param, grad, weight_decay, maximize, out=opt._scratch(param, 0))
    std = opt._scratch(param, 1)
    state_sum += xp.multiply(grad, grad, out=std)
    xp.sqrt(state_sum, out=std)
    std += eps
    update = xp.multiply(grad, -clr, out=opt._scratch(param, 2))
    update /= std
    param += update
