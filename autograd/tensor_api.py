"""Tensor methods of the wider API (issue 10): special functions, order statistics, linalg, shape helpers,
their in-place forms, apply_/map_, nbytes/itemsize. Tensor inherits them from TensorApiMethods, so
tensor.py stays readable; each method is one line delegating to an op module, written out by name."""
import importlib

import numpy as np


class _OpModules:
    """autograd.ops.<name> (and autograd.linalg) loaded on first use: tensor.py imports this module before
    the op modules exist, so they cannot be imported at the top."""
    def __getattr__(self, name):
        module = importlib.import_module('autograd.linalg' if name == 'linalg' else 'autograd.ops.' + name)
        setattr(self, name, module)
        return module


_m = _OpModules()


def _addmv(t, mat, vec, beta, alpha): return _m.api_shape.addmv(t, mat, vec, beta=beta, alpha=alpha)
def _addr(t, v1, v2, beta, alpha): return _m.api_shape.addr(t, v1, v2, beta=beta, alpha=alpha)
def _addbmm(t, b1, b2, beta, alpha): return _m.api_shape.addbmm(t, b1, b2, beta=beta, alpha=alpha)


class TensorApiMethods:
    __slots__ = ()

    # ---- elementwise ---------------------------------------------------------------------------
    def atan2(self, other): return _m.special_fns.atan2(self, other)
    arctan2 = atan2
    def hypot(self, other): return _m.special_fns.hypot(self, other)
    def logaddexp(self, other): return _m.special_fns.logaddexp(self, other)
    def logaddexp2(self, other): return _m.special_fns.logaddexp2(self, other)
    def xlogy(self, other): return _m.special_fns.xlogy(self, other)
    def lgamma(self): return _m.special_fns.lgamma(self)
    def digamma(self): return _m.special_fns.digamma(self)
    def polygamma(self, n): return _m.special_fns.polygamma(n, self)
    def mvlgamma(self, p): return _m.special_fns.mvlgamma(self, p)
    def erfinv(self): return _m.special_fns.erfinv(self)
    def erfc(self): return _m.special_fns.erfc(self)
    def i0(self): return _m.special_fns.bessel('i0', self)
    def sinc(self): return _m.special_fns.sinc(self)
    def logit(self, eps=None): return _m.special_fns.logit(self, eps)
    def nan_to_num(self, nan=0.0, posinf=None, neginf=None): return _m.special_fns.nan_to_num(self, nan, posinf, neginf)
    def copysign(self, other): return _m.special_fns.copysign(self, other)
    def fmax(self, other): return _m.special_fns.fmax(self, other)
    def fmin(self, other): return _m.special_fns.fmin(self, other)
    def float_power(self, exponent): return _m.special_fns.float_power(self, exponent)
    def deg2rad(self): return _m.special_fns.deg2rad(self)
    def rad2deg(self): return _m.special_fns.rad2deg(self)
    def heaviside(self, values): return _m.special_fns.heaviside(self, values)
    def signbit(self): return _m.special_fns.signbit(self)
    def frexp(self): return _m.special_fns.frexp(self)
    def ldexp(self, other): return _m.special_fns.ldexp(self, other)
    def gcd(self, other): return _m.special_fns.gcd(self, other)
    def lcm(self, other): return _m.special_fns.lcm(self, other)
    def bitwise_and(self, other): return _m.special_fns.bitwise('and', self, other)
    def bitwise_or(self, other): return _m.special_fns.bitwise('or', self, other)
    def bitwise_xor(self, other): return _m.special_fns.bitwise('xor', self, other)
    def bitwise_left_shift(self, other): return _m.special_fns.bitwise('left_shift', self, other)
    def bitwise_right_shift(self, other): return _m.special_fns.bitwise('right_shift', self, other)
    def bitwise_not(self): return _m.special_fns.bitwise_not(self)
    def logical_xor(self, other): return _m.special_fns.logical_xor(self, other)
    def __lshift__(self, other): return _m.special_fns.bitwise('left_shift', self, other)
    def __rshift__(self, other): return _m.special_fns.bitwise('right_shift', self, other)
    def asinh(self): return _m.special_fns.asinh(self)
    def acosh(self): return _m.special_fns.acosh(self)
    def atanh(self): return _m.special_fns.atanh(self)
    def arcsin(self): return self.asin()
    def arccos(self): return self.acos()
    def arctan(self): return self.atan()
    def arcsinh(self): return self.asinh()
    def arccosh(self): return self.acosh()
    def arctanh(self): return self.atanh()
    def clamp_min(self, min): return _m.arithmetic.clamp(self, min=min, node_name='ClampMinBackward0')
    def clamp_max(self, max): return _m.arithmetic.clamp(self, max=max, node_name='ClampMaxBackward0')
    def positive(self): return _m.special_fns.positive(self)
    def sgn(self): return self.sign()
    def fix(self): return self.trunc()
    def subtract(self, other, alpha=1): return self.sub(other, alpha)
    def multiply(self, other): return self.mul(other)
    def divide(self, other, rounding_mode=None): return self.div(other, rounding_mode=rounding_mode)
    def greater(self, other): return self > other
    def greater_equal(self, other): return self >= other
    def less(self, other): return self < other
    def less_equal(self, other): return self <= other
    def not_equal(self, other): return self != other
    def negative(self): return -self
    def absolute(self): return self.abs()
    def clip(self, min=None, max=None): return self.clamp(min, max)

    # ---- reductions ------------------------------------------------------------------------------
    def median(self, dim=None, keepdim=False): return _m.api_reduce.median(self, dim, keepdim)
    def nanmedian(self, dim=None, keepdim=False): return _m.api_reduce.nanmedian(self, dim, keepdim)
    def mode(self, dim=-1, keepdim=False): return _m.api_reduce.mode(self, dim, keepdim)
    def kthvalue(self, k, dim=-1, keepdim=False): return _m.api_reduce.kthvalue(self, k, dim, keepdim)
    def quantile(self, q, dim=None, keepdim=False, *, interpolation='linear'):
        return _m.api_reduce.quantile(self, q, dim, keepdim, interpolation=interpolation)
    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation='linear'):
        return _m.api_reduce.nanquantile(self, q, dim, keepdim, interpolation=interpolation)
    def nanmean(self, dim=None, keepdim=False, *, dtype=None): return _m.api_reduce.nanmean(self, dim, keepdim, dtype=dtype)
    def nansum(self, dim=None, keepdim=False, *, dtype=None): return _m.api_reduce.nansum(self, dim, keepdim, dtype=dtype)
    def aminmax(self, *, dim=None, keepdim=False): return _m.api_reduce.aminmax(self, dim=dim, keepdim=keepdim)
    def cummax(self, dim): return _m.api_reduce.cummax(self, dim)
    def cummin(self, dim): return _m.api_reduce.cummin(self, dim)
    def logcumsumexp(self, dim): return _m.api_reduce.logcumsumexp(self, dim)
    def diff(self, n=1, dim=-1, prepend=None, append=None): return _m.api_reduce.diff(self, n, dim, prepend, append)
    def histc(self, bins=100, min=0, max=0): return _m.api_reduce.histc(self, bins, min, max)
    def histogram(self, bins, *, range=None, weight=None, density=False):
        return _m.api_reduce.histogram(self, bins, range=range, weight=weight, density=density)
    def bincount(self, weights=None, minlength=0): return _m.api_reduce.bincount(self, weights, minlength)

    # ---- shape and indexing ----------------------------------------------------------------------
    def movedim(self, source, destination): return _m.api_shape.movedim(self, source, destination)
    moveaxis = movedim
    def tensor_split(self, indices_or_sections, dim=0): return _m.api_shape.tensor_split(self, indices_or_sections, dim)
    def hsplit(self, sections): return _m.api_shape.hsplit(self, sections)
    def vsplit(self, sections): return _m.api_shape.vsplit(self, sections)
    def dsplit(self, sections): return _m.api_shape.dsplit(self, sections)
    def take_along_dim(self, indices, dim=None): return _m.api_shape.take_along_dim(self, indices, dim)
    def put(self, index, source, accumulate=False): return _m.api_shape.put(self, index, source, accumulate)
    def masked_scatter(self, mask, source): return _m.api_shape.masked_scatter(self, mask, source)
    def rot90(self, k=1, dims=(0, 1)): return _m.api_shape.rot90(self, k, dims)
    def fliplr(self): return _m.api_shape.fliplr(self)
    def flipud(self): return _m.api_shape.flipud(self)
    def diag_embed(self, offset=0, dim1=-2, dim2=-1): return _m.linalg_decomp.diag_embed(self, offset, dim1, dim2)
    def diagflat(self, offset=0): return _m.api_shape.diagflat(self, offset)
    def diagonal(self, offset=0, dim1=0, dim2=1): return _m.linalg_decomp.diagonal(self, offset, dim1, dim2)
    def renorm(self, p, dim, maxnorm): return _m.api_shape.renorm(self, p, dim, maxnorm)
    def dist(self, other, p=2): return _m.api_shape.dist(self, other, p)
    def broadcast_tensors(self, *others): return _m.api_shape.broadcast_tensors(self, *others)
    def kron(self, other): return _m.api_shape.kron(self, other)
    def cross(self, other, dim=None): return _m.api_shape.cross(self, other, dim)
    def trace(self): return _m.api_shape.trace(self)
    def addmv(self, mat, vec, *, beta=1, alpha=1): return _m.api_shape.addmv(self, mat, vec, beta=beta, alpha=alpha)
    def addr(self, vec1, vec2, *, beta=1, alpha=1): return _m.api_shape.addr(self, vec1, vec2, beta=beta, alpha=alpha)
    def addbmm(self, batch1, batch2, *, beta=1, alpha=1):
        return _m.api_shape.addbmm(self, batch1, batch2, beta=beta, alpha=alpha)

    # ---- linear algebra --------------------------------------------------------------------------
    def det(self): return _m.linalg.det(self)
    def logdet(self):
        sign, logabs = _m.linalg.slogdet(self)
        return _m.arithmetic.where(sign.detach() < 0, float('nan'), logabs)   # nan for a negative determinant
    def slogdet(self): return _m.linalg.slogdet(self)
    def inverse(self): return _m.linalg.inv(self)
    def pinverse(self, rcond=1e-15): return _m.linalg.pinv(self, rtol=rcond)
    def matrix_power(self, n): return _m.linalg.matrix_power(self, n)
    def matrix_exp(self): return _m.linalg.matrix_exp(self)
    def cholesky(self, upper=False): return _m.linalg.cholesky(self, upper=upper)
    def cholesky_solve(self, input2, upper=False): return _m.api_shape.cholesky_solve(self, input2, upper)
    def cholesky_inverse(self, upper=False):
        L = self.mT if upper else self
        return _m.linalg.inv(L @ L.mT)
    def triangular_solve(self, A, upper=True, transpose=False, unitriangular=False):
        return _m.api_shape.triangular_solve(self, A, upper, transpose, unitriangular)
    def qr(self, some=True): return _m.linalg.qr(self, 'reduced' if some else 'complete')
    def svd(self, some=True, compute_uv=True):
        import collections
        U, S, Vh = _m.linalg.svd(self, full_matrices=not some)
        return collections.namedtuple('svd', ['U', 'S', 'V'])(U, S, Vh.mT)

    # ---- in place --------------------------------------------------------------------------------
    def atan2_(self, other): return self._inplace(TensorApiMethods.atan2, other)
    arctan2_ = atan2_
    def hypot_(self, other): return self._inplace(TensorApiMethods.hypot, other)
    def xlogy_(self, other): return self._inplace(TensorApiMethods.xlogy, other)
    def lgamma_(self): return self._inplace(TensorApiMethods.lgamma)
    def digamma_(self): return self._inplace(TensorApiMethods.digamma)
    def polygamma_(self, n): return self._inplace(TensorApiMethods.polygamma, n)
    def erfinv_(self): return self._inplace(TensorApiMethods.erfinv)
    def erfc_(self): return self._inplace(TensorApiMethods.erfc)
    def i0_(self): return self._inplace(TensorApiMethods.i0)
    def sinc_(self): return self._inplace(TensorApiMethods.sinc)
    def logit_(self, eps=None): return self._inplace(TensorApiMethods.logit, eps)
    def nan_to_num_(self, nan=0.0, posinf=None, neginf=None):
        return self._inplace(TensorApiMethods.nan_to_num, nan, posinf, neginf)
    def copysign_(self, other): return self._inplace(TensorApiMethods.copysign, other)
    def float_power_(self, exponent):
        if self.array.dtype != np.float64:
            raise RuntimeError(f"the base given to float_power_ has dtype {self.dtype.scalar_name} but the "
                               "operation's result requires dtype Double")
        return self._inplace(TensorApiMethods.float_power, exponent)
    def deg2rad_(self): return self._inplace(TensorApiMethods.deg2rad)
    def rad2deg_(self): return self._inplace(TensorApiMethods.rad2deg)
    def heaviside_(self, values): return self._inplace(TensorApiMethods.heaviside, values)
    def ldexp_(self, other): return self._inplace(TensorApiMethods.ldexp, other)
    def gcd_(self, other): return self._inplace(TensorApiMethods.gcd, other)
    def lcm_(self, other): return self._inplace(TensorApiMethods.lcm, other)
    def bitwise_and_(self, other): return self._inplace(TensorApiMethods.bitwise_and, other)
    def bitwise_or_(self, other): return self._inplace(TensorApiMethods.bitwise_or, other)
    def bitwise_xor_(self, other): return self._inplace(TensorApiMethods.bitwise_xor, other)
    def bitwise_not_(self): return self._inplace(TensorApiMethods.bitwise_not)
    def bitwise_left_shift_(self, other): return self._inplace(TensorApiMethods.bitwise_left_shift, other)
    def bitwise_right_shift_(self, other): return self._inplace(TensorApiMethods.bitwise_right_shift, other)
    def __ilshift__(self, other): return self.bitwise_left_shift_(other)
    def __irshift__(self, other): return self.bitwise_right_shift_(other)
    def asinh_(self): return self._inplace(TensorApiMethods.asinh)
    def acosh_(self): return self._inplace(TensorApiMethods.acosh)
    def atanh_(self): return self._inplace(TensorApiMethods.atanh)
    arcsinh_, arccosh_, arctanh_ = asinh_, acosh_, atanh_
    def clamp_min_(self, min): return self._inplace(TensorApiMethods.clamp_min, min)
    def clamp_max_(self, max): return self._inplace(TensorApiMethods.clamp_max, max)
    def sgn_(self): return self._inplace(TensorApiMethods.sgn)
    def fix_(self): return self._inplace(TensorApiMethods.fix)
    def renorm_(self, p, dim, maxnorm): return self._inplace(TensorApiMethods.renorm, p, dim, maxnorm)
    def put_(self, index, source, accumulate=False): return self._inplace(TensorApiMethods.put, index, source, accumulate)
    def masked_scatter_(self, mask, source): return self._inplace(TensorApiMethods.masked_scatter, mask, source)
    def addmv_(self, mat, vec, *, beta=1, alpha=1): return self._inplace(_addmv, mat, vec, beta, alpha)
    def addr_(self, vec1, vec2, *, beta=1, alpha=1): return self._inplace(_addr, vec1, vec2, beta, alpha)
    def addbmm_(self, batch1, batch2, *, beta=1, alpha=1): return self._inplace(_addbmm, batch1, batch2, beta, alpha)
    def arcsin_(self): return self._inplace(TensorApiMethods.arcsin)
    def arccos_(self): return self._inplace(TensorApiMethods.arccos)
    def arctan_(self): return self._inplace(TensorApiMethods.arctan)
    def absolute_(self): return self._inplace(TensorApiMethods.absolute)
    def negative_(self): return self._inplace(TensorApiMethods.negative)
    def subtract_(self, other, alpha=1): return self._inplace(TensorApiMethods.subtract, other, alpha)
    def multiply_(self, other): return self._inplace(TensorApiMethods.multiply, other)
    def divide_(self, other, rounding_mode=None): return self._inplace(TensorApiMethods.divide, other, rounding_mode)
    def true_divide_(self, other): return self._inplace(TensorApiMethods.divide, other)
    def greater_(self, other): return self._inplace(TensorApiMethods.greater, other)
    def greater_equal_(self, other): return self._inplace(TensorApiMethods.greater_equal, other)
    def less_(self, other): return self._inplace(TensorApiMethods.less, other)
    def less_equal_(self, other): return self._inplace(TensorApiMethods.less_equal, other)
    def not_equal_(self, other): return self._inplace(TensorApiMethods.not_equal, other)

    # ---- Python callables and sizes -------------------------------------------------------------
    def apply_(self, callable):
        """Replace each element by callable(element) (CPU tensors only, no gradient; slow, as in torch)."""
        if self.is_cuda:
            raise TypeError("apply_ is only implemented on CPU tensors")
        fn = np.frompyfunc(lambda v: callable(v.item() if hasattr(v, 'item') else v), 1, 1)
        return self._write(lambda xp, arr: xp.copyto(arr, np.asarray(fn(arr)).astype(arr.dtype), casting='unsafe'))

    def map_(self, tensor, callable):
        """self[i] = callable(self[i], tensor[i]) with tensor broadcast to self's shape (CPU only)."""
        if self.is_cuda:
            raise TypeError("map_ is only implemented on CPU tensors")
        other = np.broadcast_to(tensor.array, self.array.shape)
        fn = np.frompyfunc(lambda a, b: callable(a.item(), b.item()) if hasattr(a, 'item') else callable(a, b), 2, 1)
        return self._write(lambda xp, arr: xp.copyto(arr, np.asarray(fn(arr, other)).astype(arr.dtype), casting='unsafe'))

    @property
    def nbytes(self): return int(self.array.nbytes)

    @property
    def itemsize(self): return int(self.array.itemsize)
