"""torchvision.transforms.functional: the deterministic image operations behind the random transforms.

PIL images go through Pillow exactly as torchvision's functional_pil.py does (crop, transpose, ImageOps.expand,
rotate, transform(AFFINE), ImageEnhance), so the pixels are Pillow's. Tensor images (..., C, H, W) follow
functional_tensor.py's formulas on the host arrays (NumPy): crops and flips are slices, padding is np.pad
with the same modes, colour adjustments blend in float32 and cast back, rotate/affine sample torchvision's
affine grid (nearest or bilinear, zeros outside, fill through a mask channel). resize (transforms_resize.py)
takes both: Pillow for PIL images, F.interpolate (antialiased by default) for tensors.
"""
import math
import numbers

import numpy as np

from .. import backend
from ..tensor import Tensor, wrap

try:
    from PIL import Image, ImageEnhance, ImageOps
except ImportError:
    Image = ImageEnhance = ImageOps = None

_INT_MAX = {'uint8': 255, 'int8': 127, 'int16': 32767, 'int32': 2 ** 31 - 1, 'int64': 2 ** 63 - 1, 'bool': 1}


def _is_pil(img):
    return Image is not None and isinstance(img, Image.Image)


def _check(img):
    if not (_is_pil(img) or isinstance(img, Tensor)):
        raise TypeError(f"img should be PIL Image or Tensor. Got {type(img)}")


def _host(t):
    return backend.to_host(t.detach().array)


def _max_value(dtype):
    return float(_INT_MAX.get(np.dtype(dtype).name, 1.0))


def get_dimensions(img):
    """[channels, height, width] of a PIL image or a (..., C, H, W) tensor."""
    _check(img)
    if isinstance(img, Tensor):
        c = 1 if img.ndim == 2 else int(img.shape[-3])
        return [c, int(img.shape[-2]), int(img.shape[-1])]
    return [len(img.getbands()), img.size[1], img.size[0]]


def pil_to_tensor(pic):
    if not _is_pil(pic):
        raise TypeError(f"pic should be PIL Image. Got {type(pic)}")
    a = np.array(pic, copy=True).reshape(pic.size[1], pic.size[0], len(pic.getbands()))
    return wrap(np.ascontiguousarray(a.transpose(2, 0, 1)))


def to_pil_image(pic, mode=None):
    from .transforms import ToPILImage
    return ToPILImage(mode)(pic)


def convert_image_dtype(image, dtype):
    """Scale a tensor image to `dtype`'s range: floats live in [0, 1], integers in [0, max] (torchvision's
    rules: float -> int multiplies by max + 1 - 1e-3 and truncates; int -> int shifts by whole factors)."""
    if not isinstance(image, Tensor):
        raise TypeError("Input img should be Tensor Image")
    import autograd
    if image.dtype == dtype:
        return image
    out_float = np.dtype(autograd.empty(0, dtype=dtype).array.dtype).kind == 'f'
    if image.is_floating_point():
        if out_float:
            return image.to(dtype)
        if (image.dtype == autograd.float32 and dtype in (autograd.int32, autograd.int64)) or \
                (image.dtype == autograd.float64 and dtype == autograd.int64):
            raise RuntimeError(f"The cast from {image.dtype} to {dtype} cannot be performed safely.")
        max_val = _max_value(autograd.empty(0, dtype=dtype).array.dtype)
        return image.mul(max_val + 1.0 - 1e-3).to(dtype)
    input_max = _max_value(image.array.dtype)
    if out_float:
        return image.to(dtype) / input_max
    output_max = _max_value(autograd.empty(0, dtype=dtype).array.dtype)
    if input_max > output_max:
        factor = int((input_max + 1) // (output_max + 1))
        return autograd.div(image, factor, rounding_mode='floor').to(dtype)
    factor = int((output_max + 1) // (input_max + 1))
    return image.to(dtype) * factor


# ---- geometry -------------------------------------------------------------------------------------
def _ltrb(padding):
    """torchvision's padding forms -> [left, top, right, bottom]."""
    if isinstance(padding, numbers.Number):
        return [int(padding)] * 4
    padding = list(padding)
    if len(padding) == 1:
        return padding * 4
    if len(padding) == 2:
        return [padding[0], padding[1], padding[0], padding[1]]
    if len(padding) == 4:
        return padding
    raise ValueError(f"Padding must be an int or a 1, 2, or 4 element tuple, not a {len(padding)} element tuple")


def _parse_fill(fill, img, name='fillcolor'):
    """torchvision's _parse_fill: one fill per band, ints unless the image is mode F."""
    channels = len(img.getbands())
    fill = 0 if fill is None else fill
    if isinstance(fill, (int, float)) and channels > 1:
        fill = tuple([fill] * channels)
    if isinstance(fill, (list, tuple)):
        if len(fill) == 1:
            fill = tuple(fill) * channels
        elif len(fill) != channels:
            raise ValueError(f"The number of elements in 'fill' does not match the number of channels of the "
                             f"image ({len(fill)} != {channels})")
        fill = tuple(fill)
    if img.mode != 'F':
        fill = tuple(int(x) for x in fill) if isinstance(fill, tuple) else int(fill)
    return {name: fill}


def pad(img, padding, fill=0, padding_mode='constant'):
    """Pad by [left, top, right, bottom] (an int, or 1, 2 or 4 numbers) with a constant, the edge pixels,
    a reflection without (reflect) or with (symmetric) the edge pixel."""
    _check(img)
    if padding_mode not in ('constant', 'edge', 'reflect', 'symmetric'):
        raise ValueError("Padding mode should be either constant, edge, reflect or symmetric")
    left, top, right, bottom = _ltrb(padding)
    if _is_pil(img):
        if padding_mode == 'constant':
            out = ImageOps.expand(img, border=(left, top, right, bottom), **_parse_fill(fill, img, 'fill'))
            if img.mode == 'P':
                out.putpalette(img.getpalette())
            return out
        a = np.asarray(img)
        widths = ((top, bottom), (left, right)) + (((0, 0),) if a.ndim == 3 else ())
        return Image.fromarray(np.pad(a, widths, padding_mode))
    a = _host(img)
    widths = [(0, 0)] * (a.ndim - 2) + [(top, bottom), (left, right)]
    if padding_mode == 'constant':
        return wrap(np.pad(a, widths, 'constant', constant_values=fill))
    return wrap(np.pad(a, widths, padding_mode))


def crop(img, top, left, height, width):
    """The height x width window at (top, left); a tensor window past the border is zero-padded."""
    _check(img)
    if _is_pil(img):
        return img.crop((left, top, left + width, top + height))
    _, h, w = get_dimensions(img)
    right, bottom = left + width, top + height
    if left < 0 or top < 0 or right > w or bottom > h:
        ltrb = [max(-left + min(0, right), 0), max(-top + min(0, bottom), 0),
                max(right - max(w, left), 0), max(bottom - max(h, top), 0)]
        return pad(wrap(_host(img)[..., max(top, 0):bottom, max(left, 0):right]), ltrb, fill=0)
    return wrap(_host(img)[..., top:bottom, left:right].copy())


def center_crop(img, output_size):
    """The centre window; an image smaller than the window is zero-padded first (torchvision's split)."""
    if isinstance(output_size, numbers.Number):
        output_size = (int(output_size), int(output_size))
    elif isinstance(output_size, (tuple, list)) and len(output_size) == 1:
        output_size = (output_size[0], output_size[0])
    _, image_height, image_width = get_dimensions(img)
    crop_height, crop_width = output_size
    if crop_width > image_width or crop_height > image_height:
        padding_ltrb = [(crop_width - image_width) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height) // 2 if crop_height > image_height else 0,
                        (crop_width - image_width + 1) // 2 if crop_width > image_width else 0,
                        (crop_height - image_height + 1) // 2 if crop_height > image_height else 0]
        img = pad(img, padding_ltrb, fill=0)
        _, image_height, image_width = get_dimensions(img)
        if crop_width == image_width and crop_height == image_height:
            return img
    crop_top = int(round((image_height - crop_height) / 2.0))
    crop_left = int(round((image_width - crop_width) / 2.0))
    return crop(img, crop_top, crop_left, crop_height, crop_width)


def hflip(img):
    _check(img)
    if _is_pil(img):
        return img.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
    return wrap(_host(img)[..., ::-1].copy())


def vflip(img):
    _check(img)
    if _is_pil(img):
        return img.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    return wrap(_host(img)[..., ::-1, :].copy())


def _resample(interpolation):
    """Pillow's resampling constant of an InterpolationMode (torchvision's pil_modes_mapping)."""
    from .transforms import InterpolationMode
    from .transforms_resize import _PIL_MODES
    if isinstance(interpolation, InterpolationMode):
        return _PIL_MODES[interpolation.value]
    return interpolation


from .transforms_resize import resize   # noqa: E402  (PIL images and tensors)


def resized_crop(img, top, left, height, width, size, interpolation=None, antialias=True):
    """crop, then resize to size (PIL images and tensors)."""
    _check(img)
    return resize(crop(img, top, left, height, width), size, interpolation, antialias=antialias)


def rotate(img, angle, interpolation=None, expand=False, center=None, fill=None):
    """Rotate counter-clockwise by `angle` degrees: Pillow's rotate for PIL images (torchvision's fill
    handling); for tensors torchvision's inverse-matrix grid sampling (nearest or bilinear)."""
    from .transforms import InterpolationMode
    _check(img)
    interpolation = interpolation or InterpolationMode.NEAREST
    if _is_pil(img):
        return img.rotate(angle, _resample(interpolation), expand, center, **_parse_fill(fill, img))
    _, height, width = get_dimensions(img)
    center_f = [0.0, 0.0] if center is None else [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = _get_inverse_affine_matrix(center_f, -angle, [0.0, 0.0], 1.0, [0.0, 0.0])
    ow, oh = _affine_output_size(matrix, width, height) if expand else (width, height)
    return _grid_transform(img, matrix, ow, oh, interpolation, fill)


def _get_inverse_affine_matrix(center, angle, translate, scale, shear):
    """torchvision's inverse of  T * C * R * S * Sh * C^-1  (output pixel -> input pixel), as Pillow takes it."""
    rot = math.radians(angle)
    sx, sy = math.radians(shear[0]), math.radians(shear[1])
    cx, cy = center
    tx, ty = translate
    a = math.cos(rot - sy) / math.cos(sy)
    b = -math.cos(rot - sy) * math.tan(sx) / math.cos(sy) - math.sin(rot)
    c = math.sin(rot - sy) / math.cos(sy)
    d = -math.sin(rot - sy) * math.tan(sx) / math.cos(sy) + math.cos(rot)
    matrix = [x / scale for x in [d, -b, 0.0, -c, a, 0.0]]
    matrix[2] += matrix[0] * (-cx - tx) + matrix[1] * (-cy - ty)
    matrix[5] += matrix[3] * (-cx - tx) + matrix[4] * (-cy - ty)
    matrix[2] += cx
    matrix[5] += cy
    return matrix


def affine(img, angle, translate, scale, shear, interpolation=None, fill=None, center=None):
    """Rotate by `angle` degrees, shift by `translate` pixels, scale, shear (degrees, x or (x, y)) about
    the centre: Pillow's Image.transform(AFFINE) with torchvision's inverse matrix, or for tensors the
    same matrix through torchvision's grid sampling."""
    from .transforms import InterpolationMode
    _check(img)
    interpolation = interpolation or InterpolationMode.NEAREST
    if isinstance(shear, numbers.Number):
        shear = [shear, 0.0]
    shear = list(shear) + [0.0] * (2 - len(shear))
    _, height, width = get_dimensions(img)
    if _is_pil(img):
        center = [width * 0.5, height * 0.5] if center is None else center
        matrix = _get_inverse_affine_matrix(center, angle, translate, scale, shear)
        return img.transform(img.size, Image.AFFINE, matrix, _resample(interpolation), **_parse_fill(fill, img))
    center_f = [0.0, 0.0] if center is None else [1.0 * (c - s * 0.5) for c, s in zip(center, [width, height])]
    matrix = _get_inverse_affine_matrix(center_f, angle, [1.0 * t for t in translate], scale, shear)
    return _grid_transform(img, matrix, width, height, interpolation, fill)


def _affine_output_size(matrix, w, h):
    """The bounding box of the rotated corners, as torchvision's _compute_affine_output_size (float32,
    truncated to 1e-4 before ceil/floor)."""
    pts = np.array([[-0.5 * w, -0.5 * h, 1.0], [-0.5 * w, 0.5 * h, 1.0], [0.5 * w, 0.5 * h, 1.0],
                    [0.5 * w, -0.5 * h, 1.0]], np.float32)
    new_pts = pts @ np.array(matrix, np.float32).reshape(2, 3).T
    halfs = np.array([w * 0.5, h * 0.5], np.float32)
    lo, hi = new_pts.min(0) + halfs, new_pts.max(0) + halfs
    tol = np.float32(1e-4)
    size = np.ceil(np.trunc(hi / tol) * tol) - np.floor(np.trunc(lo / tol) * tol)
    return int(size[0]), int(size[1])


def _grid_transform(img, matrix, ow, oh, interpolation, fill):
    """torchvision's _gen_affine_grid + grid_sample(align_corners=False, zeros) + fill via a mask channel,
    in the image's float dtype (float32 for integer images, rounded back)."""
    mode = interpolation.value
    if mode not in ('nearest', 'bilinear'):
        raise ValueError(f"Interpolation mode '{mode}' is unsupported with Tensor input")
    a = _host(img)
    dtype = a.dtype if a.dtype.kind == 'f' else np.dtype(np.float32)
    h, w = a.shape[-2:]
    x = a.astype(dtype).reshape((-1,) + a.shape[-3:]) if a.ndim > 2 else a.astype(dtype)[None, None]
    if fill is not None:
        x = np.concatenate([x, np.ones(x.shape[:1] + (1,) + x.shape[2:], dtype)], axis=1)
    theta = np.array(matrix, dtype).reshape(2, 3)
    xs = np.linspace(-ow * 0.5 + 0.5, ow * 0.5 + 0.5 - 1, ow).astype(dtype)
    ys = np.linspace(-oh * 0.5 + 0.5, oh * 0.5 + 0.5 - 1, oh).astype(dtype)
    base = np.stack(np.broadcast_arrays(xs[None, :], ys[:, None], np.ones((), dtype)), -1)   # oh, ow, 3
    grid = base @ (theta.T / np.array([0.5 * w, 0.5 * h], dtype))                          # normalised x, y
    ix = ((grid[..., 0] + 1) * w - 1) / 2   # unnormalise, align_corners=False
    iy = ((grid[..., 1] + 1) * h - 1) / 2
    out = _sample(x, ix, iy, mode)
    if fill is not None:
        mask, out = out[:, -1:], out[:, :-1]
        fill_list = list(fill) if isinstance(fill, (tuple, list)) else [float(fill)]
        fill_img = np.broadcast_to(np.array(fill_list, dtype).reshape(1, -1, 1, 1), out.shape)
        mask = np.broadcast_to(mask, out.shape)
        out = np.where(mask < 0.5, fill_img, out) if mode == 'nearest' else out * mask + (1.0 - mask) * fill_img
    out = out.reshape(a.shape[:-2] + out.shape[-2:]) if a.ndim > 2 else out[0, 0]
    if a.dtype.kind != 'f':
        out = np.round(out)
    return wrap(out.astype(a.dtype))


def _sample(x, ix, iy, mode):
    """grid_sample on (N, C, H, W) at pixel coordinates (ix, iy), zeros outside."""
    h, w = x.shape[-2:]

    def tap(yy, xx):
        inside = (yy >= 0) & (yy < h) & (xx >= 0) & (xx < w)
        return np.where(inside, x[..., np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)], x.dtype.type(0))
    if mode == 'nearest':
        return tap(np.rint(iy).astype(np.int64), np.rint(ix).astype(np.int64))
    x0, y0 = np.floor(ix), np.floor(iy)
    tx, ty = ix - x0, iy - y0
    x0, y0 = x0.astype(np.int64), y0.astype(np.int64)
    return (tap(y0, x0) * ((1 - tx) * (1 - ty)) + tap(y0, x0 + 1) * (tx * (1 - ty)) +
            tap(y0 + 1, x0) * ((1 - tx) * ty) + tap(y0 + 1, x0 + 1) * (tx * ty))


def erase(img, i, j, h, w, v, inplace=False):
    """img[..., i:i+h, j:j+w] = v on a tensor image (a copy unless inplace)."""
    if not isinstance(img, Tensor):
        raise TypeError(f"img should be Tensor Image. Got {type(img)}")
    if not inplace:
        img = img.clone()
    img[..., i:i + h, j:j + w] = v
    return img


# ---- colour ---------------------------------------------------------------------------------------
def _float_of(img):
    a = _host(img)
    return a if a.dtype.kind == 'f' else a.astype(np.float32)


def _blend(img, other, ratio):
    """ratio * img + (1 - ratio) * other in the working float dtype (float32 for integer images), clamped to
    the dtype's range and cast back (truncating), as torchvision's _blend."""
    a = _host(img)
    work = a.dtype if a.dtype.kind == 'f' else np.dtype(np.float32)
    r = work.type(float(ratio))
    mixed = r * a.astype(work) + work.type(1.0 - float(ratio)) * np.asarray(other, dtype=work)
    return wrap(np.clip(mixed, 0, _max_value(a.dtype)).astype(a.dtype))


def rgb_to_grayscale(img, num_output_channels=1):
    """0.2989 R + 0.587 G + 0.114 B (ITU-R 601-2), in the image's dtype; a 1-channel image is returned as is."""
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    if _is_pil(img):
        return to_grayscale(img, num_output_channels)
    a = _host(img)
    c = get_dimensions(img)[0]
    if c not in (1, 3):
        raise TypeError(f"Input image tensor permitted channel values are [1, 3], but found {c}")
    if c == 1:
        return img
    x = a.astype(np.float32) if a.dtype.kind != 'f' else a
    r, g, b = x[..., 0, :, :], x[..., 1, :, :], x[..., 2, :, :]
    gray = (0.2989 * r + 0.587 * g + 0.114 * b).astype(a.dtype)[..., None, :, :]
    if num_output_channels == 3:
        gray = np.broadcast_to(gray, a.shape).copy()
    return wrap(gray)


def to_grayscale(img, num_output_channels=1):
    """PIL: convert('L'), stacked three times for num_output_channels=3."""
    if not _is_pil(img):
        return rgb_to_grayscale(img, num_output_channels)
    if num_output_channels not in (1, 3):
        raise ValueError("num_output_channels should be either 1 or 3")
    img = img.convert('L')
    if num_output_channels == 3:
        img = Image.fromarray(np.dstack([np.array(img, dtype=np.uint8)] * 3), 'RGB')
    return img


def _check_factor(name, factor):
    if factor < 0:
        raise ValueError(f"{name} ({factor}) is not non-negative.")


def adjust_brightness(img, brightness_factor):
    _check_factor('brightness_factor', brightness_factor)
    _check(img)
    if _is_pil(img):
        return ImageEnhance.Brightness(img).enhance(brightness_factor)
    return _blend(img, 0.0, brightness_factor)


def adjust_contrast(img, contrast_factor):
    """Blend with the mean of the grayscale image (a scalar per image)."""
    _check_factor('contrast_factor', contrast_factor)
    _check(img)
    if _is_pil(img):
        return ImageEnhance.Contrast(img).enhance(contrast_factor)
    c = get_dimensions(img)[0]
    gray = _host(rgb_to_grayscale(img)) if c == 3 else _host(img)
    gray = gray if gray.dtype.kind == 'f' else gray.astype(np.float32)
    mean = gray.mean(axis=(-3, -2, -1), keepdims=True, dtype=gray.dtype)
    return _blend(img, mean, contrast_factor)


def adjust_saturation(img, saturation_factor):
    _check_factor('saturation_factor', saturation_factor)
    _check(img)
    if _is_pil(img):
        return ImageEnhance.Color(img).enhance(saturation_factor)
    if get_dimensions(img)[0] == 1:
        return img
    gray = _host(rgb_to_grayscale(img))
    return _blend(img, gray.astype(np.float32) if gray.dtype.kind != 'f' else gray, saturation_factor)


def adjust_hue(img, hue_factor):
    """Shift the hue by hue_factor turns, in [-0.5, 0.5]. PIL: in Pillow's 8-bit HSV (hue wraps mod 256);
    tensors: torchvision's float32 RGB -> HSV -> RGB."""
    if not -0.5 <= hue_factor <= 0.5:
        raise ValueError(f"hue_factor ({hue_factor}) is not in [-0.5, 0.5].")
    _check(img)
    if _is_pil(img):
        if img.mode in {'L', '1', 'I', 'F'}:
            return img
        mode = img.mode
        h, s, v = img.convert('HSV').split()
        np_h = np.array(h, dtype=np.uint8)
        np_h += np.int32(hue_factor * 255).astype(np.uint8)   # wraps around, as intended
        return Image.merge('HSV', (Image.fromarray(np_h, 'L'), s, v)).convert(mode)
    if get_dimensions(img)[0] == 1:
        return img
    import autograd
    orig = img.dtype
    x = _host(convert_image_dtype(img, autograd.float32))
    hsv = _rgb2hsv(x)
    hsv[..., 0, :, :] = np.mod(hsv[..., 0, :, :] + np.float32(hue_factor), np.float32(1.0))
    return convert_image_dtype(wrap(_hsv2rgb(hsv)), orig)


def _rgb2hsv(img):
    r, g, b = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    maxc, minc = img.max(axis=-3), img.min(axis=-3)
    eqc = maxc == minc
    cr = maxc - minc
    one = np.ones_like(maxc)
    s = cr / np.where(eqc, one, maxc)
    div = np.where(eqc, one, cr)
    rc, gc, bc = (maxc - r) / div, (maxc - g) / div, (maxc - b) / div
    hr = (maxc == r) * (bc - gc)
    hg = ((maxc == g) & (maxc != r)) * (np.float32(2.0) + rc - bc)
    hb = ((maxc != g) & (maxc != r)) * (np.float32(4.0) + gc - rc)
    h = np.fmod((hr + hg + hb) / np.float32(6.0) + np.float32(1.0), np.float32(1.0))
    return np.stack((h, s, maxc), axis=-3)


def _hsv2rgb(img):
    h, s, v = img[..., 0, :, :], img[..., 1, :, :], img[..., 2, :, :]
    i = np.floor(h * np.float32(6.0))
    f = h * np.float32(6.0) - i
    i = i.astype(np.int32) % 6
    one = np.float32(1.0)
    p = np.clip(v * (one - s), 0.0, 1.0)
    q = np.clip(v * (one - s * f), 0.0, 1.0)
    t = np.clip(v * (one - s * (one - f)), 0.0, 1.0)
    choices = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)]   # (r, g, b) per sector
    out = np.zeros(h.shape[:-2] + (3,) + h.shape[-2:], dtype=img.dtype)
    for sector, rgb in enumerate(choices):
        mask = i == sector
        for ch in range(3):
            out[..., ch, :, :] += np.where(mask, rgb[ch], np.float32(0))
    return out


def gaussian_blur(img, kernel_size, sigma=None):
    """Separable Gaussian, torchvision's kernel (linspace taps, normalised in the working dtype), reflect
    padding; integer images are blurred in float32 and rounded back. PIL images go through a tensor."""
    if isinstance(kernel_size, int):
        kernel_size = [kernel_size, kernel_size]
    if sigma is None:
        sigma = [ksize * 0.15 + 0.35 for ksize in kernel_size]
    if isinstance(sigma, (int, float)):
        sigma = [float(sigma), float(sigma)]
    elif isinstance(sigma, (list, tuple)) and len(sigma) == 1:
        sigma = [sigma[0], sigma[0]]
    _check(img)
    t = pil_to_tensor(img) if _is_pil(img) else img
    a = _host(t)
    dtype = a.dtype if a.dtype.kind == 'f' else np.dtype(np.float32)
    kx, ky = (_kernel1d(k, s, dtype) for k, s in zip(kernel_size, sigma))
    x = a.astype(dtype)
    widths = [(0, 0)] * (a.ndim - 2) + [(kernel_size[1] // 2,) * 2, (kernel_size[0] // 2,) * 2]
    x = np.pad(x, widths, 'reflect')
    kernel2d = np.outer(ky, kx).astype(dtype)
    h, w = a.shape[-2:]
    out = np.zeros(a.shape, dtype)
    for dy in range(kernel_size[1]):
        for dx in range(kernel_size[0]):
            out += kernel2d[dy, dx] * x[..., dy:dy + h, dx:dx + w]
    if a.dtype.kind != 'f':
        out = np.round(out)
        if a.dtype == np.uint8:
            out = np.clip(out, 0, 255)
    out = wrap(out.astype(a.dtype))
    return to_pil_image(out, mode=img.mode) if _is_pil(img) else out


def _kernel1d(size, sigma, dtype):
    half = (size - 1) * 0.5
    x = np.linspace(-half, half, size).astype(dtype)
    pdf = np.exp(-0.5 * (x / dtype.type(sigma)) ** 2)
    return pdf / pdf.sum()
