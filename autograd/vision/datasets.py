"""torchvision.datasets.MNIST and FashionMNIST: the IDX files read into uint8 / int64 tensors.

Files are looked for (as `.gz` or uncompressed) in root/<ClassName>/raw (torchvision's layout), in
root/mnist or root/fashion-mnist, and in root itself. download=True fetches missing files from
torchvision's mirrors into root/<ClassName>/raw and checks torchvision's published MD5 sums.

For training scripts the fast path is `.data` (uint8, N x 28 x 28) and `.targets` (int64, N): normalise
them once into a TensorDataset instead of converting one PIL image per sample.
"""
import gzip
import hashlib
import lzma
import os
import tempfile
from urllib.error import URLError
from urllib.request import Request, urlopen

import numpy as np

from ..tensor import wrap
from ..utils.data import Dataset

try:
    from PIL import Image
except ImportError:   # without Pillow, samples are uint8 HxW NumPy arrays
    Image = None

__all__ = ['MNIST', 'FashionMNIST', 'read_idx']

# IDX type codes -> big-endian NumPy dtypes (http://yann.lecun.com/exdb/mnist/, "THE IDX FILE FORMAT")
_IDX_TYPES = {0x08: '>u1', 0x09: '>i1', 0x0B: '>i2', 0x0C: '>i4', 0x0D: '>f4', 0x0E: '>f8'}


def read_idx(path):
    """The array in an IDX file (gzip- or xz-compressed or not), in native byte order."""
    opener = gzip.open if path.endswith('.gz') else lzma.open if path.endswith('.xz') else open
    try:
        with opener(path, 'rb') as fh:
            raw = fh.read()
    except (OSError, EOFError, lzma.LZMAError) as exc:
        raise RuntimeError(f"could not read the IDX file {path}: {exc}. Delete it and download it again.") from None
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise RuntimeError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()}).")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    offset = 4 + 4 * ndim
    expected = int(np.prod(shape)) * dtype.itemsize
    if len(raw) - offset != expected:
        raise RuntimeError(f"{path} is truncated or corrupt: its header promises shape {shape} "
                           f"({expected} bytes of data) but it holds {len(raw) - offset}.")
    return np.frombuffer(raw, dtype=dtype, offset=offset).reshape(shape).astype(dtype.newbyteorder('='))


class MNIST(Dataset):
    """MNIST(root, train=True, transform=None, target_transform=None, download=False).

    Sample i is (image, label): the image a PIL Image (mode 'L') passed through transform, the label a
    Python int passed through target_transform."""

    mirrors = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/']
    resources = [('train-images-idx3-ubyte.gz', 'f68b3c2dcbeaaa9fbdd348bbdeb94873'),
                 ('train-labels-idx1-ubyte.gz', 'd53e105ee54ea40749a09fcbcd1e9432'),
                 ('t10k-images-idx3-ubyte.gz', '9fb629c4189551a2d022fa330f9573f3'),
                 ('t10k-labels-idx1-ubyte.gz', 'ec29112dd5afa0611ce80d1b7f02629c')]
    classes = ['0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six',
               '7 - seven', '8 - eight', '9 - nine']
    folder_alias = 'mnist'   # root/mnist holds the files in this project's data layout

    def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
        self.root = os.path.expanduser(os.fspath(root))
        self.train = train
        self.transform = transform
        self.target_transform = target_transform
        names = self._file_names()
        folder = self._find_folder(names)
        if folder is None and download:
            self.download()
            folder = self._find_folder(names)
        if folder is None:
            raise RuntimeError(f"Dataset not found. {type(self).__name__} looked for {names[0]}[.gz] and "
                               f"{names[1]}[.gz] in {', '.join(self._candidate_folders())}. "
                               "You can use download=True to download it, or copy the files there.")
        self.data, self.targets = self._load_data(folder, names)

    def _file_names(self):
        """(images, labels) file names without the .gz (subclasses with other layouts override this)."""
        prefix = 'train' if self.train else 't10k'
        return f'{prefix}-images-idx3-ubyte', f'{prefix}-labels-idx1-ubyte'

    def _load_data(self, folder, names, label_ndim=1):
        images = read_idx(self._existing(folder, names[0]))
        labels = read_idx(self._existing(folder, names[1]))
        if images.ndim != 3 or labels.ndim != label_ndim or len(images) != len(labels):
            raise RuntimeError(f"{folder} holds mismatched files: images {images.shape}, labels {labels.shape}; "
                               "expected N x 28 x 28 images and N labels.")
        return wrap(images.astype(np.uint8, copy=False)), wrap(labels.astype(np.int64))

    # ---- where the files are --------------------------------------------------------------------
    @property
    def raw_folder(self):
        return os.path.join(self.root, type(self).__name__, 'raw')

    @property
    def class_to_idx(self):
        return {c: i for i, c in enumerate(self.classes)}

    def _candidate_folders(self):
        return [self.raw_folder, os.path.join(self.root, self.folder_alias), self.root]

    @staticmethod
    def _existing(folder, name):
        for candidate in (os.path.join(folder, name), os.path.join(folder, name + '.gz'),
                          os.path.join(folder, name + '.xz')):
            if os.path.isfile(candidate):
                return candidate
        return None

    def _find_folder(self, names):
        for folder in self._candidate_folders():
            if all(self._existing(folder, n) for n in names):
                return folder
        return None

    # ---- download -------------------------------------------------------------------------------
    def download(self):
        """Fetch every missing file into raw_folder, checking torchvision's MD5 sums."""
        os.makedirs(self.raw_folder, exist_ok=True)
        for filename, md5 in self.resources:
            if self._existing(self.raw_folder, filename[:-len('.gz')]):
                continue
            failures = download_first([m + filename for m in self.mirrors], os.path.join(self.raw_folder, filename),
                                      md5)
            if failures:
                raise RuntimeError(
                    f"Error downloading {filename} for {type(self).__name__}:\n  " + "\n  ".join(failures) +
                    f"\nNo file was written. If this machine is offline, copy {filename} (from any of the mirrors "
                    f"above, or an uncompressed copy) into {self.raw_folder} and run again without download=True.")

    # ---- samples --------------------------------------------------------------------------------
    def __len__(self):
        return len(self.data)

    def __getitem__(self, index):
        img, target = self.data.array[index], int(self.targets.array[index])
        img = Image.fromarray(img) if Image is not None else img.copy()   # the copy keeps .data safe from writes
        if self.transform is not None:
            img = self.transform(img)
        if self.target_transform is not None:
            target = self.target_transform(target)
        return img, target

    def extra_repr(self):
        return f"Split: {'Train' if self.train else 'Test'}"

    def __repr__(self):
        """torchvision's layout, quirks included (only the first line of the transforms block is indented)."""
        body = [f"Number of datapoints: {len(self)}", f"Root location: {self.root}", self.extra_repr()]
        if self.transform is not None or self.target_transform is not None:
            block = ['StandardTransform']
            for head, t in (('Transform: ', self.transform), ('Target transform: ', self.target_transform)):
                if t is not None:
                    lines = repr(t).splitlines()
                    block += [head + lines[0]] + [' ' * len(head) + line for line in lines[1:]]
            body.append('\n'.join(block))
        return '\n'.join([f"Dataset {type(self).__name__}"] + ['    ' + line for line in body])


class FashionMNIST(MNIST):
    """Fashion-MNIST: Zalando's article images, with MNIST's format and API."""

    mirrors = ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/']
    resources = [('train-images-idx3-ubyte.gz', '8d4fb7e6c68d591d4c3dfef9ec88bf0d'),
                 ('train-labels-idx1-ubyte.gz', '25c81989df183df01b3e8a0aad5dffbe'),
                 ('t10k-images-idx3-ubyte.gz', 'bef4ecab320f06d8554ea6380940ec79'),
                 ('t10k-labels-idx1-ubyte.gz', 'bb300cfdad3c16e7a12a480ee83cd310')]
    classes = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag',
               'Ankle boot']
    folder_alias = 'fashion-mnist'


def download_first(urls, path, md5):
    """Download to path from the first of urls that works (checked against md5). Returns the list of
    "url: error" lines of the mirrors that failed, empty when one worked (the caller words the error)."""
    failures = []
    for url in urls:
        try:
            _download(url, path, md5)
            return []
        except (URLError, OSError, ValueError) as exc:
            failures.append(f"{url}: {exc}")
    return failures


def _download(url, path, md5, chunk=1 << 16, timeout=30):
    """url -> path via a temporary file in the same folder, renamed into place only when its MD5 matches."""
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix='.' + os.path.basename(path) + '.', suffix='.part')
    try:
        digest = hashlib.md5()
        with os.fdopen(fd, 'wb') as out, urlopen(Request(url, headers={'User-Agent': 'autograd'}),
                                                 timeout=timeout) as response:
            total = response.headers.get('Content-Length') if getattr(response, 'headers', None) else None
            with _progress(total, os.path.basename(path)) as bar:
                while True:
                    block = response.read(chunk)
                    if not block:
                        break
                    out.write(block)
                    digest.update(block)
                    bar.update(len(block))
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != md5:
            raise ValueError(f"MD5 mismatch: got {digest.hexdigest()}, expected {md5} (a corrupt or altered download)")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


class _NoProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def update(self, n):
        pass


def _progress(total, name):
    try:
        from tqdm import tqdm
    except ImportError:
        return _NoProgress()
    return tqdm(total=int(total) if total else None, unit='B', unit_scale=True, desc=name)


# the other datasets live in their own modules (file size); they build on the reader above
from .datasets_folder import (DatasetFolder, FakeData, ImageFolder, VisionDataset,   # noqa: E402
                              IMG_EXTENSIONS, default_loader, has_file_allowed_extension, pil_loader)
from .datasets_cifar import CIFAR10, CIFAR100   # noqa: E402
from .datasets_mnist import EMNIST, KMNIST, QMNIST   # noqa: E402

__all__ += ['VisionDataset', 'DatasetFolder', 'ImageFolder', 'FakeData', 'CIFAR10', 'CIFAR100', 'KMNIST', 'EMNIST',
            'QMNIST', 'IMG_EXTENSIONS', 'default_loader', 'has_file_allowed_extension', 'pil_loader']
