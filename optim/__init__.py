"""torch.optim for autograd: optimizers and learning-rate schedulers (autograd.optim is this package)."""
from . import lr_scheduler, swa_utils  # noqa: F401
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .nadam import NAdam
from .lbfgs import LBFGS
from .adafactor import Adafactor
from .asgd import ASGD
from .radam import RAdam
from .rprop import Rprop
from .sparse_adam import SparseAdam
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ['Optimizer', 'SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'Adadelta', 'Adamax', 'NAdam', 'LBFGS',
           'RAdam', 'Rprop', 'ASGD', 'Adafactor', 'SparseAdam',
           'lr_scheduler']
