"""Unary elementwise math. Integer inputs of float functions compute in the default float dtype."""
import math

import numpy as np

from .. import backend, dtypes, grad_mode
from ..function import Function
from ..tensor import wrap
from .arithmetic import ARRAY_OUT, cast

_ndarray = np.ndarray


def floating(x):
    """x itself when floating, else x cast to the default float (torch.exp(int_tensor) is float32)."""
    if x.array.dtype.kind in 'fc':
        return x
    return cast(x, dtypes.default_float.numpy_dtype)


def _xp(x):
    return np if type(x.array) is np.ndarray else backend.array_module(x.array)


def _raw(grad, x=None):
    """backward may run on arrays (the same arithmetic, no Tensor ops): no graph of the backward is recorded
    and grad has the dtype of the op's input and output (unary float ops keep their input's dtype)."""
    return not grad_mode.state.enabled and (x is None or x.array.dtype == grad.array.dtype)


# The hot unary ops (exp, tanh, sigmoid, relu) call NumPy's ufuncs with out=ARRAY_OUT (arithmetic.py): a 0-d
# result stays an array, with no re-wrapping.
class Exp(Function):
    saves_output = True
    def forward(self, x):
        a = x.array
        return np.exp(a, out=ARRAY_OUT) if type(a) is _ndarray else _xp(x).exp(a)
    def backward(self, grad):
        if _raw(grad):
            return wrap(grad.array * self.output_array())
        return grad * self.output


class Exp2(Function):
    saves_output = True
    def forward(self, x): return _xp(x).exp2(x.array)
    def backward(self, grad): return grad * self.output * math.log(2.0)


class Log(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).log(x.array)
    def backward(self, grad):
        x, = self.saved_tensors
        if _raw(grad, x):
            return wrap(grad.array / x.array)
        return grad / x


class Log2(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).log2(x.array)
    def backward(self, grad): return grad / (self.saved_tensors[0] * math.log(2.0))


class Log10(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).log10(x.array)
    def backward(self, grad): return grad / (self.saved_tensors[0] * math.log(10.0))


class Log1p(Function):
    torch_name = 'Log1PBackward0'
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).log1p(x.array)
    def backward(self, grad): return grad / (self.saved_tensors[0] + 1)


class Expm1(Function):
    saves_output = True
    def forward(self, x): return _xp(x).expm1(x.array)
    def backward(self, grad): return grad * (self.output + 1)


class Sqrt(Function):
    saves_output = True
    def forward(self, x): return _xp(x).sqrt(x.array)
    def backward(self, grad):
        if _raw(grad):
            out = self.output_array()
            return wrap(grad.array / (_scalar(2, out) * out))
        return grad / (2 * self.output)


class Rsqrt(Function):
    saves_output = True
    def forward(self, x): return 1 / _xp(x).sqrt(x.array)
    def backward(self, grad): return grad * -0.5 * self.output ** 3


class Reciprocal(Function):
    saves_output = True
    def forward(self, x): return 1 / x.array
    def backward(self, grad):
        out = self.output
        return -grad * (out * out)   # torch's grouping: NaN/inf land where torch's do


class Sin(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).sin(x.array)
    def backward(self, grad): return grad * self.saved_tensors[0].cos()


class Cos(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).cos(x.array)
    def backward(self, grad): return -grad * self.saved_tensors[0].sin()


class Tan(Function):
    saves_output = True
    def forward(self, x): return _xp(x).tan(x.array)
    def backward(self, grad):
        out = self.output
        return grad * (1 + out * out)


class Asin(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).arcsin(x.array)
    def backward(self, grad):
        x, = self.saved_tensors
        return grad * (1 - x * x).rsqrt()


class Acos(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).arccos(x.array)
    def backward(self, grad):
        x, = self.saved_tensors
        return -grad * (1 - x * x).rsqrt()


class Atan(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).arctan(x.array)
    def backward(self, grad):
        x, = self.saved_tensors
        return grad / (1 + x * x)


class Sinh(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).sinh(x.array)
    def backward(self, grad): return grad * self.saved_tensors[0].cosh()


class Cosh(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).cosh(x.array)
    def backward(self, grad): return grad * self.saved_tensors[0].sinh()


class Tanh(Function):
    saves_output = True
    def forward(self, x):
        a = x.array
        return np.tanh(a, out=ARRAY_OUT) if type(a) is _ndarray else _xp(x).tanh(a)
    def backward(self, grad):
        if _raw(grad):
            out = self.output_array()
            return wrap(grad.array * (_scalar(1, out) - out * out))
        out = self.output
        return grad * (1 - out * out)


class Sigmoid(Function):
    saves_output = True

    def forward(self, x):
        a = x.array
        if type(a) is _ndarray and a.dtype in _EXP_LIMIT:
            return _sigmoid(a)
        xp = _xp(x)
        # exp of a non-positive number only: no overflow for large |x|
        e = xp.exp(-xp.abs(a))
        # 1 / (1 + e) where x >= 0, e / (1 + e) elsewhere: the same values with one division instead of two
        return xp.where(a >= 0, 1, e) / (1 + e)

    def backward(self, grad):
        if _raw(grad):
            out = self.output_array()
            return wrap(grad.array * out * (_scalar(1, out) - out))
        out = self.output
        return grad * out * (1 - out)


class Relu(Function):
    saves_output = True

    def forward(self, x):
        a = x.array
        if type(a) is _ndarray:
            return np.maximum(a, _scalar(0, a), out=ARRAY_OUT)
        return _xp(x).maximum(a, 0)

    def backward(self, grad):   # torch's threshold_backward: zero where out <= 0, so NaN passes the gradient
        if _raw(grad):   # the same on the arrays: a bool mask keeps grad's dtype
            out = self.output_array()
            return wrap(grad.array * ~(out <= _scalar(0, out)))
        return grad * ~(self.output <= 0)


_CONSTANTS = {}   # (number, dtype) -> a read-only 0-d array


def _scalar(number, like):
    """number as a 0-d array of like's dtype (cached, read-only) where like is a NumPy array, else number
    itself. NumPy 2 runs a ufunc with a Python number through a slower promotion (about 0.3-0.7 us more
    per call) than with a 0-d array of the other operand's dtype; the values are the same (0, 1 and 2 are
    exact in every dtype)."""
    if type(like) is not _ndarray:
        return number
    key = (number, like.dtype)
    constant = _CONSTANTS.get(key)
    if constant is None:
        constant = _CONSTANTS[key] = np.full((), number, like.dtype)
        constant.flags.writeable = False
    return constant


# sigmoid of float32/float64 NumPy arrays as torch's CPU kernel computes it, 1 / (1 + exp(-x)), in four ufunc
# calls in place (the stable two-branch form takes seven): where exp(-x) overflows (x below -88.72 in float32,
# -709.78 in float64) the result is 1 / inf = 0 as torch's, with NumPy's overflow warning silenced (torch
# warns about nothing; clamping -x instead would leave 2.9e-39 there, so x * sigmoid(x) at -inf would be
# -inf where torch's is NaN). A 0-d input computes in Python floats (no ufunc calls), rounded once.
_EXP_LIMIT = {np.dtype(np.float32): float(np.log(np.finfo(np.float32).max)),   # exp() of more is inf
              np.dtype(np.float64): float(np.log(np.finfo(np.float64).max))}
_ONES = {dt: np.ones((), dt) for dt in _EXP_LIMIT}
_errstate = np.errstate


def _sigmoid(a):
    dt = a.dtype
    if not a.ndim:
        v = -float(a)
        return np.asarray(0.0 if v > _EXP_LIMIT[dt] else 1.0 / (1.0 + math.exp(v)), dt)   # NaN: exp(NaN)
    one = _ONES[dt]
    with _errstate(over='ignore'):
        e = np.negative(a)
        np.exp(e, out=e)
    np.add(e, one, out=e)
    return np.divide(one, e, out=e)


class Abs(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return _xp(x).abs(x.array)
    def backward(self, grad): return grad * self.saved_tensors[0].sign()


class Erf(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return backend.erf(x.array)
    def backward(self, grad):
        x, = self.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * (-x * x).exp()


class ZeroGrad(Function):
    """Piecewise-constant ops (sign, floor, ceil, round, trunc): the gradient is zero everywhere.
    torch_label names the node as torch does (FloorBackward0, RoundBackward1, ...)."""
    def forward(self, x, fn, torch_label='ZeroGradBackward0'):
        self.torch_label = torch_label
        return fn(x.array)
    def backward(self, grad): return grad.new_zeros(grad.shape)   # torch's zeros_like(grad): 0 even where grad is inf
    def name(self): return self.torch_label


def _unary(cls, x):
    return cls.apply(x if x.array.dtype.kind in 'fc' else floating(x))


# the hot ones call apply themselves (one Python call less than _unary; Tensor's methods are these functions)
def exp(x): return Exp.apply(x if x.array.dtype.kind in 'fc' else floating(x))
def exp2(x): return _unary(Exp2, x)
def log(x): return _unary(Log, x)
def log2(x): return _unary(Log2, x)
def log10(x): return _unary(Log10, x)
def log1p(x): return _unary(Log1p, x)
def expm1(x): return _unary(Expm1, x)
def sqrt(x): return _unary(Sqrt, x)
def rsqrt(x): return _unary(Rsqrt, x)
def reciprocal(x): return _unary(Reciprocal, x)
def sin(x): return _unary(Sin, x)
def cos(x): return _unary(Cos, x)
def tan(x): return _unary(Tan, x)
def asin(x): return _unary(Asin, x)
def acos(x): return _unary(Acos, x)
def atan(x): return _unary(Atan, x)
def sinh(x): return _unary(Sinh, x)
def cosh(x): return _unary(Cosh, x)
def tanh(x): return Tanh.apply(x if x.array.dtype.kind in 'fc' else floating(x))
def sigmoid(x): return Sigmoid.apply(x if x.array.dtype.kind in 'fc' else floating(x))
def erf(x): return _unary(Erf, x)


def square(x):
    """x ** 2, as torch computes it (pow(x, 2): a PowBackward0 node); bool promotes to int64."""
    return (x if x.array.dtype.kind != 'b' else x.long()) ** 2


class Frac(Function):
    """x - trunc(x) (sign of x kept; NaN at +-inf). Its gradient is the incoming one: trunc's is zero."""
    def forward(self, x):
        a = x.array
        with _errstate(invalid='ignore'):   # inf - inf is NaN, as torch's
            return a - _xp(x).trunc(a)

    def backward(self, grad):
        return grad


def frac(x):
    if x.array.dtype.kind in 'iub':
        raise NotImplementedError(f"\"frac_cpu\" not implemented for '{x.dtype.scalar_name}'")
    return Frac.apply(x)


def relu(x):
    if x.array.dtype.kind == 'b':
        raise RuntimeError("Boolean inputs not supported for relu")
    return Relu.apply(x)


def abs(x):
    if x.array.dtype.kind == 'b':
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return Abs.apply(x)


def _piecewise(x, name):
    xp = _xp(x)
    if x.array.dtype.kind == 'b' and name != 'sign':
        raise NotImplementedError(f"\"{name}_vml_cpu\" not implemented for 'Bool'")
    if x.array.dtype.kind in 'iub':
        return wrap(x.array.copy()) if name != 'sign' or x.array.dtype.kind == 'b' else wrap(xp.sign(x.array))
    fn = getattr(xp, name) if name != 'sign' else _sign
    return ZeroGrad.apply(x, fn=fn, torch_label=name.capitalize() + 'Backward0')


def _sign(a):
    """torch's sign: NaN gives 0 (NumPy's gives NaN); so abs's gradient sign(x) is 0 at NaN too."""
    xp = backend.array_module(a)
    return xp.where(xp.isnan(a), 0, xp.sign(a)).astype(a.dtype, copy=False)


def sign(x): return _piecewise(x, 'sign')
def floor(x): return _piecewise(x, 'floor')
def ceil(x): return _piecewise(x, 'ceil')
def trunc(x): return _piecewise(x, 'trunc')


def round(x, decimals=0):
    if decimals == 0:
        return _piecewise(x, 'round')
    return ZeroGrad.apply(x, fn=lambda a: _xp(x).round(a, decimals), torch_label='RoundBackward1')


class Addcdiv(Function):
    """self + value * t1 / t2 as one node with torch's derivative formulas (derivatives.yaml), so that the
    gradients -- and their own gradients -- at t2 = 0 or inf are torch's NaN/inf pattern, not a composition's."""
    def forward(self, x, t1, t2, value):
        self.save_for_backward(t1, t2)
        self.shapes, self.value = (x.array.shape, t1.array.shape, t2.array.shape), value
        return x.array + value * t1.array / t2.array

    def backward(self, grad):
        from .arithmetic import sum_to
        t1, t2 = self.saved_tensors
        (sx, s1, s2), value = self.shapes, self.value
        gx, g1, g2 = self.needs_input_grad
        return (sum_to(grad, sx) if gx else None), (sum_to(grad * (value / t2), s1) if g1 else None), \
            (sum_to(-grad * (value * t1 / (t2 * t2)), s2) if g2 else None)


def addcdiv(x, t1, t2, value=1):
    """x + value * t1 / t2 (Tensor.addcdiv). Integer t1 and t2 raise torch's RuntimeError."""
    if t1.array.dtype.kind in 'iub' and t2.array.dtype.kind in 'iub':
        raise RuntimeError("Integer division with addcdiv is no longer supported, and in a future  release addcdiv "
                           "will perform a true division of tensor1 and tensor2. The historic addcdiv behavior can "
                           "be implemented as (input + value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for "
                           "integer inputs and as (input + value * tensor1 / tensor2) for float inputs. The future "
                           "addcdiv behavior is just the latter implementation: (input + value * tensor1 / "
                           "tensor2), for all dtypes.")
    from .arithmetic import _priority
    dt = dtypes.result_type([(t.array.dtype, _priority(t)) for t in (x, t1, t2)])
    return Addcdiv.apply(cast(x, dt), cast(t1, dt), cast(t2, dt), value=value)
