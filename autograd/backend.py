"""The one place that names NumPy and CuPy: which array module holds an array, and moving arrays between devices."""
import contextlib

import numpy

CUPY_MISSING = ("CuPy is not installed. On a machine with an NVIDIA GPU, pip install 'ndgrad[cuda]' (cupy-cuda12x, "
                "for CUDA 12) or 'ndgrad[cuda13]' (cupy-cuda13x, for CUDA 13)")
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
            "wheel matches its CUDA version (cupy-cuda12x for CUDA 12, cupy-cuda13x for CUDA 13)")
except ImportError:
    cupy, _gpu_count, _cupy_problem = None, 0, CUPY_MISSING


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
    if _cupy_problem is not None:
        raise RuntimeError(f"device 'cuda' was requested but CUDA is not available: {_cupy_problem}; "
                           "or run on the CPU with device='cpu'.")


def cuda_available():
    return _cupy_problem is None


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
        return cupyx.scipy.special.erf(array)
    import math
    if array.ndim == 0:
        return array.dtype.type(math.erf(array))
    return numpy.frompyfunc(math.erf, 1, 1)(array).astype(array.dtype)
