"""Public example programs on images, run under torch and under autograd with only their import lines changed
(tests/examples_bridge.py rewrites them), trimmed to tiny sizes and a step or two; the numbers they compute
must agree: losses, outputs, gradients and the weights after the optimizer steps.

- pytorch/examples dcgan/main.py, verbatim, run as `main.py --dataset fake --dry-run` with small --nz/--ngf/--ndf;
- pytorch/examples super_resolution/{model,dataset,data,main}.py, verbatim, on a few generated images laid
  out where data.py looks for BSDS300 (so nothing is downloaded);
- pytorch/examples fast_neural_style/neural_style/{transformer_net,utils,vgg,neural_style}.py: `train`
  on an ImageFolder of generated images; vgg.py's pretrained VGG16 cannot be downloaded here, so both runs
  take torchvision's vgg16 feature layers (its cfg 'D') with the same fixed weights from vgg16_stand_in;
- yunjey/pytorch-tutorial tutorials/02-intermediate/deep_residual_network/main.py with FakeData in place of
  the CIFAR-10 download and smaller epoch/batch settings (RESNET_EDITS).

The programs are not stored here (their code is not ours to copy): the tests read them from
$AUTOGRAD_PROGRAMS_DIR at the commits in EXAMPLES/TUTORIAL (tests/examples_bridge.program_text, README
"Testing") and skip without it; the only changes are the explicit, asserted edits below.

The multi-step runs use float64 as both libraries' default dtype (ToTensor then gives float64 images, as
torchvision's does, and the models are built in float64): in float32 a ReLU input lies within rounding of
zero somewhere in a few steps of these networks (in the residual network's first step, one BatchNorm output
is -1.4e-8 in torch and 3.9e-7 here), its derivative flips, and Adam's normalised step turns that into
visible weight differences; that is rounding, not a different computation. dcgan's single step is also
run in float32.

Both runs seed torch's generator the same way and autograd draws torch's random numbers, so the initial
weights, shuffles and noise are the same; torchvision is not installable here, so the torch run reads the
images through autograd.vision (see examples_bridge) and the two runs get identical input pixels."""
import contextlib
import os
import re
import sys
import types

import numpy as np
import pytest
import torch

import autograd
from tests.examples_bridge import program_text, run_program
from tests.tolerance import assert_close


@pytest.fixture(autouse=True, scope='module')
def one_torch_thread():
    """torch on one thread while these tests run: its OpenMP threads spin-wait on a busy 2-core machine;
    results do not depend on it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def as_numpy(x):
    if isinstance(x, (torch.Tensor, autograd.Tensor)):
        return x.detach().numpy()
    return np.asarray(x)


def assert_same_numbers(theirs, ours, dtype, scale=1.0, what=''):
    assert_close(as_numpy(ours), as_numpy(theirs), dtype, scale, what=what)


def assert_modules_match(theirs, ours, dtype, scale, grads=True):
    """Same state_dict keys and values, and the same .grad on every parameter."""
    t_state, o_state = theirs.state_dict(), ours.state_dict()
    assert list(o_state) == list(t_state)
    for key in t_state:
        assert_same_numbers(t_state[key], o_state[key], dtype, scale=scale, what=key)
    if grads:
        t_params, o_params = dict(theirs.named_parameters()), dict(ours.named_parameters())
        assert list(o_params) == list(t_params)
        for key, p in t_params.items():
            assert (o_params[key].grad is None) == (p.grad is None), key
            if p.grad is not None:
                assert_same_numbers(p.grad, o_params[key].grad, dtype, scale=scale, what=key + '.grad')


@contextlib.contextmanager
def default_dtype(dtype):
    """`dtype` as both libraries' default dtype for the duration."""
    torch.set_default_dtype(getattr(torch, dtype))
    autograd.set_default_dtype(getattr(autograd, dtype))
    try:
        yield
    finally:
        torch.set_default_dtype(torch.float32)
        autograd.set_default_dtype(autograd.float32)


def run_both(main, argv, monkeypatch, tmp_path, dtype='float32', **kwargs):
    """The program run under torch, then under autograd, each in its own working folder tmp_path/<lib> with
    sys.argv = argv ('{dir}' stands for that folder), with `dtype` as both libraries' default dtype."""
    out = []
    for lib in ('torch', 'autograd'):
        folder = tmp_path / lib
        folder.mkdir(exist_ok=True)
        monkeypatch.chdir(folder)
        monkeypatch.setattr(sys, 'argv', [a.replace('{dir}', str(folder)) for a in argv])
        with default_dtype(dtype):
            out.append(run_program(main, lib, **kwargs))
    return out


# the commit the tests were written against
EXAMPLES = 'pytorch/examples', '77f55b912142e11fcfdf5b530231fb9c52f181e8'
TUTORIAL = 'yunjey/pytorch-tutorial', '0500d3df5a2a8080ccfccbc00aca0eacc21818db'


def example(path, *edits):
    """pytorch/examples' `path` from $AUTOGRAD_PROGRAMS_DIR with the (old, new) edits (skips without it)."""
    return program_text(*EXAMPLES, path, *edits)


@pytest.mark.parametrize('workers, dtype', [(0, 'float32'), (2, 'float64')])
def test_dcgan_fake_dataset_matches_torch(workers, dtype, monkeypatch, tmp_path):
    argv = ['main.py', '--dataset', 'fake', '--dry-run', '--batchSize', '4', '--nz', '8', '--ngf', '4',
            '--ndf', '4', '--manualSeed', '7', '--outf', '{dir}', '--workers', str(workers)]
    theirs, ours = run_both(example('dcgan/main.py'), argv, monkeypatch, tmp_path, dtype)
    assert_same_numbers(theirs['real_cpu'], ours['real_cpu'], dtype, what='the images FakeData gave')
    assert str(ours['netG']) == str(theirs['netG']) and str(ours['netD']) == str(theirs['netD'])
    for name in ('D_x', 'D_G_z1', 'D_G_z2'):
        assert_same_numbers(theirs[name], ours[name], dtype, scale=10, what=name)
    assert_same_numbers(theirs['errD'], ours['errD'], dtype, scale=10, what='errD')
    assert_same_numbers(theirs['errG'], ours['errG'], dtype, scale=10, what='errG')
    # one Adam step on each network: the gradients, then weights and BatchNorm running statistics
    assert_modules_match(theirs['netD'], ours['netD'], dtype, scale=50)
    assert_modules_match(theirs['netG'], ours['netG'], dtype, scale=50)
    assert_same_numbers(theirs['fake'], ours['fake'], dtype, scale=50, what='netG(fixed_noise)')
    for name in ('real_samples.png', 'fake_samples_epoch_000.png', 'netG_epoch_0.pth', 'netD_epoch_0.pth'):
        assert (tmp_path / 'autograd' / name).is_file(), name
    saved = autograd.load(str(tmp_path / 'autograd' / 'netG_epoch_0.pth'))
    for key, value in theirs['netG'].state_dict().items():
        assert_same_numbers(value, saved[key], dtype, scale=50, what='checkpoint ' + key)


def write_images(folder, count, size, seed):
    '''`count` RGB PNG files of `size` (width, height) with smooth random content, written with Pillow.'''
    from PIL import Image
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    w, h = size
    for i in range(count):
        low = rng.random((h // 8 + 1, w // 8 + 1, 3))
        pixels = np.kron(low, np.ones((8, 8, 1)))[:h, :w] * 200 + rng.random((h, w, 3)) * 55
        Image.fromarray(pixels.astype(np.uint8), 'RGB').save(folder / f'img{i:02d}.png')


def linked_into_both(tmp_path, name):
    '''tmp_path/shared/name, linked as tmp_path/torch/name and tmp_path/autograd/name: both runs read the
    same folder, so os.listdir gives them the same order.'''
    for lib in ('torch', 'autograd'):
        (tmp_path / lib).mkdir(exist_ok=True)
        os.symlink(tmp_path / 'shared' / name, tmp_path / lib / name)
    return tmp_path / 'shared' / name




def test_super_resolution_matches_torch(monkeypatch, tmp_path):
    # data.py reads dataset/BSDS300/images/{train,test} and downloads only when that folder is missing
    images = tmp_path / 'shared' / 'dataset' / 'BSDS300' / 'images'
    write_images(images / 'train', 4, (264, 260), seed=0)
    write_images(images / 'test', 2, (258, 270), seed=1)
    linked_into_both(tmp_path, 'dataset')
    argv = ['main.py', '--upscale_factor', '4', '--batchSize', '2', '--testBatchSize', '2', '--nEpochs', '1',
            '--threads', '0']
    dtype = 'float64'
    theirs, ours = run_both(example('super_resolution/main.py'), argv, monkeypatch, tmp_path, dtype, name='main',
                            modules=[(name, example(f'super_resolution/{name}.py'))
                                     for name in ('model', 'dataset', 'data')])
    assert str(ours['model']) == str(theirs['model'])
    # two Adam steps (lr 0.01): the last gradients and the weights after them
    assert_modules_match(theirs['model'], ours['model'], dtype, scale=100)
    with default_dtype(dtype):
        batch = next(iter(theirs['testing_data_loader']))
    assert tuple(batch[0].shape) == (2, 1, 64, 64) and tuple(batch[1].shape) == (2, 1, 256, 256)
    with torch.no_grad(), autograd.no_grad():
        prediction = ours['model'](autograd.from_numpy(batch[0].numpy()))
        assert_same_numbers(theirs['model'](batch[0]), prediction, dtype, scale=100, what='model(test input)')
    assert (tmp_path / 'autograd' / 'model_epoch_1.pth').is_file()




def vgg16_stand_in(lib):
    '''torchvision.models for vgg.py: vgg16's feature layers in `lib` as torchvision builds them (its cfg 'D'),
    up to features[22], the last one vgg.py takes. The IMAGENET1K_V1 weights cannot be downloaded here, so
    the same fixed weights are loaded into both runs instead: NumPy draws at torchvision's initial scale
    (He-normal, fan_out; zero biases), copied in as a checkpoint would be.'''
    nn = lib.nn
    cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512]

    def vgg16(weights=None):
        rng = np.random.default_rng(16)
        layers, in_channels = [], 3
        for v in cfg:
            if v == 'M':
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                # built in float32 (cheaper default init, overwritten below), then in the default dtype
                conv = nn.Conv2d(in_channels, v, kernel_size=3, padding=1, dtype=lib.float32)
                conv = conv.to(lib.get_default_dtype())
                weight = rng.standard_normal(tuple(conv.weight.shape)) * np.sqrt(2 / (v * 9))
                with lib.no_grad():
                    conv.weight.copy_(lib.from_numpy(weight))
                    conv.bias.zero_()
                layers += [conv, nn.ReLU(inplace=True)]
                in_channels = v
        return types.SimpleNamespace(features=nn.Sequential(*layers))

    weights = types.SimpleNamespace(IMAGENET1K_V1='IMAGENET1K_V1')
    return {'torchvision.models': types.SimpleNamespace(vgg16=vgg16, VGG16_Weights=weights)}


# TransformerNet's convolutions whose output goes straight into an InstanceNorm2d: the norm removes any
# per-channel constant, so their biases' gradient is zero in exact arithmetic and what Adam does with the
# rounding left in it (it divides by its own size) is noise; they are held only to Adam's step bound.
# The same holds for the residual blocks' last InstanceNorm bias: a per-channel constant added to the
# residual stream reaches only convolutions followed by an InstanceNorm (the next block's conv1, deconv1).
BIAS_BEFORE_NORM = re.compile(r'(conv[123]|res\d\.conv[12]|deconv[12])\.conv2d\.bias|res\d\.in2\.bias')


def test_fast_neural_style_train_matches_torch(monkeypatch, tmp_path, capsys):
    write_images(tmp_path / 'shared' / 'train' / 'images', 4, (20, 18), seed=2)
    write_images(tmp_path / 'shared' / 'style', 1, (16, 16), seed=3)
    linked_into_both(tmp_path, 'train')
    linked_into_both(tmp_path, 'style')
    argv = ['neural_style.py', 'train', '--dataset', 'train', '--style-image', 'style/img00.png',
            '--save-model-dir', 'models', '--epochs', '1', '--batch-size', '2', '--image-size', '16',
            '--log-interval', '1']
    capsys.readouterr()
    dtype = 'float64'
    theirs, ours = run_both(example('fast_neural_style/neural_style/neural_style.py'), argv, monkeypatch,
                            tmp_path, dtype, stand_ins=vgg16_stand_in,
                            modules=[(name, example(f'fast_neural_style/neural_style/{name}.py'))
                                     for name in ('transformer_net', 'utils', 'vgg')])
    # the log lines: aggregated content, style and total loss after each of the two batches
    logged = re.findall(r'content: (\S+)\tstyle: (\S+)\ttotal: (\S+)', capsys.readouterr().out)
    assert len(logged) == 4
    theirs_logged, ours_logged = np.array(logged[:2], float), np.array(logged[2:], float)
    assert_same_numbers(theirs_logged, ours_logged, dtype, scale=100, what='content/style/total losses')
    # the saved TransformerNet after two Adam steps
    (t_file,), (o_file,) = [list((tmp_path / lib / 'models').iterdir()) for lib in ('torch', 'autograd')]
    t_state, o_state = torch.load(t_file), autograd.load(str(o_file))
    assert list(o_state) == list(t_state)
    lr, steps = 1e-3, 2
    for key in t_state:
        if BIAS_BEFORE_NORM.fullmatch(key):
            assert np.abs(as_numpy(o_state[key]) - as_numpy(t_state[key])).max() <= 2 * lr * steps, key
        else:
            assert_same_numbers(t_state[key], o_state[key], dtype, scale=100, what=key)




# the tutorial's settings made small and FakeData in place of the CIFAR-10 download
RESNET_EDITS = (
    ('num_epochs = 80\n', 'num_epochs = 2\n'),
    ('batch_size = 100\n', 'batch_size = 2\n'),
    ("""train_dataset = torchvision.datasets.CIFAR10(root='../../data/',
                                             train=True, 
                                             transform=transform,
                                             download=True)""",
     "train_dataset = torchvision.datasets.FakeData(size=4, image_size=(3, 32, 32), transform=transform)"),
    ("""test_dataset = torchvision.datasets.CIFAR10(root='../../data/',
                                            train=False, 
                                            transform=transforms.ToTensor())""",
     "test_dataset = torchvision.datasets.FakeData(size=4, image_size=(3, 32, 32), random_offset=8,\n"
     "                                            transform=transforms.ToTensor())"),
)


def test_deep_residual_network_matches_torch(monkeypatch, tmp_path):
    dtype = 'float64'
    main = program_text(*TUTORIAL, 'tutorials/02-intermediate/deep_residual_network/main.py', *RESNET_EDITS)
    theirs, ours = run_both(main, ['main.py'], monkeypatch, tmp_path, dtype)
    assert str(ours['model']) == str(theirs['model'])
    assert_same_numbers(theirs['loss'], ours['loss'], dtype, scale=100, what='last training loss')
    # four Adam steps: the last gradients, the weights and BatchNorm statistics
    assert_modules_match(theirs['model'], ours['model'], dtype, scale=100)
    assert_same_numbers(theirs['outputs'], ours['outputs'], dtype, scale=100, what='eval-mode outputs')
    assert ours['total'] == theirs['total'] == 4
    assert (tmp_path / 'autograd' / 'resnet.ckpt').is_file()


def test_backends_cudnn_and_is_xpu_as_torch():
    """What dcgan reads before training: torch.backends.cudnn's flags (torch's CPU build values) and
    Tensor.is_xpu."""
    import autograd.backends.cudnn as cudnn
    import torch.backends.cudnn as torch_cudnn
    for name in ('enabled', 'benchmark', 'deterministic', 'allow_tf32'):
        assert getattr(cudnn, name) == getattr(torch_cudnn, name), name
    assert cudnn.is_available() == torch_cudnn.is_available() and cudnn.version() == torch_cudnn.version()
    assert autograd.zeros(2).is_xpu == torch.zeros(2).is_xpu


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_to_tensor_follows_default_dtype(dtype):
    """torchvision's ToTensor: img.to(torch.get_default_dtype()).div(255), for PIL images and arrays."""
    from PIL import Image
    from autograd.vision.transforms import ToTensor
    pixels = np.random.default_rng(0).integers(0, 256, (5, 4, 3), dtype=np.uint8)
    with default_dtype(dtype):
        expected = torch.from_numpy(pixels.transpose(2, 0, 1).copy()).to(torch.get_default_dtype()).div(255)
        for pic in (pixels, Image.fromarray(pixels, 'RGB')):
            got = ToTensor()(pic)
            assert got.dtype == getattr(autograd, dtype)
            np.testing.assert_array_equal(got.numpy(), expected.numpy())   # the same one division
