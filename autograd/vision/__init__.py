"""torchvision's API: `datasets`, `transforms`, `models` and `utils` (make_grid, save_image)."""
from . import datasets, models, transforms, utils

__all__ = ['datasets', 'transforms', 'models', 'utils']
