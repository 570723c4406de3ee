"""Special-function kernels on arrays (NumPy; CuPy through cupyx where it has them).

NumPy has no lgamma, digamma, polygamma, erfinv or i1, and the core must not need SciPy, so they are
computed here from documented formulas, in float64, and cast back:
  lgamma     math.lgamma per element (the C library's), inf at the poles like torch
  digamma    recurrence psi(x) = psi(x + 1) - 1/x up to x >= 10, then the asymptotic series
             ln x - 1/(2x) - sum B_2k / (2k x^2k)  (Abramowitz & Stegun 6.3.18); reflection for x < 0
  polygamma  (-1)^(n+1) n! zeta(n + 1, x), Hurwitz zeta by Euler-Maclaurin after shifting x >= 10 (A&S 23.2)
  erfinv     Giles' single-precision approximation ("Approximating the erfinv function", 2010) refined by
             two Newton steps on math.erf
  i0, i1     power series for |x| <= 30, Hankel's asymptotic expansion beyond (A&S 9.6.10, 9.7.1)
"""
import math

import numpy as np

from . import backend

# Bernoulli numbers B_2k, k = 1..8
_B2K = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6, -3617 / 510)


def _host(a):
    return backend.to_host(a) if backend.array_module(a) is not np else a


def _back(result, like):
    xp = backend.array_module(like)
    out = np.asarray(result).astype(like.dtype, copy=False)
    return xp.asarray(out) if xp is not np else out


def _cupyx(name, a, *args):
    """cupyx.scipy.special.<name> on a GPU array when CuPy has it (cast back: float16 returns float64), else
    None and the caller computes on the host."""
    if backend.array_module(a) is np:
        return None
    try:
        import cupyx.scipy.special as sp
        fn = getattr(sp, name)
    except (ImportError, AttributeError):
        return None
    return fn(*args, a).astype(a.dtype, copy=False)


def _lgamma1(v):
    if math.isinf(v):
        return math.inf      # lgamma(+-inf) = inf, as C's lgamma (and torch)
    if v <= 0 and v == math.floor(v):
        return math.inf
    try:
        return math.lgamma(v)
    except (ValueError, OverflowError):
        return math.inf


_lgamma_u = np.frompyfunc(_lgamma1, 1, 1)


def lgamma(a):
    gpu = _cupyx('gammaln', a)
    if gpu is not None:
        return gpu
    x = np.asarray(_host(a), dtype=np.float64)
    out = np.where(np.isnan(x), np.nan, np.asarray(_lgamma_u(x)).astype(np.float64)) if x.size else x
    return _back(np.asarray(out), a)


def digamma(a):
    gpu = _cupyx('digamma', a)
    if gpu is not None:
        return gpu
    x = np.array(_host(a), dtype=np.float64)
    with np.errstate(all='ignore'):
        reflect = x < 0
        pole = (x <= 0) & (x == np.floor(x))
        # psi(1 - x) - pi / tan(pi x) for negative x
        y = np.where(reflect, 1 - x, x)
        acc = np.zeros_like(y)
        small = y < 10
        while small.any():
            acc = acc - np.where(small, 1 / np.where(small, y, 1), 0)
            y = np.where(small, y + 1, y)
            small = y < 10
        inv2 = 1 / (y * y)
        series = np.zeros_like(y)
        p = inv2.copy()
        for k, b in enumerate(_B2K, start=1):
            series = series + b / (2 * k) * p
            p = p * inv2
        psi = np.log(y) - 0.5 / y - series + acc
        psi = np.where(reflect, psi - np.pi / np.tan(np.pi * x), psi)
        psi = np.where(pole, np.where(x == 0, np.copysign(np.inf, -np.where(np.signbit(x), -1.0, 1.0)), np.nan), psi)
    return _back(psi, a)


def _hurwitz_zeta(s, q):
    """zeta(s, q) for s > 1 (q > 0, or any non-integer q when s is an int), by Euler-Maclaurin after shifting
    q to >= 10."""
    acc = np.zeros_like(q)
    y = q.copy()
    small = y < 10
    while small.any():
        acc = acc + np.where(small, np.where(small, y, 1) ** -s, 0)
        y = np.where(small, y + 1, y)
        small = y < 10
    total = acc + y ** (1 - s) / (s - 1) + 0.5 * y ** -s
    rising = s              # s (s+1) ... (s+2k-2)
    power = y ** (-s - 1)
    fact = 2.0              # (2k)!
    for k, b in enumerate(_B2K, start=1):
        total = total + b / fact * rising * power
        rising = rising * (s + 2 * k - 1) * (s + 2 * k)
        power = power / (y * y)
        fact = fact * (2 * k + 1) * (2 * k + 2)
    return total


def _trigamma(x):
    """polygamma(1, x) as torch's CPU kernel computes it (six recurrence steps, then a short asymptotic series;
    about 1e-10 relative), so that digamma's gradient agrees with torch's to float64 rounding."""
    with np.errstate(all='ignore'):
        sign = np.where(x < 0.5, -1.0, 1.0)
        result = np.where(x < 0.5, -(np.pi ** 2) / np.sin(np.pi * x) ** 2, 0.0)
        x = np.where(x < 0.5, 1 - x, x)
        for _ in range(6):
            result = result + 1 / (x * x)
            x = x + 1
        ixx = 1 / (x * x)
        result = result + (1 + 1 / (2 * x) + ixx * (1 / 6 - ixx * (1 / 30 - ixx * (1 / 42)))) / x
    return sign * result


def polygamma(n, a):
    """The n-th derivative of digamma (n >= 0)."""
    if n == 0:
        return digamma(a)
    gpu = _cupyx('polygamma', a, n)
    if gpu is not None:
        return gpu
    x = np.array(_host(a), dtype=np.float64)
    if n == 1:
        return _back(_trigamma(x), a)
    with np.errstate(all='ignore'):
        pole = (x <= 0) & (x == np.floor(x))
        # an integer s: the shifted sum's terms (x + k)^-s stay real for negative non-integer x
        z = _hurwitz_zeta(n + 1, np.where(pole, 1.0, x))
        out = (-1) ** (n + 1) * math.factorial(n) * z
        # torch: (-1)^(n+1) n! zeta(n + 1, x), and its zeta is +inf at the poles (x <= 0 integer, -inf
        # included) and NaN at x = +inf
        out = np.where(pole, (-1) ** (n + 1) * np.inf, np.where(x == np.inf, np.nan, out))
    return _back(out, a)


_erf_u = np.frompyfunc(math.erf, 1, 1)


def erfinv(a):
    gpu = _cupyx('erfinv', a)
    if gpu is not None:
        return gpu
    x = np.array(_host(a), dtype=np.float64)
    with np.errstate(all='ignore'):
        w = -np.log((1 - x) * (1 + x))
        central = w < 5
        wc = w - 2.5
        pc = 2.81022636e-08
        for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
                  -0.00417768164, 0.246640727, 1.50140941):
            pc = c + pc * wc
        wt = np.sqrt(w) - 3
        pt = -0.000200214257
        for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
                  0.00943887047, 1.00167406, 2.83297682):
            pt = c + pt * wt
        y = np.where(central, pc, pt) * x
        inside = np.abs(x) < 1
        for _ in range(2):   # Newton on erf(y) = x
            err = np.where(inside, np.asarray(_erf_u(np.where(inside, y, 0))).astype(np.float64) - x, 0)
            y = y - err / (2 / math.sqrt(math.pi) * np.exp(-y * y))
        y = np.where(x == 1, np.inf, np.where(x == -1, -np.inf, np.where(np.abs(x) > 1, np.nan, y)))
    return _back(y, a)


def _bessel_series(x, order):
    half = x / 2
    term = np.ones_like(x) if order == 0 else half.copy()
    total = term.copy()
    sq = half * half
    for k in range(1, 120):
        term = term * sq / (k * (k + order))
        total = total + term
    return total


def _bessel_asymptotic_scaled(x, order):
    """I_v(x) e^-x for x > 30 (Hankel)."""
    mu = 4.0 * order * order
    total = np.ones_like(x)
    term = np.ones_like(x)
    for k in range(1, 12):
        term = -term * (mu - (2 * k - 1) ** 2) / (k * 8 * x)
        total = total + term
    return total / np.sqrt(2 * np.pi * x)


def _bessel(a, order, scaled):
    x = np.array(_host(a), dtype=np.float64)
    ax = np.abs(x)
    big = ax > 30
    with np.errstate(all='ignore'):
        series = _bessel_series(np.where(big, 0, ax), order)
        if scaled:
            series = series * np.exp(-np.where(big, 0, ax))
            asym = _bessel_asymptotic_scaled(np.where(big, ax, 31), order)
        else:
            asym = _bessel_asymptotic_scaled(np.where(big, ax, 31), order) * np.exp(np.where(big, ax, 0))
        out = np.where(big, asym, series)
        if order == 1:
            out = np.where(x < 0, -out, out)
        out = np.where(np.isnan(x), np.nan, out)
    return _back(out, a)


def i0(a): return _bessel(a, 0, False)
def i0e(a): return _bessel(a, 0, True)
def i1(a): return _bessel(a, 1, False)
def i1e(a): return _bessel(a, 1, True)
