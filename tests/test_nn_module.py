"""nn.Module and containers against torch.nn: registration and its order, state_dict keys and loading
(from NumPy arrays too), repr of the seeds' models, hooks, to()/float()/double(), train/eval, and the
errors with torch's exception classes and messages."""
import contextlib
import copy
import io
import re
from collections import OrderedDict

import numpy as np
import pytest
import torch

import autograd
import nn
from autograd.summary import summary
from tolerance import assert_close

requires_conv = pytest.mark.skipif(not hasattr(nn, 'Conv2d') or not hasattr(nn, 'MaxPool2d'),
                                   reason="nn.Conv2d / nn.MaxPool2d (nn/conv.py, nn/pooling.py) not available yet")


def host(t):
    return autograd.backend.to_host(t.detach().array) if isinstance(t, autograd.Tensor) else t.detach().numpy()


def copy_weights(src, dst):
    """torch module -> our module, through NumPy arrays."""
    return dst.load_state_dict({k: v.numpy() for k, v in src.state_dict().items()})


# ---- the seeds' models, written once against either library -------------------------------------------
def seed_mlp(m):
    class NeuralNetwork(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.flatten = m.nn.Flatten()
            self.linear_relu_stack = m.nn.Sequential(m.nn.Linear(28 * 28, 512), m.nn.ReLU(), m.nn.Linear(512, 512),
                                                     m.nn.ReLU(), m.nn.Linear(512, 10))

        def forward(self, x):
            return self.linear_relu_stack(self.flatten(x))
    return NeuralNetwork()


def seed_small_net(m):
    class MyNeuralNet(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.input_to_hidden_layer = m.nn.Linear(2, 8)
            self.hidden_layer_activation = m.nn.ReLU()
            self.hidden_to_output_layer = m.nn.Linear(8, 1)

        def forward(self, x):
            return self.hidden_to_output_layer(self.hidden_layer_activation(self.input_to_hidden_layer(x)))
    return MyNeuralNet()


def seed_logistic(m):
    class Mnist_Logistic(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = m.nn.Parameter(m.randn(784, 10) / 28)
            self.bias = m.nn.Parameter(m.zeros(10))

        def forward(self, xb):
            return xb @ self.weights + self.bias
    return Mnist_Logistic()


def seed_lenet(m):
    class Net(m.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = m.nn.Conv2d(3, 6, 5)
            self.conv2 = m.nn.Conv2d(6, 16, 5)
            self.fc1 = m.nn.Linear(16 * 5 * 5, 120)
            self.fc2 = m.nn.Linear(120, 84)
            self.fc3 = m.nn.Linear(84, 10)

        def forward(self, x):
            F_ = m.nn.functional
            x = F_.max_pool2d(F_.relu(self.conv1(x)), (2, 2))
            x = F_.max_pool2d(F_.relu(self.conv2(x)), 2)
            x = x.view(x.size()[0], -1)
            return self.fc3(F_.relu(self.fc2(F_.relu(self.fc1(x)))))
    return Net()


def seed_resnet34(m, num_classes=1000):
    nn_ = m.nn

    class ResidualBlock(nn_.Module):
        def __init__(self, inchannel, outchannel, stride=1, shortcut=None):
            super().__init__()
            self.left = nn_.Sequential(nn_.Conv2d(inchannel, outchannel, 3, stride, 1, bias=False),
                                       nn_.BatchNorm2d(outchannel), nn_.ReLU(inplace=True),
                                       nn_.Conv2d(outchannel, outchannel, 3, 1, 1, bias=False),
                                       nn_.BatchNorm2d(outchannel))
            self.right = shortcut

        def forward(self, x):
            out = self.left(x)
            residual = x if self.right is None else self.right(x)
            out += residual
            return nn_.functional.relu(out)

    class ResNet(nn_.Module):
        def __init__(self):
            super().__init__()
            self.pre = nn_.Sequential(nn_.Conv2d(3, 64, 7, 2, 3, bias=False), nn_.BatchNorm2d(64),
                                      nn_.ReLU(inplace=True), nn_.MaxPool2d(3, 2, 1))
            self.layer1 = self._make_layer(64, 64, 3)
            self.layer2 = self._make_layer(64, 128, 4, stride=2)
            self.layer3 = self._make_layer(128, 256, 6, stride=2)
            self.layer4 = self._make_layer(256, 512, 3, stride=2)
            self.fc = nn_.Linear(512, num_classes)

        def _make_layer(self, inchannel, outchannel, block_num, stride=1):
            shortcut = nn_.Sequential(nn_.Conv2d(inchannel, outchannel, 1, stride, bias=False),
                                      nn_.BatchNorm2d(outchannel))
            layers = [ResidualBlock(inchannel, outchannel, stride, shortcut)]
            layers += [ResidualBlock(outchannel, outchannel) for _ in range(1, block_num)]
            return nn_.Sequential(*layers)

        def forward(self, x):
            x = self.layer4(self.layer3(self.layer2(self.layer1(self.pre(x)))))
            x = nn_.functional.avg_pool2d(x, 7)
            return self.fc(x.view(x.size(0), -1))
    return ResNet()


SEED_MODELS = [(seed_mlp, (2, 1, 28, 28)), (seed_small_net, (3, 2)), (seed_logistic, (4, 784)),
               pytest.param(seed_lenet, (2, 3, 32, 32), marks=requires_conv),
               pytest.param(seed_resnet34, (1, 3, 224, 224), marks=requires_conv)]


@pytest.mark.parametrize('build, input_shape', SEED_MODELS)
def test_seed_models_match_torch(build, input_shape):
    theirs, ours = build(torch), build(autograd)
    assert repr(ours) == repr(theirs)
    assert [(k, tuple(v.shape)) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert str(copy_weights(theirs, ours)) == '<All keys matched successfully>'
    x = np.random.default_rng(0).standard_normal(input_shape).astype(np.float32)
    theirs.eval()
    ours.eval()
    with torch.no_grad(), autograd.no_grad():
        assert_close(host(ours(autograd.tensor(x))), theirs(torch.tensor(x)).numpy(), scale=10)   # a deep net


@requires_conv
def test_seed_residual_block_trains_like_torch():
    """The ResNet seed's block in training mode: in-place ReLU after batch norm, out += residual."""
    def block(m):
        class ResidualBlock(m.nn.Module):
            def __init__(self):
                super().__init__()
                self.left = m.nn.Sequential(m.nn.Conv2d(4, 4, 3, 1, 1, bias=False), m.nn.BatchNorm2d(4),
                                            m.nn.ReLU(inplace=True), m.nn.Conv2d(4, 4, 3, 1, 1, bias=False),
                                            m.nn.BatchNorm2d(4))

            def forward(self, x):
                out = self.left(x)
                out += x
                return m.nn.functional.relu(out)
        return ResidualBlock()
    theirs, ours = block(torch), block(autograd)
    copy_weights(theirs, ours)
    rng = np.random.default_rng(2)
    x = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    g = rng.standard_normal((2, 4, 6, 6)).astype(np.float32)
    t_x, o_x = torch.tensor(x, requires_grad=True), autograd.tensor(x, requires_grad=True)
    t_y, o_y = theirs(t_x), ours(o_x)
    assert_close(host(o_y), host(t_y), scale=10)   # two convs and batch norms
    t_y.backward(torch.tensor(g))
    o_y.backward(autograd.tensor(g))
    assert_close(host(o_x.grad), host(t_x.grad), scale=10)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        assert_close(host(p.grad), host(q.grad), scale=10, what=name)
    for key, value in ours.state_dict().items():
        assert_close(host(value), host(theirs.state_dict()[key]), what=key)


@pytest.mark.parametrize('build, input_shape', [(seed_small_net, (2,)), (seed_mlp, (1, 28, 28)),
                                                pytest.param(seed_lenet, (3, 32, 32), marks=requires_conv)])
def test_summary_matches_torchsummary(build, input_shape):
    torchsummary = pytest.importorskip('torchsummary', reason="torchsummary (pip install torchsummary==1.5.1) "
                                                              "is the oracle for summary's printout")
    expected, got = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(expected):
        torchsummary.summary(build(torch), input_shape, device='cpu')
    with contextlib.redirect_stdout(got):
        summary(build(autograd), input_shape)
    assert got.getvalue() == expected.getvalue()


# ---- registration -------------------------------------------------------------------------------------
def build_registry(m):
    """Parameters, buffers and submodules assigned in a mixed order, replaced, deleted and shared."""
    net = m.nn.Module()
    net.b = m.nn.Linear(2, 3)
    net.register_buffer('stat', m.zeros(3))
    net.a = m.nn.Parameter(m.ones(2))
    net.register_buffer('hidden', m.ones(1), persistent=False)
    net.shared = net.b                       # the same module twice
    net.seq = m.nn.Sequential(m.nn.ReLU(), net.b)
    net.tied = net.a                         # the same parameter twice
    net.plain = 5
    net.register_parameter('absent', None)
    net.register_buffer('none_buf', None)
    net.replaced = m.nn.Linear(1, 1)
    net.replaced = m.nn.Parameter(m.zeros(1))   # moves from _modules to _parameters
    return net


def test_registration_order_and_dedup_match_torch():
    theirs, ours = build_registry(torch), build_registry(autograd)
    for method in ('named_parameters', 'named_buffers', 'named_children', 'named_modules'):
        assert [n for n, _ in getattr(ours, method)()] == [n for n, _ in getattr(theirs, method)()], method
    for kwargs in ({'remove_duplicate': False}, {'prefix': 'net'}, {'recurse': False}):
        for method in ('named_parameters', 'named_buffers'):
            assert [n for n, _ in getattr(ours, method)(**kwargs)] == \
                [n for n, _ in getattr(theirs, method)(**kwargs)], (method, kwargs)
    assert [n for n, _ in ours.named_modules(remove_duplicate=False)] == \
        [n for n, _ in theirs.named_modules(remove_duplicate=False)]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert len(list(ours.parameters())) == len(list(theirs.parameters()))
    assert ours.tied is ours.a and ours.plain == 5 and ours.absent is None
    assert repr(ours) == repr(theirs)
    del ours.seq, theirs.seq
    del ours.a, theirs.a
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    ours.tied = None
    assert ours.tied is None and 'tied' in ours._parameters


def test_state_dict_values_are_detached_and_shared():
    net = nn.Linear(3, 2)
    sd = net.state_dict()
    assert isinstance(sd, OrderedDict) and not sd['weight'].requires_grad
    assert sd['weight'].array is net.weight.array
    kept = net.state_dict(keep_vars=True)
    assert kept['weight'] is net.weight


def test_attribute_errors_match_torch():
    cases = [lambda m: setattr(build_registry(m), 'a', m.zeros(2)),
             lambda m: setattr(build_registry(m), 'b', 3),
             lambda m: setattr(build_registry(m), 'stat', 'x'),
             lambda m: build_registry(m).register_buffer('a.b', m.zeros(1)),
             lambda m: build_registry(m).register_buffer('', m.zeros(1)),
             lambda m: build_registry(m).register_buffer('plain', m.zeros(1)),
             lambda m: build_registry(m).register_buffer('x', [1]),
             lambda m: build_registry(m).register_parameter('p', m.zeros(1)),
             lambda m: build_registry(m).register_parameter('p.q', m.nn.Parameter(m.zeros(1))),
             lambda m: build_registry(m).add_module('x', 3),
             lambda m: build_registry(m).add_module('x.y', m.nn.ReLU()),
             lambda m: build_registry(m).missing,
             lambda m: m.nn.Module().forward(1),
             lambda m: build_registry(m).train('yes'),
             lambda m: m.nn.Sequential(m.nn.ReLU())[3],
             lambda m: m.nn.ModuleList([m.nn.ReLU()])[-2],
             lambda m: m.nn.ParameterList()(1),
             lambda m: m.nn.ParameterDict()[1],
             lambda m: m.nn.Sequential() + m.nn.ReLU()]
    for i, case in enumerate(cases):
        with pytest.raises(Exception) as theirs:
            case(torch)
        expected = str(theirs.value).replace('torch.FloatTensor', 'autograd.FloatTensor')
        expected = expected.replace("<class 'torch.nn.modules.activation.ReLU'>", "<class 'nn.activation.ReLU'>")
        with pytest.raises(type(theirs.value)) as ours:
            case(autograd)
        assert str(ours.value) == expected, f"case {i}"


def test_non_leaf_parameter_is_refused():
    net = nn.Module()
    p = nn.Parameter(autograd.ones(2))
    q = nn.Parameter(autograd.ones(2))
    q.grad_fn = (p * 2).grad_fn
    with pytest.raises(ValueError, match="Cannot assign non-leaf Tensor to parameter 'y'"):
        net.register_parameter('y', q)


def test_parameter_shares_storage_and_prints_like_torch():
    data = autograd.tensor([[1.5, -2.0], [0.25, 3.0]])
    p = nn.Parameter(data)
    assert p.array is data.array and p.requires_grad and p.is_leaf
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([[1.5, -2.0], [0.25, 3.0]])))
    assert str(p) == repr(p)
    assert type(p * 2) is autograd.Tensor
    frozen = nn.Parameter(data, requires_grad=False)
    assert repr(frozen) == repr(torch.nn.Parameter(torch.tensor([[1.5, -2.0], [0.25, 3.0]]), requires_grad=False))
    assert nn.Parameter().shape == torch.nn.Parameter().shape
    clone = copy.deepcopy(p)
    assert isinstance(clone, nn.Parameter) and clone.array is not p.array
    np.testing.assert_array_equal(host(clone), host(p))


# ---- state_dict loading ---------------------------------------------------------------------------------
def two_layer(m, hidden=4, extra=False):
    net = m.nn.Sequential(m.nn.Linear(3, hidden), m.nn.BatchNorm1d(hidden), m.nn.Linear(hidden, 2))
    if extra:
        net.add_module('head', m.nn.Linear(2, 2))
    return net


def test_load_state_dict_from_torch_gives_identical_outputs():
    theirs, ours = two_layer(torch), two_layer(autograd)
    x = np.random.default_rng(1).standard_normal((5, 3)).astype(np.float32)
    theirs(torch.tensor(x))   # move the running statistics away from their initial values
    copy_weights(theirs, ours)
    for mode in ('train', 'eval'):
        getattr(theirs, mode)()
        getattr(ours, mode)()
        with torch.no_grad():
            expected = theirs(torch.tensor(x)).numpy()
        assert_close(host(ours(autograd.tensor(x))), expected)
    # our own state_dict round-trips into a fresh model
    fresh = two_layer(autograd)
    fresh.load_state_dict(ours.state_dict())
    for (k, a), b in zip(fresh.state_dict().items(), ours.state_dict().values()):
        np.testing.assert_array_equal(host(a), host(b), err_msg=k)


def test_load_state_dict_errors_match_torch():
    cases = [(lambda m: two_layer(m), lambda m: two_layer(m, extra=True)),   # unexpected keys
             (lambda m: two_layer(m, extra=True), lambda m: two_layer(m)),   # missing keys
             (lambda m: two_layer(m, hidden=5), lambda m: two_layer(m))]     # size mismatch
    for make_target, make_source in cases:
        source = make_source(torch).state_dict()
        with pytest.raises(RuntimeError) as theirs:
            make_target(torch).load_state_dict(source)
        with pytest.raises(RuntimeError) as ours:
            make_target(autograd).load_state_dict({k: v.numpy() for k, v in source.items()})
        assert str(ours.value) == str(theirs.value).replace('torch.Size', 'autograd.Size')
        result = make_target(torch).load_state_dict(source, strict=False) if 'size' not in str(theirs.value) \
            else None
        if result is not None:
            ours_result = make_target(autograd).load_state_dict({k: v.numpy() for k, v in source.items()},
                                                                strict=False)
            assert ours_result == result and repr(ours_result) == repr(result)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        two_layer(autograd).load_state_dict([1, 2])
    bad = {k: 'x' for k in two_layer(torch).state_dict()}
    with pytest.raises(RuntimeError) as theirs:
        two_layer(torch).load_state_dict(bad)
    with pytest.raises(RuntimeError) as ours:
        two_layer(autograd).load_state_dict(bad)
    assert str(ours.value) == str(theirs.value)


def test_load_state_dict_without_num_batches_tracked():
    source = {k: v for k, v in two_layer(torch).state_dict().items() if 'num_batches' not in k}
    assert str(two_layer(torch).load_state_dict(source)) == str(two_layer(autograd).load_state_dict(
        {k: v.numpy() for k, v in source.items()}))


def test_load_state_dict_assign_keeps_requires_grad():
    net = nn.Linear(2, 2)
    new = {'weight': autograd.ones(2, 2), 'bias': np.zeros(2, dtype=np.float32)}
    net.load_state_dict(new, assign=True)
    assert isinstance(net.weight, nn.Parameter) and net.weight.requires_grad
    assert net.weight.array is new['weight'].array


# ---- hooks ----------------------------------------------------------------------------------------------
def test_forward_hooks_match_torch():
    logs = []
    for m in (torch, autograd):
        log = []
        net = seed_small_net(m)
        layer = net.input_to_hidden_layer
        h1 = layer.register_forward_pre_hook(lambda mod, args: log.append(('pre', type(mod).__name__, len(args))))
        layer.register_forward_pre_hook(lambda mod, args: (args[0] * 0 + 1,))      # replaces the input
        layer.register_forward_hook(lambda mod, args, out: log.append(('post', tuple(out.shape))))
        layer.register_forward_hook(lambda mod, args, out: log.append('first'), prepend=True)
        net.register_forward_hook(lambda mod, args, kwargs, out: out * 0 + float(args[0].sum()),
                                  with_kwargs=True)
        net.register_forward_pre_hook(lambda mod, args, kwargs: ((args[0] * 2,), kwargs), with_kwargs=True)
        out = net(m.ones(3, 2))
        log.append(out.tolist())
        h1.remove()
        with layer.register_forward_hook(lambda mod, args, out: log.append('temporary')):
            net(m.ones(1, 2))
        net(m.ones(1, 2))
        logs.append(log)
    assert logs[1] == logs[0]


def test_always_call_hook_runs_when_forward_fails():
    for m in (torch, autograd):
        seen = []
        layer = m.nn.Linear(2, 2)
        layer.register_forward_hook(lambda mod, args, out: seen.append(out), always_call=True)
        with pytest.raises(RuntimeError):
            layer(m.ones(3, 5))
        assert seen == [None]


# ---- modes, gradients, conversion -----------------------------------------------------------------------
def test_train_eval_zero_grad_requires_grad_apply():
    ours, theirs = two_layer(autograd), two_layer(torch)
    for net in (ours, theirs):
        net.eval()
        assert not any(mod.training for mod in net.modules())
        net.train()
        assert all(mod.training for mod in net.modules())
    visited = [[], []]
    ours.apply(lambda mod: visited[0].append(type(mod).__name__))
    theirs.apply(lambda mod: visited[1].append(type(mod).__name__))
    assert visited[0] == visited[1]
    ours(autograd.randn(4, 3)).sum().backward()
    ours.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not host(p.grad).any() for p in ours.parameters())
    ours.zero_grad()
    assert all(p.grad is None for p in ours.parameters())
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())


def test_to_dtype_keeps_parameter_identity_and_integer_buffers():
    net = two_layer(autograd)
    params = list(net.parameters())
    net(autograd.randn(4, 3)).sum().backward()
    net.double()
    assert [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(p.dtype == autograd.float64 and p.grad.dtype == autograd.float64 for p in net.parameters())
    assert net[1].running_mean.dtype == autograd.float64
    assert net[1].num_batches_tracked.dtype == autograd.int64
    net.to(autograd.float32)
    assert all(p.dtype == autograd.float32 for p in net.parameters())
    net.half().float()
    assert net[0].weight.dtype == autograd.float32
    net.to('cpu', autograd.float64)
    assert net[0].weight.dtype == autograd.float64
    with pytest.raises(TypeError) as theirs:
        two_layer(torch).to(torch.int64)
    with pytest.raises(TypeError, match=re.escape(str(theirs.value).replace('torch.', 'autograd.'))):
        net.to(autograd.int64)


def test_to_device(device):
    net = two_layer(autograd)
    params = list(net.parameters())
    moved = net.to(device)
    assert moved is net and [id(p) for p in net.parameters()] == [id(p) for p in params]
    assert all(t.device.type == device for t in list(net.parameters()) + list(net.buffers()))
    out = net(autograd.randn(4, 3, device=device))
    assert out.device.type == device
    net.cpu()
    assert all(t.device.type == 'cpu' for t in net.parameters())


# ---- containers -----------------------------------------------------------------------------------------
def test_sequential_behaves_like_torch():
    layers = lambda m: [m.nn.Linear(2, 3), m.nn.ReLU(), m.nn.Linear(3, 1), m.nn.Tanh()]   # noqa: E731
    t_seq, o_seq = torch.nn.Sequential(*layers(torch)), nn.Sequential(*layers(autograd))
    assert len(o_seq) == len(t_seq) == 4
    assert repr(o_seq[1:3]) == repr(t_seq[1:3]) and type(o_seq[1:3]) is nn.Sequential
    assert repr(o_seq[-1]) == repr(t_seq[-1])
    for seq, m in ((t_seq, torch), (o_seq, autograd)):
        seq.append(m.nn.Sigmoid())
        seq.insert(1, m.nn.Identity())
        del seq[0]
        seq[0] = m.nn.ELU()
        seq.extend([m.nn.GELU()])
        seq.pop(2)
    assert repr(o_seq) == repr(t_seq)
    assert [type(x).__name__ for x in o_seq] == [type(x).__name__ for x in t_seq]
    assert repr(o_seq + o_seq) == repr(t_seq + t_seq) and repr(o_seq * 2) == repr(t_seq * 2)
    named = OrderedDict([('fc', nn.Linear(2, 2)), ('act', nn.ReLU())])
    t_named = torch.nn.Sequential(OrderedDict([('fc', torch.nn.Linear(2, 2)), ('act', torch.nn.ReLU())]))
    o_named = nn.Sequential(named)
    assert repr(o_named) == repr(t_named) and o_named.fc is named['fc']
    assert list(o_named.state_dict()) == list(t_named.state_dict())


def test_module_list_and_dict_behave_like_torch():
    make = lambda m: m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)] + [m.nn.ReLU()])   # noqa: E731
    t_list, o_list = make(torch), make(autograd)
    assert repr(o_list) == repr(t_list)   # compressed '(0-2): 3 x Linear(...)'
    for lst, m in ((t_list, torch), (o_list, autograd)):
        lst.append(m.nn.Tanh())
        lst.insert(0, m.nn.Sigmoid())
        lst += [m.nn.ReLU()]
        del lst[2]
    assert repr(o_list) == repr(t_list) and len(o_list) == len(t_list)
    assert repr(o_list[1:3]) == repr(t_list[1:3]) and repr(nn.ModuleList()) == repr(torch.nn.ModuleList())
    assert list(o_list.state_dict()) == list(t_list.state_dict())
    make_dict = lambda m: m.nn.ModuleDict({'b': m.nn.Linear(1, 2), 'a': m.nn.ReLU()})   # noqa: E731
    t_dict, o_dict = make_dict(torch), make_dict(autograd)
    for d, m in ((t_dict, torch), (o_dict, autograd)):
        d['c'] = m.nn.Tanh()
        d.update([('d', m.nn.Sigmoid())])
        d.pop('a')
    assert repr(o_dict) == repr(t_dict) and list(o_dict.keys()) == list(t_dict.keys())
    assert 'c' in o_dict and len(o_dict) == len(t_dict)


def test_parameter_list_and_dict_behave_like_torch():
    values = [np.ones((2, 3), np.float32), np.zeros(4, np.float32)]
    t_list = torch.nn.ParameterList([torch.tensor(v) for v in values])
    o_list = nn.ParameterList([autograd.tensor(v) for v in values])
    assert all(isinstance(p, nn.Parameter) for p in o_list)
    t_list.append(torch.nn.Parameter(torch.ones(1)))
    o_list.append(nn.Parameter(autograd.ones(1)))
    assert repr(o_list) == repr(t_list).replace('torch.', 'autograd.')
    assert [n for n, _ in o_list.named_parameters()] == [n for n, _ in t_list.named_parameters()]
    t_dict = torch.nn.ParameterDict({'w': torch.tensor(values[0]), 'b': torch.tensor(values[1])})
    o_dict = nn.ParameterDict({'w': autograd.tensor(values[0]), 'b': autograd.tensor(values[1])})
    assert repr(o_dict) == repr(t_dict).replace('torch.', 'autograd.')
    assert list(o_dict.keys()) == list(t_dict.keys()) and isinstance(o_dict['w'], nn.Parameter)
    assert [n for n, _ in o_dict.named_parameters()] == [n for n, _ in t_dict.named_parameters()]
