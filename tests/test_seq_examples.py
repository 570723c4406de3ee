"""pytorch/examples' sequence programs, trimmed to a few steps on tiny data written here, run under torch and under
autograd with only their import lines changed; the losses they compute must agree.

Each test runs the example's own model, training and evaluation code (mnist_rnn/main.py,
time_sequence_prediction/train.py, word_language_model/{model,main,data}.py): the classes and functions are
taken out of the program's text by name (tests/examples_bridge.definitions), with one asserted edit where a
loss is recorded into a LOSSES list. time_sequence_prediction runs its own main block (edited the same
way, its plots left out); for mnist_rnn and word_language_model, whose main code parses arguments and reads
MNIST or a corpus folder, a short driver written here calls their functions with fixed small settings on
tiny data, `args` being a namespace with the options those functions read. Both runs seed torch.manual_seed
the same way and autograd draws torch's random numbers, so the weights (and dropout masks) are the same in
both.

The programs are not stored here (their code is not ours to copy): they are read from
$AUTOGRAD_PROGRAMS_DIR at the commit in EXAMPLES (README "Testing"); without it these tests skip."""
import textwrap
import types

import numpy as np
import pytest
import torch

import autograd
from tests.examples_bridge import definitions, program_text
from tests.tolerance import assert_close

# the commit the tests were written against
EXAMPLES = 'pytorch/examples', '77f55b912142e11fcfdf5b530231fb9c52f181e8'


def example(path, *edits):
    """pytorch/examples' `path` from $AUTOGRAD_PROGRAMS_DIR with the (old, new) edits (skips without it)."""
    return program_text(*EXAMPLES, path, *edits)


@pytest.fixture(autouse=True, scope='module')
def one_torch_thread():
    """torch on one thread while these tests run: its OpenMP threads spin-wait on a busy 2-core machine (a
    first LSTM backward took 5.8 s at 2 threads against 0.02 s at 1); results do not depend on it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)

TORCH_IMPORTS = """
import argparse
import math
import os
import time
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
"""
AUTOGRAD_IMPORTS = """
import argparse
import math
import os
import time
import autograd as torch
import autograd.nn as nn
import autograd.nn.functional as F
import autograd.optim as optim
from autograd.optim.lr_scheduler import StepLR
"""


def run_both(program, **settings):
    """The LOSSES list of `program` run under torch, then under autograd."""
    out = []
    for imports in (TORCH_IMPORTS, AUTOGRAD_IMPORTS):
        namespace = dict(settings, LOSSES=[], np=np)
        exec(compile(imports + program, '<example>', 'exec'), namespace)
        out.append(namespace['LOSSES'])
    return out


def assert_losses_match(theirs, ours, dtype, scale):
    assert len(ours) == len(theirs) > 0
    assert_close(np.array(ours), np.array(theirs), dtype, scale, what='losses')




# main() of mnist_rnn/main.py with its default lr/gamma and seed, on 48 normalised random images for 2 epochs
MNIST_RNN_DRIVER = """
device = torch.device("cpu")
torch.manual_seed(1)
images = torch.tensor(IMAGES)
labels = torch.tensor(LABELS)
train_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=16,
                                           shuffle=True)
test_loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images, labels), batch_size=32,
                                          shuffle=True)
model = Net().to(device)
optimizer = optim.Adadelta(model.parameters(), lr=0.1)
scheduler = StepLR(optimizer, step_size=1, gamma=0.7)
for epoch in range(1, 3):
    train(args, model, device, train_loader, optimizer, epoch)
    test(args, model, device, test_loader)
    scheduler.step()
"""


def test_mnist_rnn_losses_match_torch():
    text = example('mnist_rnn/main.py',
                   ('        loss.backward()\n', '        LOSSES.append(loss.item())\n        loss.backward()\n'),
                   ('    test_loss /= len(test_loader.dataset)\n',
                    '    test_loss /= len(test_loader.dataset)\n    LOSSES.append(test_loss)\n'))
    program = definitions(text, 'Net', 'train', 'test') + MNIST_RNN_DRIVER
    rng = np.random.default_rng(0)
    images = ((rng.random((48, 1, 28, 28)) - 0.1307) / 0.3081).astype(np.float32)
    labels = rng.integers(0, 10, 48)
    args = types.SimpleNamespace(log_interval=10, dry_run=False)
    theirs, ours = run_both(program, IMAGES=images, LABELS=labels, args=args)
    assert_losses_match(theirs, ours, 'float32', 20)




def main_block(text, stop):
    """The body of the program's `if __name__ == '__main__':` block, dedented, up to the line `stop` (which
    must be there): what `python train.py` runs, without what follows (plots)."""
    head = "if __name__ == '__main__':\n"
    assert head in text and stop in text, "the program's main block changed"
    body = text[text.index(head) + len(head):text.index(stop)]
    return textwrap.dedent(body)


def test_time_sequence_prediction_losses_match_torch():
    """train.py as `python train.py --steps 1` on a small sine-wave set given in place of traindata.pt, with
    a 10-step prediction (it has 1000), the printed losses recorded, and without the plots."""
    text = example('time_sequence_prediction/train.py',
                   ("    opt = parser.parse_args()\n", "    opt = parser.parse_args(['--steps', '1'])\n"),
                   ("    data = torch.load('traindata.pt')\n", "    data = DATA\n"),
                   ("            print('loss:', loss.item())\n",
                    "            print('loss:', loss.item())\n            LOSSES.append(loss.item())\n"),
                   ("            future = 1000\n", "            future = 10\n"),
                   ("            print('test loss:', loss.item())\n",
                    "            print('test loss:', loss.item())\n            LOSSES.append(loss.item())\n"))
    program = definitions(text, 'Sequence') + main_block(text, stop='        # draw the result\n')
    # generate_sine_wave.py's recipe, smaller: shifted sine waves of period 20
    rng = np.random.RandomState(2)
    T, L, N = 20, 24, 5
    x = np.empty((N, L), 'int64')
    x[:] = np.array(range(L)) + rng.randint(-4 * T, 4 * T, N).reshape(N, 1)
    data = np.sin(x / 1.0 / T).astype('float64')
    theirs, ours = run_both(program, DATA=data)
    # LBFGS's line search runs up to 20 closures per step; the losses stay in float64
    assert_losses_match(theirs, ours, 'float64', 1e3)


# what main.py does around train()/evaluate(), with small settings (its --lr 20 and --clip 0.25, the plain SGD
# update, no --use-optimizer); the corpus is read from TEXTS written as train/valid/test.txt
WORD_LANGUAGE_MODEL_DRIVER = """
torch.manual_seed(1111)
device = torch.device("cpu")
corpus = Corpus(DATA_PATH)
eval_batch_size, lr = 2, 20
train_data = batchify(corpus.train, args.batch_size)
val_data = batchify(corpus.valid, eval_batch_size)
ntokens = len(corpus.dictionary)
if args.model == 'Transformer':
    model = TransformerModel(ntokens, 16, 2, 32, 2, 0.2).to(device)
else:
    model = RNNModel(args.model, ntokens, 16, 16, 2, 0.2, False).to(device)
criterion = nn.NLLLoss()
for epoch in range(1, 3):
    train()
    LOSSES.append(evaluate(val_data))
"""

TEXTS = ("the cat sat on the mat\nthe dog sat on the log\na cat and a dog met on the mat\n"
         "the log was on the mat and the cat was on the log\nthe dog ran after the cat\n",
         "the cat sat on the log\nthe dog met a cat\n")


@pytest.mark.parametrize('model', ['LSTM', 'GRU', 'RNN_TANH', 'Transformer'])
def test_word_language_model_losses_match_torch(model, tmp_path):
    main = example('word_language_model/main.py',
                   ('        total_loss += loss.item()\n',
                    '        total_loss += loss.item()\n        LOSSES.append(loss.item())\n'))
    program = (definitions(example('word_language_model/data.py'), 'Dictionary', 'Corpus')
               + definitions(example('word_language_model/model.py'), 'RNNModel', 'PositionalEncoding',
                             'TransformerModel')
               + definitions(main, 'batchify', 'repackage_hidden', 'get_batch', 'evaluate', 'train')
               + WORD_LANGUAGE_MODEL_DRIVER)
    for name, text in zip(('train.txt', 'valid.txt', 'test.txt'), (*TEXTS, TEXTS[1])):
        (tmp_path / name).write_text(text, encoding='utf8')
    args = types.SimpleNamespace(model=model, bptt=6, batch_size=4, clip=0.25, use_optimizer=False,
                                 log_interval=10 ** 9, dry_run=False)
    theirs, ours = run_both(program, args=args, DATA_PATH=str(tmp_path))
    assert_losses_match(theirs, ours, 'float32', 50)
