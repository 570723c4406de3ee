"""torch.nn.modules.sparse: sparse classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'Embedding', 'EmbeddingBag'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
