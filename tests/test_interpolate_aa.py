"""F.interpolate(..., antialias=True) (nn/f_antialias.py) and the uint8 bilinear/bicubic kernels against torch:
forward values and input gradients, float64 and float32, hypothesis over sizes, scale factors, align_corners
and hard points (inf, nan); uint8 results bit for bit."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import autograd
import nn.functional as F
from tests.layer_oracle import DTYPES, array, compare
from tests.tolerance import assert_close

SETTINGS = dict(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(0, 2 ** 32 - 1)
SCALES = st.floats(0.15, 3.0).map(lambda s: round(s, 3))


def _draw_resize(data, h, w):
    """size=(oh, ow) or scale_factor=(sh, sw); returns the kwargs and the output size."""
    if data.draw(st.booleans()):
        size = (data.draw(st.integers(1, 14)), data.draw(st.integers(1, 14)))
        return dict(size=size), size
    sf = (data.draw(SCALES), data.draw(SCALES))
    recompute = data.draw(st.sampled_from([None, False, True]))
    out = (int(np.floor(h * sf[0])), int(np.floor(w * sf[1])))
    assume(min(out) >= 1)
    # torch's forward copies a dim whose size does not change, but its backward still weights that dim with
    # the scale factor's filter (scale 1/sf, not 1): its gradient is not the forward's; keep such draws out
    assume(recompute or all(o != i or s == 1.0 for o, i, s in zip(out, (h, w), sf)))
    return dict(scale_factor=sf, recompute_scale_factor=recompute), out


def _torch_aa(kw, out_w, **opts):
    """torch's resize. With an output width of 1, torch 2.13's CPU kernel gives every output row the weights of
    row 0 in its vertical pass (a torch bug: the pass reads the first row's taps for the whole inner loop),
    so that case is compared with torch run on the transposed image, where the same resize is correct."""
    if out_w != 1:
        return lambda t: TF.interpolate(t, antialias=True, **kw, **opts)
    swapped = {k: tuple(reversed(v)) if isinstance(v, tuple) else v for k, v in kw.items()}
    return lambda t: TF.interpolate(t.transpose(-1, -2), antialias=True, **swapped, **opts).transpose(-1, -2)


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('mode', ['bilinear', 'bicubic', 'lanczos'])
@settings(**SETTINGS)
@given(data=st.data(), seed=SEEDS)
def test_interpolate_antialias(dtype, mode, data, seed):
    n, c = data.draw(st.integers(1, 2)), data.draw(st.integers(1, 3))
    h, w = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
    kw, (oh, ow) = _draw_resize(data, h, w)
    align = data.draw(st.sampled_from([False, True])) if mode != 'lanczos' else False
    x = array(np.random.default_rng(seed), [n, c, h, w], dtype)
    if data.draw(st.integers(0, 4)) == 0:     # hard points: an inf, a -inf and a nan somewhere
        # (infs for bilinear only: a bicubic/lanczos weight can be a rounding-sized number where the filter
        # crosses zero, and whether torch's is 0, +tiny or -tiny -- so inf * w is nan, inf or -inf -- depends
        # on its CPU kernel build: the AVX2 kernels evaluate the cubic with fused multiply-adds, the default
        # ones do not. NaN positions depend only on the taps' bounds, the same everywhere.)
        flat = x.reshape(-1)
        for v in ((np.inf, -np.inf, np.nan) if mode == 'bilinear' else (np.nan,)):
            flat[data.draw(st.integers(0, flat.size - 1))] = v
    compare(_torch_aa(kw, ow, mode=mode, align_corners=align),
            lambda t: F.interpolate(t, mode=mode, align_corners=align, antialias=True, **kw), [x], dtype, seed)


@pytest.mark.parametrize('dtype', DTYPES)
def test_antialias_strong_downsampling(dtype):
    """A 64 -> 5 resize averages ~13 input pixels per output pixel (bicubic: ~26 taps)."""
    x = array(np.random.default_rng(0), [1, 2, 64, 40], dtype)
    for mode in ('bilinear', 'bicubic', 'lanczos'):
        compare(lambda t: TF.interpolate(t, size=(5, 7), mode=mode, antialias=True),
                lambda t: F.interpolate(t, size=(5, 7), mode=mode, antialias=True), [x], dtype)


@pytest.mark.parametrize('mode', ['bilinear', 'bicubic', 'lanczos'])
@settings(**SETTINGS)
@given(data=st.data(), seed=SEEDS)
def test_interpolate_uint8(mode, data, seed):
    """uint8 bilinear/bicubic (antialias or not) and lanczos are torch's integer kernel (int16 weights): the
    same bytes."""
    c = data.draw(st.integers(1, 6))
    h, w = data.draw(st.integers(1, 20)), data.draw(st.integers(1, 20))
    kw, (oh, ow) = _draw_resize(data, h, w)
    antialias, align = data.draw(st.booleans()), data.draw(st.booleans())
    if mode == 'lanczos':
        antialias, align = True, False
    # torch's generic uint8 kernel (more than 4 channels) has the same output-width-1 bug as the float one;
    # there the pass order decides the rounding, so a transposed run cannot stand in: leave that case out
    assume(not (ow == 1 and c > 4 and h != oh))
    # torch 2.13's uint8 kernel for 3 channels (packed to 4) fails an INTERNAL ASSERT (UpSampleKernelAVXAntialias.h)
    # when a 1x1 output is made from more than one row; there is nothing to compare with
    assume(not (c == 3 and (oh, ow) == (1, 1) and h != 1))
    x = np.random.default_rng(seed).integers(0, 256, (1, c, h, w)).astype(np.uint8)
    theirs = TF.interpolate(torch.tensor(x), mode=mode, align_corners=align, antialias=antialias, **kw)
    ours = F.interpolate(autograd.tensor(x), mode=mode, align_corners=align, antialias=antialias, **kw)
    assert ours.dtype == autograd.uint8
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_antialias_errors_match_torch():
    cases = [(np.float32, (1, 1, 4, 4), dict(mode='nearest')), (np.float32, (1, 4, 4), dict(mode='bilinear')),
             (np.float16, (1, 1, 4, 4), dict(mode='bilinear')), (np.int32, (1, 1, 4, 4), dict(mode='bicubic'))]
    for dtype, shape, kw in cases:
        x = np.zeros(shape, dtype)
        with pytest.raises(Exception) as theirs:
            TF.interpolate(torch.tensor(x), size=(2,) * (len(shape) - 2), antialias=True, **kw)
        with pytest.raises(theirs.type) as ours:
            F.interpolate(autograd.tensor(x), size=(2,) * (len(shape) - 2), antialias=True, **kw)
        assert str(ours.value) == str(theirs.value)
    for shape, kw in [((1, 1, 4, 4), {}), ((1, 1, 4, 4), dict(antialias=True, align_corners=True)), ((1, 4), {})]:
        x = np.zeros(shape, np.float32)
        with pytest.raises(Exception) as theirs:
            TF.interpolate(torch.tensor(x), size=(2,) * (len(shape) - 2), mode='lanczos', **kw)
        with pytest.raises(theirs.type) as ours:
            F.interpolate(autograd.tensor(x), size=(2,) * (len(shape) - 2), mode='lanczos', **kw)
        assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize('mode', ['bilinear', 'bicubic', 'lanczos'])
def test_antialias_on_device(device, mode):
    """The same resize (and gradient) on 'cuda' as on the host; uint8's integer kernel gives the same bytes."""
    x = array(np.random.default_rng(2), [2, 3, 13, 9], np.float32)
    grads = []
    for dev in ('cpu', device):
        t = autograd.tensor(x, device=dev, requires_grad=True)
        out = F.interpolate(t, size=(5, 4), mode=mode, antialias=True)
        assert out.device.type == dev
        (out * out).sum().backward()
        grads.append((out.detach().cpu().numpy(), t.grad.cpu().numpy()))
    for ours, theirs in zip(*grads):
        assert_close(ours, theirs, dtype=np.float32)
    u = np.random.default_rng(3).integers(0, 256, (1, 3, 13, 9)).astype(np.uint8)
    on_device = F.interpolate(autograd.tensor(u, device=device), size=(5, 4), mode=mode, antialias=True)
    assert on_device.device.type == device
    np.testing.assert_array_equal(on_device.cpu().numpy(),
                                  F.interpolate(autograd.tensor(u), size=(5, 4), mode=mode, antialias=True).numpy())
