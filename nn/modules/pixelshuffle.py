"""torch.nn.modules.pixelshuffle: pixelshuffle classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'PixelShuffle', 'PixelUnshuffle'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
