"""Train a network on MNIST or Fashion-MNIST with autograd, as a user would with torch.

    python -m autograd.examples.mnist --model cnn --epochs 10
    python -m autograd.examples.mnist --dataset fashion --model mlp --optimizer sgd --lr 0.05
    mpiexec -n 2 python -m autograd.examples.mnist --distributed    # data-parallel over 2 processes

Data come from --data, else $AUTOGRAD_DATA_DIR, else ~/.cache/autograd/data (a folder holding mnist/ and
fashion-mnist/, or torchvision's MNIST/raw layout), downloaded there when missing. After every epoch the
run folder (--out) gets checkpoint.pt (model, optimizer, LR schedule, epoch, history, RNG states;
--resume continues from it exactly), curves.png and summary.json (accuracy, seconds per epoch, peak RSS).
checkpoint.pt is in torch's format: torch.load(path, weights_only=True)['model'] loads into the torch model.
--export-onnx PATH also writes the trained model as ONNX, to open in Netron or run in onnxruntime.
"""
import argparse
import io
import json
import os
import resource
import sys
import textwrap
import time

from tqdm import tqdm

import autograd
import autograd.nn as nn
import autograd.optim as optim
from autograd.examples.models import MODELS, build
from autograd.utils.allocator import set_malloc_thresholds
from autograd.utils.data import DataLoader, TensorDataset
from autograd.vision import datasets

DATASETS = {'mnist': (datasets.MNIST, 0.1307, 0.3081), 'fashion': (datasets.FashionMNIST, 0.2860, 0.3530)}
DEFAULT_LR = {'sgd': 0.05, 'adam': 1e-3}


class Stop(Exception):
    """A problem the user can fix (missing data, bad option): printed as one paragraph, exit code 2."""


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog='python -m autograd.examples.mnist', description=__doc__.split('\n')[0])
    p.add_argument('--dataset', choices=DATASETS, default='mnist')
    p.add_argument('--model', choices=MODELS, default='cnn', help='mlp: 784-512-512-10; cnn (= lenet): a LeNet-style 2-conv net; seed_cnn: the 3-conv net of '
                   'the seed tutorial')
    p.add_argument('--epochs', type=int, default=10, help='total epochs, counting those of a resumed run')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--optimizer', choices=DEFAULT_LR, default='adam')
    p.add_argument('--lr', type=float, default=None, help='default: 0.05 for sgd (momentum 0.9), 1e-3 for adam')
    p.add_argument('--gamma', type=float, default=0.7, help='learning rate factor per epoch (StepLR); 1 keeps it')
    p.add_argument('--device', default='cpu', help='cpu or cuda')
    p.add_argument('--data', default=None, help='default: $AUTOGRAD_DATA_DIR, else ~/.cache/autograd/data')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--out', default=None, help='run folder; default ./runs/<dataset>-<model>')
    p.add_argument('--resume', default=None, metavar='CHECKPOINT', help='continue from a checkpoint.pt')
    p.add_argument('--limit', type=int, default=None, metavar='N', help='train on the first N images only')
    p.add_argument('--export-onnx', default=None, metavar='PATH',
                   help='after training, write the model as ONNX (dynamic batch) to PATH; view it with netron PATH')
    p.add_argument('--distributed', action='store_true',
                   help='data-parallel under mpiexec: --batch-size is the global batch, split across the ranks')
    p.add_argument('--graph', default=None, metavar='PATH', help='draw the training graph of one batch to PATH '
                   '(.svg or .png) and exit')
    p.add_argument('--profile', type=int, nargs='?', const=5, default=None, metavar='STEPS',
                   help='profile STEPS training steps (default 5), print the table and exit')
    args = p.parse_args(argv)
    args.lr = DEFAULT_LR[args.optimizer] if args.lr is None else args.lr
    args.data = args.data or os.environ.get('AUTOGRAD_DATA_DIR') or os.path.join('~', '.cache', 'autograd', 'data')
    args.data = os.path.abspath(os.path.expanduser(args.data))
    args.out = args.out or os.path.join('runs', f'{args.dataset}-{args.model}')
    return args


# ---- data -----------------------------------------------------------------------------------------
def load_split(dataset_class, root, train):
    """The split, read from root or downloaded into root/<Class>/raw; Stop if neither works. A failed
    download leaves nothing behind: the dataset writes through temporary files, and the folders this
    function made for it are removed again."""
    try:
        return dataset_class(root, train=train)
    except RuntimeError:
        pass
    raw = os.path.join(root, dataset_class.__name__, 'raw')
    new_folders = [f for f in (raw, os.path.dirname(raw), root) if not os.path.isdir(f)]
    try:
        return dataset_class(root, train=train, download=True)
    except (RuntimeError, OSError) as exc:
        for folder in new_folders:   # deepest first; rmdir refuses a folder that is not empty
            try:
                os.rmdir(folder)
            except OSError:
                pass
        reason = str(exc).splitlines()[1].strip() if '\n' in str(exc) else str(exc)
        name, alias = dataset_class.__name__, dataset_class.folder_alias
        files = [f for f, _ in dataset_class.resources]
        raise Stop(f"{name} data not found and not downloadable. Looked for {files[0]} and {files[1]} (also "
                   f"uncompressed) in {raw}, {os.path.join(root, alias)} and {root}; the download failed "
                   f"({reason}). To provide the data, copy the four files {', '.join(files)} from "
                   f"{dataset_class.mirrors[0]} into {os.path.join(root, alias)}, or point --data (or the "
                   f"AUTOGRAD_DATA_DIR environment variable) at a folder holding {alias}/ or {name}/raw/, "
                   "then run this command again.") from None


def as_tensors(split, mean, std, device, limit=None):
    """uint8 images -> normalised float32 N x 1 x 28 x 28 and int64 labels, converted once, on device."""
    images, labels = split.data[:limit], split.targets[:limit]
    images = ((images.float() / 255 - mean) / std).unsqueeze(1)
    return images.to(device), labels.to(device)


# ---- training -------------------------------------------------------------------------------------
def train_epoch(model, loader, optimizer, loss_fn, bar, world=1):
    """Mean training loss of the epoch (over all ranks' images when distributed)."""
    model.train()
    total, seen = 0.0, 0
    for images, labels in loader:
        loss = loss_fn(model(images), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total, seen = total + loss.item() * len(labels), seen + len(labels)
        bar.update(len(labels) * world)
        bar.set_postfix(loss=f'{total / seen:.4f}', refresh=False)
    if world > 1:
        sums = autograd.tensor([total, seen], dtype=autograd.float64)
        autograd.distributed.all_reduce(sums)
        total, seen = sums.tolist()
    return total / seen


def evaluate(model, images, labels, batch_size=1000):
    """(mean cross-entropy, accuracy) over the whole set, without building a graph."""
    model.eval()
    loss_sum, total, correct = nn.CrossEntropyLoss(reduction='sum'), 0.0, 0
    with autograd.no_grad():
        for i in range(0, len(labels), batch_size):
            logits, y = model(images[i:i + batch_size]), labels[i:i + batch_size]
            total += loss_sum(logits, y).item()
            correct += (logits.argmax(1) == y).sum().item()
    return total / len(labels), correct / len(labels)


# ---- outputs --------------------------------------------------------------------------------------
def write_atomically(path, data):
    """bytes -> path through a temporary file in the same folder, so path is never half-written."""
    tmp = f'{path}.{os.getpid()}.tmp'
    try:
        with open(tmp, 'wb') as fh:
            fh.write(data)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def plot_curves(history, title):
    """PNG bytes of the loss and accuracy curves."""
    import matplotlib
    matplotlib.use('Agg')   # files only: no display needed
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = history['epoch']
    left.plot(epochs, history['train_loss'], 'o-', label='train')
    left.plot(epochs, history['test_loss'], 'o-', label='test')
    left.set(xlabel='epoch', ylabel='cross-entropy', title='loss')
    left.legend()
    right.plot(epochs, [100 * a for a in history['test_accuracy']], 'o-', color='C2')
    right.set(xlabel='epoch', ylabel='%', title='test accuracy')
    for ax in (left, right):
        ax.grid(alpha=0.3)
    fig.suptitle(title)
    buffer = io.BytesIO()
    fig.savefig(buffer, format='png', dpi=100, bbox_inches='tight')
    plt.close(fig)
    return buffer.getvalue()


def progress_bar(total, desc, show=True):
    """A tqdm bar counting images (so its rate is images/s); hidden when stderr is not a terminal."""
    return tqdm(total=total, desc=desc, unit='img', unit_scale=True, leave=False, disable=None if show else True)


def start_distributed(args):
    """(rank, world size) of this process; with --distributed, join the MPI group and split the batch."""
    if not args.distributed:
        return 0, 1
    import autograd.distributed as dist
    try:
        dist.init_process_group('mpi')
    except RuntimeError as error:
        raise Stop(f"--distributed: {error}") from None
    rank, world = dist.get_rank(), dist.get_world_size()
    if args.batch_size % world:
        raise Stop(f"--batch-size {args.batch_size} is the global batch and must split evenly over the {world} "
                   f"processes; pass a multiple of {world}.")
    return rank, world


# ---- the run --------------------------------------------------------------------------------------
def run(args):
    # keep the memory one batch frees for the next instead of handing it back to the kernel (a process-wide
    # glibc setting, which is why the library leaves it to scripts like this one: autograd/utils/allocator.py)
    set_malloc_thresholds()
    if args.device.startswith('cuda') and not autograd.cuda.is_available():
        raise Stop(f"--device {args.device} needs CuPy and a CUDA GPU, and CUDA is not usable here: "
                   f"{autograd.backend._check()}; or run with --device cpu.")
    dataset_class, mean, std = DATASETS[args.dataset]
    train_x, train_y = as_tensors(load_split(dataset_class, args.data, True), mean, std, args.device, args.limit)
    test_x, test_y = as_tensors(load_split(dataset_class, args.data, False), mean, std, args.device)

    rank, world = start_distributed(args)
    say = print if rank == 0 else (lambda *a, **k: None)   # rank 0 alone prints and writes
    autograd.manual_seed(args.seed)
    generator = autograd.Generator().manual_seed(args.seed)
    model = build(args.model, nn).to(args.device)
    optimizer = (optim.SGD(model.parameters(), lr=args.lr, momentum=0.9) if args.optimizer == 'sgd'
                 else optim.Adam(model.parameters(), lr=args.lr))
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=args.gamma)
    history = {'epoch': [], 'train_loss': [], 'test_loss': [], 'test_accuracy': [], 'seconds': []}
    start = 1
    if args.resume:
        if not os.path.isfile(args.resume):
            raise Stop(f"--resume {args.resume}: no such checkpoint file.")
        state = autograd.load(args.resume, map_location=args.device)
        if state['model_name'] != args.model:
            raise Stop(f"{args.resume} holds a {state['model_name']!r} model, not {args.model!r}; "
                       f"pass --model {state['model_name']}.")
        model.load_state_dict(state['model'])
        optimizer.load_state_dict(state['optimizer'])
        scheduler.load_state_dict(state['scheduler'])
        generator.set_state(state['generator'])
        autograd.set_rng_state(state['rng'])
        history, start = state['history'], state['epoch'] + 1
        say(f"resumed from {args.resume} after epoch {state['epoch']}")

    os.makedirs(args.out, exist_ok=True)
    trained, sampler = model, None
    if world > 1:   # each rank a share of every global batch; gradients averaged during backward
        from autograd.nn.parallel import DistributedDataParallel
        from autograd.utils.data.distributed import DistributedSampler
        trained = DistributedDataParallel(model)
        sampler = DistributedSampler(TensorDataset(train_x, train_y), world, rank, shuffle=True, seed=args.seed)
        loader = DataLoader(TensorDataset(train_x, train_y), batch_size=args.batch_size // world, sampler=sampler)
    else:
        loader = DataLoader(TensorDataset(train_x, train_y), batch_size=args.batch_size, shuffle=True,
                            generator=generator)
    loss_fn = nn.CrossEntropyLoss()
    if args.graph or args.profile:   # look inside one step instead of training (inspect_run.py)
        from . import inspect_run
        if args.graph:
            inspect_run.draw_graph(args.graph, model, loader, loss_fn)
        if args.profile:
            inspect_run.profile_steps(args.profile, model, optimizer, loader, loss_fn)
        return None
    say(f"{args.dataset}: {len(train_y)} training and {len(test_y)} test images; model {args.model} "
          f"({sum(p.numel() for p in model.parameters()):,} parameters), {args.optimizer} lr={args.lr} "
          f"(x{args.gamma} per epoch), "
          f"batch {args.batch_size}, device {args.device}" + (f", {world} processes" if world > 1 else ""))
    for epoch in range(start, args.epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)
        bar = progress_bar(len(train_y), f'epoch {epoch}/{args.epochs}', show=rank == 0)
        began = time.perf_counter()
        train_loss = train_epoch(trained, loader, optimizer, loss_fn, bar, world)
        seconds = time.perf_counter() - began
        bar.close()
        scheduler.step()
        test_loss, accuracy = evaluate(model, test_x, test_y)
        for key, value in zip(history, (epoch, train_loss, test_loss, accuracy, seconds)):
            history[key].append(value)
        say(f"epoch {epoch}/{args.epochs}: train loss {train_loss:.4f}, test loss {test_loss:.4f}, "
            f"test accuracy {100 * accuracy:.2f}% ({seconds:.1f} s, {len(train_y) / seconds:,.0f} img/s)")
        if rank != 0:
            continue
        autograd.save({'model': model.state_dict(), 'optimizer': optimizer.state_dict(),
                       'scheduler': scheduler.state_dict(), 'epoch': epoch,
                       'history': history, 'model_name': args.model, 'generator': generator.get_state(),
                       'rng': autograd.get_rng_state()}, os.path.join(args.out, 'checkpoint.pt'))
    if world > 1:
        autograd.distributed.destroy_process_group()
        if rank != 0:
            return None
    if args.export_onnx:
        export_onnx(model, test_x[:1], args.export_onnx)
    return write_outputs(args, history)


def export_onnx(model, example, path):
    """The trained model as ONNX: input (batch, 1, 28, 28) -> logits (batch, 10), batch dynamic."""
    try:
        autograd.onnx.export(model, (example,), path, input_names=['input'], output_names=['logits'],
                             dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    except ImportError as exc:
        raise Stop(f"--export-onnx needs the onnx package: {exc}") from None
    print(f"wrote {path} (open it with: pip install netron; netron {path})")


def write_outputs(args, history):
    peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux reports KiB
    png = plot_curves(history, f'{args.dataset} {args.model}, {args.optimizer} lr={args.lr} x{args.gamma}/epoch')
    write_atomically(os.path.join(args.out, 'curves.png'), png)
    summary = {'dataset': args.dataset, 'model': args.model, 'epochs': len(history['epoch']),
               'final_test_accuracy': history['test_accuracy'][-1] if history['epoch'] else None,
               'final_test_loss': history['test_loss'][-1] if history['epoch'] else None,
               'seconds_per_epoch': history['seconds'], 'peak_rss_mib': round(peak_rss_mib, 1),
               'history': history, 'args': vars(args)}
    write_atomically(os.path.join(args.out, 'summary.json'), json.dumps(summary, indent=2).encode())
    print(f"wrote {os.path.join(args.out, 'checkpoint.pt')}, curves.png and summary.json; "
          f"peak memory {summary['peak_rss_mib']:.0f} MiB")
    return summary


def main(argv=None):
    args = parse_args(argv)
    try:
        return run(args)
    except Stop as stop:
        print(textwrap.fill(f"error: {stop}", width=100, break_long_words=False, break_on_hyphens=False),
              file=sys.stderr)
        raise SystemExit(2) from None


if __name__ == '__main__':
    main()
