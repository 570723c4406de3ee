"""torchvision's other IDX datasets: KMNIST, EMNIST and QMNIST (torchvision/datasets/mnist.py), on the MNIST
reader of datasets.py: the same folder search, checksummed atomic downloads and offline message."""
import os
import string

from .datasets import MNIST
from .datasets_cifar import download_and_extract

__all__ = ['KMNIST', 'EMNIST', 'QMNIST']


def _verify_str_arg(value, arg, valid):
    if value not in valid:
        raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are "
                         "{" + "'" + "', '".join(str(v) for v in valid) + "'" + "}.")
    return value


class KMNIST(MNIST):
    """Kuzushiji-MNIST: 10 classes of cursive Japanese characters in MNIST's format."""

    mirrors = ['http://codh.rois.ac.jp/kmnist/dataset/kmnist/']
    resources = [('train-images-idx3-ubyte.gz', 'bdb82020997e1d708af4cf47b453dcf7'),
                 ('train-labels-idx1-ubyte.gz', 'e144d726b3acfaa3e44228e80efcd344'),
                 ('t10k-images-idx3-ubyte.gz', '5c965bf0a639b31b8f53240b1b52f4d7'),
                 ('t10k-labels-idx1-ubyte.gz', '7320c461ea6c1c855c0b718fb2a4b134')]
    classes = ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo']
    folder_alias = 'kmnist'


_MERGED = set('cijklmopsuvwxyz')
_ALL = set(string.digits + string.ascii_letters)


class EMNIST(MNIST):
    """EMNIST(root, split, train=True, ...): split is one of byclass, bymerge, balanced, letters, digits, mnist.
    The images are stored transposed in the files and are returned as stored (as torchvision does)."""

    url = 'https://biometrics.nist.gov/cs_links/EMNIST/gzip.zip'
    md5 = '58c8d27c78d21e728a6bc7b3cc06412e'
    splits = ('byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist')
    classes_split_dict = {
        'byclass': sorted(_ALL), 'bymerge': sorted(_ALL - _MERGED), 'balanced': sorted(_ALL - _MERGED),
        'letters': ['N/A'] + list(string.ascii_lowercase), 'digits': list(string.digits),
        'mnist': list(string.digits)}
    folder_alias = 'emnist'

    def __init__(self, root, split, **kwargs):
        self.split = _verify_str_arg(split, 'split', self.splits)
        self.classes = self.classes_split_dict[self.split]
        super().__init__(root, **kwargs)

    def _file_names(self):
        prefix = f"emnist-{self.split}-{'train' if self.train else 'test'}"
        return f'{prefix}-images-idx3-ubyte', f'{prefix}-labels-idx1-ubyte'

    def _candidate_folders(self):
        return super()._candidate_folders() + [os.path.join(self.raw_folder, 'gzip')]

    def download(self):
        """The whole EMNIST archive (gzip.zip, about 560 MB), MD5-checked, unpacked into raw_folder/gzip."""
        download_and_extract([self.url], self.raw_folder, 'gzip.zip', self.md5, type(self).__name__)


class QMNIST(MNIST):
    """QMNIST(root, what=None, compat=True, train=True, ...): what is train, test, test10k, test50k or nist.
    Labels are the 8-column QMNIST records; compat=True returns only the class (column 0) as an int."""

    _base = 'https://raw.githubusercontent.com/facebookresearch/qmnist/master/'
    subsets = {'train': 'train', 'test': 'test', 'test10k': 'test', 'test50k': 'test', 'nist': 'nist'}
    qmnist_resources = {
        'train': [('qmnist-train-images-idx3-ubyte.gz', 'ed72d4157d28c017586c42bc6afe6370'),
                  ('qmnist-train-labels-idx2-int.gz', '0058f8dd561b90ffdd0f734c6a30e5e4')],
        'test': [('qmnist-test-images-idx3-ubyte.gz', '1394631089c404de565df7b7aeaf9412'),
                 ('qmnist-test-labels-idx2-int.gz', '5b5b05890a5e13444e108efe57b788aa')],
        'nist': [('xnist-images-idx3-ubyte.xz', '7f124b3b8ab81486c9d8c2749c17f834'),
                 ('xnist-labels-idx2-int.xz', '5ed0e788978e45d4a8bd4b7caec3d79d')]}
    folder_alias = 'qmnist'

    def __init__(self, root, what=None, compat=True, train=True, **kwargs):
        if what is None:
            what = 'train' if train else 'test'
        self.what = _verify_str_arg(what, 'what', tuple(self.subsets.keys()))
        self.compat = compat
        self.mirrors = [self._base]
        self.resources = self.qmnist_resources[self.subsets[self.what]]
        super().__init__(root, train, **kwargs)

    def _file_names(self):
        return tuple(name.rsplit('.', 1)[0] for name, _ in self.qmnist_resources[self.subsets[self.what]])

    def _load_data(self, folder, names, label_ndim=2):
        data, targets = super()._load_data(folder, names, label_ndim=2)
        if self.what == 'test10k':
            data, targets = data[0:10000].clone(), targets[0:10000].clone()
        elif self.what == 'test50k':
            data, targets = data[10000:].clone(), targets[10000:].clone()
        return data, targets

    def download(self):
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if self._existing(self.raw_folder, filename.rsplit('.', 1)[0]):
                continue
            download_and_extract_file(self.mirrors[0] + filename, self.raw_folder, filename, md5, type(self).__name__)

    def __getitem__(self, index):
        from .datasets_folder import _pil
        img, target = self.data.array[index], self.targets[index]
        img = _pil().fromarray(img.copy(), mode='L')
        if self.transform is not None:
            img = self.transform(img)
        if self.compat:
            target = int(target[0])
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        return f"Split: {self.what}"


def download_and_extract_file(url, folder, filename, md5, who):
    """One compressed IDX file: downloaded atomically with its MD5 checked (it is read compressed)."""
    from .datasets import download_first
    failures = download_first([url], os.path.join(folder, filename), md5)
    if failures:
        raise RuntimeError(f"Error downloading {filename} for {who}:\n  {failures[0]}\nNo file was written. If this "
                           f"machine is offline, copy {filename} into {folder} and run again without download=True.")
