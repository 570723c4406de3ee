"""torchvision's API for what tutorials use: `datasets` (MNIST, FashionMNIST) and `transforms`."""
from . import datasets, transforms

__all__ = ['datasets', 'transforms']
