"""One training step of a 2-layer Transformer encoder (d_model 128, 4 heads, feed-forward 512, sequence 64,
batch 32, dropout 0 so both libraries do the same arithmetic) with a linear head and MSE loss: forward,
backward, Adam step, in autograd and torch from the same weights. Target: ratio autograd/torch <= 1.5.

    python benchmarks/transformer_step.py [--steps 5] [--repeats 5] [--profile]
                                          [--json benchmarks/results/transformer_step.json]
"""
import common  # first: sets the thread count before NumPy loads

import numpy as np

import autograd
from common import torch

D_MODEL, HEADS, FF, LAYERS, SEQ, BATCH = 128, 4, 512, 2, 64, 32


def build(lib):
    nn = lib.nn
    layer = nn.TransformerEncoderLayer(D_MODEL, HEADS, FF, dropout=0.0, batch_first=True)
    return nn.Sequential(nn.TransformerEncoder(layer, LAYERS, enable_nested_tensor=False), nn.Linear(D_MODEL, 1))


def runner(lib, model, x, y, steps):
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    x, y = lib.tensor(x), lib.tensor(y)

    def run():
        for _ in range(steps):
            opt.zero_grad()
            lib.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
    return run


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--steps', type=int, default=5, help='training steps per timed run')
    args = p.parse_args()
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SEQ, D_MODEL)).astype(np.float32)
    y = rng.standard_normal((BATCH, SEQ, 1)).astype(np.float32)
    ours = build(autograd)
    theirs = build(torch) if torch is not None else None
    if theirs is not None:
        theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    common.header()
    run_ours = runner(autograd, ours, x, y, args.steps)
    run_theirs = runner(torch, theirs, x, y, args.steps) if theirs is not None else None
    name = f'encoder step (d{D_MODEL} h{HEADS} s{SEQ} b{BATCH})'
    result = common.compare(name, run_ours, run_theirs, args.repeats, per=args.steps, unit='ms', target=1.5,
                            profile=args.profile)
    common.finish('transformer_step', [result], args)


if __name__ == '__main__':
    main()
