"""torch.utils: `autograd.utils.data` holds datasets, samplers and the DataLoader. The other submodules load on
first use (`autograd.utils.viz`, `.safetensors`, `.allocator`), so their optional packages are imported only
by programs that use them."""
import importlib

from . import data

__all__ = ['data', 'allocator', 'safetensors', 'viz']
_LAZY = ('allocator', 'safetensors', 'viz')


def __getattr__(name):
    if name in _LAZY:
        return importlib.import_module(f'{__name__}.{name}')
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
