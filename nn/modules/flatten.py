"""torch.nn.modules.flatten: flatten classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'Flatten', 'Unflatten'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
