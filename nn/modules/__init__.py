"""torch.nn.modules: the submodules torch defines its layers in (see _reexport), and every nn layer by name."""
import importlib

from . import (  # noqa: F401
    activation, adaptive, batchnorm, channelshuffle, container, conv, distance, dropout, flatten,
    fold, instancenorm, linear, loss, module, normalization, padding, pixelshuffle, pooling, rnn,
    sparse, transformer, upsampling
)


def __getattr__(name):
    nn = importlib.import_module(__name__.rsplit('.', 1)[0])
    if not name.startswith('_') and hasattr(nn, name):
        return getattr(nn, name)
    raise AttributeError(f"module '{__name__}' has no attribute '{name}'")
