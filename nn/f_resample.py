"""Resampling functions (issue 11): interpolate (and the deprecated upsample* forms), pixel_shuffle,
pixel_unshuffle, channel_shuffle, affine_grid and grid_sample.

Written with Tensor ops (index_select / gather and weighted sums), so the gradients, also with respect to a
sampling grid, come from those ops. The source positions and weights follow ATen's CPU kernels
(aten/src/ATen/native/UpSample.h): they are computed in the input's float type (float32 for float32
inputs, as torch's opmath), so nearest neighbours pick the same pixels as torch's.
"""
import math
import numbers
import warnings

import numpy as np

from autograd import backend
from autograd.tensor import wrap

__all__ = ['interpolate', 'upsample', 'upsample_nearest', 'upsample_bilinear', 'pixel_shuffle',
           'pixel_unshuffle', 'channel_shuffle', 'native_channel_shuffle', 'affine_grid', 'grid_sample']

_MODES = {'nearest': None, 'nearest-exact': None, 'area': None, 'linear': 3, 'bilinear': 4, 'bicubic': 4,
          'trilinear': 5}


# ---- source positions and weights along one dim -----------------------------------------------------
def _scale(in_size, out_size, align_corners, scale, T):
    """ATen's area_pixel_compute_scale in the float type T."""
    if align_corners:
        return T(in_size - 1) / T(out_size - 1) if out_size > 1 else T(0)
    if scale is not None and scale > 0:
        return T(1.0 / scale)
    return T(in_size) / T(out_size)


def _nearest_index(in_size, out_size, scale, exact, double=False, spatial=2):
    """ATen's CPU nearest / nearest-exact source indices (HelperInterpNearest(Exact)), no shortcuts (with a
    scale_factor, out == 2 * in need not mean dst // 2). The position is computed in the input's opmath type
    (double for float64 input, else float) and floored as a float (ATen's floorf). For 1-d and 3-d resizes
    nearest-exact's (dst + 0.5) * scale - 0.5 is one fused multiply-add in float, as torch's CPU build
    computes it. 2-d resizes (4-D input) follow float arithmetic without the fusion: measured against
    torch 2.13 over sizes 2..39 -> 1..149, this is exact for float32/uint8 nearest, and at a handful of
    positions that fall exactly on a pixel boundary (float64 nearest, nearest-exact) torch's 2-d kernel
    picks either neighbour; no single rule reproduces it (tests/test_vision_resize.py says which)."""
    dst = np.arange(out_size)
    T = np.float64 if double and spatial != 2 else np.float32
    s = T(1.0 / scale) if scale is not None and scale > 0 else T(in_size) / T(out_size)
    if not exact:
        pos = s * dst.astype(T)
    else:
        if spatial != 2 and T is np.float32:     # fused: one rounding of s * (dst + 0.5) - 0.5
            src = (np.float64(s) * (dst + 0.5) - 0.5).astype(np.float32)
        else:
            src = s * (dst.astype(T) + T(0.5)) - T(0.5)
        pos = np.maximum(src, T(0)) + T(0.5)
    return np.minimum(np.floor(pos.astype(np.float32)).astype(np.int64), in_size - 1)


def _linear_taps(in_size, out_size, align_corners, scale, T):
    """(indices, weights) of the 2 taps per output position (ATen's compute_source_index_and_lambda)."""
    dst = np.arange(out_size)
    if in_size == out_size:
        return [dst, dst], [np.ones(out_size, T), np.zeros(out_size, T)]
    ratio = _scale(in_size, out_size, align_corners, scale, T)
    d = dst.astype(T)
    real = ratio * d if align_corners else np.maximum(ratio * (d + T(0.5)) - T(0.5), T(0))
    i0 = np.minimum(np.floor(real).astype(np.int64), in_size - 1)
    lam1 = np.clip(real - i0.astype(T), T(0), T(1)).astype(T)
    i1 = i0 + (i0 < in_size - 1)
    return [i0, i1], [(T(1) - lam1).astype(T), lam1]


def _cubic_taps(in_size, out_size, align_corners, scale, T):
    """(indices, weights) of the 4 taps per output position: Keys' cubic convolution with A = -0.75,
    indices clamped to the edge (ATen's upsample_bicubic2d)."""
    ratio = _scale(in_size, out_size, align_corners, scale, T)
    d = np.arange(out_size).astype(T)
    real = ratio * d if align_corners else ratio * (d + T(0.5)) - T(0.5)
    i = np.floor(real).astype(np.int64)
    t = (real - i.astype(T)).astype(T)
    A = T(-0.75)

    def near(x):   # |x| <= 1
        return ((A + T(2)) * x - (A + T(3))) * x * x + T(1)

    def far(x):    # 1 < |x| < 2
        return ((A * x - T(5) * A) * x + T(8) * A) * x - T(4) * A
    weights = [far(t + T(1)), near(t), near(T(1) - t), far(T(2) - t)]
    index = [np.clip(i + k, 0, in_size - 1) for k in (-1, 0, 1, 2)]
    return index, [w.astype(T) for w in weights]


def _area_matrix(in_size, out_size, T):
    """(out, in) averaging matrix of adaptive average pooling: window [floor(i*in/out), ceil((i+1)*in/out))."""
    m = np.zeros((out_size, in_size), dtype=T)
    for i in range(out_size):
        lo, hi = (i * in_size) // out_size, -((-(i + 1) * in_size) // out_size)
        m[i, lo:hi] = T(1) / T(hi - lo)
    return m


def _along(x, dim, index, weights):
    """sum_k weights[k] * x.index_select(dim, index[k]), weights broadcast along dim."""
    xp = backend.array_module(x.array)
    shape = [1] * x.ndim
    shape[dim] = -1
    out = None
    for idx, w in zip(index, weights):
        term = x.index_select(dim, wrap(xp.asarray(idx))) * wrap(xp.asarray(w.reshape(shape)))
        out = term if out is None else out + term
    return out


# ---- interpolate -------------------------------------------------------------------------------------
def _is_int(x):
    return isinstance(x, numbers.Integral) or (hasattr(x, 'is_integer') and isinstance(x, float) and False)


def interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of input (N, C, d1[, d2[, d3]]) to `size` or by `scale_factor`.

    modes: nearest, nearest-exact (3-5D), linear (3D), bilinear, bicubic (4D), trilinear (5D), area (3-5D,
    adaptive average pooling). align_corners (interpolating modes only, default False) maps the corner
    pixel centres onto each other. recompute_scale_factor=True derives the scale from the output size.
    antialias=True (bilinear/bicubic/lanczos, 4-D) widens the filter by the scale when downsampling, as torch's
    _upsample_*2d_aa (nn/f_antialias.py; lanczos needs it); uint8 bilinear/bicubic input runs torch's integer kernel."""
    if mode in ('nearest', 'area', 'nearest-exact'):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating modes: "
                             "linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.dim() - 2
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        scale_factors = None
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    "Input and output must have the same number of spatial dimensions, but got input with spatial "
                    f"dimensions of {list(input.shape[2:])} and output size of {size}. Please provide input "
                    "tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.")
            if not all(isinstance(s, numbers.Integral) for s in size):
                raise TypeError("expected size to be one of int or Tuple[int] or Tuple[int, int] or "
                                f"Tuple[int, int, int], but got size with types {[type(x) for x in size]}")
            output_size = [int(s) for s in size]
        else:
            output_size = [int(size)] * dim
    elif scale_factor is not None:
        output_size = None
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    "Input and scale_factor must have the same number of spatial dimensions, but got input with "
                    f"spatial dimensions of {list(input.shape[2:])} and scale_factor of shape {scale_factor}. "
                    "Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in "
                    "(s1, s2, ...,sK) format.")
            scale_factors = [float(s) for s in scale_factor]
        else:
            scale_factors = [float(scale_factor)] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == 'area' and output_size is None:
        recompute_scale_factor = True
    if recompute_scale_factor:
        output_size = [int(input.shape[i + 2] * scale_factors[i]) for i in range(dim)]
        scale_factors = None
    if antialias:
        if not (mode in ('bilinear', 'bicubic', 'lanczos') and input.ndim == 4):
            raise ValueError("Anti-alias option is restricted to bilinear, bicubic, and lanczos modes and requires "
                             "a 4-D tensor as input")
    lanczos = mode == 'lanczos' and input.dim() == 4
    if lanczos and align_corners:
        raise ValueError("Lanczos mode does not support align_corners=True")
    if lanczos and not antialias:
        raise ValueError("Lanczos mode requires antialias=True")
    if (mode not in _MODES and not lanczos) or input.dim() not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.dim()}D) for the modes: nearest | "
            f"linear | bilinear | bicubic | trilinear | lanczos | area | nearest-exact (got {mode})")
    if _MODES.get(mode) is not None and _MODES[mode] != input.dim():
        raise NotImplementedError(f"Got {input.dim()}D input, but {mode} mode needs {_MODES[mode]}D input")
    if output_size is None:   # ATen: floor(input_size * scale) in double
        output_size = [int(math.floor(input.shape[i + 2] * scale_factors[i])) for i in range(dim)]
    scales = scale_factors if scale_factors is not None else [None] * dim
    if any(s <= 0 for s in output_size) or any(s <= 0 for s in input.shape[2:]):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(str(s) for s in input.shape[2:])}) and output "
                           f"({', '.join(str(s) for s in output_size)})")
    if antialias or (mode in ('bilinear', 'bicubic') and input.array.dtype == np.uint8):
        return _resample_2d(input, output_size, align_corners, scales, mode, antialias)
    T = np.float32 if input.array.dtype != np.float64 else np.float64
    out = input
    for i in reversed(range(dim)):       # the last dim innermost, as ATen's kernels nest their sums
        d, n_in, n_out, s = i + 2, input.shape[i + 2], output_size[i], scales[i]
        if mode in ('nearest', 'nearest-exact'):
            idx = _nearest_index(n_in, n_out, s, mode == 'nearest-exact', T is np.float64, dim)
            out = out.index_select(d, wrap(backend.array_module(input.array).asarray(idx)))
        elif mode == 'area':
            if n_in != n_out:
                m = wrap(backend.array_module(input.array).asarray(_area_matrix(n_in, n_out, T)))
                out = (out.transpose(d, -1) @ m.t().to(out.dtype)).transpose(d, -1)
        elif mode == 'bicubic':
            out = _along(out, d, *_cubic_taps(n_in, n_out, align_corners, s, T))
        else:
            out = _along(out, d, *_linear_taps(n_in, n_out, align_corners, s, T))
    return out


def _resample_2d(input, output_size, align_corners, scales, mode, antialias):
    """The separable kernels of nn/f_antialias.py: float32/float64 (antialiased) or uint8 (torch's integer path)."""
    from .f_antialias import interpolate_aa, interpolate_uint8
    dt = input.array.dtype
    if dt == np.uint8:
        return interpolate_uint8(input, output_size, align_corners, scales, mode, antialias)
    if dt not in (np.float32, np.float64):
        raise NotImplementedError(f"\"compute_index_ranges_weights\" not implemented for '{input.dtype.scalar_name}'")
    return interpolate_aa(input, output_size, align_corners, scales, mode)


def upsample(input, size=None, scale_factor=None, mode='nearest', align_corners=None):
    """Deprecated alias of interpolate (torch warns the same way)."""
    warnings.warn("`nn.functional.upsample` is deprecated. Use `nn.functional.interpolate` instead.", stacklevel=2)
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode='nearest')


def upsample_bilinear(input, size=None, scale_factor=None):
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)


# ---- pixel and channel shuffles ----------------------------------------------------------------------
def pixel_shuffle(input, upscale_factor):
    """(*, C*r*r, H, W) -> (*, C, H*r, W*r): out[c, h*r+i, w*r+j] = in[c*r*r + i*r + j, h, w]."""
    r = int(upscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square "
                           f"of upscale_factor, but input.size(-3)={c} is not divisible by {r * r}")
    n = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H*r, W*r) -> (*, C*r*r, H, W), the inverse of pixel_shuffle."""
    r = int(downscale_factor)
    if input.dim() < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r:
        raise RuntimeError(f"pixel_unshuffle expects height to be divisible by downscale_factor, but "
                           f"input.size(-2)={h} is not divisible by {r}")
    if w % r:
        raise RuntimeError(f"pixel_unshuffle expects width to be divisible by downscale_factor, but "
                           f"input.size(-1)={w} is not divisible by {r}")
    n = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)


def channel_shuffle(input, groups):
    """(N, g*k, *) -> (N, k*g, *): the channels (g, k) transposed to (k, g) (ShuffleNet)."""
    groups = int(groups)
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    if input.dim() <= 2:
        raise RuntimeError(f"channel_shuffle expects input to have at least 3 dimensions, but got input with "
                           f"{input.dim()} dimension(s)")
    n, c, *rest = input.shape
    if c % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {c} channels and {groups} groups.")
    x = input.reshape(n, groups, c // groups, *rest).transpose(1, 2)
    return x.reshape(n, c, *rest)


native_channel_shuffle = channel_shuffle


# ---- affine_grid and grid_sample ---------------------------------------------------------------------
def _base_coords(n, align_corners, xp, dtype):
    """torch's linspace(-1, 1, n), shrunk by (n-1)/n when not align_corners (pixel centres)."""
    if n <= 1:
        return xp.zeros(max(n, 0), dtype=dtype)
    c = xp.linspace(-1, 1, n, dtype=dtype)
    return c if align_corners else c * dtype.type(n - 1) / dtype.type(n)


_ALIGN_WARNING = ("Default grid_sample and affine_grid behavior has changed to align_corners=False since 1.3.0. "
                  "Please specify align_corners=True if the old behavior is desired. See the documentation of "
                  "grid_sample for details.")


def affine_grid(theta, size, align_corners=None):
    """Sampling grid (N, H, W, 2) (or (N, D, H, W, 3)) of the affine maps theta (N, 2, 3) / (N, 3, 4) applied to
    the normalised output coordinates [-1, 1] (x along W first)."""
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if not theta.is_floating_point():
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = list(size)
    if len(size) == 4:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (2, 3):
            raise ValueError(f"Expected a batch of 2D affine matrices of shape Nx2x3 for size {size}. Got "
                             f"{list(theta.shape)}.")
        spatial = size[-2:]
    elif len(size) == 5:
        if theta.dim() != 3 or tuple(theta.shape[-2:]) != (3, 4):
            raise ValueError(f"Expected a batch of 3D affine matrices of shape Nx3x4 for size {size}. Got "
                             f"{list(theta.shape)}.")
        spatial = size[-3:]
    else:
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if align_corners and min(spatial) == 1:
        warnings.warn("Since version 1.3.0, affine_grid behavior has changed for unit-size grids when "
                      "align_corners=True. This is not an intended use case of affine_grid. See the documentation "
                      "of affine_grid for details.", stacklevel=2)
    xp, dt = backend.array_module(theta.array), theta.array.dtype
    axes = [_base_coords(s, align_corners, xp, dt) for s in reversed(spatial)]   # x (W), y (H)[, z (D)]
    mesh = xp.meshgrid(*reversed(axes), indexing='ij')                            # D/H/W order grids
    base = xp.stack([m for m in reversed(mesh)] + [xp.ones_like(mesh[0])], axis=-1)
    base = wrap(base.reshape(1, -1, len(spatial) + 1))
    grid = base @ theta.transpose(1, 2)                                            # (N, prod, k)
    return grid.reshape(size[0], *spatial, len(spatial))


def _unnormalize(coord, size, align_corners):
    if align_corners:
        return (coord + 1) / 2 * (size - 1)
    return ((coord + 1) * size - 1) / 2


def _reflect(coord, low2, high2):
    """ATen's reflect_coordinates: fold coord into [low2/2, high2/2] by mirroring."""
    if low2 == high2:
        return coord * 0
    mn, span = low2 / 2, (high2 - low2) / 2
    c = (coord - mn).abs()
    flips = (c / span).floor()
    extra = c - flips * span
    even = (flips.detach() % 2) == 0
    return (extra + mn).where(even, span - extra + mn)


def _clip(coord, size):
    """clamp to [0, size - 1] with a zero gradient on and beyond the edges (ATen's clip_coordinates_set_grad;
    clamp's own gradient passes at the edges)."""
    inside = (coord.detach() > 0) & (coord.detach() < size - 1)
    return coord.where(inside, coord.detach().clamp(0, size - 1))


def _source(coord, size, padding_mode, align_corners):
    coord = _unnormalize(coord, size, align_corners)
    if padding_mode == 'border':
        coord = _clip(coord, size)
    elif padding_mode == 'reflection':
        coord = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
        coord = _clip(coord, size)
    return coord


def grid_sample(input, grid, mode='bilinear', padding_mode='zeros', align_corners=None):
    """Sample input (N, C, H, W) at grid (N, Ho, Wo, 2) (x, y in [-1, 1]): output (N, C, Ho, Wo).

    mode: bilinear, nearest, bicubic; padding_mode: zeros, border, reflection. Differentiable in input and
    grid (nearest has a zero grid gradient). 5-D input (N, C, D, H, W) with grid (N, Do, Ho, Wo, 3) samples
    trilinearly ('bilinear') or by nearest voxel; bicubic is 4-D only, as in torch."""
    if mode not in ('bilinear', 'nearest', 'bicubic'):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ('zeros', 'border', 'reflection'):
        raise ValueError("nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_ALIGN_WARNING, stacklevel=2)
        align_corners = False
    if input.dim() == 5 and grid.dim() == 5 and grid.shape[-1] == 3:
        return _grid_sample_3d(input, grid, mode, padding_mode, align_corners)
    if input.dim() != 4 or grid.dim() != 4 or grid.shape[-1] != 2:
        raise RuntimeError(f"grid_sampler(): expected 4D input and grid with same number of dimensions and grid "
                           f"of shape (N, H, W, 2), but got input with sizes {list(input.shape)} and grid with "
                           f"sizes {list(grid.shape)}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    n, c, h, w = input.shape
    ho, wo = grid.shape[1], grid.shape[2]
    x = _source(grid[..., 0], w, padding_mode, align_corners)
    y = _source(grid[..., 1], h, padding_mode, align_corners)
    flat = input.reshape(n, c, h * w)

    def tap(iy, ix, weight):
        """weight * input[iy, ix], zero where (iy, ix) lies outside (zeros padding)."""
        inside = (ix >= 0) & (ix <= w - 1) & (iy >= 0) & (iy <= h - 1)
        index = (iy.clamp(0, h - 1) * w + ix.clamp(0, w - 1)).long().reshape(n, 1, ho * wo).expand(n, c, ho * wo)
        values = flat.gather(2, index).reshape(n, c, ho, wo)
        return values * (weight * inside.to(weight.dtype)).unsqueeze(1)

    if mode == 'nearest':
        ix, iy = x.detach().round(), y.detach().round()    # round half to even, as nearbyint
        return tap(iy, ix, x * 0 + y * 0 + 1)    # a zero gradient for the grid, as torch
    x0, y0 = x.detach().floor(), y.detach().floor()
    tx, ty = x - x0, y - y0
    if mode == 'bilinear':
        return (tap(y0, x0, (1 - tx) * (1 - ty)) + tap(y0, x0 + 1, tx * (1 - ty)) +
                tap(y0 + 1, x0, (1 - tx) * ty) + tap(y0 + 1, x0 + 1, tx * ty))
    # bicubic: separable Keys kernel (A = -0.75) over 4x4 taps, each tap's coordinate padded like the point
    A = -0.75

    def coeffs(t):
        near = lambda s: ((A + 2) * s - (A + 3)) * s * s + 1          # noqa: E731
        far = lambda s: ((A * s - 5 * A) * s + 8 * A) * s - 4 * A     # noqa: E731
        return [far(t + 1), near(t), near(1 - t), far(2 - t)]
    # ATen's bicubic takes the unpadded source point, then pads each tap index
    xr = _unnormalize(grid[..., 0], w, align_corners)
    yr = _unnormalize(grid[..., 1], h, align_corners)
    x0, y0 = xr.detach().floor(), yr.detach().floor()
    wx, wy = coeffs(xr - x0), coeffs(yr - y0)
    out = None
    for i in range(4):
        for j in range(4):
            ix, iy = _tap_index(x0 + (j - 1), w, padding_mode, align_corners), \
                _tap_index(y0 + (i - 1), h, padding_mode, align_corners)
            term = tap(iy, ix, wx[j] * wy[i])
            out = term if out is None else out + term
    return out


def _grid_sample_3d(input, grid, mode, padding_mode, align_corners):
    """Volumetric grid_sample: the 4-D path's taps with a depth coordinate (8 trilinear taps)."""
    if mode == 'bicubic':
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got input with "
                           f"sizes {list(input.shape)} and grid with sizes {list(grid.shape)}")
    n, c, d, h, w = input.shape
    do, ho, wo = grid.shape[1], grid.shape[2], grid.shape[3]
    x = _source(grid[..., 0], w, padding_mode, align_corners)
    y = _source(grid[..., 1], h, padding_mode, align_corners)
    z = _source(grid[..., 2], d, padding_mode, align_corners)
    flat = input.reshape(n, c, d * h * w)

    def tap(iz, iy, ix, weight):
        inside = (ix >= 0) & (ix <= w - 1) & (iy >= 0) & (iy <= h - 1) & (iz >= 0) & (iz <= d - 1)
        index = ((iz.clamp(0, d - 1) * h + iy.clamp(0, h - 1)) * w + ix.clamp(0, w - 1)).long()
        index = index.reshape(n, 1, do * ho * wo).expand(n, c, do * ho * wo)
        values = flat.gather(2, index).reshape(n, c, do, ho, wo)
        return values * (weight * inside.to(weight.dtype)).unsqueeze(1)

    if mode == 'nearest':
        return tap(z.detach().round(), y.detach().round(), x.detach().round(), x * 0 + y * 0 + z * 0 + 1)
    x0, y0, z0 = x.detach().floor(), y.detach().floor(), z.detach().floor()
    tx, ty, tz = x - x0, y - y0, z - z0
    out = None
    for dz, wz in ((0, 1 - tz), (1, tz)):
        for dy, wy in ((0, 1 - ty), (1, ty)):
            for dx, wx in ((0, 1 - tx), (1, tx)):
                term = tap(z0 + dz, y0 + dy, x0 + dx, wx * wy * wz)
                out = term if out is None else out + term
    return out


def _tap_index(coord, size, padding_mode, align_corners):
    """A bicubic tap's integer index after padding (ATen's compute_coordinates on an integer point)."""
    if padding_mode == 'border':
        return coord.clamp(0, size - 1)
    if padding_mode == 'reflection':
        c = _reflect(coord, 0, 2 * (size - 1)) if align_corners else _reflect(coord, -1, 2 * size - 1)
        return c.clamp(0, size - 1)
    return coord
