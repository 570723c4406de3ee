"""One training epoch of two MNIST CNNs, batch 64, SGD with momentum 0.9, in autograd and torch from the
same initial weights: the seeds' three stride-2 3x3 convolutions + avg_pool2d(4), and a LeNet (two 5x5
convolutions with 2x2 max pooling, fc128, fc10). Targets (issue 16): ratio autograd/torch <= 1.1 (seed CNN),
<= 1.2 (LeNet). Both libraries run under the malloc thresholds a training script sets (common.py's --malloc).

    python benchmarks/cnn_epoch.py [--limit 10000] [--loader index] [--models seed_cnn lenet]
                                   [--json benchmarks/results/cnn_epoch.json]
"""
import common  # first: sets the thread count before NumPy loads

import autograd
from common import torch

LEARNING_RATES = {'seed_cnn': 0.1, 'lenet': 0.01}
TARGETS = {'seed_cnn': 1.1, 'lenet': 1.2}


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--limit', type=int, default=None, help='train on the first N images (default: all 60,000)')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--models', nargs='+', choices=LEARNING_RATES, default=list(LEARNING_RATES))
    args = p.parse_args()
    common.check_device(args)
    images, labels = common.load_mnist(args.limit)
    common.header()
    results = []
    for name in args.models:
        ours, theirs = common.build_pair(name, args.device)
        run = [common.epoch_runner(lib, model, images, labels, args.batch_size, LEARNING_RATES[name], args.device,
                                   loader=args.loader) if model is not None else None
               for lib, model in ((autograd, ours), (torch, theirs))]
        results.append(common.compare(f'{name} epoch, batch {args.batch_size}, {args.loader}', *run, args.repeats,
                                      target=TARGETS[name], profile=args.profile))
    common.finish('cnn_epoch', results, args)


if __name__ == '__main__':
    main()
