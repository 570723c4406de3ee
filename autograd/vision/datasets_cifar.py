"""torchvision.datasets.CIFAR10 / CIFAR100: the "python version" batches (pickled dicts of NumPy arrays).

The batches are read with a restricted unpickler: the only globals a pickle may name are the three NumPy
functions that rebuild an array (numpy's _reconstruct, ndarray, dtype) and latin-1 byte decoding, so a
tampered file cannot run code; anything else raises pickle.UnpicklingError naming the refused global.
Files are checked against torchvision's MD5 sums before they are read. download=True fetches the archive
into root (temporary file, MD5 checked, then renamed) and extracts it with tarfile's 'data' filter.
"""
import hashlib
import io
import os
import pickle
import tarfile

import numpy as np

from .datasets import download_first
from .datasets_folder import VisionDataset

__all__ = ['CIFAR10', 'CIFAR100', 'safe_unpickle', 'check_integrity']

_ALLOWED = {('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
            ('numpy', 'ndarray'), ('numpy', 'dtype'), ('_codecs', 'encode')}


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load the global {module}.{name}: a CIFAR batch holds only "
                                     "dicts, lists, strings and NumPy arrays (the file is corrupt or not a CIFAR batch)")


def safe_unpickle(data):
    """pickle.loads for data files: latin-1 strings (Python 2 pickles), NumPy arrays, nothing executable."""
    return _RestrictedUnpickler(io.BytesIO(data), encoding='latin1').load()


def _md5(path, chunk=1 << 20):
    digest = hashlib.md5()
    with open(path, 'rb') as fh:
        for block in iter(lambda: fh.read(chunk), b''):
            digest.update(block)
    return digest.hexdigest()


def check_integrity(path, md5=None):
    if not os.path.isfile(path):
        return False
    return md5 is None or _md5(path) == md5


def download_and_extract(urls, folder, filename, md5, who):
    """Fetch `filename` (first mirror that works), check its MD5, and extract it (tar or zip) into folder."""
    os.makedirs(folder, exist_ok=True)
    archive = os.path.join(folder, filename)
    if not check_integrity(archive, md5):
        failures = download_first(urls, archive, md5)
        if failures:
            raise RuntimeError(
                f"Error downloading {filename} for {who}:\n  " + "\n  ".join(failures) +
                f"\nNo file was written. If this machine is offline, copy {filename} (from the address above) into "
                f"{folder} and run again; it is checked against MD5 {md5}.")
    if filename.endswith('.zip'):
        import zipfile
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():   # refuse paths that would land outside folder
                target = os.path.realpath(os.path.join(folder, member))
                if not target.startswith(os.path.realpath(folder) + os.sep):
                    raise RuntimeError(f"{archive} holds an unsafe path {member!r}; not extracted")
            zf.extractall(folder)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(folder, filter='data')


class CIFAR10(VisionDataset):
    """CIFAR10(root, train=True, transform=None, target_transform=None, download=False).

    .data is a uint8 N x 32 x 32 x 3 NumPy array (HWC, as torchvision), .targets a list of ints; sample i is
    (PIL RGB image, int label) through the transforms."""

    base_folder = 'cifar-10-batches-py'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'
    filename = 'cifar-10-python.tar.gz'
    tgz_md5 = 'c58f30108f718f92721af3b95e74349a'
    train_list = [['data_batch_1', 'c99cafc152244af753f735de768cd75f'],
                  ['data_batch_2', 'd4bba439e000b95fd0a9bffe97cbabec'],
                  ['data_batch_3', '54ebc095f3ab1f0389bbae665268c751'],
                  ['data_batch_4', '634d18415352ddfa80567beed471001a'],
                  ['data_batch_5', '482c414d41f54cd18b22e5b47cb7c3cb']]
    test_list = [['test_batch', '40351d587109b95175f43aff81a1287e']]
    meta = {'filename': 'batches.meta', 'key': 'label_names', 'md5': '5ff9c542aee3614f3951f8cda6e48888'}

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.train = train
        if download:
            self.download()
        if not self._check_integrity():
            raise RuntimeError("Dataset not found or corrupted. You can use download=True to download it "
                               f"(looked for {', '.join(n for n, _ in self.train_list + self.test_list)} with "
                               f"torchvision's MD5 sums in {os.path.join(self.root, self.base_folder)})")
        data, self.targets = [], []
        for file_name, _ in (self.train_list if self.train else self.test_list):
            entry = self._read(file_name)
            data.append(np.asarray(entry['data'], dtype=np.uint8))
            self.targets.extend(int(t) for t in (entry['labels'] if 'labels' in entry else entry['fine_labels']))
        self.data = np.vstack(data).reshape(-1, 3, 32, 32).transpose((0, 2, 3, 1))   # HWC
        self._load_meta()

    def _read(self, file_name):
        with open(os.path.join(self.root, self.base_folder, file_name), 'rb') as f:
            entry = safe_unpickle(f.read())
        if not isinstance(entry, dict):
            raise RuntimeError(f"{file_name} is not a CIFAR batch (it holds a {type(entry).__name__}, not a dict)")
        return entry

    def _load_meta(self):
        path = os.path.join(self.root, self.base_folder, self.meta['filename'])
        if not check_integrity(path, self.meta['md5']):
            raise RuntimeError("Dataset metadata file not found or corrupted. You can use download=True to download it")
        self.classes = list(self._read(self.meta['filename'])[self.meta['key']])
        self.class_to_idx = {c: i for i, c in enumerate(self.classes)}

    def __getitem__(self, index):
        from .datasets_folder import _pil
        img, target = self.data[index], self.targets[index]
        img = _pil().fromarray(img)
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def __len__(self):
        return len(self.data)

    def _check_integrity(self):
        return all(check_integrity(os.path.join(self.root, self.base_folder, name), md5)
                   for name, md5 in self.train_list + self.test_list)

    def download(self):
        if self._check_integrity():
            return
        download_and_extract([self.url], self.root, self.filename, self.tgz_md5, type(self).__name__)

    def extra_repr(self):
        return f"Split: {'Train' if self.train is True else 'Test'}"


class CIFAR100(CIFAR10):
    """CIFAR-100 with the 100 fine labels (targets) and fine_label_names (classes)."""

    base_folder = 'cifar-100-python'
    url = 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz'
    filename = 'cifar-100-python.tar.gz'
    tgz_md5 = 'eb9058c3a382ffc7106e4002c42a8d85'
    train_list = [['train', '16019d7e3df5f24257cddd939b257f8d']]
    test_list = [['test', 'f0ef6b0ae62326f3e7ffdfab6717acfc']]
    meta = {'filename': 'meta', 'key': 'fine_label_names', 'md5': '7973b15100ade9c7d40fb424638fde48'}

