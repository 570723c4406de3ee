"""autograd.vision.models against the same architectures written here with torch.nn (torchvision is not
installable): torchvision's state_dict keys and shapes load into ours, the parameter counts are
torchvision's documented ones, and with the weights copied the logits and the input and parameter gradients
agree (train mode, so BatchNorm uses batch statistics, and eval mode)."""
import numpy as np
import pytest
import torch
import torch.nn as tnn

import autograd
import autograd.nn as nn
from autograd.vision import models
from tolerance import assert_close

DOCUMENTED_PARAMS = {'resnet18': 11689512, 'resnet34': 21797672, 'resnet50': 25557032, 'mobilenet_v2': 3504872,
                     'alexnet': 61100840, 'vgg11': 132863336, 'vgg16': 138357544}   # torchvision's model docs


# ---- the reference architectures, in torch.nn --------------------------------------------------------
class TBlock(tnn.Module):
    def __init__(self, cin, planes, stride, bottleneck):
        super().__init__()
        out = planes * (4 if bottleneck else 1)
        if bottleneck:
            self.conv1, self.bn1 = tnn.Conv2d(cin, planes, 1, bias=False), tnn.BatchNorm2d(planes)
            self.conv2, self.bn2 = tnn.Conv2d(planes, planes, 3, stride, 1, bias=False), tnn.BatchNorm2d(planes)
            self.conv3, self.bn3 = tnn.Conv2d(planes, out, 1, bias=False), tnn.BatchNorm2d(out)
        else:
            self.conv1, self.bn1 = tnn.Conv2d(cin, planes, 3, stride, 1, bias=False), tnn.BatchNorm2d(planes)
            self.conv2, self.bn2 = tnn.Conv2d(planes, planes, 3, 1, 1, bias=False), tnn.BatchNorm2d(planes)
        self.bottleneck = bottleneck
        self.downsample = None
        if stride != 1 or cin != out:
            self.downsample = tnn.Sequential(tnn.Conv2d(cin, out, 1, stride, bias=False), tnn.BatchNorm2d(out))

    def forward(self, x):
        y = torch.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        if self.bottleneck:
            y = self.bn3(self.conv3(torch.relu(y)))
        return torch.relu(y + (x if self.downsample is None else self.downsample(x)))


class TResNet(tnn.Module):
    def __init__(self, layers, bottleneck, num_classes=1000):
        super().__init__()
        self.conv1, self.bn1 = tnn.Conv2d(3, 64, 7, 2, 3, bias=False), tnn.BatchNorm2d(64)
        cin = 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            blocks = []
            for b in range(n):
                blocks.append(TBlock(cin, planes, 2 if b == 0 and i > 0 else 1, bottleneck))
                cin = planes * (4 if bottleneck else 1)
            setattr(self, f'layer{i + 1}', tnn.Sequential(*blocks))
        self.fc = tnn.Linear(cin, num_classes)

    def forward(self, x):
        x = tnn.functional.max_pool2d(torch.relu(self.bn1(self.conv1(x))), 3, 2, 1)
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.fc(x.mean((2, 3)))


def _cbr(cin, cout, k=3, stride=1, groups=1):
    return tnn.Sequential(tnn.Conv2d(cin, cout, k, stride, (k - 1) // 2, groups=groups, bias=False),
                          tnn.BatchNorm2d(cout), tnn.ReLU6())


class TInverted(tnn.Module):
    def __init__(self, cin, cout, stride, t):
        super().__init__()
        hidden = cin * t
        layers = ([_cbr(cin, hidden, 1)] if t != 1 else []) + [
            _cbr(hidden, hidden, 3, stride, hidden), tnn.Conv2d(hidden, cout, 1, bias=False), tnn.BatchNorm2d(cout)]
        self.conv = tnn.Sequential(*layers)
        self.res = stride == 1 and cin == cout

    def forward(self, x):
        return x + self.conv(x) if self.res else self.conv(x)


class TMobileNetV2(tnn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        feats, cin = [_cbr(3, 32, 3, 2)], 32
        for t, c, n, s in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2],
                           [6, 320, 1, 1]]:
            for i in range(n):
                feats.append(TInverted(cin, c, s if i == 0 else 1, t))
                cin = c
        feats.append(_cbr(cin, 1280, 1))
        self.features = tnn.Sequential(*feats)
        self.classifier = tnn.Sequential(tnn.Dropout(0.2), tnn.Linear(1280, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x).mean((2, 3)))


def t_vgg(cfg, num_classes=1000):
    layers, cin = [], 3
    for v in cfg:
        layers += [tnn.MaxPool2d(2, 2)] if v == 'M' else [tnn.Conv2d(cin, v, 3, padding=1), tnn.ReLU()]
        cin = cin if v == 'M' else v
    return tnn.Sequential(tnn.Sequential(*layers), tnn.AdaptiveAvgPool2d((7, 7)), tnn.Flatten(), tnn.Sequential(
        tnn.Linear(25088, 4096), tnn.ReLU(), tnn.Dropout(), tnn.Linear(4096, 4096), tnn.ReLU(), tnn.Dropout(),
        tnn.Linear(4096, num_classes)))


def t_alexnet(num_classes=1000):
    features = tnn.Sequential(
        tnn.Conv2d(3, 64, 11, 4, 2), tnn.ReLU(), tnn.MaxPool2d(3, 2), tnn.Conv2d(64, 192, 5, padding=2), tnn.ReLU(),
        tnn.MaxPool2d(3, 2), tnn.Conv2d(192, 384, 3, padding=1), tnn.ReLU(), tnn.Conv2d(384, 256, 3, padding=1),
        tnn.ReLU(), tnn.Conv2d(256, 256, 3, padding=1), tnn.ReLU(), tnn.MaxPool2d(3, 2))
    classifier = tnn.Sequential(tnn.Dropout(), tnn.Linear(9216, 4096), tnn.ReLU(), tnn.Dropout(),
                                tnn.Linear(4096, 4096), tnn.ReLU(), tnn.Linear(4096, num_classes))
    return tnn.Sequential(features, tnn.AdaptiveAvgPool2d((6, 6)), tnn.Flatten(), classifier)


def _tv_key(name, key):
    """torchvision's key name for a key of the Sequential-built references (features.N / classifier.N)."""
    if name in ('alexnet', 'vgg11', 'vgg16'):
        return 'features.' + key[2:] if key.startswith('0.') else 'classifier.' + key[2:]
    return key


@pytest.fixture
def no_init(monkeypatch):
    """Skip our random initialisation (the weights are overwritten with torch's anyway): the emulated
    Mersenne-Twister draws for 10^8 parameters would dominate the test time."""
    for cls in (nn.Conv2d, nn.Linear):
        monkeypatch.setattr(cls, 'reset_parameters', lambda self: None)
    for fn in ('kaiming_normal_', 'normal_', 'constant_'):
        monkeypatch.setattr(nn.init, fn, lambda t, *a, **k: t)


def _copy(ours, ref, name):
    state = {_tv_key(name, k): autograd.tensor(v.detach().numpy().copy()) for k, v in ref.state_dict().items()}
    assert list(ours.state_dict()) == list(state)   # torchvision's keys, in torchvision's order
    ours.load_state_dict(state)
    for k, v in ours.state_dict().items():
        assert tuple(v.shape) == tuple(state[k].shape)


def _materialise(ref):
    """Random weights, filled directly (faster than torch's initialisers for 10^8 parameters): He-scaled
    normals for weights, small biases, BatchNorm statistics with a positive variance."""
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for key, t in ref.state_dict().items():
            if key.endswith('num_batches_tracked'):
                continue
            fan_in = int(np.prod(t.shape[1:])) if t.ndim > 1 else 1
            v = rng.standard_normal(t.shape) * (np.sqrt(2.0 / fan_in) if t.ndim > 1 else 0.1)
            if key.endswith('running_var'):
                v = np.abs(v) + 0.5
            elif key.endswith('bn1.weight') or '.weight' in key and t.ndim == 1:
                v = v + 1.0
            t.copy_(torch.from_numpy(v))
    return ref


def _close(actual, expected, scale, what):
    """Compared relative to the largest magnitude: a deep network's rounding is absolute at that scale."""
    m = max(float(np.abs(expected).max()), 1e-30)
    assert_close(actual / m, expected / m, scale=scale, what=what)


REFERENCES = {
    'resnet18': lambda: TResNet([2, 2, 2, 2], False), 'resnet34': lambda: TResNet([3, 4, 6, 3], False),
    'resnet50': lambda: TResNet([3, 4, 6, 3], True), 'mobilenet_v2': TMobileNetV2, 'alexnet': t_alexnet,
    'vgg11': lambda: t_vgg([64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M']),
    'vgg16': lambda: t_vgg([64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']),
}


@pytest.mark.parametrize('name', list(REFERENCES))
def test_state_dict_keys_shapes_and_parameter_counts(name, no_init):
    with torch.device('meta'):   # names and shapes only: nothing is allocated or initialised
        ref = REFERENCES[name]()
    ours = getattr(models, name)()
    assert list(ours.state_dict()) == [_tv_key(name, k) for k in ref.state_dict()]
    for (k, v), r in zip(ours.state_dict().items(), ref.state_dict().values()):
        assert tuple(v.shape) == tuple(r.shape), k
    assert sum(p.numel() for p in ours.parameters()) == sum(p.numel() for p in ref.parameters()) \
        == DOCUMENTED_PARAMS[name]


CASES = {   # name: (input size, [(mode, dtype)]); train mode (batch statistics) runs in float64
    'resnet18': (32, [('train', 'float64')]),
    'mobilenet_v2': (32, [('eval', 'float64')]),   # float64: ReLU6's kinks flip on float32 rounding
    'alexnet': (64, [('eval', 'float32')]),   # eval: dropout's draws are not compared
    'resnet50': (64, [('train', 'float64')]),
    'vgg11': (32, [('eval', 'float32')]),
    'vgg16': (32, [('eval', 'float32')]),
}


@pytest.mark.parametrize('name', [pytest.param(n, marks=pytest.mark.deep) if n != 'resnet18' else n
                                  for n in CASES])
def test_model_matches_torch_architecture(name, no_init):
    size, runs = CASES[name]
    ref = _materialise(REFERENCES[name]())
    ours = getattr(models, name)()
    _copy(ours, ref, name)
    for mode, dtype in runs:
        ref.to(getattr(torch, dtype))
        ours.to(getattr(autograd, dtype))
        getattr(ref, mode)()
        getattr(ours, mode)()
        # train mode: BatchNorm over 2 samples x 1 pixel in the last stage divides by the spread of two numbers,
        # so logits and gradients carry that amplified rounding (condition up to ~1e5 in ResNet-50)
        scale = 1e5 if mode == 'train' else 100
        x = np.random.default_rng(0).standard_normal((2, 3, size, size)).astype(dtype)
        xt, xa = torch.tensor(x, requires_grad=True), autograd.tensor(x, requires_grad=True)
        out_t, out_a = ref(xt), ours(xa)
        _close(out_a.detach().numpy(), out_t.detach().numpy(), scale, f'{name} {mode} logits')
        w = np.random.default_rng(1).standard_normal(out_t.shape).astype(dtype)
        (out_t * torch.tensor(w)).sum().backward()
        (out_a * autograd.tensor(w)).sum().backward()
        _close(xa.grad.numpy(), xt.grad.numpy(), scale, f'{name} {mode} input grad')
        ours_params = dict(ours.named_parameters())
        for key, p in ref.named_parameters():
            _close(ours_params[_tv_key(name, key)].grad.numpy(), p.grad.numpy(), 3 * scale, f'{name} {mode} {key}.grad')


def test_weights_argument_loads_a_local_checkpoint(tmp_path, no_init):
    torch.manual_seed(0)
    ref = TMobileNetV2(num_classes=10)
    path = tmp_path / 'mobilenet.pt'
    autograd.save({k: autograd.tensor(v.numpy()) for k, v in ref.state_dict().items()}, str(path))
    ours = models.mobilenet_v2(weights=str(path), num_classes=10)
    np.testing.assert_array_equal(ours.classifier[1].weight.detach().numpy(), ref.classifier[1].weight.detach().numpy())
    with pytest.raises(ValueError, match="pretrained weights are not downloaded here"):
        models.resnet18(weights='IMAGENET1K_V1')
    torch_file = tmp_path / 'torch_format.pth'
    torch.save(ref.state_dict(), torch_file)
    try:
        autograd.load(str(torch_file))
    except Exception as exc:   # noqa: BLE001 -- whatever the reader says about a format it does not know
        pytest.skip(f"autograd.load does not read torch.save files in this tree yet ({type(exc).__name__})")
    ours = models.mobilenet_v2(weights=str(torch_file), num_classes=10)
    np.testing.assert_array_equal(ours.features[0][0].weight.detach().numpy(), ref.features[0][0].weight.detach().numpy())
