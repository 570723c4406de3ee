"""CrossMapLRN2d: the legacy (Lua torch) cross-channel local response normalization, ported with its own
forward recurrence and hand-written backward (torch/nn/modules/_functions.py), whose window bookkeeping
differs slightly from LocalResponseNorm's."""

from autograd import backend
from autograd.function import Function

from .module import Module


class _CrossMapLRN2d(Function):
    torch_name = 'CrossMapLRN2dBackward'

    def forward(self, input, size, alpha, beta, k):
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D instead.")
        x = input.array
        xp = backend.array_module(x)
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k
        channels = x.shape[1]
        sq = x * x
        scale = xp.zeros_like(x)
        pre_pad = int((size - 1) / 2 + 1)
        for c in range(min(pre_pad, channels)):
            scale[:, 0] += sq[:, c]
        for c in range(1, channels):
            scale[:, c] = scale[:, c - 1]
            if c < channels - pre_pad + 1:
                scale[:, c] += sq[:, c + pre_pad - 1]
            if c > pre_pad:
                scale[:, c] -= sq[:, c - pre_pad]
        scale *= alpha / size
        scale += k
        out = scale ** -beta * x
        self.x, self.scale, self.out = x, scale, out
        return out

    def backward(self, grad):
        from autograd.tensor import wrap
        g = grad.array
        x, scale, out, size = self.x, self.scale, self.out, self.size
        xp = backend.array_module(x)
        n_batch, channels = x.shape[:2]
        grad_input = scale ** -self.beta * g
        padded = xp.zeros((channels + size - 1,) + x.shape[2:], dtype=x.dtype)
        cache_ratio_value = 2 * self.alpha * self.beta / size
        inverse_pre_pad = int(size - (size - 1) / 2)
        for n in range(n_batch):
            padded[inverse_pre_pad:inverse_pre_pad + channels] = g[n] * out[n] / scale[n]
            accum = padded[:size - 1].sum(0)
            for c in range(channels):
                accum += padded[c + size - 1]
                grad_input[n, c] += -cache_ratio_value * x[n, c] * accum
                accum -= padded[c]
        return (wrap(grad_input),)


class CrossMapLRN2d(Module):
    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):
        return _CrossMapLRN2d.apply(input, size=self.size, alpha=self.alpha, beta=self.beta, k=self.k)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


