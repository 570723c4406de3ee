"""torchvision.transforms: Compose, ToTensor, PILToTensor, ToPILImage, Normalize, Lambda, Resize (PIL images: Pillow's
own resize, as torchvision; tensors: F.interpolate, see transforms_resize.py) here; the crops, flips, geometric and
colour augmentations in transforms_random.py and the functional forms in transforms_functional.py
(importable as autograd.vision.transforms.functional)."""
import enum
import sys

import numpy as np

from .. import backend
from ..tensor import Tensor, wrap

try:
    from PIL import Image
except ImportError:
    Image = None

__all__ = ['Compose', 'ToTensor', 'PILToTensor', 'ToPILImage', 'Normalize', 'Lambda', 'Resize', 'InterpolationMode']


class Compose:
    """Apply transforms one after another."""

    def __init__(self, transforms):
        self.transforms = transforms

    def __call__(self, img):
        for t in self.transforms:
            img = t(img)
        return img

    def __repr__(self):
        return type(self).__name__ + '(' + ''.join(f'\n    {t}' for t in self.transforms) + '\n)'


def _is_pil(pic):
    return Image is not None and isinstance(pic, Image.Image)


def _pil_to_array(pic):
    """H x W x C array of a PIL image, with torchvision's dtypes for modes I, I;16 and F."""
    wide = {'I': np.int32, 'I;16' if sys.byteorder == 'little' else 'I;16B': np.int16, 'F': np.float32}
    a = np.array(pic, wide.get(pic.mode, np.uint8), copy=True)
    if pic.mode == '1':
        a = a * np.uint8(255)
    return a.reshape(pic.size[1], pic.size[0], len(pic.getbands()))


class ToTensor:
    """PIL image or H x W (x C) array -> C x H x W tensor; uint8 data becomes the default float dtype
    (float32 unless set_default_dtype changed it) in [0, 1], as torchvision's."""

    def __call__(self, pic):
        if not (_is_pil(pic) or isinstance(pic, np.ndarray)):
            raise TypeError(f"pic should be PIL Image or ndarray. Got {type(pic)}")
        if isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            a = pic[:, :, None] if pic.ndim == 2 else pic
        else:
            a = _pil_to_array(pic)
        a = np.ascontiguousarray(a.transpose(2, 0, 1))
        if a.dtype == np.uint8:   # torchvision: img.to(torch.get_default_dtype()).div(255)
            import autograd
            default = autograd.get_default_dtype().numpy_dtype
            a = a.astype(default) / default.type(255)
        return wrap(a)

    def __repr__(self):
        return 'ToTensor()'


class PILToTensor:
    """PIL image -> C x H x W tensor of NumPy's dtype for it (uint8 for 'L' and 'RGB', bool for '1'), unscaled."""

    def __call__(self, pic):
        if not _is_pil(pic):
            raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
        a = np.array(pic, copy=True).reshape(pic.size[1], pic.size[0], len(pic.getbands()))
        return wrap(np.ascontiguousarray(a.transpose(2, 0, 1)))

    def __repr__(self):
        return 'PILToTensor()'


class ToPILImage:
    """C x H x W tensor or H x W x C array -> PIL image; floats are scaled by 255 as torchvision does."""

    def __init__(self, mode=None):
        self.mode = mode

    def __call__(self, pic):
        if Image is None:
            raise ImportError("ToPILImage needs Pillow: pip install pillow")
        if isinstance(pic, Tensor):
            if pic.ndim not in (2, 3):
                raise ValueError(f"pic should be 2/3 dimensional. Got {pic.ndim} dimensions.")
            a = backend.to_host(pic.detach().array)
            a = a[None] if a.ndim == 2 else a
            if a.dtype.kind == 'f' and self.mode != 'F':
                a = (a * 255).astype(np.uint8)   # torchvision: pic.mul(255).byte(), a truncating cast
            a = a.transpose(1, 2, 0)
        elif isinstance(pic, np.ndarray):
            a = pic[:, :, None] if pic.ndim == 2 else pic
        else:
            raise TypeError(f"pic should be Tensor or ndarray. Got {type(pic)}.")
        if a.shape[2] == 1:
            return Image.fromarray(a[:, :, 0], mode=self.mode)
        return Image.fromarray(a, mode=self.mode)

    def __repr__(self):
        return 'ToPILImage()' if self.mode is None else f'ToPILImage(mode={self.mode})'


class Normalize:
    """(x - mean[c]) / std[c] per channel of a float (..., C, H, W) tensor; mean and std in its dtype."""

    def __init__(self, mean, std, inplace=False):
        self.mean, self.std, self.inplace = mean, std, inplace

    def __call__(self, tensor):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"img should be Tensor Image. Got {type(tensor)}")
        if not tensor.is_floating_point():
            raise TypeError(f"Input tensor should be a float tensor. Got {tensor.dtype}.")
        if tensor.ndim < 3:
            raise ValueError("Expected tensor to be a tensor image of size (..., C, H, W). Got "
                             f"tensor.size() = {tensor.size()}")
        xp = backend.array_module(tensor.array)
        mean = xp.asarray(self._values(self.mean), dtype=tensor.array.dtype)
        std = xp.asarray(self._values(self.std), dtype=tensor.array.dtype)
        if bool((std == 0).any()):
            raise ValueError(f"std evaluated to zero after conversion to {tensor.dtype}, leading to division by zero.")
        mean = wrap(mean.reshape(-1, 1, 1) if mean.ndim == 1 else mean)
        std = wrap(std.reshape(-1, 1, 1) if std.ndim == 1 else std)
        if self.inplace:
            return tensor.sub_(mean).div_(std)
        return (tensor - mean) / std

    @staticmethod
    def _values(v):
        return backend.to_host(v.array) if isinstance(v, Tensor) else v

    def __repr__(self):
        return f"{type(self).__name__}(mean={self.mean}, std={self.std})"


class Lambda:
    """A user function as a transform."""

    def __init__(self, lambd):
        if not callable(lambd):
            raise TypeError(f"Argument lambd should be callable, got {repr(type(lambd).__name__)}")
        self.lambd = lambd

    def __call__(self, img):
        return self.lambd(img)

    def __repr__(self):
        return 'Lambda()'


class InterpolationMode(enum.Enum):
    NEAREST = 'nearest'
    NEAREST_EXACT = 'nearest-exact'
    BILINEAR = 'bilinear'
    BICUBIC = 'bicubic'
    BOX = 'box'
    HAMMING = 'hamming'
    LANCZOS = 'lanczos'


class Resize:
    """Resize a PIL image or a (..., C, H, W) tensor: size (h, w), or an int (or 1-sequence) that the smaller
    edge becomes, the aspect ratio kept and the longer edge capped at max_size. PIL images: Pillow's resize;
    tensors: F.interpolate, antialiased for bilinear/bicubic unless antialias=False (transforms_resize.py)."""

    def __init__(self, size, interpolation=InterpolationMode.BILINEAR, max_size=None, antialias=True):
        if size is not None and not isinstance(size, (int, list, tuple)):
            raise TypeError(f"Size should be int or sequence. Got {type(size)}")
        if isinstance(size, (list, tuple)) and len(size) not in (1, 2):
            raise ValueError("If size is a sequence, it should have 1 or 2 values")
        from .transforms_resize import interpolation_mode
        self.size, self.max_size, self.antialias = size, max_size, antialias
        self.interpolation = interpolation_mode(interpolation)

    def __call__(self, img):
        from .transforms_resize import resize
        return resize(img, self.size, self.interpolation, self.max_size, self.antialias)

    def __repr__(self):
        return (f"{type(self).__name__}(size={self.size}, interpolation={self.interpolation.value}, "
                f"max_size={self.max_size}, antialias={self.antialias})")


# the augmentations and transforms.functional live in their own modules (file size)
from . import transforms_functional as functional   # noqa: E402
from .transforms_random import (CenterCrop, ColorJitter, ConvertImageDtype, GaussianBlur, Grayscale, Pad,   # noqa: E402,F401
                                RandomAffine, RandomApply, RandomChoice, RandomCrop, RandomErasing, RandomGrayscale,
                                RandomHorizontalFlip, RandomOrder, RandomResizedCrop, RandomRotation,
                                RandomTransforms, RandomVerticalFlip)

sys.modules[__name__ + '.functional'] = functional
__all__ += ['CenterCrop', 'Pad', 'RandomCrop', 'RandomResizedCrop', 'RandomHorizontalFlip', 'RandomVerticalFlip',
            'RandomRotation', 'RandomAffine', 'ColorJitter', 'Grayscale', 'RandomGrayscale', 'RandomErasing',
            'GaussianBlur', 'ConvertImageDtype', 'RandomApply', 'RandomChoice', 'RandomOrder', 'RandomTransforms',
            'functional']
