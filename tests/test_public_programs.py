"""Public programs users learn from, run under torch and under autograd with only their import lines changed
(tests/examples_bridge.py rewrites them); what they print must agree.

The programs are not stored here (their code is not ours to copy): each test reads its program from
$AUTOGRAD_PROGRAMS_DIR (tests/examples_bridge.program_text; README "Testing") and skips without it. The
upstream commit each was written against is in PROGRAMS below; the edits are explicit replacements below,
each asserted to apply:
- pytorch/examples regression/main.py, verbatim, in float64 (one line added after `import torch`:
  set_default_dtype). It trains until the loss drops below 1e-3, so the stopping batch depends on every
  step: in float32 one-ulp differences in the first losses (torch's and NumPy's reductions sum in different
  orders) grow over 800 chaotic steps into a different stopping batch; in float64 they stay below print.
- pytorch/examples vae/main.py on the first 256/128 MNIST images (the two datasets wrapped in
  torch.utils.data.Subset), 1 epoch, through `--epochs/--log-interval`; its save_image calls write into tmp.
- pytorch/examples mnist_forward_forward/main.py with `--train_size/--test_size/--epochs` made small.
- pytorch/examples siamese_network/main.py on 8 pairs (its APP_MATCHER.__len__ capped), resnet18 from
  autograd.vision.models (torchvision's architecture and initialisation); the torch run gets the same
  architecture written with torch.nn (that file with its imports swapped), as torchvision is not installable.
- pytorch/tutorials examples_autograd/polynomial_custom_function.py (a custom torch.autograd.Function),
  and examples_nn/dynamic_net.py (Python control flow, momentum SGD) shortened to 3000 steps.

Both runs start from the same torch seed (run_program seeds the programs that seed nothing) and, where a
program draws from Python's `random`, from random.seed(0); autograd draws torch's random numbers. Printed
numbers compare within tests/tolerance.py's tolerance for the program's dtype at scale 10 (whole networks)
or one unit in their last printed digit (printing rounds); integers (batch counts, shapes, correct counts)
and all text must be equal."""
import contextlib
import io
import os
import pathlib
import random
import re
import subprocess
import sys
import types

import numpy as np
import pytest
import torch

import autograd
from tests.examples_bridge import program_text, run_program, swap_imports
from tests.tolerance import tolerance

EXAMPLES = 'pytorch/examples', '77f55b912142e11fcfdf5b530231fb9c52f181e8'
# {test's name for the program: (repository, commit the test was written against, path in it)}; the
# tutorials' files were read at different commits of pytorch/tutorials (any later one where the edits
# still apply will do)
PROGRAMS = {
    'examples_regression.py': (*EXAMPLES, 'regression/main.py'),
    'examples_vae.py': (*EXAMPLES, 'vae/main.py'),
    'examples_mnist_forward_forward.py': (*EXAMPLES, 'mnist_forward_forward/main.py'),
    'examples_siamese_network.py': (*EXAMPLES, 'siamese_network/main.py'),
    'examples_mnist_hogwild_main.py': (*EXAMPLES, 'mnist_hogwild/main.py'),
    'examples_mnist_hogwild_train.py': (*EXAMPLES, 'mnist_hogwild/train.py'),
    'tutorials_polynomial_custom_function.py': ('pytorch/tutorials', '02ed6c5cf613bbf2b631704eee62033b8bd746ef',
                                                'beginner_source/examples_autograd/polynomial_custom_function.py'),
    'tutorials_dynamic_net.py': ('pytorch/tutorials', '1d189709801e98f5f184af0567c7f06b8b5156c2',
                                 'beginner_source/examples_nn/dynamic_net.py'),
    'tutorials_autogradqs_tutorial.py': ('pytorch/tutorials', '1532c0de875b79f541371438d8d1d08be18f87de',
                                         'beginner_source/basics/autogradqs_tutorial.py'),
    'tutorials_neural_networks_tutorial.py': ('pytorch/tutorials', '06dc97785c47755b8d5bca167ad3cfc2ee8a04c1',
                                              'beginner_source/blitz/neural_networks_tutorial.py'),
}
DATA = os.environ.get('AUTOGRAD_DATA_DIR')
NETWORK = 10     # tolerance scale for whole networks (tests/tolerance.py rule 3)
_NUMBER = re.compile(r'[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?|nan|inf')


@pytest.fixture(autouse=True)
def one_torch_thread():
    """torch on one thread: its OpenMP threads spin on a busy 2-core machine; the results do not depend on it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def source(name, *edits):
    """The program PROGRAMS[name] read from $AUTOGRAD_PROGRAMS_DIR with each (old, new) edit applied (an
    edit that no longer matches fails loudly); skips when it is not there."""
    return program_text(*PROGRAMS[name], *edits)


def run_both(text, argv, monkeypatch, cwd, stand_ins=None):
    """(torch's stdout, autograd's stdout) of `text` run as `python main.py argv` in cwd."""
    monkeypatch.chdir(cwd)
    outputs = []
    for lib in ('torch', 'autograd'):
        monkeypatch.setattr('sys.argv', ['main.py', *argv])
        random.seed(0)
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            run_program(text, lib, stand_ins=stand_ins)
        outputs.append(buffer.getvalue())
    return outputs


def _unit(token):
    """One unit in the last printed digit of a float token (0.1234 -> 1e-4, 1.5e-03 -> 1e-4)."""
    mantissa, _, exponent = token.lower().partition('e')
    return 10.0 ** (int(exponent or 0) - len(mantissa.partition('.')[2]))


def assert_same_print(expected, actual, dtype='float32', scale=NETWORK):
    """`actual` prints what `expected` does: same text, same integers, floats within tolerance(dtype, scale)
    or one unit in their last printed digit."""
    tol = tolerance(dtype, scale)
    exp_lines, act_lines = expected.splitlines(), actual.splitlines()
    assert len(exp_lines) == len(act_lines), f"torch printed:\n{expected}\nautograd printed:\n{actual}"
    for e, a in zip(exp_lines, act_lines):
        assert _NUMBER.split(e) == _NUMBER.split(a), f"\n  torch:    {e}\n  autograd: {a}"
        for x, y in zip(_NUMBER.findall(e), _NUMBER.findall(a)):
            if not any(c in x + y for c in '.eEna'):
                assert x == y, f"\n  torch:    {e}\n  autograd: {a}"
                continue
            fx, fy = float(x), float(y)
            bound = tol['atol'] + tol['rtol'] * max(abs(fx), abs(fy))
            assert abs(fx - fy) <= max(bound, 1.01 * max(_unit(x), _unit(y))) or (np.isnan(fx) and np.isnan(fy)), \
                f"\n  torch:    {e}\n  autograd: {a}"


@pytest.fixture
def mnist_cwd(tmp_path):
    """A working folder whose ../data and ./data hold MNIST as the examples expect (nothing is downloaded)."""
    if not DATA or not os.path.isdir(os.path.join(DATA, 'mnist')):
        pytest.skip("needs MNIST in $AUTOGRAD_DATA_DIR/mnist")
    data = tmp_path / 'data'
    data.mkdir()
    (data / 'mnist').symlink_to(os.path.join(DATA, 'mnist'))
    work = tmp_path / 'work'
    work.mkdir()
    (work / 'data').symlink_to(data)
    return work


def test_regression_matches_torch(monkeypatch, tmp_path):
    text = source('examples_regression.py',
                  ('\nimport torch\n', '\nimport torch\ntorch.set_default_dtype(torch.float64)\n'))
    try:
        theirs, ours = run_both(text, [], monkeypatch, tmp_path)
    finally:
        torch.set_default_dtype(torch.float32)
        autograd.set_default_dtype(autograd.float32)
    assert theirs.startswith('Loss: ')
    assert_same_print(theirs, ours, 'float64')


def test_vae_matches_torch(monkeypatch, mnist_cwd):
    text = source('examples_vae.py',
                  ("    datasets.MNIST('../data', train=True, download=True,\n"
                   "                   transform=transforms.ToTensor()),",
                   "    torch.utils.data.Subset(datasets.MNIST('../data', train=True, download=True,\n"
                   "                   transform=transforms.ToTensor()), range(256)),"),
                  ("    datasets.MNIST('../data', train=False, transform=transforms.ToTensor()),",
                   "    torch.utils.data.Subset(datasets.MNIST('../data', train=False, "
                   "transform=transforms.ToTensor()), range(128)),"))
    (mnist_cwd / 'results').mkdir()
    theirs, ours = run_both(text, ['--epochs', '1', '--log-interval', '1'], monkeypatch, mnist_cwd)
    assert '====> Test set loss' in theirs
    assert_same_print(theirs, ours)
    assert (mnist_cwd / 'results' / 'sample_1.png').is_file()


def test_mnist_forward_forward_matches_torch(monkeypatch, mnist_cwd):
    argv = ['--train_size', '200', '--test_size', '200', '--epochs', '12', '--log-interval', '4']
    theirs, ours = run_both(source('examples_mnist_forward_forward.py'), argv, monkeypatch, mnist_cwd)
    assert 'test error:' in theirs
    assert_same_print(theirs, ours)


def _resnet_models(lib):
    """torchvision.models for the siamese network: autograd.vision.models, or for torch the same resnet
    source with its imports pointed at torch (so both build the same layers in the same order)."""
    if lib is not torch:       # run_program passes the running library's module
        import autograd.vision.models
        return {'torchvision.models': autograd.vision.models}
    import autograd.vision.models.resnet as ours
    text = pathlib.Path(ours.__file__).read_text()
    for old, new in (('from ... import flatten', 'from torch import flatten'),
                     ('from ...nn import init', 'from torch.nn import init'),
                     ('from ... import nn', 'from torch import nn'),
                     ('from ._utils import load_weights', 'def load_weights(model, weights, progress):\n'
                                                          '    return model')):
        assert old in text
        text = text.replace(old, new)
    namespace = {}
    exec(compile(text, 'resnet_torch.py', 'exec'), namespace)
    return {'torchvision.models': types.SimpleNamespace(resnet18=namespace['resnet18'])}


def test_siamese_network_matches_torch(monkeypatch, mnist_cwd):
    text = source('examples_siamese_network.py',
                  ('torchvision.models.resnet18(weights=None)', 'STAND_INS["torchvision.models"].resnet18(weights=None)'),
                  ('        return self.data.shape[0]', '        return min(self.data.shape[0], 8)'))
    argv = ['--batch-size', '4', '--test-batch-size', '8', '--epochs', '1', '--log-interval', '1']
    theirs, ours = run_both(text, argv, monkeypatch, mnist_cwd, stand_ins=_resnet_models)
    assert 'Test set: Average loss' in theirs
    assert_same_print(theirs, ours)


def test_polynomial_custom_function_matches_torch(monkeypatch, tmp_path):
    theirs, ours = run_both(source('tutorials_polynomial_custom_function.py'), [], monkeypatch, tmp_path)
    assert theirs.startswith('99 ')
    assert_same_print(theirs, ours)


def test_dynamic_net_matches_torch(monkeypatch, tmp_path):
    text = source('tutorials_dynamic_net.py', ('range(30000)', 'range(3000)'))
    theirs, ours = run_both(text, [], monkeypatch, tmp_path)
    assert theirs.startswith('1999 ')
    assert_same_print(theirs, ours)



def _printed(text):
    """A tutorial's output with object addresses blanked and autograd's names printed as torch's."""
    return re.sub(r' at 0x[0-9a-f]+', ' at 0x?', text.replace('autograd.', 'torch.'))


def test_autogradqs_tutorial_prints_what_torch_prints(monkeypatch, tmp_path):
    theirs, ours = run_both(source('tutorials_autogradqs_tutorial.py'), [], monkeypatch, tmp_path)
    assert 'Call after zeroing gradients' in theirs
    assert_same_print(_printed(theirs), _printed(ours))


def test_neural_networks_tutorial_prints_what_torch_prints(monkeypatch, tmp_path):
    """blitz/neural_networks_tutorial: LeNet on one random image, MSELoss against an int64 arange target
    (torch computes it in float32; the gradients stay float32), one SGD step (a print of the loss and fc3's
    bias added at the end). Left out: its print of AddmmBackward0.next_functions[0][0] -- torch's linear is
    addmm(bias, input, weight.t()), so that entry is the bias's AccumulateGrad; autograd's linear is one
    node over (input, weight, bias), whose first entry is the input's ReluBackward0."""
    text = source('tutorials_neural_networks_tutorial.py',
                  ('print(loss.grad_fn.next_functions[0][0].next_functions[0][0])  # ReLU\n', ''),
                  ('optimizer.step()    # Does the update\n',
                   'optimizer.step()    # Does the update\nprint(loss, net.fc3.bias, net.conv1.bias.grad.dtype)\n'))
    theirs, ours = run_both(text, [], monkeypatch, tmp_path)
    assert 'conv1.bias.grad after backward' in theirs and 'torch.float32' in theirs
    assert_same_print(_printed(theirs), _printed(ours))


def _write_program(folder, files, lib):
    """Write each (name, text) into folder with its imports swapped for lib, runnable as `python main.py` in a
    fresh process (the torch run's torchvision lines need examples_bridge's TORCHVISION in each file)."""
    folder.mkdir()
    repo = str(pathlib.Path(__file__).parent.parent)
    prelude = f"import sys; sys.path.insert(0, {repo!r}); from tests.examples_bridge import TORCHVISION\n"
    for name, text in files:
        swapped = swap_imports(text, lib)
        future = 'from __future__ import print_function\n'
        if future in swapped:      # a __future__ import must stay first
            swapped = swapped.replace(future, future + prelude, 1)
        else:
            swapped = prelude + swapped
        (folder / name).write_text(swapped)


@pytest.mark.deep   # 25 s: four fresh interpreters (two spawned children) import torch and autograd
def test_mnist_hogwild_matches_torch(mnist_cwd):
    """Hogwild: the model's parameters are shared (Module.share_memory) with a spawned training process,
    whose optimizer steps the parent then sees when it tests the model. One process, so the run is
    deterministic; the test set cut to 500 images (a Subset)."""
    main = source('examples_mnist_hogwild_main.py',
                  ("    dataset1 = datasets.MNIST('../data', train=True, download=True,\n                       transform=transform)",
                   "    dataset1 = torch.utils.data.Subset(datasets.MNIST('../data', train=True, download=True,\n"
                   "                       transform=transform), range(256))"),
                  ("    dataset2 = datasets.MNIST('../data', train=False,\n                       transform=transform)",
                   "    dataset2 = torch.utils.data.Subset(datasets.MNIST('../data', train=False,\n"
                   "                       transform=transform), range(500))"))
    files = [('main.py', main), ('train.py', source('examples_mnist_hogwild_train.py'))]
    argv = ['--num-processes', '1', '--epochs', '1', '--dry-run', '--log-interval', '1']
    env = dict(os.environ, OMP_NUM_THREADS='1')
    outputs = []
    for lib in ('torch', 'autograd'):
        folder = mnist_cwd / lib
        _write_program(folder, files, lib)
        done = subprocess.run([sys.executable, 'main.py', *argv], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=300)
        assert done.returncode == 0, f"{lib} run failed:\n{done.stderr[-3000:]}"
        outputs.append(re.sub(r'^\d+\t', 'PID\t', done.stdout, flags=re.M))   # the training process's pid
    theirs, ours = outputs
    assert 'PID\tTrain Epoch: 1' in theirs and 'Test set: Average loss' in theirs
    assert_same_print(theirs, ours)


def _scale_in_child(queue, done):
    """Child: take (module, plain tensor, view of a shared tensor) from the queue and change each in place."""
    model, plain, view = queue.get()
    lib = torch if isinstance(plain, torch.Tensor) else autograd
    with lib.no_grad():
        model.weight.mul_(2)
        plain.mul_(2)
        view.add_(1)
    done.put((model.weight.is_shared(), plain.is_shared(), view.is_shared()))


def _share_round_trip(lib, mp):
    """What the parent sees after a child changed a shared module, a plain tensor and a shared view."""
    ctx = mp.get_context('fork')
    lib.manual_seed(0)
    model = lib.nn.Linear(3, 2)
    before = model.weight.is_shared()
    model.share_memory()
    base = lib.zeros(4).share_memory_()
    plain = lib.ones(2)
    queue, done = ctx.Queue(), ctx.Queue()
    child = ctx.Process(target=_scale_in_child, args=(queue, done))
    child.start()
    queue.put((model, plain, base[1:3]))
    flags = done.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    return (before, *flags), model.weight.detach().numpy().copy(), plain.numpy().copy(), base.numpy().copy()


def test_shared_tensors_cross_processes_as_torch():
    """Module.share_memory / Tensor.share_memory_ (autograd.multiprocessing): a shared parameter and a view
    into a shared tensor sent through a multiprocessing Queue are changed in place by the child and the parent
    sees it, with the same values as torch.multiprocessing. (A plain tensor sent is moved into shared memory
    by torch but copied here -- autograd/multiprocessing.py says why -- so only its flag is checked.)"""
    import autograd.multiprocessing
    import torch.multiprocessing
    theirs = _share_round_trip(torch, torch.multiprocessing)
    ours = _share_round_trip(autograd, autograd.multiprocessing)
    assert theirs[0] == (False, True, True, True)
    assert ours[0] == (False, True, False, True)
    np.testing.assert_array_equal(ours[1], theirs[1])     # the same weights doubled: exact
    np.testing.assert_array_equal(ours[3], theirs[3])
    np.testing.assert_array_equal(ours[2], [1.0, 1.0])    # the parent's copy is untouched


@pytest.mark.parametrize('name', ['mse_loss', 'smooth_l1_loss', 'huber_loss'])
@pytest.mark.parametrize('target_dtype', ['int64', 'float64', 'float32'])
def test_pair_loss_dtypes_as_torch(name, target_dtype):
    """The one-node pair losses with a target of another dtype (the neural_networks_tutorial's int64 target):
    the loss in torch's promoted dtype, each gradient in its own input's dtype, values within tolerance.
    (torch's huber_loss backward rejects a target of another dtype -- 'Found dtype Long/Double but expected
    Float'; only the forward is compared there.)"""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    t = (rng.standard_normal((3, 4)) * 2).astype(target_dtype)
    results = []
    for lib in (torch, autograd):
        xi = lib.tensor(x, requires_grad=True)
        ti = lib.tensor(t, requires_grad=target_dtype != 'int64')
        loss = getattr(lib.nn.functional, name)(xi, ti)
        backward = not (name == 'huber_loss' and target_dtype != 'float32')
        if backward:
            loss.backward()
        results.append((str(loss.dtype).split('.')[-1], loss.item(),
                        str(xi.grad.dtype).split('.')[-1] if backward else None,
                        xi.grad.numpy() if backward else None))
    (td, tv, tgd, tg), (ad, av, agd, ag) = results
    assert (ad, agd) == (td, tgd)
    np.testing.assert_allclose(av, tv, **tolerance(td, 5))
    if tg is not None:
        np.testing.assert_allclose(ag, tg, **tolerance(tgd, 5))
