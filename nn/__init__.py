"""torch.nn: Module and its containers, layers, functional, init and utils (autograd.nn is this package)."""
import importlib.util

from . import functional, init, utils  # noqa: F401
from .activation import (ELU, GELU, Hardtanh, LeakyReLU, LogSoftmax, Mish, ReLU, ReLU6, Sigmoid, SiLU,  # noqa: F401
                         Softmax, Softplus, Tanh)
from .container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential  # noqa: F401
from .dropout import Dropout, Dropout2d  # noqa: F401
from .flatten import Flatten, Unflatten  # noqa: F401
from .linear import Bilinear, Identity, Linear  # noqa: F401
from .module import Module  # noqa: F401
from .normalization import BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm  # noqa: F401
from .parameter import Parameter  # noqa: F401
from .sparse import Embedding  # noqa: F401

# Convolution, pooling and loss layers live in their own modules (written separately); until each exists
# the package still imports. They export torch's names: Conv1d Conv2d ConvTranspose2d Unfold Fold,
# MaxPool1d/2d AvgPool1d/2d AdaptiveAvgPool2d AdaptiveMaxPool2d, CrossEntropyLoss NLLLoss MSELoss ...
for _name in ('conv', 'pooling', 'loss'):
    if importlib.util.find_spec(f'{__name__}.{_name}') is not None:
        _mod = importlib.import_module(f'.{_name}', __name__)
        globals().update({k: v for k, v in vars(_mod).items() if k[:1].isupper() and isinstance(v, type)})
del _name
