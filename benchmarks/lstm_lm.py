"""One training step of a 2-layer LSTM language model (word_language_model's RNNModel shape: embedding 200,
LSTM 200 hidden x 2 layers, decoder to a 10k vocabulary; batch 20, bptt 35): forward, NLL loss, backward,
Adam step, in autograd and torch from the same weights. Target: ratio autograd/torch <= 1.5.

    python benchmarks/lstm_lm.py [--steps 5] [--repeats 5] [--mode LSTM|GRU|RNN_TANH] [--profile]
                                 [--json benchmarks/results/lstm_lm.json]
"""
import common  # first: sets the thread count before NumPy loads

import numpy as np

import autograd
from common import torch

VOCAB, EMB, HIDDEN, LAYERS, BATCH, BPTT = 10000, 200, 200, 2, 20, 35


def build(lib, mode):
    nn = lib.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = nn.Embedding(VOCAB, EMB)
            rnn = {'LSTM': nn.LSTM, 'GRU': nn.GRU, 'RNN_TANH': nn.RNN}[mode]
            self.rnn = rnn(EMB, HIDDEN, LAYERS)
            self.decoder = nn.Linear(HIDDEN, VOCAB)

        def forward(self, x, hidden):
            out, hidden = self.rnn(self.encoder(x), hidden)
            return nn.functional.log_softmax(self.decoder(out).view(-1, VOCAB), dim=1), hidden
    return Model()


def runner(lib, model, data, targets, mode, steps):
    opt = lib.optim.Adam(model.parameters(), lr=1e-3)
    criterion = lib.nn.NLLLoss()
    x, y = lib.tensor(data), lib.tensor(targets)
    zeros = lib.zeros(LAYERS, BATCH, HIDDEN)
    hidden = (zeros, zeros) if mode == 'LSTM' else zeros

    def run():
        for _ in range(steps):
            opt.zero_grad()
            out, _ = model(x, hidden)
            criterion(out, y).backward()
            opt.step()
    return run


def main():
    p = common.parser(__doc__.split('\n')[0])
    p.add_argument('--steps', type=int, default=5, help='training steps per timed run')
    p.add_argument('--mode', default='LSTM', choices=['LSTM', 'GRU', 'RNN_TANH'])
    args = p.parse_args()
    rng = np.random.default_rng(0)
    data = rng.integers(0, VOCAB, (BPTT, BATCH))
    targets = rng.integers(0, VOCAB, BPTT * BATCH)
    ours = build(autograd, args.mode)
    theirs = build(torch, args.mode) if torch is not None else None
    if theirs is not None:   # the same weights in both
        theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    common.header()
    run_ours = runner(autograd, ours, data, targets, args.mode, args.steps)
    run_theirs = runner(torch, theirs, data, targets, args.mode, args.steps) if theirs is not None else None
    name = f'{args.mode} LM step (b{BATCH} bptt{BPTT} h{HIDDEN})'
    result = common.compare(name, run_ours, run_theirs, args.repeats, per=args.steps, unit='ms', target=1.5,
                            profile=args.profile)
    common.finish('lstm_lm', [result], args)


if __name__ == '__main__':
    main()
