"""torch.nn.modules.linear: linear classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'Identity', 'Linear', 'NonDynamicallyQuantizableLinear', 'Bilinear', 'LazyLinear'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
