"""SparseAdam: torch's lazy Adam for sparse gradients (nn.Embedding(sparse=True)). This library has no
sparse tensors yet, so every gradient is dense and step() raises torch's own error for a dense gradient;
the constructor validates its options as torch's does."""
from autograd.tensor import Tensor

from .optimizer import Optimizer


class SparseAdam(Optimizer):
    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, maximize=False):
        if isinstance(lr, Tensor) and lr.numel() != 1:
            raise ValueError("Tensor lr must be 1-element")
        if not 0.0 < lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 < eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, maximize=maximize))

    def step(self, closure=None):
        loss = self._evaluate(closure)
        for group in self.param_groups:
            for p in group['params']:
                if p.grad is not None:   # always dense here (no sparse tensors): torch's error for that case
                    raise RuntimeError("SparseAdam does not support dense gradients, please consider Adam instead")
        return loss
