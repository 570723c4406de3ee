"""Random numbers: a Generator per stream (NumPy's PCG64), the default one seeded by manual_seed.

The streams differ from torch's (its Mersenne Twister is not reproduced); seeding makes runs repeatable."""
import numpy as np

from . import backend, dtypes
from .tensor import Tensor, wrap, _shape_arg


class Generator:
    def __init__(self, device='cpu'):
        self.device = backend.device(device)
        self._seed = 67280421310721
        self.rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed):
        self._seed = int(seed)
        self.rng = np.random.default_rng(self._seed)
        return self

    def seed(self):
        return self.manual_seed(np.random.SeedSequence().entropy % (2 ** 63)).initial_seed()

    def initial_seed(self):
        return self._seed

    def get_state(self):
        state = self.rng.bit_generator.state
        import json
        return wrap(np.frombuffer(json.dumps(state).encode(), dtype=np.uint8).copy())

    def set_state(self, state):
        import json
        self.rng.bit_generator.state = json.loads(bytes(state.array.tolist()).decode())
        return self


default_generator = Generator()


def manual_seed(seed):
    return default_generator.manual_seed(seed)


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(state):
    default_generator.set_state(state)


def _rng(generator):
    return (generator or default_generator).rng


def _make(host_array, dtype, device, requires_grad):
    d = dtypes.to_numpy(dtype) if dtype is not None else dtypes.default_float.numpy_dtype
    arr = host_array.astype(d, copy=False)
    if device is not None:
        arr = backend.to_device(arr, backend.device(device))
    t = wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_dtype(dtype):
    d = dtypes.to_numpy(dtype) if dtype is not None else dtypes.default_float.numpy_dtype
    return d if d in (np.float32, np.float64) else np.float64


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False):
    shape = _shape_arg(size)
    return _make(_rng(generator).random(shape, dtype=_float_dtype(dtype)), dtype, device, requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False):
    shape = _shape_arg(size)
    return _make(_rng(generator).standard_normal(shape, dtype=_float_dtype(dtype)), dtype, device, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing 1 required positional argument: 'size'")
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    arr = _rng(generator).integers(low, high, size=_shape_arg((size,)) if isinstance(size, int) else tuple(size))
    return _make(arr, dtype or dtypes.int64, device, requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False):
    return _make(_rng(generator).permutation(n), dtype or dtypes.int64, device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, generator=None, dtype=None, device=None, requires_grad=False):
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        m = mean.array if isinstance(mean, Tensor) else mean
        s = std.array if isinstance(std, Tensor) else std
        shape = np.broadcast_shapes(np.shape(backend.to_host(m)), np.shape(backend.to_host(s)))
        like = mean if isinstance(mean, Tensor) else std
        z = _rng(generator).standard_normal(shape)
        return wrap((backend.to_host(m) + backend.to_host(s) * z).astype(like.array.dtype))
    shape = _shape_arg((size,)) if isinstance(size, int) else tuple(size)
    return _make(mean + std * _rng(generator).standard_normal(shape), dtype, device, requires_grad)


def rand_like(t, dtype=None, device=None, requires_grad=False, generator=None):
    return rand(t.shape, generator=generator, dtype=dtype or t.dtype, device=device or t.device,
                requires_grad=requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False, generator=None):
    return randn(t.shape, generator=generator, dtype=dtype or t.dtype, device=device or t.device,
                 requires_grad=requires_grad)


def randint_like(t, low, high=None, dtype=None, device=None, requires_grad=False):
    return randint(low, high, t.shape, dtype=dtype or t.dtype, device=device or t.device)


def bernoulli(p, generator=None):
    probs = backend.to_host(p.array)
    out = (_rng(generator).random(probs.shape) < probs).astype(probs.dtype)
    return wrap(backend.to_device(out, p.device))


def multinomial(probs, num_samples, replacement=False, generator=None):
    p = backend.to_host(probs.array).astype(np.float64)
    rows = p.reshape(-1, p.shape[-1])
    out = np.stack([_rng(generator).choice(rows.shape[1], num_samples, replace=replacement, p=r / r.sum())
                    for r in rows])
    return wrap(backend.to_device(out.reshape(p.shape[:-1] + (num_samples,)).astype(np.int64), probs.device))


# ---- in-place fills used by Tensor.uniform_ and friends (host draws, copied to the array's device) ----
def _fill(arr, host_values):
    backend.array_module(arr).copyto(arr, backend.to_device(host_values.astype(arr.dtype, copy=False),
                                                            backend.device_of(arr)))


def fill_uniform(arr, a, b, generator):
    _fill(arr, _rng(generator).uniform(a, b, arr.shape))


def fill_normal(arr, mean, std, generator):
    _fill(arr, mean + std * _rng(generator).standard_normal(arr.shape))


def fill_bernoulli(arr, p, generator):
    _fill(arr, _rng(generator).random(arr.shape) < p)


def fill_randint(arr, low, high, generator):
    if high is None:
        low, high = 0, low if low else 2 ** 24
    _fill(arr, _rng(generator).integers(low, high, arr.shape))


def fill_exponential(arr, lambd, generator):
    _fill(arr, _rng(generator).exponential(1.0 / lambd, arr.shape))
