"""A CuPy stand-in backed by NumPy, so that device='cuda' runs end to end on a machine without a GPU.

The `fake_cuda` fixture puts it in place of `autograd.backend.cupy` (and `cupyx.scipy.special`). Device
arrays are `FakeDeviceArray`, a NumPy ndarray subclass with `.device.id`; the fake module's functions run
NumPy on the host and return FakeDeviceArray. Where CuPy refuses something, so does the fake, because
that is what finds device bugs without a GPU:
- a plain NumPy array meeting a device array in a ufunc (`+`, `np.exp`, `out=`...) or in a function
  (`concatenate`, `where`, `matmul`...) raises TypeError, as CuPy does (`Unsupported type ...`);
- `copyto(device, host)` accepts only a one-element host array, as cupy.copyto;
- reductions, `a[i]` and `argmax` give 0-d device arrays, never NumPy scalars;
- numpy.* functions called on device arrays dispatch to the fake module (CuPy's __array_function__);
- a device index beyond the device count raises CUDARuntimeError; arrays remember their device.
ElementwiseKernel runs the kernels' C bodies as NumPy expressions (the subset autograd/cuda_kernels.py uses).
Known gaps (it is an ndarray subclass): `isinstance(a, numpy.ndarray)` is True and `numpy.asarray(a)`
silently gives a host view, where CuPy raises TypeError; RawKernel/ReductionKernel/fuse are absent.
"""
import math
import os
import re
import sys
import types

import numpy as np
import pytest

DEVICE_COUNT = 1
STATS = {'synchronize': 0, 'to_host': 0, 'to_device': 0, 'kernels': 0}


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


class FakeDeviceArray(np.ndarray):
    """A device array: NumPy memory on the host, but it refuses to mix with host arrays as CuPy does."""

    def __array_finalize__(self, obj):
        self.device_id = getattr(obj, 'device_id', Device._current)

    @property
    def device(self):
        return Device(self.device_id)

    def get(self, stream=None, order='C', out=None):
        STATS['to_host'] += 1
        return np.array(self.view(np.ndarray), order=order)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method == 'at' and ufunc.__name__ not in ('add', 'maximum', 'minimum'):
            raise NotImplementedError(f"`{ufunc.__name__}.at` is not supported yet")
        host_inputs = [_unwrap(x, strict=not (method == 'at' and i == 1)) for i, x in enumerate(inputs)]
        if 'out' in kwargs:
            kwargs['out'] = tuple(_unwrap(o, strict=True) for o in kwargs['out'])
        _check_same_device(inputs + tuple(kwargs.get('out', ())))
        return _wrap(getattr(ufunc, method)(*host_inputs, **kwargs))

    def __array_function__(self, func, types, args, kwargs):
        impl = _lookup(func.__module__, func.__name__)
        if impl is None:
            return NotImplemented
        return impl(*args, **kwargs)

    def __getitem__(self, index):
        return _wrap(np.ndarray.__getitem__(self.view(np.ndarray), _unwrap(index, strict=False)), self.device_id)

    def __setitem__(self, index, value):
        np.ndarray.__setitem__(self.view(np.ndarray), _unwrap(index, strict=False), _unwrap(value, strict=False))

    def argmax(self, *args, **kwargs):
        return _wrap(self.view(np.ndarray).argmax(*args, **kwargs), self.device_id)

    def argmin(self, *args, **kwargs):
        return _wrap(self.view(np.ndarray).argmin(*args, **kwargs), self.device_id)

    def nonzero(self):
        return _wrap(self.view(np.ndarray).nonzero(), self.device_id)

    # Reading values on the host waits for the GPU: count it, so tests can keep training steps free of it.
    def item(self, *args):
        STATS['to_host'] += 1
        return self.view(np.ndarray).item(*args)

    def tolist(self):
        STATS['to_host'] += 1
        return self.view(np.ndarray).tolist()

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        return bool(self.item())

    def __index__(self):
        return self.view(np.ndarray).__index__() + 0 * self.item()

    def __repr__(self):
        return repr(self.view(np.ndarray))


def _unwrap(x, strict):
    """Device arrays -> their host memory; a host array where CuPy wants a device array -> TypeError."""
    if isinstance(x, FakeDeviceArray):
        return x.view(np.ndarray)
    if isinstance(x, np.ndarray):
        if strict:
            raise TypeError(f"Unsupported type {type(x)}")
        return x
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(i, strict) for i in x)
    return x


def _check_same_device(values):
    ids = {v.device_id for v in values if isinstance(v, FakeDeviceArray)}
    ids.discard(Device._current)
    if ids:
        raise ValueError(f"The device where the array resides ({ids.pop()}) is different from the current device "
                         f"({Device._current}). Peer access is unavailable between these devices.")


def _wrap(result, device_id=None):
    """Host results -> device arrays; NumPy scalars become 0-d arrays as CuPy returns them."""
    if isinstance(result, np.ndarray):
        out = result.view(FakeDeviceArray)
    elif isinstance(result, np.generic):
        out = np.asarray(result).view(FakeDeviceArray)
    elif isinstance(result, (list, tuple)):
        return type(result)(_wrap(r, device_id) for r in result)
    else:
        return result
    out.device_id = Device._current if device_id is None else device_id
    return out


def _function(np_function, name):
    """A fake cupy function: device (or scalar) arguments only, run by NumPy, device results."""
    def call(*args, **kwargs):
        host_args = _unwrap(args, strict=True)
        host_kwargs = {k: _unwrap(v, strict=True) for k, v in kwargs.items()}
        _check_same_device([a for a in args if isinstance(a, FakeDeviceArray)])
        return _wrap(np_function(*host_args, **host_kwargs))
    call.__name__ = name
    return call


def _creation(np_function, name):
    """Factories make arrays on the current device; a device index out of range fails on first use."""
    def call(*args, **kwargs):
        Device()._check()
        return _wrap(np_function(*_unwrap(args, strict=True), **{k: _unwrap(v, strict=True)
                                                                   for k, v in kwargs.items()}))
    call.__name__ = name
    return call


def asarray(a, dtype=None, order=None, copy=None):
    """Host data -> device (a copy); device arrays stay (cast if dtype differs)."""
    Device()._check()
    if isinstance(a, FakeDeviceArray):
        return a if dtype is None or a.dtype == dtype else a.astype(dtype)
    STATS['to_device'] += 1
    return _wrap(np.array(a, dtype=dtype, order=order or 'K'))


def array(obj, dtype=None, copy=True, order='K', ndmin=0):
    Device()._check()
    if not isinstance(obj, FakeDeviceArray):
        STATS['to_device'] += 1
    return _wrap(np.array(_unwrap(obj, strict=False), dtype=dtype, copy=copy, order=order, ndmin=ndmin))


def asnumpy(a, stream=None, order='C', out=None):
    if isinstance(a, FakeDeviceArray):
        return a.get(order=order)
    return np.asarray(a, order=order)


def copyto(dst, src, casting='same_kind', where=None):
    if isinstance(src, np.ndarray) and not isinstance(src, FakeDeviceArray):
        if src.size != 1:
            raise ValueError('non-scalar numpy.ndarray cannot be used for copyto')
        src = src.item()
    np.copyto(_unwrap(dst, strict=True), _unwrap(src, strict=True), casting=casting,
              where=True if where is None else _unwrap(where, strict=True))


def as_strided(x, shape=None, strides=None):
    return _wrap(np.lib.stride_tricks.as_strided(_unwrap(x, strict=True), shape, strides), x.device_id)


class ElementwiseKernel:
    """cupy.ElementwiseKernel run by NumPy: the C body is read as Python (`T x =` declarations dropped,
    `(T)` casts dropped, `c ? a : b` -> where(c, a, b), sqrt -> numpy.sqrt), over arrays of the kernel's T.
    Enough for autograd/cuda_kernels.py, so that its wiring and formulas are checked against the array code."""

    def __init__(self, in_params, out_params, operation, name='kernel'):
        self.inputs = [p.split() for p in in_params.split(',')]
        self.outputs = [p.split() for p in out_params.split(',')]
        body = re.sub(r'\bT (\w+) =', r'\1 =', operation.replace('(T)', ''))
        body = re.sub(r'(\w[\w ><]*?) \? ([^:;]+?) : ([^;)]+)', r'where(\1, \2, \3)', body)
        self.statements = [line.strip() for line in body.split(';') if line.strip()]
        self.name = name

    def __call__(self, *args):
        STATS['kernels'] += 1
        params = self.inputs + self.outputs
        if len(args) == len(self.inputs):   # outputs not given: allocate them like the first array input
            first = next(a for a in args if isinstance(a, FakeDeviceArray))
            args = args + tuple(_wrap(np.zeros_like(_unwrap(first, True))) for _ in self.outputs)
        dtype = next(a.dtype for (kind, _), a in zip(params, args) if kind == 'T' and isinstance(a, np.ndarray))
        names = {'where': np.where, 'sqrt': np.sqrt}
        for (kind, name), value in zip(params, args):
            names[name] = _unwrap(value, strict=True).copy() if isinstance(value, np.ndarray) else \
                (np.asarray(value, dtype=dtype) if kind == 'T' else value)
        for statement in self.statements:
            target, expression = statement.split('=', 1)
            target, op = (target[:-1].strip(), target[-1]) if target[-1] in '+-*/' else (target.strip(), '')
            value = eval(expression if not op else f"{target} {op} ({expression})", {}, names)
            names[target] = np.asarray(value).astype(dtype, copy=False)
        for (_, name), out in zip(self.outputs, args[len(self.inputs):]):
            np.copyto(_unwrap(out, True), names[name])
        outs = args[len(self.inputs):]
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
_HOST_ONLY = {'frompyfunc', 'vectorize', 'errstate', 'seterr', 'geterr', 'fromiter', 'frombuffer', 'loadtxt',
              'genfromtxt'}   # NumPy names CuPy does not have: code on device arrays must not reach for them


class _FakeNamespace(types.ModuleType):
    """A module whose functions wrap those of a NumPy module (numpy, numpy.linalg, ...)."""

    def __init__(self, name, np_module, extra=None):
        super().__init__(name)
        self._np_module = np_module
        self.__dict__.update(extra or {})

    def __getattr__(self, name):
        if name.startswith('__') or name in _HOST_ONLY:
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        value = getattr(self._np_module, name)
        if isinstance(value, np.ufunc):
            wrapped = _Ufunc(value)
        elif callable(value) and not isinstance(value, type):
            wrapped = (_creation if name in _CREATION else _function)(value, name)
        else:
            wrapped = value   # dtypes, constants, exception classes, iinfo/finfo
        setattr(self, name, wrapped)
        return wrapped


class _Ufunc:
    """A cupy.ufunc: host arrays refused, device results."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__
        self.nin, self.nout = ufunc.nin, ufunc.nout

    def _run(self, method, args, kwargs):
        if not any(isinstance(a, FakeDeviceArray) for a in args):
            _unwrap(args, strict=True)   # host arrays alone: TypeError, as CuPy
            return _wrap(getattr(self._ufunc, method)(*args, **kwargs))
        return getattr(self._ufunc, method)(*args, **kwargs)   # FakeDeviceArray.__array_ufunc__ checks

    def __call__(self, *args, **kwargs):
        return self._run('__call__', args, kwargs)

    def at(self, *args):
        return self._run('at', args, {})

    def reduce(self, *args, **kwargs):
        return self._run('reduce', args, kwargs)

    def accumulate(self, *args, **kwargs):
        return self._run('accumulate', args, kwargs)

    def outer(self, *args, **kwargs):
        return self._run('outer', args, kwargs)


def _runtime():
    def get_device_properties(i):
        Device(i)._check()
        return {'name': b'Fake CUDA device (NumPy)', 'totalGlobalMem': 0, 'multiProcessorCount': 0}
    return types.SimpleNamespace(getDeviceCount=lambda: DEVICE_COUNT, getDeviceProperties=get_device_properties,
                                 getDevice=lambda: Device._current, CUDARuntimeError=CUDARuntimeError)


def make_fake_cupy():
    linalg = _FakeNamespace('cupy.linalg', np.linalg)
    stride_tricks = types.SimpleNamespace(as_strided=as_strided)
    cuda = types.SimpleNamespace(Device=Device, runtime=_runtime(), CUDARuntimeError=CUDARuntimeError,
                                 is_available=lambda: DEVICE_COUNT > 0)
    return _FakeNamespace('cupy', np, dict(
        ndarray=FakeDeviceArray, asarray=asarray, array=array, asnumpy=asnumpy, copyto=copyto, cuda=cuda,
        linalg=linalg, lib=types.SimpleNamespace(stride_tricks=stride_tricks), ElementwiseKernel=ElementwiseKernel,
        get_default_memory_pool=lambda: _POOL, get_default_pinned_memory_pool=lambda: _POOL))


def _erf(x):
    host = _unwrap(x, strict=True)
    return _wrap(np.asarray(np.frompyfunc(math.erf, 1, 1)(host), dtype=object).astype(host.dtype), x.device_id)


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


@pytest.fixture
def fake_cuda(monkeypatch):
    """autograd sees one CUDA device served by the NumPy-backed fake CuPy above."""
    from autograd import backend
    special = types.SimpleNamespace(erf=_erf)
    monkeypatch.setattr(backend, 'cupy', FAKE)
    monkeypatch.setattr(backend, '_gpu_count', DEVICE_COUNT)
    monkeypatch.setattr(backend, '_cupy_problem', None)
    monkeypatch.setitem(sys.modules, 'cupyx', types.SimpleNamespace(scipy=types.SimpleNamespace(special=special)))
    monkeypatch.setitem(sys.modules, 'cupyx.scipy', types.SimpleNamespace(special=special))
    monkeypatch.setitem(sys.modules, 'cupyx.scipy.special', special)
    Device._current = 0
    for key in STATS:
        STATS[key] = 0
    return FAKE


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
