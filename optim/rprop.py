"""Rprop (Riedmiller & Braun 1993): per-element step sizes grown by etaplus while the gradient keeps its sign
and shrunk by etaminus when it flips (that step is skipped). torch's _single_tensor_rprop."""
from autograd import backend
from autograd.tensor import wrap

from .optimizer import Optimizer, _check_lr, increment, params_with_grad, step_counter, zeros_state


class Rprop(Optimizer):
    group_defaults = {'maximize': False}

    def __init__(self, params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, capturable=False, foreach=None,
                 maximize=False, differentiable=False):
        _check_lr(lr)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Invalid eta values: {etas[0]}, {etas[1]}")
        defaults = dict(lr=lr, etas=etas, step_sizes=step_sizes, foreach=foreach, maximize=maximize,
                        differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            etaminus, etaplus = group['etas']
            step_size_min, step_size_max = group['step_sizes']
            for p in params_with_grad(group):
                state = self.state[p]
                xp = backend.array_module(p.array)
                if len(state) == 0:
                    state['step'] = step_counter()
                    state['prev'] = zeros_state(p)
                    state['step_size'] = wrap(xp.full_like(p.grad.array, float(group['lr'])))
                increment(state['step'])
                grad = -p.grad.array if group['maximize'] else p.grad.array
                prev, step_size = state['prev'].array, state['step_size'].array
                sign = xp.sign(grad * prev)
                factor = xp.where(sign > 0, etaplus, xp.where(sign < 0, etaminus, 1)).astype(grad.dtype)
                step_size *= factor
                xp.clip(step_size, step_size_min, step_size_max, out=step_size)
                grad = xp.where(factor == etaminus, 0, grad).astype(grad.dtype)
                p.array -= xp.sign(grad) * step_size
                prev[...] = grad
                p._vc[0] += 1
        return loss
