"""What the names in a torch checkpoint's pickle stand for here: storage classes, dtypes and the
torch._utils rebuild functions, each written for NumPy-backed tensors.

A storage is a flat 1-D NumPy array (`Storage.array`); a tensor is an as_strided view of it, so tensors
that shared a storage in torch share memory here too. NumPy has no bfloat16: such storages are widened to
float32 on load (exactly: bfloat16 is the top half of a float32), with a warning.
"""
import warnings

import numpy as np

from .. import dtypes

# torch dtype name -> (legacy storage class name, NumPy dtype of the bytes on disk, little-endian)
STORAGE_DTYPES = {
    'float64': ('DoubleStorage', '<f8'), 'float32': ('FloatStorage', '<f4'), 'float16': ('HalfStorage', '<f2'),
    'int64': ('LongStorage', '<i8'), 'int32': ('IntStorage', '<i4'), 'int16': ('ShortStorage', '<i2'),
    'int8': ('CharStorage', 'i1'), 'uint8': ('ByteStorage', 'u1'), 'bool': ('BoolStorage', '?'),
    'bfloat16': ('BFloat16Storage', '<u2'), 'complex128': ('ComplexDoubleStorage', '<c16'),
    'complex64': ('ComplexFloatStorage', '<c8'),
}
STORAGE_BY_DTYPE = {name: cls for name, (cls, _) in STORAGE_DTYPES.items()}


class StorageType:
    """Stands for torch.FloatStorage & co. in a pickle: only its dtype name matters."""

    def __init__(self, name, dtype_name):
        self.name, self.dtype_name = name, dtype_name

    def __repr__(self):
        return f"StorageType(dtype=torch.{self.dtype_name})"


class ForeignDtype:
    """A torch dtype this library has no tensor for (bfloat16, uint16, float8_*): it loads as a value, and a
    tensor of it is refused (or widened, for bfloat16) when it is rebuilt."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


STORAGE_GLOBALS = {f'torch.{cls}': StorageType(cls, name) for name, (cls, _) in STORAGE_DTYPES.items()}
STORAGE_GLOBALS['torch.storage.UntypedStorage'] = StorageType('UntypedStorage', 'uint8')
STORAGE_GLOBALS['torch.UntypedStorage'] = STORAGE_GLOBALS['torch.storage.UntypedStorage']

_OURS = {d.name: d for d in dtypes.ALL}
_FOREIGN = ['bfloat16', 'uint16', 'uint32', 'uint64', 'complex32', 'float8_e4m3fn', 'float8_e5m2',
            'float8_e4m3fnuz', 'float8_e5m2fnuz', 'float8_e8m0fnu', 'qint8', 'quint8', 'qint32']
DTYPE_GLOBALS = {f'torch.{n}': _OURS.get(n) or ForeignDtype(n) for n in list(_OURS) + _FOREIGN}


class Storage:
    """One loaded storage: its flat host array, where it was saved, and how to place tensors built on it."""

    def __init__(self, array, dtype_name, location, place):
        self.array, self.dtype_name, self.location, self.place = array, dtype_name, location, place


def storage_array(raw, dtype_name, key, warn, big=False):
    """The flat array of a storage from its raw bytes (a buffer or a memmap; little-endian unless big)."""
    if dtype_name not in STORAGE_DTYPES:
        raise RuntimeError(f"autograd.load: storage {key} holds torch.{dtype_name}, which NumPy and this library "
                           "cannot represent")
    array = raw.view(np.dtype(STORAGE_DTYPES[dtype_name][1]).newbyteorder('>' if big else '<'))
    if dtype_name == 'bfloat16':
        warn()
        array = (array.astype(np.uint32) << 16).view(np.float32)
    elif not array.dtype.isnative:   # a big-endian file, or a big-endian host
        array = array.astype(array.dtype.newbyteorder('='))
    return array


def _strided(storage, offset, size, stride, dtype_name=None):
    """The tensor over storage[offset:] with torch's (element) strides."""
    from ..tensor import wrap
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    flat = storage.array
    if dtype_name is not None and dtype_name != storage.dtype_name:   # v3: an untyped (byte) storage
        if dtype_name not in STORAGE_DTYPES:
            raise RuntimeError(f"autograd.load: a tensor of torch.{dtype_name} cannot be represented")
        flat = storage_array(flat.view(np.uint8), dtype_name, '?', lambda: None)
    if len(size) != len(stride) or any(s < 0 for s in size) or any(s < 0 for s in stride) or offset < 0:
        raise RuntimeError(f"autograd.load: corrupt tensor metadata (size {list(size)}, stride {list(stride)}, "
                           f"offset {offset})")
    if 0 in size:
        array = np.empty(size, dtype=flat.dtype)
    else:
        last = offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= flat.shape[0]:
            raise RuntimeError(f"autograd.load: a tensor of size {list(size)}, stride {list(stride)} at offset "
                               f"{offset} reaches element {last} of a storage of {flat.shape[0]} elements: "
                               "the file is corrupt")
        item = flat.dtype.itemsize
        array = np.lib.stride_tricks.as_strided(flat[offset:], size, tuple(s * item for s in stride))
    return storage.place(wrap(array))


def _set_requires_grad(t, requires_grad):
    t.requires_grad = bool(requires_grad) and t.array.dtype.kind in 'fc'
    return t


def _rebuild_tensor(storage, storage_offset, size, stride):
    return _strided(storage, storage_offset, size, stride)


def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks, metadata=None):
    return _set_requires_grad(_strided(storage, storage_offset, size, stride), requires_grad)


def _rebuild_tensor_v3(storage, storage_offset, size, stride, requires_grad, backward_hooks, dtype,
                       metadata=None):
    name = dtype.name
    return _set_requires_grad(_strided(storage, storage_offset, size, stride, name), requires_grad)


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from nn.parameter import Parameter
    return Parameter(data, bool(requires_grad) and data.array.dtype.kind in 'fc')


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    p = _rebuild_parameter(data, requires_grad, backward_hooks)
    if isinstance(state, dict):
        p.__dict__.update(state)
    return p


def _rebuild_device_tensor_from_cpu_tensor(data, dtype, device, requires_grad):
    return _set_requires_grad(data.to(device), requires_grad)


def _rebuild_from_type_v2(func, new_type, args, state):
    from ..tensor import Tensor
    if new_type is not Tensor:
        raise RuntimeError(f"autograd.load: tensor subclass {new_type} is not supported")
    result = func(*args)
    if isinstance(state, dict):
        result.__dict__.update(state)
    return result


def _get_layout(name):
    if name != 'torch.strided':
        raise RuntimeError(f"autograd.load: {name} tensors are not supported; only torch.strided (dense)")
    return name


def _unsupported(kind):
    def rebuild(*args, **kwargs):
        raise RuntimeError(f"autograd.load: the file holds {kind} tensors, which this library does not have; "
                           "convert them to dense tensors with torch before saving")
    return rebuild


REBUILD_GLOBALS = {
    'torch._utils._rebuild_tensor': _rebuild_tensor,
    'torch._utils._rebuild_tensor_v2': _rebuild_tensor_v2,
    'torch._utils._rebuild_tensor_v3': _rebuild_tensor_v3,
    'torch._utils._rebuild_parameter': _rebuild_parameter,
    'torch._utils._rebuild_parameter_with_state': _rebuild_parameter_with_state,
    'torch._utils._rebuild_device_tensor_from_cpu_tensor': _rebuild_device_tensor_from_cpu_tensor,
    'torch._tensor._rebuild_from_type_v2': _rebuild_from_type_v2,
    'torch._utils._rebuild_qtensor': _unsupported('quantized'),
    'torch._utils._rebuild_sparse_tensor': _unsupported('sparse'),
    'torch._utils._rebuild_meta_tensor_no_storage': _unsupported('meta'),
    'torch._utils._rebuild_nested_tensor': _unsupported('nested'),
    'torch._utils._rebuild_wrapper_subclass': _unsupported('wrapper-subclass'),
    'torch._utils._rebuild_device_tensor_from_numpy': _unsupported('NumPy-backed device'),
}


def bfloat16_warning(name):
    warnings.warn(f"autograd.load: {name} holds bfloat16 tensors; NumPy has no bfloat16, so they are loaded "
                  "as float32 (exactly the same values)", UserWarning, stacklevel=4)
