"""Per-op overhead: forward+backward of a chain of 1,000 elementwise ops on 1x10 tensors (time per op),
the forward alone; and the BLAS floor: one 1024x1024 matmul forward+backward, and the MLP's first layer
(linear 784->512 at batch 64 and 256) forward+backward, where nearly all time is in BLAS (NumPy's
OpenBLAS here, torch's own kernels there). Target: chain ratio autograd/torch <= 1.5 (issue 16).

    python benchmarks/op_overhead.py [--ops 1000] [--json benchmarks/results/op_overhead.json]
"""
import common  # first: sets the thread count before NumPy loads

import numpy as np

import autograd
from common import torch


def chain(lib, n_ops, device, backward=True):
    """A function running n_ops tiny ops (mul, add, tanh, sigmoid in turn, two of them with a parameter)
    on a 1x10 tensor, then sum().backward() when asked."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((1, 10)).astype(np.float32), device=device, requires_grad=True)
    w = lib.tensor(rng.uniform(0.5, 1.5, (1, 10)).astype(np.float32), device=device, requires_grad=True)
    b = lib.tensor(rng.uniform(-0.1, 0.1, (1, 10)).astype(np.float32), device=device, requires_grad=True)
    sync = common.synchronizer(lib, device)

    def run():
        y = x
        for i in range(n_ops // 4):
            y = lib.sigmoid(lib.tanh(y * w + b))
        if backward:
            x.grad = w.grad = b.grad = None
            y.sum().backward()
        sync()
    return run


def matmul(lib, size, device):
    rng = np.random.default_rng(0)
    a, b = (lib.tensor(rng.standard_normal((size, size)).astype(np.float32), device=device, requires_grad=True)
            for _ in range(2))
    sync = common.synchronizer(lib, device)

    def run():
        a.grad = b.grad = None
        (a @ b).sum().backward()
        sync()
    return run


def linear(lib, batch, device):
    """The MLP's first layer, forward+backward: three BLAS calls (x W^T, g^T x, plus g W for the input)."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.standard_normal((batch, 784)).astype(np.float32), device=device, requires_grad=True)
    w = lib.tensor(rng.standard_normal((512, 784)).astype(np.float32) * 0.03, device=device, requires_grad=True)
    b = lib.zeros(512, device=device, requires_grad=True)
    sync = common.synchronizer(lib, device)

    def run():
        x.grad = w.grad = b.grad = None
        lib.nn.functional.linear(x, w, b).sum().backward()
        sync()
    return run


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--ops', type=int, default=1000, help='ops in the chain (a multiple of 4)')
    p.add_argument('--size', type=int, default=1024, help='matrix size of the matmul')
    args = p.parse_args()
    common.check_device(args)
    common.header()
    results = []
    for label, backward, target in (('forward+backward', True, 1.5), ('forward only', False, None)):
        results.append(common.compare(f'1x10 op chain, {label}', chain(autograd, args.ops, args.device, backward),
                                      chain(torch, args.ops, args.device, backward) if torch else None,
                                      args.repeats, per=args.ops, unit='us', target=target, profile=args.profile))
    results.append(common.compare(f'{args.size}x{args.size} matmul fwd+bwd', matmul(autograd, args.size, args.device),
                                  matmul(torch, args.size, args.device) if torch else None, args.repeats, unit='ms',
                                  profile=args.profile))
    for batch in (64, 256):
        results.append(common.compare(f'linear {batch}x784->512 fwd+bwd', linear(autograd, batch, args.device),
                                      linear(torch, batch, args.device) if torch else None, args.repeats,
                                      unit='ms', profile=args.profile))
    common.finish('op_overhead', results, args)


if __name__ == '__main__':
    main()
