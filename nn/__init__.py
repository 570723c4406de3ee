"""torch.nn: Module and its containers, layers, functional, init and utils (autograd.nn is this package)."""
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
from .conv import Conv1d, Conv2d, ConvTranspose2d, Fold, Unfold  # noqa: F401
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, KLDivLoss, L1Loss, MSELoss,  # noqa: F401
                   NLLLoss, SmoothL1Loss)
from .pooling import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d,  # noqa: F401
                      MaxPool2d, MaxUnpool2d)
# issue 11 (helper nnlayers): more layers, each family in its own module
from .activation_extra import (CELU, GLU, SELU, AlphaDropout, Dropout1d, Dropout3d,  # noqa: F401,E402
                               FeatureAlphaDropout, Hardshrink, Hardsigmoid, Hardswish, LogSigmoid, PReLU, RReLU,
                               Softmax2d, Softmin, Softshrink, Softsign, Tanhshrink, Threshold)
from .conv_pool_extra import (AdaptiveAvgPool3d, AdaptiveMaxPool3d, AvgPool3d, Conv3d,  # noqa: F401,E402
                              ConvTranspose1d, ConvTranspose3d, FractionalMaxPool2d, LPPool1d, LPPool2d, LPPool3d,
                              MaxPool3d, MaxUnpool1d)
from .cross_map_lrn import CrossMapLRN2d  # noqa: F401,E402
from .lazy import (LazyBatchNorm1d, LazyBatchNorm2d, LazyBatchNorm3d, LazyConv1d, LazyConv2d,  # noqa: F401,E402
                   LazyConv3d, LazyConvTranspose1d, LazyConvTranspose2d, LazyConvTranspose3d, LazyInstanceNorm1d,
                   LazyInstanceNorm2d, LazyInstanceNorm3d, LazyLinear, UninitializedBuffer, UninitializedParameter)
from .loss_extra import (CosineEmbeddingLoss, CosineSimilarity, CTCLoss, GaussianNLLLoss,  # noqa: F401,E402
                         HingeEmbeddingLoss, MarginRankingLoss, MultiLabelMarginLoss, MultiLabelSoftMarginLoss,
                         MultiMarginLoss, PairwiseDistance, PoissonNLLLoss, SoftMarginLoss, TripletMarginLoss,
                         TripletMarginWithDistanceLoss)
from .module_api import Buffer  # noqa: F401,E402
from .norm_extra import (BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d,  # noqa: F401,E402
                         LocalResponseNorm, RMSNorm, SyncBatchNorm)
from .padding import (CircularPad1d, CircularPad2d, CircularPad3d, ConstantPad1d, ConstantPad2d,  # noqa: F401,E402
                      ConstantPad3d, ReflectionPad1d, ReflectionPad2d, ReflectionPad3d, ReplicationPad1d,
                      ReplicationPad2d, ReplicationPad3d, ZeroPad1d, ZeroPad2d, ZeroPad3d)
from .upsampling import (ChannelShuffle, PixelShuffle, PixelUnshuffle, Upsample,  # noqa: F401,E402
                         UpsamplingBilinear2d, UpsamplingNearest2d)
from . import parallel  # noqa: F401,E402  (torch.nn.parallel.DistributedDataParallel)
# sequence models (issue 9)
from .rnn import GRU, LSTM, RNN, GRUCell, LSTMCell, RNNBase, RNNCell, RNNCellBase  # noqa: F401,E402
from .attention import MultiheadAttention  # noqa: F401,E402
from .embedding_bag import EmbeddingBag  # noqa: F401,E402
from .transformer import (Transformer, TransformerDecoder, TransformerDecoderLayer,  # noqa: F401,E402
                          TransformerEncoder, TransformerEncoderLayer)
from . import modules  # noqa: F401,E402  (torch.nn.modules.<x> import paths)
from autograd.multiprocessing import install_nn as _install_nn  # noqa: E402
_install_nn(Module, Parameter)   # Module.share_memory; Parameters sent to other processes as shared tensors
