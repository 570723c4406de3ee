"""torch.backends: switches for the compute libraries behind the ops. This library has no cuDNN, MKL-DNN or
MPS; the modules exist so that programs setting them (`torch.backends.cudnn.benchmark = True`) run, and
they report what torch's CPU build reports (`cudnn.is_available()` is False)."""
from . import cudnn  # noqa: F401
