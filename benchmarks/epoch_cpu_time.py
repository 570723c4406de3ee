"""CPU time (time.process_time) of one training epoch per batch, autograd against torch in one process, for the
MNIST models of cnn_epoch.py / mlp_epoch.py. On a shared machine wall-clock ratios swing by +-0.15 between
identical runs (other processes' waits land on either library); CPU time swings less. Same epoch as the other
scripts (common.epoch_runner: DataLoader, CrossEntropyLoss, SGD with momentum), alternating runs after a
warm-up; prints medians, minimums, their ratios and the minor page faults per batch.

    python benchmarks/epoch_cpu_time.py [--model lenet|seed_cnn|mlp] [--limit 5000] [--repeats 5]
"""
import common  # first: sets the thread count before NumPy loads

import resource
import statistics
import time

import autograd
from common import torch

LEARNING_RATES = {'lenet': 0.01, 'seed_cnn': 0.1, 'mlp': 0.01}


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--model', choices=LEARNING_RATES, default='lenet')
    p.add_argument('--limit', type=int, default=5000)
    p.add_argument('--batch-size', type=int, default=64)
    args = p.parse_args()
    images, labels = common.load_mnist(args.limit)
    ours, theirs = common.build_pair(args.model)
    runs = [common.epoch_runner(lib, model, images, labels, args.batch_size, LEARNING_RATES[args.model])
            for lib, model in ((autograd, ours), (torch, theirs))]
    for run in runs:
        run()
    cpu, faults = ([], []), ([], [])
    for _ in range(args.repeats):
        for i, run in enumerate(runs):
            before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
            start = time.process_time()
            run()
            cpu[i].append(time.process_time() - start)
            faults[i].append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    batches = -(-len(labels) // args.batch_size)
    med = [statistics.median(c) * 1e3 / batches for c in cpu]
    low = [min(c) * 1e3 / batches for c in cpu]
    print(f"{args.model} epoch, batch {args.batch_size}, CPU ms per batch: autograd {med[0]:.2f} (min {low[0]:.2f}), "
          f"torch {med[1]:.2f} (min {low[1]:.2f}); ratio {med[0] / med[1]:.3f}, of min {low[0] / low[1]:.3f}; "
          f"page faults per batch {statistics.median(faults[0]) / batches:.0f} / "
          f"{statistics.median(faults[1]) / batches:.0f}")


if __name__ == '__main__':
    main()
