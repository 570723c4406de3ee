"""torch.nn.modules.padding: padding classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'CircularPad1d', 'CircularPad2d', 'CircularPad3d', 'ConstantPad1d', 'ConstantPad2d', 'ConstantPad3d',
    'ReflectionPad1d', 'ReflectionPad2d', 'ReflectionPad3d', 'ReplicationPad1d', 'ReplicationPad2d',
    'ReplicationPad3d', 'ZeroPad1d', 'ZeroPad2d', 'ZeroPad3d'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
