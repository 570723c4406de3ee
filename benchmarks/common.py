"""The benchmarks' shared helper: thread setup, MNIST as arrays, the timing loop, reports and profiles.

Import it before NumPy and torch: it reads --threads from the command line and sets OMP_NUM_THREADS,
OPENBLAS_NUM_THREADS and MKL_NUM_THREADS (which only take effect before the BLAS loads), and later
torch.set_num_threads to the same number, so both libraries get the same cores (default 1: on a shared
machine, idle BLAS threads spinning make timings swing by 10x).

Each benchmark hands `compare` two zero-argument callables doing the same work in autograd and in torch;
they run alternately (autograd, torch, autograd, ...) after a warm-up and the medians and their ratio
autograd/torch are reported. `--json PATH` writes every figure with the command, date and machine.
"""
import argparse
import cProfile
import datetime
import gzip
import importlib.util
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time

_pre = argparse.ArgumentParser(add_help=False)
_pre.add_argument('--threads', type=int, default=1)
_pre.add_argument('--malloc', choices=['tuned', 'default'], default='tuned')
_early = _pre.parse_known_args()[0]
THREADS, MALLOC = _early.threads, _early.malloc
for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_var] = str(THREADS)
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

import numpy as np  # noqa: E402

# glibc's malloc thresholds set as a training script sets them (autograd/utils/allocator.py explains why), for
# the whole process: both libraries run under the same allocator. --malloc default keeps glibc's own.
# (loaded from its file: a torch-only child of memory.py must not import autograd)
def _module_from_file(name, *path):
    """A module of this repository run from its file, without importing the package around it."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(REPO, *path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


if MALLOC == 'tuned':
    _allocator = _module_from_file('allocator', 'autograd', 'utils', 'allocator.py')
    MALLOC = 'tuned' if _allocator.set_malloc_thresholds() else 'default (set_malloc_thresholds did not apply)'

# memory.py's child processes set BENCHMARK_ONLY to the one library they measure, so the other one's
# import does not count in their resident memory
ONLY = os.environ.get('BENCHMARK_ONLY')
autograd = torch = None
if ONLY != 'torch':
    import autograd
    import autograd.utils.data  # noqa: F401
if ONLY != 'autograd':
    try:
        import torch
        import torch.utils.data  # noqa: F401
        torch.set_num_threads(THREADS)
    except ImportError:   # autograd's figures alone, without ratios
        torch = None

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def parser(description):
    """An ArgumentParser with the options every benchmark takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument('--device', choices=['cpu', 'cuda'], default='cpu')
    p.add_argument('--threads', type=int, default=1, help='BLAS/OpenMP threads for both libraries (default 1)')
    p.add_argument('--malloc', choices=['tuned', 'default'], default='tuned',
                   help="tuned (default): glibc's malloc thresholds fixed as a training script fixes them "
                        "(autograd.utils.allocator); default: glibc's own, which trim the heap every step")
    p.add_argument('--repeats', type=int, default=5, help='timed runs of each library (medians are reported)')
    p.add_argument('--json', metavar='PATH', help='write the figures here')
    p.add_argument('--profile', action='store_true', help="print cProfile's top 10 functions of autograd's run")
    p.add_argument('--loader', choices=['dataloader', 'index'], default='dataloader',
                   help='batches from DataLoader(TensorDataset) as users write it, or by indexing with a '
                        'permutation in both libraries (only the training step differs)')
    return p


def synchronizer(lib, device):
    """A function that waits for lib's queued GPU work (nothing to wait for on the CPU)."""
    if device != 'cuda':
        return lambda: None
    return autograd.cuda.synchronize if lib is autograd else torch.cuda.synchronize


def check_device(args):
    if args.device == 'cuda' and not autograd.cuda.is_available():
        sys.exit("--device cuda: autograd sees no CUDA device (CuPy and a GPU are needed)")
    if args.device == 'cuda' and torch is not None and not torch.cuda.is_available():
        sys.exit("--device cuda: this torch build has no CUDA; install a CUDA torch to compare on the GPU")


# ---- data -----------------------------------------------------------------------------------------
def data_dir():
    root = os.environ.get('AUTOGRAD_DATA_DIR') or os.path.expanduser(os.path.join('~', '.cache', 'autograd', 'data'))
    for folder in (os.path.join(root, 'mnist'), os.path.join(root, 'MNIST', 'raw'), root):
        if os.path.exists(os.path.join(folder, 'train-images-idx3-ubyte.gz')):
            return folder
    sys.exit(f"MNIST not found under {root} (looked in mnist/, MNIST/raw/ and the folder itself); set "
             "AUTOGRAD_DATA_DIR or run `python -m autograd.examples.mnist` once to download it")


def _read_idx_gz(path):
    """A self-contained IDX reader, so a child process timing torch never imports autograd's loaders."""
    with gzip.open(path, 'rb') as fh:
        raw = fh.read()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_mnist(limit=None):
    """The first `limit` training images as normalised float32 N x 1 x 28 x 28 and int64 labels (NumPy)."""
    folder = data_dir()
    images = _read_idx_gz(os.path.join(folder, 'train-images-idx3-ubyte.gz'))[:limit]
    labels = _read_idx_gz(os.path.join(folder, 'train-labels-idx1-ubyte.gz'))[:limit]
    images = ((images.astype(np.float32) / 255 - MNIST_MEAN) / MNIST_STD)[:, None]
    return images, labels.astype(np.int64)


# ---- the work that several benchmarks time --------------------------------------------------------
def models():
    """autograd/examples/models.py, loaded from its file so that a torch-only process imports no autograd."""
    return _module_from_file('mnist_models', 'autograd', 'examples', 'models.py')


def build_pair(model_name, device='cpu', seed=0):
    """The same model in autograd and torch, with identical initial weights (autograd's, copied)."""
    autograd.manual_seed(seed)
    ours = models().build(model_name, autograd.nn)
    theirs = None
    if torch is not None:
        theirs = models().build(model_name, torch.nn)
        theirs.load_state_dict({k: torch.from_numpy(np.array(v.array)) for k, v in ours.state_dict().items()})
        theirs.to(device)
    return ours.to(device), theirs


def epoch_runner(lib, model, images, labels, batch_size, lr, device='cpu', seed=0, loader='dataloader'):
    """A function that trains `model` (a lib model) for one epoch as user code does: shuffled batches,
    CrossEntropyLoss, SGD with momentum 0.9, zero_grad/backward/step. loader='dataloader' draws the
    batches with lib's DataLoader over a TensorDataset (torch's fetches and stacks sample by sample,
    autograd's cuts whole batches); loader='index' indexes the tensors with a random permutation in both
    libraries, so that only the training step differs."""
    x, y = lib.from_numpy(images).to(device), lib.from_numpy(labels).to(device)
    generator = lib.Generator().manual_seed(seed)
    if loader == 'dataloader':
        batches = lib.utils.data.DataLoader(lib.utils.data.TensorDataset(x, y), batch_size=batch_size,
                                            shuffle=True, generator=generator)
    else:
        def batches():
            order = lib.randperm(len(y), generator=generator).to(device)
            for i in range(0, len(y), batch_size):
                idx = order[i:i + batch_size]
                yield x[idx], y[idx]
    optimizer = lib.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()
    sync = synchronizer(lib, device)

    def epoch():
        model.train()
        for inputs, targets in (batches if loader == 'dataloader' else batches()):
            loss = loss_fn(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        sync()
    return epoch


# ---- timing and reporting -------------------------------------------------------------------------
def compare(name, ours, theirs, repeats, per=1, unit='s', target=None, profile=False):
    """Medians over `repeats` alternating runs of ours() and theirs() (after one warm-up each), divided
    by `per` (e.g. seconds per op); theirs may be None (no torch)."""
    ours()
    if theirs is not None:
        theirs()
    runs = {'autograd': [], 'torch': []}
    for _ in range(repeats):
        for label, fn in (('autograd', ours), ('torch', theirs)):
            if fn is not None:
                start = time.perf_counter()
                fn()
                runs[label].append((time.perf_counter() - start) / per)
    result = {'name': name, 'unit': unit, 'target': target, 'repeats': repeats}
    for label in runs:
        result[label] = statistics.median(runs[label]) if runs[label] else None
        result[label + '_min'] = min(runs[label]) if runs[label] else None
        result[label + '_runs'] = runs[label]
    result['ratio'] = result['autograd'] / result['torch'] if result['torch'] else None
    # on a shared machine other processes only ever add time: the ratio of the fastest runs is the steadier one
    result['ratio_of_min'] = result['autograd_min'] / result['torch_min'] if result['torch'] else None
    scale = {'s': 1, 'ms': 1e3, 'us': 1e6}[unit]
    ratio = f"{result['ratio']:6.2f}x {result['ratio_of_min']:6.2f}x" if result['ratio'] else '      -'
    goal = f"  (target <= {target}x)" if target else ''
    theirs_text = f"{result['torch'] * scale:10.3f}" if result['torch'] else '         -'
    print(f"{name:34s} {result['autograd'] * scale:10.3f} {theirs_text} {unit:>3s} {ratio}{goal}", flush=True)
    if profile:
        result['profile'] = profile_top(ours)
        print(result['profile'])
    return result


def header():
    print(f"{'case':34s} {'autograd':>10s} {'torch':>10s}        ratio  of min  "
          f"(medians of alternating runs; {THREADS} thread{'s' * (THREADS > 1)} each)")


def profile_top(fn, top=10):
    """cProfile of one call of fn: the `top` functions by own time (tottime), as text."""
    profiler = cProfile.Profile()
    profiler.runcall(fn)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats('tottime').print_stats(top)
    text = out.getvalue()
    return text[text.index('   ncalls'):].rstrip() if '   ncalls' in text else text


def machine():
    cpu = platform.processor()
    try:
        with open('/proc/cpuinfo') as fh:
            cpu = next(line.split(':', 1)[1].strip() for line in fh if line.startswith('model name'))
    except (OSError, StopIteration):
        pass
    return {'cpu': cpu, 'cores': os.cpu_count(), 'threads': THREADS, 'malloc': MALLOC, 'python': platform.python_version(),
            'numpy': np.__version__, 'torch': torch.__version__ if torch else None}


def finish(benchmark, results, args):
    """Write the JSON report when --json was given."""
    if not args.json:
        return
    try:
        commit = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=REPO, capture_output=True,
                                text=True).stdout.strip() or None
    except OSError:
        commit = None
    report = {'benchmark': benchmark, 'command': 'python ' + ' '.join(sys.argv), 'commit': commit,
              'date': datetime.datetime.now().astimezone().isoformat(timespec='seconds'),
              'device': args.device, 'machine': machine(), 'results': results}
    folder = os.path.dirname(os.path.abspath(args.json))
    os.makedirs(folder, exist_ok=True)
    tmp = args.json + '.tmp'
    with open(tmp, 'w') as fh:
        json.dump(report, fh, indent=2)
    os.replace(tmp, args.json)
    print(f"wrote {args.json}")
