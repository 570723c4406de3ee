"""Data-parallel scaling: MLP training throughput with 1 and 2 MPI processes (1 BLAS thread each).

    python benchmarks/ddp_scaling.py [--limit 6400] [--batch-size 64] [--repeats 3] [--json PATH]

Launches itself under `mpiexec -n 1` and `mpiexec -n 2`. Each process trains the 784-512-512-10 MLP on its
share of the images (batch --batch-size per process, so 2 processes do twice the work per step) for one epoch,
--repeats times; the median epoch gives images/s. Efficiency = throughput(2) / (2 x throughput(1)).
Three ways of averaging gradients are timed at 2 processes:
  ddp      DistributedDataParallel: buckets all-reduced without blocking as backward produces them;
  after    the same average as one blocking all-reduce of all gradients after backward (no overlap);
  none     no communication at all (the ceiling: what 2 processes do when they need not talk).
"""
import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def worker(args):
    os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
    sys.path.insert(0, REPO)
    import numpy as np
    import autograd
    import autograd.distributed as dist
    from autograd import nn
    from autograd.examples.models import build
    from autograd.nn.parallel import DistributedDataParallel
    dist.init_process_group('mpi')
    rank, world = dist.get_rank(), dist.get_world_size()
    rng = np.random.default_rng(rank)
    images = rng.standard_normal((args.limit, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, args.limit)
    autograd.manual_seed(0)
    model = build('mlp', nn)
    trained = DistributedDataParallel(model) if args.mode == 'ddp' and world > 1 else model
    optimizer = autograd.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    params = list(model.parameters())
    steps = args.limit // args.batch_size

    def epoch():
        for i in range(steps):
            sl = slice(i * args.batch_size, (i + 1) * args.batch_size)
            loss = loss_fn(trained(autograd.from_numpy(images[sl])), autograd.from_numpy(labels[sl]))
            optimizer.zero_grad()
            loss.backward()
            if args.mode == 'after' and world > 1:   # one blocking all-reduce once backward is over
                flat = autograd.cat([p.grad.reshape(-1) for p in params])
                dist.all_reduce(flat)
                flat /= world
                offset = 0
                for p in params:
                    p.grad.copy_(flat[offset:offset + p.numel()].reshape(p.shape))
                    offset += p.numel()
            optimizer.step()

    epoch()   # warm-up
    times = []
    for _ in range(args.repeats):
        dist.barrier()
        began = time.perf_counter()
        epoch()
        dist.barrier()
        times.append(time.perf_counter() - began)
    if rank == 0:
        print(json.dumps({'world': world, 'mode': args.mode, 'seconds': statistics.median(times),
                          'images_per_s': world * steps * args.batch_size / statistics.median(times)}))
    dist.destroy_process_group()


def launch(n, mode, args):
    env = dict(os.environ, OPENBLAS_NUM_THREADS='1', OMP_NUM_THREADS='1', MKL_NUM_THREADS='1')
    cmd = [shutil.which('mpiexec'), '-n', str(n), sys.executable, os.path.abspath(__file__), '--worker',
           '--mode', mode, '--limit', str(args.limit), '--batch-size', str(args.batch_size),
           '--repeats', str(args.repeats)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1800)
    if out.returncode:
        raise SystemExit(out.stdout + out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--limit', type=int, default=6400, help='images per process and epoch')
    p.add_argument('--batch-size', type=int, default=64, help='batch per process')
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--json', metavar='PATH')
    p.add_argument('--worker', action='store_true', help=argparse.SUPPRESS)
    p.add_argument('--mode', default='ddp', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    one = launch(1, 'ddp', args)
    rows = {mode: launch(2, mode, args) for mode in ('ddp', 'after', 'none')}
    print(f"MLP epoch, {args.limit} images and batch {args.batch_size} per process, 1 BLAS thread each")
    print(f"{'processes':>10} {'averaging':>10} {'images/s':>10} {'efficiency':>11}")
    print(f"{1:>10} {'-':>10} {one['images_per_s']:>10.0f} {'1.00':>11}")
    for mode, row in rows.items():
        print(f"{2:>10} {mode:>10} {row['images_per_s']:>10.0f} {row['images_per_s'] / (2 * one['images_per_s']):>11.2f}")
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({'benchmark': 'ddp_scaling', 'command': ' '.join(sys.argv), 'one': one, 'two': rows,
                       'date': time.strftime('%Y-%m-%d %H:%M:%S'), 'processor': _processor()}, f, indent=2)


def _processor():
    try:
        with open('/proc/cpuinfo') as f:
            return next(line.split(':', 1)[1].strip() for line in f if line.startswith('model name'))
    except (OSError, StopIteration):
        return 'unknown'


if __name__ == '__main__':
    main()
