"""torch.nn.modules.container: container classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'Container', 'Sequential', 'ModuleList', 'ModuleDict', 'ParameterList', 'ParameterDict'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
