"""Ops that torch records as one node although they read as a composition: lerp and addcmul.

As one Function each, type(grad_fn).__name__ and next_functions are torch's (LerpBackward0/1,
AddcmulBackward0, with edges to the inputs themselves), and the derivatives are torch's formulas
(tools/autograd/derivatives.yaml), written in Tensor ops so they are differentiable again.
"""
from .. import backend, dtypes
from ..function import Function
from ..tensor import Tensor
from .arithmetic import _priority, cast, sum_to


def _common(*tensors):
    """The tensors cast to the dtype torch computes in (a 0-d tensor yields to a dimensioned one)."""
    dt = dtypes.result_type([(t.array.dtype, _priority(t)) for t in tensors])
    return [cast(t, dt) for t in tensors]


class Lerp(Function):
    """lerp(x, end, weight) with a Python-number weight. Formula (torch's CPU kernel, Lerp.h): for |weight| < 0.5
    x + weight * (end - x), else end - (end - x) * (1 - weight), exact at both ends."""
    torch_name = 'LerpBackward0'

    def forward(self, x, end, weight):
        self.shapes, self.weight = (x.array.shape, end.array.shape), weight
        a, b = x.array, end.array
        return a + weight * (b - a) if abs(weight) < 0.5 else b - (b - a) * (1 - weight)

    def backward(self, grad):
        (sx, se), w = self.shapes, self.weight
        gx, ge = self.needs_input_grad
        return (sum_to(grad * (1 - w), sx) if gx else None), (sum_to(grad * w, se) if ge else None)


class LerpTensor(Function):
    """lerp with a tensor weight: torch's LerpBackward1, whose weight gets grad * (end - x)."""
    torch_name = 'LerpBackward1'

    def forward(self, x, end, weight):
        self.save_for_backward(x, end, weight)
        a, b, w = x.array, end.array, weight.array
        xp = backend.array_module(a)
        return xp.where(xp.abs(w) < 0.5, a + w * (b - a), b - (b - a) * (1 - w))

    def backward(self, grad):
        x, end, w = self.saved_tensors
        gx, ge, gw = self.needs_input_grad
        return (sum_to(grad * (1 - w), x.shape) if gx else None), (sum_to(grad * w, end.shape) if ge else None), \
            (sum_to(grad * (end - x), w.shape) if gw else None)


def lerp(x, end, weight):
    """x + weight * (end - x). Shapes broadcast; weight a number or a tensor."""
    if isinstance(weight, Tensor):
        return LerpTensor.apply(*_common(x, end, weight))
    x, end = _common(x, end)
    return Lerp.apply(x, end, weight=weight)


class Addcmul(Function):
    """x + value * t1 * t2 (torch's addcmul): gradients grad, grad * value * t2, grad * value * t1."""
    def forward(self, x, t1, t2, value):
        self.save_for_backward(t1, t2)
        self.shapes, self.value = (x.array.shape, t1.array.shape, t2.array.shape), value
        return x.array + value * t1.array * t2.array

    def backward(self, grad):
        t1, t2 = self.saved_tensors
        (sx, s1, s2), value = self.shapes, self.value
        gx, g1, g2 = self.needs_input_grad
        return (sum_to(grad, sx) if gx else None), (sum_to(grad * t2 * value, s1) if g1 else None), \
            (sum_to(grad * t1 * value, s2) if g2 else None)


def addcmul(x, t1, t2, value=1):
    """x + value * t1 * t2 (Tensor.addcmul); shapes broadcast."""
    return Addcmul.apply(*_common(x, t1, t2), value=value)
