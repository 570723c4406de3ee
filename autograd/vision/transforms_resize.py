"""torchvision.transforms.functional.resize for PIL images and tensors (Resize, resized_crop and
RandomResizedCrop go through it).

Source: torchvision/transforms/functional.py (resize, _compute_resized_output_size) and
_functional_tensor.py (resize, _cast_squeeze_in/_out). PIL images: Pillow's own resize with torchvision's
mode mapping. Tensors (..., C, H, W): F.interpolate on the image as N x C x H x W, antialias=True by default
for bilinear and bicubic (ignored for the other modes), align_corners=False; images that are not float32 or
float64 are resized in float32, bicubic uint8 results clamped to [0, 255], integer results rounded, then cast
back. Tensor resizing is differentiable (it is interpolate).
"""
import numbers
import warnings

from ..tensor import Tensor

try:
    from PIL import Image
except ImportError:
    Image = None

_PIL_MODES = {'nearest': 0, 'nearest-exact': 0, 'bilinear': 2, 'bicubic': 3, 'box': 4, 'hamming': 5, 'lanczos': 1}
_INT_DTYPES = ('uint8', 'int8', 'int16', 'int32', 'int64')


def interpolation_mode(interpolation):
    """An InterpolationMode, from itself or a Pillow integer constant (torchvision's _interpolation_modes_from_int)."""
    from .transforms import InterpolationMode
    if isinstance(interpolation, InterpolationMode):
        return interpolation
    if isinstance(interpolation, int) and not isinstance(interpolation, bool):
        modes = {0: 'NEAREST', 2: 'BILINEAR', 3: 'BICUBIC', 4: 'BOX', 5: 'HAMMING', 1: 'LANCZOS'}
        if interpolation in modes:
            return InterpolationMode[modes[interpolation]]
    raise TypeError("Argument interpolation should be a InterpolationMode or a corresponding Pillow integer constant")


def compute_resized_output_size(image_size, size, max_size=None, allow_size_none=False):
    """[new_h, new_w]: size (h, w) as given, or one number for the smaller edge (the longer edge keeps the
    aspect ratio, truncated, and is capped at max_size), or size None and the longer edge = max_size."""
    h, w = image_size
    short, long = (w, h) if w <= h else (h, w)
    if size is None:
        if not allow_size_none:
            raise ValueError("This should never happen!!")
        if not isinstance(max_size, int):
            raise ValueError(f"max_size must be an integer when size is None, but got {max_size} instead.")
        new_short, new_long = int(max_size * short / long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    elif len(size) == 1:
        requested_new_short = size if isinstance(size, int) else size[0]
        new_short, new_long = requested_new_short, int(requested_new_short * long / short)
        if max_size is not None:
            if max_size <= requested_new_short:
                raise ValueError(f"max_size = {max_size} must be strictly greater than the requested size for the "
                                 f"smaller edge size = {size}")
            if new_long > max_size:
                new_short, new_long = int(max_size * new_short / new_long), max_size
        new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    else:
        new_w, new_h = size[1], size[0]
    return [new_h, new_w]


def resize(img, size, interpolation=None, max_size=None, antialias=True):
    """Resize a PIL image or a (..., C, H, W) tensor to size (h, w), or its smaller edge to size (an int or a
    1-sequence), the longer edge at most max_size. Returns img itself when the size does not change."""
    from .transforms import InterpolationMode
    from .transforms_functional import get_dimensions
    interpolation = interpolation_mode(InterpolationMode.BILINEAR if interpolation is None else interpolation)
    if isinstance(size, (list, tuple)):
        if len(size) not in (1, 2):
            raise ValueError(f"Size must be an int or a 1 or 2 element tuple/list, not a {len(size)} element "
                             "tuple/list")
        if max_size is not None and len(size) != 1:
            raise ValueError("max_size should only be passed if size specifies the length of the smaller edge, "
                             "i.e. size should be an int or a sequence of length 1 in torchscript mode.")
    _, image_height, image_width = get_dimensions(img)
    if isinstance(size, numbers.Integral):
        size = [int(size)]
    output_size = compute_resized_output_size((image_height, image_width), size, max_size, allow_size_none=True)
    if [image_height, image_width] == output_size:
        return img
    if not isinstance(img, Tensor):
        if antialias is False:
            warnings.warn("Anti-alias option is always applied for PIL Image input. Argument antialias is ignored.")
        return img.resize(tuple(output_size[::-1]), _PIL_MODES[interpolation.value])
    return resize_tensor(img, output_size, interpolation.value, antialias)


def resize_tensor(img, size, interpolation='bilinear', antialias=True):
    """torchvision's _functional_tensor.resize: interpolate (N, C, H, W) in float32/float64 and cast back."""
    import autograd
    from ..nn import functional as F
    if antialias is None:
        antialias = False
    if antialias and interpolation not in ('bilinear', 'bicubic'):
        antialias = False    # torchvision: the argument only matters for bilinear and bicubic
    need_squeeze = img.ndim < 4
    x = img.unsqueeze(0) if need_squeeze else img
    lead = tuple(x.shape[:-3])
    x = x.reshape(-1, *x.shape[-3:]) if x.ndim > 4 else x     # (..., C, H, W) as N x C x H x W
    out_dtype = img.dtype
    need_cast = out_dtype not in (autograd.float32, autograd.float64)
    if need_cast:
        x = x.to(autograd.float32)
    align_corners = False if interpolation in ('bilinear', 'bicubic') else None
    x = F.interpolate(x, size=list(size), mode=interpolation, align_corners=align_corners, antialias=antialias)
    if interpolation == 'bicubic' and out_dtype == autograd.uint8:
        x = x.clamp(min=0, max=255)
    x = x.reshape(*lead, *x.shape[-3:]) if len(lead) > 1 else x
    if need_squeeze:
        x = x.squeeze(0)
    if need_cast:
        if str(out_dtype).split('.')[-1] in _INT_DTYPES:
            x = x.round()
        x = x.to(out_dtype)
    return x
