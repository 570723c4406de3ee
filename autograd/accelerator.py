"""torch.accelerator: the one accelerator this library can drive is CUDA (through CuPy); pytorch/examples
pick their device with `torch.accelerator.current_accelerator() if torch.accelerator.is_available() else cpu`."""
from . import backend


def is_available():
    return backend.cuda_available()


def current_accelerator(check_available=False):
    """device('cuda') when a GPU can be used, else None (torch's answer on a CPU-only build)."""
    return backend.device('cuda') if backend.cuda_available() else None


def device_count():
    return backend.gpu_count() if backend.cuda_available() else 0


def current_device_index():
    if not backend.cuda_available():
        return -1
    return backend.cupy.cuda.Device().id


current_device_idx = current_device_index


def set_device_index(device):
    from . import cuda
    cuda.set_device(device)


set_device_idx = set_device_index


def synchronize(device=None):
    if backend.cuda_available():
        backend.cupy.cuda.Device().synchronize()


def set_default_device(device):
    """Where factory functions (tensor, zeros, rand, ...) put tensors given no device; None resets to CPU."""
    backend.default_device = backend.device(device) if device is not None else None
    if backend.default_device is not None and backend.default_device.type != 'cpu':
        backend.require_cuda()


def get_default_device():
    return backend.default_device or backend.CPU
