"""device='cuda' end to end without a GPU: the NumPy-backed fake CuPy of fake_cuda.py stands in for CuPy.

Every result must live on the (fake) device — a FakeDeviceArray — and equal what the CPU computes; the
fake refuses host arrays meeting device arrays as CuPy does, so a stray numpy call in op code fails here.
"""
import io
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
from autograd import nn, optim
from fake_cuda import FakeDeviceArray, STATS, benchmarks, fake_cuda  # noqa: F401  (fixtures)
from op_specs import OPS
from tolerance import tolerance

SETTINGS = dict(deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def on_device(t):
    return isinstance(t.array, FakeDeviceArray) and t.device == autograd.device('cuda', 0)


def host(t):
    return autograd.backend.to_host(t.detach().array)


def same(a, b, what, exact=False):
    """Same dtype, shape and values. exact: for copies (moves between devices, the same draws), where both
    sides hold the very same numbers; computed results differ by rounding -- the fake's kernels and fused
    updates do the arithmetic in another order than the array code, and how that rounds depends on the
    processor (issue 8: 1 ulp on an AMD EPYC) -- so they compare within tolerance(dtype)."""
    assert a.dtype == b.dtype and a.shape == b.shape, f"{what}: {a.dtype}{tuple(a.shape)} vs {b.dtype}{tuple(b.shape)}"
    tol = dict(rtol=0, atol=0) if exact else tolerance(a.dtype)
    np.testing.assert_allclose(host(a), host(b), err_msg=what, **tol)


# ---- every op of the op-spec table, on the device and on the CPU ----------------------------------
def _run(op, arrays, extras, opts, device, seeds=None):
    tensors = [autograd.tensor(a, requires_grad=op.grad, device=device) for a in arrays]
    extra = [autograd.tensor(e, device=device) for e in extras]
    out = op.call(autograd, *tensors, *extra, **opts)
    outs = list(out) if isinstance(out, (tuple, list)) else [out]
    grads = []
    pairs = [o for o in outs if o.requires_grad]
    if pairs:
        seeds = seeds or [np.random.default_rng(1).standard_normal(tuple(o.shape)) for o in pairs]
        grads = autograd.autograd.grad(pairs, tensors, [autograd.tensor(s, device=device) for s in seeds],
                                       allow_unused=True)
    return outs, [g for g in grads if g is not None]


@pytest.mark.parametrize('op', OPS, ids=[op.name for op in OPS])
@settings(max_examples=2, **SETTINGS)
@given(data=st.data())
def test_every_op_stays_on_the_device_and_matches_the_cpu(fake_cuda, op, data):
    shapes, opts = op.inputs(data.draw)
    rng = np.random.default_rng(0)
    arrays = [rng.uniform(*op.domain, s) + (np.sign(rng.uniform(-1, 1, s)) * 0.5 if op.positive else 0)
              for s in shapes]
    extras = op.index_inputs(shapes, opts, rng) if op.index_inputs else []
    try:
        cpu_out, cpu_grads = _run(op, arrays, extras, opts, 'cpu')
    except Exception as error:   # the CPU refuses these inputs: the device must refuse them the same way
        with pytest.raises(type(error)):
            _run(op, arrays, extras, opts, 'cuda')
        return
    cuda_out, cuda_grads = _run(op, arrays, extras, opts, 'cuda')
    assert len(cuda_out) == len(cpu_out) and len(cuda_grads) == len(cpu_grads)
    for i, (c, g) in enumerate(zip(cpu_out, cuda_out)):
        assert on_device(g), f"{op.name} output {i} is on the host ({type(g.array).__name__})"
        same(g, c, f"{op.name} output {i} {opts}")
    for i, (c, g) in enumerate(zip(cpu_grads, cuda_grads)):
        assert on_device(g), f"{op.name} gradient {i} is on the host ({type(g.array).__name__})"
        same(g, c, f"{op.name} gradient {i} {opts}")


# ---- the fake itself refuses what CuPy refuses (else the tests above could not fail) ----------------
def test_the_fake_refuses_host_arrays_as_cupy_does(fake_cuda):
    d, h = fake_cuda.ones(3), np.ones(3)
    for mix in (lambda: d + h, lambda: h * d, lambda: np.exp(d, out=h), lambda: fake_cuda.concatenate([d, h]),
                lambda: fake_cuda.where(d > 0, d, h), lambda: fake_cuda.matmul(d, h), lambda: fake_cuda.exp(h)):
        with pytest.raises(TypeError, match='Unsupported type'):
            mix()
    with pytest.raises(ValueError, match='non-scalar numpy.ndarray'):
        fake_cuda.copyto(d, h)
    assert type(d.sum()) is FakeDeviceArray and d.sum().ndim == 0 and type(d[0]) is FakeDeviceArray
    assert type(np.concatenate([d, d])) is FakeDeviceArray   # numpy.* on device arrays dispatches to the fake
    assert type(d + np.float32(2)) is FakeDeviceArray        # NumPy and Python scalars are fine
    with pytest.raises(RuntimeError, match='invalid device ordinal'):
        fake_cuda.cuda.Device(1).use()


def test_the_fake_is_as_strict_as_cupy_14(fake_cuda):
    """What real CuPy refuses and an ndarray subclass would have let through (issue 12)."""
    d = fake_cuda.arange(4.0)
    assert not isinstance(d, np.ndarray)
    for implicit in (lambda: np.asarray(d), lambda: np.array(d), lambda: np.ones(4) + np.asarray(d)):
        with pytest.raises(TypeError, match='Implicit conversion to a NumPy array is not allowed'):
            implicit()
    with pytest.raises(TypeError):
        range(fake_cuda.asarray(np.int64(3)))          # cupy.ndarray has no __index__
    with pytest.raises(AttributeError):
        fake_cuda.frompyfunc                           # a NumPy name CuPy does not have
    with pytest.raises(TypeError, match='unexpected keyword'):
        fake_cuda.exp(d, where=d > 0)                  # a keyword CuPy's ufuncs do not take
    with pytest.raises(TypeError, match='does not support dtype int8'):
        fake_cuda.add.at(fake_cuda.zeros(3, dtype=np.int8), fake_cuda.asarray(np.array([0, 0])), 1)
    kernel = fake_cuda.ElementwiseKernel('T g, T y', 'T gx', 'gx = y > (T)0 ? g : (T)0', 'k')
    with pytest.raises(TypeError, match='Type is mismatched'):
        kernel(fake_cuda.ones(2, dtype=np.float64), fake_cuda.ones(2, dtype=np.float32))
    assert d[fake_cuda.asarray(np.array([5, -6]))].tolist() == [1.0, 2.0]   # indices wrap, unchecked
    import cupyx.scipy.special
    assert cupyx.scipy.special.erf(fake_cuda.ones(2, dtype=np.float16)).dtype == np.float64


def test_gpu_quirks_are_handled_by_the_library(fake_cuda):
    """float16 erf keeps its dtype; add.at on dtypes CuPy's scatter lacks; a float64 seed gradient meeting
    the fused float32 relu kernel; all equal to the CPU."""
    for device in ('cpu', 'cuda'):
        x = autograd.tensor([-1.0, 0.5, 2.0], dtype=autograd.float16, device=device)
        assert autograd.erf(x).dtype == autograd.float16 and F.gelu(x).dtype == autograd.float16
    for dtype in (autograd.int8, autograd.int16, autograd.uint8, autograd.bool, autograd.float16):
        results = []
        for device in ('cpu', 'cuda'):
            index = autograd.tensor([0, 2, 0, 2], device=device)
            src = autograd.ones(4, dtype=dtype, device=device)
            results.append(autograd.zeros(3, dtype=dtype, device=device).scatter_add(0, index, src))
        same(results[1], results[0], f"scatter_add {dtype}")
    grads = []
    for device in ('cpu', 'cuda'):
        x = autograd.tensor([-1.0, 2.0], device=device, requires_grad=True)
        F.relu(x).backward(autograd.tensor([3.0, 4.0], dtype=autograd.float64, device=device))
        grads.append(x.grad)
    same(grads[1], grads[0], "relu backward with a float64 seed")


# ---- devices: names, factories, moves --------------------------------------------------------------
@pytest.mark.parametrize('spec', ['cuda', 'cuda:0', ('cuda', 0), 0, 'cpu'])
def test_device_objects_parse_and_print_like_torch(spec):
    ours = autograd.device(*spec) if isinstance(spec, tuple) else autograd.device(spec)
    # torch.device(0) means cuda:0 but needs a CUDA build to say so; spell it out for this CPU torch
    theirs = torch.device(*spec) if isinstance(spec, tuple) else torch.device('cuda', spec) \
        if isinstance(spec, int) else torch.device(spec)
    assert (repr(ours), str(ours), ours.type, ours.index) == (repr(theirs), str(theirs), theirs.type, theirs.index)
    assert ours == autograd.device(str(theirs)) and hash(ours) == hash(autograd.device(str(theirs)))


DEVICE_SPELLINGS = ['cuda', 'cuda:0', autograd.device('cuda'), autograd.device('cuda', 0), 0]
FACTORIES = {
    'tensor': lambda d: autograd.tensor([[1.5, 2.0], [3.0, 4.0]], device=d),
    'tensor_of_tensor': lambda d: autograd.tensor(autograd.ones(2, 2), device=d),
    'as_tensor': lambda d: autograd.as_tensor(np.arange(4.0), device=d),
    'Tensor': lambda d: autograd.Tensor([1.0, 2.0], device=d),
    'zeros': lambda d: autograd.zeros(2, 3, device=d), 'ones': lambda d: autograd.ones((2, 3), device=d),
    'empty': lambda d: autograd.empty(2, device=d).zero_(), 'full': lambda d: autograd.full((2,), 3.5, device=d),
    'eye': lambda d: autograd.eye(3, 2, device=d), 'arange': lambda d: autograd.arange(1, 7, 2, device=d),
    'linspace': lambda d: autograd.linspace(0, 1, 5, device=d),
    'logspace': lambda d: autograd.logspace(0, 2, 3, device=d),
    'zeros_like': lambda d: autograd.zeros_like(autograd.ones(2), device=d),
    'ones_like': lambda d: autograd.ones_like(autograd.ones(2, device=d)),
    'full_like': lambda d: autograd.full_like(autograd.ones(2, device=d), 7),
    'new_tensor': lambda d: autograd.ones(1, device=d).new_tensor([1, 2]),
    'new_zeros': lambda d: autograd.ones(1, device=d).new_zeros(2),
    'new_full': lambda d: autograd.ones(1, device=d).new_full((2,), 4.0),
    'rand': lambda d: autograd.rand(3, 4, device=d), 'randn': lambda d: autograd.randn(5, device=d),
    'randint': lambda d: autograd.randint(0, 9, (4,), device=d), 'randperm': lambda d: autograd.randperm(6, device=d),
    'normal': lambda d: autograd.normal(1.0, 2.0, (3,), device=d),
    'rand_like': lambda d: autograd.rand_like(autograd.ones(3, device=d)),
    'randn_like': lambda d: autograd.randn_like(autograd.ones(3, device=d)),
    'normal_': lambda d: autograd.empty(4, device=d).normal_(),
    'bernoulli': lambda d: autograd.bernoulli(autograd.full((6,), 0.5, device=d)),
}


@pytest.mark.parametrize('name', FACTORIES)
def test_every_factory_makes_the_tensor_on_the_device_with_the_cpu_values(fake_cuda, name):
    for spelling in DEVICE_SPELLINGS:
        autograd.manual_seed(3)
        ours = FACTORIES[name](spelling)
        autograd.manual_seed(3)   # random draws happen on the host: the same numbers on every device
        cpu = FACTORIES[name]('cpu')
        assert on_device(ours), f"{name}(device={spelling!r}) is on {ours.device}"
        same(ours, cpu, name, exact=True)   # factories fill or draw on the host: the very same numbers


def test_a_device_index_beyond_the_gpus_raises(fake_cuda):
    for make in (lambda: autograd.zeros(2, device='cuda:1'), lambda: autograd.tensor([1.0], device='cuda:1'),
                 lambda: autograd.ones(2).to('cuda:1'), lambda: autograd.ones(2).cuda(1)):
        with pytest.raises(RuntimeError, match='invalid device ordinal'):
            make()


def test_to_cuda_and_cpu_round_trip_values_dtypes_and_gradients(fake_cuda):
    x = autograd.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
    for moved in (x.to('cuda'), x.cuda(), x.cuda(0), x.to(0), x.to(autograd.device('cuda:0')),
                  x.to(autograd.ones(1, device='cuda')), x.to('cuda', autograd.float64), x.to(device='cuda')):
        assert on_device(moved) and moved.is_cuda and moved.requires_grad
        np.testing.assert_array_equal(host(moved), x.detach().numpy())
    y = x.cuda()
    assert y.cuda() is y and y.to('cuda:0') is y           # already there: the same tensor, as torch
    back = y.cpu()
    assert back.device.type == 'cpu' and type(back.array) is np.ndarray and not back.is_cuda
    (back * y.cpu()).sum().backward()                     # gradients flow back across both moves
    assert x.grad.device.type == 'cpu'
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.detach().numpy())
    g = autograd.ones(2, device='cuda', requires_grad=True)
    (g.cpu() * 3).sum().backward()
    assert on_device(g.grad)


def test_numpy_of_a_cuda_tensor_raises_torchs_type_error(fake_cuda):
    try:
        torch.zeros(2, device='meta').numpy()
    except TypeError as error:   # torch's text, with its device name: the meta device stands in for cuda:0
        expected = str(error).replace('meta', 'cuda:0')
    with pytest.raises(TypeError) as caught:
        autograd.ones(2, device='cuda').numpy()
    assert str(caught.value) == expected
    assert isinstance(autograd.ones(2, device='cuda').cpu().numpy(), np.ndarray)


def test_item_tolist_and_printing_copy_to_the_host(fake_cuda):
    t = autograd.tensor([[0.25, -1.0, 3.5]] * 4, device='cuda', requires_grad=True)
    assert t.sum().item() == 11.0 and t.tolist() == [[0.25, -1.0, 3.5]] * 4
    assert float(t[0, 0]) == 0.25 and int(t[0, 2]) == 3 and bool(t[0, 1])
    cases = [(t, ['requires_grad=True']), (autograd.arange(5, device='cuda'), []),
             (autograd.ones(2, 3, dtype=autograd.float64, device='cuda'), ['dtype=torch.float64']),
             (autograd.arange(40.0, device='cuda').reshape(4, 10) * 1.5, [])]
    for ours, suffixes in cases:   # torch's body and line breaking, with the device suffix it prints on CUDA
        body = torch._tensor_str._tensor_str(torch.tensor(ours.tolist(), dtype=getattr(torch, ours.dtype.name)), 7)
        expected = torch._tensor_str._add_suffixes('tensor(' + body, ["device='cuda:0'"] + suffixes, 7, False)
        assert repr(ours) == expected.replace('torch.', 'autograd.')


# ---- mixing devices ----------------------------------------------------------------------------------
F = nn.functional
MIXES = {
    'add': lambda c, h: c + h, 'radd': lambda c, h: h + c, 'sub': lambda c, h: c - h, 'mul': lambda c, h: h * c,
    'div': lambda c, h: c / h, 'pow': lambda c, h: c ** h, 'floordiv': lambda c, h: c // h,
    'remainder': lambda c, h: c % h, 'lt': lambda c, h: c < h, 'eq': lambda c, h: h == c,
    'and': lambda c, h: (c > 0) & (h > 0), 'promoting': lambda c, h: c + h.long(),
    'maximum': lambda c, h: autograd.maximum(c, h), 'clamp': lambda c, h: c.clamp(h, c),
    'lerp': lambda c, h: c.lerp(h, 0.5), 'add_': lambda c, h: c.add_(h), 'cuda_scalar': lambda c, h: h + c.sum(),
    'matmul': lambda c, h: c @ h, 'mm': lambda c, h: c.mm(h), 'mv': lambda c, h: c.mv(h[0]),
    'bmm': lambda c, h: c[None].bmm(h[None]), 'dot': lambda c, h: c[0].dot(h[0]),
    'outer': lambda c, h: c[0].outer(h[0]),
    'addmm': lambda c, h: c.addmm(h, c), 'einsum': lambda c, h: autograd.einsum('ij,jk->ik', c, h),
    'cat': lambda c, h: autograd.cat([c, h]), 'stack': lambda c, h: autograd.stack([h, c]),
    'where': lambda c, h: autograd.where(c > 0, c, h), 'where_condition': lambda c, h: autograd.where(h > 0, c, c),
    'linear': lambda c, h: F.linear(h, c), 'linear_bias': lambda c, h: F.linear(c, c, h[0]),
    'conv2d': lambda c, h: F.conv2d(c[None, None], h[None, None]),
    'mse': lambda c, h: F.mse_loss(c, h), 'l1': lambda c, h: F.l1_loss(h, c), 'huber': lambda c, h: F.huber_loss(c, h),
    'smooth_l1': lambda c, h: F.smooth_l1_loss(c, h), 'kl_div': lambda c, h: F.kl_div(c, h, reduction='batchmean'),
    'bce': lambda c, h: F.binary_cross_entropy(c.sigmoid(), h.sigmoid()),
    'bce_logits': lambda c, h: F.binary_cross_entropy_with_logits(c, h),
    'cross_entropy': lambda c, h: F.cross_entropy(c, h.long()), 'nll': lambda c, h: F.nll_loss(c, h.long()),
    'cross_entropy_weight': lambda c, h: F.cross_entropy(c, c.long().clamp(0, 2), weight=h[0]),
}


@pytest.mark.parametrize('name', MIXES)
def test_mixing_devices_in_one_op_raises_naming_both(fake_cuda, name):
    c = autograd.tensor([[1.0, 0.5, 2.0], [0.0, 1.0, 1.5], [2.0, 1.0, 0.25]], device='cuda')
    h = autograd.tensor([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 2.0, 0.0]])
    with pytest.raises(RuntimeError, match='Expected all tensors to be on the same device') as caught:
        MIXES[name](c, h)
    assert 'cuda:0' in str(caught.value) and 'cpu' in str(caught.value)


def test_a_cpu_scalar_tensor_joins_a_cuda_op_as_in_torch(fake_cuda):
    c = autograd.tensor([1.0, 2.0], device='cuda', requires_grad=True)
    s = autograd.tensor(3.0, requires_grad=True)
    out = (c * s + s) ** autograd.tensor(2.0)
    assert on_device(out)
    out.sum().backward()
    assert on_device(c.grad) and s.grad.device.type == 'cpu' and type(s.grad.array) is np.ndarray
    np.testing.assert_allclose(host(c.grad), [2 * (1 * 3 + 3) * 3, 2 * (2 * 3 + 3) * 3])
    np.testing.assert_allclose(host(s.grad), 2 * (1 * 3 + 3) * 2 + 2 * (2 * 3 + 3) * 3)


# ---- modules, optimizers, data, checkpoints ----------------------------------------------------------
def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 3, 3, padding=1), nn.BatchNorm2d(3), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(3 * 3 * 3, 8), nn.ReLU(), nn.Linear(8, 4))


def test_module_to_cuda_keeps_its_parameter_objects_and_moves_buffers_and_grads(fake_cuda):
    model = small_cnn()
    params, buffers = list(model.parameters()), dict(model.named_buffers())
    model(autograd.randn(2, 1, 6, 6)).sum().backward()
    assert model.to('cuda') is model
    assert all(a is b for a, b in zip(params, model.parameters())), "Module.to must keep the Parameter objects"
    assert all(on_device(p) and on_device(p.grad) for p in model.parameters())
    assert all(on_device(b) for name, b in model.named_buffers()) and set(buffers) == set(dict(model.named_buffers()))
    assert model.cpu() is model and all(p.device.type == 'cpu' for p in model.parameters())
    assert model.cuda() is model and all(on_device(p) for p in model.parameters())
    assert model.to(0) is model and all(on_device(p) for p in model.parameters())


OPTIMIZERS = {
    'SGD': lambda p: optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
    'Adam': lambda p: optim.Adam(p, lr=0.01, amsgrad=True), 'AdamW': lambda p: optim.AdamW(p, lr=0.01),
    'RMSprop': lambda p: optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True), 'Adagrad': lambda p: optim.Adagrad(p),
    'Adadelta': lambda p: optim.Adadelta(p), 'Adamax': lambda p: optim.Adamax(p), 'NAdam': lambda p: optim.NAdam(p),
}


def _train(device, make_optimizer, steps=3):
    autograd.manual_seed(0)
    model = small_cnn().to(device)
    optimizer = make_optimizer(model.parameters())
    x = autograd.randn(4, 1, 6, 6, device=device)
    y = autograd.tensor([0, 1, 2, 3], device=device)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return model, optimizer, losses


@pytest.mark.parametrize('name', OPTIMIZERS)
def test_optimizers_keep_state_on_the_parameters_device_and_match_the_cpu(fake_cuda, name):
    model, optimizer, losses = _train('cuda', OPTIMIZERS[name])
    cpu_model, cpu_optimizer, cpu_losses = _train('cpu', OPTIMIZERS[name])
    for loss, cpu_loss in zip(losses, cpu_losses):
        same(loss, cpu_loss, f"{name} loss")
    for p, q in zip(model.parameters(), cpu_model.parameters()):
        assert on_device(p)
        same(p, q, f"{name} parameter")
        for key, value in optimizer.state[p].items():
            if isinstance(value, autograd.Tensor):
                # torch keeps the scalar 'step' (and NAdam's mu_product) on the CPU unless capturable
                expected_cpu = key in ('step', 'mu_product')
                assert (value.device.type == 'cpu') == expected_cpu, f"{name} state[{key!r}] on {value.device}"
                same(value, cpu_optimizer.state[q][key], f"{name} state {key}")


def test_optimizer_made_before_model_cuda_and_state_loaded_from_cpu_follow_the_parameters(fake_cuda):
    model = small_cnn()
    optimizer = optim.Adam(model.parameters())   # before .cuda(): the same Parameter objects move
    model.cuda()
    x, y = autograd.randn(2, 1, 6, 6, device='cuda'), autograd.tensor([1, 2], device='cuda')
    F.cross_entropy(model(x), y).backward()
    optimizer.step()
    assert all(on_device(optimizer.state[p]['exp_avg']) for p in model.parameters())
    _, cpu_optimizer, _ = _train('cpu', lambda p: optim.Adam(p))
    optimizer.load_state_dict(cpu_optimizer.state_dict())
    for p in model.parameters():
        assert on_device(optimizer.state[p]['exp_avg_sq']) and optimizer.state[p]['step'].device.type == 'cpu'


def test_dataloader_batches_move_with_to_and_stay_on_the_device_of_their_dataset(fake_cuda):
    data = autograd.utils.data
    xs, ys = autograd.randn(10, 3), autograd.arange(10)
    host_loader = data.DataLoader(data.TensorDataset(xs, ys), batch_size=4, shuffle=True,
                                  generator=autograd.Generator().manual_seed(1))
    device_loader = data.DataLoader(data.TensorDataset(xs.cuda(), ys.cuda()), batch_size=4, shuffle=True,
                                    generator=autograd.Generator().manual_seed(1))
    for (hx, hy), (dx, dy) in zip(host_loader, device_loader):
        assert on_device(dx) and on_device(dy) and on_device(hx.to('cuda')) and on_device(hy.cuda())
        same(hx.to('cuda'), dx, "batch", exact=True)
        same(hy.to('cuda'), dy, "labels", exact=True)


def test_a_checkpoint_saved_on_the_gpu_loads_on_the_gpu_or_on_the_cpu(fake_cuda):
    model, optimizer, _ = _train('cuda', OPTIMIZERS['Adam'])
    buffer = io.BytesIO()
    autograd.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'device': model[0].weight.device},
                  buffer)
    buffer.seek(0)
    on_gpu = autograd.load(buffer)
    assert all(on_device(v) for v in on_gpu['model'].values()) and on_gpu['device'] == autograd.device('cuda:0')
    for location in ('cpu', autograd.device('cpu'), {'cuda:0': 'cpu'}, lambda storage, where: storage):
        buffer.seek(0)
        on_cpu = autograd.load(buffer, map_location=location)
        for key, value in on_cpu['model'].items():
            assert value.device.type == 'cpu' and type(value.array) is np.ndarray, f"map_location={location!r}"
            same(value.cuda(), model.state_dict()[key], key, exact=True)
    cpu_model = small_cnn()
    cpu_model.load_state_dict(on_cpu['model'])   # GPU checkpoint into a CPU model
    cpu_optimizer = optim.Adam(cpu_model.parameters())
    cpu_optimizer.load_state_dict(on_cpu['optimizer'])
    x = autograd.randn(2, 1, 6, 6)
    model.eval(), cpu_model.eval()
    same(model(x.cuda()), cpu_model(x).cuda(), "reloaded model output")


def test_the_mnist_model_trains_on_the_device_exactly_as_on_the_cpu(fake_cuda, data_dir):
    from autograd.examples.models import build
    from autograd.vision import datasets, transforms
    mnist = datasets.MNIST(data_dir, train=True, transform=transforms.Compose([
        transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    subset = autograd.utils.data.Subset(mnist, range(256))

    def train(device):
        autograd.manual_seed(0)
        model = build('cnn', nn).to(device)
        optimizer = optim.Adam(model.parameters(), lr=1e-3)
        loader = autograd.utils.data.DataLoader(subset, batch_size=64, shuffle=True,
                                                generator=autograd.Generator().manual_seed(0))
        losses = []
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        return model, losses

    model, losses = train('cuda')
    cpu_model, cpu_losses = train('cpu')
    assert all(on_device(p) for p in model.parameters())
    np.testing.assert_allclose(losses, cpu_losses, **tolerance(autograd.float32))
    assert losses[-1] < losses[0]


def test_a_training_step_never_waits_for_the_gpu(fake_cuda):
    """No .item()/float()/bool() of device values, no host->device copies inside forward, backward, clipping and
    the optimizer update (the MLP's step; dropout's mask is drawn on the host by design)."""
    from autograd.examples.models import build
    model = build('mlp', nn).cuda()
    x, y = autograd.randn(16, 1, 28, 28, device='cuda'), autograd.randint(0, 10, (16,), device='cuda')
    target = F.one_hot(y, 10).float()
    for make in OPTIMIZERS.values():
        optimizer = make(model.parameters())
        for _ in range(2):
            STATS['to_host'] = STATS['to_device'] = 0
            loss = F.mse_loss(model(x), target)
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            assert (STATS['to_host'], STATS['to_device']) == (0, 0), f"{type(optimizer).__name__}: {STATS}"


def test_the_cuda_namespace_on_a_gpu(fake_cuda):
    assert autograd.cuda.is_available() and autograd.cuda.device_count() == 1
    assert autograd.cuda.current_device() == 0 and isinstance(autograd.cuda.get_device_name(), str)
    before = STATS['synchronize']
    autograd.cuda.synchronize()
    assert STATS['synchronize'] == before + 1
    assert isinstance(autograd.cuda.memory_allocated(), int) and isinstance(autograd.cuda.max_memory_allocated(), int)
    autograd.cuda.manual_seed_all(5)
    a = autograd.randn(3, device='cuda')
    autograd.manual_seed(5)
    same(a, autograd.randn(3).cuda(), "manual_seed_all seeds the draws for the device", exact=True)
    autograd.cuda.empty_cache()


@pytest.mark.xfail(strict=True, reason="known: cross_entropy and gather check index bounds with .any()/.max() "
                   "and max_pool2d checks for NaN with bool(isnan().any()): a GPU->host wait each; remove when fixed")
@pytest.mark.parametrize('loss_of', [lambda out, y: F.cross_entropy(out, y),
                                     lambda out, y: F.max_pool2d(out[:, None], 2).sum(),
                                     lambda out, y: out.gather(1, y[:, None]).sum()],
                         ids=['cross_entropy', 'max_pool2d', 'gather'])
def test_known_gpu_waits(fake_cuda, loss_of):
    out, y = autograd.randn(8, 10, device='cuda', requires_grad=True), autograd.randint(0, 10, (8,), device='cuda')
    STATS['to_host'] = 0
    loss_of(out, y).backward()
    assert STATS['to_host'] == 0


FUSED = {   # optimizers whose update runs as one kernel per parameter on a GPU (autograd/cuda_kernels.py)
    'SGD momentum': lambda p: optim.SGD(p, lr=0.1, momentum=0.9),
    'SGD dampening maximize': lambda p: optim.SGD(p, lr=0.1, momentum=0.5, dampening=0.3, maximize=True,
                                                  weight_decay=1e-2),
    'Adam L2 maximize': lambda p: optim.Adam(p, lr=0.01, weight_decay=1e-2, maximize=True),
    'AdamW': lambda p: optim.AdamW(p, lr=0.01, weight_decay=0.1),
}


@pytest.mark.parametrize('name', FUSED)
def test_fused_kernels_run_on_the_device_and_match_the_array_code_on_the_cpu(fake_cuda, name):
    """The fake runs the kernels' C bodies as NumPy code: their formulas and argument wiring must give the
    CPU's numbers to rounding (the order of the operations differs, so not bit for bit) (test_cuda_kernels.py compares the compiled kernels on a real GPU)."""
    STATS['kernels'] = 0
    model, _, losses = _train('cuda', FUSED[name], steps=4)
    assert STATS['kernels'] > 0, "the fused kernels did not run"
    cpu_model, _, cpu_losses = _train('cpu', FUSED[name], steps=4)
    for p, q in zip(model.parameters(), cpu_model.parameters()):
        same(p, q, f"{name} parameter")


# ---- the benchmarks' --device cuda paths -------------------------------------------------------------
def test_benchmarks_time_gpu_work_up_to_a_synchronize(fake_cuda, benchmarks, capsys):
    common, gpu_sweep, op_overhead = benchmarks
    runs = {'op chain': op_overhead.chain(autograd, 8, 'cuda'), 'matmul': op_overhead.matmul(autograd, 8, 'cuda')}
    images, labels = np.zeros((40, 1, 28, 28), np.float32), np.arange(40) % 10
    for loader in ('dataloader', 'index'):
        model = common.models().build('mlp', autograd.nn).to('cuda')
        runs[loader] = common.epoch_runner(autograd, model, images, labels, 16, 0.01, 'cuda', loader=loader)
    for name, run in runs.items():
        before = STATS['synchronize']
        run()
        assert STATS['synchronize'] == before + 1, f"{name}: a timed run must end by waiting for the GPU"
    before = STATS['synchronize']
    rows = gpu_sweep.main(['--batch-sizes', '16', '32', '--steps', '2', '--repeats', '1'])
    assert STATS['synchronize'] - before == 2 * 2   # warm-up and one timed run of the GPU column, per batch size
    assert [r['batch_size'] for r in rows] == [16, 32] and all(r['autograd_gpu'] > 0 for r in rows)
    assert 'Fake CUDA device' in capsys.readouterr().out
