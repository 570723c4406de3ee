"""torch.nn.modules.upsampling: upsampling classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'Upsample', 'UpsamplingNearest2d', 'UpsamplingBilinear2d'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
