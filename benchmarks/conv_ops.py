"""Forward + backward of single convolution, pooling and loss ops, autograd vs torch, on the shapes of the
MNIST CNNs (batch 64): the seeds' stride-2 CNN, the LeNet, plus a wider 3x3 layer. Each case is
forward, then backward of sum(output * fixed weights) into the input (except first layers), weight and bias.

    python benchmarks/conv_ops.py [--repeats 20] [--json benchmarks/results/conv_ops.json]
"""
import common  # first: sets the thread count before NumPy loads

import numpy as np

import autograd
from autograd.ops import conv as C, loss as L, pooling as P
from common import torch

# name, input shape, conv weight shape, options, whether the input needs a gradient (not for first layers)
CONVS = [
    ('seed_cnn conv1 1->16 s2', (64, 1, 28, 28), (16, 1, 3, 3), dict(stride=2, padding=1), False),
    ('seed_cnn conv2 16->16 s2', (64, 16, 14, 14), (16, 16, 3, 3), dict(stride=2, padding=1), True),
    ('seed_cnn conv3 16->10 s2', (64, 16, 7, 7), (10, 16, 3, 3), dict(stride=2, padding=1), True),
    ('lenet conv1 1->16 5x5', (64, 1, 28, 28), (16, 1, 5, 5), {}, False),
    ('lenet conv2 16->32 5x5', (64, 16, 12, 12), (32, 16, 5, 5), {}, True),
    ('3x3 32->64 pad 1 on 28x28', (64, 32, 28, 28), (64, 32, 3, 3), dict(padding=1), True),
]
POOLS = [('max_pool2d 2 on 16x24x24', (64, 16, 24, 24), 'max_pool2d', (2,)),
         ('max_pool2d 3 s2 p1 on 32x28x28', (64, 32, 28, 28), 'max_pool2d', (3, 2, 1)),
         ('avg_pool2d 4 on 10x4x4', (64, 10, 4, 4), 'avg_pool2d', (4,))]


def tensors(lib, arrays, grads):
    return [lib.tensor(a, requires_grad=g) for a, g in zip(arrays, grads)]


def step(lib, fn, arrays, grads, weights):
    """One forward + backward of sum(fn(*inputs) * weights)."""
    def run():
        inputs = tensors(lib, arrays, grads)
        (fn(*inputs) * weights).sum().backward()
    return run


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.set_defaults(repeats=20)
    args = p.parse_args()
    rng = np.random.default_rng(0)
    common.header()
    results = []
    for name, x_shape, w_shape, opts, input_grad in CONVS:
        arrays = [rng.standard_normal(x_shape).astype(np.float32), rng.standard_normal(w_shape).astype(np.float32),
                  rng.standard_normal(w_shape[:1]).astype(np.float32)]
        out = torch.nn.functional.conv2d(*map(torch.from_numpy, arrays), **opts) if torch else None
        weights = rng.standard_normal(tuple(out.shape)).astype(np.float32)
        grads = (input_grad, True, True)
        ours = step(autograd, lambda *t: C.conv2d(*t, **opts), arrays, grads, autograd.tensor(weights))
        theirs = step(torch, lambda *t: torch.nn.functional.conv2d(*t, **opts), arrays, grads,
                      torch.tensor(weights)) if torch else None
        results.append(common.compare(name, ours, theirs, args.repeats, unit='ms', profile=args.profile))
    for name, shape, op, opts in POOLS:
        arrays = [rng.standard_normal(shape).astype(np.float32)]
        out = getattr(torch.nn.functional, op)(torch.from_numpy(arrays[0]), *opts)
        weights = rng.standard_normal(tuple(out.shape)).astype(np.float32)
        ours = step(autograd, lambda t: getattr(P, op)(t, *opts), arrays, (True,), autograd.tensor(weights))
        theirs = step(torch, lambda t: getattr(torch.nn.functional, op)(t, *opts), arrays, (True,),
                      torch.tensor(weights))
        results.append(common.compare(name, ours, theirs, args.repeats, unit='ms', profile=args.profile))
    logits = [rng.standard_normal((64, 10)).astype(np.float32), rng.integers(0, 10, 64)]
    ours = step(autograd, L.cross_entropy, logits, (True, False), autograd.tensor(np.float32(1.0)))
    theirs = step(torch, torch.nn.functional.cross_entropy, logits, (True, False), torch.tensor(1.0))
    results.append(common.compare('cross_entropy 64x10', ours, theirs, args.repeats, unit='ms'))
    common.finish('conv_ops', results, args)


if __name__ == '__main__':
    main()
