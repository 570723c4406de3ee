"""Time one optimizer step on the parameters of the tutorial MLP (784-512-512-10) against torch.optim.

Run: python benchmarks/optim_step.py   (CPU; pass --device cuda to time autograd on the GPU, torch stays on CPU)
"""
import argparse
import time

import numpy as np
import torch

import autograd
import optim

SHAPES = [(512, 784), (512,), (512, 512), (512,), (10, 512), (10,)]
CASES = [('SGD', dict(lr=0.01)), ('SGD', dict(lr=0.01, momentum=0.9)), ('Adam', dict(lr=1e-3)),
         ('AdamW', dict(lr=1e-3)), ('RMSprop', dict(lr=1e-3)), ('Adagrad', dict(lr=1e-2)),
         ('NAdam', dict(lr=1e-3))]


def best_time(fn, repeats=7, number=50):
    """Seconds per call: the best of `repeats` averages over `number` calls (after one warm-up call)."""
    fn()
    best = float('inf')
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--torch-threads', type=int, default=None, help='torch.set_num_threads (NumPy runs on one)')
    args = parser.parse_args()
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s).astype(np.float32) * 0.01 for s in SHAPES]
    grads = [rng.standard_normal(s).astype(np.float32) * 0.01 for s in SHAPES]
    sync = autograd.cuda.synchronize if args.device == 'cuda' else (lambda: None)
    print(f"{'optimizer':28s} {'autograd (us)':>14s} {'torch (us)':>11s} {'ratio':>6s}")
    for name, options in CASES:
        ours = [autograd.tensor(a, device=args.device, requires_grad=True) for a in arrays]
        theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = autograd.tensor(g, device=args.device), torch.tensor(g)
        opt, ref = getattr(optim, name)(ours, **options), getattr(torch.optim, name)(theirs, **options)

        def ours_step():
            opt.step()
            sync()
        t_ours, t_torch = best_time(ours_step), best_time(ref.step)
        label = f"{name}({', '.join(f'{k}={v}' for k, v in options.items())})"
        print(f"{label:28s} {t_ours * 1e6:14.0f} {t_torch * 1e6:11.0f} {t_ours / t_torch:6.2f}")


if __name__ == '__main__':
    main()
