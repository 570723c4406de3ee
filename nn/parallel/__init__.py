"""torch.nn.parallel: DistributedDataParallel (data parallelism across processes, over autograd.distributed)."""
from .distributed import DistributedDataParallel  # noqa: F401
