"""autograd.vision.datasets beyond MNIST: FakeData against torchvision's recipe run with torch, ImageFolder on a
folder tree written here, CIFAR batches (and a hostile pickle), KMNIST/EMNIST/QMNIST IDX files, downloads."""
import gzip
import hashlib
import io
import os
import pickle
import tarfile
from urllib.error import URLError

import numpy as np
import pytest
import torch

import autograd
from autograd.vision import datasets, transforms

Image = pytest.importorskip('PIL.Image', reason="Pillow is needed for the PIL image path")


class FakeResponse(io.BytesIO):
    def __init__(self, payload):
        super().__init__(payload)
        self.headers = {'Content-Length': str(len(payload))}


# ---- FakeData -------------------------------------------------------------------------------------
@pytest.mark.parametrize('image_size,offset', [((3, 6, 5), 0), ((1, 4, 4), 7)])
def test_fake_data_is_torchvisions_recipe(image_size, offset):
    ds = datasets.FakeData(size=4, image_size=image_size, num_classes=5, random_offset=offset)
    autograd.manual_seed(123)
    for index in range(4):
        img, target = ds[index]
        torch.manual_seed(index + offset)   # torchvision: seed, randn, randint, restore, ToPILImage
        pixels = torch.randn(*image_size).mul(255).byte()
        label = torch.randint(0, 5, size=(1,), dtype=torch.long)[0].item()
        expected = pixels.permute(1, 2, 0).numpy()
        np.testing.assert_array_equal(np.asarray(img).reshape(expected.shape), expected)
        assert img.mode == ('RGB' if image_size[0] == 3 else 'L') and type(target) is int and target == label
    torch.manual_seed(123)
    assert autograd.rand(4).tolist() == torch.rand(4).tolist()   # the global stream was restored
    with pytest.raises(IndexError, match="FakeData index out of range"):
        ds[4]
    assert repr(ds) == "Dataset FakeData\n    Number of datapoints: 4"
    loader = autograd.utils.data.DataLoader(datasets.FakeData(6, (3, 8, 8), transform=transforms.ToTensor()),
                                            batch_size=4)
    assert [tuple(x.shape) for x, _ in loader] == [(4, 3, 8, 8), (2, 3, 8, 8)]


# ---- ImageFolder ----------------------------------------------------------------------------------
def _write_tree(root):
    rng = np.random.default_rng(0)
    written = {}
    for cls, names in {'dog': ['b.png', 'a.PNG', 'sub/c.bmp', 'notes.txt'], 'cat': ['z.jpg'], 'ant': ['x.ppm']}.items():
        for name in names:
            path = root / cls / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if name.endswith('.txt'):
                path.write_text('not an image')
                continue
            a = rng.integers(0, 256, (5, 4, 3), dtype=np.uint8)
            Image.fromarray(a).save(path, format={'.png': 'PNG', '.bmp': 'BMP', '.jpg': 'JPEG', '.ppm': 'PPM'}[
                os.path.splitext(name)[1].lower()])
            written[str(path)] = np.asarray(Image.open(path).convert('RGB'))
    return written


def test_image_folder_order_classes_and_pixels(tmp_path):
    written = _write_tree(tmp_path)
    ds = datasets.ImageFolder(str(tmp_path), transform=transforms.PILToTensor())
    assert ds.classes == ['ant', 'cat', 'dog'] and ds.class_to_idx == {'ant': 0, 'cat': 1, 'dog': 2}
    expected = []   # independently: sorted classes, then each class's files walked in sorted order
    for cls in sorted(os.listdir(tmp_path)):
        for root, _, files in sorted(os.walk(tmp_path / cls)):
            expected += [(os.path.join(root, f), ds.class_to_idx[cls]) for f in sorted(files)
                         if f.lower().endswith(datasets.IMG_EXTENSIONS)]
    assert ds.samples == expected and ds.imgs == expected and ds.targets == [t for _, t in expected]
    for i, (path, target) in enumerate(expected):
        x, y = ds[i]
        assert y == target
        np.testing.assert_array_equal(x.numpy().transpose(1, 2, 0), written[path])
    texts = datasets.DatasetFolder(str(tmp_path), loader=lambda p: open(p).read(), extensions=('.txt',),
                                   allow_empty=True)
    assert [s for s, _ in texts] == ['not an image']
    with pytest.raises(FileNotFoundError, match="Found no valid file for the classes ant, cat"):
        datasets.DatasetFolder(str(tmp_path), loader=open, extensions=('.txt',))
    with pytest.raises(ValueError, match="Both extensions and is_valid_file cannot be None"):
        datasets.DatasetFolder(str(tmp_path), loader=open)
    (tmp_path / 'empty').mkdir()
    with pytest.raises(FileNotFoundError, match="Couldn't find any class folder"):
        datasets.ImageFolder(str(tmp_path / 'empty'))


# ---- CIFAR ----------------------------------------------------------------------------------------
def _cifar_files(root, cls, n_per_batch=3):
    """Batches in the python-version layout, pickled with protocol 2 (bytes go through _codecs, as in the
    real Python-2 files); returns the data and labels written and the class with these files' MD5 sums."""
    folder = root / cls.base_folder
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    key = 'labels' if cls is datasets.CIFAR10 else 'fine_labels'
    sums, written = {}, {}
    for name, _ in cls.train_list + cls.test_list:
        data = rng.integers(0, 256, (n_per_batch, 3072), dtype=np.uint8)
        labels = rng.integers(0, 10, n_per_batch).tolist()
        (folder / name).write_bytes(pickle.dumps({'batch_label': 'x', key: labels, 'data': data}, protocol=2))
        sums[name] = hashlib.md5((folder / name).read_bytes()).hexdigest()
        written[name] = (data, labels)
    meta_key = cls.meta['key']
    (folder / cls.meta['filename']).write_bytes(pickle.dumps({meta_key: [f'c{i}' for i in range(10)]}, protocol=2))
    local = type('Local' + cls.__name__, (cls,), {
        'train_list': [[n, sums[n]] for n, _ in cls.train_list], 'test_list': [[n, sums[n]] for n, _ in cls.test_list],
        'meta': dict(cls.meta, md5=hashlib.md5((folder / cls.meta['filename']).read_bytes()).hexdigest())})
    return local, written


@pytest.mark.parametrize('cls', [datasets.CIFAR10, datasets.CIFAR100])
def test_cifar_reads_batches_in_torchvision_layout(tmp_path, cls):
    local, written = _cifar_files(tmp_path, cls)
    for train, names in ((True, cls.train_list), (False, cls.test_list)):
        ds = local(str(tmp_path), train=train)
        data = np.vstack([written[n][0] for n, _ in names])
        expected = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        np.testing.assert_array_equal(ds.data, expected)
        assert ds.targets == sum((written[n][1] for n, _ in names), [])
        assert ds.classes[3] == 'c3' and ds.class_to_idx['c3'] == 3
        img, target = ds[1]
        assert img.mode == 'RGB' and target == ds.targets[1]
        np.testing.assert_array_equal(np.asarray(img), expected[1])
    with pytest.raises(RuntimeError, match="Dataset not found or corrupted"):
        cls(str(tmp_path))   # the real MD5 sums do not match these files


def test_cifar_refuses_a_pickle_that_would_run_code(tmp_path):
    local, _ = _cifar_files(tmp_path, datasets.CIFAR10)
    marker = tmp_path / 'pwned'

    class Evil:
        def __reduce__(self):
            return (os.system, (f'touch {marker}',))
    path = tmp_path / local.base_folder / 'test_batch'
    path.write_bytes(pickle.dumps({'data': Evil(), 'labels': []}, protocol=2))
    local.test_list = [['test_batch', hashlib.md5(path.read_bytes()).hexdigest()]]
    with pytest.raises(pickle.UnpicklingError, match="refusing to load the global (posix|os).system"):
        local(str(tmp_path), train=False)
    assert not marker.exists()


def test_cifar_download_offline_mismatch_and_success(tmp_path, monkeypatch):
    from autograd.vision import datasets as base
    monkeypatch.setattr(base, 'urlopen', lambda request, timeout=None: (_ for _ in ()).throw(URLError('offline')))
    with pytest.raises(RuntimeError, match="If this machine is offline, copy cifar-10-python.tar.gz"):
        datasets.CIFAR10(str(tmp_path / 'a'), download=True)
    assert os.listdir(tmp_path / 'a') == []
    monkeypatch.setattr(base, 'urlopen', lambda request, timeout=None: FakeResponse(b'tampered' * 100))
    with pytest.raises(RuntimeError, match="MD5 mismatch"):
        datasets.CIFAR10(str(tmp_path / 'b'), download=True)
    assert os.listdir(tmp_path / 'b') == []
    local, written = _cifar_files(tmp_path / 'src', datasets.CIFAR10)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w:gz') as tf:
        tf.add(tmp_path / 'src' / local.base_folder, arcname=local.base_folder)
    payload = buf.getvalue()
    local.tgz_md5 = hashlib.md5(payload).hexdigest()
    monkeypatch.setattr(base, 'urlopen', lambda request, timeout=None: FakeResponse(payload))
    ds = local(str(tmp_path / 'c'), train=False, download=True)
    np.testing.assert_array_equal(ds.data, written['test_batch'][0].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
    assert ds.targets == written['test_batch'][1]


# ---- IDX datasets ---------------------------------------------------------------------------------
def _idx(array, code):
    header = bytes([0, 0, code, array.ndim]) + b''.join(int(d).to_bytes(4, 'big') for d in array.shape)
    return header + array.astype({0x08: '>u1', 0x0C: '>i4'}[code]).tobytes()


def _write_gz(path, payload):
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, 'wb') as fh:
        fh.write(payload)


def test_kmnist_and_emnist_read_their_files(tmp_path):
    rng = np.random.default_rng(2)
    images, labels = rng.integers(0, 256, (6, 28, 28), dtype=np.uint8), rng.integers(0, 10, 6)
    raw = tmp_path / 'KMNIST' / 'raw'
    _write_gz(raw / 't10k-images-idx3-ubyte.gz', _idx(images, 0x08))
    _write_gz(raw / 't10k-labels-idx1-ubyte.gz', _idx(labels, 0x08))
    ds = datasets.KMNIST(str(tmp_path), train=False)
    np.testing.assert_array_equal(ds.data.numpy(), images)
    assert ds[2][1] == labels[2] and ds.classes[1] == 'ki'
    raw = tmp_path / 'EMNIST' / 'raw'
    _write_gz(raw / 'emnist-letters-train-images-idx3-ubyte.gz', _idx(images, 0x08))
    _write_gz(raw / 'emnist-letters-train-labels-idx1-ubyte.gz', _idx(labels, 0x08))
    ds = datasets.EMNIST(str(tmp_path), split='letters')
    np.testing.assert_array_equal(ds.targets.numpy(), labels)
    assert ds.classes[:3] == ['N/A', 'a', 'b'] and len(datasets.EMNIST.classes_split_dict['balanced']) == 47
    with pytest.raises(ValueError, match=r"Unknown value 'bogus' for argument split. Valid values are "
                                         r"\{'byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'\}."):
        datasets.EMNIST(str(tmp_path), split='bogus')


def test_qmnist_records_subsets_and_compat(tmp_path):
    rng = np.random.default_rng(3)
    images = rng.integers(0, 256, (12, 28, 28), dtype=np.uint8)
    records = rng.integers(0, 10, (12, 8)).astype(np.int32)
    raw = tmp_path / 'QMNIST' / 'raw'
    _write_gz(raw / 'qmnist-test-images-idx3-ubyte.gz', _idx(images, 0x08))
    _write_gz(raw / 'qmnist-test-labels-idx2-int.gz', _idx(records, 0x0C))
    ds = datasets.QMNIST(str(tmp_path), train=False)
    assert tuple(ds.targets.shape) == (12, 8) and ds.targets.dtype == autograd.int64
    assert ds[5][1] == records[5, 0]
    full = datasets.QMNIST(str(tmp_path), what='test', compat=False)
    np.testing.assert_array_equal(full[5][1].numpy(), records[5])
    assert len(datasets.QMNIST(str(tmp_path), what='test10k')) == 12   # the first 10000 of these 12
    assert len(datasets.QMNIST(str(tmp_path), what='test50k')) == 0    # from index 10000 on: none here
    assert 'Split: test' in repr(ds)
