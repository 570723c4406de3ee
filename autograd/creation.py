"""Factories: tensor(), from_numpy, as_tensor, zeros/ones/full/empty/eye/arange/linspace and *_like."""
import builtins
import math
import numbers

import numpy as np

from . import backend, dtypes
from .tensor import Tensor, wrap, _shape_arg


def _device(device):
    return backend.device(device) if device is not None else backend.CPU


def _finish(array, device, requires_grad):
    array = backend.to_device(array, _device(device)) if device is not None else array
    t = wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _plain(data):
    """Nested sequences with tensors replaced by their values."""
    if isinstance(data, Tensor):
        return backend.to_host(data.array)
    if isinstance(data, (list, tuple)):
        return [_plain(d) for d in data]
    return data


def _infer_dtype(arr, data):
    """torch's inference: Python floats -> default float, ints -> int64, bools -> bool."""
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        return dtypes.from_numpy(arr.dtype).numpy_dtype
    kind = arr.dtype.kind
    if kind == 'f':
        return dtypes.default_float.numpy_dtype if not _has_float64(data) else np.dtype(np.float64)
    if kind in 'iu':
        return np.dtype(np.int64)
    if kind == 'c':
        return np.dtype(np.complex64)
    if kind == 'b':
        return np.dtype(np.bool_)
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _has_float64(data):
    """Tensors of float64 inside a list keep float64; Python floats do not."""
    if isinstance(data, Tensor):
        return data.array.dtype == np.float64
    if isinstance(data, (list, tuple)):
        return builtins.any(_has_float64(d) for d in data)
    return False


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of data (numbers, nested lists, arrays or tensors)."""
    if isinstance(data, Tensor):
        arr = data.array.copy()
        if dtype is not None:
            arr = arr.astype(dtypes.to_numpy(dtype))
        if device is None:
            return _finish(arr, None, requires_grad)
        return _finish(backend.to_host(arr), device, requires_grad)
    try:
        arr = np.array(_plain(data))
    except ValueError as e:
        raise ValueError(f"expected sequence of equal-length lists to make a tensor: {e}") from None
    if arr.dtype == object:
        raise TypeError(f"tensor(): could not convert {type(data).__name__} of mixed or ragged values to a tensor")
    if arr.dtype.kind in 'US':
        raise TypeError(f"new(): invalid data type '{arr.dtype.kind == 'U' and 'str'}'")
    target = dtypes.to_numpy(dtype) if dtype is not None else _infer_dtype(arr, data)
    if arr.dtype != target:
        arr = arr.astype(target)
    return _finish(arr, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    """Shares memory with a NumPy array or tensor when dtype and device allow, else copies."""
    if isinstance(data, Tensor):
        out = data
        if dtype is not None:
            out = out.to(dtypes.from_numpy(dtypes.to_numpy(dtype)))
        return out.to(device) if device is not None else out
    if isinstance(data, np.ndarray):
        t = from_numpy(data)
        return as_tensor(t, dtype, device)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy(array.dtype)  # raises for unsupported dtypes
    return wrap(array)


asarray = as_tensor


def _factory(fill, size, dtype, device, requires_grad, default=None):
    shape = _shape_arg(size)
    np_dtype = dtypes.to_numpy(dtype) if dtype is not None else (default or dtypes.default_float.numpy_dtype)
    xp = backend.module_for(_device(device))
    t = wrap(fill(xp, shape, np_dtype))
    if requires_grad:
        t.requires_grad_(True)
    return t


def zeros(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _factory(lambda xp, s, d: xp.zeros(s, d), size, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, out=None):
    return _factory(lambda xp, s, d: xp.ones(s, d), size, dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, memory_format=None):
    return zeros(*size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if isinstance(fill_value, Tensor):
        fill_value = fill_value.item()
    default = dtypes.scalar_dtype(fill_value)
    return _factory(lambda xp, s, d: xp.full(s, fill_value, d), (size,) if isinstance(size, int) else size,
                    dtype, device, requires_grad, default)


def _like(fn, t, dtype, device, requires_grad, *args):
    return fn(*args, t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad) \
        if args else fn(t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def zeros_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return zeros(t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return ones(t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return zeros_like(t, dtype, device, requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=device or t.device,
                requires_grad=requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _factory(lambda xp, s, d: xp.eye(n, m if m is not None else n, dtype=d), (), dtype, device,
                    requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    if step == 0:
        raise RuntimeError("step must be nonzero")
    start, end, step = values
    if (end - start) * step < 0:
        raise RuntimeError(f"upper bound and larger bound inconsistent with step sign")
    integral = builtins.all(isinstance(v, numbers.Integral) for v in values)
    default = np.dtype(np.int64) if integral else dtypes.default_float.numpy_dtype
    n = builtins.max(math.ceil((end - start) / step), 0)
    # computed in float64 (torch's accumulate type) and cast, so float32 results match torch's
    return _factory(lambda xp, s, d: (start + step * xp.arange(n, dtype=np.float64)).astype(d)
                    if not integral else (start + step * xp.arange(n, dtype=np.int64)).astype(d),
                    (), dtype, device, requires_grad, default)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    def fill(xp, s, d):
        if steps == 1:
            return xp.full((1,), start, dtype=d)
        step = (end - start) / (steps - 1)
        i = xp.arange(steps, dtype=np.float64)
        half = steps // 2
        out = xp.where(i < half, start + step * i, end - step * (steps - 1 - i))
        return out.astype(d)
    return _factory(fill, (), dtype, device, requires_grad)


def logspace(start, end, steps, base=10.0, dtype=None, device=None, requires_grad=False):
    exps = linspace(start, end, steps, dtype=dtypes.float64, device=device)
    return _factory(lambda xp, s, d: (base ** exps.array).astype(d), (), dtype, device, requires_grad)


def LongTensor(*data):
    return _legacy(data, dtypes.int64)


def FloatTensor(*data):
    return _legacy(data, dtypes.float32)


def DoubleTensor(*data):
    return _legacy(data, dtypes.float64)


def IntTensor(*data):
    return _legacy(data, dtypes.int32)


def BoolTensor(*data):
    return _legacy(data, dtypes.bool)


def ByteTensor(*data):
    return _legacy(data, dtypes.uint8)


def _legacy(data, dtype):
    """torch.FloatTensor([1, 2]) copies data; torch.FloatTensor(2, 3) allocates that shape."""
    if len(data) == 1 and not isinstance(data[0], numbers.Integral):
        return tensor(data[0], dtype=dtype)
    return zeros(*data, dtype=dtype)
