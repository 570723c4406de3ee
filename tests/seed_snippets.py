"""The tutorial programs of the seed documents, run under real torch and under `import autograd as torch`.

Three parts, used by tests/test_seeds.py:
- `code_blocks(path)`: the ``` fenced blocks of a markdown seed file, read at test time (never copied here).
- data stand-ins: the first N samples of the real MNIST / Fashion-MNIST files in $AUTOGRAD_DATA_DIR when that is
  set, else deterministic images of the same format; written where a tutorial expects its data.
- the runner, this file run as a script: `python seed_snippets.py torch|autograd JOBS.json` imports the library
  once (for autograd: registering it as `torch`, `torch.nn`, ..., `torchvision`), then forks one child per
  program, so each program starts from a fresh `__main__`, generator state manual_seed(0) and its own working
  directory without paying the import again. A child prints `@@cell LABEL` before each cell; when a cell
  raises it prints `!! raised ExceptionName` (the traceback goes to stderr) and stops.
"""
import ast
import builtins
import gzip
import json
import linecache
import os
import re
import signal
import sys
import textwrap
import time
import traceback
import types

import numpy as np

_FENCE = re.compile(r'^\s*```(.*)$')
CELL_MARK = '@@cell '
RAISED_MARK = '!! raised '


# ---- seed files ---------------------------------------------------------------------------------------
def seed_file(seeds_dir, prefix):
    """The seed file whose name starts with `prefix_` (e.g. '004' -> 004_<hash>.txt)."""
    names = sorted(n for n in os.listdir(seeds_dir) if n.startswith(prefix + '_') and n.endswith('.txt'))
    if len(names) != 1:
        raise FileNotFoundError(f"expected one seed file {prefix}_*.txt in {seeds_dir}, found {names}")
    return os.path.join(seeds_dir, names[0])


def code_blocks(path):
    """[(info string, dedented text)] of every fenced block in the file, in order. Fences may be indented
    (list items, admonitions); a fence with an info string or any fence outside a block opens one, a bare
    fence inside a block closes it."""
    blocks, info, lines = [], None, []
    with open(path, encoding='utf-8') as fh:
        for line in fh.read().splitlines():
            fence = _FENCE.match(line)
            if info is None:
                if fence:
                    info, lines = fence.group(1).strip(), []
            elif fence and not fence.group(1).strip():
                blocks.append((info, textwrap.dedent('\n'.join(lines)) + '\n'))
                info = None
            else:
                lines.append(line)
    return blocks


# ---- data stand-ins -------------------------------------------------------------------------------------
def _read_idx_head(path, count):
    """The first `count` items of a (gzipped) IDX file of unsigned bytes."""
    with gzip.open(path, 'rb') as fh:
        header = fh.read(4)
        ndim = header[3]
        dims = [int.from_bytes(fh.read(4), 'big') for _ in range(ndim)]
        item = int(np.prod(dims[1:], dtype=np.int64))
        data = np.frombuffer(fh.read(count * item), dtype=np.uint8)
    return data.reshape([count] + dims[1:])


def mnist_split(kind, train, count, skip=0):
    """(uint8 images count x 28 x 28, uint8 labels) for kind 'mnist' or 'fashion-mnist': samples skip..skip+count
    of the real files in $AUTOGRAD_DATA_DIR/<kind> when that is set, else deterministic noisy class templates."""
    data_dir = os.environ.get('AUTOGRAD_DATA_DIR')
    prefix = 'train' if train else 't10k'
    folder = os.path.join(data_dir, kind) if data_dir else None
    if folder and os.path.isdir(folder):
        images = _read_idx_head(os.path.join(folder, f'{prefix}-images-idx3-ubyte.gz'), skip + count)[skip:]
        labels = _read_idx_head(os.path.join(folder, f'{prefix}-labels-idx1-ubyte.gz'), skip + count)[skip:]
        return images.copy(), labels.copy()
    rng = np.random.RandomState([len(kind), int(train), skip])
    # like MNIST, mostly dark: a fixed sparse stroke pattern per class, each image with a fifth of its strokes
    # dropped and a few stray pixels, so a linear model learns it but losses stay well away from 0
    strokes = np.random.RandomState(1).rand(10, 28, 28) < 0.15
    labels = rng.randint(0, 10, count).astype(np.uint8)
    on = (strokes[labels] & (rng.rand(count, 28, 28) > 0.2)) | (rng.rand(count, 28, 28) < 0.03)
    return (on * rng.randint(128, 256, (count, 28, 28))).astype(np.uint8), labels


def write_idx(path, array):
    """`array` (uint8) as an uncompressed IDX file, the format torchvision keeps in <root>/<Class>/raw."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b''.join(int(d).to_bytes(4, 'big') for d in array.shape)
    with open(path, 'wb') as fh:
        fh.write(header + array.tobytes())


def lay_out_mnist(root, class_name, train_count, test_count):
    """Write train/t10k IDX files of `train_count`/`test_count` samples into root/<class_name>/raw."""
    kind = 'fashion-mnist' if class_name == 'FashionMNIST' else 'mnist'
    raw = os.path.join(root, class_name, 'raw')
    os.makedirs(raw, exist_ok=True)
    for train, count in ((True, train_count), (False, test_count)):
        images, labels = mnist_split(kind, train, count)
        prefix = 'train' if train else 't10k'
        write_idx(os.path.join(raw, f'{prefix}-images-idx3-ubyte'), images)
        write_idx(os.path.join(raw, f'{prefix}-labels-idx1-ubyte'), labels)


# ---- comparing printed output ---------------------------------------------------------------------------
# A number not inside a name (conv1, float32, layer1.0): digits, optional fraction and exponent, or nan/inf.
_NUMBER = re.compile(r'((?<![\w.])[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?(?![\w])|(?<!\w)-?(?:nan|inf)(?!\w))')
_ADDRESS = re.compile(r'\b0x[0-9a-fA-F]+\b')


def split_cells(stdout):
    """[(label, text)] from a child's stdout (text printed before the first cell mark is dropped)."""
    parts = re.split(r'^' + re.escape(CELL_MARK) + r'(.*)\n', stdout, flags=re.M)
    return list(zip(parts[1::2], parts[2::2]))


_ON_DEVICE = [(re.compile(r",\s*device='cuda(:\d+)?'"), ''),                 # tensor([1.], device='cuda:0')
              (re.compile(r"device\(type='cuda'(, index=\d+)?\)"), "device(type='cpu')"),
              (re.compile(r"\bcuda(:\d+)?\b"), 'cpu')]                           # "Using cuda device"


def normalise(text, lib, masks=()):
    """autograd's names printed as torch's, object addresses blanked, the device made CPU (on a GPU machine a
    tutorial picking 'cuda' prints device='cuda:0', while the reference, CPU torch, prints none), then each
    (pattern, replacement)."""
    if lib == 'autograd':
        text = text.replace('autograd.', 'torch.')
    text = _ADDRESS.sub('0x?', text)
    for pattern, replacement in _ON_DEVICE:
        text = pattern.sub(replacement, text)
    for pattern, replacement in masks:
        text = re.sub(pattern, replacement, text, flags=re.M)
    return text


def _is_float(token):
    return any(c in token for c in '.eEna')


def _last_digit(token):
    """The value of one unit in the last printed digit of a float token (0.1234 -> 1e-4, 1.5e-03 -> 1e-4)."""
    mantissa, _, exponent = token.lower().partition('e')
    decimals = len(mantissa.partition('.')[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _numbers_close(a, b, rtol):
    if a == b:
        return True
    if not (_is_float(a) or _is_float(b)):
        return False          # integers (shapes, counts, labels) must be equal
    try:
        fa, fb = float(a), float(b)
    except ValueError:
        return False
    unit = max(_last_digit(a), _last_digit(b))
    return abs(fa - fb) <= max(rtol * max(abs(fa), abs(fb)), 1.01 * unit)


def _tokens(text, structure):
    """Alternating [text, number, text, ...]; spaces that pad a number (torch right-aligns columns) are
    dropped; in structure mode floats become '#'."""
    parts = _NUMBER.split(text)
    for i in range(0, len(parts) - 1, 2):
        parts[i] = parts[i].rstrip(' ')
    if structure:
        parts[1::2] = ['#' if _is_float(p) else p for p in parts[1::2]]
    return parts


def first_difference(expected, actual, rtol=1e-4, structure=False, text=True):
    """None when `actual` prints what `expected` does (numbers to rtol or one unit in their last printed
    digit; in structure mode floats not compared; with text=False only the numbers), else a message showing
    the first line that differs."""
    if expected == actual:
        return None
    exp_lines, act_lines = expected.splitlines(), actual.splitlines()
    for i in range(max(len(exp_lines), len(act_lines))):
        e = exp_lines[i] if i < len(exp_lines) else '<no line>'
        a = act_lines[i] if i < len(act_lines) else '<no line>'
        te, ta = _tokens(e, structure), _tokens(a, structure)
        same = len(te) == len(ta) and all((x == y or not text) if k % 2 == 0 else
                                          x == y if structure else _numbers_close(x, y, rtol)
                                          for k, (x, y) in enumerate(zip(te, ta)))
        if not same:
            return f"line {i + 1}:\n  torch:    {e}\n  autograd: {a}"
    return None


# ---- the runner: library set-up -------------------------------------------------------------------------
def alias_autograd_as_torch():
    """Make `import torch` (and its submodules, and torchvision) resolve to autograd's modules."""
    import autograd
    import autograd.autograd
    import autograd.nn
    import autograd.nn.functional
    import autograd.optim
    import autograd.utils
    import autograd.utils.data
    import autograd.vision
    import autograd.vision.datasets
    import autograd.vision.transforms
    sys.modules.update({
        'torch': autograd, 'torch.nn': autograd.nn, 'torch.nn.functional': autograd.nn.functional,
        'torch.optim': autograd.optim, 'torch.autograd': autograd.autograd, 'torch.utils': autograd.utils,
        'torch.utils.data': autograd.utils.data, 'torchvision': autograd.vision,
        'torchvision.datasets': autograd.vision.datasets, 'torchvision.transforms': autograd.vision.transforms})


def install_torchvision_reference():
    """torchvision's MNIST/FashionMNIST, ToTensor, Normalize, Compose, Lambda (and the name ToPILImage)
    transcribed onto real torch, following torchvision 0.28's code for them. Used only where torchvision
    cannot be imported: its PyPI wheel is a CUDA build that fails against the CPU torch here
    ("operator torchvision::nms does not exist")."""
    import torch
    from PIL import Image

    def read(path):
        with open(path, 'rb') as fh:
            raw = fh.read()
        dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(raw[3])]
        return torch.frombuffer(bytearray(raw[4 + 4 * len(dims):]), dtype=torch.uint8).view(*dims)

    class MNIST(torch.utils.data.Dataset):
        def __init__(self, root, train=True, transform=None, target_transform=None, download=False):
            raw = os.path.join(root, type(self).__name__, 'raw')
            prefix = 'train' if train else 't10k'
            paths = [os.path.join(raw, f'{prefix}-images-idx3-ubyte'), os.path.join(raw, f'{prefix}-labels-idx1-ubyte')]
            if not all(os.path.isfile(p) for p in paths):
                raise RuntimeError("Dataset not found. You can use download=True to download it")
            self.data, self.targets = read(paths[0]), read(paths[1]).long()
            self.transform, self.target_transform = transform, target_transform

        def __getitem__(self, index):
            img, target = self.data[index], int(self.targets[index])
            img = Image.fromarray(img.numpy(), mode="L")
            if self.transform is not None:
                img = self.transform(img)
            if self.target_transform is not None:
                target = self.target_transform(target)
            return img, target

        def __len__(self):
            return len(self.data)

    class FashionMNIST(MNIST):
        classes = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                   "Ankle boot"]

    class ToTensor:
        def __call__(self, pic):
            if isinstance(pic, np.ndarray):
                img = torch.from_numpy((pic[:, :, None] if pic.ndim == 2 else pic).transpose((2, 0, 1))).contiguous()
            else:
                img = torch.from_numpy(np.array(pic, np.uint8, copy=True))
                img = img.view(pic.size[1], pic.size[0], len(pic.getbands())).permute((2, 0, 1)).contiguous()
            return img.to(dtype=torch.get_default_dtype()).div(255) if img.dtype == torch.uint8 else img

    class Normalize:
        def __init__(self, mean, std, inplace=False):
            self.mean, self.std, self.inplace = mean, std, inplace

        def __call__(self, tensor):
            tensor = tensor if self.inplace else tensor.clone()
            mean = torch.as_tensor(self.mean, dtype=tensor.dtype, device=tensor.device)
            std = torch.as_tensor(self.std, dtype=tensor.dtype, device=tensor.device)
            return tensor.sub_(mean.view(-1, 1, 1)).div_(std.view(-1, 1, 1))

    class Compose:
        def __init__(self, transforms):
            self.transforms = transforms

        def __call__(self, img):
            for t in self.transforms:
                img = t(img)
            return img

    class Lambda:
        def __init__(self, lambd):
            self.lambd = lambd

        def __call__(self, img):
            return self.lambd(img)

    class ToPILImage:
        def __call__(self, pic):
            raise NotImplementedError("the torchvision stand-in only names ToPILImage")

    tv, datasets, transforms = (types.ModuleType(n) for n in ('torchvision', 'torchvision.datasets',
                                                              'torchvision.transforms'))
    datasets.MNIST, datasets.FashionMNIST = MNIST, FashionMNIST
    for cls in (ToTensor, Normalize, Compose, Lambda, ToPILImage):
        setattr(transforms, cls.__name__, cls)
    tv.datasets, tv.transforms = datasets, transforms
    sys.modules.update({'torchvision': tv, 'torchvision.datasets': datasets, 'torchvision.transforms': transforms})


class Harness:
    """`harness` in a program's globals: what epilogues use to make both runs comparable."""

    def __init__(self, lib, share_prefix, torch_done):
        self.lib, self.share_prefix, self.torch_done = lib, share_prefix, torch_done

    def share_state(self, module):
        """torch's run saves module.state_dict() as arrays; both runs then load it (autograd waits for the
        file), so the two modules hold the same weights whatever their generators drew."""
        torch = sys.modules['torch']
        path = self.share_prefix + '.npz'
        if self.lib == 'torch':
            arrays = {k: v.detach().cpu().numpy() for k, v in module.state_dict().items()}
            np.savez(path + '.tmp.npz', **arrays)
            os.replace(path + '.tmp.npz', path)
        else:
            while not os.path.exists(path):
                if os.path.exists(self.torch_done):
                    raise RuntimeError("torch's run of this program ended without sharing its state_dict")
                time.sleep(0.05)
        with np.load(path) as arrays:
            return module.load_state_dict({k: torch.tensor(arrays[k]) for k in arrays.files})

    def array(self, *shape, seed=0):
        """A float32 tensor of standard normals from NumPy's seeded generator: the same in both runs."""
        return sys.modules['torch'].tensor(np.random.RandomState(seed).standard_normal(shape).astype(np.float32))

    def mnist_arrays(self, train_count, valid_count):
        """What the "nn tutorial" unpickles from mnist.pkl.gz: float32 images flattened to 784 in [0, 1] and
        int64 labels, for training (first samples of MNIST train) and validation (from sample 50000 on)."""
        (xt, yt), (xv, yv) = (mnist_split('mnist', True, count, skip) for count, skip in
                              ((train_count, 0), (valid_count, 50000)))
        flat = lambda x: (x.reshape(len(x), 784) / np.float32(255)).astype(np.float32)  # noqa: E731
        return flat(xt), yt.astype(np.int64), flat(xv), yv.astype(np.int64)


# ---- the runner: one child per program ------------------------------------------------------------------
def _exec_cell(source, label, namespace, display):
    """Run one cell; with display (a notebook cell) print the repr of a final expression that is not None."""
    filename = f'<{label}>'
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    tree = ast.parse(source, filename)
    last = tree.body[-1] if display and tree.body and isinstance(tree.body[-1], ast.Expr) else None
    if last is None:
        exec(compile(tree, filename, 'exec'), namespace)
        return
    exec(compile(ast.Module(tree.body[:-1], type_ignores=[]), filename, 'exec'), namespace)
    value = eval(compile(ast.Expression(last.value), filename, 'eval'), namespace)
    if value is not None:
        print(repr(value))


def _stand_in_for_ipython():
    """The nn tutorial imports IPython's set_trace (commented out where it is called): where IPython is not
    installed, a module that provides the name lets the notebook cell run as it does in a notebook."""
    try:
        import IPython.core.debugger  # noqa: F401
    except ImportError:
        for name in ('IPython', 'IPython.core', 'IPython.core.debugger'):
            sys.modules[name] = types.ModuleType(name)
        sys.modules['IPython.core.debugger'].set_trace = lambda *args, **kwargs: None
        ipython = sys.modules['IPython']   # matplotlib looks at any IPython module it finds: not in a shell
        ipython.get_ipython, ipython.version_info = (lambda: None), (8, 24)


def _run_child(job, lib):
    for fd, path in ((1, job['out']), (2, job['err'])):
        os.dup2(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    os.chdir(job['cwd'])
    main = types.ModuleType('__main__')
    main.__dict__.update(__builtins__=builtins, harness=Harness(lib, job['share'], job['torch_done']))
    sys.modules['__main__'] = main
    sys.modules['torch'].manual_seed(0)   # torch 2.13 seeds its default generator randomly per process
    _stand_in_for_ipython()
    for label, source, display in job['cells']:
        print(CELL_MARK + label, flush=True)
        try:
            _exec_cell(source, label, main.__dict__, display)
        except (Exception, SystemExit) as exc:
            sys.stdout.flush()
            traceback.print_exc()
            print(f'\n{RAISED_MARK}{type(exc).__name__}')
            break
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def serve(lib, jobs_path):
    with open(jobs_path) as fh:
        jobs = json.load(fh)
    if lib == 'autograd':
        alias_autograd_as_torch()
    else:
        import torch  # noqa: F401
        try:
            import torchvision  # noqa: F401
        except Exception:
            install_torchvision_reference()
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot  # noqa: F401  (imported once here, not in every child)
    for job in jobs:
        sys.stdout.flush()
        start = time.time()
        pid = os.fork()
        if pid == 0:
            _run_child(job, lib)
        while os.waitpid(pid, os.WNOHANG) == (0, 0):
            if time.time() - start > job['timeout']:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                with open(job['out'], 'a') as fh:
                    fh.write(f"\n{RAISED_MARK}TimeoutError (killed after {job['timeout']} s)\n")
                break
            time.sleep(0.01)
        with open(job['done'], 'w') as fh:
            fh.write(f'{time.time() - start:.2f}\n')


if __name__ == '__main__':
    serve(sys.argv[1], sys.argv[2])
