"""The one place that names NumPy and CuPy: which array module holds an array, and moving arrays between devices.

CuPy notes that shape the code elsewhere: `numpy.errstate` does nothing on CuPy (the library uses it only to
silence NumPy's warnings, never for a result); CuPy checks no bounds for integer-array indices (they wrap), so
index ops check bounds themselves; assignment through repeated indices is undefined on CuPy, as torch's
`index_put_` without accumulate is on CUDA.
"""
import contextlib

import numpy

INSTALL = ('from the clone, pip install -e ".[cuda13]" for a CUDA 13 driver (cupy-cuda13x[ctk]) or '
           'pip install -e ".[cuda]" for CUDA 12 (cupy-cuda12x[ctk]); `nvidia-smi` shows the driver\'s CUDA version')
CUPY_MISSING = f"CuPy is not installed. On a machine with an NVIDIA GPU, {INSTALL}"
NO_DEVICE = ("CuPy found no CUDA device. Check that `nvidia-smi` lists a GPU and that CUDA_VISIBLE_DEVICES does not "
             "hide it")

try:  # CuPy is optional; without it (or without a GPU) everything runs on NumPy.
    import cupy
    try:
        _gpu_count = cupy.cuda.runtime.getDeviceCount()
        _cupy_problem = None if _gpu_count > 0 else NO_DEVICE
    except Exception as exc:  # driver missing, no device, ...
        _gpu_count, _cupy_problem = 0, (
            f"CuPy could not reach a CUDA device ({exc}). Check the NVIDIA driver (`nvidia-smi`) and that the CuPy "
            f"wheel matches its CUDA version: {INSTALL}")
except ImportError:
    cupy, _gpu_count, _cupy_problem = None, 0, CUPY_MISSING
_probed = False   # whether _probe() has run: CuPy can see a GPU and still be unable to compile or multiply


def _probe():
    """Run what training needs once: compile and launch a tiny elementwise kernel (NVRTC and the CUDA headers)
    and one matrix product (cuBLAS). CuPy 14 wheels ship none of these; without its [ctk] extra the first
    kernel of an epoch would crash. Returns None, or the problem and its fix."""
    try:
        x = cupy.arange(4, dtype=cupy.float32)
        y = cupy.ElementwiseKernel('T x', 'T y', 'y = x * (T)2', 'autograd_probe')(x)
        float((y.reshape(2, 2) @ x.reshape(2, 2)).sum())
        return None
    except Exception as exc:
        return (f"CuPy sees {_gpu_count} GPU(s) but cannot run kernels on it ({type(exc).__name__}: {exc}). CuPy 14 "
                f"wheels need NVRTC, cuBLAS and the CUDA headers from CuPy's [ctk] extra: {INSTALL}")


def _check():
    global _probed, _cupy_problem
    if _cupy_problem is None and not _probed:
        _probed = True
        _cupy_problem = _probe()
    return _cupy_problem


class device:
    """Where a tensor lives: device('cpu'), device('cuda:0'), device('cuda', 1)."""
    __slots__ = ('type', 'index')

    def __init__(self, type, index=None):
        if isinstance(type, device):
            type, index = type.type, type.index
        elif isinstance(type, int):
            type, index = 'cuda', type
        elif ':' in type:
            type, idx = type.split(':')
            index = int(idx)
        if type not in ('cpu', 'cuda'):
            raise RuntimeError(f"Expected one of cpu, cuda device type at start of device string: {type}")
        self.type, self.index = type, index

    def __eq__(self, other):
        if isinstance(other, (str, int)):
            other = device(other)
        return isinstance(other, device) and self.type == other.type and \
            (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))

    def __repr__(self):
        return f"device(type='{self.type}')" if self.index is None else \
            f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"


CPU = device('cpu')


default_device = None   # torch.set_default_device: where factories put tensors when given no device


def array_module(array):
    """numpy for host arrays, cupy for device arrays."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        return cupy
    return numpy


def device_of(array):
    if cupy is not None and isinstance(array, cupy.ndarray):
        return device('cuda', array.device.id)
    return CPU


def module_for(dev):
    """The array module for a device, checking that CUDA can be used."""
    if dev is None or dev.type == 'cpu':
        return numpy
    require_cuda()
    return cupy


def device_guard(dev):
    """`with device_guard(dev):` makes CuPy allocate on dev's GPU (cuda:1 means GPU 1, not the current one)."""
    if dev is None or dev.type == 'cpu':
        return contextlib.nullcontext()
    require_cuda()
    return cupy.cuda.Device(dev.index or 0)


def require_cuda():
    if _check() is not None:
        raise RuntimeError(f"device 'cuda' was requested but CUDA is not available: {_cupy_problem}; "
                           "or run on the CPU with device='cpu'.")


def cuda_available():
    """Whether CUDA can really be used: a GPU is visible and CuPy compiled and ran a kernel and a matmul on it."""
    return _check() is None


def gpu_count():
    return _gpu_count


def to_device(array, dev):
    """Copy array to dev (a device); no copy when it is already there."""
    if dev.type == 'cpu':
        if cupy is not None and isinstance(array, cupy.ndarray):
            return cupy.asnumpy(array)
        return array
    require_cuda()
    index = dev.index or 0
    if isinstance(array, cupy.ndarray) and array.device.id == index:
        return array
    with cupy.cuda.Device(index):
        return cupy.asarray(array)


def to_host(array):
    return cupy.asnumpy(array) if cupy is not None and isinstance(array, cupy.ndarray) else array


def erf(array):
    """Elementwise erf: cupyx on the GPU; NumPy has none, so the host maps math.erf (exact, slower)."""
    if cupy is not None and isinstance(array, cupy.ndarray):
        import cupyx.scipy.special
        return cupyx.scipy.special.erf(array).astype(array.dtype, copy=False)   # float16 comes back float64
    import math
    if array.ndim == 0:
        return array.dtype.type(math.erf(array))
    return numpy.frompyfunc(math.erf, 1, 1)(array).astype(array.dtype)


# CuPy 14's scatter-add kernel (ufunc.at) takes only these dtypes (13 lacks int64); NumPy takes all.
SCATTER_ADD_DTYPES = frozenset(['int32', 'int64', 'uint32', 'uint64', 'float16', 'float32', 'float64'])


def add_at(out, index, values):
    """out[index] += values in place, repeated indices summed (numpy.add.at). On CuPy a dtype its scatter-add
    lacks (bool, int8/16, uint8/16) is summed in int64 and cast back, which wraps as NumPy's own sum does."""
    if cupy is None or not isinstance(out, cupy.ndarray) or out.dtype.name in SCATTER_ADD_DTYPES:
        array_module(out).add.at(out, index, values)
        return
    wide = out.astype(cupy.int64)
    cupy.add.at(wide, index, values.astype(cupy.int64) if hasattr(values, 'astype') else values)
    out[...] = wide.astype(out.dtype) if out.dtype != bool else wide != 0


def check_index_bounds(index, size, dim, error=IndexError, host=False, negative=True, message=None):
    """Raise error (torch's text) for an integer index array outside [-size, size). On a GPU always: CuPy checks
    no bounds (out-of-range indices wrap around), at the cost of one device->host wait where torch checks too;
    on the host only when asked (host=True), since NumPy raises there by itself.
    negative: whether -size..-1 count from the end (getitem) or are out of range (gather/scatter).
    message: torch's text where the op has its own (index_select: "index out of range in self")."""
    on_device = cupy is not None and isinstance(index, cupy.ndarray)
    if not (on_device or host) or index.dtype.kind not in 'iu' or not index.size:
        return
    low, high = int(index.min()), int(index.max())
    if high >= size or low < (-size if negative else 0):
        raise error(message or f"index {high if high >= size else low} is out of bounds for dimension {dim} "
                    f"with size {size}")
