"""Without CuPy or without a GPU: the library imports and runs on the CPU, cuda.is_available() is False, and
every request for 'cuda' raises a RuntimeError that says why and what to do.

Each case is simulated by putting autograd.backend in the state its import leaves on such a machine, so the
tests run (and mean the same) on a GPU machine too; the last test checks this machine's real state."""
import io
import sys
import types

import pytest

import autograd
from autograd import backend, nn
from fake_cuda import benchmarks, fake_cuda  # noqa: F401  (fixtures)

CAUSES = {   # the state backend's import leaves -> words the message must hold (why, and what to do)
    'cupy missing': (None, backend.CUPY_MISSING,
                     ["CuPy is not installed", 'pip install -e ".[cuda13]"', 'cupy-cuda13x[ctk]']),
    'no device': (types.SimpleNamespace(ndarray=type('ndarray', (), {})), backend.NO_DEVICE,   # importable, no GPU
                  ["found no CUDA device", 'nvidia-smi', 'CUDA_VISIBLE_DEVICES']),
}
REQUESTS = {
    'tensor(device=cuda)': lambda: autograd.tensor([1.0, 2.0], device='cuda'),
    'zeros(device=cuda:0)': lambda: autograd.zeros(2, device='cuda:0'),
    'randn(device=cuda)': lambda: autograd.randn(2, device='cuda'),
    'ones_like(device=0)': lambda: autograd.ones_like(autograd.ones(2), device=0),
    '.cuda()': lambda: autograd.ones(2).cuda(),
    ".to('cuda')": lambda: autograd.ones(2).to('cuda'),
    '.to(device)': lambda: autograd.ones(2).to(autograd.device('cuda', 0)),
    'Module.cuda()': lambda: nn.Linear(2, 2).cuda(),
    "Module.to('cuda')": lambda: nn.Linear(2, 2).to('cuda'),
    'cuda.synchronize()': lambda: autograd.cuda.synchronize(),
    'cuda.current_device()': lambda: autograd.cuda.current_device(),
    'cuda.memory_allocated()': lambda: autograd.cuda.memory_allocated(),
}


@pytest.fixture(params=list(CAUSES))
def no_cuda(request, monkeypatch):
    module, problem, words = CAUSES[request.param]
    monkeypatch.setattr(backend, 'cupy', module)
    monkeypatch.setattr(backend, '_gpu_count', 0)
    monkeypatch.setattr(backend, '_cupy_problem', problem)
    return words + ["device='cpu'"]


@pytest.mark.parametrize('request_cuda', list(REQUESTS))
def test_every_request_for_cuda_raises_saying_why_and_what_to_do(no_cuda, request_cuda):
    with pytest.raises(RuntimeError) as caught:
        REQUESTS[request_cuda]()
    assert all(words in str(caught.value) for words in no_cuda), str(caught.value)


def test_the_cpu_still_works_and_cuda_reports_nothing(no_cuda):
    assert autograd.cuda.is_available() is False and autograd.cuda.device_count() == 0
    assert str(autograd.device('cuda:0')) == 'cuda:0'      # naming a device is fine, as in torch
    autograd.cuda.manual_seed_all(0)                       # no-ops, as in torch
    autograd.cuda.empty_cache()
    model = nn.Linear(3, 2).to('cpu')
    model(autograd.ones(4, 3)).sum().backward()
    assert model.weight.grad.device.type == 'cpu'


def test_a_cuda_checkpoint_needs_map_location_without_cuda(fake_cuda, monkeypatch):
    buffer = io.BytesIO()
    autograd.save({'w': autograd.ones(2, device='cuda')}, buffer)
    monkeypatch.setattr(backend, 'cupy', None)
    monkeypatch.setattr(backend, '_gpu_count', 0)
    monkeypatch.setattr(backend, '_cupy_problem', backend.CUPY_MISSING)
    buffer.seek(0)
    with pytest.raises(RuntimeError, match="CUDA is not available.*map_location='cpu'"):
        autograd.load(buffer)
    buffer.seek(0)
    assert autograd.load(buffer, map_location='cpu')['w'].device.type == 'cpu'


def test_benchmarks_asked_for_cuda_exit_saying_why(no_cuda, benchmarks):
    common, gpu_sweep, _ = benchmarks
    with pytest.raises(SystemExit) as caught:
        gpu_sweep.main(['--batch-sizes', '64'])
    assert 'no CUDA device' in str(caught.value) and all(words in str(caught.value) for words in no_cuda[:-1])
    with pytest.raises(SystemExit, match='--device cuda: autograd sees no CUDA device'):
        common.check_device(common.parser('x').parse_args(['--device', 'cuda']))


@pytest.mark.skipif('cupy' in sys.modules, reason="CuPy is installed here: this checks a machine without it")
def test_this_machine_without_cupy_says_so():
    assert not autograd.cuda.is_available() and autograd.cuda.device_count() == 0
    with pytest.raises(RuntimeError, match="CuPy is not installed"):
        autograd.ones(1).cuda()
