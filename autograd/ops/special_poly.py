"""torch.special's orthogonal polynomials (no gradient, as in torch) and the regularized incomplete gamma
functions (gradient in x only, as in torch).

Polynomials by their three-term recurrences (Abramowitz & Stegun 22.7), evaluated for every degree up to
the largest n asked for; n < 0 gives 0. Incomplete gamma: the series for x < a + 1 and Lentz's continued
fraction otherwise (Numerical Recipes 6.2), in float64.
"""
import math

import numpy as np

from .. import backend
from ..function import Function
from ..tensor import Tensor, wrap
from .arithmetic import operands
from .elementwise import floating


def _xn(x, n):
    """x and n as host float64 arrays broadcast together, and the result's dtype."""
    if not isinstance(n, Tensor):
        x = floating(x)
        xs = backend.to_host(x.array).astype(np.float64)
        return xs, np.full(xs.shape, float(n)), x.array.dtype, x.device
    x, n = operands(x, n)
    x = floating(x)
    xs, ns = np.broadcast_arrays(backend.to_host(x.array).astype(np.float64),
                                 backend.to_host(n.array).astype(np.float64))
    return xs, ns, x.array.dtype, x.device


def _recurrence(x, n, p0, p1, step):
    """sum over k of [n == k] p_k(x), with p_{k+1} = step(k, x, p_k, p_{k-1})."""
    out = np.zeros(np.broadcast(x, n).shape)
    top = int(np.nanmax(n)) if n.size else 0
    prev, cur = p0(x), p1(x)
    out = np.where(n == 0, prev, out)
    for k in range(1, top + 1):
        out = np.where(n == k, cur, out)
        prev, cur = cur, step(k, x, cur, prev)
    return out


def _poly(name, x, n, p0, p1, step, shift=False):
    xs, ns, dtype, dev = _xn(x, n)
    if shift:
        xs = 2 * xs - 1
    with np.errstate(all='ignore'):
        out = _recurrence(xs, ns, p0, p1, step)
    out = np.where(ns < 0, 0.0, out)
    return wrap(backend.to_device(out.astype(dtype), dev))


def _cheb(k, x, cur, prev): return 2 * x * cur - prev
def _one(x): return np.ones_like(x)


def chebyshev_polynomial_t(x, n): return _poly('t', x, n, _one, lambda x: x, _cheb)
def chebyshev_polynomial_u(x, n): return _poly('u', x, n, _one, lambda x: 2 * x, _cheb)
def chebyshev_polynomial_v(x, n): return _poly('v', x, n, _one, lambda x: 2 * x - 1, _cheb)
def chebyshev_polynomial_w(x, n): return _poly('w', x, n, _one, lambda x: 2 * x + 1, _cheb)
def shifted_chebyshev_polynomial_t(x, n): return _poly('t', x, n, _one, lambda x: x, _cheb, shift=True)
def shifted_chebyshev_polynomial_u(x, n): return _poly('u', x, n, _one, lambda x: 2 * x, _cheb, shift=True)
def shifted_chebyshev_polynomial_v(x, n): return _poly('v', x, n, _one, lambda x: 2 * x - 1, _cheb, shift=True)
def shifted_chebyshev_polynomial_w(x, n): return _poly('w', x, n, _one, lambda x: 2 * x + 1, _cheb, shift=True)


def hermite_polynomial_h(x, n):
    return _poly('h', x, n, _one, lambda x: 2 * x, lambda k, x, c, p: 2 * x * c - 2 * k * p)


def hermite_polynomial_he(x, n):
    return _poly('he', x, n, _one, lambda x: x, lambda k, x, c, p: x * c - k * p)


def laguerre_polynomial_l(x, n):
    return _poly('l', x, n, _one, lambda x: 1 - x, lambda k, x, c, p: ((2 * k + 1 - x) * c - k * p) / (k + 1))


def legendre_polynomial_p(x, n):
    return _poly('p', x, n, _one, lambda x: x, lambda k, x, c, p: ((2 * k + 1) * x * c - k * p) / (k + 1))


# ---- regularized incomplete gamma --------------------------------------------------------------
_lgamma = np.frompyfunc(lambda v: math.lgamma(v) if v > 0 else math.inf, 1, 1)


def _gammainc_lower(a, x):
    """P(a, x) for a > 0, x >= 0 (float64 arrays of one shape)."""
    out = np.zeros_like(x)
    lg = np.asarray(_lgamma(a), dtype=np.float64)
    use_series = x < a + 1
    # series: P = e^-x x^a / Gamma(a + 1) * sum x^k / ((a+1)...(a+k))
    ap = a.copy()
    term = 1 / np.where(a > 0, a, 1)
    total = term.copy()
    for _ in range(500):
        ap = ap + 1
        term = term * x / ap
        total = total + term
    with np.errstate(all='ignore'):
        series = total * np.exp(-x + a * np.log(np.where(x > 0, x, 1)) - lg)
        series = np.where(x == 0, 0.0, series)
        # continued fraction for Q (modified Lentz)
        tiny = 1e-300
        b = x + 1 - a
        c = np.full_like(x, 1 / tiny)
        d = 1 / np.where(b == 0, tiny, b)
        h = d.copy()
        for i in range(1, 300):
            an = -i * (i - a)
            b = b + 2
            d = an * d + b
            d = np.where(np.abs(d) < tiny, tiny, d)
            c = b + an / c
            c = np.where(np.abs(c) < tiny, tiny, c)
            d = 1 / d
            h = h * d * c
        q = np.exp(-x + a * np.log(np.where(x > 0, x, 1)) - lg) * h
    out = np.where(use_series, series, 1 - q)
    return out


class GammaIncX(Function):
    """P(a, x) (or Q when upper); d/dx P = x^(a-1) e^-x / Gamma(a). No gradient in a (as torch)."""
    def name(self):   # torch's igamma / igammac nodes
        return 'IgammacBackward0' if self.upper else 'IgammaBackward0'

    def forward(self, a, x, upper):
        self.save_for_backward(a, x)
        self.upper = upper
        av, xv = np.broadcast_arrays(backend.to_host(a.array).astype(np.float64),
                                     backend.to_host(x.array).astype(np.float64))
        with np.errstate(all='ignore'):
            inside = (av > 0) & (xv > 0) & np.isfinite(av) & np.isfinite(xv)
            p = _gammainc_lower(np.where(inside, av, 1.0), np.where(inside, xv, 1.0))
            # torch's calc_igamma boundary values (SciPy's), in its order of tests; NaN stays NaN elsewhere
            p = np.where(np.isnan(av) | np.isnan(xv), np.nan, p)
            p = np.where(np.isinf(xv), 1.0, p)
            p = np.where(np.isinf(av), np.where(np.isinf(xv), np.nan, 0.0), p)
            p = np.where(xv == 0, 0.0, p)
            p = np.where(av == 0, np.where(xv > 0, 1.0, np.nan), p)
            p = np.where((xv < 0) | (av < 0), np.nan, p)
        out = 1 - p if upper else p
        return backend.to_device(out.astype(x.array.dtype), x.device)

    def backward(self, grad):
        a, x = self.saved_tensors
        if self.needs_input_grad[0]:
            raise NotImplementedError("the derivative for 'igamma: input' is not implemented.")
        from .special_fns import lgamma
        from .shape import sum_to
        d = ((a - 1) * x.log() - x - lgamma(a)).exp()
        return None, sum_to(grad * (-d if self.upper else d), x.shape)


def gammainc(a, x):
    a, x = operands(a, x)
    return GammaIncX.apply(floating(a), floating(x), upper=False)


def gammaincc(a, x):
    a, x = operands(a, x)
    return GammaIncX.apply(floating(a), floating(x), upper=True)


def spherical_bessel_j0(x):
    """sin(x) / x, 1 at 0."""
    x = floating(x)
    from .arithmetic import where
    zero = x == 0
    infinite = x.isinf()
    safe = where(zero | infinite, 1.0, x)
    return where(zero, 1.0, where(infinite, 0.0, safe.sin() / safe))   # torch's kernel: 0 at +-inf
