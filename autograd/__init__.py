"""autograd: a PyTorch-compatible tensor library with reverse-mode autodiff, on NumPy (CuPy on a GPU).

`import autograd as torch` gives torch's names for what is implemented; autograd.nn and autograd.optim
are the top-level nn and optim packages, autograd.utils.data and autograd.vision mirror torch's.
"""
import builtins
import functools
import importlib
import importlib.abc
import importlib.util
import sys
import warnings as _warnings

from . import dtypes
from .backend import device
from .dtypes import (dtype, float16, float32, float64, complex64, complex128, uint8, int8, int16, int32, int64,
                     bool, half, float, double, short, int, long, cfloat, cdouble)
from .grad_mode import no_grad, enable_grad, set_grad_enabled, inference_mode, is_grad_enabled
from .tensor import Tensor, Size
from .creation import (tensor, as_tensor, asarray, from_numpy, zeros, ones, empty, full, zeros_like, ones_like,
                       empty_like, full_like, eye, arange, linspace, logspace,
                       LongTensor, FloatTensor, DoubleTensor, IntTensor, BoolTensor, ByteTensor)
from .random import (Generator, default_generator, manual_seed, seed, initial_seed, get_rng_state, set_rng_state,
                     rand, randn, randint, randperm, normal, rand_like, randn_like, randint_like, bernoulli,
                     multinomial)
from .ops.arithmetic import where, clamp, maximum, minimum, equal, allclose, isclose
from .ops.reduction import var_mean, std_mean
from .ops.shape import cat, stack, hstack, vstack
from .ops.linalg import einsum, baddbmm
from .printing import set_printoptions, get_printoptions
from . import autograd, cuda, ops  # noqa: F401
from .ops import views as _views

concat = concatenate = cat
clip = clamp

# torch.<fn>(tensor, ...) is the Tensor method of the same name
add, sub, mul, div, true_divide = Tensor.add, Tensor.sub, Tensor.mul, Tensor.div, Tensor.true_divide
subtract, multiply, divide = Tensor.sub, Tensor.mul, Tensor.div
floor_divide, remainder, fmod, pow, neg, negative = (Tensor.floor_divide, Tensor.remainder, Tensor.fmod,
                                                     Tensor.pow, Tensor.neg, Tensor.neg)
exp, exp2, log, log2, log10, log1p, expm1 = (Tensor.exp, Tensor.exp2, Tensor.log, Tensor.log2, Tensor.log10,
                                             Tensor.log1p, Tensor.expm1)
sqrt, rsqrt, square, reciprocal = Tensor.sqrt, Tensor.rsqrt, Tensor.square, Tensor.reciprocal
sin, cos, tan, asin, acos, atan, sinh, cosh, tanh = (Tensor.sin, Tensor.cos, Tensor.tan, Tensor.asin, Tensor.acos,
                                                     Tensor.atan, Tensor.sinh, Tensor.cosh, Tensor.tanh)
sigmoid, relu, abs, absolute, sign, erf = (Tensor.sigmoid, Tensor.relu, Tensor.abs, Tensor.abs, Tensor.sign,
                                           Tensor.erf)
floor, ceil, round, trunc, frac = Tensor.floor, Tensor.ceil, Tensor.round, Tensor.trunc, Tensor.frac
lerp, addcmul, addcdiv = Tensor.lerp, Tensor.addcmul, Tensor.addcdiv
eq, ne, lt, le, gt, ge = Tensor.eq, Tensor.ne, Tensor.lt, Tensor.le, Tensor.gt, Tensor.ge
greater, less, greater_equal, less_equal, not_equal = Tensor.gt, Tensor.lt, Tensor.ge, Tensor.le, Tensor.ne
logical_not, logical_and, logical_or = Tensor.logical_not, Tensor.logical_and, Tensor.logical_or
isnan, isinf, isfinite = Tensor.isnan, Tensor.isinf, Tensor.isfinite
sum, mean, prod, max, min, amax, amin = (Tensor.sum, Tensor.mean, Tensor.prod, Tensor.max, Tensor.min,
                                         Tensor.amax, Tensor.amin)
argmax, argmin, var, std, norm, logsumexp = (Tensor.argmax, Tensor.argmin, Tensor.var, Tensor.std, Tensor.norm,
                                             Tensor.logsumexp)
all, any, cumsum, cumprod, count_nonzero = Tensor.all, Tensor.any, Tensor.cumsum, Tensor.cumprod, Tensor.count_nonzero
softmax, log_softmax = Tensor.softmax, Tensor.log_softmax
sort, argsort, topk, nonzero, unique = Tensor.sort, Tensor.argsort, Tensor.topk, Tensor.nonzero, Tensor.unique
matmul, mm, bmm, mv, dot, outer, ger, addmm = (Tensor.matmul, Tensor.mm, Tensor.bmm, Tensor.mv, Tensor.dot,
                                               Tensor.outer, Tensor.outer, Tensor.addmm)
reshape, flatten, unflatten, ravel = Tensor.reshape, Tensor.flatten, Tensor.unflatten, Tensor.ravel
squeeze, unsqueeze, permute, transpose, swapaxes, t = (Tensor.squeeze, Tensor.unsqueeze, Tensor.permute,
                                                       Tensor.transpose, Tensor.transpose, Tensor.t)
broadcast_to, tile, flip, roll = Tensor.broadcast_to, Tensor.tile, Tensor.flip, Tensor.roll
split, chunk, unbind, narrow, select = Tensor.split, Tensor.chunk, Tensor.unbind, Tensor.narrow, Tensor.select
tril, triu, diag = Tensor.tril, Tensor.triu, Tensor.diag
gather, scatter, scatter_add, index_select = Tensor.gather, Tensor.scatter, Tensor.scatter_add, Tensor.index_select
masked_fill, masked_select, take = Tensor.masked_fill, Tensor.masked_select, Tensor.take
clone, detach, numel = Tensor.clone, Tensor.detach, Tensor.numel


def _with_out(fn):
    """torch.<fn>(..., out=t): compute, then write the result into t (resized if its shape differs)."""
    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        result = fn(*args, **kwargs)
        if out is None:
            return result
        if is_grad_enabled() and (result.requires_grad or out.requires_grad):
            raise RuntimeError(f"{fn.__name__}(): functions with out=... arguments don't support automatic "
                               "differentiation, but one of the arguments requires grad.")
        _views.check_out_write(out, args)
        if out.shape != result.shape:
            out.array = zeros(result.shape, dtype=out.dtype, device=out.device).array
        return out.copy_(result)
    return call


add, sub, mul, div, matmul, mm, bmm = (_with_out(f) for f in (add, sub, mul, div, matmul, mm, bmm))
exp, log, sqrt, pow, abs, clamp, cat, stack = (_with_out(f) for f in (exp, log, sqrt, pow, abs, clamp, cat, stack))
subtract, multiply, divide, concat, concatenate, clip = sub, mul, div, cat, cat, clamp


def set_num_threads(n):
    """Threads for NumPy's BLAS, set through threadpoolctl (the `train` extra installs it). Without it the
    number is only recorded and a UserWarning (once) says how to set the BLAS threads instead."""
    global _num_threads, _warned_threads
    _num_threads = builtins.int(n)
    try:
        import threadpoolctl
    except ImportError:
        if not _warned_threads:
            _warned_threads = True
            _warnings.warn(f"set_num_threads({_num_threads}): threadpoolctl is not installed, so NumPy's BLAS keeps "
                          f"its own thread count; pip install threadpoolctl, or set OPENBLAS_NUM_THREADS="
                          f"{_num_threads} before Python starts", UserWarning, stacklevel=2)
        return
    threadpoolctl.threadpool_limits(_num_threads)


def get_num_threads():
    return _num_threads


_num_threads = __import__('os').cpu_count() or 1
_warned_threads = False


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(t):
    return t.is_floating_point()


def get_default_dtype():
    return dtypes.default_float


def set_default_dtype(d):
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    dtypes.default_float = d


def promote_types(a, b):
    return dtypes.from_numpy(dtypes.promote_types(a.numpy_dtype, b.numpy_dtype))


def result_type(a, b):
    return (a + b if isinstance(a, Tensor) or isinstance(b, Tensor) else tensor(a) + tensor(b)).dtype


def compile(model=None, **kwargs):
    """No compiler here: returns the model unchanged, so torch.compile(model) code still runs."""
    return model if model is not None else (lambda m: m)


class _Flags:
    def __init__(self, **flags):
        self.__dict__.update(flags)


backends = _Flags(mps=_Flags(is_available=lambda: False, is_built=lambda: False),
                  cudnn=_Flags(benchmark=False, deterministic=False, enabled=True, is_available=lambda: False))


def save(obj, f, **kwargs):
    from .serialization import save as save_
    return save_(obj, f, **kwargs)


def load(f, map_location=None, weights_only=True, **kwargs):
    from .serialization import load as load_
    return load_(f, map_location=map_location, weights_only=weights_only, **kwargs)


def summary(model, input_size, *args, **kwargs):
    from .summary import summary as summary_
    return summary_(model, input_size, *args, **kwargs)


class _TopLevelAlias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """autograd.nn[.x] and autograd.optim[.x] are the repository's top-level nn and optim packages, the same
    module objects under torch's names (so isinstance and identity checks agree)."""
    ALIASES = ('autograd.nn', 'autograd.optim')

    def find_spec(self, name, path=None, target=None):
        if builtins.any(name == a or name.startswith(a + '.') for a in self.ALIASES):
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(spec.name[len('autograd.'):])

    def exec_module(self, module):
        pass


if not builtins.any(isinstance(f, _TopLevelAlias) for f in sys.meta_path):
    sys.meta_path.insert(0, _TopLevelAlias())


# ---- engine tools (issue 8 / 14) ----
from .anomaly_mode import is_anomaly_enabled, is_anomaly_check_nan_enabled, set_anomaly_enabled  # noqa: E402,F401


def __getattr__(name):
    """nn, optim, utils and vision load on first use, so `import nn` alone works without cycles."""
    if name in ('nn', 'optim', 'utils', 'vision', 'profiler', 'distributed', 'distributions'):
        return importlib.import_module('autograd.' + name)
    if name in ('onnx', 'serialization'):   # torch.onnx.export, torch.serialization.add_safe_globals
        return importlib.import_module('autograd.' + name)
    if name == 'functional':
        return importlib.import_module('autograd.nn.functional')
    raise AttributeError(f"module 'autograd' has no attribute '{name}'")

# ---- memory layout (issue 8, views) ----
from .ops.views import memory_format, contiguous_format, preserve_format, channels_last  # noqa: E402
as_strided = Tensor.as_strided
scatter_reduce, index_put, index_add, index_copy, index_fill = (Tensor.scatter_reduce, Tensor.index_put,
                                                                Tensor.index_add, Tensor.index_copy, Tensor.index_fill)
unique_consecutive = Tensor.unique_consecutive

# ---- the wider tensor API (issue 10): code in linalg.py, special.py, accelerator.py, ops/special_fns.py,
# ops/api_reduce.py, ops/api_shape.py, ops/linalg_decomp.py; Tensor methods in tensor_api.py ----------------
from . import linalg, special, accelerator, testing, version  # noqa: E402
from .type_info import finfo, iinfo  # noqa: E402
from .accelerator import set_default_device, get_default_device  # noqa: E402
from .ops import special_fns as _sf, api_reduce as _ar, api_shape as _as, linalg_decomp as _ld  # noqa: E402

__version__ = version.__version__
atan2 = arctan2 = _sf.atan2
hypot, logaddexp, logaddexp2, xlogy, lgamma, digamma = (_sf.hypot, _sf.logaddexp, _sf.logaddexp2, _sf.xlogy,
                                                        _sf.lgamma, _sf.digamma)
polygamma, mvlgamma, erfinv, erfc, sinc, logit = _sf.polygamma, _sf.mvlgamma, _sf.erfinv, _sf.erfc, _sf.sinc, _sf.logit
nan_to_num, copysign, fmax, fmin, float_power = _sf.nan_to_num, _sf.copysign, _sf.fmax, _sf.fmin, _sf.float_power
deg2rad, rad2deg, heaviside, signbit, frexp, ldexp = (_sf.deg2rad, _sf.rad2deg, _sf.heaviside, _sf.signbit,
                                                      _sf.frexp, _sf.ldexp)
gcd, lcm, bitwise_not, logical_xor = _sf.gcd, _sf.lcm, _sf.bitwise_not, _sf.logical_xor
asinh, acosh, atanh = _sf.asinh, _sf.acosh, _sf.atanh
arcsin, arccos, arctan, arcsinh, arccosh, arctanh = asin, acos, atan, asinh, acosh, atanh
positive, sgn, fix = _sf.positive, Tensor.sign, Tensor.trunc
i0 = Tensor.i0
bitwise_and, bitwise_or, bitwise_xor = Tensor.bitwise_and, Tensor.bitwise_or, Tensor.bitwise_xor
bitwise_left_shift, bitwise_right_shift = Tensor.bitwise_left_shift, Tensor.bitwise_right_shift
clamp_min, clamp_max = Tensor.clamp_min, Tensor.clamp_max
median, nanmedian, mode, kthvalue, quantile, nanquantile = (_ar.median, _ar.nanmedian, _ar.mode, _ar.kthvalue,
                                                            _ar.quantile, _ar.nanquantile)
nanmean, nansum, aminmax, cummax, cummin, logcumsumexp, diff = (_ar.nanmean, _ar.nansum, _ar.aminmax, _ar.cummax,
                                                                _ar.cummin, _ar.logcumsumexp, _ar.diff)
histc, histogram, bincount, bucketize, searchsorted = _ar.histc, _ar.histogram, _ar.bincount, _ar.bucketize, \
    _ar.searchsorted
meshgrid, cartesian_prod, combinations, triu_indices, tril_indices = (_as.meshgrid, _as.cartesian_prod,
                                                                      _as.combinations, _as.triu_indices,
                                                                      _as.tril_indices)
take_along_dim, put, masked_scatter, movedim, moveaxis = (_as.take_along_dim, _as.put, _as.masked_scatter,
                                                          _as.movedim, _as.movedim)
tensor_split, hsplit, vsplit, dsplit = _as.tensor_split, _as.hsplit, _as.vsplit, _as.dsplit
atleast_1d, atleast_2d, atleast_3d = _as.atleast_1d, _as.atleast_2d, _as.atleast_3d
broadcast_tensors, broadcast_shapes, rot90, fliplr, flipud = (_as.broadcast_tensors, _as.broadcast_shapes, _as.rot90,
                                                              _as.fliplr, _as.flipud)
block_diag, diagflat, renorm, dist = _as.block_diag, _as.diagflat, _as.renorm, _as.dist
cosine_similarity, pairwise_distance, cdist, pdist = _as.cosine_similarity, _as.pairwise_distance, _as.cdist, _as.pdist
kron, tensordot, trace, cross = _as.kron, _as.tensordot, _as.trace, _as.cross
addmv, addr, addbmm, chain_matmul = _as.addmv, _as.addr, _as.addbmm, _as.chain_matmul
cholesky_solve, triangular_solve = _as.cholesky_solve, _as.triangular_solve
diag_embed, diagonal = _ld.diag_embed, _ld.diagonal
det, logdet, slogdet, inverse, pinverse = linalg.det, Tensor.logdet, linalg.slogdet, linalg.inv, Tensor.pinverse
matrix_power, matrix_exp, cholesky, cholesky_inverse = (linalg.matrix_power, linalg.matrix_exp, Tensor.cholesky,
                                                        Tensor.cholesky_inverse)
qr, svd = Tensor.qr, Tensor.svd
(atan2, arctan2, hypot, logaddexp, logaddexp2, xlogy, lgamma, digamma, erfinv, erfc, sinc, copysign, fmax, fmin,
 float_power, deg2rad, rad2deg, heaviside, gcd, lcm, nan_to_num, kron, tensordot, diff, nansum, nanmean, median,
 quantile, nanquantile, logcumsumexp) = (
    _with_out(f) for f in (atan2, atan2, hypot, logaddexp, logaddexp2, xlogy, lgamma, digamma, erfinv, erfc, sinc,
                           copysign, fmax, fmin, float_power, deg2rad, rad2deg, heaviside, gcd, lcm, nan_to_num, kron,
                           tensordot, diff, nansum, nanmean, median, quantile, nanquantile, logcumsumexp))
from .ops.linalg_lu import lu_unpack  # noqa: E402
from . import multiprocessing  # noqa: E402,F401  (Tensor.share_memory_; shared tensors across processes)
