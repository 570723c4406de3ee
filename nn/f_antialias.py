"""Antialiased resampling for F.interpolate(..., antialias=True) (torch's _upsample_bilinear2d_aa /
_upsample_bicubic2d_aa / _upsample_lanczos2d_aa), and the uint8 bilinear/bicubic paths torch runs in integer arithmetic.

Formula source: ATen's CPU kernel aten/src/ATen/native/cpu/UpSampleKernel.cpp
(HelperInterpBase::_compute_indices_min_size_weights_aa, separable_upsample_generic_Nd_kernel_impl):

* one dim at a time, the last (W) first, then H; a dim whose size does not change is skipped;
* output pixel i of a dim is centred at ``center = scale * (i + 0.5)`` in input coordinates, with
  ``scale = in / out`` (or ``1 / scale_factor``, or ``(in - 1) / (out - 1)`` with align_corners);
* the filter (bilinear: triangle, support 1; bicubic: Keys' cubic with a = -0.5, support 2; lanczos:
  sinc(x) sinc(x / 3), support 3, as Pillow's) is widened by
  ``scale`` when downsampling (scale >= 1): ``support = interp_size / 2 * scale`` and its argument is
  divided by scale, so each output pixel averages every input pixel under it (this is the antialiasing);
* the taps are the input pixels ``[xmin, xmin + xsize)`` with ``xmin = int(center - support + 0.5)``
  clipped to the image, and their weights are normalised to sum to 1 per output pixel.

Float inputs go through Tensor ops (index_select, mul, where), so the backward (torch's
_upsample_*2d_aa_backward, which scatters grad * weight to the same taps) comes from those ops.
uint8 inputs follow torch's integer path: the double weights are turned into int16 with a shared
precision, each pass accumulates ``(1 << (precision - 1)) + sum(pixel * weight)`` in integers and
stores ``clamp(acc >> precision, 0, 255)``; the horizontal pass is stored as uint8 before the vertical one.
"""
import math

import numpy as np

from autograd import backend
from autograd.tensor import wrap

from .f_resample import _scale   # ATen's area_pixel_compute_scale, shared with the plain modes

__all__ = ['interpolate_aa', 'interpolate_uint8']

_INTERP_SIZE = {'bilinear': 2, 'bicubic': 4, 'lanczos': 6}


def _filter(mode, x, T, aa=True):
    """The separable kernel at distances x (array of T): triangle, Keys' cubic with a = -0.5 (antialias,
    Pillow's) / -0.75 (plain bicubic), or Lanczos-3."""
    if mode == 'lanczos':     # Pillow's truncated sinc sinc(x) sinc(x / 3) on [-3, 3), in T as ATen's
        return np.where((x >= T(-3)) & (x < T(3)), _sinc(x, T) * _sinc((x / T(3)).astype(T), T), T(0)).astype(T)
    x = np.abs(x)
    if mode == 'bilinear':
        return np.where(x < T(1), (T(1) - x).astype(T), T(0)).astype(T)
    a = T(-0.5) if aa else T(-0.75)
    near = ((a + T(2)) * x - (a + T(3))) * x * x + T(1)
    far = ((a * x - T(5) * a) * x + T(8) * a) * x - T(4) * a
    return np.where(x < T(1), near, np.where(x < T(2), far, T(0))).astype(T)


def aa_taps(in_size, out_size, align_corners, scale, mode, T):
    """(xmin, xsize, weights (out_size, K)) of the antialiased filter along one dim, computed in the float type
    T with ATen's mixed float/double expressions (center, the tap distances and the bounds pass through
    double; the weights, their sum and the division stay in T)."""
    s = _scale(in_size, out_size, align_corners, scale, T)
    half = _INTERP_SIZE[mode] * 0.5
    support = T(half * float(s)) if s >= 1.0 else T(half)
    K = int(math.ceil(float(support))) * 2 + 1
    i = np.arange(out_size, dtype=np.float64)
    center = (float(s) * (i + 0.5)).astype(T)
    invscale = T(1.0 / float(s)) if s >= 1.0 else T(1.0)
    xmin = np.maximum(np.trunc((center - support).astype(np.float64) + 0.5).astype(np.int64), 0)
    xmax = np.minimum(np.trunc((center + support).astype(np.float64) + 0.5).astype(np.int64), in_size)
    xsize = np.clip(xmax - xmin, 0, K)
    w = np.zeros((out_size, K), T)
    total = np.zeros(out_size, T)
    for j in range(K):
        dist = (((j + xmin).astype(T) - center).astype(np.float64) + 0.5) * float(invscale)
        wj = np.where(j < xsize, _filter(mode, dist.astype(T), T), T(0)).astype(T)
        w[:, j] = wj
        total = (total + wj).astype(T)
    safe = np.where(total != 0, total, T(1)).astype(T)
    w = np.where((total != 0)[:, None], (w / safe[:, None]).astype(T), w)
    return xmin, xsize, w


def plain_taps(in_size, out_size, align_corners, scale, mode):
    """(xmin, xsize, weights) of plain (antialias=False) bilinear/bicubic for torch's uint8 path, in double:
    ATen's _compute_indices_min_size_weights (taps outside the image fold onto the edge pixel)."""
    K = _INTERP_SIZE[mode]
    s = float(_scale(in_size, out_size, align_corners, scale, np.float64))
    cubic = K > 2
    xmin = np.zeros(out_size, np.int64)
    xsize = np.zeros(out_size, np.int64)
    w = np.zeros((out_size, K), np.float64)
    support = int(K * 0.5)
    for i in range(out_size):
        if align_corners:
            real = s * i
        else:
            real = s * (i + 0.5) - 0.5
            real = 0.0 if (not cubic and real < 0) else real
        index = min(int(math.floor(real)), in_size - 1)
        lam = min(max(real - index, 0.0), 1.0)
        lo, hi = index - support + 1, index + support + 1
        xmin[i] = max(lo, 0)
        xsize[i] = min(max(min(hi, in_size) - xmin[i], 0), K)
        w_index = 0
        for j in range(K):
            wj = float(_filter(mode, np.array([j + 1 - support - lam]), np.float64, aa=False)[0])
            if lo + j <= 0:
                w_index = 0
            elif lo + j >= in_size - 1:
                w_index = xsize[i] - 1
            w[i, w_index] += wj
            w_index += 1
    return xmin, xsize, w


def _sinc(x, T):
    """sin(pi x) / (pi x) with pi x rounded to T and sin correctly rounded to T (glibc's sinf): near x = 1, 2
    the sign of the tiny result is float32's, which decides the sign of 0-weight * inf."""
    px = (x * T(math.pi)).astype(T)
    safe = np.where(px == 0, T(1), px).astype(T)
    return np.where(x == 0, T(1), (np.sin(safe.astype(np.float64)).astype(T) / safe).astype(T)).astype(T)


# ---- float path: Tensor ops, differentiable --------------------------------------------------------
def _along(x, dim, xmin, xsize, w):
    """out[..., i, ...] = sum_{j < xsize[i]} x[..., xmin[i] + j, ...] * w[i, j] along dim, in tap order (as the
    kernel accumulates); taps past xsize are masked out so an inf elsewhere cannot leak in as 0 * inf."""
    xp = backend.array_module(x.array)
    n = x.shape[dim]
    shape = [1] * x.ndim
    shape[dim] = -1
    out = None
    for j in range(w.shape[1]):
        valid = j < xsize
        if not valid.any():
            break
        idx = np.clip(xmin + j, 0, n - 1)
        term = x.index_select(dim, wrap(xp.asarray(idx))) * wrap(xp.asarray(w[:, j].reshape(shape)))
        if not valid.all():
            term = term.where(wrap(xp.asarray(valid.reshape(shape))), 0)
        out = term if out is None else out + term
    return out


def interpolate_aa(input, output_size, align_corners, scales, mode):
    """Antialiased bilinear/bicubic/lanczos resize of a 4-D float tensor (N, C, H, W) to output_size (H', W')."""
    T = np.float64 if input.array.dtype == np.float64 else np.float32
    out = input
    for d in (3, 2):
        n_in, n_out = input.shape[d], output_size[d - 2]
        if n_in == n_out:
            continue
        out = _along(out, d, *aa_taps(n_in, n_out, align_corners, scales[d - 2], mode, T))
    return out.clone() if out is input else out


# ---- uint8 path: torch's integer arithmetic ------------------------------------------------------------
def _int16_weights(w):
    """ATen's _compute_index_ranges_int16_weights: the largest precision (< 22) whose doubled max weight still
    fits in int16, and the weights rounded half away from zero at that precision."""
    wt_max = float(w.max()) if w.size else 0.0
    precision = 0
    while precision < 22:
        if int(0.5 + wt_max * (1 << (precision + 1))) >= (1 << 15):
            break
        precision += 1
    v = w * float(1 << precision)
    return np.where(v < 0, np.trunc(v - 0.5), np.trunc(v + 0.5)).astype(np.int64), precision


def _int_pass(a, axis, xmin, xsize, w):
    """One separable pass on an integer array (..., n, ...) along axis: uint8 out."""
    w16, precision = _int16_weights(w)
    a = np.moveaxis(a, axis, -1).astype(np.int64)
    acc = np.full(a.shape[:-1] + (len(xmin),), 1 << (precision - 1), np.int64)
    for j in range(w.shape[1]):
        valid = j < xsize
        if not valid.any():
            break
        idx = np.clip(xmin + j, 0, a.shape[-1] - 1)
        acc += np.where(valid, a[..., idx] * w16[:, j], 0)
    out = np.clip(acc >> precision, 0, 255).astype(np.uint8)
    return np.moveaxis(out, -1, axis)


def interpolate_uint8(input, output_size, align_corners, scales, mode, antialias):
    """torch's uint8 bilinear/bicubic (antialiased or not) and lanczos resize of (N, C, H, W): W first, then H."""
    a = backend.to_host(input.detach().array)
    for d in (3, 2):
        n_in, n_out = a.shape[d], output_size[d - 2]
        if n_in == n_out:
            continue
        if antialias:
            taps = aa_taps(n_in, n_out, align_corners, scales[d - 2], mode, np.float64)
        else:
            taps = plain_taps(n_in, n_out, align_corners, scales[d - 2], mode)
        a = _int_pass(a, d, *taps)
    xp = backend.array_module(input.array)
    return wrap(xp.asarray(np.ascontiguousarray(a)))
