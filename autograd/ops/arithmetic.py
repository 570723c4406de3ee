"""Binary arithmetic with torch's type promotion and broadcasting, comparisons, where, clamp, casts."""
import builtins
import numbers

import numpy as np

from .. import backend, dtypes, grad_mode
from ..function import Function, broadcast_error
from ..tensor import Tensor, wrap


_ndarray = np.ndarray
_asarray = np.asarray
_add, _subtract, _multiply, _divide = np.add, np.subtract, np.multiply, np.divide


def _keeps_0d():
    """NumPy >= 2.3 takes out=... to return a 0-d array where a ufunc would return a scalar; the hot ops pass
    it (an op's 0-d output then needs no re-wrapping into an array); older NumPy gets out=None."""
    try:
        np.negative(np.zeros(()), out=...)
        return ...
    except TypeError:
        return None


ARRAY_OUT = _keeps_0d()


# ---- operand coercion ------------------------------------------------------------------------
def as_operand(x, like):
    """A Python number or array-like as a Tensor on like's device (numbers become 0-d tensors)."""
    if isinstance(x, Tensor):
        return x
    xp = backend.array_module(like.array)
    if isinstance(x, (numbers.Number, np.generic)):
        dt = _number_dtype(x, like)
        try:
            return wrap(xp.asarray(x, dtype=dt) if xp is np else xp.full((), x, dtype=dt))
        except OverflowError:
            return wrap(_wrapped_int(xp, x, dt))
    from ..creation import tensor
    return tensor(x, device=like.device)


def _number_dtype(x, like):
    return dtypes.result_type(((like.array.dtype, 2 if like.array.ndim else 1), (dtypes.scalar_dtype(x), 0)))


def _priority(t):
    return 2 if t.array.ndim else 1


def _check_devices(a, b):
    if type(a.array) is not type(b.array) and a.array.ndim and b.array.ndim:
        raise RuntimeError(f"Expected all tensors to be on the same device, but found at least two devices, "
                           f"{a.device} and {b.device}!")


def operands(a, b):
    """Both sides as Tensors of the dtype torch would compute in."""
    if isinstance(a, Tensor):
        if isinstance(b, Tensor):   # the most common case first: two tensors of one dtype
            if a.array.dtype == b.array.dtype:
                if type(a.array) is not type(b.array):
                    _check_devices(a, b)
                return a, b
            _check_devices(a, b)
            dt = dtypes.result_type(((a.array.dtype, _priority(a)), (b.array.dtype, _priority(b))))
            return cast(a, dt), cast(b, dt)
        if _takes_tensor_dtype(b, a):
            if type(a.array) is _ndarray:   # NumPy (no device look-up): x * 0.5, t - 1, ...
                try:
                    return a, wrap(_asarray(b, a.array.dtype))
                except OverflowError:
                    return a, wrap(_wrapped_int(np, b, a.array.dtype))
            xp = backend.array_module(a.array)
            try:
                # on the GPU a fill kernel: CuPy's asarray of a number is a blocking host->device copy
                return a, wrap(xp.asarray(b, dtype=a.array.dtype) if xp is np else xp.full((), b, dtype=a.array.dtype))
            except OverflowError:
                return a, wrap(_wrapped_int(xp, b, a.array.dtype))
        b = as_operand(b, a)
        return cast(a, b.array.dtype), b
    if _takes_tensor_dtype(a, b):
        if type(b.array) is _ndarray:   # NumPy (no device look-up): 1 - t, 0 + t (sum()), ...
            try:
                return wrap(_asarray(a, b.array.dtype)), b
            except OverflowError:
                return wrap(_wrapped_int(np, a, b.array.dtype)), b
        xp = backend.array_module(b.array)
        try:
            return wrap(xp.asarray(a, dtype=b.array.dtype) if xp is np else xp.full((), a, dtype=b.array.dtype)), b
        except OverflowError:
            return wrap(_wrapped_int(xp, a, b.array.dtype)), b
    a = as_operand(a, b)
    return a, cast(b, a.array.dtype)


def _wrapped_int(xp, number, dtype):
    """A Python int outside an integer dtype's range wraps around (300 -> 44 in uint8), as torch does."""
    with np.errstate(over='ignore'):
        return xp.asarray(np.array(number).astype(dtype))


def _takes_tensor_dtype(number, t):
    """The common case: a Python float meeting a float tensor, or an int meeting a float or int tensor."""
    kind, tn = t.array.dtype.kind, type(number)
    return (tn is float and kind in 'fc') or (tn is int and kind in 'fci')


class Cast(Function):
    torch_name = 'ToCopyBackward0'
    def forward(self, x, dtype):
        self.src = x.array.dtype
        return x.array.astype(dtype)

    def backward(self, grad):
        return cast(grad, self.src)


def cast(x, dtype):
    """x converted to a NumPy dtype; differentiable between float types, a plain copy otherwise."""
    if x.array.dtype == dtype:
        return x
    if dtype.kind in 'fc' and x.array.dtype.kind in 'fc':
        return Cast.apply(x, dtype=dtype)
    return wrap(x.array.astype(dtype))


# ---- the differentiable binary ops --------------------------------------------------------------
# Their backward has two forms with the same arithmetic in the same order: on raw arrays (the fast path,
# taken when no graph of the backward is recorded and all dtypes agree, so NumPy's promotion cannot
# differ from torch's) and in Tensor ops (create_graph=True, so that double backward works).
def _raw(grad, a, b=None):
    """True when backward may compute on arrays: grad mode is off and grad, a (and b) share one dtype."""
    if grad_mode.state.enabled:
        return False
    dt = grad.array.dtype
    return a.array.dtype == dt and (b is None or b.array.dtype == dt)


def _as_grad(array, shape):
    """A raw gradient as a Tensor of the input's shape (summed over the broadcast dims)."""
    t = wrap(array)
    return t if t.array.shape == shape else sum_to(t, shape)


# The hot ops' forwards call the ufuncs with out=ARRAY_OUT on NumPy arrays (0-d results stay arrays); Add and
# Sub keep the input shapes only where they differ (None: no broadcasting, nothing to sum in backward), and
# Mul and Div write save_for_backward's slots themselves: each is one object or call less per op.
class Add(Function):
    __slots__ = ('shapes',)   # a slot, not a per-node __dict__ (one object less per node for the collector)

    def forward(self, a, b):
        x, y = a.array, b.array
        sa, sb = x.shape, y.shape
        self.shapes = None if sa == sb else (sa, sb)
        return _add(x, y, out=ARRAY_OUT) if type(x) is _ndarray and type(y) is _ndarray else x + y

    def backward(self, grad):
        ga, gb = self.needs_input_grad
        if self.shapes is None:
            return (grad if ga else None), (grad if gb else None)
        sa, sb = self.shapes
        return (sum_to(grad, sa) if ga else None), (sum_to(grad, sb) if gb else None)


class Sub(Function):
    __slots__ = ('shapes',)   # a slot, not a per-node __dict__ (one object less per node for the collector)

    def forward(self, a, b):
        x, y = a.array, b.array
        sa, sb = x.shape, y.shape
        self.shapes = None if sa == sb else (sa, sb)
        return _subtract(x, y, out=ARRAY_OUT) if type(x) is _ndarray and type(y) is _ndarray else x - y

    def backward(self, grad):
        sa, sb = self.shapes or (grad.array.shape, grad.array.shape)
        ga, gb = self.needs_input_grad
        if gb and not grad_mode.state.enabled:
            return (sum_to(grad, sa) if ga else None), _as_grad(-grad.array, sb)
        return (sum_to(grad, sa) if ga else None), (sum_to(-grad, sb) if gb else None)


class Mul(Function):
    def forward(self, a, b):
        self._saved0, self._saved1, self._saved = a, b, 2   # save_for_backward(a, b), inlined
        self._version0, self._version1 = a._vc[0], b._vc[0]
        x, y = a.array, b.array
        return _multiply(x, y, out=ARRAY_OUT) if type(x) is _ndarray and type(y) is _ndarray else x * y

    def backward(self, grad):
        a, b = self.saved_tensors
        ga, gb = self.needs_input_grad
        if _raw(grad, a, b):
            g, x, y = grad.array, a.array, b.array
            if type(g) is _ndarray:   # NumPy: 0-d products stay arrays
                return (_as_grad(_multiply(g, y, out=ARRAY_OUT), x.shape) if ga else None), \
                    (_as_grad(_multiply(g, x, out=ARRAY_OUT), y.shape) if gb else None)
            return (_as_grad(g * y, x.shape) if ga else None), (_as_grad(g * x, y.shape) if gb else None)
        return (sum_to(grad * b, a.shape) if ga else None), (sum_to(grad * a, b.shape) if gb else None)


class Div(Function):
    def forward(self, a, b):
        self._saved0, self._saved1, self._saved = a, b, 2   # save_for_backward(a, b), inlined
        self._version0, self._version1 = a._vc[0], b._vc[0]
        x, y = a.array, b.array
        return _divide(x, y, out=ARRAY_OUT) if type(x) is _ndarray and type(y) is _ndarray else x / y

    def backward(self, grad):
        a, b = self.saved_tensors
        ga, gb = self.needs_input_grad
        if _raw(grad, a, b):
            g, x, y = grad.array, a.array, b.array
            return (_as_grad(g / y, x.shape) if ga else None), \
                (_as_grad(-g * ((x / y) / y), y.shape) if gb else None)
        return (sum_to(grad / b, a.shape) if ga else None), \
            (sum_to(-grad * ((a / b) / b), b.shape) if gb else None)   # torch's div_tensor_other_backward


# Function.apply2 (the hot binary path) skips what none of these four has: a per-call name, a saved output, a
# row-major fix of the output
assert not any(c._per_call_name or c.saves_output or c.contiguous_output for c in (Add, Sub, Mul, Div))


class RoundedDiv(Function):
    """div with rounding_mode 'floor' or 'trunc': piecewise constant, so both gradients are zero."""
    torch_name = 'DivBackward2'

    def forward(self, a, b, mode):
        self.shapes = (a.array.shape, b.array.shape)
        xp = backend.array_module(a.array)
        if mode == 'floor':
            return xp.floor_divide(a.array, b.array)
        if a.array.dtype.kind in 'iub':
            return xp.trunc(a.array / b.array).astype(a.array.dtype)
        return xp.trunc(a.array / b.array)

    def backward(self, grad):
        sa, sb = self.shapes
        ga, gb = self.needs_input_grad
        return (grad.new_zeros(sa) if ga else None), (grad.new_zeros(sb) if gb else None)


class FloorDivide(Function):
    """a // b: its result requires grad like torch's, whose backward is not implemented either."""
    torch_name = 'NotImplemented'

    def forward(self, a, b):
        return backend.array_module(a.array).floor_divide(a.array, b.array)

    def backward(self, grad):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class Neg(Function):
    def forward(self, x):
        return -x.array

    def backward(self, grad):
        if not grad_mode.state.enabled:
            return wrap(-grad.array)
        return -grad


class Rsub(Function):
    """other - x for a Python number `other` (0-d array of the result dtype): torch's rsub(Tensor, Scalar)
    node, whose one edge is x's."""
    torch_name = 'RsubBackward1'

    def forward(self, x, other):
        return other - x.array

    backward = Neg.backward


class PowScalar(Function):
    torch_name = 'PowBackward0'
    def forward(self, x, exponent):
        self.save_for_backward(x)
        self.exponent = exponent
        return _pow_scalar(x.array, exponent)

    def backward(self, grad):   # torch's pow_backward: grad * (e * x ** (e - 1)), zeros for e == 0
        x, = self.saved_tensors
        e = self.exponent
        if e == 0:
            return grad.new_zeros(x.shape)
        if type(e) in (int, float) and _raw(grad, x):   # Python numbers: NumPy keeps the array's dtype, as torch
            return wrap(grad.array * (e * (_pow_scalar(x.array, e - 1) if e != 2 else x.array)))
        return grad * (e * (x ** (e - 1) if e != 2 else x))


def _pow_scalar(a, e):
    """a ** e the way torch's CPU kernel computes it: exponents 0.5, -0.5, -1, 2, 3, -2 by sqrt, 1 / sqrt,
    reciprocal and products, so that e.g. (-inf) ** -0.5 is NaN as torch's (std::pow gives 0)."""
    if a.dtype.kind not in 'fc':
        return a ** e
    xp = backend.array_module(a)
    special = {0.5: xp.sqrt, -0.5: lambda v: 1 / xp.sqrt(v), -1: lambda v: 1 / v, 2: lambda v: v * v,
               3: lambda v: v * v * v, -2: lambda v: 1 / (v * v), 1: lambda v: v.copy()}
    fn = special.get(e) if not isinstance(e, builtins.bool) else None
    return fn(a).astype(a.dtype, copy=False) if fn is not None else a ** e


class Pow(Function):
    saves_output = True
    torch_name = 'PowBackward1'

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a.array ** b.array

    def backward(self, grad):
        a, b = self.saved_tensors
        ga = gb = None
        if self.needs_input_grad[0]:   # torch's pow_backward_self: 0 where b == 0
            ga = sum_to(where(b == 0, 0.0, grad * (b * a ** (b - 1))), a.shape)
        if self.needs_input_grad[1]:
            gb = sum_to(_exponent_grad(grad, a, b, self.output), b.shape)
        return ga, gb


def _exponent_grad(grad, base, exponent, output):
    """torch's pow_backward_exponent: d/db a^b = a^b log a, 0 where a == 0 and b >= 0."""
    return grad * where((base == 0) & (exponent >= 0), 0.0, output * base.log())


class RPowScalar(Function):
    """base ** x for a Python number `base` (0-d array of the result dtype): torch's pow(Scalar, Tensor)
    node, whose one edge is x's. Gradient base ** x * log(base), 0 where base == 0 and x >= 0 (torch's
    pow_backward_exponent)."""
    saves_output = True
    torch_name = 'PowBackward2'

    def forward(self, x, base):
        self.save_for_backward(x)
        self.base = base
        return base ** x.array

    def backward(self, grad):
        x, = self.saved_tensors
        return _exponent_grad(grad, wrap(self.base), x, self.output)


class Remainder(Function):
    def name(self):   # torch's overloads: remainder(Tensor, Scalar) is Backward0, (Tensor, Tensor) Backward1
        return 'RemainderBackward1' if self.tensor_other else 'RemainderBackward0'

    def forward(self, a, b, tensor_other=True):
        self.tensor_other = tensor_other
        self.save_for_backward(a, b)
        xp = backend.array_module(a.array)
        return xp.remainder(a.array, b.array)

    def backward(self, grad):
        a, b = self.saved_tensors
        ga, gb = self.needs_input_grad
        # torch: -grad * a.div(b, rounding_mode='floor'), a constant (inf // 2 is NaN there and in NumPy)
        return (sum_to(grad, a.shape) if ga else None), \
            (sum_to(-grad * wrap(backend.array_module(a.array).floor_divide(a.array, b.array)), b.shape)
             if gb else None)


class Fmod(Function):
    def name(self):   # torch's overloads: fmod(Tensor, Scalar) is Backward0, (Tensor, Tensor) Backward1
        return 'FmodBackward1' if self.tensor_other else 'FmodBackward0'

    def forward(self, a, b, tensor_other=True):
        self.tensor_other = tensor_other
        self.save_for_backward(a, b)
        return backend.array_module(a.array).fmod(a.array, b.array)

    def backward(self, grad):
        a, b = self.saved_tensors
        ga, gb = self.needs_input_grad
        return (sum_to(grad, a.shape) if ga else None), \
            (sum_to(-grad * wrap(backend.array_module(a.array).trunc(a.array / b.array)), b.shape)
             if gb else None)


class Where(Function):
    def forward(self, cond, a, b):
        self.cond = cond
        self.shapes = (a.array.shape, b.array.shape)
        return backend.array_module(a.array).where(cond.array, a.array, b.array)

    def backward(self, grad):
        zero = grad.new_zeros(())
        ga, gb = self.needs_input_grad[1:]
        return None, (sum_to(where(self.cond, grad, zero), self.shapes[0]) if ga else None), \
            (sum_to(where(self.cond, zero, grad), self.shapes[1]) if gb else None)


class Maximum(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return backend.array_module(a.array).maximum(a.array, b.array)

    def backward(self, grad):
        a, b = self.saved_tensors
        return _split_extremum_grad(grad, a, b, True, self.needs_input_grad)


class Minimum(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return backend.array_module(a.array).minimum(a.array, b.array)

    def backward(self, grad):
        a, b = self.saved_tensors
        return _split_extremum_grad(grad, a, b, False, self.needs_input_grad)


def _split_extremum_grad(grad, a, b, largest, needs):
    """The winner takes the gradient; ties share it equally; where either is NaN (the result is NaN) both
    take all of it -- torch's where(a == b, grad / 2, grad).masked_fill_(loses, 0) on each side."""
    half = where(a == b, grad / 2, grad)
    a_loses, b_loses = (a < b, a > b) if largest else (a > b, a < b)
    return (sum_to(where(a_loses, 0.0, half), a.shape) if needs[0] else None), \
        (sum_to(where(b_loses, 0.0, half), b.shape) if needs[1] else None)


class Clamp(Function):
    def name(self):   # torch's node: ClampBackward1 for clamp/clip, ClampMin/ClampMaxBackward0 for clamp_min/max
        return self.node_name

    def forward(self, x, min=None, max=None, node_name='ClampBackward1'):
        self.node_name = node_name
        self.save_for_backward(x)
        self.bounds = (min, max)
        return backend.array_module(x.array).clip(x.array, min, max)

    def backward(self, grad):
        x, = self.saved_tensors
        lo, hi = self.bounds
        keep = None
        if lo is not None:
            keep = x >= lo
        if hi is not None:
            keep = (x <= hi) if keep is None else keep & (x <= hi)
        # torch's clamp_backward selects (where), it does not multiply: an inf or NaN gradient stays out of
        # the clamped entries, in the first derivative and in the second (the normalize of a zero vector)
        return where(keep, grad, 0.0)


# ---- public functions ---------------------------------------------------------------------------
# add, sub, mul and div first try the hot case inline: two Tensors of one dtype on one kind of array, which
# operands() would return unchanged (dtypes compared by identity: NumPy's built-in dtypes are singletons; any
# other pair takes operands(), which compares them properly)
def add(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        x, y = a.array, b.array
        if x.dtype is y.dtype and type(x) is type(y):
            return Add.apply2(a, b)
    return Add.apply(*operands(a, b))


def sub(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        x, y = a.array, b.array
        if x.dtype is y.dtype and type(x) is type(y) and x.dtype.kind != 'b':
            return Sub.apply2(a, b)
    if _is_bool(a) or _is_bool(b):
        if _is_bool(a) and _is_bool(b):
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not supported. "
                               "Use the `^` or `logical_xor()` operator instead.")
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying "
                           "to invert a mask, use the `~` or `logical_not()` operator instead.")
    if isinstance(a, numbers.Number):   # from __rsub__
        a, b = operands(a, b)
        return Rsub.apply(b, other=a.array)
    return Sub.apply(*operands(a, b))


def _is_bool(x):
    return x.array.dtype == np.bool_ if isinstance(x, Tensor) else isinstance(x, (builtins.bool, np.bool_))


def mul(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        x, y = a.array, b.array
        if x.dtype is y.dtype and type(x) is type(y):
            return Mul.apply2(a, b)
    return Mul.apply(*operands(a, b))


def div(a, b, rounding_mode=None):
    if rounding_mode is not None:
        if rounding_mode not in ('floor', 'trunc'):
            raise RuntimeError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
                               f"'{rounding_mode}'")
        return RoundedDiv.apply(*_integer_division('div_' + rounding_mode, a, b), mode=rounding_mode)
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        x, y = a.array, b.array
        if x.dtype is y.dtype and type(x) is type(y) and x.dtype.kind in 'fc':
            return Div.apply2(a, b)
    if isinstance(a, numbers.Number) and isinstance(b, Tensor):   # number / tensor: torch's b.reciprocal() * a
        from .elementwise import reciprocal
        return mul(reciprocal(b), a)
    a, b = operands(a, b)
    if a.array.dtype.kind in 'iub':   # true division of integers gives the default float
        a, b = cast(a, dtypes.default_float.numpy_dtype), cast(b, dtypes.default_float.numpy_dtype)
    return Div.apply(a, b)


def neg(x):
    if x.array.dtype == np.bool_:
        raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` operator instead.")
    return Neg.apply(x)


def pow(a, b):
    scalar_base = isinstance(a, numbers.Number)
    if isinstance(a, Tensor) and isinstance(b, numbers.Number):
        kind = a.array.dtype.kind
        if isinstance(b, builtins.bool) and kind == 'b':   # bool ** bool scalar stays bool
            return wrap(a.array.copy() if b else backend.array_module(a.array).ones_like(a.array))
        if kind in 'iub' and isinstance(b, numbers.Integral):
            if b < 0:
                raise RuntimeError("Integers to negative integer powers are not allowed.")
            if kind == 'b':   # a Python int promotes bool to int64
                a = cast(a, np.dtype(np.int64))
        elif kind in 'iub' and isinstance(b, float):
            a = cast(a, dtypes.default_float.numpy_dtype)
        return PowScalar.apply(a, exponent=builtins.int(b) if isinstance(b, builtins.bool) else b)
    a, b = operands(a, b)
    if a.array.dtype == np.bool_:
        raise NotImplementedError("\"pow\" not implemented for 'Bool'")
    if a.array.dtype.kind in 'iu' and (b.array < 0).any():
        return wrap(_integer_pow(backend.array_module(a.array), a.array, b.array))
    return RPowScalar.apply(b, base=a.array) if scalar_base else Pow.apply(a, b)


def _integer_pow(xp, a, b):
    """torch's integer power with negative exponents: 1 ** -n = 1, (-1) ** -n = +-1, anything else 0."""
    negative = b < 0
    out = a ** xp.where(negative, 0, b)
    odd = (-b) % 2 == 1
    special = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0))
    return xp.where(negative, special, out).astype(out.dtype)


def floor_divide(a, b):
    return FloorDivide.apply(*_integer_division('div_floor', a, b))


class ScalarRemainder(Function):
    """number % tensor: torch has no derivative for remainder(Scalar, Tensor); its node says so on backward."""
    torch_name = 'NotImplemented'

    def forward(self, x, number):
        return backend.array_module(x.array).remainder(number, x.array)

    def backward(self, grad):
        raise RuntimeError("derivative for aten::remainder is not implemented")


def remainder(a, b):
    if isinstance(a, numbers.Number):   # from __rmod__
        number, x = _integer_division('remainder', a, b)
        return ScalarRemainder.apply(x, number=number.array)
    return Remainder.apply(*_integer_division('remainder', a, b), tensor_other=isinstance(b, Tensor))


def fmod(a, b):
    return Fmod.apply(*_integer_division('fmod', a, b), tensor_other=isinstance(b, Tensor))


def _integer_division(name, a, b):
    """Operands of a rounding division; torch refuses bools and integer division by zero (NumPy gives 0)."""
    a, b = operands(a, b)
    kind = a.array.dtype.kind
    if kind == 'b':
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for 'Bool'")
    if kind in 'iu' and not b.array.all():
        raise RuntimeError("ZeroDivisionError")
    return a, b


def maximum(a, b):
    return Maximum.apply(*operands(a, b))


def minimum(a, b):
    return Minimum.apply(*operands(a, b))


def clamp(x, min=None, max=None, node_name='ClampBackward1'):
    """torch.clamp; clamp_min / clamp_max pass their own node_name (torch's ClampMinBackward0 ...)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x if min is None else maximum(x, min)
        return out if max is None else minimum(out, max)
    numbers_ = [v for v in (min, max) if v is not None]
    dt = x.array.dtype
    for v in numbers_:
        dt = dtypes.result_type(((dt, 2), (dtypes.scalar_dtype(v), 0)))
    return Clamp.apply(cast(x, dt), min=min, max=max, node_name=node_name)


def where(condition, a=None, b=None):
    if a is None and b is None:
        from .indexing import nonzero
        return nonzero(condition, as_tuple=True)
    if not isinstance(condition, Tensor):
        condition = as_operand(condition, a if isinstance(a, Tensor) else b)
    if condition.array.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{condition.dtype.scalar_name}")
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = as_operand(a, condition)
        if isinstance(a.array.dtype.type(0), np.floating):
            a = cast(a, dtypes.default_float.numpy_dtype)
    a, b = operands(a, b)
    return Where.apply(condition, a, b)


_COMPARE = {'eq': 'equal', 'ne': 'not_equal', 'lt': 'less', 'le': 'less_equal', 'gt': 'greater',
            'ge': 'greater_equal'}


def compare(op, a, b):
    if not isinstance(b, (Tensor, numbers.Number, np.generic, np.ndarray, list, tuple)):
        return NotImplemented   # Python then compares identity for == and != and raises TypeError for <, as torch
    a, b = operands(a, b)
    xp = backend.array_module(a.array)
    return wrap(_broadcasting(getattr(xp, _COMPARE[op]), a, b))


def _broadcasting(fn, a, b):
    """fn(a.array, b.array), with NumPy's broadcasting error raised as torch's."""
    try:
        return fn(a.array, b.array)
    except ValueError:
        message = broadcast_error([a.array.shape, b.array.shape])
        if message is None:
            raise
        raise RuntimeError(message) from None


def logical_binary(op, a, b):
    a, b = operands(a, b)
    xp = backend.array_module(a.array)
    if a.array.dtype.kind == 'f':
        raise NotImplementedError(f"\"bitwise_{op}_cpu\" not implemented for '{a.dtype.scalar_name}'")
    fn = {'and': xp.bitwise_and, 'or': xp.bitwise_or, 'xor': xp.bitwise_xor}[op]
    return wrap(_broadcasting(fn, a, b))


def bitwise_not(x):
    xp = backend.array_module(x.array)
    if x.array.dtype.kind == 'f':
        raise TypeError("~ (operator.invert) is only implemented on integer and Boolean-type tensors")
    return wrap(xp.logical_not(x.array) if x.array.dtype == np.bool_ else xp.invert(x.array))


def logical_not(x):
    return wrap(backend.array_module(x.array).logical_not(x.array))


def unary_predicate(name, x):
    return wrap(getattr(backend.array_module(x.array), name)(x.array))


def equal(a, b):
    return a.shape == b.shape and builtins.bool((a.array == b.array).all())


def isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b = operands(a, b)
    return wrap(backend.array_module(a.array).isclose(a.array, b.array, rtol, atol, equal_nan))


def allclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False):
    return builtins.bool(isclose(a, b, rtol, atol, equal_nan).array.all())


from .shape import sum_to  # noqa: E402  (shape imports this module)
