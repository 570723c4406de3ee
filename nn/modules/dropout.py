"""torch.nn.modules.dropout: dropout classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'Dropout', 'Dropout1d', 'Dropout2d', 'Dropout3d', 'AlphaDropout', 'FeatureAlphaDropout'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
