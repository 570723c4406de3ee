"""Losses against torch: forward and gradients over drawn shapes, reductions, class weights, ignore_index,
label smoothing, spatial and probability targets; stability at large logits; double backward; errors; the
nn loss layers."""
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings, strategies as st

import autograd
import nn
from autograd.ops import loss as L
from tolerance import assert_close, tolerance

SCALE = 5   # a loss reduces a batch (sums, logs of sums): its rounding grows with the batch
DTYPES = [np.float64, np.float32]
REDUCTIONS = ['mean', 'sum', 'none']


def compare(ours, theirs, arrays, device, dtype=np.float64, grad_of=(0,), seed=0):
    """Forward of ours(*autograd tensors) vs theirs(*torch tensors), then the gradients (inputs in grad_of)
    of a random weighting of the output."""
    arrays = [a.astype(dtype) if a.dtype.kind == 'f' else a for a in arrays]
    mine = [autograd.tensor(a, device=device, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    ref = [torch.tensor(a, requires_grad=i in grad_of) for i, a in enumerate(arrays)]
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out, expected = ours(*mine), theirs(*ref)
    assert tuple(out.shape) == tuple(expected.shape)
    assert out.dtype.name == str(expected.dtype).replace('torch.', '')
    np.testing.assert_allclose(out.detach().cpu().numpy(), expected.detach().numpy(), **tolerance(dtype, SCALE))
    weights = np.random.default_rng(seed).standard_normal(expected.shape).astype(dtype)
    (out * autograd.tensor(weights, device=device)).sum().backward()
    (expected * torch.tensor(weights)).sum().backward()
    for i in grad_of:
        np.testing.assert_allclose(mine[i].grad.cpu().numpy(), ref[i].grad.numpy(), **tolerance(dtype, SCALE),
                                   err_msg=f"gradient of input {i}")


@st.composite
def class_case(draw, spatial=True):
    n, c = draw(st.integers(1, 5)), draw(st.integers(1, 6))
    dims = tuple(draw(st.lists(st.integers(1, 3), max_size=2))) if spatial else ()
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((n, c) + dims) * draw(st.sampled_from([1.0, 5.0]))
    target = rng.integers(0, c, (n,) + dims)
    ignore_index = draw(st.sampled_from([-100, 0, c - 1, 7]))
    if draw(st.booleans()):
        target[rng.random(target.shape) < 0.3] = ignore_index
    weight = rng.random(c) + 0.1 if draw(st.booleans()) else None
    return logits, target, weight, ignore_index, seed


def _with_weight(fn, weight, **opts):
    if weight is None:
        return lambda x, t: fn(x, t, **opts)
    return lambda x, t, w: fn(x, t, w, **opts)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=50, deadline=None)
@given(case=class_case(), reduction=st.sampled_from(REDUCTIONS), smoothing=st.sampled_from([0.0, 0.1, 0.5]))
def test_cross_entropy_matches_torch(device, dtype, case, reduction, smoothing):
    logits, target, weight, ignore_index, seed = case
    opts = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)
    arrays = [logits, target] + ([weight.astype(dtype)] if weight is not None else [])
    compare(_with_weight(L.cross_entropy, weight, **opts), _with_weight(TF.cross_entropy, weight, **opts),
            arrays, device, dtype, seed=seed)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=40, deadline=None)
@given(case=class_case(), reduction=st.sampled_from(REDUCTIONS))
def test_nll_loss_matches_torch(device, dtype, case, reduction):
    logits, target, weight, ignore_index, seed = case
    opts = dict(ignore_index=ignore_index, reduction=reduction)
    arrays = [logits, target] + ([weight.astype(dtype)] if weight is not None else [])
    compare(_with_weight(L.nll_loss, weight, **opts), _with_weight(TF.nll_loss, weight, **opts), arrays,
            device, dtype, seed=seed)


@settings(max_examples=30, deadline=None)
@given(case=class_case(), reduction=st.sampled_from(REDUCTIONS), smoothing=st.sampled_from([0.0, 0.2]))
def test_cross_entropy_with_probability_targets(device, case, reduction, smoothing):
    logits, _, weight, _, seed = case
    probs = np.random.default_rng(seed).dirichlet(np.ones(logits.shape[1]), logits.shape[:1] + logits.shape[2:])
    probs = np.moveaxis(probs, -1, 1)
    opts = dict(reduction=reduction, label_smoothing=smoothing)
    arrays = [logits, probs] + ([weight] if weight is not None else [])
    compare(_with_weight(L.cross_entropy, weight, **opts), _with_weight(TF.cross_entropy, weight, **opts),
            arrays, device, grad_of=(0, 1), seed=seed)


def test_unbatched_class_dimension_and_all_ignored(device):
    x, t = np.random.default_rng(0).standard_normal(5), np.array(3)
    compare(lambda a, b: L.cross_entropy(a, b), lambda a, b: TF.cross_entropy(a, b), [x, t], device)
    compare(lambda a, b: L.nll_loss(a, b, reduction='none'), lambda a, b: TF.nll_loss(a, b, reduction='none'),
            [x, t], device)
    ignored = autograd.tensor(np.full(4, -100), device=device)
    loss = L.cross_entropy(autograd.zeros(4, 3, device=device), ignored)
    assert np.isnan(loss.item()) and np.isnan(TF.cross_entropy(torch.zeros(4, 3), torch.full((4,), -100)).item())


@pytest.mark.parametrize('scale', [1e4, -1e4])
def test_large_logits_stay_finite_and_match(device, scale):
    rng = np.random.default_rng(1)
    logits = rng.standard_normal((6, 4)) * scale
    target = rng.integers(0, 4, 6)
    for dtype in DTYPES:
        compare(lambda a, b: L.cross_entropy(a, b, label_smoothing=0.1),
                lambda a, b: TF.cross_entropy(a, b, label_smoothing=0.1), [logits, target], device, dtype)
        compare(lambda a, b: L.binary_cross_entropy_with_logits(a, b),
                lambda a, b: TF.binary_cross_entropy_with_logits(a, b), [logits, rng.random((6, 4))], device,
                dtype, grad_of=(0, 1))


def test_cross_entropy_keeps_float32(device):
    x = autograd.tensor(np.random.default_rng(0).standard_normal((8, 10)).astype(np.float32), device=device,
                        requires_grad=True)
    loss = L.cross_entropy(x, autograd.tensor(np.arange(8) % 10, device=device))
    loss.backward()
    assert loss.dtype == autograd.float32 and x.grad.dtype == autograd.float32


@pytest.mark.parametrize('weighted', [False, True])
def test_cross_entropy_double_backward_matches_torch(device, weighted):
    rng = np.random.default_rng(2)
    x, t, w = rng.standard_normal((5, 4)), rng.integers(0, 4, 5), rng.random(4) + 0.5

    def run(lib, F, tensor):
        xs = tensor(x, requires_grad=True)
        loss = F.cross_entropy(xs, tensor(t), weight=tensor(w) if weighted else None, label_smoothing=0.1)
        g, = lib.autograd.grad(loss, xs, create_graph=True)
        (g * g * tensor(np.arange(20.0).reshape(5, 4))).sum().backward()
        return xs.grad.detach().cpu().numpy()

    ours = run(autograd, L, lambda a, **k: autograd.tensor(a, device=device, **k))
    assert_close(ours, run(torch, TF, torch.tensor), scale=SCALE)


# ---- regression and binary losses ------------------------------------------------------------------------

@st.composite
def pair_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=3)))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    return rng.standard_normal(shape) * 2, rng.standard_normal(shape) * 2, rng.random(shape) + 0.1, seed


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=40, deadline=None)
@given(case=pair_case(), reduction=st.sampled_from(REDUCTIONS), beta=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
       weighted=st.booleans())
def test_regression_losses_match_torch(device, dtype, case, reduction, beta, weighted):
    x, y, w, seed = case
    for name, extra in [('mse_loss', {}), ('l1_loss', {}), ('smooth_l1_loss', {'beta': beta}),
                        ('huber_loss', {'delta': beta or 1.0})]:
        ours, theirs = getattr(L, name), getattr(TF, name)
        if weighted and name != 'smooth_l1_loss':
            compare(lambda a, b, c: ours(a, b, reduction=reduction, weight=c, **extra),
                    lambda a, b, c: theirs(a, b, reduction=reduction, weight=c, **extra), [x, y, w], device,
                    dtype, grad_of=(0, 1), seed=seed)
        else:
            compare(lambda a, b: ours(a, b, reduction=reduction, **extra),
                    lambda a, b: theirs(a, b, reduction=reduction, **extra), [x, y], device, dtype,
                    grad_of=(0, 1), seed=seed)


def test_regression_losses_broadcast_with_torch_warning(device):
    x, y = np.random.default_rng(0).standard_normal((3, 1)), np.random.default_rng(1).standard_normal(3)
    with pytest.warns(UserWarning, match='different to the input size'):
        L.mse_loss(autograd.tensor(x, device=device), autograd.tensor(y, device=device))
    compare(lambda a, b: L.mse_loss(a, b), lambda a, b: TF.mse_loss(a, b), [x, y], device, grad_of=(0, 1))


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=40, deadline=None)
@given(case=pair_case(), reduction=st.sampled_from(REDUCTIONS), weighted=st.booleans(), pos=st.booleans())
def test_binary_cross_entropy_losses_match_torch(device, dtype, case, reduction, weighted, pos):
    x, _, w, seed = case
    rng = np.random.default_rng(seed + 1)
    probs, target = 1 / (1 + np.exp(-x)), rng.random(x.shape)
    last = x.shape[-1:] if x.ndim else ()
    weight = [w] if weighted else []
    kw = (lambda ws: {'weight': ws[0]} if weighted else {})
    compare(lambda a, b, *ws: L.binary_cross_entropy(a, b, reduction=reduction, **kw(ws)),
            lambda a, b, *ws: TF.binary_cross_entropy(a, b, reduction=reduction, **kw(ws)),
            [probs, target] + weight, device, dtype, grad_of=(0, 1), seed=seed)
    extra = [rng.random(last) * 3] if pos else []
    pkw = (lambda ws: {'pos_weight': ws[-1]} if pos else {})
    compare(lambda a, b, *ws: L.binary_cross_entropy_with_logits(a, b, reduction=reduction, **kw(ws), **pkw(ws)),
            lambda a, b, *ws: TF.binary_cross_entropy_with_logits(a, b, reduction=reduction, **kw(ws), **pkw(ws)),
            [x * 5, target] + weight + extra, device, dtype, grad_of=(0, 1), seed=seed)


def test_binary_cross_entropy_clamps_log_at_minus_100(device):
    x, t = np.array([0.0, 1.0, 0.5, 1e-45]), np.array([1.0, 0.0, 1.0, 1.0])
    compare(lambda a, b: L.binary_cross_entropy(a, b, reduction='none'),
            lambda a, b: TF.binary_cross_entropy(a, b, reduction='none'), [x, t], device)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(max_examples=30, deadline=None)
@given(case=pair_case(), reduction=st.sampled_from(REDUCTIONS + ['batchmean']), log_target=st.booleans())
def test_kl_div_matches_torch(device, dtype, case, reduction, log_target):
    x, y, _, seed = case
    log_input = x - np.log(np.exp(x).sum(-1, keepdims=True)) if x.ndim else -np.abs(x)
    target = np.exp(y) / np.exp(y).sum(-1, keepdims=True) if y.ndim else np.exp(-np.abs(y))
    if target.size > 1:
        target.reshape(-1)[0] = 0.0   # a zero probability contributes 0, not nan
    if log_target:
        target = np.log(target + 1e-3)
    compare(lambda a, b: L.kl_div(a, b, reduction=reduction, log_target=log_target),
            lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target), [log_input, target],
            device, dtype, seed=seed)


def test_legacy_size_average_and_reduce(device):
    x, y = np.random.default_rng(0).standard_normal((3, 4)), np.random.default_rng(1).standard_normal((3, 4))
    for size_average, reduce in [(False, None), (None, False), (True, True), (False, True)]:
        compare(lambda a, b: L.mse_loss(a, b, size_average=size_average, reduce=reduce),
                lambda a, b: TF.mse_loss(a, b, size_average=size_average, reduce=reduce), [x, y], device)
    assert nn.MSELoss(size_average=False).reduction == torch.nn.MSELoss(size_average=False).reduction


def _raises_like_torch(ours, theirs):
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(expected.type) as got:
        ours()
    return str(got.value)


def long(m, values):
    return m.tensor(values, dtype=m.int64)


LOSS_ERRORS = [
    ("out of bounds", lambda m, F: F.cross_entropy(m.zeros(4, 5), long(m, [0, 1, 5, 2]))),
    ("out of bounds", lambda m, F: F.nll_loss(m.zeros(4, 5), long(m, [0, 1, -3, 2]))),
    ("batch_size", lambda m, F: F.cross_entropy(m.zeros(4, 5), long(m, [0, 1, 2]))),
    ("Long", lambda m, F: F.cross_entropy(m.zeros(4, 5), m.zeros(4))),
    ("Long", lambda m, F: F.cross_entropy(m.zeros(4, 5), m.zeros(4, dtype=m.int32))),
    ("not a valid value", lambda m, F: F.cross_entropy(m.zeros(4, 5), long(m, [0, 1, 2, 3]), reduction='foo')),
    ("not a valid value", lambda m, F: F.mse_loss(m.zeros(4), m.zeros(4), reduction='batchmean')),
    ("all 5 classes", lambda m, F: F.cross_entropy(m.zeros(4, 5), long(m, [0, 1, 2, 3]), weight=m.ones(4))),
    ("target size", lambda m, F: F.nll_loss(m.zeros(4, 5, 3), m.zeros(4, 2, dtype=m.int64))),
    ("multi-target", lambda m, F: F.nll_loss(m.zeros(4, 5), m.zeros(4, 2, dtype=m.int64))),
    ("1D target", lambda m, F: F.nll_loss(m.zeros(4), m.zeros(4, dtype=m.int64))),
    ("label_smoothing", lambda m, F: F.cross_entropy(m.zeros(4, 5), long(m, [0, 1, 2, 3]), label_smoothing=1.5)),
    ("ignore_index", lambda m, F: F.cross_entropy(m.zeros(4, 5), m.zeros(4, 5), ignore_index=1)),
    ("different to the input size", lambda m, F: F.binary_cross_entropy(m.zeros(3, 1), m.zeros(3))),
    ("between 0 and 1", lambda m, F: F.binary_cross_entropy(m.ones(3) * 2, m.zeros(3))),
    ("must be the same as input size", lambda m, F: F.binary_cross_entropy_with_logits(m.zeros(3, 1), m.zeros(3))),
    ("negative values for beta", lambda m, F: F.smooth_l1_loss(m.zeros(3), m.zeros(3), beta=-1)),
    ("non-positive values for delta", lambda m, F: F.huber_loss(m.zeros(3), m.zeros(3), delta=0)),
    ("same size", lambda m, F: F.mse_loss(m.zeros(3), m.zeros(3), weight=m.ones(2))),
]


def _weight_requiring_grad(m):
    return m.ones(4, requires_grad=True)


LOSS_ERRORS += [
    ("argument 'weight'", lambda m, F: F.cross_entropy(m.zeros(3, 4), long(m, [0, 1, 2]), _weight_requiring_grad(m))),
    ("argument 'weight'", lambda m, F: F.nll_loss(m.zeros(3, 4), long(m, [0, 1, 2]), _weight_requiring_grad(m))),
    ("argument 'weight'", lambda m, F: F.binary_cross_entropy(m.ones(3, 4) / 2, m.zeros(3, 4),
                                                              _weight_requiring_grad(m))),
    ("argument 'pos_weight'", lambda m, F: F.binary_cross_entropy_with_logits(
        m.zeros(3, 4), m.zeros(3, 4), pos_weight=_weight_requiring_grad(m))),
]


@pytest.mark.parametrize('needle, call', LOSS_ERRORS)
def test_loss_errors_match_torch(needle, call):
    assert needle in _raises_like_torch(lambda: call(autograd, L), lambda: call(torch, TF))


LOSS_NODES = [('cross_entropy', 'classes'), ('nll_loss', 'classes'), ('mse_loss', 'pair'), ('l1_loss', 'pair'),
              ('smooth_l1_loss', 'pair'), ('huber_loss', 'pair'), ('binary_cross_entropy', 'probs'),
              ('binary_cross_entropy_with_logits', 'probs'), ('kl_div', 'probs')]


@pytest.mark.parametrize('reduction', REDUCTIONS)
@pytest.mark.parametrize('name, kind', LOSS_NODES)
def test_loss_grad_fn_names_match_torch(name, kind, reduction):
    """What print(loss) shows as grad_fn=<...>."""
    rng = np.random.default_rng(4)
    x = rng.random((3, 4))
    target = rng.integers(0, 4, 3) if kind == 'classes' else rng.random((3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        ours = getattr(L, name)(autograd.tensor(x, requires_grad=True), autograd.tensor(target),
                                reduction=reduction)
        theirs = getattr(TF, name)(torch.tensor(x, requires_grad=True), torch.tensor(target), reduction=reduction)
    assert ours.grad_fn.name() == theirs.grad_fn.name()


def test_kl_div_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        L.kl_div(autograd.zeros(2, 3), autograd.ones(2, 3) / 3)


# ---- nn loss layers ---------------------------------------------------------------------------------------

LAYERS = [("CrossEntropyLoss(label_smoothing=0.1, ignore_index=1)", 'classes'),
          ("CrossEntropyLoss(weight=W, reduction='sum')", 'classes'), ("NLLLoss(weight=W)", 'classes'),
          ("MSELoss()", 'pair'), ("L1Loss(reduction='none')", 'pair'), ("SmoothL1Loss(beta=0.5)", 'pair'),
          ("HuberLoss(delta=0.5)", 'pair'), ("BCELoss(weight=W)", 'probs'),
          ("BCEWithLogitsLoss(pos_weight=W)", 'pair01'), ("KLDivLoss(reduction='batchmean')", 'pair')]


@pytest.mark.parametrize('spec, kind', LAYERS)
def test_loss_layers_match_torch(device, spec, kind):
    rng = np.random.default_rng(3)
    w = rng.random(4) + 0.5
    x = rng.standard_normal((5, 4))
    target = {'classes': rng.integers(0, 4, 5), 'pair': rng.standard_normal((5, 4)),
              'probs': rng.random((5, 4)), 'pair01': rng.random((5, 4))}[kind]
    if kind == 'probs':
        x = 1 / (1 + np.exp(-x))
    ours = eval('nn.' + spec, {'nn': nn, 'W': autograd.tensor(w, device=device)})
    theirs = eval('torch.nn.' + spec, {'torch': torch, 'W': torch.tensor(w)})
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    compare(lambda a, b: ours(a, b), lambda a, b: theirs(a, b), [x, target], device)
