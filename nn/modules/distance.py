"""torch.nn.modules.distance: distance classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'PairwiseDistance', 'CosineSimilarity'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
