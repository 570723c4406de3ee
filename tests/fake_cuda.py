"""A strict CuPy stand-in backed by NumPy, so that device='cuda' runs end to end on a machine without a GPU.

The `fake_cuda` fixture puts it in place of `autograd.backend.cupy` (and `cupyx.scipy.special`); the
`device` fixture of conftest.py does the same for the 'cuda' half of every device-parametrised test when
no real GPU is present. A device array is a `FakeDeviceArray`: a wrapper around NumPy memory that is
*not* a NumPy array, so the fake fails where CuPy 14 fails:
- implicit host conversion (`numpy.asarray(d)`, `float(numpy.array(d))`, `isinstance(d, numpy.ndarray)`)
  raises TypeError ("Implicit conversion to a NumPy array is not allowed") or is False, as for cupy.ndarray;
- a NumPy array meeting a device array in a ufunc, an operator or a function raises TypeError
  ("Unsupported type"); `copyto(device, host)` accepts only a one-element host array;
- only the names CuPy 14.2 has exist (tests/cupy_api.json, read from `dir()` of the real package), and a
  keyword a CuPy function does not take raises TypeError; there is no `__index__` (`range(d)` fails);
- `ufunc.at` exists for add/maximum/minimum only, and only on the dtypes CuPy's scatter kernels support;
- ElementwiseKernel checks that every `T` argument has one dtype ("Type is mismatched"), then runs the C
  body as NumPy expressions (the subset autograd/cuda_kernels.py uses);
- out-of-range integer-array indices wrap around (CuPy does not check bounds), scalar ones raise IndexError;
- `cupyx.scipy.special.erf` of float16 returns float64, as CuPy's does;
- reductions, `d[i]` and `argmax` give 0-d device arrays, never scalars; device indices past the count raise.
What the fake cannot check (run benchmarks/gpu_check.sh on a GPU, and tests/test_cuda_kernels.py's NVRTC
compile of the kernels): C compilation of kernel bodies for each dtype, flush-to-zero and fused
multiply-add rounding, nondeterministic atomics (the order of add.at/scatter sums), asynchronous errors,
stream semantics, memory-pool behaviour, duplicate-index writes (undefined on CuPy, last-wins here).
"""
import json
import math
import os
import re
import sys
import types

import numpy as np
import pytest

DEVICE_COUNT = 1
STATS = {'synchronize': 0, 'to_host': 0, 'to_device': 0, 'kernels': 0}
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cupy_api.json')) as _f:
    CUPY_API = json.load(_f)
# cupy._core's scatter kernels (ufunc.at): the dtypes each supports in CuPy 14.
AT_DTYPES = {'add': {'int32', 'int64', 'uint32', 'uint64', 'float16', 'float32', 'float64'},
             'maximum': {'int32', 'int64', 'uint32', 'uint64', 'float32', 'float64'},
             'minimum': {'int32', 'int64', 'uint32', 'uint64', 'float32', 'float64'}}
IMPLICIT = "Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct a NumPy array explicitly."


class CUDARuntimeError(RuntimeError):
    pass


class Device:
    """cupy.cuda.Device: `with Device(i):` makes i the current device; new arrays are made there."""
    _current = 0

    def __init__(self, device=None):
        self.id = Device._current if device is None else int(device)
        self._previous = []

    def _check(self):
        if not 0 <= self.id < DEVICE_COUNT:
            raise CUDARuntimeError("cudaErrorInvalidDevice: invalid device ordinal")

    def __enter__(self):
        self._check()
        self._previous.append(Device._current)
        Device._current = self.id
        return self

    def __exit__(self, *exc):
        Device._current = self._previous.pop()

    def use(self):
        self._check()
        Device._current = self.id

    def synchronize(self):
        STATS['synchronize'] += 1

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return self.id

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


# ---- the device array --------------------------------------------------------------------------------
def _binary(name, reflected=False):
    def method(self, other):
        return getattr(FAKE, name)(other, self) if reflected else getattr(FAKE, name)(self, other)
    return method


def _inplace(name):
    def method(self, other):
        getattr(FAKE, name)(self, other, out=self)
        return self
    return method


class FakeDeviceArray:
    """A device array: NumPy memory (`_a`) behind CuPy's ndarray interface, refusing host arrays."""
    __slots__ = ('_a', 'device_id')
    __hash__ = None
    __array_priority__ = 100

    def __init__(self, array, device_id=None):
        self._a = array
        self.device_id = Device._current if device_id is None else device_id

    # -- what CuPy refuses
    def __array__(self, dtype=None, copy=None):
        raise TypeError(IMPLICIT)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        """numpy.<ufunc>(device array) runs CuPy's ufunc of that name, as cupy.ndarray does."""
        fake = FAKE.__dict__.get(ufunc.__name__) or getattr(FAKE, ufunc.__name__, None)
        if not isinstance(fake, _Ufunc):
            return NotImplemented
        return getattr(fake, '__call__' if method == '__call__' else method)(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        """numpy.<function>(device array) runs CuPy's function of that name; NumPy-only names fail."""
        impl = _lookup(func.__module__, func.__name__)
        if impl is None:
            return NotImplemented
        return impl(*args, **kwargs)

    # -- attributes and methods that cupy.ndarray has
    @property
    def device(self):
        return Device(self.device_id)

    @property
    def shape(self):
        return self._a.shape

    @property
    def dtype(self):
        return self._a.dtype

    @property
    def ndim(self):
        return self._a.ndim

    @property
    def size(self):
        return self._a.size

    @property
    def strides(self):
        return self._a.strides

    @property
    def itemsize(self):
        return self._a.itemsize

    @property
    def nbytes(self):
        return self._a.nbytes

    @property
    def flags(self):
        return self._a.flags

    @property
    def T(self):
        return self._like(self._a.T)

    @property
    def mT(self):
        return self._like(np.swapaxes(self._a, -1, -2))

    @property
    def real(self):
        return self._like(self._a.real)

    @property
    def imag(self):
        return self._like(self._a.imag)

    @property
    def base(self):
        return None if self._a.base is None else self._like(self._a.base)

    @property
    def data(self):
        return types.SimpleNamespace(ptr=self._a.__array_interface__['data'][0])

    def _like(self, array):
        return FakeDeviceArray(array, self.device_id)

    def __getattr__(self, name):
        if name in _NDARRAY_METHODS:
            method = getattr(self._a, name)

            def call(*args, **kwargs):
                return _wrap(method(*_unwrap(args, True), **{k: _unwrap(v, True) for k, v in kwargs.items()}),
                             self.device_id)
            return call
        raise AttributeError(f"'cupy.ndarray' object has no attribute '{name}'")

    def get(self, stream=None, order='C', out=None):
        STATS['to_host'] += 1
        return np.array(self._a, order=order)

    def set(self, arr, stream=None):
        STATS['to_device'] += 1
        np.copyto(self._a, arr)

    def astype(self, dtype, order='K', casting=None, subok=None, copy=True):
        return self._like(self._a.astype(dtype, order=order, copy=copy))

    def view(self, dtype=None):
        return self._like(self._a.view() if dtype is None else self._a.view(dtype))

    # Reading values on the host waits for the GPU: count it, so tests can keep training steps free of it.
    def item(self, *args):
        STATS['to_host'] += 1
        return self._a.item(*args)

    def tolist(self):
        STATS['to_host'] += 1
        return self._a.tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __complex__(self):
        return complex(self.item())

    def __bool__(self):
        return bool(self.item())

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (self._like(row) for row in self._a)

    def __repr__(self):
        return repr(self._a)

    def __str__(self):
        return str(self._a)

    def __getitem__(self, index):
        return _wrap(self._a[_device_index(index, self._a.shape)], self.device_id)

    def __setitem__(self, index, value):
        if isinstance(value, np.ndarray):   # cupy copies a host value to the device
            STATS['to_device'] += 1
        self._a[_device_index(index, self._a.shape)] = _unwrap(value, strict=False)

    __add__, __radd__, __iadd__ = _binary('add'), _binary('add', True), _inplace('add')
    __sub__, __rsub__, __isub__ = _binary('subtract'), _binary('subtract', True), _inplace('subtract')
    __mul__, __rmul__, __imul__ = _binary('multiply'), _binary('multiply', True), _inplace('multiply')
    __truediv__, __rtruediv__, __itruediv__ = _binary('true_divide'), _binary('true_divide', True), \
        _inplace('true_divide')
    __floordiv__, __rfloordiv__, __ifloordiv__ = _binary('floor_divide'), _binary('floor_divide', True), \
        _inplace('floor_divide')
    __mod__, __rmod__, __imod__ = _binary('remainder'), _binary('remainder', True), _inplace('remainder')
    __pow__, __rpow__, __ipow__ = _binary('power'), _binary('power', True), _inplace('power')
    __matmul__, __rmatmul__ = _binary('matmul'), _binary('matmul', True)
    __and__, __rand__, __iand__ = _binary('bitwise_and'), _binary('bitwise_and', True), _inplace('bitwise_and')
    __or__, __ror__, __ior__ = _binary('bitwise_or'), _binary('bitwise_or', True), _inplace('bitwise_or')
    __xor__, __rxor__, __ixor__ = _binary('bitwise_xor'), _binary('bitwise_xor', True), _inplace('bitwise_xor')
    __lshift__, __rshift__ = _binary('left_shift'), _binary('right_shift')
    __lt__, __le__, __gt__, __ge__ = _binary('less'), _binary('less_equal'), _binary('greater'), \
        _binary('greater_equal')
    __eq__, __ne__ = _binary('equal'), _binary('not_equal')

    def __neg__(self):
        return FAKE.negative(self)

    def __pos__(self):
        return FAKE.positive(self)

    def __abs__(self):
        return FAKE.absolute(self)

    def __invert__(self):
        return FAKE.invert(self)


_NDARRAY_METHODS = set(CUPY_API['ndarray']) - {'get', 'set', 'astype', 'view', 'item', 'tolist', 'device',
                                               'data', 'cstruct', 'mdspan', 'toDlpack', 'scatter_add',
                                               'scatter_max', 'scatter_min', 'reduced_view'}


def _device_index(index, shape):
    """The host index for a device index: integer-array components wrap around modulo their axis's size,
    as CuPy's gather does (it checks no bounds); slices, ints, None, Ellipsis and masks pass unchanged."""
    parts = index if isinstance(index, tuple) else (index,)
    parts = _unwrap(parts, strict=False)
    if not any(isinstance(p, (np.ndarray, list)) for p in parts):
        return parts if isinstance(index, tuple) else parts[0]
    arrays = [np.asarray(p) if isinstance(p, list) else p for p in parts]
    used = sum(a.ndim if isinstance(a, np.ndarray) and a.dtype == bool else
               0 if a is None or a is Ellipsis else 1 for a in arrays)
    out, axis = [], 0
    for a in arrays:
        if a is Ellipsis:
            axis += len(shape) - used
        elif a is None:
            pass
        elif isinstance(a, np.ndarray) and a.dtype == bool:
            axis += a.ndim
        else:
            if isinstance(a, np.ndarray) and a.dtype.kind in 'iu' and axis < len(shape) and shape[axis] > 0:
                a = a % shape[axis]
            axis += 1
        out.append(a)
    return tuple(out)


def _unwrap(x, strict):
    """Device arrays -> their host memory; a host array where CuPy wants a device array -> TypeError."""
    if isinstance(x, FakeDeviceArray):
        return x._a
    if isinstance(x, np.ndarray):
        if strict:
            raise TypeError(f"Unsupported type {type(x)}")
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(i, strict) for i in x)
    return x


def _devices(values):
    ids = {v.device_id for v in values if isinstance(v, FakeDeviceArray)}
    ids.discard(Device._current)
    if ids:
        raise ValueError(f"The device where the array resides ({ids.pop()}) is different from the current device "
                         f"({Device._current}). Peer access is unavailable between these devices.")


def _flat(values):
    for v in values:
        if isinstance(v, (list, tuple)):
            yield from _flat(v)
        else:
            yield v


def _wrap(result, device_id=None):
    """Host results -> device arrays; NumPy scalars become 0-d arrays as CuPy returns them."""
    if isinstance(result, np.ndarray):
        return FakeDeviceArray(result, device_id)
    if isinstance(result, np.generic):
        return FakeDeviceArray(np.asarray(result), device_id)
    if isinstance(result, tuple):   # NumPy's named results (QRResult, ...) are plain tuples in CuPy
        return tuple(_wrap(r, device_id) for r in result)
    if isinstance(result, list):
        return [_wrap(r, device_id) for r in result]
    return result


def _check_keywords(name, kwargs, params):
    if params is not None:
        for key in kwargs:
            if key not in params:
                raise TypeError(f"{name}() got an unexpected keyword argument '{key}' (CuPy 14 has no such keyword)")


def _function(np_function, name, params):
    """A fake cupy function: device (or scalar) arguments only, run by NumPy, device results."""
    def call(*args, **kwargs):
        _check_keywords(name, kwargs, params)
        host_args = _unwrap(args, strict=True)
        host_kwargs = {k: _unwrap(v, strict=True) for k, v in kwargs.items()}
        _devices(list(_flat(args)))
        return _wrap(np_function(*host_args, **host_kwargs))
    call.__name__ = name
    return call


def _creation(np_function, name, params):
    """Factories make arrays on the current device; a device index out of range fails on first use."""
    def call(*args, **kwargs):
        _check_keywords(name, kwargs, params)
        Device()._check()
        return _wrap(np_function(*_unwrap(args, strict=True), **{k: _unwrap(v, strict=True)
                                                                   for k, v in kwargs.items()}))
    call.__name__ = name
    return call


def asarray(a, dtype=None, order=None, *, blocking=False):
    """Host data -> device (a copy); device arrays stay (cast if dtype differs)."""
    Device()._check()
    if isinstance(a, FakeDeviceArray):
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    STATS['to_device'] += 1
    return _wrap(np.array(a, dtype=dtype, order=order or 'K'))


def array(obj, dtype=None, copy=True, order='K', subok=False, ndmin=0, *, blocking=False):
    Device()._check()
    if not isinstance(obj, FakeDeviceArray):
        STATS['to_device'] += 1
    return _wrap(np.array(_unwrap(obj, strict=False), dtype=dtype, copy=copy, order=order, ndmin=ndmin))


def asnumpy(a, stream=None, order='C', out=None, *, blocking=True):
    if isinstance(a, FakeDeviceArray):
        return a.get(order=order)
    return np.asarray(a, order=order)


def copyto(dst, src, casting='same_kind', where=None):
    if isinstance(src, np.ndarray):
        if src.size != 1:
            raise ValueError('non-scalar numpy.ndarray cannot be used for copyto')
        src = src.item()
    np.copyto(_unwrap(dst, strict=True), _unwrap(src, strict=True), casting=casting,
              where=True if where is None else _unwrap(where, strict=True))


def take(a, indices, axis=None, out=None):
    """cupy.take wraps out-of-range indices (NumPy raises)."""
    host = _unwrap(indices, strict=True)
    return _wrap(np.take(_unwrap(a, strict=True), host, axis=axis, mode='wrap'))


def as_strided(x, shape=None, strides=None):
    return _wrap(np.lib.stride_tricks.as_strided(_unwrap(x, strict=True), shape, strides), x.device_id)


class ElementwiseKernel:
    """cupy.ElementwiseKernel run by NumPy: the C body is read as Python (`T x =` declarations dropped,
    `(T)` casts dropped, `c ? a : b` -> where(c, a, b), sqrt -> numpy.sqrt), over arrays of the kernel's T.
    Every argument declared `T` must have one dtype, as CuPy checks ("Type is mismatched")."""

    def __init__(self, in_params, out_params, operation, name='kernel'):
        self.inputs = [p.split() for p in in_params.split(',')]
        self.outputs = [p.split() for p in out_params.split(',')]
        body = re.sub(r'\bT (\w+) =', r'\1 =', re.sub(r'\(T\)\s*', '', operation))
        body = re.sub(r'(\w[\w ><]*?) \? ([^:;]+?) : ([^;)]+)', r'where(\1, \2, \3)', body)
        self.statements = [line.strip() for line in body.split(';') if line.strip()]
        self.name = name

    def __call__(self, *args):
        STATS['kernels'] += 1
        params = self.inputs + self.outputs
        if len(args) == len(self.inputs):   # outputs not given: allocate them like the first array input
            first = next(a for a in args if isinstance(a, FakeDeviceArray))
            args = args + tuple(FakeDeviceArray(np.zeros_like(first._a)) for _ in self.outputs)
        for value in args:
            _unwrap(value, strict=True)   # host arrays refused
        typed = [(name, a.dtype) for (kind, name), a in zip(params, args) if kind == 'T' and
                 isinstance(a, FakeDeviceArray)]
        if len({d for _, d in typed}) > 1:
            raise TypeError(f"Type is mismatched. {', '.join(f'{n}: {d}' for n, d in typed)} (kernel {self.name})")
        dtype = typed[0][1]
        names = {'where': np.where, 'sqrt': np.sqrt}
        for (kind, name), value in zip(params, args):
            names[name] = value._a.copy() if isinstance(value, FakeDeviceArray) else \
                (np.asarray(value, dtype=dtype) if kind == 'T' else value)
        for statement in self.statements:
            target, expression = statement.split('=', 1)
            target, op = (target[:-1].strip(), target[-1]) if target[-1] in '+-*/' else (target.strip(), '')
            value = eval(expression if not op else f"{target} {op} ({expression})", {}, names)
            names[target] = np.asarray(value).astype(dtype, copy=False)
        outs = args[len(self.inputs):]
        for (_, name), out in zip(self.outputs, outs):
            np.copyto(out._a, names[name])
        return outs[0] if len(outs) == 1 else outs


class _MemoryPool:
    def used_bytes(self):
        return 0

    def total_bytes(self):
        return 0

    def free_all_blocks(self):
        pass


_POOL = _MemoryPool()
_CREATION = {'zeros', 'ones', 'empty', 'full', 'arange', 'eye', 'identity', 'linspace', 'logspace', 'tri'}


class _FakeNamespace(types.ModuleType):
    """A module whose functions wrap those of a NumPy module, limited to the names CuPy has."""

    def __init__(self, name, np_module, api, extra=None):
        super().__init__(name)
        self._np_module, self._api = np_module, api
        self.__dict__.update(extra or {})

    def __getattr__(self, name):
        if name.startswith('__') or name not in self._api or not hasattr(self._np_module, name):
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        value = getattr(self._np_module, name)
        kind = self._api[name]
        if isinstance(value, np.ufunc):
            wrapped = _Ufunc(value)
        elif callable(value) and kind not in ('type', 'constant'):
            wrapped = (_creation if name in _CREATION else _function)(value, name, kind)
        else:
            wrapped = value   # dtypes, constants, exception classes, iinfo/finfo
        setattr(self, name, wrapped)
        return wrapped


class _Ufunc:
    """A cupy.ufunc: host arrays refused, device results; `at` only where CuPy has a scatter kernel."""
    KEYWORDS = ('out', 'dtype', 'casting')

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__
        self.nin, self.nout, self.nargs = ufunc.nin, ufunc.nout, ufunc.nargs

    def __call__(self, *args, **kwargs):
        _check_keywords(self.__name__, kwargs, self.KEYWORDS)
        out = kwargs.get('out')
        outs = out if isinstance(out, tuple) else () if out is None else (out,)
        host = _unwrap(args, strict=True)
        if outs:
            kwargs['out'] = tuple(_unwrap(o, strict=True) for o in outs)
        _devices(list(args) + list(outs))
        result = self._ufunc(*host, **kwargs)
        if outs:
            return outs[0] if len(outs) == 1 else outs
        return _wrap(result)

    def at(self, a, indices, b=None):
        if self.__name__ not in AT_DTYPES:
            raise NotImplementedError(f"`{self.__name__}.at` is not supported yet")
        if a.dtype.name not in AT_DTYPES[self.__name__]:
            raise TypeError(f"`{self.__name__}.at` does not support dtype {a.dtype} on CuPy 14 "
                            f"(supported: {sorted(AT_DTYPES[self.__name__])})")
        target = _unwrap(a, strict=True)
        index = _device_index(indices, target.shape)
        args = () if b is None else (_unwrap(b, strict=True),)
        self._ufunc.at(target, index, *args)

    def reduce(self, a, axis=0, dtype=None, out=None, keepdims=False):
        return _wrap(self._ufunc.reduce(_unwrap(a, True), axis=axis, dtype=dtype, keepdims=keepdims))

    def accumulate(self, a, axis=0, dtype=None, out=None):
        return _wrap(self._ufunc.accumulate(_unwrap(a, True), axis=axis, dtype=dtype))

    def outer(self, a, b, **kwargs):
        return _wrap(self._ufunc.outer(_unwrap(a, True), _unwrap(b, True), **kwargs))


def _runtime():
    def get_device_properties(i):
        Device(i)._check()
        return {'name': b'Fake CUDA device (NumPy)', 'totalGlobalMem': 0, 'multiProcessorCount': 0}
    return types.SimpleNamespace(getDeviceCount=lambda: DEVICE_COUNT, getDeviceProperties=get_device_properties,
                                 getDevice=lambda: Device._current, CUDARuntimeError=CUDARuntimeError,
                                 runtimeGetVersion=lambda: 13000, driverGetVersion=lambda: 13000)


def make_fake_cupy():
    linalg = _FakeNamespace('cupy.linalg', np.linalg, CUPY_API['cupy.linalg'])
    stride_tricks = types.SimpleNamespace(as_strided=as_strided)
    cuda = types.SimpleNamespace(Device=Device, runtime=_runtime(), CUDARuntimeError=CUDARuntimeError,
                                 is_available=lambda: DEVICE_COUNT > 0)
    return _FakeNamespace('cupy', np, CUPY_API['cupy'], dict(
        ndarray=FakeDeviceArray, asarray=asarray, array=array, asnumpy=asnumpy, copyto=copyto, take=take, cuda=cuda,
        linalg=linalg, lib=types.SimpleNamespace(stride_tricks=stride_tricks), ElementwiseKernel=ElementwiseKernel,
        get_default_memory_pool=lambda: _POOL, get_default_pinned_memory_pool=lambda: _POOL,
        __version__=CUPY_API['version']))


def _erf(x):
    """cupyx.scipy.special.erf: float16 comes back float64 (CuPy has no half-precision erf loop)."""
    host = _unwrap(x, strict=True)
    dtype = np.float64 if host.dtype in (np.float16, np.float64) or host.dtype.kind in 'iub' else host.dtype
    return _wrap(np.asarray(np.frompyfunc(math.erf, 1, 1)(host), dtype=object).astype(dtype), x.device_id)


FAKE = make_fake_cupy()
_NAMESPACES = {'numpy': FAKE, 'numpy.linalg': FAKE.linalg}


def _lookup(module, name):
    """The fake for a numpy function numpy dispatched to us (numpy.linalg.norm -> FAKE.linalg.norm)."""
    namespace = _NAMESPACES.get(module if module in _NAMESPACES else 'numpy')
    if module.startswith('numpy.lib') and name == 'as_strided':
        return as_strided
    try:
        return getattr(namespace, name)
    except AttributeError:
        return None


def install(monkeypatch):
    """Make autograd see one CUDA device served by this fake CuPy (undone by the monkeypatch)."""
    from autograd import backend
    special = types.SimpleNamespace(erf=_erf)
    monkeypatch.setattr(backend, 'cupy', FAKE)
    monkeypatch.setattr(backend, '_gpu_count', DEVICE_COUNT)
    monkeypatch.setattr(backend, '_cupy_problem', None)
    monkeypatch.setattr(backend, '_probed', True)
    monkeypatch.setitem(sys.modules, 'cupyx', types.SimpleNamespace(scipy=types.SimpleNamespace(special=special)))
    monkeypatch.setitem(sys.modules, 'cupyx.scipy', types.SimpleNamespace(special=special))
    monkeypatch.setitem(sys.modules, 'cupyx.scipy.special', special)
    Device._current = 0
    for key in STATS:
        STATS[key] = 0
    return FAKE


@pytest.fixture
def fake_cuda(monkeypatch):
    """autograd sees one CUDA device served by the NumPy-backed fake CuPy above."""
    return install(monkeypatch)


@pytest.fixture
def benchmarks(monkeypatch):
    """benchmarks/ importable; common.py's thread settings (env vars, torch threads) undone afterwards."""
    monkeypatch.syspath_prepend(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'benchmarks'))
    for var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
        monkeypatch.setenv(var, os.environ.get(var, ''))
    monkeypatch.setattr(sys, 'argv', ['benchmark'])
    import torch
    threads = torch.get_num_threads()
    import common, gpu_sweep, op_overhead   # noqa: E401
    yield common, gpu_sweep, op_overhead
    torch.set_num_threads(threads)
