"""torch.nn.modules.loss: loss classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'L1Loss', 'NLLLoss', 'NLLLoss2d', 'PoissonNLLLoss', 'GaussianNLLLoss', 'KLDivLoss', 'MSELoss', 'BCELoss',
    'BCEWithLogitsLoss', 'HingeEmbeddingLoss', 'MultiLabelMarginLoss', 'SmoothL1Loss', 'HuberLoss',
    'SoftMarginLoss', 'CrossEntropyLoss', 'LinearCrossEntropyLoss', 'MultiLabelSoftMarginLoss',
    'CosineEmbeddingLoss', 'MarginRankingLoss', 'MultiMarginLoss', 'TripletMarginLoss',
    'TripletMarginWithDistanceLoss', 'CTCLoss'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
