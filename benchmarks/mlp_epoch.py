"""One training epoch of the seeds' MLP (784-512-512-10, ReLU) on MNIST, SGD with momentum 0.9, batch 64
and 256, in autograd and torch from the same initial weights. Target: ratio autograd/torch <= 1.0.

    python benchmarks/mlp_epoch.py [--limit 10000] [--repeats 5] [--loader index]
                                   [--json benchmarks/results/mlp_epoch.json]
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
        run = [common.epoch_runner(lib, model, images, labels, batch_size, 0.01, args.device, loader=args.loader)
               if model is not None else None for lib, model in ((autograd, ours), (torch, theirs))]
        name = f'mlp epoch, batch {batch_size}, {args.loader}'
        results.append(common.compare(name, *run, args.repeats, target=1.0, profile=args.profile))
    common.finish('mlp_epoch', results, args)


if __name__ == '__main__':
    main()
