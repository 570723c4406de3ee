"""Every nn layer and nn.functional function against torch: the same weights in both (copied through
load_state_dict from NumPy arrays), then forward values, input and parameter gradients, running
statistics, and for the activations and normalizations second derivatives, over hypothesis-drawn shapes
and options, in float64 (tight) and float32 (loose)."""
import re

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
import nn
import nn.functional as F
from tolerance import tolerance

SETTINGS = dict(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                       HealthCheck.function_scoped_fixture])
SCALE = 10   # layers chain reductions (matmuls, means, variances): rounding grows with the fan-in
DTYPES = [np.float64, np.float32]


def host(t):
    return autograd.backend.to_host(t.detach().array) if isinstance(t, autograd.Tensor) else t.detach().numpy()


def assert_close(ours, theirs, dtype, what, loose=1):
    """loose multiplies the float32 absolute tolerance (normalizing a near-constant group divides float32
    rounding noise by a tiny standard deviation, in torch as in ours)."""
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {tuple(ours.shape)} vs {tuple(theirs.shape)}"
    assert ours.dtype.name == str(theirs.dtype).replace('torch.', ''), f"{what}: dtype {ours.dtype} vs {theirs.dtype}"
    tol = tolerance(dtype, SCALE)
    if dtype == np.float32:
        tol['atol'] *= loose
    np.testing.assert_allclose(host(ours), host(theirs), err_msg=what, **tol)


def make_pair(torch_module, our_module, dtype, device):
    """Our module with torch's weights and buffers, both in dtype; ours moved to device."""
    torch_module = torch_module.to(torch.float64 if dtype == np.float64 else torch.float32)
    our_module = our_module.to(autograd.float64 if dtype == np.float64 else autograd.float32)
    result = our_module.load_state_dict({k: v.numpy() for k, v in torch_module.state_dict().items()})
    assert not result.missing_keys and not result.unexpected_keys
    return torch_module, our_module.to(device)


def check_module(torch_module, our_module, arrays, dtype, device, seed=0, grad_inputs=True, loose=1):
    """Forward both on the same inputs, backward the same random output gradient, compare everything."""
    t_in = [torch.tensor(a, requires_grad=grad_inputs and a.dtype.kind == 'f') for a in arrays]
    o_in = [autograd.tensor(a, requires_grad=grad_inputs and a.dtype.kind == 'f', device=device) for a in arrays]
    t_out, o_out = torch_module(*t_in), our_module(*o_in)
    assert_close(o_out, t_out, dtype, f"{type(torch_module).__name__} forward")
    if not t_out.requires_grad:
        return o_out, t_out
    g = np.random.default_rng(seed).standard_normal(tuple(t_out.shape)).astype(dtype)
    t_out.backward(torch.tensor(g))
    o_out.backward(autograd.tensor(g, device=device))
    for i, (o, t) in enumerate(zip(o_in, t_in)):
        if t.requires_grad:
            assert_close(o.grad, t.grad, dtype, f"grad of input {i}", loose)
    t_params = dict(torch_module.named_parameters())
    for name, p in our_module.named_parameters():
        if t_params[name].grad is None:
            assert p.grad is None, f"{name} has a gradient, torch's has none"
        else:
            assert_close(p.grad, t_params[name].grad, dtype, f"grad of {name}", loose)
    return o_out, t_out


def inputs(draw, shape, dtype, scale=1.0):
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    return (rng.standard_normal(shape) * scale).astype(dtype)


# ---- linear layers -----------------------------------------------------------------------------------
@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(data=st.data(), lead=st.lists(st.integers(1, 4), max_size=2), n_in=st.integers(1, 6),
       n_out=st.integers(1, 6), bias=st.booleans())
def test_linear(device, dtype, data, lead, n_in, n_out, bias):
    t, o = make_pair(torch.nn.Linear(n_in, n_out, bias=bias), nn.Linear(n_in, n_out, bias=bias), dtype, device)
    out, t_out = check_module(t, o, [inputs(data.draw, tuple(lead) + (n_in,), dtype)], dtype, device)
    assert out.grad_fn.name() == t_out.grad_fn.name()


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(data=st.data(), n=st.integers(1, 4), n1=st.integers(1, 4), n2=st.integers(1, 4), n_out=st.integers(1, 4),
       bias=st.booleans())
def test_bilinear(device, dtype, data, n, n1, n2, n_out, bias):
    t, o = make_pair(torch.nn.Bilinear(n1, n2, n_out, bias=bias), nn.Bilinear(n1, n2, n_out, bias=bias), dtype,
                     device)
    check_module(t, o, [inputs(data.draw, (n, n1), dtype), inputs(data.draw, (n, n2), dtype)], dtype, device)


def test_linear_errors_match_torch():
    x, w = autograd.randn(3, 5), autograd.randn(2, 4)
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(3x5 and 4x2\)"):
        F.linear(x, w)
    with pytest.raises(RuntimeError, match="expected m1 and m2 to have the same dtype, but got: double != float"):
        F.linear(x.double(), autograd.randn(2, 5))
    with pytest.raises(RuntimeError, match="bilinear\\(\\): input2 size does not match weight size: got 4 but "
                                           "expected 3"):
        F.bilinear(autograd.randn(2, 3), autograd.randn(2, 4), autograd.randn(5, 3, 3))


def test_identity_flatten_unflatten(device):
    x = np.random.default_rng(1).standard_normal((2, 3, 4, 5)).astype(np.float32)
    for t, o in [(torch.nn.Identity(3, k=1), nn.Identity(3, k=1)), (torch.nn.Flatten(), nn.Flatten()),
                 (torch.nn.Flatten(0, 2), nn.Flatten(0, 2)), (torch.nn.Unflatten(1, (3, 1)), nn.Unflatten(1, (3, 1)))]:
        check_module(t, o, [x], np.float32, device)
        assert repr(o) == repr(t)


# ---- activations -------------------------------------------------------------------------------------
ACTIVATIONS = [
    (lambda m: m.ReLU(), 'relu', {}), (lambda m: m.ReLU6(), 'relu6', {}),
    (lambda m: m.LeakyReLU(0.2), 'leaky_relu', {'negative_slope': 0.2}), (lambda m: m.ELU(0.7), 'elu', {'alpha': 0.7}),
    (lambda m: m.GELU(), 'gelu', {}), (lambda m: m.GELU('tanh'), 'gelu', {'approximate': 'tanh'}),
    (lambda m: m.SiLU(), 'silu', {}), (lambda m: m.Mish(), 'mish', {}), (lambda m: m.Sigmoid(), 'sigmoid', {}),
    (lambda m: m.Tanh(), 'tanh', {}), (lambda m: m.Softplus(2.0, 3.0), 'softplus', {'beta': 2.0, 'threshold': 3.0}),
    (lambda m: m.Hardtanh(-0.5, 2.0), 'hardtanh', {'min_val': -0.5, 'max_val': 2.0}),
    (lambda m: m.Softmax(dim=1), 'softmax', {'dim': 1}), (lambda m: m.LogSoftmax(dim=-1), 'log_softmax', {'dim': -1}),
]


@pytest.mark.parametrize('make, fn, options', ACTIVATIONS, ids=[a[1] + str(a[2]) for a in ACTIVATIONS])
@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(data=st.data(), shape=st.lists(st.integers(1, 5), min_size=2, max_size=4))
def test_activation(device, dtype, make, fn, options, data, shape):
    x = inputs(data.draw, tuple(shape), dtype, scale=4.0)
    t_mod, o_mod = make(torch.nn), make(nn)
    assert repr(o_mod) == repr(t_mod)
    out, t_out = check_module(t_mod, o_mod, [x], dtype, device)
    assert out.grad_fn.name() == t_out.grad_fn.name()
    # functional form, and second derivatives through create_graph
    t_x, o_x = torch.tensor(x, requires_grad=True), autograd.tensor(x, requires_grad=True, device=device)
    g = np.random.default_rng(1).standard_normal(x.shape).astype(dtype)
    t_g, = torch.autograd.grad(getattr(TF, fn)(t_x, **options), t_x, torch.tensor(g), create_graph=True)
    o_g, = autograd.autograd.grad(getattr(F, fn)(o_x, **options), o_x, autograd.tensor(g, device=device),
                                  create_graph=True)
    assert_close(o_g, t_g, dtype, f"{fn} gradient")
    assert o_g.requires_grad == t_g.requires_grad
    if dtype == np.float32:
        return   # float32 second derivatives cancel badly (1 - tanh^2 near saturation) in both libraries
    (t_g * t_g).sum().backward()
    (o_g * o_g).sum().backward()
    assert_close(o_x.grad, t_x.grad, dtype, f"{fn} second derivative")


@pytest.mark.parametrize('fn, options', [('relu', {}), ('leaky_relu', {'negative_slope': 0.1}), ('elu', {}),
                                         ('silu', {}), ('hardtanh', {}), ('relu6', {}), ('mish', {})])
def test_inplace_activation(device, fn, options):
    x = np.random.default_rng(2).standard_normal((3, 4)) * 3
    t_x, o_x = torch.tensor(x, requires_grad=True), autograd.tensor(x, requires_grad=True, device=device)
    t_y, o_y = t_x * 2, o_x * 2
    t_out = getattr(TF, fn)(t_y, inplace=True, **options)
    o_out = getattr(F, fn)(o_y, inplace=True, **options)
    assert o_out is o_y and t_out is t_y
    assert_close(o_y, t_y, np.float64, f"{fn} in place")
    o_out.sum().backward()
    t_out.sum().backward()
    assert_close(o_x.grad, t_x.grad, np.float64, f"{fn} in place gradient")
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place"):
        getattr(F, fn)(o_x, inplace=True)


def test_softmax_implicit_dim_warns_like_torch():
    x = np.random.default_rng(3).standard_normal((2, 3, 4))
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        ours = F.softmax(autograd.tensor(x))
    with pytest.warns(UserWarning):
        theirs = TF.softmax(torch.tensor(x))
    assert_close(ours, theirs, np.float64, "softmax with implicit dim")


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(RuntimeError, match="approximate argument must be either none or tanh"):
        F.gelu(autograd.randn(3), approximate='fast')


# ---- dropout -----------------------------------------------------------------------------------------
@pytest.mark.parametrize('p', [0.2, 0.5, 0.9])
def test_dropout_statistics_and_gradient(device, p):
    autograd.manual_seed(0)
    drop = nn.Dropout(p)
    x = autograd.ones(200, 100, device=device, requires_grad=True)
    y = drop(x)
    kept = host(y) != 0
    assert abs(1 - kept.mean() - p) < 0.02, f"dropped fraction {1 - kept.mean()} for p={p}"
    np.testing.assert_allclose(host(y)[kept], np.float32(1) / np.float32(1 - p), **tolerance(np.float32))
    y.sum().backward()
    np.testing.assert_allclose(host(x.grad), host(y))   # d(sum)/dx is the same mask
    drop.eval()
    assert drop(x) is x
    assert repr(drop) == repr(torch.nn.Dropout(p))


def test_dropout2d_zeroes_whole_channels(device):
    autograd.manual_seed(1)
    y = nn.Dropout2d(0.5)(autograd.ones(8, 16, 3, 3, device=device))
    per_channel = host(y).reshape(8, 16, 9)
    assert np.all(per_channel.min(-1) == per_channel.max(-1)), "a channel was partly dropped"
    assert set(np.unique(per_channel)) <= {0.0, 2.0}
    assert 0.3 < (per_channel[..., 0] == 0).mean() < 0.7


def test_dropout_edge_probabilities():
    x = autograd.randn(4, 5)
    assert F.dropout(x, 0.0) is x
    assert not host(F.dropout(x, 1.0)).any()
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got -0.1"):
        F.dropout(x, -0.1)


# ---- normalization -----------------------------------------------------------------------------------
@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(data=st.data(), two_d=st.booleans(), n=st.integers(2, 4), c=st.integers(1, 4), spatial=st.integers(1, 3),
       momentum=st.sampled_from([0.1, 0.5, None]), affine=st.booleans(), track=st.booleans())
def test_batch_norm_training_steps_and_eval(device, dtype, data, two_d, n, c, spatial, momentum, affine, track):
    kwargs = dict(momentum=momentum, affine=affine, track_running_stats=track)
    if two_d:
        t, o = torch.nn.BatchNorm2d(c, **kwargs), nn.BatchNorm2d(c, **kwargs)
        shape = (n, c, spatial, spatial + 1)
    else:
        t, o = torch.nn.BatchNorm1d(c, **kwargs), nn.BatchNorm1d(c, **kwargs)
        shape = (n, c, spatial) if spatial > 1 else (n, c)
    if affine:   # non-trivial affine parameters
        with torch.no_grad():
            t.weight.uniform_(0.5, 1.5)
            t.bias.uniform_(-1, 1)
    t, o = make_pair(t, o, dtype, device)
    assert repr(o) == repr(t)
    for step in range(3):
        out, t_out = check_module(t, o, [inputs(data.draw, shape, dtype, scale=2.0) + step], dtype, device, step,
                                  loose=10)
        assert out.grad_fn.name() == t_out.grad_fn.name()
        t.zero_grad()
        o.zero_grad()
    t_state = t.state_dict()
    assert list(o.state_dict()) == list(t_state)
    for key, value in o.state_dict().items():
        assert_close(value, t_state[key], dtype if value.dtype.is_floating_point else None, key) \
            if value.dtype.is_floating_point else np.testing.assert_array_equal(host(value), t_state[key].numpy())
    t.eval()
    o.eval()
    check_module(t, o, [inputs(data.draw, shape, dtype)], dtype, device)


def test_batch_norm_errors_match_torch():
    with pytest.raises(ValueError, match=r"expected 4D input \(got 3D input\)"):
        nn.BatchNorm2d(3)(autograd.randn(2, 3, 4))
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input\)"):
        nn.BatchNorm1d(3)(autograd.randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"autograd.Size\(\[1, 3\]\)"):
        nn.BatchNorm1d(3)(autograd.randn(1, 3))
    with pytest.raises(RuntimeError, match="running_mean should contain 3 elements not 4"):
        F.batch_norm(autograd.randn(2, 3), autograd.zeros(4), autograd.ones(4))
    nn.BatchNorm1d(3).eval()(autograd.randn(1, 3))   # one sample is fine in eval mode


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(data=st.data(), lead=st.lists(st.integers(1, 3), min_size=1, max_size=2),
       norm=st.lists(st.integers(1, 4), min_size=1, max_size=2), affine=st.booleans(), bias=st.booleans())
def test_layer_norm(device, dtype, data, lead, norm, affine, bias):
    t = torch.nn.LayerNorm(norm, elementwise_affine=affine, bias=bias)
    o = nn.LayerNorm(norm, elementwise_affine=affine, bias=bias)
    if affine:
        with torch.no_grad():
            t.weight.uniform_(0.5, 1.5)
            if bias:
                t.bias.uniform_(-1, 1)
    t, o = make_pair(t, o, dtype, device)
    assert repr(o) == repr(t)
    check_module(t, o, [inputs(data.draw, tuple(lead) + tuple(norm), dtype)], dtype, device, loose=10)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(data=st.data(), n=st.integers(1, 3), groups=st.integers(1, 3), per_group=st.integers(1, 3),
       spatial=st.lists(st.integers(1, 3), max_size=2), affine=st.booleans())
def test_group_norm(device, dtype, data, n, groups, per_group, spatial, affine):
    c = groups * per_group
    t, o = torch.nn.GroupNorm(groups, c, affine=affine), nn.GroupNorm(groups, c, affine=affine)
    if affine:
        with torch.no_grad():
            t.weight.uniform_(0.5, 1.5)
            t.bias.uniform_(-1, 1)
    t, o = make_pair(t, o, dtype, device)
    assert repr(o) == repr(t)
    x = inputs(data.draw, (n, c) + tuple(spatial), dtype)
    if n * per_group * int(np.prod(spatial)) == 1:   # one value per group: both refuse
        with pytest.raises(ValueError) as theirs:
            t(torch.tensor(x))
        with pytest.raises(ValueError, match=re.escape(str(theirs.value))):
            o(autograd.tensor(x, device=device))
        return
    out, t_out = check_module(t, o, [x], dtype, device, loose=10)
    assert out.grad_fn.name() == t_out.grad_fn.name()


def test_normalization_errors_match_torch():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[4\], expected input with shape \[\*, 4\], "
                                           r"but got input of size\[2, 3\]"):
        F.layer_norm(autograd.randn(2, 3), [4])
    with pytest.raises(RuntimeError, match=r"Expected number of channels in input to be divisible by num_groups, "
                                           r"but got input of shape \[2, 6, 4\] and num_groups=4"):
        F.group_norm(autograd.randn(2, 6, 4), 4)
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)


@pytest.mark.parametrize('name, call', [
    ('batch_norm', lambda m, x, w, b: m.batch_norm(x, None, None, w, b, training=True)),
    ('batch_norm_eval', lambda m, x, w, b: m.batch_norm(x, (x * 0).sum(0).detach() + 0.3,
                                                        (x * 0).sum(0).detach() + 1.7, w, b)),
    ('layer_norm', lambda m, x, w, b: m.layer_norm(x, (3,), w, b)),
    ('group_norm', lambda m, x, w, b: m.group_norm(x, 3, w, b))])
def test_normalization_second_derivatives(name, call):
    rng = np.random.default_rng(4)
    arrays = [rng.standard_normal((4, 3)), rng.uniform(0.5, 1.5, 3), rng.standard_normal(3)]
    grads = []
    for m, lib in ((TF, torch), (F, autograd)):
        x, w, b = (lib.tensor(a, requires_grad=True) for a in arrays)
        y = call(m, x, w, b)
        gx, gw = lib.autograd.grad((y * y * y).sum(), (x, w), create_graph=True)
        (gx.sin().sum() + (gw * gw).sum()).backward()
        grads.append([x.grad, w.grad, b.grad])
    for ours, theirs, what in zip(grads[1], grads[0], 'xwb'):
        assert_close(ours, theirs, np.float64, f"{name} second derivative wrt {what}")


# ---- embedding and encodings -------------------------------------------------------------------------
@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(data=st.data(), rows=st.integers(1, 6), dim=st.integers(1, 4), shape=st.lists(st.integers(1, 4), max_size=2),
       padding=st.booleans())
def test_embedding(device, dtype, data, rows, dim, shape, padding):
    padding_idx = data.draw(st.integers(-rows, rows - 1)) if padding else None
    t, o = make_pair(torch.nn.Embedding(rows, dim, padding_idx), nn.Embedding(rows, dim, padding_idx), dtype, device)
    assert repr(o) == repr(t)
    idx = np.random.default_rng(data.draw(st.integers(0, 1000))).integers(0, rows, shape)
    out, t_out = check_module(t, o, [idx], dtype, device)
    assert out.grad_fn.name() == t_out.grad_fn.name()


def test_embedding_padding_row_starts_at_zero_and_errors():
    emb = nn.Embedding(5, 3, padding_idx=2)
    assert not host(emb.weight)[2].any()
    with pytest.raises(IndexError, match="index out of range in self"):
        emb(autograd.tensor([5]))
    with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices' to have one of the following "
                                           "scalar types: Long, Int; but got autograd.FloatTensor instead"):
        emb(autograd.tensor([1.0]))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(3, 2, padding_idx=5)


def test_embedding_max_norm_and_from_pretrained():
    w = np.random.default_rng(5).standard_normal((6, 4)) * 3
    idx = np.array([[0, 2], [2, 5]])
    t = torch.nn.Embedding.from_pretrained(torch.tensor(w), max_norm=1.5)
    o = nn.Embedding.from_pretrained(autograd.tensor(w), max_norm=1.5)
    assert repr(o) == repr(t) and not o.weight.requires_grad
    assert_close(o(autograd.tensor(idx)), t(torch.tensor(idx)), np.float64, "max_norm lookup")
    assert_close(o.weight, t.weight, np.float64, "renormalised rows")


@settings(**SETTINGS)
@given(data=st.data(), shape=st.lists(st.integers(1, 4), max_size=3), classes=st.integers(-1, 6))
def test_one_hot(data, shape, classes):
    top = classes if classes > 0 else 5
    idx = np.random.default_rng(data.draw(st.integers(0, 1000))).integers(0, top, shape)
    try:
        theirs = TF.one_hot(torch.tensor(idx), classes)
    except RuntimeError as error:
        with pytest.raises(RuntimeError, match=re.escape(str(error))):
            F.one_hot(autograd.tensor(idx), classes)
        return
    ours = F.one_hot(autograd.tensor(idx), classes)
    assert ours.dtype == autograd.int64
    np.testing.assert_array_equal(host(ours), theirs.numpy())


def test_one_hot_errors_match_torch():
    for bad, classes in [([1.0], -1), ([-1], -1), ([3], 2)]:
        with pytest.raises(RuntimeError) as theirs:
            TF.one_hot(torch.tensor(bad), classes)
        with pytest.raises(RuntimeError, match=re.escape(str(theirs.value))):
            F.one_hot(autograd.tensor(bad), classes)


@pytest.mark.parametrize('dtype', DTYPES)
@settings(**SETTINGS)
@given(data=st.data(), shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), p=st.sampled_from([1.0, 2.0, 3.0]))
def test_normalize(dtype, data, shape, p):
    x = inputs(data.draw, tuple(shape), dtype)
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    t_x, o_x = torch.tensor(x, requires_grad=True), autograd.tensor(x, requires_grad=True)
    t_y, o_y = TF.normalize(t_x, p, dim), F.normalize(o_x, p, dim)
    assert_close(o_y, t_y, dtype, "normalize")
    g = np.random.default_rng(0).standard_normal(x.shape).astype(dtype)
    t_y.backward(torch.tensor(g))
    o_y.backward(autograd.tensor(g))
    assert_close(o_x.grad, t_x.grad, dtype, "normalize gradient")


@pytest.mark.parametrize('mode', ['constant', 'reflect', 'replicate', 'circular'])
@settings(**SETTINGS)
@given(data=st.data(), shape=st.lists(st.integers(2, 4), min_size=2, max_size=3))
def test_pad(device, mode, data, shape):
    n_dims = data.draw(st.integers(1, len(shape) - 1))
    low = -1 if mode == 'constant' else 0
    pads = [data.draw(st.integers(low, min(shape[-1 - i // 2] - 1, 2))) for i in range(2 * n_dims)]
    x = inputs(data.draw, tuple(shape), np.float64)
    t_x, o_x = torch.tensor(x, requires_grad=True), autograd.tensor(x, requires_grad=True, device=device)
    kwargs = {'value': 1.5} if mode == 'constant' else {}
    try:
        t_y = TF.pad(t_x, pads, mode=mode, **kwargs)
    except (RuntimeError, NotImplementedError) as error:   # torch limits some modes to some ranks
        pytest.skip(f"torch refuses {mode} padding of rank {len(shape)} by {pads}: {error}")
    o_y = F.pad(o_x, pads, mode=mode, **kwargs)
    assert_close(o_y, t_y, np.float64, f"pad {mode} {pads}")
    g = np.random.default_rng(0).standard_normal(tuple(t_y.shape))
    t_y.backward(torch.tensor(g))
    o_y.backward(autograd.tensor(g, device=device))
    assert_close(o_x.grad, t_x.grad, np.float64, f"pad {mode} gradient")


def test_pad_errors_match_torch():
    x = autograd.randn(2, 3)
    for pads, kwargs in [((1, 2, 3), {}), ((1, 1, 1, 1, 1, 1), {}), ((3, 3), {'mode': 'reflect'}),
                         ((1, 1), {'mode': 'foo'})]:
        with pytest.raises((RuntimeError, NotImplementedError)) as theirs:
            TF.pad(torch.randn(2, 3), pads, **kwargs)
        with pytest.raises(type(theirs.value), match=re.escape(str(theirs.value))):
            F.pad(x, pads, **kwargs)


# ---- nn.utils ----------------------------------------------------------------------------------------
def _models_with_grads(seed):
    torch.manual_seed(seed)
    t = torch.nn.Sequential(torch.nn.Linear(4, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    o = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 2))
    o.load_state_dict({k: v.numpy() for k, v in t.state_dict().items()})
    x = np.random.default_rng(seed).standard_normal((3, 4)).astype(np.float32) * 10
    t(torch.tensor(x)).pow(2).sum().backward()
    o(autograd.tensor(x)).pow(2).sum().backward()
    return t, o


@pytest.mark.parametrize('max_norm, norm_type', [(1.0, 2.0), (0.5, 1.0), (2.0, float('inf')), (1e6, 2.0), (1.0, 3)])
def test_clip_grad_norm(max_norm, norm_type):
    t, o = _models_with_grads(0)
    t_norm = torch.nn.utils.clip_grad_norm_(t.parameters(), max_norm, norm_type)
    o_norm = nn.utils.clip_grad_norm_(o.parameters(), max_norm, norm_type)
    assert_close(o_norm, t_norm, np.float32, "total norm")
    for (name, p), q in zip(o.named_parameters(), t.parameters()):
        assert_close(p.grad, q.grad, np.float32, f"clipped grad of {name}")


def test_clip_grad_norm_nonfinite_and_empty():
    _, o = _models_with_grads(1)
    o[0].weight.grad.array[0, 0] = np.inf
    with pytest.raises(RuntimeError, match="The total norm of order 2.0 for gradients from `parameters` is "
                                           "non-finite, so it cannot be clipped"):
        nn.utils.clip_grad_norm_(o.parameters(), 1.0, error_if_nonfinite=True)
    assert float(nn.utils.clip_grad_norm_([nn.Parameter(autograd.zeros(2))], 1.0)) == 0.0


def test_clip_grad_value():
    t, o = _models_with_grads(2)
    torch.nn.utils.clip_grad_value_(t.parameters(), 0.3)
    nn.utils.clip_grad_value_(o.parameters(), 0.3)
    for p, q in zip(o.parameters(), t.parameters()):
        assert_close(p.grad, q.grad, np.float32, "clipped values")


def test_parameters_vector_round_trip():
    t, o = _models_with_grads(3)
    vec = nn.utils.parameters_to_vector(o.parameters())
    assert_close(vec, torch.nn.utils.parameters_to_vector(t.parameters()), np.float32, "parameters_to_vector")
    new = autograd.arange(vec.numel(), dtype=autograd.float32)
    nn.utils.vector_to_parameters(new, o.parameters())
    torch.nn.utils.vector_to_parameters(torch.arange(vec.numel(), dtype=torch.float32), t.parameters())
    for p, q in zip(o.parameters(), t.parameters()):
        assert_close(p, q, np.float32, "vector_to_parameters")
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        nn.utils.vector_to_parameters([1.0], o.parameters())
