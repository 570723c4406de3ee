"""torchvision.utils.make_grid and save_image: the same grid layout, normalisation and rounding as torchvision
(torchvision/utils.py), computed on the host arrays; save_image writes the uint8 grid with Pillow."""
import math

import numpy as np

from .. import backend
from ..tensor import Tensor, wrap

__all__ = ['make_grid', 'save_image']


def make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False, pad_value=0.0):
    """(B, C, H, W) images (or a list of (C, H, W)) -> one (C', H', W') grid, nrow images per row, `padding`
    pixels of pad_value around each. One-channel images become three channels; normalize=True maps
    value_range (default: min..max of the batch, or of each image if scale_each) to [0, 1]."""
    if not isinstance(tensor, Tensor):
        if isinstance(tensor, list):
            for t in tensor:
                if not isinstance(t, Tensor):
                    raise TypeError(f"tensor or list of tensors expected, got a list containing {type(t)}")
        else:
            raise TypeError(f"tensor or list of tensors expected, got {type(tensor)}")
    if isinstance(tensor, list):
        a = np.stack([backend.to_host(t.detach().array) for t in tensor], 0)
    else:
        a = backend.to_host(tensor.detach().array)
    if a.ndim == 2:
        a = a[None]
    if a.ndim == 3:
        if a.shape[0] == 1:
            a = np.concatenate((a, a, a), 0)
        a = a[None]
    if a.ndim == 4 and a.shape[1] == 1:
        a = np.concatenate((a, a, a), 1)
    if normalize is True:
        a = a.copy()
        if value_range is not None and not isinstance(value_range, tuple):
            raise TypeError("value_range has to be a tuple (min, max) if specified. min and max are numbers")
        for part in (list(a) if scale_each is True else [a]):
            low, high = value_range if value_range is not None else (float(part.min()), float(part.max()))
            np.clip(part, low, high, out=part)   # torchvision's norm_ip, in place, in the tensor's dtype
            part -= part.dtype.type(low)
            part /= part.dtype.type(max(high - low, 1e-5))
    if a.shape[0] == 1:
        return wrap(a[0])
    nmaps = a.shape[0]
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(a.shape[2] + padding), int(a.shape[3] + padding)
    grid = np.full((a.shape[1], height * ymaps + padding, width * xmaps + padding), pad_value, dtype=a.dtype)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid[:, y * height + padding:(y + 1) * height, x * width + padding:(x + 1) * width] = a[k]
            k += 1
    return wrap(grid)


def save_image(tensor, fp, format=None, **kwargs):
    """make_grid(tensor, **kwargs), then x * 255 + 0.5 clamped to [0, 255] and cast to uint8 (round half up),
    saved by Pillow to fp (a path or file object) in `format` (default: from the file name)."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("save_image needs Pillow: pip install 'ndgrad[vision]' (or pip install pillow)") from None
    grid = make_grid(tensor, **kwargs).array
    x = grid * grid.dtype.type(255) if grid.dtype.kind == 'f' else grid * 255
    x = x + (x.dtype.type(0.5) if x.dtype.kind == 'f' else 0)
    ndarr = np.clip(x, 0, 255).transpose(1, 2, 0).astype(np.uint8)
    Image.fromarray(ndarr).save(fp, format=format)
