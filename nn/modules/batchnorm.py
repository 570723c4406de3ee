"""torch.nn.modules.batchnorm: batchnorm classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'BatchNorm1d', 'LazyBatchNorm1d', 'BatchNorm2d', 'LazyBatchNorm2d', 'BatchNorm3d', 'LazyBatchNorm3d',
    'SyncBatchNorm'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
