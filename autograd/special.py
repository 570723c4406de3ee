"""torch.special: the special functions under their SciPy-style names (kernels in ops/special_fns.py)."""
from .ops import special_fns as _s
from .ops.elementwise import floating as _floating

gammaln, digamma, psi, polygamma, multigammaln = _s.lgamma, _s.digamma, _s.digamma, _s.polygamma, _s.mvlgamma
erfinv, erfc, erfcx, ndtr, ndtri, log_ndtr = _s.erfinv, _s.erfc, _s.erfcx, _s.ndtr, _s.ndtri, _s.log_ndtr
expit, logit, entr, sinc, xlogy, xlog1py, zeta = _s.expit, _s.logit, _s.entr, _s.sinc, _s.xlogy, _s.xlog1py, _s.zeta


def erf(x): return _floating(x).erf()
def exp2(x): return _floating(x).exp2()
def expm1(x): return _floating(x).expm1()
def log1p(x): return _floating(x).log1p()
def round(x, decimals=0): return x.round(decimals)
def softmax(x, dim, dtype=None): return x.softmax(dim, dtype)
def log_softmax(x, dim, dtype=None): return x.log_softmax(dim, dtype)
def logsumexp(x, dim, keepdim=False): return x.logsumexp(dim, keepdim)
def i0(x): return _s.bessel('i0', x)
def i0e(x): return _s.bessel('i0e', x)
def i1(x): return _s.bessel('i1', x)
def i1e(x): return _s.bessel('i1e', x)


modified_bessel_i0, modified_bessel_i1 = i0, i1

from .ops.special_poly import (chebyshev_polynomial_t, chebyshev_polynomial_u, chebyshev_polynomial_v,  # noqa: E402,F401
                               chebyshev_polynomial_w, shifted_chebyshev_polynomial_t,
                               shifted_chebyshev_polynomial_u, shifted_chebyshev_polynomial_v,
                               shifted_chebyshev_polynomial_w, hermite_polynomial_h, hermite_polynomial_he,
                               laguerre_polynomial_l, legendre_polynomial_p, gammainc, gammaincc,
                               spherical_bessel_j0)
