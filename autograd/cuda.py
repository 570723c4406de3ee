"""autograd.cuda: whether a CUDA device can be used (through CuPy), and its housekeeping calls."""
from . import backend


def is_available():
    return backend.cuda_available()


def device_count():
    return backend.gpu_count()


def _cupy():
    backend.require_cuda()
    return backend.cupy


def current_device():
    return _cupy().cuda.Device().id


def set_device(device):
    _cupy().cuda.Device(backend.device(device).index or 0 if not isinstance(device, int) else device).use()


def synchronize(device=None):
    _cupy().cuda.Device().synchronize()


def manual_seed(seed):
    from .random import manual_seed as seed_all
    seed_all(seed)


manual_seed_all = manual_seed


def memory_allocated(device=None):
    return _cupy().get_default_memory_pool().used_bytes()


def max_memory_allocated(device=None):
    return _cupy().get_default_memory_pool().total_bytes()


def empty_cache():
    if is_available():
        backend.cupy.get_default_memory_pool().free_all_blocks()


def get_device_name(device=None):
    props = _cupy().cuda.runtime.getDeviceProperties(current_device() if device is None else
                                                      backend.device(device).index or 0)
    return props['name'].decode()
