"""torch.nn.modules.adaptive: adaptive classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'AdaptiveLogSoftmaxWithLoss'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
