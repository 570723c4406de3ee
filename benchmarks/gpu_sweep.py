"""MLP training-step time against batch size, 64 to 8192: autograd on the CPU, autograd on the GPU, and torch
on CUDA as the reference; shows where the GPU overtakes the CPU.

    python benchmarks/gpu_sweep.py [--batch-sizes 64 256 1024 4096 8192] [--steps 10] [--repeats 3]
                                   [--json benchmarks/results/gpu_sweep.json]

A step is what a training loop does per batch: forward through the seeds' MLP (784-512-512-10, ReLU),
cross-entropy, zero_grad, backward, SGD with momentum 0.9. Inputs are random MNIST-shaped batches already on
each device (step time does not depend on the values). Each timed run is `--steps` steps followed by a
synchronize, so queued GPU work is counted; medians over `--repeats` runs after one warm-up run.
Needs CuPy and an NVIDIA GPU (exits saying so otherwise); the torch column needs a CUDA build of torch.
"""
import common  # first: sets the thread count before NumPy loads

import statistics
import sys
import time

import numpy as np

import autograd
from common import torch


def step_runner(lib, device, batch_size, steps, seed=0):
    """A function running `steps` training steps of a fresh MLP on one fixed batch, then waiting for the device."""
    rng = np.random.default_rng(seed)
    images = rng.standard_normal((batch_size, 1, 28, 28)).astype(np.float32)
    labels = rng.integers(0, 10, batch_size)
    lib.manual_seed(seed)
    model = common.models().build('mlp', lib.nn).to(device)
    x, y = lib.from_numpy(images).to(device), lib.from_numpy(labels).to(device)
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lib.nn.CrossEntropyLoss()
    sync = common.synchronizer(lib, 'cuda' if str(device).startswith('cuda') else 'cpu')

    def run():
        for _ in range(steps):
            loss = loss_fn(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        sync()
    return run


def median_seconds(run, repeats):
    run()   # warm-up: kernel compilation, memory pool, BLAS start-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main(argv=None):
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--batch-sizes', type=int, nargs='+', default=[64, 128, 256, 512, 1024, 2048, 4096, 8192])
    p.add_argument('--steps', type=int, default=10, help='training steps per timed run')
    p.set_defaults(repeats=3, device='cuda')
    args = p.parse_args(argv)
    if not autograd.cuda.is_available():
        sys.exit("gpu_sweep.py compares the CPU with a GPU, and autograd sees no CUDA device here "
                 f"({autograd.backend._cupy_problem}). Run it on a machine with an NVIDIA GPU and CuPy.")
    with_torch = torch is not None and torch.cuda.is_available()
    gpu = autograd.cuda.get_device_name()
    print(f"MLP step time (ms) on {gpu}; torch CUDA {'included' if with_torch else 'not available'}")
    print(f"{'batch':>6s} {'cpu':>10s} {'gpu':>10s} {'torch cuda':>11s} {'cpu/gpu':>8s} {'gpu/torch':>10s}")
    results = []
    for batch in args.batch_sizes:
        per_step = {}
        for label, lib, device in (('autograd_cpu', autograd, 'cpu'), ('autograd_gpu', autograd, 'cuda'),
                                   ('torch_cuda', torch if with_torch else None, 'cuda')):
            if lib is not None:
                per_step[label] = median_seconds(step_runner(lib, device, batch, args.steps), args.repeats) / args.steps
        cpu, ours, theirs = per_step['autograd_cpu'], per_step['autograd_gpu'], per_step.get('torch_cuda')
        row = {'batch_size': batch, 'unit': 's per step', **per_step, 'cpu_over_gpu': cpu / ours,
               'gpu_over_torch_cuda': ours / theirs if theirs else None}
        results.append(row)
        theirs_text = f"{theirs * 1e3:11.3f}" if theirs else f"{'-':>11s}"
        ratio_text = f"{row['gpu_over_torch_cuda']:10.2f}" if theirs else f"{'-':>10s}"
        print(f"{batch:6d} {cpu * 1e3:10.3f} {ours * 1e3:10.3f} {theirs_text} {row['cpu_over_gpu']:8.2f} {ratio_text}",
              flush=True)
    args.device = f'cuda ({gpu})'
    common.finish('gpu_sweep', results, args)
    return results


if __name__ == '__main__':
    main()
