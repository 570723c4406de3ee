"""A scalar-level workload, as in scalar autograd engines (micrograd): a 2-16-16-1 MLP whose every weight,
input and activation is its own 0-d tensor, trained on 100 two-dimensional points (two interleaved
half-moons, labels +-1) with a max-margin loss and plain SGD. Reports seconds per training step
(forward over all points: about 64,000 tiny ops; backward; update of the 337 parameters).

    python benchmarks/scalar.py [--points 100] [--json benchmarks/results/scalar.json]

A second row times micrograd's own `Value` engine (the `micrograd` package, `pip install micrograd` or the
`bench` extra) on the same work, alternating with autograd in the same way; skipped when it is not installed.
"""
import common  # first: sets the thread count before NumPy loads

import math

import numpy as np

import autograd
from common import torch


def moons(n, seed=0):
    """n points of two noisy interleaved half-circles, as Python floats, and labels +-1."""
    rng = np.random.default_rng(seed)
    angle = rng.uniform(0, math.pi, n)
    upper = np.arange(n) % 2 == 0
    x = np.where(upper, np.cos(angle), 1 - np.cos(angle)) + rng.normal(0, 0.1, n)
    y = np.where(upper, np.sin(angle), 0.5 - np.sin(angle)) + rng.normal(0, 0.1, n)
    return np.stack([x, y], 1).tolist(), np.where(upper, 1.0, -1.0).tolist()


def scalar_mlp(lib, sizes, seed=0):
    """Layers as lists of neurons, a neuron as ([0-d weight tensors], 0-d bias tensor)."""
    rng = np.random.default_rng(seed)
    return [[([lib.tensor(float(w), requires_grad=True) for w in rng.uniform(-1, 1, fan_in)],
              lib.tensor(0.0, requires_grad=True)) for _ in range(fan_out)]
            for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]


def forward(layers, inputs):
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        outputs = []
        for weights, bias in layer:
            act = bias
            for w, x in zip(weights, inputs):
                act = act + w * x
            outputs.append(act if last else act.relu())
        inputs = outputs
    return inputs[0]


def trainer(lib, n_points, lr=0.05):
    points, labels = moons(n_points)
    points = [[lib.tensor(v) for v in p] for p in points]
    labels = [lib.tensor(v) for v in labels]
    layers = scalar_mlp(lib, [2, 16, 16, 1])
    params = [p for layer in layers for weights, bias in layer for p in weights + [bias]]

    def step():
        loss = sum((1 - y * forward(layers, x)).relu() for x, y in zip(points, labels)) * (1.0 / n_points)
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss
    return step


def micrograd_trainer(n_points, lr=0.05):
    """The same step in micrograd's Value engine: same points, labels, initial weights and loss; its grads are
    reset to 0 (a Value's grad is a float) and its update writes .data."""
    from micrograd.engine import Value
    points, labels = moons(n_points)
    points = [[Value(v) for v in p] for p in points]
    labels = [Value(v) for v in labels]
    rng = np.random.default_rng(0)
    sizes = [2, 16, 16, 1]
    layers = [[([Value(float(w)) for w in rng.uniform(-1, 1, fan_in)], Value(0.0)) for _ in range(fan_out)]
              for fan_in, fan_out in zip(sizes[:-1], sizes[1:])]
    params = [p for layer in layers for weights, bias in layer for p in weights + [bias]]

    def step():
        loss = sum((1 - y * forward(layers, x)).relu() for x, y in zip(points, labels)) * (1.0 / n_points)
        for p in params:
            p.grad = 0
        loss.backward()
        for p in params:
            p.data -= lr * p.grad
        return loss
    return step


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--points', type=int, default=100)
    args = p.parse_args()
    if args.device != 'cpu':
        raise SystemExit("scalar.py times Python overhead per 0-d op; it runs on the CPU only")
    common.header()
    result = common.compare(f'2-16-16-1 scalar MLP step, {args.points} pts', trainer(autograd, args.points),
                            trainer(torch, args.points) if torch else None, args.repeats, unit='ms',
                            profile=args.profile)
    results = [result]
    try:
        import micrograd  # noqa: F401
    except ImportError:
        print("micrograd not installed (pip install micrograd): its row is skipped")
    else:   # the 'torch' column of this row is micrograd's time
        print(f"{'':34s} {'autograd':>10s} {'micrograd':>10s}")
        results.append(common.compare('same step vs micrograd Value', trainer(autograd, args.points),
                                      micrograd_trainer(args.points), args.repeats, unit='ms'))
        results[-1]['against'] = 'micrograd'
    common.finish('scalar', results, args)


if __name__ == '__main__':
    main()
