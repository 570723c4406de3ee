"""Random numbers that reproduce PyTorch's CPU generator bit for bit.

Torch's CPU Generator is an mt19937 engine (aten/src/ATen/core/MT19937RNGEngine.h). NumPy's MT19937 bit generator
runs the same recurrence, so we seed it with torch's init_genrand and draw its raw 32-bit outputs in bulk. Each
sampler below transcribes the ATen CPU kernel it mirrors (native/cpu/DistributionTemplates.h,
core/DistributionsHelper.h, core/TransformationHelper.h): the same 32/64-bit draws in the same order, the same
floating-point steps. Two details of torch's x86-64 build are reproduced exactly: GCC contracts `a * b + c` into a
fused multiply-add (emulated by `_fma32`/`_fma64`), and double-precision kernels call glibc's log/sin/cos (called
here through `math`, which is the same libm). float32 `normal_` on 16+ contiguous elements runs torch's
`normal_fill_16_AVX2` with the Cephes polynomials of avx_mathfun.h, emulated lane by lane in float32.
CUDA tensors draw on the host and copy: torch's CUDA Philox streams are not reproduced.
"""
import contextlib
import math
import os

import numpy as np

from . import backend, dtypes
from .tensor import Tensor, wrap, _shape_arg

_DEFAULT_SEED = 67280421310721       # torch's default_rng_seed_val: the seed of a fresh torch.Generator()
_N = 624                             # mt19937 state words
_STATE_SIZE = 5056                   # sizeof(CPUGeneratorImplState), the byte tensor get_state returns
_STATE_LAYOUT = np.dtype({           # CPUGeneratorImplState as torch memcpy's it (x86-64 alignment)
    'names': ['seed', 'left', 'seeded', 'next', 'state', 'normal_x', 'normal_y', 'normal_rho', 'normal_is_valid',
              'float_normal', 'float_normal_is_valid'],
    'formats': ['<u8', '<i4', '<i4', '<u8', ('<u8', _N), '<f8', '<f8', '<f8', '<i4', '<f4', 'u1'],
    'offsets': [0, 8, 12, 16, 24, 5016, 5024, 5032, 5040, 5048, 5052], 'itemsize': _STATE_SIZE})
_TORCH_TYPE_NAMES = {'int64': 'Long', 'int32': 'Int', 'int16': 'Short', 'int8': 'Char', 'uint8': 'Byte',
                     'bool': 'Bool', 'float16': 'Half', 'float32': 'Float', 'float64': 'Double',
                     'complex64': 'ComplexFloat', 'complex128': 'ComplexDouble'}


def _init_genrand(seed32):
    key = np.empty(_N, np.uint32)
    x = key[0] = seed32
    for j in range(1, _N):
        x = (1812433253 * (x ^ (x >> 30)) + j) & 0xFFFFFFFF
        key[j] = x
    return key


class Generator:
    """torch.Generator: an mt19937 stream plus the cached second half of a double Box-Muller pair."""

    def __init__(self, device='cpu'):
        self.device = backend.device(device)
        self._engine = np.random.MT19937()
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        if isinstance(seed, float) or not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        seed = int(seed)
        if not -2 ** 63 <= seed < 2 ** 64:
            raise ValueError(f"Overflow when unpacking long long: seed {seed} is outside [-2**63, 2**64)")
        self._seed = seed % 2 ** 64
        self._engine.state = {'bit_generator': 'MT19937',
                              'state': {'key': _init_genrand(self._seed & 0xFFFFFFFF), 'pos': _N}}
        self._fresh = True            # torch reports next_ = 0 (not 624) until the first draw after seeding
        self._normal_cache = None     # normal_distribution<double> keeps r*sin(theta) for the next call
        self._float_normal_cache = None
        return self

    def seed(self):
        seed = int.from_bytes(os.urandom(8), 'little')
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        return self._seed

    def get_state(self):
        state = self._engine.state['state']
        pos = int(state['pos'])
        rec = np.zeros((), _STATE_LAYOUT)
        rec['seed'], rec['seeded'], rec['state'] = self._seed, 1, state['key']
        rec['left'], rec['next'] = (1, 0 if self._fresh else _N) if pos >= _N else (_N + 1 - pos, pos)
        if self._normal_cache is not None:
            rec['normal_is_valid'], rec['normal_y'] = 1, self._normal_cache
        if self._float_normal_cache is not None:
            rec['float_normal_is_valid'], rec['float_normal'] = 1, self._float_normal_cache
        return wrap(np.frombuffer(rec.tobytes(), np.uint8).copy())

    def set_state(self, new_state):
        if not isinstance(new_state, Tensor) or new_state.array.dtype != np.uint8:
            raise TypeError(f"RNG state must be a torch.ByteTensor, but got {type(new_state).__name__}"
                            + (f" of dtype {new_state.dtype}" if isinstance(new_state, Tensor) else ""))
        raw = np.ascontiguousarray(backend.to_host(new_state.array)).reshape(-1)
        if raw.size != _STATE_SIZE:
            raise RuntimeError(f"Expected a CPUGeneratorImplState of size {_STATE_SIZE} but found the input RNG "
                               f"state size to be {raw.size}; pass a tensor returned by get_state()")
        rec = raw.view(_STATE_LAYOUT)[0]
        left, nxt = int(rec['left']), int(rec['next'])
        if not (rec['seeded'] and 0 < left <= _N and nxt <= _N):
            raise RuntimeError(f"Invalid mt19937 state (left={left}, next={nxt}): the tensor is not a generator "
                               "state from get_state()")
        self._engine.state = {'bit_generator': 'MT19937', 'state': {
            'key': rec['state'].astype(np.uint32), 'pos': _N if left == 1 else nxt}}
        self._seed, self._fresh = int(rec['seed']), left == 1 and nxt == 0
        self._normal_cache = float(rec['normal_y']) if rec['normal_is_valid'] else None
        self._float_normal_cache = float(rec['float_normal']) if rec['float_normal_is_valid'] else None
        return self

    # ---- raw draws: generator->random() and generator->random64() ----
    def _random(self, n):
        if n:
            self._fresh = False
        return self._engine.random_raw(n).astype(np.uint32)

    def _random64(self, n):
        if n:
            self._fresh = False
        r = self._engine.random_raw(2 * n)
        return (r[0::2] << np.uint64(32)) | r[1::2]       # first draw in the high half


default_generator = Generator()
default_generator.seed()             # torch seeds its default generator nondeterministically at startup


def manual_seed(seed):
    return default_generator.manual_seed(int(seed))


def seed():
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, device_type="cuda"):
    """Restore the default generator's state on exit, like torch.random.fork_rng."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


def _gen(generator):
    return generator if generator is not None else default_generator


# ---- exact arithmetic: fused multiply-add and libm ----
def _two_sum(x, y):
    s = x + y
    b = s - x
    return s, (x - (s - b)) + (y - b)


def _fma32(a, b, c):
    """float32 a*b + c rounded once: the double sum is exact except where it lands on a float32 tie, fixed there."""
    p = np.multiply(a, b, dtype=np.float64)
    c = np.asarray(c, np.float64)
    s = p + c
    tie = (s.view(np.uint64) & np.uint64(0x1FFFFFFF)) == np.uint64(0x10000000)
    if tie.any():
        p, c = np.broadcast_arrays(p, c)
        err = _two_sum(p[tie], c[tie])[1]
        s = s.copy()
        s[tie] = np.where(err == 0, s[tie], np.nextafter(s[tie], np.where(err > 0, np.inf, -np.inf)))
    return s.astype(np.float32)


def _fma64(a, b, c):
    """float64 a*b + c rounded once (Boldo & Melquiond: exact product, TwoSum, a sum rounded to odd)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64), np.asarray(b, np.float64), np.asarray(c, np.float64))
    p = a * b
    ta, tb = 134217729.0 * a, 134217729.0 * b                 # Veltkamp splits into 26-bit halves
    ah, bh = ta - (ta - a), tb - (tb - b)
    al, bl = a - ah, b - bh
    p_err = ((ah * bh - p) + ah * bl + al * bh) + al * bl     # a*b == p + p_err exactly
    hi, lo = _two_sum(c, p)
    v, v_err = _two_sum(lo, p_err)
    bits = v.view(np.int64)
    inexact_even = (v_err != 0) & ((bits & 1) == 0)
    v = np.where(inexact_even, (bits + np.where((v_err > 0) == (v > 0), 1, -1)).view(np.float64), v)
    fused = hi + v
    plain = p + c
    return np.where(np.isfinite(fused), fused, plain)


def _libm(fn, x):
    """glibc's fn over an array (NumPy's own log/log1p differ from libm in the last bit)."""
    return np.array([fn(v) for v in x.reshape(-1).tolist()], np.float64).reshape(x.shape)


def _to_float32_via_libm(approx, exact):
    """Round to float32 a double NumPy computed within a few ulps of libm's value; the rare elements that close to
    a float32 tie are recomputed by exact(index_mask) so the float32 result is libm's."""
    low = (approx.view(np.uint64) & np.uint64(0x1FFFFFFF)).astype(np.int64)
    near = np.abs(low - 0x10000000) <= 64
    if near.any():
        approx = approx.copy()
        approx[near] = exact(near)
    return approx.astype(np.float32)


# ---- uniform_real_distribution<T>: (random & (2^digits - 1)) * 2^-digits, then fused x*(to-from)+from ----
# Large fills run in blocks of _CHUNK elements so that the temporaries (8-byte raw draws, float64 FMA steps)
# stay in cache instead of streaming several arrays of the tensor's size through memory. Each element uses
# its own draws in order, so blocks taken in order give exactly the unblocked stream.
_CHUNK = 1 << 16


def _blocked(n, dtype, block, out=None):
    """An array of n values (out, a flat array of dtype, when given) filled block by block in order:
    block(start, count) gives each block's values."""
    out = np.empty(n, dtype) if out is None else out
    for start in range(0, n, _CHUNK):
        count = min(_CHUNK, n - start)
        out[start:start + count] = block(start, count)
    return out


def _unit(gen, n, math_dtype, out=None):
    if n > _CHUNK or out is not None:
        return _blocked(n, math_dtype, lambda start, count: _unit(gen, count, math_dtype), out)
    if math_dtype == np.float64:
        return (gen._random64(n) & np.uint64(2 ** 53 - 1)).astype(np.float64) * 2.0 ** -53
    return (gen._random(n) & np.uint32(2 ** 24 - 1)).astype(np.float32) * np.float32(2.0 ** -24)


def _math_dtype(np_dtype):   # at::opmath_type: Half computes in float
    return np.dtype(np.float64) if np_dtype == np.float64 else np.dtype(np.float32)


def _uniform(gen, n, np_dtype, low=0.0, high=1.0, out=None):
    """uniform_kernel: a value the cast rounds up to `to` becomes `from`, keeping [from, to)."""
    if n > _CHUNK or out is not None:
        return _blocked(n, np_dtype, lambda start, count: _uniform(gen, count, np_dtype, low, high), out)
    math_dtype = _math_dtype(np_dtype)
    x = _unit(gen, n, math_dtype)
    if (low, high) != (0, 1):
        lo, hi = math_dtype.type(low), math_dtype.type(high)
        x = _fma64(x, hi - lo, lo) if math_dtype == np.float64 else _fma32(x, hi - lo, lo)
    values = x.astype(np_dtype, copy=False)
    top = np_dtype.type(high)
    return np.where(values == top, np_dtype.type(low), values) if (values == top).any() else values


# ---- normal: normal_fill (16-element Box-Muller blocks) or normal_distribution<double> with its cache ----
_LOG_POLY = (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1, 1.4249322787E-1,
             -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1, 3.3333331174E-1)
_F = np.float32


def _log256_ps(x):
    """avx_mathfun's log256_ps for positive normal float32, with the FMAs GCC forms from its mul/add pairs."""
    bits = x.view(np.int32)
    e = ((bits >> 23) - 0x7F).astype(_F) + _F(1)
    x = ((bits & ~0x7F800000) | 0x3F000000).view(_F)               # mantissa scaled into [0.5, 1)
    small = x < _F(0.707106781186547524)
    x = (x - _F(1)) + np.where(small, x, _F(0))
    e = e - small.astype(_F)
    z = x * x
    y = np.full_like(x, _F(_LOG_POLY[0]))
    for coefficient in _LOG_POLY[1:]:
        y = _fma32(y, x, _F(coefficient))
    y = _fma32(y * x, z, e * _F(-2.12194440e-4))
    y = y - z * _F(0.5)
    return (x + y) + e * _F(0.693359375)                           # e * 0.693359375 is exact: fma == add


def _sincos256_ps(x):
    """avx_mathfun's sincos256_ps (Cephes sinf/cosf) for float32 in [0, 2pi)."""
    j = (x * _F(1.27323954473516)).astype(np.int32)
    j = (j + 1) & ~1
    y = j.astype(_F)
    sign_sin = ((j & 4) << 29).astype(np.uint32)
    sign_cos = ((~(j - 2) & 4) << 29).astype(np.uint32)
    sine_first = (j & 2) == 0
    x = x + y * _F(-0.78515625)                                    # exact products: fma == add
    x = x + y * _F(-2.4187564849853515625e-4)
    x = _fma32(y, _F(-3.77489497744594108e-8), x)
    z = x * x
    c = _fma32(_fma32(np.full_like(z, _F(2.443315711809948E-005)), z, _F(-1.388731625493765E-003)),
               z, _F(4.166664568298827E-002))
    c = _fma32(c * z, z, -(z * _F(0.5))) + _F(1)
    s = _fma32(_fma32(np.full_like(z, _F(-1.9515295891E-4)), z, _F(8.3321608736E-3)), z, _F(-1.6666654611E-1))
    s = _fma32(s * z, x, x)
    sin, cos = np.where(sine_first, s, c), np.where(sine_first, c, s)
    return (sin.view(np.uint32) ^ sign_sin).view(_F), (cos.view(np.uint32) ^ sign_cos).view(_F)


def _box_muller_16_float(u, mean, std):
    """normal_fill_16_AVX2 over rows of 16 uniforms: lanes j and j+8 make one pair."""
    radius = np.sqrt(_F(-2) * _log256_ps(_F(1) - u[:, :8]))
    sin, cos = _sincos256_ps(_F(2.0 * math.pi) * u[:, 8:])
    out = np.concatenate([radius * cos, radius * sin], axis=1)
    return out + mean if std == 1 else _fma32(out, std, mean)      # + 0 turns -0.0 into 0.0, as fma does


def _box_muller_16_double(u, mean, std):
    """normal_fill_16<double>: glibc log/cos/sin, `radius * cos * std + mean` fused."""
    radius = np.sqrt(-2.0 * _libm(math.log, 1.0 - u[:, :8]))
    theta = 2.0 * math.pi * u[:, 8:]
    out = np.concatenate([radius * _libm(math.cos, theta), radius * _libm(math.sin, theta)], axis=1)
    return out + mean if std == 1 else _fma64(out, std, mean)


def _normal_fill(gen, n, np_dtype, mean, std, out=None):
    """normal_fill: Box-Muller per 16 uniforms. float/double draw all n uniforms first and, for a ragged tail,
    16 fresh ones recomputing the last 16 slots; Half draws 16 per block (the tail block too) in float."""
    math_dtype = _math_dtype(np_dtype)
    box_muller = _box_muller_16_double if math_dtype == np.float64 else _box_muller_16_float
    mean, std = math_dtype.type(mean), math_dtype.type(std)
    whole = n - n % 16
    if np_dtype == np.float16:
        blocks = box_muller(_unit(gen, -(-n // 16) * 16, math_dtype).reshape(-1, 16), mean, std).reshape(-1)
        out = blocks[:n].copy()
        out[n - 16:] = blocks[-16:]
        return out.astype(np_dtype)
    out = _unit(gen, n, math_dtype, out)
    rows, step = out[:whole].reshape(-1, 16), _CHUNK // 16
    for r in range(0, len(rows), step):   # in blocks of rows, as _blocked (each row is its own pair set)
        rows[r:r + step] = box_muller(rows[r:r + step], mean, std)
    if n % 16:
        out[n - 16:] = box_muller(_unit(gen, 16, math_dtype).reshape(1, 16), mean, std).reshape(-1)
    return out


def _normal_distribution(gen, n, mean, std):
    """n draws of normal_distribution<double>: each Box-Muller pair gives r*cos now and caches r*sin."""
    values = []
    if n and gen._normal_cache is not None:
        values.append(gen._normal_cache)
        gen._normal_cache = None
    pairs = (n - len(values) + 1) // 2
    u = _unit(gen, 2 * pairs, np.float64).tolist()
    for u1, u2 in zip(u[0::2], u[1::2]):
        r = math.sqrt(-2.0 * math.log1p(-u2))
        theta = 2.0 * math.pi * u1
        values += [r * math.cos(theta), r * math.sin(theta)]
    if len(values) > n:
        gen._normal_cache = values.pop()
    out = np.array(values, np.float64)
    return out + float(mean) if std == 1 else _fma64(out, float(std), float(mean))


def _normal(gen, n, np_dtype, mean, std, contiguous=True, out=None):
    if np_dtype.kind != 'f':
        raise NotImplementedError(f'"normal_kernel_cpu" not implemented for \'{_torch_name(np_dtype)}\'')
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std:g}")
    if n >= 16 and contiguous:
        return _normal_fill(gen, n, np_dtype, mean, std, out if np_dtype != np.float16 else None)
    return _normal_distribution(gen, n, mean, std).astype(np_dtype)


def _exponential(gen, n, np_dtype, lambd):
    """exponential_distribution<double>: -1/lambda * log1p(-u) with u a 53-bit uniform."""
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd:g}")
    u = _unit(gen, n, np.float64)
    scale = -1.0 / lambd
    if np_dtype == np.float64:
        return scale * _libm(math.log1p, -u)
    return _to_float32_via_libm(scale * np.log1p(-u), lambda m: scale * _libm(math.log1p, -u[m])).astype(np_dtype)


# ---- integers: uniform_int_from_to_distribution and uniform_int_distribution ----
def _torch_name(np_dtype):
    return _TORCH_TYPE_NAMES.get(np.dtype(np_dtype).name, np.dtype(np_dtype).name)


def _float_from(low, np_dtype):   # ATen's update_from: raise `from` until the float type holds it
    as_float = int(np.array(low + 1, np.int64).astype(np_dtype))
    if as_float < low:
        return as_float + (1 << (abs(low + 1).bit_length() - 1 - np.finfo(np_dtype).nmant))
    return low


def _float_to(high, np_dtype):    # ATen's update_to: lower `to` until the float type holds it
    as_float = int(np.array(high - 1, np.int64).astype(np_dtype))
    if as_float >= high:
        return as_float - (1 << (abs(high - 1).bit_length() - 1 - np.finfo(np_dtype).nmant))
    return high


def _random_from_to(gen, n, np_dtype, low, high):
    """random_(from, to): (V % range) + from, V a 64-bit draw when the range is 2^28 or more."""
    if np_dtype.kind not in 'biuf':
        raise NotImplementedError(f'"random_from_to_kernel_cpu" not implemented for \'{_torch_name(np_dtype)}\'')
    if low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    if np_dtype.kind == 'f':
        largest = int(np.finfo(np_dtype).max)
        if not (-largest <= low and high - 1 <= largest):
            raise RuntimeError(f"from/to - 1 is out of bounds for {np_dtype.name}: [{low}, {high}) must lie within "
                               f"[{-largest}, {largest}]")
        low, high = _float_from(low, np_dtype), _float_to(high, np_dtype)
    else:
        lo_bound, hi_bound = (0, 1) if np_dtype == np.bool_ else map(int, (np.iinfo(np_dtype).min,
                                                                            np.iinfo(np_dtype).max))
        if not lo_bound <= low <= hi_bound:
            raise RuntimeError(f"from is out of bounds for {np_dtype.name}: from={low} must be in "
                               f"[{lo_bound}, {hi_bound}]")
        if not lo_bound <= high - 1 <= hi_bound:
            raise RuntimeError(f"to - 1 is out of bounds for {np_dtype.name}: to={high} must be in "
                               f"[{lo_bound + 1}, {hi_bound + 1}]")
    span = (high - low) % 2 ** 64
    draws = gen._random64(n) if span >= 2 ** 28 else gen._random(n).astype(np.uint64)   # public builds: 2^28
    if span:                                           # span 0 is the whole 64-bit range
        draws = draws % np.uint64(span) + np.uint64(low % 2 ** 64)
    values = draws.view(np.int64)
    return values.astype(np_dtype)


def _random_full(gen, n, np_dtype):
    """random_() with no bounds: [0, max] for integers, [0, 2^mantissa_digits] for floats."""
    if np_dtype == np.bool_:
        return (gen._random(n) & np.uint32(1)).astype(np.bool_)
    if np_dtype in (np.int64, np.float64):
        modulus = 2 ** 63 if np_dtype == np.int64 else 2 ** 53 + 1
        return (gen._random64(n) % np.uint64(modulus)).astype(np_dtype)
    modulus = (2 ** (np.finfo(np_dtype).nmant + 1) + 1) if np_dtype.kind == 'f' else int(np.iinfo(np_dtype).max) + 1
    return (gen._random(n).astype(np.uint64) % np.uint64(modulus)).astype(np_dtype)


# ---- writing into tensors: host values, in the order TensorIterator walks the output (memory order) ----
def _walk_axes(arr):
    """Axes order whose C-order walk visits arr in memory order, the order TensorIterator fills an output."""
    if arr.flags.c_contiguous:
        return tuple(range(arr.ndim))
    return tuple(sorted(range(arr.ndim), key=lambda axis: -abs(arr.strides[axis])))


def _store(arr, host_values):
    view = arr.transpose(_walk_axes(arr))
    values = host_values.reshape(view.shape).astype(arr.dtype, copy=False)
    view[...] = values if backend.array_module(arr) is np else backend.to_device(values, backend.device_of(arr))


def _make(host_array, shape, device, requires_grad):
    arr = host_array.reshape(shape)
    device = device if device is not None else backend.default_device   # set_default_device
    if device is not None:
        arr = backend.to_device(arr, backend.device(device))
    t = wrap(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _size(size_args, size, op):
    if size is not None:
        return _shape_arg((size,))
    if not size_args:
        raise TypeError(f"{op}() missing the size argument: pass a shape such as {op}(2, 3) or {op}((2, 3))")
    return _shape_arg(size_args)


def _float_dtype(dtype, op):
    np_dtype = dtypes.to_numpy(dtype) if dtype is not None else dtypes.default_float.numpy_dtype
    if np_dtype.kind != 'f':
        raise NotImplementedError(f'"{op}" not implemented for \'{_torch_name(np_dtype)}\'')
    return np_dtype


# ---- public API ----
def rand(*size_args, size=None, generator=None, dtype=None, device=None, requires_grad=False, layout=None,
         pin_memory=False):
    shape = _size(size_args, size, 'rand')
    np_dtype = _float_dtype(dtype, "check_uniform_bounds")
    return _make(_uniform(_gen(generator), math.prod(shape), np_dtype), shape, device, requires_grad)


def randn(*size_args, size=None, generator=None, dtype=None, device=None, requires_grad=False, layout=None,
          pin_memory=False):
    shape = _size(size_args, size, 'randn')
    np_dtype = _float_dtype(dtype, "normal_kernel_cpu")
    return _make(_normal(_gen(generator), math.prod(shape), np_dtype, 0.0, 1.0), shape, device, requires_grad)


def randint(low, high=None, size=None, generator=None, dtype=None, device=None, requires_grad=False, layout=None,
            pin_memory=False):
    if size is None and isinstance(high, (tuple, list)):         # randint(high, size)
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None:
        raise TypeError("randint() missing 1 required positional argument: 'size' (e.g. randint(0, 10, (3,)))")
    shape = _size((), size, 'randint')
    np_dtype = dtypes.to_numpy(dtype) if dtype is not None else np.dtype(np.int64)
    values = _random_from_to(_gen(generator), math.prod(shape), np_dtype, int(low), int(high))
    return _make(values, shape, device, requires_grad)


def randperm(n, generator=None, dtype=None, device=None, requires_grad=False, layout=None, pin_memory=False):
    """Fisher-Yates as in ATen's randperm_cpu: swap i with i + random() % (n - i); random64 for huge n."""
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    gen = _gen(generator)
    if n < (2 ** 32 - 1) // 20:
        offsets = (gen._random(max(n - 1, 0)).astype(np.int64) % np.arange(n, 1, -1)).tolist()
        perm = list(range(n))
        for i, z in enumerate(offsets):
            perm[i], perm[i + z] = perm[i + z], perm[i]
    else:                                                         # ATen's inside-out variant
        picks = (gen._random64(n) % np.arange(1, n + 1, dtype=np.uint64)).tolist()
        perm = [0] * n
        for i, z in enumerate(picks):
            perm[i] = perm[z]
            perm[z] = i
    np_dtype = dtypes.to_numpy(dtype) if dtype is not None else np.dtype(np.int64)
    return _make(np.array(perm, np.int64).astype(np_dtype), (n,), device, requires_grad)


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None, requires_grad=False,
           layout=None, pin_memory=False):
    """normal(Tensor, Tensor) / (Tensor, float) / (float, Tensor): a standard fill scaled in place, as ATen's
    normal_out_impl; normal(float, float, size) fills with normal_(mean, std)."""
    gen = _gen(generator)
    mean_t, std_t = isinstance(mean, Tensor), isinstance(std, Tensor)
    if not (mean_t or std_t):
        if size is None:
            raise TypeError("normal() with float mean and std needs a size, e.g. normal(0.0, 1.0, (3,))")
        shape = _size((), size, 'normal')
        np_dtype = _float_dtype(dtype, "normal_kernel_cpu")
        return _make(_normal(gen, math.prod(shape), np_dtype, mean, std), shape, device, requires_grad)
    m = backend.to_host(mean.array) if mean_t else None
    s = backend.to_host(std.array) if std_t else None
    if std_t and (s < 0).any():
        raise RuntimeError("normal expects all elements of std >= 0.0")
    like = mean if mean_t else std
    out_dtype = like.array.dtype
    if mean_t and std_t:
        try:
            shape = np.broadcast_shapes(m.shape, s.shape)
        except ValueError:
            raise RuntimeError(f"normal: mean of shape {tuple(m.shape)} and std of shape {tuple(s.shape)} do not "
                               "broadcast; give them matching shapes") from None
        out = _normal(gen, math.prod(shape), out_dtype, 0.0, 1.0).reshape(shape)
        out = (out * s).astype(out_dtype)
        out = (out + m).astype(out_dtype)
    elif mean_t:
        out = _normal(gen, m.size, out_dtype, 0.0, std).reshape(m.shape)
        out = (out + m).astype(out_dtype)
    else:
        out = _normal(gen, s.size, out_dtype, 0.0, 1.0).reshape(s.shape)
        out = ((out * s).astype(out_dtype) + out_dtype.type(mean)).astype(out_dtype)
    return wrap(backend.to_device(out, like.device))


def rand_like(t, *, generator=None, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return rand(t.shape, generator=generator, dtype=dtype or t.dtype, device=t.device if device is None else device,
                requires_grad=requires_grad)


def randn_like(t, *, generator=None, dtype=None, device=None, requires_grad=False, layout=None, memory_format=None):
    return randn(t.shape, generator=generator, dtype=dtype or t.dtype, device=t.device if device is None else device,
                 requires_grad=requires_grad)


def randint_like(t, low, high=None, *, generator=None, dtype=None, device=None, requires_grad=False, layout=None,
                 memory_format=None):
    return randint(low, high, t.shape, generator=generator, dtype=dtype or t.dtype,
                   device=t.device if device is None else device, requires_grad=requires_grad)


def bernoulli(input, p=None, *, generator=None):
    """bernoulli(probs) draws one uniform per element (24-bit float, 53-bit for float64 probs) and keeps u < p;
    bernoulli(input, p) is empty_like(input).bernoulli_(p)."""
    if isinstance(p, Generator):                        # bernoulli(probs, generator) positionally
        p, generator = None, p
    out = backend.to_host(input.array).copy()
    fill_bernoulli(out, input if p is None else p, generator)
    return wrap(backend.to_device(out, input.device))


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Without replacement (or one sample): argmax / topk of p / q with q ~ Exp(1) drawn by exponential_.
    With replacement: per row, a float cumulative sum and a binary search for each 53-bit uniform."""
    gen = _gen(generator)
    p = backend.to_host(input.array)
    if p.ndim not in (1, 2):
        raise RuntimeError(f"prob_dist must be 1 or 2 dim, got shape {tuple(p.shape)}")
    if p.dtype.kind != 'f':
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {input.dtype}")
    n_categories = p.shape[-1]
    if num_samples <= 0:
        raise RuntimeError(f"cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    if not replacement and num_samples > n_categories:
        raise RuntimeError(f"cannot sample n_sample > prob_dist.size(-1) samples without replacement "
                           f"({num_samples} > {n_categories}); pass replacement=True")
    if not np.isfinite(p).all() or (p < 0).any():
        raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
    rows = p.reshape(-1, n_categories)
    if (rows.sum(axis=1, dtype=np.float64) <= 0).any():
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    if not replacement or num_samples == 1:
        q = _exponential(gen, p.size, p.dtype, 1.0).reshape(rows.shape)
        keys = (rows / q).astype(p.dtype)
        result = np.argsort(-keys, axis=1, kind='stable')[:, :num_samples]
    else:
        cumulative = np.cumsum(rows, axis=1, dtype=rows.dtype)
        cumulative = (cumulative / cumulative[:, -1:]).astype(np.float64)
        cumulative[:, -1] = 1.0
        u = _unit(gen, rows.shape[0] * num_samples, np.float64).reshape(rows.shape[0], num_samples)
        result = np.stack([np.searchsorted(c, row_u, side='left') for c, row_u in zip(cumulative, u)])
    result = result.astype(np.int64).reshape(p.shape[:-1] + (num_samples,))
    return wrap(backend.to_device(result, input.device))


# ---- in-place fills used by Tensor.uniform_ and friends (host draws, copied to the array's device) ----
def fill_uniform(arr, a, b, generator):
    np_dtype = np.dtype(arr.dtype)
    if np_dtype.kind != 'f':
        raise NotImplementedError(f'"check_uniform_bounds" not implemented for \'{_torch_name(np_dtype)}\'')
    if a > b:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={a:g} > to={b:g}")
    flat = _direct(arr)
    values = _uniform(_gen(generator), arr.size, np_dtype, a, b, flat)
    if flat is None:
        _store(arr, values)


def fill_normal(arr, mean, std, generator):
    flat = _direct(arr)
    values = _normal(_gen(generator), arr.size, np.dtype(arr.dtype), mean, std, arr.flags.c_contiguous, flat)
    if values is not flat:
        _store(arr, values)


def _direct(arr):
    """arr as a flat view that a large fill may write its blocks into (a contiguous host array of a float
    type the kernels compute in), else None: then the values are built apart and stored (_store)."""
    if type(arr) is np.ndarray and arr.size > _CHUNK and arr.flags.c_contiguous and arr.dtype in _DIRECT:
        return arr.reshape(-1)
    return None


_DIRECT = (np.dtype(np.float32), np.dtype(np.float64))


def fill_bernoulli(arr, p, generator):
    gen = _gen(generator)
    if isinstance(p, Tensor):        # bernoulli_distribution<float> per element unless p is double
        probs = np.broadcast_to(backend.to_host(p.array), arr.shape)
        if ((probs < 0) | (probs > 1)).any():
            raise RuntimeError("bernoulli expects all elements of p to be in [0, 1]")
        u = _unit(gen, arr.size, np.float64 if probs.dtype == np.float64 else np.float32)
        draws = u < probs.transpose(_walk_axes(arr)).reshape(-1).astype(u.dtype)
    else:                            # bernoulli_distribution<double>(p)
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={p:g}")
        draws = _unit(gen, arr.size, np.float64) < p
    _store(arr, draws)


def fill_randint(arr, low, high, generator):
    """Tensor.random_(): random_() when no bound is given, random_(to) for one, random_(from, to) for two."""
    np_dtype = np.dtype(arr.dtype)
    if high is None and not low:
        values = _random_full(_gen(generator), arr.size, np_dtype)
    else:
        low, high = (0, low) if high is None else (low, high)
        values = _random_from_to(_gen(generator), arr.size, np_dtype, int(low), int(high))
    _store(arr, values)


def fill_exponential(arr, lambd, generator):
    if np.dtype(arr.dtype).kind != 'f':
        raise RuntimeError("Exponential distribution is a continuous probability distribution. dtype must be a "
                           f"floating point but you specified {_torch_name(arr.dtype)}")
    _store(arr, _exponential(_gen(generator), arr.size, np.dtype(arr.dtype), lambd))
