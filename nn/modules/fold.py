"""torch.nn.modules.fold: fold classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'Fold', 'Unfold'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
