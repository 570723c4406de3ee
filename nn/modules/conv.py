"""torch.nn.modules.conv: conv classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'Conv1d', 'Conv2d', 'Conv3d', 'ConvTranspose1d', 'ConvTranspose2d', 'ConvTranspose3d', 'LazyConv1d',
    'LazyConv2d', 'LazyConv3d', 'LazyConvTranspose1d', 'LazyConvTranspose2d', 'LazyConvTranspose3d'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
