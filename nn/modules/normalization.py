"""torch.nn.modules.normalization: normalization classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'LocalResponseNorm', 'CrossMapLRN2d', 'LayerNorm', 'GroupNorm', 'RMSNorm'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
