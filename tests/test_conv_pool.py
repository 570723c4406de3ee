"""Convolution, unfold/fold and pooling against torch: forward, gradients (input, weight, bias), double
backward, torch's indices and tie-breaking, errors, and the nn layers (repr, init bounds, padding modes)."""
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import assume, given, settings, strategies as st

import autograd
import nn
from autograd.ops import conv as C
from autograd.ops import pooling as P
from tolerance import assert_close, tolerance

SCALE = 10   # a convolution or pool sums up to C*kh*kw products per output: its rounding grows with that
DTYPES = [np.float64, np.float32]


def _largest(a):
    """The largest finite |value| (0 for none): the magnitude of a sum's terms, for tolerance's rule 7."""
    finite = np.abs(a[np.isfinite(a)])
    return float(finite.max()) if finite.size else 0.0


def compare(ours, theirs, arrays, device, dtype=np.float64, grad_of=None, seed=0):
    """Run ours(*autograd tensors) and theirs(*torch tensors); compare outputs and the gradients of a
    random weighting of the outputs with respect to the inputs listed in grad_of (default: all)."""
    grad_of = range(len(arrays)) if grad_of is None else grad_of
    arrays = [a.astype(dtype) if a.dtype.kind == 'f' else a for a in arrays]
    mine = [autograd.tensor(a, device=device, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    ref = [torch.tensor(a, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    out, expected = ours(*mine), theirs(*ref)
    outs = out if isinstance(out, tuple) else (out,)
    exps = expected if isinstance(expected, tuple) else (expected,)
    for o, e in zip(outs, exps):
        assert tuple(o.shape) == tuple(e.shape)
        assert o.dtype.name == str(e.dtype).replace('torch.', '')
        e = e.detach().numpy()
        np.testing.assert_allclose(o.detach().cpu().numpy(), e, **tolerance(dtype, SCALE, _largest(e)))
    weights = np.random.default_rng(seed).standard_normal(exps[0].shape).astype(dtype)
    (outs[0] * autograd.tensor(weights, device=device)).sum().backward()
    (exps[0] * torch.tensor(weights)).sum().backward()
    for i in grad_of:
        np.testing.assert_allclose(mine[i].grad.cpu().numpy(), ref[i].grad.numpy(),
                                   **tolerance(dtype, SCALE, _largest(ref[i].grad.numpy())),
                                   err_msg=f"gradient of input {i}")


class layout:
    """Force the batch-first (False) or batch-last (True) column layout for the convolutions in a block."""
    def __init__(self, batch_last):
        self.limit = 10 ** 9 if batch_last else -1

    def __enter__(self):
        self.saved, C.BATCH_LAST_MAX_PIXELS = C.BATCH_LAST_MAX_PIXELS, self.limit

    def __exit__(self, *exc):
        C.BATCH_LAST_MAX_PIXELS = self.saved


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


# ---- convolution ------------------------------------------------------------------------------------

@st.composite
def conv2d_case(draw):
    groups = draw(st.integers(1, 2))
    c, o = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = draw(st.one_of(st.tuples(st.integers(0, 2), st.integers(0, 2)), st.sampled_from(['same', 'valid'])))
    stride = (1, 1) if padding == 'same' else (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    pads = (0, 0) if isinstance(padding, str) else padding
    h = draw(st.integers(max(1, dilation[0] * (kh - 1) + 1 - 2 * pads[0]), 7))
    w = draw(st.integers(max(1, dilation[1] * (kw - 1) + 1 - 2 * pads[1]), 7))
    shapes = [(draw(st.integers(1, 2)), c, h, w), (o, c // groups, kh, kw)]
    if draw(st.booleans()):
        shapes.append((o,))
    return shapes, dict(stride=stride, padding=padding, dilation=dilation, groups=groups)


@pytest.mark.parametrize('batch_last', [False, True])
@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=30, deadline=None)
@given(case=conv2d_case(), seed=st.integers(0, 2 ** 16))
def test_conv2d_matches_torch(device, dtype, batch_last, case, seed):
    shapes, opts = case
    arrays = [randn(*s, seed=seed + i) for i, s in enumerate(shapes)]
    with warnings.catch_warnings(), layout(batch_last):
        warnings.simplefilter('ignore')   # torch warns about even kernels with padding='same'
        compare(lambda *t: C.conv2d(*t, **opts), lambda *t: TF.conv2d(*t, **opts), arrays, device, dtype,
                seed=seed)


@settings(max_examples=25, deadline=None)
@given(case=conv2d_case(), seed=st.integers(0, 2 ** 16))
def test_conv1d_matches_torch(device, case, seed):
    shapes, opts = case   # reuse the 2-d draw along the width only
    opts = {k: (v if isinstance(v, (str, int)) else v[1]) for k, v in opts.items()}
    shapes = [s[:2] + s[3:] for s in shapes[:2]] + shapes[2:]
    arrays = [randn(*s, seed=seed + i) for i, s in enumerate(shapes)]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        compare(lambda *t: C.conv1d(*t, **opts), lambda *t: TF.conv1d(*t, **opts), arrays, device, seed=seed)


@st.composite
def conv_transpose_case(draw):
    groups = draw(st.integers(1, 2))
    cin, cout = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    padding = tuple(draw(st.integers(0, (d * (k - 1)) // 2)) for k, d in zip(kernel, dilation))
    shapes = [(draw(st.integers(1, 2)), cin, draw(st.integers(1, 5)), draw(st.integers(1, 5))),
              (cin, cout // groups, *kernel)]
    if draw(st.booleans()):
        shapes.append((cout,))
    return shapes, dict(stride=stride, padding=padding, output_padding=output_padding, groups=groups,
                        dilation=dilation)


@pytest.mark.parametrize('batch_last', [False, True])
@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=25, deadline=None)
@given(case=conv_transpose_case(), seed=st.integers(0, 2 ** 16))
def test_conv_transpose2d_matches_torch(device, dtype, batch_last, case, seed):
    shapes, opts = case
    arrays = [randn(*s, seed=seed + i) for i, s in enumerate(shapes)]
    with layout(batch_last):
        compare(lambda *t: C.conv_transpose2d(*t, **opts), lambda *t: TF.conv_transpose2d(*t, **opts),
                arrays, device, dtype, seed=seed)


@settings(max_examples=25, deadline=None)
@given(kernel=st.tuples(st.integers(1, 3), st.integers(1, 3)), dilation=st.integers(1, 2),
       padding=st.integers(0, 1), stride=st.tuples(st.integers(1, 3), st.integers(1, 2)),
       hw=st.tuples(st.integers(5, 8), st.integers(5, 8)), seed=st.integers(0, 2 ** 16))
def test_unfold_and_fold_match_torch(device, kernel, dilation, padding, stride, hw, seed):
    opts = dict(kernel_size=kernel, dilation=dilation, padding=padding, stride=stride)
    compare(lambda x: C.unfold(x, **opts), lambda x: TF.unfold(x, **opts), [randn(2, 3, *hw, seed=seed)],
            device, seed=seed)
    blocks = TF.unfold(torch.zeros(1, 3, *hw), **opts).shape
    compare(lambda x: C.fold(x, hw, **opts), lambda x: TF.fold(x, hw, **opts),
            [randn(2, *blocks[1:], seed=seed)], device, seed=seed)


def test_unbatched_and_integer_convolutions_match_torch(device):
    compare(lambda x, w, b: C.conv2d(x, w, b, padding=1), lambda x, w, b: TF.conv2d(x, w, b, padding=1),
            [randn(3, 6, 5), randn(4, 3, 3, 3, seed=1), randn(4, seed=2)], device)
    compare(lambda x, w: C.conv1d(x, w, stride=2), lambda x, w: TF.conv1d(x, w, stride=2),
            [randn(3, 9), randn(4, 3, 3, seed=1)], device)
    compare(lambda x, w: C.conv_transpose2d(x, w, stride=2), lambda x, w: TF.conv_transpose2d(x, w, stride=2),
            [randn(3, 4, 5), randn(3, 2, 3, 3, seed=1)], device)
    x, w = np.arange(2 * 3 * 5 * 5).reshape(2, 3, 5, 5), np.arange(4 * 3 * 2 * 2).reshape(4, 3, 2, 2) % 5
    out = C.conv2d(autograd.tensor(x, device=device), autograd.tensor(w, device=device), stride=(1, 2))
    assert out.dtype == autograd.int64
    np.testing.assert_array_equal(out.cpu().numpy(), TF.conv2d(torch.tensor(x), torch.tensor(w), stride=(1, 2)))


def test_conv1d_double_backward_and_conv_transpose1d_match_torch(device):
    x, w = randn(2, 4, 9), randn(6, 2, 3, seed=1)

    def run(lib, F, tensor):
        xs, ws = tensor(x, requires_grad=True), tensor(w, requires_grad=True)
        y = F.conv1d(xs, ws, stride=2, padding=1, groups=2)
        y = F.conv_transpose1d(y, ws, stride=2, groups=2, output_padding=1)
        gx, gw = lib.autograd.grad((y * y).sum(), (xs, ws), create_graph=True)
        ((gx * gx).sum() + (gw * gw).sum()).backward()
        return [y.detach().cpu().numpy()] + [t.grad.detach().cpu().numpy() for t in (xs, ws)]

    ours = run(autograd, C, lambda a, **k: autograd.tensor(a, device=device, **k))
    for a, e in zip(ours, run(torch, TF, torch.tensor)):
        assert_close(a, e, scale=SCALE)


GRAD_FN_CASES = [
    lambda m, F, x: F.conv2d(x, m.ones(3, 2, 3, 3, dtype=m.float64)),
    lambda m, F, x: F.conv1d(x[0], m.ones(3, 6, 3, dtype=m.float64)),
    lambda m, F, x: F.conv_transpose2d(x, m.ones(2, 3, 3, 3, dtype=m.float64)), lambda m, F, x: F.max_pool2d(x, 2),
    lambda m, F, x: F.max_pool2d(x, 2, return_indices=True)[0], lambda m, F, x: F.avg_pool2d(x, 2),
    lambda m, F, x: F.adaptive_avg_pool2d(x, 3), lambda m, F, x: F.adaptive_max_pool2d(x, 4),
    lambda m, F, x: F.adaptive_max_pool2d(x, 3), lambda m, F, x: F.unfold(x, 2),
    lambda m, F, x: F.fold(F.unfold(x, 2), (6, 6), 2),
]


@pytest.mark.parametrize('case', range(len(GRAD_FN_CASES)))
def test_grad_fn_names_match_torch(case):
    """What print(tensor) shows as grad_fn=<...>."""
    x = randn(1, 2, 6, 6)
    ours = GRAD_FN_CASES[case](autograd, C if case < 3 or case in (9, 10) else P,
                               autograd.tensor(x, requires_grad=True))
    theirs = GRAD_FN_CASES[case](torch, TF, torch.tensor(x, requires_grad=True))
    assert ours.grad_fn.name() == theirs.grad_fn.name()


@pytest.mark.parametrize('batch_last', [False, True])
@pytest.mark.parametrize('transposed', [False, True])
def test_conv_double_backward_matches_torch(device, transposed, batch_last):
    """create_graph through conv: the input- and weight-gradients are themselves differentiable."""
    x, w, b = randn(2, 4, 6, 5), randn(4, 2, 3, 2, seed=1), randn(4 if not transposed else 4, seed=2)
    opts = dict(stride=2, padding=1, groups=2)

    def run(lib, conv, tensor):
        xs, ws, bs = (tensor(a, requires_grad=True) for a in (x, w, b[:4]))
        y = conv(xs, ws, bs if not transposed else None, **opts)
        gx, gw = lib.autograd.grad((y * y).sum(), (xs, ws), create_graph=True)
        ((gx * gx).sum() + (gw * gw * gw).sum()).backward()
        return [t.grad.detach().cpu().numpy() for t in (xs, ws)]

    conv, tconv = (C.conv_transpose2d, TF.conv_transpose2d) if transposed else (C.conv2d, TF.conv2d)
    with layout(batch_last):
        ours = run(autograd, conv, lambda a, **k: autograd.tensor(a, device=device, **k))
    theirs = run(torch, tconv, torch.tensor)
    for a, e in zip(ours, theirs):
        assert_close(a, e, scale=SCALE)


@pytest.mark.parametrize('batch_last', [False, True])
def test_conv_keeps_float32_and_frees_columns(device, batch_last):
    x = autograd.tensor(randn(2, 3, 8, 8).astype(np.float32), device=device, requires_grad=True)
    w = autograd.tensor(randn(4, 3, 3, 3).astype(np.float32), device=device, requires_grad=True)
    with layout(batch_last):
        y = C.conv2d(x, w, padding=1)
    assert y.grad_fn.geo.batch_last == batch_last
    assert y.dtype == autograd.float32 and y.is_contiguous()
    node = y.grad_fn
    y.sum().backward()
    assert x.grad.dtype == autograd.float32 and w.grad.dtype == autograd.float32
    assert node.cols is None   # the im2col buffer is released after backward


@pytest.mark.parametrize('batch_last', [False, True])
@pytest.mark.parametrize('transposed', [False, True])
def test_conv_and_max_pool_take_an_empty_batch(device, batch_last, transposed):
    conv, tconv = (C.conv_transpose2d, TF.conv_transpose2d) if transposed else (C.conv2d, TF.conv2d)
    with layout(batch_last):
        compare(lambda x, w, b: P.max_pool2d(conv(x, w, b, padding=1), 2),
                lambda x, w, b: TF.max_pool2d(tconv(x, w, b, padding=1), 2),
                [randn(0, 3, 8, 8), randn(3, 3, 3, 3, seed=1), randn(3, seed=2)], device)


def test_huge_columns_are_rebuilt_in_backward_not_cached(device, monkeypatch):
    monkeypatch.setattr(C, 'CACHED_COLUMNS_MAX_BYTES', 0)
    compare(lambda x, w: C.conv2d(x, w, padding=1), lambda x, w: TF.conv2d(x, w, padding=1),
            [randn(2, 3, 6, 6), randn(4, 3, 3, 3, seed=1)], device)


def _raises_like_torch(ours, theirs):
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(expected.type) as got:
        ours()
    return str(got.value)


CONV_ERRORS = [
    ("conv2d", lambda m, F: F.conv2d(m.zeros(2, 3), m.zeros(6, 3, 3, 3))),
    ("channels", lambda m, F: F.conv2d(m.zeros(2, 4, 8, 8), m.zeros(6, 3, 3, 3))),
    ("Kernel size", lambda m, F: F.conv2d(m.zeros(2, 3, 2, 2), m.zeros(6, 3, 3, 3))),
    ("divisible", lambda m, F: F.conv2d(m.zeros(2, 3, 8, 8), m.zeros(5, 3, 3, 3), groups=2)),
    ("padding string", lambda m, F: F.conv2d(m.zeros(2, 3, 8, 8), m.zeros(6, 3, 3, 3), padding='foo')),
    ("strided", lambda m, F: F.conv2d(m.zeros(2, 3, 8, 8), m.zeros(6, 3, 3, 3), padding='same', stride=2)),
    ("stride", lambda m, F: F.conv2d(m.zeros(2, 3, 8, 8), m.zeros(6, 3, 3, 3), stride=0)),
    ("negative padding", lambda m, F: F.conv2d(m.zeros(2, 3, 8, 8), m.zeros(6, 3, 3, 3), padding=-1)),
    ("bias", lambda m, F: F.conv2d(m.zeros(2, 3, 8, 8), m.zeros(6, 3, 3, 3), m.zeros(5))),
    ("weight type", lambda m, F: F.conv2d(m.zeros(2, 3, 8, 8), m.zeros(6, 3, 3, 3, dtype=m.float64))),
    ("stride", lambda m, F: F.conv2d(m.zeros(2, 3, 8, 8), m.zeros(6, 3, 3, 3), stride=(1, 2, 3))),
    ("output padding", lambda m, F: F.conv_transpose2d(m.zeros(2, 3, 8, 8), m.zeros(3, 6, 3, 3), stride=2,
                                                       output_padding=2)),
    ("transposed", lambda m, F: F.conv_transpose2d(m.zeros(2, 3, 8, 8), m.zeros(4, 6, 3, 3))),
    ("sliding blocks", lambda m, F: F.unfold(m.zeros(2, 3, 8, 8), 9)),
    ("divisible", lambda m, F: F.fold(m.zeros(2, 26, 36), (8, 8), 3)),
    ("sliding blocks", lambda m, F: F.fold(m.zeros(2, 27, 35), (8, 8), 3)),
]


@pytest.mark.parametrize('needle, call', CONV_ERRORS)
def test_conv_errors_match_torch(needle, call):
    message = _raises_like_torch(lambda: call(autograd, C), lambda: call(torch, TF))
    assert needle in message


# ---- pooling -----------------------------------------------------------------------------------------

@st.composite
def pool_case(draw, dilation=True):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = draw(st.one_of(st.none(), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    dil = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilation else (1, 1)
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    hw = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 7)) for k, d, p in zip(kernel, dil, padding))
    opts = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=draw(st.booleans()))
    if dilation:
        opts['dilation'] = dil
    return (draw(st.integers(1, 2)), draw(st.integers(1, 3)), *hw), opts


def _no_window_wholly_in_padding(shape, opts):
    """Such windows give -inf, and torch then reports an index past the plane and writes its gradient
    into the next channel (out-of-bounds); autograd drops that gradient instead, so tests avoid the case."""
    return bool(torch.isfinite(TF.max_pool2d(torch.zeros(shape), **opts)).all())


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=40, deadline=None)
@given(case=pool_case(), seed=st.integers(0, 2 ** 16))
def test_max_pool2d_matches_torch_with_indices(device, dtype, case, seed):
    shape, opts = case
    assume(_no_window_wholly_in_padding(shape, opts))
    compare(lambda x: P.max_pool2d(x, return_indices=True, **opts),
            lambda x: TF.max_pool2d(x, return_indices=True, **opts), [randn(*shape, seed=seed)], device, dtype,
            seed=seed)


@settings(max_examples=25, deadline=None)
@given(case=pool_case(), seed=st.integers(0, 2 ** 16))
def test_max_pool2d_ties_pick_the_first_maximum(device, case, seed):
    """Values from {0, 1, 2}: many ties, so indices and gradients must follow torch's first-max rule."""
    shape, opts = case
    assume(_no_window_wholly_in_padding(shape, opts))
    values = np.random.default_rng(seed).integers(0, 3, shape).astype(np.float64)
    compare(lambda x: P.max_pool2d(x, return_indices=True, **opts),
            lambda x: TF.max_pool2d(x, return_indices=True, **opts), [values], device, seed=seed)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=40, deadline=None)
@given(case=pool_case(dilation=False), count_include_pad=st.booleans(),
       divisor=st.one_of(st.none(), st.integers(1, 5)), seed=st.integers(0, 2 ** 16))
def test_avg_pool2d_matches_torch(device, dtype, case, count_include_pad, divisor, seed):
    shape, opts = case
    opts.update(count_include_pad=count_include_pad, divisor_override=divisor)
    compare(lambda x: P.avg_pool2d(x, **opts), lambda x: TF.avg_pool2d(x, **opts), [randn(*shape, seed=seed)],
            device, dtype, seed=seed)


@settings(max_examples=30, deadline=None)
@given(case=pool_case(), count_include_pad=st.booleans(), seed=st.integers(0, 2 ** 16))
def test_pool1d_matches_torch(device, case, count_include_pad, seed):
    shape, opts = case
    opts = {k: (v[1] if isinstance(v, tuple) else v) for k, v in opts.items()}
    x = [randn(shape[0], shape[1], shape[3], seed=seed)]
    assume(bool(torch.isfinite(TF.max_pool1d(torch.zeros(x[0].shape), **opts)).all()))
    compare(lambda t: P.max_pool1d(t, return_indices=True, **opts),
            lambda t: TF.max_pool1d(t, return_indices=True, **opts), x, device, seed=seed)
    opts.pop('dilation')
    compare(lambda t: P.avg_pool1d(t, count_include_pad=count_include_pad, **opts),
            lambda t: TF.avg_pool1d(t, count_include_pad=count_include_pad, **opts), x, device, seed=seed)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=30, deadline=None)
@given(hw=st.tuples(st.integers(1, 9), st.integers(1, 9)),
       out=st.tuples(st.one_of(st.none(), st.integers(1, 6)), st.integers(1, 6)), seed=st.integers(0, 2 ** 16))
def test_adaptive_pools_match_torch(device, dtype, hw, out, seed):
    x = [randn(2, 3, *hw, seed=seed)]
    compare(lambda t: P.adaptive_avg_pool2d(t, out), lambda t: TF.adaptive_avg_pool2d(t, out), x, device,
            dtype, seed=seed)
    compare(lambda t: P.adaptive_max_pool2d(t, out, True), lambda t: TF.adaptive_max_pool2d(t, out, True), x,
            device, dtype, seed=seed)


def test_max_pool_window_wholly_in_padding_gives_minus_inf_and_no_gradient(device):
    x = autograd.tensor(randn(1, 2, 1, 3), device=device, requires_grad=True)
    y, indices = P.max_pool2d(x, (2, 3), padding=(1, 0), dilation=(2, 1), ceil_mode=True, return_indices=True)
    expected = TF.max_pool2d(torch.tensor(randn(1, 2, 1, 3)), (2, 3), padding=(1, 0), dilation=(2, 1),
                             ceil_mode=True)
    np.testing.assert_array_equal(y.detach().cpu().numpy(), expected.numpy())
    y.sum().backward()
    assert not x.grad.cpu().numpy().any()


@pytest.mark.parametrize('kernel, stride, padding, output_size', [(2, None, 0, None), ((3, 2), (2, 1), (1, 0), None),
                                                                  (2, 2, 0, (9, 8))])
def test_max_unpool2d_matches_torch(device, kernel, stride, padding, output_size):
    x = randn(2, 3, 9, 8)
    _, idx = TF.max_pool2d(torch.tensor(x), kernel, stride, padding, return_indices=True)
    pooled = TF.max_pool2d(torch.tensor(x), kernel, stride, padding).numpy()
    compare(lambda t: P.max_unpool2d(t, autograd.tensor(idx.numpy(), device=device), kernel, stride, padding,
                                     output_size),
            lambda t: TF.max_unpool2d(t, idx, kernel, stride, padding, output_size), [pooled], device)
    layer = nn.pooling.MaxUnpool2d(kernel, stride, padding)   # nn/__init__ does not export it yet
    assert repr(layer) == repr(torch.nn.MaxUnpool2d(kernel, stride, padding))


def test_unbatched_pooling_and_int_output_size(device):
    x = [randn(3, 7, 6)]
    compare(lambda t: P.max_pool2d(t, 2), lambda t: TF.max_pool2d(t, 2), x, device)
    compare(lambda t: P.avg_pool2d(t, 3, 2, 1), lambda t: TF.avg_pool2d(t, 3, 2, 1), x, device)
    compare(lambda t: P.adaptive_avg_pool2d(t, 4), lambda t: TF.adaptive_avg_pool2d(t, 4), x, device)
    compare(lambda t: P.adaptive_max_pool2d(t, 1), lambda t: TF.adaptive_max_pool2d(t, 1), x, device)


@pytest.mark.parametrize('pool', ['max', 'avg'])
def test_pool_double_backward_matches_torch(device, pool):
    x = randn(2, 3, 7, 7)

    def run(lib, F, tensor):
        xs = tensor(x, requires_grad=True)
        fn = F.max_pool2d if pool == 'max' else F.avg_pool2d
        y = fn(xs, 3, 2, 1)
        g, = lib.autograd.grad((y * y * y).sum(), xs, create_graph=True)
        (g * g).sum().backward()
        return xs.grad.detach().cpu().numpy()

    ours = run(autograd, P, lambda a, **k: autograd.tensor(a, device=device, **k))
    assert_close(ours, run(torch, TF, torch.tensor), scale=SCALE)


@pytest.mark.parametrize('opts', [dict(kernel_size=2), dict(kernel_size=3, stride=1),
                                  dict(kernel_size=3, stride=2, padding=1)])
def test_max_pool_double_backward_matches_torch(device, opts):
    """Unpadded pools keep window positions instead of flat indices; double backward derives them."""
    x = randn(2, 3, 7, 7, seed=3)

    def run(lib, F, tensor):
        xs = tensor(x, requires_grad=True)
        y = F.max_pool2d(xs, **opts)
        g, = lib.autograd.grad((y * y * y).sum(), xs, create_graph=True)
        (g * g).sum().backward()
        return xs.grad.detach().cpu().numpy()

    ours = run(autograd, P, lambda a, **k: autograd.tensor(a, device=device, **k))
    assert_close(ours, run(torch, TF, torch.tensor), scale=SCALE)


@pytest.mark.parametrize('opts', [dict(kernel_size=2), dict(kernel_size=3, stride=1),
                                  dict(kernel_size=2, padding=1), dict(kernel_size=3, stride=2, padding=1)])
def test_max_pool_window_with_nans_picks_the_last_nan_like_torch(device, opts):
    """torch's loop replaces the running maximum by every NaN, so a window's last NaN is its argmax."""
    x = randn(2, 3, 6, 6, seed=4)
    for pos in [(0, 0, 0, 1), (0, 1, 2, 2), (0, 1, 3, 3), (1, 2, 4, 4), (1, 2, 4, 5), (1, 1, 0, 0), (1, 1, 1, 0)]:
        x[pos] = np.nan
    ours, ours_idx = P.max_pool2d(autograd.tensor(x, device=device), return_indices=True, **opts)
    theirs, their_idx = TF.max_pool2d(torch.tensor(x), return_indices=True, **opts)
    np.testing.assert_array_equal(ours_idx.cpu().numpy(), their_idx.numpy())
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())   # NaNs in the same places
    ours, ours_idx = P.adaptive_max_pool2d(autograd.tensor(x, device=device), (4, 5), return_indices=True)
    np.testing.assert_array_equal(ours_idx.cpu().numpy(),
                                  TF.adaptive_max_pool2d(torch.tensor(x), (4, 5), return_indices=True)[1].numpy())


POOL_ERRORS = [
    ("half of effective kernel", lambda m, F: F.max_pool2d(m.zeros(2, 3, 8, 8), 3, padding=2)),
    ("half of effective kernel", lambda m, F: F.avg_pool2d(m.zeros(2, 3, 8, 8), 3, padding=2)),
    ("3D or 4D", lambda m, F: F.max_pool2d(m.zeros(3, 8), 2)),
    ("too small", lambda m, F: F.max_pool2d(m.zeros(2, 3, 2, 2), 3)),
    ("stride", lambda m, F: F.max_pool2d(m.zeros(2, 3, 8, 8), 2, stride=0)),
    ("dilation", lambda m, F: F.max_pool2d(m.zeros(2, 3, 8, 8), 2, dilation=0)),
    ("max_pool1d", lambda m, F: F.max_pool1d(m.zeros(2, 3, 8, 8), 2)),
    ("adaptive_avg_pool2d", lambda m, F: F.adaptive_avg_pool2d(m.zeros(3, 8), 2)),
    ("output_size", lambda m, F: F.adaptive_avg_pool2d(m.zeros(2, 3, 8, 8), (3, 4, 5))),
    ("divisor", lambda m, F: F.avg_pool2d(m.zeros(2, 3, 8, 8), 2, divisor_override=0)),
    ("kernel_size", lambda m, F: F.max_pool2d(m.zeros(2, 3, 8, 8), (2, 2, 2))),
]


@pytest.mark.parametrize('needle, call', POOL_ERRORS)
def test_pool_errors_match_torch(needle, call):
    assert needle in _raises_like_torch(lambda: call(autograd, P), lambda: call(torch, TF))


# ---- nn layers -----------------------------------------------------------------------------------------

LAYERS = ["Conv2d(3, 4, 3, padding='same', bias=False)", "ConvTranspose2d(3, 4, 3, 2, 1, 1, dilation=2)",
          "Conv1d(2, 4, 3, groups=2, padding_mode='reflect')", "Conv2d(3, 6, 5)", "Conv2d(4, 4, (3, 1), 2, 1, 2, 2)",
          "Conv2d(1, 16, kernel_size=3, stride=2, padding=1)", "MaxPool1d(3)", "AvgPool1d(3)", "AvgPool2d(3, 2)",
          "MaxPool2d((2, 3))", "MaxPool2d(3, 2, 1)", "AdaptiveMaxPool2d((2, None))", "AdaptiveAvgPool2d(3)",
          "Unfold(3)", "Fold(4, 2)"]


@pytest.mark.parametrize('spec', LAYERS)
def test_layer_repr_matches_torch(spec):
    assert repr(eval('nn.' + spec)) == repr(eval('torch.nn.' + spec))


@pytest.mark.parametrize('spec, shape', [
    ("Conv2d(4, 6, 3, 2, 1, groups=2)", (2, 4, 7, 7)), ("Conv1d(2, 4, 3, padding='same')", (2, 2, 9)),
    ("Conv2d(2, 3, 3, padding=2, padding_mode='reflect')", (2, 2, 5, 6)),
    ("Conv2d(2, 3, 3, padding=(1, 2), padding_mode='replicate')", (2, 2, 5, 6)),
    ("Conv2d(2, 3, 3, padding=1, padding_mode='circular')", (2, 2, 5, 6)),
    ("ConvTranspose2d(4, 2, 3, 2, 1, 1)", (2, 4, 4, 5)), ("MaxPool2d(2)", (2, 3, 6, 6)),
    ("AdaptiveAvgPool2d((5, 7))", (2, 3, 6, 6))])
def test_layer_forward_and_gradients_match_torch(device, spec, shape):
    theirs = eval('torch.nn.' + spec).double()
    ours = eval('nn.' + spec).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    ours.to(device)
    x = randn(*shape)
    params = list(ours.parameters())
    compare(lambda t: ours(t), lambda t: theirs(t), [x], device)
    for mine, ref in zip(params, theirs.parameters()):
        assert_close(mine.grad.cpu().numpy(), ref.grad.numpy(), scale=SCALE)


@pytest.mark.parametrize('cls, args', [('Conv2d', (8, 16, 3)), ('Conv1d', (6, 12, 5)),
                                       ('ConvTranspose2d', (8, 4, 3)), ('Conv2d', (8, 16, 3, 1, 0, 1, 4))])
def test_default_init_is_kaiming_uniform_with_torch_bounds(cls, args):
    layer = getattr(nn, cls)(*args)
    w, b = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert w.dtype == np.float32 and b.dtype == np.float32
    fan_in = w.shape[1] * math.prod(w.shape[2:])
    bound = 1 / math.sqrt(fan_in)   # kaiming_uniform_(a=sqrt(5)) gives gain*sqrt(3/fan_in) = 1/sqrt(fan_in)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.15 * bound   # uniform, not a narrower distribution
    assert tuple(layer.weight.shape) == tuple(getattr(torch.nn, cls)(*args).weight.shape)


def test_conv_transpose_output_size_and_layer_errors():
    layer, ref = nn.ConvTranspose2d(3, 2, 3, stride=2), torch.nn.ConvTranspose2d(3, 2, 3, stride=2)
    assert tuple(layer(autograd.zeros(1, 3, 5, 5), output_size=[12, 12]).shape) == \
        tuple(ref(torch.zeros(1, 3, 5, 5), output_size=[12, 12]).shape)
    with pytest.raises(ValueError, match='valid sizes range'):
        layer(autograd.zeros(1, 3, 5, 5), output_size=[14, 14])
    for bad in [dict(groups=0), dict(groups=2), dict(padding='full'), dict(padding_mode='mirror'),
                dict(padding='same', stride=2)]:
        _raises_like_torch(lambda: nn.Conv2d(3, 6, 3, **bad), lambda: torch.nn.Conv2d(3, 6, 3, **bad))
