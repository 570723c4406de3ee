"""More elementwise math: special functions (lgamma, digamma, polygamma, erfinv, erfc, Bessel i0/i1),
two-argument functions (atan2, hypot, logaddexp, xlogy, copysign, fmax/fmin, ...) and integer/bit ops.

Kernels without a NumPy ufunc come from autograd/special_math.py. Derivatives as in torch's
derivatives.yaml; where a function is a composition of existing ops it is written as one, so its
gradient (and second derivative) follows from theirs.
"""
import math

import numpy as np

from .. import backend, special_math
from ..function import Function
from ..tensor import Tensor, wrap
from .arithmetic import _broadcasting, cast, operands, where
from .elementwise import floating
from .shape import sum_to


def _xp(x):
    return backend.array_module(x.array)


def _tensor(x, like=None):
    if isinstance(x, Tensor):
        return x
    from ..creation import tensor
    return tensor(x, device=like.device if like is not None else None)


def _float_operands(a, b):
    """Both as one floating dtype (ints compute in the default float, as torch's float functions do)."""
    a, b = operands(a, b)
    return floating(a), floating(b)


# ---- special functions of one argument ---------------------------------------------------------
class Lgamma(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return special_math.lgamma(x.array)
    def backward(self, grad): return grad * digamma(self.saved_tensors[0])


class Digamma(Function):
    def forward(self, x):
        self.save_for_backward(x)
        return special_math.digamma(x.array)
    def backward(self, grad): return grad * polygamma(1, self.saved_tensors[0])


class Polygamma(Function):
    def forward(self, x, n):
        self.n = n
        self.save_for_backward(x)
        return special_math.polygamma(n, x.array)
    def backward(self, grad): return grad * polygamma(self.n + 1, self.saved_tensors[0])


class Erfinv(Function):
    saves_output = True
    def forward(self, x): return special_math.erfinv(x.array)
    def backward(self, grad):
        out = self.output
        return grad * (math.sqrt(math.pi) / 2) * (out * out).exp()


_erfc_u = np.frompyfunc(math.erfc, 1, 1)


class Erfc(Function):
    def forward(self, x):
        self.save_for_backward(x)
        gpu = special_math._cupyx('erfc', x.array)
        if gpu is not None:
            return gpu
        a = backend.to_host(x.array)
        out = np.asarray(_erfc_u(a)).astype(a.dtype) if a.ndim else np.asarray(math.erfc(a), dtype=a.dtype)
        return backend.to_device(out, x.device) if _xp(x) is not np else out
    def backward(self, grad):
        x, = self.saved_tensors
        return grad * (-2 / math.sqrt(math.pi)) * (-x * x).exp()


class Bessel(Function):
    """i0, i0e, i1, i1e. Derivatives: i0' = i1, i0e' = i1e - sign(x) i0e, i1' = i0 - i1/x,
    i1e' = i0e - i1e (sign(x) + 1/x)  (A&S 9.6.27; at x = 0, i1' = 1/2)."""
    _names = {'i0': 'I0Backward0', 'i0e': 'SpecialI0EBackward0', 'i1': 'SpecialI1Backward0',
              'i1e': 'SpecialI1EBackward0'}

    def name(self):   # torch's node per function
        return self._names[self.kind]

    def forward(self, x, kind):
        self.kind = kind
        self.save_for_backward(x)
        return getattr(special_math, kind)(x.array)

    def backward(self, grad):
        x, = self.saved_tensors
        k = self.kind
        if k == 'i0':
            return grad * bessel('i1', x)
        if k == 'i0e':
            return grad * (bessel('i1e', x) - x.sign() * bessel('i0e', x))
        # torch's i1_backward / i1e_backward: 1/2 wherever |x| <= eps, NaN included (its mask is |x| > eps)
        big = x.abs() > float(np.finfo(x.array.dtype).eps)
        safe = where(big, x, float(np.finfo(x.array.dtype).eps))
        if k == 'i1':
            return grad * where(big, bessel('i0', safe) - bessel(k, x) / safe, 0.5)
        return grad * where(big, bessel('i0e', safe) - bessel('i1e', x) * (safe.sign() + 1 / safe), 0.5)


def lgamma(x): return Lgamma.apply(floating(x))
def digamma(x): return Digamma.apply(floating(x))
def erfinv(x): return Erfinv.apply(floating(x))
def erfc(x): return Erfc.apply(floating(x))
def bessel(kind, x): return Bessel.apply(floating(x), kind=kind)


def polygamma(n, x):
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n. Got n={n}")
    return Polygamma.apply(floating(x), n=int(n))


def mvlgamma(x, p):
    """The multivariate log-gamma: p(p-1)/4 log(pi) + sum_i lgamma(x - i/2), i < p. Like torch 2.13, no
    domain check: at or below (p-1)/2 the lgamma terms give inf (poles) or lgamma's values of negative x."""
    total = sum(lgamma(x - i / 2) for i in range(p))
    return total + p * (p - 1) / 4 * math.log(math.pi)


class Sinc(Function):
    """sin(pi x) / (pi x), 1 at 0. Backward as torch's sinc_backward, written in tensor ops so its own
    derivative is torch's too: grad (pi x cos(pi x) - sin(pi x)) / (pi x^2), 0 where pi x^2 == 0 (there the
    second derivative is NaN in torch: the masked branch's 0 * inf)."""
    def forward(self, x):
        self.save_for_backward(x)
        a = x.array
        xp = _xp(x)
        with np.errstate(all='ignore'):
            zero = a == 0
            px = xp.where(zero, 1.0, a).astype(a.dtype) * a.dtype.type(math.pi)
            return xp.where(zero, a.dtype.type(1), xp.sin(px) / px).astype(a.dtype)

    def backward(self, grad):
        x, = self.saved_tensors
        pi_x = x * math.pi
        sq_pi = x * x * math.pi
        out = grad * (pi_x * pi_x.cos() - pi_x.sin()) / sq_pi
        return where(sq_pi == 0.0, 0.0, out)


def sinc(x): return Sinc.apply(floating(x))


class Logit(Function):
    """log(x / (1 - x)), x first clamped to [eps, 1 - eps] when eps is given. Gradient as torch's
    logit_backward: 1 / (x (1 - x)) inside [0, 1] (inf at 0 and 1), NaN outside it; with eps, 0 outside
    [eps, 1 - eps]."""
    def forward(self, x, eps):
        self.eps = eps
        self.save_for_backward(x)
        xp = _xp(x)
        a = x.array if eps is None else xp.clip(x.array, eps, 1 - eps)
        return xp.log(a / (1 - a))

    def backward(self, grad):
        x, = self.saved_tensors
        if self.eps is None:
            return where((x < 0) | (x > 1), math.nan, grad / (x * (1 - x)))
        # torch: 0 outside [eps, 1 - eps]; x is left unmasked so the second derivative at +-inf is NaN, as
        # torch's composite (create_graph) backward gives
        inside = (x >= self.eps) & (x <= 1 - self.eps)
        return where(inside, grad / (x * (1 - x)), 0.0)


def logit(x, eps=None):
    return Logit.apply(floating(x), eps=eps)


def expit(x): return floating(x).sigmoid()


class Entr(Function):
    """-x ln x, 0 at 0, -inf below 0, NaN at NaN (torch's kernel). Gradient torch's -(1 + ln x) everywhere
    (inf at 0, NaN below 0), in tensor ops so that it is differentiable again."""
    torch_name = 'SpecialEntrBackward0'

    def forward(self, x):
        self.save_for_backward(x)
        a = x.array
        xp = _xp(x)
        with np.errstate(all='ignore'):
            val = -a * xp.log(xp.where(a > 0, a, 1))
            return xp.where(a > 0, val, xp.where(a == 0, 0, xp.where(a < 0, -np.inf, a))).astype(a.dtype)

    def backward(self, grad):
        return grad * -(1 + self.saved_tensors[0].log())


def entr(x): return Entr.apply(floating(x))


def _xlog(x, y, log1p):
    """x * log(y) (log1p(y)), 0 where x = 0 unless y is NaN."""
    zero = (x == 0) & ~y.isnan()
    return where(zero, 0.0, x * (where(zero, 0.0, y).log1p() if log1p else where(zero, 1.0, y).log()))


class XLogY(Function):
    """xlogy / xlog1py with torch's derivatives.yaml gradients: d/dx = xlogy(grad, y) (0 where x = 0 and
    y <= 0, resp. y <= -1), d/dy = grad x / y (resp. / (y + 1)): NaN at x = y = 0, as torch's."""
    def name(self):   # torch's nodes: xlogy's and special.xlog1py's
        return 'SpecialXlog1PyBackward0' if self.log1p else 'XlogyBackward0'

    def forward(self, x, y, log1p):
        self.log1p = log1p
        self.save_for_backward(x, y)
        return _xlog(x, y, log1p).array

    def backward(self, grad):
        x, y = self.saved_tensors
        lp = self.log1p
        gx = gy = None
        if self.needs_input_grad[0]:
            gx = where((x == 0) & (y <= (-1.0 if lp else 0.0)), 0.0, _xlog(grad, y, lp))
            gx = sum_to(gx, x.shape)
        if self.needs_input_grad[1]:
            gy = sum_to(grad * x / ((y + 1) if lp else y), y.shape)
        return gx, gy


def xlogy(x, y):
    return XLogY.apply(*_float_operands(x, y), log1p=False)


def xlog1py(x, y):
    return XLogY.apply(*_float_operands(x, y), log1p=True)


def ndtr(x):
    return 0.5 * erfc(floating(x) * (-1 / math.sqrt(2)))


def ndtri(p):
    return erfinv(2 * floating(p) - 1) * math.sqrt(2)


def log_ndtr(x):
    return ndtr(x).log()


def _erfcx_array(a):
    """exp(x^2) erfc(x) in float64; for x >= 26 (where exp(x^2) overflows) the asymptotic series
    1/(x sqrt(pi)) sum_k (-1)^k (2k-1)!! / (2x^2)^k (A&S 7.1.23), 6 terms: below 1e-15 relative there."""
    x = np.asarray(backend.to_host(a), dtype=np.float64)
    with np.errstate(all='ignore'):
        direct = np.exp(x * x) * np.asarray(_erfc_u(x) if x.ndim else math.erfc(x), dtype=np.float64)
        big = np.where(x >= 26, x, 26.0)
        inv = 1 / (2 * big * big)
        series, term = np.ones_like(big), np.ones_like(big)
        for k in range(1, 6):
            term = -term * (2 * k - 1) * inv
            series = series + term
        asym = np.where(np.isinf(x), 0.0, series / (big * math.sqrt(math.pi)))
        return np.where(x >= 26, asym, direct)


class Erfcx(Function):
    """exp(x^2) erfc(x), finite for large x (0 at +inf, inf at -inf). Gradient torch's
    (2 x erfcx(x) - 2/sqrt(pi)) grad (so -inf at -inf, NaN at +inf, as torch's)."""
    saves_output = True

    torch_name = 'SpecialErfcxBackward0'
    def forward(self, x):
        self.save_for_backward(x)
        out = _erfcx_array(x.array).astype(x.array.dtype)
        return backend.to_device(out, x.device) if _xp(x) is not np else out

    def backward(self, grad):
        x, = self.saved_tensors
        return (2.0 * x * self.output - 2.0 / math.sqrt(math.pi)) * grad


def erfcx(x): return Erfcx.apply(floating(x))


def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """nan, +inf and -inf replaced (the infinities by the dtype's largest finite values by default)."""
    if x.array.dtype.kind not in 'fc':
        return x.clone()
    info = np.finfo(x.array.dtype)
    posinf = float(info.max) if posinf is None else posinf
    neginf = float(info.min) if neginf is None else neginf
    out = where(x.isnan(), nan, x)
    out = where(x == math.inf, posinf, out)
    return where(x == -math.inf, neginf, out)


# ---- two arguments -----------------------------------------------------------------------------
class Atan2(Function):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return _broadcasting(_xp(a).arctan2, a, b)

    def backward(self, grad):
        a, b = self.saved_tensors
        r = a * a + b * b
        # torch defines the gradient at the origin as 0 (its atan2_backward masks r == 0); the unmasked
        # 0 / 0 below makes the second derivative there NaN, as torch's is
        at_origin = r == 0
        ga = sum_to(where(at_origin, 0.0, grad * b / r), a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(where(at_origin, 0.0, grad * -a / r), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def atan2(a, b):
    return Atan2.apply(*_float_operands(a, b))


class Hypot(Function):
    saves_output = True
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return _broadcasting(_xp(a).hypot, a, b)

    def backward(self, grad):
        a, b = self.saved_tensors
        out = self.output
        ga = sum_to(grad * a / out, a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(grad * b / out, b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def hypot(a, b):
    a, b = operands(a, b)
    if a.array.dtype.kind not in 'fc':
        raise NotImplementedError(f"\"hypot_cpu\" not implemented for '{a.dtype.scalar_name}'")
    return Hypot.apply(a, b)


class LogAddExp(Function):
    """log(e^a + e^b) (base 2: log2(2^a + 2^b)); d/da = 1 / (1 + base^(b - a)), written as torch's
    derivatives.yaml writes it (not as a sigmoid), so the second derivative is NaN where torch's is (a = -inf)."""
    def name(self):
        return 'Logaddexp2Backward0' if self.base2 else 'LogaddexpBackward0'

    def forward(self, a, b, base2):
        self.save_for_backward(a, b)
        self.base2 = base2
        xp = _xp(a)
        return _broadcasting(xp.logaddexp2 if base2 else xp.logaddexp, a, b)

    def backward(self, grad):
        a, b = self.saved_tensors
        def power(d): return 2 ** d if self.base2 else d.exp()
        ga = sum_to(grad / (1 + power(b - a)), a.shape) if self.needs_input_grad[0] else None
        gb = sum_to(grad / (1 + power(a - b)), b.shape) if self.needs_input_grad[1] else None
        return ga, gb


def logaddexp(a, b): return LogAddExp.apply(*_float_operands(a, b), base2=False)
def logaddexp2(a, b): return LogAddExp.apply(*_float_operands(a, b), base2=True)


class CopySign(Function):
    """|a| with b's sign bit. d/da = out / a (0 where a = 0); b gets a zero gradient, as in torch."""
    saves_output = True

    torch_name = 'CopysignBackward0'
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return _broadcasting(_xp(a).copysign, a, b)

    def backward(self, grad):
        a, b = self.saved_tensors
        # as torch's copysign_tensor_self_backward: result / self, masked at 0 afterwards (so the second
        # derivative there is NaN, as torch's)
        ratio = where(a == 0, 0.0, self.output / a)
        ga = sum_to(grad * ratio, a.shape) if self.needs_input_grad[0] else None
        # zeros_like(other), as torch: not grad * 0 (NaN where grad is), constant under create_graph
        gb = wrap(_xp(b).zeros_like(b.array)) if self.needs_input_grad[1] else None
        return ga, gb


def copysign(a, b):
    return CopySign.apply(*_float_operands(a, b))


def fmax(a, b):
    """max ignoring nan (nan only where both are); ties send the gradient to a, as torch."""
    a, b = operands(a, b)
    return where((a >= b) | b.isnan(), a, b)


def fmin(a, b):
    a, b = operands(a, b)
    return where((a <= b) | b.isnan(), a, b)


def float_power(a, b):
    """a ** b computed in float64."""
    a = cast(a, np.dtype('float64')) if isinstance(a, Tensor) else float(a)
    b = cast(b, np.dtype('float64')) if isinstance(b, Tensor) else float(b)
    return a ** b


def ldexp(x, other):
    x = floating(x)
    return x * 2.0 ** _tensor(other, x).to(x.dtype)


class AngleScale(Function):
    """deg2rad / rad2deg: x times the constant, as one node named as torch's; gradient grad times it."""
    def name(self):
        return self.node_name

    def forward(self, x, factor, node_name):
        self.factor, self.node_name = factor, node_name
        return x.array * factor

    def backward(self, grad):
        return grad * self.factor


def deg2rad(x): return AngleScale.apply(floating(x), factor=math.pi / 180, node_name='Deg2RadBackward0')
def rad2deg(x): return AngleScale.apply(floating(x), factor=180 / math.pi, node_name='Rad2DegBackward0')


# ---- no gradient -------------------------------------------------------------------------------
def _plain(fn, a, b):
    a, b = operands(a, b)
    return wrap(_broadcasting(fn, a, b))


def heaviside(x, values):
    if isinstance(x, Tensor) and isinstance(values, Tensor) and x.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    xp = _xp(x)
    # torch's kernel: x == 0 ? values : x > 0 (so NaN gives 0, where NumPy's heaviside gives NaN)
    return _plain(lambda a, b: xp.where(a == 0, b, a > 0).astype(a.dtype), x, values)


def signbit(x):
    return wrap(_xp(x).signbit(x.array))


def frexp(x):
    m, e = _xp(x).frexp(x.array)
    import collections
    return collections.namedtuple('frexp', ['mantissa', 'exponent'])(wrap(m), wrap(e.astype('int32')))


def _integers(op, a, b):
    a, b = operands(a, b)
    if a.array.dtype.kind in 'fc':
        raise NotImplementedError(f"\"{op}_cpu\" not implemented for '{a.dtype.scalar_name}'")
    return a, b


def gcd(a, b):
    a, b = _integers('gcd', a, b)
    return wrap(_broadcasting(_xp(a).gcd, a, b))


def lcm(a, b):
    a, b = _integers('lcm', a, b)
    return wrap(_broadcasting(_xp(a).lcm, a, b))


def bitwise(op, a, b):
    """bitwise_and/or/xor/left_shift/right_shift on integer or bool tensors."""
    a, b = _integers('bitwise_' + op, a, b)
    xp = _xp(a)
    fn = {'and': xp.bitwise_and, 'or': xp.bitwise_or, 'xor': xp.bitwise_xor,
          'left_shift': xp.left_shift, 'right_shift': xp.right_shift}[op]
    return wrap(_broadcasting(fn, a, b).astype(a.array.dtype, copy=False))


def bitwise_not(x):
    from .arithmetic import bitwise_not as invert
    if x.array.dtype.kind == 'f':
        raise NotImplementedError(f"\"bitwise_not_cpu\" not implemented for '{x.dtype.scalar_name}'")
    return invert(x)


def logical_xor(a, b):
    a, b = operands(a, b)
    return wrap(_broadcasting(_xp(a).logical_xor, a, b))


def positive(x):
    if x.array.dtype.kind == 'b':
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return x


def sgn(x):
    return x.sign()


def fix(x):
    return x.trunc()


def zeta(x, q):
    """The Hurwitz zeta function zeta(x, q) (no gradient, as in torch)."""
    x, q = _float_operands(x, q)
    xb, qb = np.broadcast_arrays(backend.to_host(x.array).astype(np.float64), backend.to_host(q.array).astype(np.float64))
    with np.errstate(all='ignore'):
        finite = (xb > 1) & (qb > 0) & np.isfinite(xb) & np.isfinite(qb)
        out = np.where(finite, special_math._hurwitz_zeta(np.where(finite, xb, 2.0), np.where(finite, qb, 1.0)),
                       np.nan)
        # torch's (Cephes') boundary cases, in its order: x = 1 pole; x < 1 NaN; q a non-positive integer
        # (-inf too) a pole, whatever x (NaN included); x = inf: q^-inf (inf below 1, 1 at 1, NaN above)
        out = np.where((xb == np.inf) & (qb > 0), np.where(qb < 1, np.inf, np.where(qb == 1, 1.0, np.nan)), out)
        out = np.where((qb <= 0) & (qb == np.floor(qb)), np.inf, out)
        out = np.where(xb < 1, np.nan, out)
        out = np.where(xb == 1, np.inf, out)
    return wrap(backend.to_device(out.astype(x.array.dtype), x.device))



class InverseHyperbolic(Function):
    """asinh, acosh, atanh by NumPy's (CuPy's) ufuncs; derivatives as torch's derivatives.yaml:
    (x^2 + 1)^-1/2, (x^2 - 1)^-1/2 and 1 / (1 - x^2) (so 0 at +-inf, inf at acosh's 1, NaN below it)."""
    def name(self):   # AsinhBackward0, AcoshBackward0, AtanhBackward0
        return self.kind.capitalize() + 'Backward0'

    def forward(self, x, kind):
        self.kind = kind
        self.save_for_backward(x)
        return getattr(_xp(x), {'asinh': 'arcsinh', 'acosh': 'arccosh', 'atanh': 'arctanh'}[kind])(x.array)

    def backward(self, grad):
        x, = self.saved_tensors
        if self.kind == 'asinh':
            return grad * (x * x + 1).rsqrt()
        if self.kind == 'acosh':
            return grad * (x * x - 1).rsqrt()
        return grad / (1 - x * x)


def asinh(x): return InverseHyperbolic.apply(floating(x), kind='asinh')
def acosh(x): return InverseHyperbolic.apply(floating(x), kind='acosh')
def atanh(x): return InverseHyperbolic.apply(floating(x), kind='atanh')
