"""torch.multiprocessing: Python's multiprocessing, with tensors that share memory between processes.

Everything of the standard module is here under its own name (Process, Queue, Pool, set_start_method,
get_context, ...). What torch adds, and this module gives the same way:
- Tensor.share_memory_() moves the tensor's data into shared memory (a file in /dev/shm, or the temp
  folder where there is none) and returns the tensor; Tensor.is_shared() tells whether it is there.
  Module.share_memory() does it for every parameter and buffer (pytorch/examples mnist_hogwild).
- A shared tensor (or Parameter) sent to another process -- a spawned Process's arguments, a Queue --
  arrives there mapped onto the same memory, so in-place updates (optimizer.step) in either process are
  seen by both (Hogwild).

Limits: torch also moves an *unshared* CPU tensor into shared memory when it is sent; here it is sent as
a copy. A file per tensor would make every DataLoader worker batch a /dev/shm file whose lifetime
neither process can own (torch refcounts its segments); call share_memory_() where sharing is meant.
Host (NumPy) tensors only -- share_memory_ on a CUDA tensor raises RuntimeError saying so; it gives
the tensor a new storage, so views taken of it *before* the call keep the old memory (torch moves the
storage in place; modules' parameters, the use here, have no such views). The creating process removes
the files when it exits, so it must outlive its children (join them), as torch's file_system strategy
asks too.
"""
import atexit
import multiprocessing
import multiprocessing.reduction
import os
import tempfile
from multiprocessing import *  # noqa: F401,F403  (torch.multiprocessing re-exports the whole module)

import numpy as np

from . import backend
from .tensor import Tensor, wrap

__all__ = list(multiprocessing.__all__) + ['get_sharing_strategy', 'set_sharing_strategy',
                                           'get_all_sharing_strategies']

_FILES = {}   # id of a shared memmap's root buffer -> (path, the memmap kept alive)


def get_all_sharing_strategies():
    return {'file_system'}


def get_sharing_strategy():
    return 'file_system'


def set_sharing_strategy(new_strategy):
    if new_strategy not in get_all_sharing_strategies():
        raise ValueError(f"Unknown sharing strategy {new_strategy!r}; this build has 'file_system' only")


def _segment(array):
    """(the shared np.memmap `array` was taken from, its file), walking the .base chain; (None, None) if none."""
    while isinstance(array, np.ndarray):
        entry = _FILES.get(id(array))
        if entry is not None and entry[1] is array:
            return array, entry[0]
        array = array.base
    return None, None


def _remove(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def share_memory_(self):
    """Tensor.share_memory_(): move this tensor's data into shared memory (no-op when already there)."""
    if backend.device_of(self.array).type != 'cpu':
        raise RuntimeError("share_memory_: CUDA tensors are shared by the CUDA IPC of torch; this build shares "
                           "host tensors only. Move the tensor with .cpu() first.")
    if self.is_shared():
        return self
    folder = '/dev/shm' if os.path.isdir('/dev/shm') else None
    fd, path = tempfile.mkstemp(prefix='autograd_shm_', dir=folder)
    os.close(fd)
    array = np.ascontiguousarray(self.array)
    mapped = np.memmap(path, dtype=array.dtype, mode='w+', shape=(max(array.size, 1),))
    view = mapped[:array.size].reshape(array.shape)
    view[...] = array
    _FILES[id(mapped)] = (path, mapped)
    atexit.register(_remove, path)
    self.array = view
    return self


def is_shared(self):
    """Tensor.is_shared(): True when the data lies in memory share_memory_ (here or in a parent) mapped."""
    return _segment(self.array)[0] is not None


def _attach(path, dtype, size, offset, shape, strides):
    """The array at `path` as the sending process laid it out (mapped once per process and file)."""
    for root_path, mapped in _FILES.values():
        if root_path == path:
            break
    else:
        mapped = np.memmap(path, dtype=dtype, mode='r+', shape=(size,))
        _FILES[id(mapped)] = (path, mapped)
    return np.ndarray(shape, dtype=mapped.dtype, buffer=mapped, offset=offset * mapped.itemsize, strides=strides)


def _rebuild_shared(path, dtype, size, offset, shape, strides, requires_grad, parameter):
    array = _attach(path, dtype, size, offset, shape, strides)
    if parameter:
        from autograd.nn.parameter import Parameter
        return Parameter(wrap(array), requires_grad)
    t = wrap(array)
    t.requires_grad = requires_grad
    return t


def _reduce_tensor(t):
    root, path = _segment(t.array)
    if root is None:
        return t.__reduce_ex__(2)     # not shared: sent as a copy (torch would move it to shared memory)
    offset = (t.array.__array_interface__['data'][0] - root.__array_interface__['data'][0]) // root.itemsize
    from autograd.nn.parameter import Parameter
    return (_rebuild_shared, (path, root.dtype.str, root.size, offset, t.array.shape, t.array.strides,
                              t.requires_grad, isinstance(t, Parameter)))


def _share_module(self):
    """Module.share_memory(): share_memory_() on every parameter and buffer; returns the module."""
    for t in list(self.parameters()) + list(self.buffers()):
        t.share_memory_()
    return self


def install_nn(module_cls, parameter_cls):
    """Called by autograd.nn on import: Module.share_memory, and Parameters sent as shared tensors too
    (multiprocessing's pickler looks its reducers up by exact type)."""
    module_cls.share_memory = _share_module
    multiprocessing.reduction.ForkingPickler.register(parameter_cls, _reduce_tensor)


# imported by autograd/__init__.py, as torch imports torch.multiprocessing, so stdlib multiprocessing
# sends shared tensors too
Tensor.share_memory_ = share_memory_
Tensor.is_shared = is_shared
multiprocessing.reduction.ForkingPickler.register(Tensor, _reduce_tensor)
