"""torch.nn.modules.instancenorm: instancenorm classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'InstanceNorm1d', 'LazyInstanceNorm1d', 'InstanceNorm2d', 'LazyInstanceNorm2d', 'InstanceNorm3d',
    'LazyInstanceNorm3d'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
