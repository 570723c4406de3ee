"""Adam (with amsgrad, L2 or decoupled weight decay, maximize) and AdamW."""
from autograd import backend, cuda_kernels
from autograd.tensor import Tensor

from .optimizer import (Optimizer, _check_betas, _check_lr, _check_non_negative, effective_grad, increment,
                        params_with_grad, step_counter, zeros_state)


class Adam(Optimizer):
    group_defaults = {'amsgrad': False, 'maximize': False, 'decoupled_weight_decay': False}

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, *,
                 foreach=None, maximize=False, capturable=False, differentiable=False, fused=None,
                 decoupled_weight_decay=False):
        _check_lr(lr)
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        _check_betas(betas)
        _check_non_negative('weight_decay', weight_decay)
        if not (all(isinstance(b, float) for b in betas) or all(isinstance(b, Tensor) for b in betas)):
            raise ValueError("betas must be either both floats or both Tensors")
        betas = tuple(b.item() if isinstance(b, Tensor) else b for b in betas)
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable,
                        fused=fused, decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            beta1, beta2 = (float(b) for b in group['betas'])
            options = dict(lr=float(group['lr']), beta1=beta1, beta2=beta2, eps=float(group['eps']),
                           weight_decay=float(group['weight_decay']), maximize=group['maximize'],
                           decoupled=group['decoupled_weight_decay'])
            for p in params_with_grad(group):
                state = self.state[p]
                if len(state) == 0:
                    state['step'] = step_counter()
                    state['exp_avg'] = zeros_state(p)
                    state['exp_avg_sq'] = zeros_state(p)
                    if group['amsgrad']:
                        state['max_exp_avg_sq'] = zeros_state(p)
                max_exp_avg_sq = state['max_exp_avg_sq'].array if group['amsgrad'] else None
                adam_update(self, p.array, p.grad.array, state['exp_avg'].array, state['exp_avg_sq'].array,
                            max_exp_avg_sq, increment(state['step']), **options)
                p._vc[0] += 1
        return loss


class AdamW(Adam):
    """Adam with decoupled weight decay (param *= 1 - lr * weight_decay before the update)."""
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *,
                 maximize=False, foreach=None, capturable=False, differentiable=False, fused=None):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused,
                         decoupled_weight_decay=True)

    def __setstate__(self, state):
        super().__setstate__(state)
        for group in self.param_groups:
            group['decoupled_weight_decay'] = True


def adam_update(opt, param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step, *, lr, beta1, beta2, eps,
                weight_decay, maximize, decoupled):
    """One Adam step on arrays, in the order of torch's _single_tensor_adam (step already incremented):
    m = lerp(m, g, 1-b1); v = b2*v + (1-b2)*g*g; p += -(lr/bc1) * m / (sqrt(v)/sqrt(bc2) + eps)."""
    if max_exp_avg_sq is None and cuda_kernels.available(param):   # one fused kernel on a GPU
        cuda_kernels.adam_(param, grad, exp_avg, exp_avg_sq, step, lr=lr, beta1=beta1, beta2=beta2, eps=eps,
                           weight_decay=weight_decay, maximize=maximize, decoupled=decoupled)
        return
    xp = backend.array_module(param)
    if weight_decay != 0 and decoupled:
        param *= 1 - lr * weight_decay
        weight_decay = 0
    grad = effective_grad(param, grad, weight_decay, maximize, out=opt._scratch(param, 0))
    tmp = opt._scratch(param, 1)
    exp_avg += xp.multiply(xp.subtract(grad, exp_avg, out=tmp), 1 - beta1, out=tmp)
    exp_avg_sq *= beta2
    exp_avg_sq += xp.multiply(xp.multiply(grad, 1 - beta2, out=tmp), grad, out=tmp)

    step_size = lr / (1 - beta1 ** step)
    bias_correction2_sqrt = (1 - beta2 ** step) ** 0.5
    if max_exp_avg_sq is not None:
        xp.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        exp_avg_sq = max_exp_avg_sq
    denom = xp.sqrt(exp_avg_sq, out=tmp)
    denom /= bias_correction2_sqrt
    denom += eps
    update = xp.multiply(exp_avg, -step_size, out=opt._scratch(param, 0))
    update /= denom
    param += update
