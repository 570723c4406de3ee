"""Continuous distributions: Normal, Uniform, Exponential, Laplace, Gamma, Beta, Dirichlet, MultivariateNormal.

Densities, entropies and moments are the textbook formulas torch uses (its torch/distributions sources cite
them); written with Tensor ops, so they are differentiable in the parameters. Samplers that are transforms of
rand/randn/exponential_ draw the same numbers as torch for the same seed; Gamma, Beta and Dirichlet use
Marsaglia & Tsang's method (ACM TOMS 26(3), 2000) on this library's generator, so their draws differ from
torch's and they have no rsample.
"""
import math

from .. import creation, grad_mode, linalg, random
from ..dtypes import float64
from ..tensor import Size
from . import constraints
from .distribution import LOG_SQRT_2PI, Distribution, broadcast_all


def _standard_normal(shape, like):
    return creation.empty(tuple(shape), dtype=like.dtype, device=like.device).normal_()


class Normal(Distribution):
    """N(loc, scale^2). rsample = loc + scale * eps, eps ~ N(0, 1) (torch's draws for a seed)."""
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    mean = mode = property(lambda self: self.loc)
    stddev = property(lambda self: self.scale)
    variance = property(lambda self: self.scale.pow(2))

    def rsample(self, sample_shape=Size()):
        eps = _standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + eps * self.scale

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.scale ** 2) - self.scale.log() - LOG_SQRT_2PI

    def cdf(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + ((value - self.loc) * self.scale.reciprocal() / math.sqrt(2)).erf())

    def icdf(self, value):
        return self.loc + self.scale * (2 * value - 1).erfinv() * math.sqrt(2)

    def entropy(self):
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()


class Uniform(Distribution):
    """Uniform on [low, high). rsample = low + rand * (high - low) (torch's draws for a seed)."""
    arg_constraints = {'low': constraints.dependent, 'high': constraints.dependent}
    has_rsample = True

    def __init__(self, low, high, validate_args=None):
        self.low, self.high = broadcast_all(low, high)
        if (validate_args if validate_args is not None else self._validate_args) and \
                not bool((self.low < self.high).all()):
            raise ValueError(f"Expected parameter low ({type(self.low).__name__} of shape {tuple(self.low.shape)}) "
                             f"of distribution {self!r} to satisfy the constraint LessThan(upper_bound=high), but "
                             f"found invalid values:\n{self.low}")
        super().__init__(self.low.shape, validate_args=validate_args)

    @property
    def support(self):
        return constraints.half_open_interval(self.low, self.high)

    mean = property(lambda self: (self.high + self.low) / 2)
    stddev = property(lambda self: (self.high - self.low) / 12 ** 0.5)
    variance = property(lambda self: (self.high - self.low).pow(2) / 12)

    def rsample(self, sample_shape=Size()):
        u = creation.empty(tuple(self._extended_shape(sample_shape)), dtype=self.low.dtype,
                           device=self.low.device).uniform_()
        return self.low + u * (self.high - self.low)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        inside = self.low.le(value).type_as(self.low) * self.high.gt(value).type_as(self.low)
        return inside.log() - (self.high - self.low).log()

    def cdf(self, value):
        return ((value - self.low) / (self.high - self.low)).clamp(0, 1)

    def icdf(self, value):
        return value * (self.high - self.low) + self.low

    def entropy(self):
        return (self.high - self.low).log()


class Exponential(Distribution):
    """rate * exp(-rate x) on x >= 0. rsample = exponential_() / rate (torch's draws for a seed)."""
    arg_constraints = {'rate': constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate, validate_args=None):
        (self.rate,) = broadcast_all(rate)
        super().__init__(self.rate.shape, validate_args=validate_args)

    mean = property(lambda self: self.rate.reciprocal())
    mode = property(lambda self: creation.zeros_like(self.rate))
    stddev = property(lambda self: self.rate.reciprocal())
    variance = property(lambda self: self.rate.pow(-2))

    def rsample(self, sample_shape=Size()):
        e = creation.empty(tuple(self._extended_shape(sample_shape)), dtype=self.rate.dtype,
                           device=self.rate.device).exponential_()
        return e / self.rate

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value):
        return 1 - (-self.rate * value).exp()

    def icdf(self, value):
        return -(-value).log1p() / self.rate

    def entropy(self):
        return 1.0 - self.rate.log()


class Laplace(Distribution):
    """exp(-|x - loc| / scale) / (2 scale). rsample by inverting the CDF of uniform(eps - 1, 1) (torch's draws)."""
    arg_constraints = {'loc': constraints.real, 'scale': constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc, scale, validate_args=None):
        self.loc, self.scale = broadcast_all(loc, scale)
        super().__init__(self.loc.shape, validate_args=validate_args)

    mean = mode = property(lambda self: self.loc)
    stddev = property(lambda self: 2 ** 0.5 * self.scale)
    variance = property(lambda self: 2 * self.scale.pow(2))

    def rsample(self, sample_shape=Size()):
        from .. import finfo
        u = creation.empty(tuple(self._extended_shape(sample_shape)), dtype=self.loc.dtype,
                           device=self.loc.device).uniform_(finfo(self.loc.dtype).eps - 1, 1)
        return self.loc - self.scale * u.sign() * (-u.abs()).log1p()

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        return -(2 * self.scale).log() - (value - self.loc).abs() / self.scale

    def cdf(self, value):
        return 0.5 - 0.5 * (value - self.loc).sign() * (-(value - self.loc).abs() / self.scale).expm1()

    def entropy(self):
        return 1 + (2 * self.scale).log()


def _standard_gamma(concentration):
    """Gamma(concentration, 1) draws by Marsaglia & Tsang (boosting alpha < 1 by u^(1/alpha)), vectorised
    with rejection rounds on this library's generator. No gradient."""
    import numpy as np
    from .. import backend
    alpha = backend.to_host(concentration.detach().array).astype(np.float64)
    boost = alpha < 1
    a = np.where(boost, alpha + 1, alpha)
    d = a - 1 / 3
    c = 1 / np.sqrt(9 * d)
    out = np.empty_like(a)
    todo = np.ones(a.shape, bool)
    while todo.any():
        n = int(todo.sum())
        x = random.randn(n, dtype=float64).numpy()
        u = random.rand(n, dtype=float64).numpy()
        v = (1 + c[todo] * x) ** 3
        ok = (v > 0) & (np.log(np.maximum(u, 1e-300)) < 0.5 * x ** 2 + d[todo] - d[todo] * v +
                        d[todo] * np.log(np.where(v > 0, v, 1)))
        idx = np.flatnonzero(todo)[ok]
        out.flat[idx] = (d[todo] * v)[ok]
        todo.flat[idx] = False
    if boost.any():
        u = random.rand(int(boost.sum()), dtype=float64).numpy()
        out[boost] *= u ** (1 / alpha[boost])
    tiny = np.finfo(concentration.array.dtype).tiny
    result = np.maximum(out, tiny).astype(concentration.array.dtype)
    return creation.tensor(result, device=concentration.device)


class Gamma(Distribution):
    """rate^a x^(a-1) exp(-rate x) / Gamma(a), a = concentration."""
    arg_constraints = {'concentration': constraints.positive, 'rate': constraints.positive}
    support = constraints.nonnegative

    def __init__(self, concentration, rate, validate_args=None):
        self.concentration, self.rate = broadcast_all(concentration, rate)
        super().__init__(self.concentration.shape, validate_args=validate_args)

    mean = property(lambda self: self.concentration / self.rate)
    mode = property(lambda self: ((self.concentration - 1) / self.rate).clamp(min=0))
    variance = property(lambda self: self.concentration / self.rate.pow(2))

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        with grad_mode.no_grad():
            return _standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value):
        from .. import xlogy
        if self._validate_args:
            self._validate_sample(value)
        return (xlogy(self.concentration, self.rate) + xlogy(self.concentration - 1, value) - self.rate * value
                - self.concentration.lgamma())

    def entropy(self):
        a = self.concentration
        return a - self.rate.log() + a.lgamma() + (1.0 - a) * a.digamma()


class Dirichlet(Distribution):
    """Gamma(a_i) draws normalised to the simplex; density Gamma(sum a) / prod Gamma(a_i) prod x_i^(a_i - 1)."""
    arg_constraints = {'concentration': constraints.positive}
    support = constraints.simplex

    def __init__(self, concentration, validate_args=None):
        if concentration.ndim < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        super().__init__(concentration.shape[:-1], concentration.shape[-1:], validate_args=validate_args)

    @property
    def mean(self):
        return self.concentration / self.concentration.sum(-1, True)

    @property
    def variance(self):
        total = self.concentration.sum(-1, True)
        return self.concentration * (total - self.concentration) / (total.pow(2) * (total + 1))

    def sample(self, sample_shape=Size()):
        shape = tuple(self._extended_shape(sample_shape))
        with grad_mode.no_grad():
            g = _standard_gamma(self.concentration.expand(shape))
            return g / g.sum(-1, True)

    def log_prob(self, value):
        from .. import xlogy
        if self._validate_args:
            self._validate_sample(value)
        a = self.concentration
        return xlogy(a - 1.0, value).sum(-1) + a.sum(-1).lgamma() - a.lgamma().sum(-1)

    def entropy(self):
        a = self.concentration
        k, total = a.shape[-1], a.sum(-1)
        return a.lgamma().sum(-1) - total.lgamma() - (k - total) * total.digamma() - \
            ((a - 1.0) * a.digamma()).sum(-1)


class Beta(Distribution):
    """Beta(c1, c0) on [0, 1]: the first coordinate of Dirichlet([c1, c0]), as torch builds it."""
    arg_constraints = {'concentration1': constraints.positive, 'concentration0': constraints.positive}
    support = constraints.unit_interval

    def __init__(self, concentration1, concentration0, validate_args=None):
        from .. import stack
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        self._dirichlet = Dirichlet(stack([self.concentration1, self.concentration0], -1), validate_args=False)
        super().__init__(self._dirichlet.batch_shape, validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = super().expand(batch_shape, _instance)
        new._dirichlet = self._dirichlet.expand(batch_shape)
        return new

    @property
    def mean(self):
        return self.concentration1 / (self.concentration1 + self.concentration0)

    @property
    def variance(self):
        total = self.concentration1 + self.concentration0
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def sample(self, sample_shape=Size()):
        return self._dirichlet.sample(sample_shape).select(-1, 0)

    def log_prob(self, value):
        from .. import stack
        if self._validate_args:
            self._validate_sample(value)
        return self._dirichlet.log_prob(stack([value, 1.0 - value], -1))

    def entropy(self):
        return self._dirichlet.entropy()


class MultivariateNormal(Distribution):
    """N(loc, Sigma) from one of covariance_matrix, precision_matrix or scale_tril (Sigma = L L^T).
    rsample = loc + L eps (torch's draws for a seed); log_prob through a triangular solve."""
    arg_constraints = {'loc': constraints.real_vector, 'covariance_matrix': constraints.positive_definite,
                       'precision_matrix': constraints.positive_definite, 'scale_tril': constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc, covariance_matrix=None, precision_matrix=None, scale_tril=None, validate_args=None):
        from .. import broadcast_shapes
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        matrix = scale_tril if scale_tril is not None else covariance_matrix if covariance_matrix is not None \
            else precision_matrix
        if matrix.ndim < 2:
            raise ValueError("scale_tril matrix must be at least two-dimensional, with optional leading batch "
                             "dimensions")
        batch_shape = broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        if scale_tril is not None:
            self.scale_tril = scale_tril.expand(tuple(batch_shape) + (-1, -1))
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self.covariance_matrix = covariance_matrix.expand(tuple(batch_shape) + (-1, -1))
            self._unbroadcasted_scale_tril = linalg.cholesky(covariance_matrix)
        else:
            self.precision_matrix = precision_matrix.expand(tuple(batch_shape) + (-1, -1))
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)
        self.loc = loc.expand(tuple(batch_shape) + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape, _instance=None):
        new = type(self).__new__(type(self))
        shape = tuple(batch_shape)
        new.loc = self.loc.expand(shape + tuple(self.event_shape))
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ('covariance_matrix', 'scale_tril', 'precision_matrix'):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(shape + tuple(self.event_shape) * 2))
        Distribution.__init__(new, shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def scale_tril_(self):
        return self._unbroadcasted_scale_tril.expand(tuple(self.batch_shape) + tuple(self.event_shape) * 2)

    def __getattr__(self, name):   # the two matrices not given are derived on first use, as torch's lazy ones
        if name == 'scale_tril':
            return self.scale_tril_
        if name == 'covariance_matrix':
            L = self._unbroadcasted_scale_tril
            return (L @ L.mT).expand(tuple(self.batch_shape) + tuple(self.event_shape) * 2)
        if name == 'precision_matrix':
            return linalg.inv(self.covariance_matrix)
        raise AttributeError(name)

    mean = mode = property(lambda self: self.loc)

    @property
    def variance(self):
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(tuple(self.batch_shape) +
                                                                      tuple(self.event_shape))

    def rsample(self, sample_shape=Size()):
        eps = _standard_normal(self._extended_shape(sample_shape), self.loc)
        return self.loc + (self._unbroadcasted_scale_tril @ eps.unsqueeze(-1)).squeeze(-1)

    def log_prob(self, value):
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _mahalanobis(self._unbroadcasted_scale_tril, diff)
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return -0.5 * (self.event_shape[0] * math.log(2 * math.pi) + M) - half_log_det

    def entropy(self):
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        H = 0.5 * self.event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        return H if len(self.batch_shape) == 0 else H.expand(tuple(self.batch_shape))


def _mahalanobis(L, x):
    """x^T (L L^T)^-1 x over the batch, by one triangular solve."""
    from .. import broadcast_shapes
    shape = broadcast_shapes(L.shape[:-2], x.shape[:-1])
    Lb = L.expand(tuple(shape) + tuple(L.shape[-2:]))
    xb = x.expand(tuple(shape) + tuple(x.shape[-1:]))
    y = linalg.solve_triangular(Lb, xb.unsqueeze(-1), upper=False).squeeze(-1)
    return y.pow(2).sum(-1)


def _precision_to_scale_tril(P):
    from .. import eye
    Lf = linalg.cholesky(P.flip((-2, -1)))
    L_inv = Lf.flip((-2, -1)).mT
    Id = eye(P.shape[-1], dtype=P.dtype, device=P.device)
    return linalg.solve_triangular(L_inv, Id, upper=False)
