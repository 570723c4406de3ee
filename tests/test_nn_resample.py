"""Padding layers, interpolate/Upsample, pixel and channel shuffles, affine_grid and grid_sample against
torch: forward values and input (and grid) gradients, float64 and float32, hypothesis over shapes/options."""
import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import autograd
import nn
import nn.functional as F
from tests.layer_oracle import DTYPES, array, compare, compare_module

SETTINGS = dict(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEEDS = st.integers(0, 2 ** 32 - 1)


# ---- padding -----------------------------------------------------------------------------------------
PAD_KINDS = ['Zero', 'Constant', 'Reflection', 'Replication', 'Circular']


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('kind', PAD_KINDS)
@settings(**SETTINGS)
@given(data=st.data(), n=st.integers(1, 3), batched=st.booleans(), seed=SEEDS)
def test_padding_layers(dtype, kind, data, n, batched, seed):
    sizes = data.draw(st.lists(st.integers(2, 5), min_size=n, max_size=n))
    limit = [s - 1 if kind == 'Reflection' else s for s in sizes]      # reflection needs pad < size
    amounts = []
    for s in reversed(limit):
        amounts += [data.draw(st.integers(0, s)), data.draw(st.integers(0, s))]
    padding = data.draw(st.sampled_from([tuple(amounts), min(amounts)]))
    args = (padding, 1.5) if kind == 'Constant' else (padding,)
    name = f"{kind}Pad{n}d"
    theirs, ours = getattr(torch.nn, name)(*args), getattr(nn, name)(*args)
    assert repr(ours) == repr(theirs)
    shape = ([2] if batched else []) + [3] + sizes
    compare_module(theirs, ours, [array(np.random.default_rng(seed), shape, dtype)], dtype, seed)


@pytest.mark.parametrize('mode', ['reflect', 'replicate', 'circular'])
def test_pad_rejects_what_torch_rejects(mode):
    for shape, pad in [((2,), (1, 1)), ((2, 3), (1, 1, 1, 1)), ((2, 3, 4, 5, 6, 7), (1, 1))]:
        with pytest.raises(NotImplementedError) as ours:
            F.pad(autograd.zeros(shape), pad, mode)
        with pytest.raises(NotImplementedError) as theirs:
            TF.pad(torch.zeros(shape), pad, mode)
        assert str(ours.value) == str(theirs.value)


# ---- interpolate -------------------------------------------------------------------------------------
MODES = {'nearest': (3, 4, 5), 'nearest-exact': (3, 4, 5), 'area': (3, 4, 5), 'linear': (3,), 'bilinear': (4,),
         'bicubic': (4,), 'trilinear': (5,)}


@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('mode', list(MODES))
@settings(**SETTINGS)
@given(data=st.data(), seed=SEEDS)
def test_interpolate(dtype, mode, data, seed):
    ndim = data.draw(st.sampled_from(MODES[mode]))
    spatial = data.draw(st.lists(st.integers(1, 6), min_size=ndim - 2, max_size=ndim - 2))
    if data.draw(st.booleans()):
        kw = dict(size=data.draw(st.lists(st.integers(1, 9), min_size=ndim - 2, max_size=ndim - 2)))
    else:
        kw = dict(scale_factor=data.draw(st.sampled_from([2, 3, 0.5, 1.5, 1.7, 0.75, 2.25])),
                  recompute_scale_factor=data.draw(st.sampled_from([None, True, False])))
        if any(int(s * kw['scale_factor']) < 1 for s in spatial):
            kw['scale_factor'] = 2
    if mode not in ('nearest', 'nearest-exact', 'area'):
        kw['align_corners'] = data.draw(st.sampled_from([None, False, True]))
    # torch's nearest backward maps output i to input i // 2 whenever out == 2 * in, while its forward uses
    # the scale_factor (2.25 on size 2 reads input 0 at output 2): we follow the forward; skip that case
    inconsistent = mode == 'nearest' and 'scale_factor' in kw and kw['scale_factor'] != 2 and \
        not kw.get('recompute_scale_factor') and any(int(s * kw['scale_factor']) == 2 * s for s in spatial)
    assume(not inconsistent)
    x = array(np.random.default_rng(seed), [2, 3] + spatial, dtype)
    compare(lambda t: TF.interpolate(t, mode=mode, **kw), lambda t: F.interpolate(t, mode=mode, **kw),
            [x], dtype, seed)


@pytest.mark.parametrize('dtype', ['float64', 'float32', 'uint8'])
@pytest.mark.parametrize('mode', ['nearest', 'nearest-exact'])
@pytest.mark.parametrize('spatial', [1, 3])
def test_nearest_picks_torchs_pixels_at_every_size(dtype, mode, spatial):
    """Every resize of 2..23 pixels to 1..79 along the last dim (1-d and 3-d resizes): the same source pixels as
    torch, including positions that fall exactly on a pixel boundary, where the arithmetic type (double for
    float64) and torch's fused multiply-add decide (nn/f_resample.py _nearest_index)."""
    for n_in in range(2, 24):
        x = np.arange(n_in).reshape((1,) * (spatial + 1) + (n_in,)).astype(dtype)
        for n_out in range(1, 80):
            size = (1,) * (spatial - 1) + (n_out,)
            theirs = TF.interpolate(torch.tensor(x), size=size, mode=mode).numpy()
            ours = F.interpolate(autograd.tensor(x), size=size, mode=mode).numpy()
            np.testing.assert_array_equal(ours, theirs, err_msg=f"{n_in} -> {n_out}")


def test_interpolate_errors_match_torch():
    x, t = autograd.zeros(1, 2, 4, 4), torch.zeros(1, 2, 4, 4)
    for kw in [dict(scale_factor=2, mode='nearest', align_corners=True), dict(size=3, scale_factor=2),
               dict(mode='nearest'), dict(size=(3, 3, 3)), dict(scale_factor=2, mode='linear'),
               dict(scale_factor=2, mode='bogus'), dict(scale_factor=(2, 2, 2)),
               dict(size=3, recompute_scale_factor=True)]:
        with pytest.raises(Exception) as theirs:
            TF.interpolate(t, **kw)
        with pytest.raises(theirs.type) as ours:
            F.interpolate(x, **kw)
        assert str(ours.value) == str(theirs.value), kw


def test_upsample_layers_match_torch():
    layers = [((), dict(scale_factor=2, mode='bilinear')), ((), dict(size=3)),
              ((), dict(scale_factor=(2, 3), mode='bicubic', align_corners=True))]
    rng = np.random.default_rng(0)
    for args, kw in layers:
        theirs, ours = torch.nn.Upsample(*args, **kw), nn.Upsample(*args, **kw)
        assert repr(ours) == repr(theirs)
        compare_module(theirs, ours, [array(rng, (2, 3, 4, 5), np.float64)], np.float64)
    for name, kw in [('UpsamplingNearest2d', dict(scale_factor=2)), ('UpsamplingBilinear2d', dict(size=(3, 7)))]:
        theirs, ours = getattr(torch.nn, name)(**kw), getattr(nn, name)(**kw)
        assert repr(ours) == repr(theirs)
        compare_module(theirs, ours, [array(rng, (2, 3, 4, 5), np.float32)], np.float32)


# ---- shuffles ----------------------------------------------------------------------------------------
@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(r=st.integers(1, 3), lead=st.lists(st.integers(1, 3), max_size=2), c=st.integers(1, 3),
       h=st.integers(1, 3), w=st.integers(1, 3), seed=SEEDS)
def test_pixel_shuffle_and_unshuffle(dtype, r, lead, c, h, w, seed):
    rng = np.random.default_rng(seed)
    compare_module(torch.nn.PixelShuffle(r), nn.PixelShuffle(r), [array(rng, lead + [c * r * r, h, w], dtype)],
                   dtype, seed)
    compare_module(torch.nn.PixelUnshuffle(r), nn.PixelUnshuffle(r), [array(rng, lead + [c, h * r, w * r], dtype)],
                   dtype, seed)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(groups=st.integers(1, 3), k=st.integers(1, 3), rest=st.lists(st.integers(1, 3), min_size=1, max_size=2),
       seed=SEEDS)
def test_channel_shuffle(dtype, groups, k, rest, seed):
    x = array(np.random.default_rng(seed), [2, groups * k] + rest, dtype)
    compare_module(torch.nn.ChannelShuffle(groups), nn.ChannelShuffle(groups), [x], dtype, seed)


def test_shuffle_reprs_and_errors_match_torch():
    for name, arg in [('PixelShuffle', 3), ('PixelUnshuffle', 2), ('ChannelShuffle', 2)]:
        assert repr(getattr(nn, name)(arg)) == repr(getattr(torch.nn, name)(arg))
    for fn, shape, arg in [('pixel_shuffle', (1, 5, 2, 2), 2), ('pixel_unshuffle', (1, 5, 3, 2), 2),
                           ('pixel_unshuffle', (1, 5, 2, 3), 2), ('channel_shuffle', (1, 5, 2), 2)]:
        with pytest.raises(RuntimeError) as theirs:
            getattr(TF, fn)(torch.zeros(shape), arg)
        with pytest.raises(RuntimeError) as ours:
            getattr(F, fn)(autograd.zeros(shape), arg)
        assert str(ours.value) == str(theirs.value)


# ---- affine_grid and grid_sample ---------------------------------------------------------------------
@pytest.mark.filterwarnings('ignore:Default grid_sample', 'ignore:Since version 1.3.0')
@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(three_d=st.booleans(), spatial=st.lists(st.integers(1, 5), min_size=3, max_size=3),
       align_corners=st.sampled_from([None, False, True]), seed=SEEDS)
def test_affine_grid(dtype, three_d, spatial, align_corners, seed):
    rng = np.random.default_rng(seed)
    theta = array(rng, (2, 3, 4) if three_d else (2, 2, 3), dtype)
    size = [2, 3] + (spatial if three_d else spatial[:2])
    compare(lambda t: TF.affine_grid(t, size, align_corners), lambda t: F.affine_grid(t, size, align_corners),
            [theta], dtype, seed)


@pytest.mark.filterwarnings('ignore:Default grid_sample')
@pytest.mark.parametrize('dtype', DTYPES)
@pytest.mark.parametrize('mode', ['bilinear', 'nearest', 'bicubic'])
@settings(**SETTINGS)
@given(padding_mode=st.sampled_from(['zeros', 'border', 'reflection']),
       align_corners=st.sampled_from([None, False, True]), h=st.integers(1, 5), w=st.integers(1, 5),
       ho=st.integers(1, 4), wo=st.integers(1, 4), seed=SEEDS)
def test_grid_sample(dtype, mode, padding_mode, align_corners, h, w, ho, wo, seed):
    """The grid reaches past [-1, 1] and holds exact corner and centre points (the clipping edges)."""
    rng = np.random.default_rng(seed)
    x = array(rng, (2, 3, h, w), dtype)
    grid = rng.uniform(-1.4, 1.4, (2, ho, wo, 2)).astype(dtype)
    grid[0, 0, 0] = [-1, 1]
    grid[-1, -1, -1] = [0, 1]
    compare(lambda a, g: TF.grid_sample(a, g, mode, padding_mode, align_corners),
            lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners), [x, grid], dtype, seed,
            scale=10 if mode == 'bicubic' else 1)


def test_grid_warnings_match_torch():
    import warnings
    calls = [lambda m, F_: F_.affine_grid(m.zeros(1, 2, 3), [1, 1, 2, 2]),
             lambda m, F_: F_.affine_grid(m.zeros(1, 2, 3), [1, 1, 1, 2], align_corners=True),
             lambda m, F_: F_.grid_sample(m.zeros(1, 1, 2, 2), m.zeros(1, 1, 1, 2))]
    for call in calls:
        messages = []
        for m, F_ in ((torch, TF), (autograd, F)):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter('always')
                call(m, F_)
            messages.append([str(w.message) for w in caught if issubclass(w.category, UserWarning)])
        assert messages[0] == messages[1] and messages[0]
