"""One training epoch of the seeds' MLP (784-512-512-10, ReLU) on MNIST, SGD with momentum 0.9, batch 64
and 256, in autograd and torch from the same initial weights. Target: ratio autograd/torch <= 1.0.

    python benchmarks/mlp_epoch.py [--limit 10000] [--repeats 5] [--json benchmarks/results/mlp_epoch.json]
"""
import common  # first: sets the thread count before NumPy loads

import autograd
from common import torch


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--limit', type=int, default=None, help='train on the first N images (default: all 60,000)')
    p.add_argument('--batch-sizes', type=int, nargs='+', default=[64, 256])
    args = p.parse_args()
    common.check_device(args)
    images, labels = common.load_mnist(args.limit)
    common.header()
    results = []
    for batch_size in args.batch_sizes:
        ours, theirs = common.build_pair('mlp', args.device)
        run_ours = common.epoch_runner(autograd, ours, images, labels, batch_size, 0.01, args.device)
        run_theirs = (common.epoch_runner(torch, theirs, images, labels, batch_size, 0.01, args.device)
                      if torch else None)
        results.append(common.compare(f'mlp epoch, batch {batch_size} ({len(labels)} img)', run_ours, run_theirs,
                                      args.repeats, target=1.0, profile=args.profile))
    common.finish('mlp_epoch', results, args)


if __name__ == '__main__':
    main()
