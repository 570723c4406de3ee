"""torch.nn.modules.transformer: transformer classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'Transformer', 'TransformerEncoder', 'TransformerDecoder', 'TransformerEncoderLayer',
    'TransformerDecoderLayer'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
