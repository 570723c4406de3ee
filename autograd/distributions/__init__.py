"""torch.distributions: probability distributions with sample / rsample / log_prob / entropy and moments,
argument validation as torch, and kl_divergence for the registered pairs.

Seeded draws equal torch's for Normal, Uniform, Exponential, Laplace, MultivariateNormal (transforms of
normal_/uniform_/exponential_), Bernoulli and Categorical/OneHotCategorical (bernoulli/multinomial); Gamma,
Beta and Dirichlet draw with Marsaglia-Tsang on this library's generator (different numbers, no rsample).
"""
from . import constraints, kl  # noqa: F401
from .continuous import Beta, Dirichlet, Exponential, Gamma, Laplace, MultivariateNormal, Normal, Uniform  # noqa: F401
from .discrete import Bernoulli, Categorical, OneHotCategorical  # noqa: F401
from .distribution import Distribution  # noqa: F401
from .independent import Independent  # noqa: F401
from .kl import kl_divergence, register_kl  # noqa: F401
