"""autograd.vision: MNIST / FashionMNIST on the real files, torchvision's transforms, and download's safety."""
import gzip
import hashlib
import io
import os
import shutil
from urllib.error import URLError

import numpy as np
import pytest
import torch
import torch.utils.data as tdata

import autograd
from autograd.utils.data import DataLoader, TensorDataset
from autograd.vision import datasets, transforms
from tolerance import assert_close

PIL = pytest.importorskip('PIL.Image', reason="Pillow is needed for the PIL image path")

FILES = ('train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte')


def read_independently(path):
    """The IDX payload parsed here without the library: header of 4 + 4 * ndim bytes, then uint8 data."""
    with gzip.open(path, 'rb') as fh:
        raw = fh.read()
    ndim = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(shape)


@pytest.mark.parametrize('cls,folder,counts', [
    (datasets.MNIST, 'mnist', {True: [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
                               False: [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]}),
    (datasets.FashionMNIST, 'fashion-mnist', {True: [6000] * 10, False: [1000] * 10}),
])
@pytest.mark.parametrize('train', [True, False])
def test_real_files_shapes_dtypes_and_labels(data_dir, cls, folder, counts, train):
    ds = cls(data_dir, train=train)
    n = 60000 if train else 10000
    assert len(ds) == n
    assert tuple(ds.data.shape) == (n, 28, 28) and ds.data.dtype == autograd.uint8
    assert tuple(ds.targets.shape) == (n,) and ds.targets.dtype == autograd.int64
    prefix = 'train' if train else 't10k'
    labels = read_independently(os.path.join(data_dir, folder, f'{prefix}-labels-idx1-ubyte.gz'))
    images = read_independently(os.path.join(data_dir, folder, f'{prefix}-images-idx3-ubyte.gz'))
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    np.testing.assert_array_equal(ds.data.numpy(), images)
    assert np.bincount(ds.targets.numpy(), minlength=10).tolist() == counts[train]   # the published class sizes
    assert len(ds.classes) == 10 and ds.class_to_idx[ds.classes[3]] == 3
    img, label = ds[123]
    assert isinstance(img, PIL.Image) and img.mode == 'L' and img.size == (28, 28)
    assert type(label) is int and label == labels[123]
    np.testing.assert_array_equal(np.array(img), images[123])


def test_to_tensor_and_normalize_equal_manual_torch_computation(data_dir):
    ds = datasets.MNIST(data_dir, train=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    raw = datasets.MNIST(data_dir, train=False)
    for i in (0, 1, 9999):
        x, y = ds[i]
        pixels = torch.from_numpy(np.array(raw[i][0]))
        expected = (pixels.float().div(255).unsqueeze(0) - torch.tensor([0.1307]).view(-1, 1, 1)) / \
            torch.tensor([0.3081]).view(-1, 1, 1)
        assert x.dtype == autograd.float32 and tuple(x.shape) == (1, 28, 28)
        assert_close(x.numpy(), expected.numpy())
        assert y == raw[i][1]


def test_fast_path_tensor_dataset_matches_per_sample_transforms(data_dir):
    """What training scripts do: normalise .data once, then batch with a TensorDataset."""
    ds = datasets.MNIST(data_dir, train=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    x = ((ds.data.float() / 255 - 0.1307) / 0.3081).unsqueeze(1)
    assert x.dtype == autograd.float32
    fast = next(iter(DataLoader(TensorDataset(x, ds.targets), batch_size=16)))
    slow = next(iter(DataLoader(ds, batch_size=16)))
    assert_close(fast[0].numpy(), slow[0].numpy())
    np.testing.assert_array_equal(fast[1].numpy(), slow[1].numpy())


def test_loader_batches_match_torch_collation(data_dir):
    ds = datasets.FashionMNIST(data_dir, train=False, transform=transforms.ToTensor())
    ours = next(iter(DataLoader(ds, batch_size=8)))
    samples = [(torch.from_numpy(ds[i][0].numpy()), ds[i][1]) for i in range(8)]
    theirs = tdata.default_collate(samples)
    assert type(ours) is type(theirs) is list
    assert tuple(ours[0].shape) == tuple(theirs[0].shape) == (8, 1, 28, 28)
    assert str(ours[1].dtype).split('.')[-1] == str(theirs[1].dtype).split('.')[-1]
    np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())
    np.testing.assert_array_equal(ours[1].numpy(), theirs[1].numpy())


def test_repr_follows_torchvision(data_dir):
    ds = datasets.MNIST(data_dir, train=False, transform=transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))]))
    assert repr(ds) == (f"Dataset MNIST\n    Number of datapoints: 10000\n    Root location: {data_dir}\n"
                        "    Split: Test\n    StandardTransform\nTransform: Compose(\n"
                        "               ToTensor()\n               Normalize(mean=(0.1307,), std=(0.3081,))\n"
                        "           )")


# ---- folder layouts and download ------------------------------------------------------------------
def copy_test_split(data_dir, dest, compressed=True):
    os.makedirs(dest, exist_ok=True)
    for name in FILES[2:]:
        src = os.path.join(data_dir, 'mnist', name + '.gz')
        if compressed:
            shutil.copy(src, os.path.join(dest, name + '.gz'))
        else:
            with gzip.open(src) as fh, open(os.path.join(dest, name), 'wb') as out:
                out.write(fh.read())


@pytest.mark.parametrize('layout', ['MNIST/raw', 'mnist', '.', 'raw-uncompressed'])
def test_folder_layouts(data_dir, tmp_path, layout):
    sub = 'MNIST/raw' if layout == 'raw-uncompressed' else layout
    copy_test_split(data_dir, tmp_path / sub, compressed=layout != 'raw-uncompressed')
    ds = datasets.MNIST(str(tmp_path), train=False)
    reference = datasets.MNIST(data_dir, train=False)
    np.testing.assert_array_equal(ds.data.numpy(), reference.data.numpy())
    with pytest.raises(RuntimeError, match="Dataset not found.*download=True"):
        datasets.MNIST(str(tmp_path), train=True)


def test_corrupt_idx_file_is_reported(data_dir, tmp_path):
    copy_test_split(data_dir, tmp_path / 'mnist', compressed=False)
    path = tmp_path / 'mnist' / 't10k-labels-idx1-ubyte'
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(RuntimeError, match="truncated or corrupt"):
        datasets.MNIST(str(tmp_path), train=False)
    path.write_bytes(b'\x01\x02\x03\x04rest')
    with pytest.raises(RuntimeError, match="not an IDX file"):
        datasets.MNIST(str(tmp_path), train=False)


class FakeResponse(io.BytesIO):
    def __init__(self, payload):
        super().__init__(payload)
        self.headers = {'Content-Length': str(len(payload))}


def test_download_offline_raises_and_writes_nothing(tmp_path, monkeypatch):
    tried = []

    def offline(request, timeout=None):
        tried.append(request.full_url)
        raise URLError('[Errno -3] Temporary failure in name resolution')
    monkeypatch.setattr(datasets, 'urlopen', offline)
    with pytest.raises(RuntimeError) as err:
        datasets.MNIST(str(tmp_path), download=True)
    message = str(err.value)
    assert 'train-images-idx3-ubyte.gz' in message and str(tmp_path / 'MNIST' / 'raw') in message
    assert all(m in message for m in datasets.MNIST.mirrors)
    assert tried == [m + 'train-images-idx3-ubyte.gz' for m in datasets.MNIST.mirrors]
    assert os.listdir(tmp_path / 'MNIST' / 'raw') == []


def test_download_checksum_mismatch_raises_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(datasets, 'urlopen', lambda request, timeout=None: FakeResponse(b'tampered' * 1000))
    with pytest.raises(RuntimeError, match="MD5 mismatch"):
        datasets.FashionMNIST(str(tmp_path), download=True)
    assert os.listdir(tmp_path / 'FashionMNIST' / 'raw') == []


def test_download_success_verifies_and_writes_files(data_dir, tmp_path, monkeypatch, capsys):
    served = {}
    for name in FILES:
        with open(os.path.join(data_dir, 'mnist', name + '.gz'), 'rb') as fh:
            served[name + '.gz'] = fh.read()

    class LocalMNIST(datasets.MNIST):   # the project's copies have their own MD5s (see the data README)
        resources = [(n + '.gz', hashlib.md5(served[n + '.gz']).hexdigest()) for n in FILES]
    urls = []

    def serve(request, timeout=None):
        urls.append(request.full_url)
        return FakeResponse(served[request.full_url.rsplit('/', 1)[1]])
    monkeypatch.setattr(datasets, 'urlopen', serve)
    ds = LocalMNIST(str(tmp_path), train=False, download=True)
    assert sorted(os.listdir(tmp_path / 'LocalMNIST' / 'raw')) == sorted(n + '.gz' for n in FILES)
    assert len(urls) == 4 and all(u.startswith(datasets.MNIST.mirrors[0]) for u in urls)
    assert len(ds) == 10000
    assert 't10k-images-idx3-ubyte.gz' in capsys.readouterr().err   # the tqdm progress bar
    LocalMNIST(str(tmp_path), train=True, download=True)   # present now: nothing fetched again
    assert len(urls) == 4


# ---- transforms -------------------------------------------------------------------------------------
@pytest.mark.parametrize('shape,dtype', [((5, 7), np.uint8), ((5, 7, 3), np.uint8), ((4, 6, 1), np.float64),
                                         ((3, 2), np.int32)])
def test_to_tensor_on_arrays_matches_manual_torch(shape, dtype):
    a = (np.random.default_rng(0).random(shape) * 255).astype(dtype)
    x = transforms.ToTensor()(a)
    t = torch.from_numpy(a[:, :, None] if a.ndim == 2 else a).permute(2, 0, 1).contiguous()
    expected = t.to(torch.float32).div(255) if dtype == np.uint8 else t
    assert str(x.dtype).split('.')[-1] == str(expected.dtype).split('.')[-1]
    np.testing.assert_array_equal(x.numpy(), expected.numpy())


@pytest.mark.parametrize('mode', ['L', 'RGB', 'F', 'I', '1'])
def test_to_tensor_on_pil_modes(mode):
    img = PIL.fromarray((np.random.default_rng(1).random((6, 4, 3)) * 255).astype(np.uint8)).convert(mode)
    x = transforms.ToTensor()(img)
    a = np.array(img)
    a = a[:, :, None] if a.ndim == 2 else a
    t = torch.from_numpy(a.astype({'F': np.float32, 'I': np.int32}.get(mode, np.uint8))).permute(2, 0, 1)
    expected = t * 255 if mode == '1' else t
    expected = expected.float().div(255) if expected.dtype == torch.uint8 else expected
    assert str(x.dtype).split('.')[-1] == str(expected.dtype).split('.')[-1]
    np.testing.assert_array_equal(x.numpy(), expected.numpy())
    native = transforms.PILToTensor()(img)
    assert native.dtype == autograd.tensor(np.array(img)).dtype
    np.testing.assert_array_equal(native.numpy(), np.moveaxis(a.astype(np.array(img).dtype), 2, 0))


def test_to_tensor_errors():
    with pytest.raises(TypeError, match="pic should be PIL Image or ndarray"):
        transforms.ToTensor()([1, 2])
    with pytest.raises(ValueError, match="pic should be 2/3 dimensional. Got 1 dimensions."):
        transforms.ToTensor()(np.zeros(3, np.uint8))


@pytest.mark.parametrize('inplace', [False, True])
def test_normalize_matches_torch_arithmetic(inplace):
    a = np.random.default_rng(2).random((2, 3, 4, 5)).astype(np.float32)
    mean, std = [0.5, 0.4, 0.3], [0.2, 0.25, 0.3]
    x = autograd.tensor(a)
    out = transforms.Normalize(mean, std, inplace=inplace)(x)
    expected = (torch.tensor(a) - torch.tensor(mean).view(-1, 1, 1)) / torch.tensor(std).view(-1, 1, 1)
    assert out.dtype == autograd.float32 and (out is x) == inplace
    assert_close(out.numpy(), expected.numpy())


def test_normalize_errors_and_repr():
    with pytest.raises(TypeError, match="Input tensor should be a float tensor"):
        transforms.Normalize([0.5], [0.5])(autograd.zeros(1, 2, 2, dtype=autograd.uint8))
    with pytest.raises(ValueError, match=r"size \(..., C, H, W\)"):
        transforms.Normalize([0.5], [0.5])(autograd.zeros(2, 2))
    with pytest.raises(ValueError, match="std evaluated to zero"):
        transforms.Normalize([0.5], [0.0])(autograd.zeros(1, 2, 2))
    assert repr(transforms.Normalize((0.1307,), (0.3081,))) == "Normalize(mean=(0.1307,), std=(0.3081,))"


def test_lambda_compose_and_no_pillow_path(data_dir, monkeypatch):
    double = transforms.Lambda(lambda x: x * 2)
    assert double(3) == 6 and repr(double) == 'Lambda()'
    with pytest.raises(TypeError, match="Argument lambd should be callable"):
        transforms.Lambda(3)
    monkeypatch.setattr(datasets, 'Image', None)
    ds = datasets.MNIST(data_dir, train=False, transform=transforms.Compose([transforms.ToTensor(), double]),
                        target_transform=transforms.Lambda(lambda y: y + 100))
    raw = datasets.MNIST(data_dir, train=False)
    x, y = ds[5]
    np.testing.assert_array_equal(x.numpy(), raw.data[5].numpy()[None].astype(np.float32) / np.float32(255) * 2)
    assert y == int(raw.targets[5]) + 100
    img, _ = raw[5]
    assert isinstance(img, np.ndarray) and img.dtype == np.uint8 and img.shape == (28, 28)
    img[...] = 0   # a copy: the dataset is untouched
    assert raw.data[5].numpy().any()


@pytest.mark.parametrize('size,expected', [(14, (14, 28)), ((10, 20), (20, 10)), (56, (56, 112)), (28, (28, 56))])
def test_resize_pil(size, expected):
    img = PIL.fromarray(np.arange(28 * 56, dtype=np.uint32).astype(np.uint8).reshape(56, 28))
    out = transforms.Resize(size)(img)
    assert out.size == expected
    if out is not img:
        np.testing.assert_array_equal(np.array(out), np.array(img.resize(expected, PIL.Resampling.BILINEAR)))
    assert list(transforms.Resize(4)(autograd.zeros(1, 8, 8)).shape) == [1, 4, 4]   # tensors: test_vision_resize.py
