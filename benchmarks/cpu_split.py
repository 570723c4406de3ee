"""CPU time (time.process_time) of the two tiny-op workloads of issue 16, split into forward and backward:
the scalar MLP step of scalar.py (autograd, torch and micrograd's Value) and the 1x10 op chain of
op_overhead.py (autograd and torch). On a shared machine CPU time is steadier than wall time (other
processes add waiting, not CPU); runs alternate between the engines, medians and minima are reported.
Python's cyclic garbage collector stays on, as users run: its passes over a growing graph are part of the cost.

    python benchmarks/cpu_split.py [--points 100] [--repeats 5] [--ops 1000]
"""
import common  # first: sets the thread count before NumPy loads

import statistics
import time

import numpy as np

import autograd
import op_overhead
import scalar
from common import torch


def scalar_halves(lib, n_points):
    """A function timing one scalar step as (forward seconds, backward seconds). lib None: micrograd."""
    points, labels = scalar.moons(n_points)
    if lib is None:
        from micrograd.engine import Value as make
        rng = np.random.default_rng(0)
        sizes = [2, 16, 16, 1]
        layers = [[([make(float(w)) for w in rng.uniform(-1, 1, fan_in)], make(0.0)) for _ in range(fan_out)]
                  for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    else:
        make = lib.tensor
        layers = scalar.scalar_mlp(lib, [2, 16, 16, 1])
    points = [[make(v) for v in p] for p in points]
    labels = [make(v) for v in labels]
    params = [p for layer in layers for weights, bias in layer for p in weights + [bias]]

    def run():
        start = time.process_time()
        loss = sum((1 - y * scalar.forward(layers, x)).relu() for x, y in zip(points, labels)) * (1.0 / n_points)
        middle = time.process_time()
        for p in params:
            p.grad = None if lib is not None else 0
        loss.backward()
        return middle - start, time.process_time() - middle
    return run


def chain_halves(lib, n_ops):
    """(forward, forward+backward) CPU seconds per op of op_overhead.py's chain."""
    forward, both = op_overhead.chain(lib, n_ops, 'cpu', False), op_overhead.chain(lib, n_ops, 'cpu', True)

    def run():
        start = time.process_time()
        forward()
        middle = time.process_time()
        both()
        return (middle - start) / n_ops, (time.process_time() - middle) / n_ops
    return run


def alternate(runners, repeats):
    """runners: {name: fn() -> (a, b)}; one warm-up each, then `repeats` rounds in turn."""
    for fn in runners.values():
        fn()
    runs = {name: [] for name in runners}
    for _ in range(repeats):
        for name, fn in runners.items():
            runs[name].append(fn())
    return runs


def report(title, columns, runs, scale, unit):
    print(title)
    for name, values in runs.items():
        cells = []
        for i, column in enumerate(columns):
            series = [v[i] * scale for v in values]
            cells.append(f"{column} {statistics.median(series):8.2f} (min {min(series):8.2f})")
        print(f"  {name:10s} " + "  ".join(cells) + f" {unit}")


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--points', type=int, default=100)
    p.add_argument('--ops', type=int, default=1000)
    args = p.parse_args()
    common.header()
    runners = {'autograd': scalar_halves(autograd, args.points)}
    if torch is not None:
        runners['torch'] = scalar_halves(torch, args.points)
    try:
        import micrograd  # noqa: F401
        runners['micrograd'] = scalar_halves(None, args.points)
    except ImportError:
        print("micrograd not installed (pip install micrograd): its row is skipped")
    report(f"scalar MLP step, {args.points} points, CPU ms (median of {args.repeats}):", ['forward', 'backward'],
           alternate(runners, args.repeats), 1e3, 'ms')
    runners = {'autograd': chain_halves(autograd, args.ops)}
    if torch is not None:
        runners['torch'] = chain_halves(torch, args.ops)
    report(f"1x10 op chain, CPU us per op (median of {args.repeats}):", ['forward', 'forward+backward'],
           alternate(runners, args.repeats), 1e6, 'us')


if __name__ == '__main__':
    main()
