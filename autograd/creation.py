"""Factories: tensor(), from_numpy, as_tensor, zeros/ones/full/empty/eye/arange/linspace and *_like."""
import builtins
import math
import numbers

import numpy as np

from . import backend, dtypes
from .tensor import Tensor, wrap, _shape_arg


def _device(device):
    return backend.device(device) if device is not None else backend.default_device or backend.CPU


def _finish(array, device, requires_grad):
    device = device if device is not None else backend.default_device   # set_default_device
    array = backend.to_device(array, _device(device)) if device is not None else array
    t = wrap(array)
    if requires_grad:
        _require_grad(t)
    return t


def _require_grad(t):
    """requires_grad=True at creation: torch's factory message differs from requires_grad_()'s."""
    if t.array.dtype.kind not in 'fc':
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    t.requires_grad = True


_INT64, _BOOL = np.dtype(np.int64), np.dtype(np.bool_)


def _infer_dtype(data):
    """torch's inference over nested data: Python floats take the default dtype, ints int64, bools bool; NumPy
    scalars and arrays and tensors inside keep their own dtype; all of it is promoted together."""
    kind = type(data)
    if kind is float:
        return dtypes.default_float.numpy_dtype
    if kind is int:
        return _INT64
    if kind is builtins.bool:
        return _BOOL
    if kind is complex:
        return np.dtype(np.complex128 if dtypes.default_float is dtypes.float64 else np.complex64)
    if kind is list or kind is tuple:
        result = None
        for item in data:
            dt = _infer_dtype(item)
            result = dt if result is None or result == dt else dtypes.promote_types(result, dt)
        return dtypes.default_float.numpy_dtype if result is None else result
    if isinstance(data, Tensor):
        return data.array.dtype
    if isinstance(data, (np.ndarray, np.generic)):
        return dtypes.from_numpy(data.dtype).numpy_dtype
    if isinstance(data, str):
        raise TypeError("new(): invalid data type 'str'")
    raise RuntimeError(f"Could not infer dtype of {type(data).__name__}")


def _ragged_error(data, dim=0, sizes=None):
    """torch's error for nested lists that do not form a box: the first length that differs from the first
    element's at that depth."""
    if sizes is None:
        sizes, probe = [], data
        while isinstance(probe, (list, tuple)):
            sizes.append(len(probe))
            probe = probe[0] if probe else None
    if dim == len(sizes):
        return TypeError(f"'{type(data).__name__}' object cannot be interpreted as an integer") \
            if isinstance(data, (list, tuple)) else None
    if not isinstance(data, (list, tuple)):
        return TypeError("not a sequence")
    if len(data) != sizes[dim]:
        return ValueError(f"expected sequence of length {sizes[dim]} at dim {dim} (got {len(data)})")
    for item in data:
        error = _ragged_error(item, dim + 1, sizes)
        if error is not None:
            return error
    return None


def _check_range(arr, target):
    """torch refuses Python values an integer dtype cannot hold (negative ints wrap into unsigned types)."""
    info = np.iinfo(target)
    low, high = arr.min(), arr.max()
    if arr.dtype.kind == 'f':
        bad = np.isnan(high) or np.isnan(low) or low < info.min or high > info.max
    else:
        bad = high > info.max or low < (info.min if info.min < 0 else -info.max)
    if bad:
        raise RuntimeError(f"value cannot be converted to type {dtypes.from_numpy(target).name} without overflow")


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor holding a copy of data (numbers, nested lists, arrays or tensors)."""
    if isinstance(data, Tensor):
        arr = data.array.copy()
        if dtype is not None:
            arr = arr.astype(dtypes.to_numpy(dtype))
        if device is None:
            return _finish(arr, None, requires_grad)
        return _finish(backend.to_host(arr), device, requires_grad)
    inferred = _infer_dtype(data)
    try:
        arr = np.array(data)   # tensors inside convert through __array__
    except ValueError as error:
        raise (_ragged_error(data) or error) from None
    if arr.dtype == object or arr.dtype == np.uint64 and inferred == _INT64:
        raise _ragged_error(data) or ValueError("Overflow when unpacking long long")   # an int beyond int64
    target = dtypes.to_numpy(dtype) if dtype is not None else inferred
    from_python = not isinstance(data, (np.ndarray, np.generic))
    if from_python and target.kind in 'iu' and arr.dtype.kind in 'iuf' and arr.size:
        _check_range(arr, target)
    if arr.dtype != target:
        with np.errstate(over='ignore'):   # 1e40 -> float32 is inf, silently, as in torch
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
    dev = _device(device)
    xp = backend.module_for(dev)
    if xp is np:
        t = wrap(fill(xp, shape, np_dtype))
    else:
        with backend.device_guard(dev):
            t = wrap(fill(xp, shape, np_dtype))
    if requires_grad:
        _require_grad(t)
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
    device = t.device if device is None else device   # device=0 means cuda:0, not "unset"
    return fn(*args, t.shape, dtype=dtype or t.dtype, device=device, requires_grad=requires_grad)


def zeros_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return zeros(t.shape, dtype=dtype or t.dtype, device=t.device if device is None else device,
                 requires_grad=requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return ones(t.shape, dtype=dtype or t.dtype, device=t.device if device is None else device,
                requires_grad=requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False, memory_format=None):
    return zeros_like(t, dtype, device, requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False, memory_format=None):
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=t.device if device is None else device,
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
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
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
