"""Loss functions with torch's signatures, reductions and errors.

cross_entropy over class indices is one fused Function (stable log-softmax + NLL + label smoothing) whose
gradient is (softmax * A - B) * scale. mse, smooth-l1, huber and the two binary cross-entropies are one
Function each with the reduction inside (so grad_fn prints as torch's: MseLossBackward0, ...), their backward
written in Tensor ops (create_graph works); l1, kl_div and the weighted forms are compositions, as in torch.
"""
import math
import warnings

import numpy

from .. import grad_mode
from ..backend import array_module
from ..dtypes import result_type
from ..function import Function, broadcast_error
from ..tensor import Tensor, wrap

_REDUCTIONS = ('none', 'mean', 'sum')


def _reduction(size_average, reduce, reduction, allowed=_REDUCTIONS):
    """torch's legacy size_average/reduce flags, then a check of the reduction name."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = 'mean' if size_average and reduce else 'sum' if reduce else 'none'
        warnings.warn(f"size_average and reduce args will be deprecated, please use reduction='{reduction}' "
                      f"instead.", stacklevel=3)
    if reduction not in allowed:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return reduction


def _reduce(loss, reduction):
    return loss if reduction == 'none' else loss.sum() if reduction == 'sum' else loss.mean()


def _divide(total, count):
    with numpy.errstate(invalid='ignore', divide='ignore'):   # all targets ignored: nan, as torch
        return total / count


# ---- negative log-likelihood and cross-entropy over class indices --------------------------------------

def _class_targets(input, target, weight, op):
    """Checks shapes and dtypes; returns input as (N, C, *) arrays, target (N, *), whether input was 1-d."""
    for other in (target, weight):   # these travel as arrays, so Function.apply cannot see their device
        if other is not None and other.device != input.device:
            raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                               f"{input.device} and {other.device}! ({op}: move the target and weight to the "
                               f"input's device with .to({str(input.device)!r}))")
    if input.ndim == 1:
        if target.ndim == 1 and target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: {target.shape[0]}")
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif input.ndim == 0:
        raise RuntimeError(f"{op}: input must have the class dimension, got a 0-d input")
    else:
        if input.ndim == 2 and target.ndim != 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if target.ndim >= 1 and target.shape[0] != input.shape[0]:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                             f"({target.shape[0]}).")
        expected = (input.shape[0],) + tuple(input.shape[2:])
        if tuple(target.shape) != expected:
            raise RuntimeError(f"Expected target size {list(expected)}, got {list(target.shape)}")
    if target.array.dtype.name not in ('int64', 'uint8'):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {_type_name(target)}; "
                           f"{op} takes class indices as autograd.long (use target.long())")
    if weight is not None:
        _check_class_weights(weight, input, input.shape[0] if input.ndim == 1 else input.shape[1], op)
    x = input.array if input.ndim > 1 else input.array.reshape(1, -1)
    t = target.array.reshape(x.shape[:1] + x.shape[2:])
    return x, t.astype('int64', copy=False), input.ndim == 1


def _check_class_weights(weight, input, classes, op):
    if weight.ndim != 1 or weight.shape[0] != classes:
        raise RuntimeError(f"weight tensor should be defined either for all {classes} classes or no classes "
                           f"but got weight tensor of shape: {list(weight.shape)}")
    if weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input)} but found {_type_name(weight)}: {op}'s "
                           f"weight must have the input's dtype")


def _constant(weight, name, function):
    """torch treats these weights as constants and refuses ones that require grad while recording."""
    if weight is not None and weight.requires_grad and grad_mode.state.enabled:
        raise RuntimeError(f"The function '{function}' is not differentiable with respect to argument '{name}'. "
                           f"This input cannot have requires_grad True.")


def _type_name(t):
    return {'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte', 'bool': 'Bool',
            'float32': 'Float', 'float64': 'Double', 'float16': 'Half'}.get(t.dtype.name, t.dtype.name)


def _target_weights(x, t, weight, ignore_index):
    """Per-target weight (N, *): weight[t], zero where t == ignore_index; raises for out-of-range classes."""
    xp = array_module(x)
    kept = t != ignore_index
    bad = kept & ((t < 0) | (t >= x.shape[1]))
    if bad.any():
        raise IndexError(f"Target {int(t[bad].ravel()[0])} is out of bounds.")
    safe = xp.where(kept, t, 0)
    w_t = (weight[safe] if weight is not None else xp.ones(t.shape, dtype=x.dtype)) * kept
    return safe, w_t.astype(x.dtype, copy=False)


def _onehot(safe, classes, dtype, xp):
    shape = (1, classes) + (1,) * (safe.ndim - 1)
    return (xp.arange(classes).reshape(shape) == safe[:, None]).astype(dtype)


def _reduced(losses, reduction, denominator, squeeze):
    xp = array_module(losses)
    if reduction == 'none':
        return losses[0] if squeeze else losses
    return xp.asarray(losses.sum() if reduction == 'sum' else _divide(losses.sum(), denominator))


def _times_grad(value, grad, reduction, denominator, shape):
    """value (N, C, *) times the upstream gradient broadcast over classes; in the graph under create_graph.
    A zero denominator (every target ignored) comes with value == 0: the gradient is 0, not nan."""
    if reduction == 'mean':
        denominator = array_module(denominator).where(denominator == 0, 1, denominator)
    if grad_mode.state.enabled:
        g = grad.reshape(shape) if reduction == 'none' else grad / wrap(denominator) if reduction == 'mean' \
            else grad
        return (value if isinstance(value, Tensor) else wrap(value)) * g
    g = grad.array
    g = g.reshape(shape) if reduction == 'none' else g / denominator if reduction == 'mean' else g
    return wrap(value * g)


class NllLoss(Function):
    """-weight[t] * input[n, t] per sample; mean divides by the summed weights. Saves only constants."""

    def forward(self, logp, target=None, weight=None, ignore_index=-100, reduction='mean', squeeze=False):
        x = logp.array if not squeeze else logp.array.reshape(1, -1)
        xp = array_module(x)
        safe, w_t = _target_weights(x, target, weight, ignore_index)
        losses = -xp.take_along_axis(x, safe[:, None], axis=1)[:, 0] * w_t
        self.safe, self.w_t, self.reduction, self.shape = safe, w_t, reduction, logp.shape
        self.denominator = xp.asarray(w_t.sum())
        return _reduced(losses, reduction, self.denominator, squeeze)

    def backward(self, grad):
        w_t = self.w_t[:, None]
        coef = -_onehot(self.safe, len(self.shape) > 1 and self.shape[1] or self.shape[0], w_t.dtype,
                        array_module(w_t)) * w_t
        g = _times_grad(coef, grad, self.reduction, self.denominator, w_t.shape)
        return g.reshape(self.shape) if len(self.shape) == 1 else g


class CrossEntropy(Function):
    """Fused log_softmax + NLL (+ label smoothing) over class indices. Saves the softmax probabilities.

    Per sample, with w_t = weight[t] (0 if ignored), kept = (t != ignore_index), eps over C classes:
      loss = (1-eps) * w_t * -logp[t] + kept * eps/C * sum_c w_c * -logp[c]
      dloss/dx = softmax * A - B,  A = (1-eps) w_t + kept eps/C sum(w),  B = (1-eps) w_t onehot(t) + kept eps/C w
    With no smoothing this is the familiar (softmax - onehot) * w_t.
    """

    def forward(self, x, target=None, weight=None, ignore_index=-100, reduction='mean', label_smoothing=0.0,
                squeeze=False):
        self.save_for_backward(x)
        a = x.array if not squeeze else x.array.reshape(1, -1)
        xp = array_module(a)
        shifted = a - a.max(axis=1, keepdims=True)
        exp = xp.exp(shifted)
        total = exp.sum(axis=1, keepdims=True)
        logp = shifted - xp.log(total)
        exp /= total
        self.probs = exp
        safe, w_t = _target_weights(a, target, weight, ignore_index)
        losses = -xp.take_along_axis(logp, safe[:, None], axis=1)[:, 0] * w_t
        eps, classes = label_smoothing, a.shape[1]
        if eps:
            self.kept = (target != ignore_index).astype(a.dtype)
            self.class_weights = (weight if weight is not None else xp.ones(classes, dtype=a.dtype)).reshape(
                (1, classes) + (1,) * (a.ndim - 2))
            smooth = -(logp * self.class_weights).sum(axis=1) * self.kept
            losses = (1 - eps) * losses + (eps / classes) * smooth
        self.safe, self.w_t, self.eps, self.reduction = safe, w_t, eps, reduction
        self.denominator = xp.asarray(w_t.sum())
        return _reduced(losses, reduction, self.denominator, squeeze)

    def backward(self, grad):
        x, = self.saved_tensors
        xp = array_module(self.w_t)
        classes, eps, w_t = self.probs.shape[1], self.eps, self.w_t[:, None]
        offset = w_t * _onehot(self.safe, classes, w_t.dtype, xp)
        scale_p = w_t
        if eps:
            smooth = self.kept[:, None] * (eps / classes)
            scale_p = (1 - eps) * w_t + smooth * self.class_weights.sum()
            offset = (1 - eps) * offset + smooth * self.class_weights
        if grad_mode.state.enabled:   # create_graph: softmax recomputed as a differentiable op
            probs = (x.reshape(1, -1) if x.ndim == 1 else x).softmax(1)
            g = _times_grad(probs * wrap(scale_p) - wrap(offset), grad, self.reduction, self.denominator,
                            w_t.shape)
        else:
            g = _times_grad(self.probs * scale_p - offset, grad, self.reduction, self.denominator, w_t.shape)
        return g.reshape(x.shape) if x.ndim == 1 else g

    def name(self):
        return 'NllLossBackward0'   # torch's cross_entropy ends in nll_loss; printed grad_fn matches

    def release(self):
        super().release()
        self.probs = None


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction='mean'):
    """input: log-probabilities (N, C, *) or (C,); target: class indices (N, *) or ()."""
    reduction = _reduction(size_average, reduce, reduction)
    _constant(weight, 'weight', 'nll_loss_forward')
    _, t, squeeze = _class_targets(input, target, weight, 'nll_loss')
    return NllLoss.apply(input, target=t, weight=None if weight is None else weight.array,
                         ignore_index=ignore_index, reduction=reduction, squeeze=squeeze)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction='mean', label_smoothing=0.0):
    """input: logits (N, C, *) or (C,); target: class indices (N, *) / () or probabilities shaped as input."""
    reduction = _reduction(size_average, reduce, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if input.shape == target.shape and target.is_floating_point():
        return _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, label_smoothing)
    _constant(weight, 'weight', 'nll_loss_forward')
    _, t, squeeze = _class_targets(input, target, weight, 'cross_entropy')
    return CrossEntropy.apply(input, target=t, weight=None if weight is None else weight.array,
                              ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing,
                              squeeze=squeeze)


def _cross_entropy_probabilities(input, target, weight, ignore_index, reduction, label_smoothing):
    """Soft targets: -sum_c w_c * target_c * log_softmax(input)_c per sample (differentiable in target too)."""
    if ignore_index != -100:
        raise RuntimeError("ignore_index is not supported for floating point target")
    class_dim = 0 if input.ndim == 1 else 1
    classes = input.shape[class_dim]
    if label_smoothing:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = input.log_softmax(class_dim) * target
    if weight is not None:
        _check_class_weights(weight, input, classes, 'cross_entropy')
        terms = terms * weight.reshape((classes,) + (1,) * (input.ndim - class_dim - 1))
    losses = -terms.sum(class_dim)
    if reduction == 'mean':
        return losses.sum() / (input.numel() / classes)
    return _reduce(losses, reduction)


# ---- elementwise losses: one named Function each (the grad_fn torch prints), reduction included ----------

class ElementwiseLoss(Function):
    """Base of the pointwise losses: forward reduces the pointwise values; backward spreads the upstream
    gradient back over every point (divided by the count for 'mean') and scales it by the derivative."""

    def reduced(self, losses, reduction):
        self.reduction, self.count, self.shape = reduction, losses.size, losses.shape
        if reduction == 'none':
            return losses
        xp = array_module(losses)
        return xp.asarray(losses.sum() if reduction == 'sum' else losses.mean())

    def spread(self, grad, weight=None):
        """The reduced loss's gradient back over every point, times the per-point weight when there is one."""
        if self.reduction != 'none':
            grad = (grad / self.count if self.reduction == 'mean' else grad).expand(self.shape)
        return grad if weight is None else grad * wrap(weight)


class PairLoss(ElementwiseLoss):
    """A pointwise loss of the difference d = input - target (same shapes), as one node with both inputs
    (torch's MseLossBackward0 etc.: the graph shows no separate SubBackward0). Saves input and target;
    backward recomputes d with Tensor ops, so create_graph differentiates through it."""
    in_input_dtype = False   # the loss in the promoted dtype of input and target; huber: in input's dtype

    def forward(self, input, target, reduction='mean', **options):
        self.save_for_backward(input, target)
        self.options = options
        # torch computes in the promoted dtype (float32 input, int64 target: float32, where NumPy's
        # subtraction would give float64); blitz/neural_networks_tutorial's MSELoss(output, arange(1, 11))
        a, b = input.array, target.array
        dt = result_type([(a.dtype, 2 if a.ndim else 1), (b.dtype, 2 if b.ndim else 1)])
        losses = self.pointwise(a.astype(dt, copy=False) - b.astype(dt, copy=False), **options)
        if self.in_input_dtype:
            losses = losses.astype(a.dtype, copy=False)
        return self.reduced(losses, reduction)

    def backward(self, grad):
        x, t = self.saved_tensors
        g = self.spread(grad) * self.derivative(x - t, **self.options)
        need = self.needs_input_grad
        # each gradient in its input's dtype, as torch's engine casts them (float32 input, float64 target)
        return (g.to(x.dtype) if need[0] else None), ((-g).to(t.dtype) if need[1] else None)


class MseLoss(PairLoss):
    """d^2; d/dd = 2 d."""

    def pointwise(self, d):
        return d * d

    def derivative(self, d):
        return d * 2


class SmoothL1Loss(PairLoss):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta; d/dd = clamp(d / beta, -1, 1)."""

    def pointwise(self, d, beta=1.0):
        a = array_module(d).abs(d)
        return array_module(a).where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)

    def derivative(self, d, beta=1.0):
        return (d / beta).clamp(-1, 1)


class HuberLoss(PairLoss):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta); d/dd = clamp(d, -delta, delta)."""
    in_input_dtype = True    # torch's huber_loss keeps the input's dtype (float32 input, float64 target: float32)

    def pointwise(self, d, delta=1.0):
        a = array_module(d).abs(d)
        return array_module(a).where(a < delta, 0.5 * a * a, delta * (a - 0.5 * delta))

    def derivative(self, d, delta=1.0):
        return d.clamp(-delta, delta)


def _broadcast_pair(input, target):
    """torch.broadcast_tensors(input, target) as torch's losses do: expanded only when the shapes differ."""
    if input.shape == target.shape:
        return input, target
    message = broadcast_error([input.shape, target.shape])
    if message is not None:
        raise RuntimeError(message)
    shape = numpy.broadcast_shapes(input.shape, target.shape)
    return input.expand(shape), target.expand(shape)


def _warn_if_broadcast(input, target):
    if target.shape != input.shape:
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input size ({input.shape}). "
                      f"This will likely lead to incorrect results due to broadcasting. Please ensure they have "
                      f"the same size.", stacklevel=3)


def _weighted(losses, weight, input, reduction, weighted_mean=True):
    """torch's optional elementwise weight (composite ops, as in torch): mean divides by the weights' sum
    (mse/l1) or by the count (huber)."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    losses = losses * weight
    if reduction == 'mean' and weighted_mean:
        return losses.sum() / weight.sum()
    return _reduce(losses, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted(MseLoss.apply(*_broadcast_pair(input, target), reduction='none'), weight, input, reduction)
    return MseLoss.apply(*_broadcast_pair(input, target), reduction=reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction='mean', weight=None):
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if weight is not None:
        return _weighted((input - target).abs(), weight, input, reduction)
    return _reduce((input - target).abs(), reduction)   # composite in torch too (grad_fn Mean/Sum/Abs)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction='mean', beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta; beta = 0 is l1_loss."""
    _warn_if_broadcast(input, target)
    reduction = _reduction(size_average, reduce, reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    if beta == 0:
        return l1_loss(input, target, reduction=reduction)
    return SmoothL1Loss.apply(*_broadcast_pair(input, target), reduction=reduction, beta=beta)


def huber_loss(input, target, reduction='mean', delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta * (|d| - 0.5 delta)."""
    _warn_if_broadcast(input, target)
    reduction = _reduction(None, None, reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    if weight is not None:
        return _weighted(HuberLoss.apply(*_broadcast_pair(input, target), reduction='none', delta=delta), weight,
                         input, reduction, weighted_mean=False)
    return HuberLoss.apply(*_broadcast_pair(input, target), reduction=reduction, delta=delta)


# ---- binary cross-entropy --------------------------------------------------------------------------------

_BCE_EPSILON = float(numpy.float32(1e-12))   # torch's EPSILON is a float even for float64 inputs


class BinaryCrossEntropy(ElementwiseLoss):
    """weight * -(t log x + (1-t) log(1-x)), each log clamped at -100 as torch. Saves x, t.
    Gradients are torch's formulas: w (x - t) / max(x (1 - x), 1e-12) for x and -w logit(x) for t."""

    def forward(self, x, t, weight=None, reduction='mean'):
        self.save_for_backward(x, t)
        self.weight = weight
        xp = array_module(x.array)
        a = x.array
        with numpy.errstate(divide='ignore'):
            log_x = xp.maximum(xp.log(a), -100)
            log_1mx = xp.maximum(xp.log1p(-a), -100)
        losses = -(t.array * (log_x - log_1mx) + log_1mx)
        return self.reduced(losses if weight is None else losses * weight, reduction)

    def backward(self, grad):
        x, t = self.saved_tensors
        g = self.spread(grad, self.weight)
        gx = g * (x - t) / ((1 - x) * x).clamp(min=_BCE_EPSILON) if self.needs_input_grad[0] else None
        gt = g * ((-x).log1p() - x.log()) if self.needs_input_grad[1] else None
        return gx, gt


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction='mean'):
    """input: probabilities in [0, 1]; target of the same shape; weight broadcast over input."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input size "
                         f"({input.shape}) is deprecated. Please ensure they have the same size.")
    a = input.array
    if bool(((a < 0) | (a > 1)).any()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    _constant(weight, 'weight', 'binary_cross_entropy')
    return BinaryCrossEntropy.apply(input, target, weight=_broadcast_weight(weight, input, 'weight'),
                                    reduction=reduction)


def _broadcast_weight(weight, input, name):
    """weight's array broadcast to input's shape, or None; a clear error when it does not broadcast."""
    if weight is None:
        return None
    shape, w = tuple(input.shape), tuple(weight.shape)
    if len(w) > len(shape) or any(a != 1 and a != b for a, b in zip(reversed(w), reversed(shape))):
        raise RuntimeError(f"{name} of size {list(w)} must broadcast to the input's size {list(shape)}")
    return array_module(weight.array).broadcast_to(weight.array, shape)


class BinaryCrossEntropyWithLogits(ElementwiseLoss):
    """weight * ((1-t) x + lw * softplus(-x)), lw = 1 + (pos_weight-1) t, softplus taken stably as
    max(-x, 0) + log1p(exp(-|x|)). Saves x, t. d/dx = weight (lw sigmoid(x) - pos_weight t)."""

    def forward(self, x, t, weight=None, pos_weight=None, reduction='mean'):
        self.save_for_backward(x, t)
        self.weight, self.pos_weight = weight, pos_weight
        xp = array_module(x.array)
        a, b = x.array, t.array
        softplus_neg = xp.maximum(-a, 0) + xp.log1p(xp.exp(-xp.abs(a)))
        losses = (1 - b) * a + (softplus_neg if pos_weight is None else (1 + (pos_weight - 1) * b) * softplus_neg)
        return self.reduced(losses if weight is None else losses * weight, reduction)

    def backward(self, grad):
        x, t = self.saved_tensors
        g = self.spread(grad, self.weight)
        pw = None if self.pos_weight is None else wrap(self.pos_weight)
        gx = gt = None
        if self.needs_input_grad[0]:
            gx = g * (x.sigmoid() - t if pw is None else (1 + (pw - 1) * t) * x.sigmoid() - pw * t)
        if self.needs_input_grad[1]:
            gt = g * (-x if pw is None else (pw - 1) * ((-x).relu() + (-x.abs()).exp().log1p()) - x)
        return gx, gt


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction='mean', pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable step; pos_weight (broadcast over the last dims) scales the
    positive term. weight and pos_weight are constants (as in torch, they may not require grad)."""
    reduction = _reduction(size_average, reduce, reduction)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size ({input.shape})")
    _constant(weight, 'weight', 'binary_cross_entropy_with_logits')
    _constant(pos_weight, 'pos_weight', 'binary_cross_entropy_with_logits')
    return BinaryCrossEntropyWithLogits.apply(
        input, target, weight=_broadcast_weight(weight, input, 'weight'),
        pos_weight=_broadcast_weight(pos_weight, input, 'pos_weight'), reduction=reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction='mean', log_target=False):
    """input: log-probabilities; target: probabilities (or log-probabilities with log_target).
    Pointwise target * (log target - input), 0 where target == 0; 'batchmean' divides the sum by N."""
    reduction = _reduction(size_average, reduce, reduction, _REDUCTIONS + ('batchmean',))
    if reduction == 'mean':
        warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the support size."
                      "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
                      "'mean' will be changed to behave the same as 'batchmean' in the next major release.",
                      stacklevel=2)
    if log_target:
        losses = target.exp() * (target - input)
    else:
        tiny = float(numpy.finfo(target.array.dtype).tiny) if target.is_floating_point() else 1
        xlogx = (target * target.clamp(min=tiny).log()).where(target > 0, target * 0)   # 0 log 0 = 0
        if bool((target.array < 0).any()):   # torch's xlogy gives nan for negative "probabilities"
            xlogx = xlogx.where(target >= 0, target * math.nan)
        losses = xlogx - target * input
    if reduction == 'batchmean':
        total = losses.sum()
        return total / input.shape[0] if input.ndim else total
    return _reduce(losses, reduction)
