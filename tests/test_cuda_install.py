"""A CuPy install that sees a GPU but cannot compile kernels (CuPy 14 without its [ctk] extra: no NVRTC, no
CUDA headers) is reported by cuda.is_available() as unusable, with the install command that fixes it, instead
of crashing at the first kernel of an epoch."""
import pytest

import autograd
from autograd import backend
from fake_cuda import FAKE, install


class _NoNVRTC:
    def __init__(self, *args, **kwargs):
        raise RuntimeError("Failed to find CUDA headers; libnvrtc.so.13: cannot open shared object file")


@pytest.fixture
def broken_cupy(monkeypatch):
    install(monkeypatch)
    monkeypatch.setattr(backend, '_probed', False)          # as after a real import: not probed yet
    monkeypatch.setattr(FAKE, 'ElementwiseKernel', _NoNVRTC)


def test_a_gpu_without_nvrtc_is_not_available_and_the_error_names_the_fix(broken_cupy):
    assert autograd.cuda.is_available() is False
    with pytest.raises(RuntimeError) as caught:
        autograd.ones(2, device='cuda')
    message = str(caught.value)
    for words in ("cannot run kernels", "Failed to find CUDA headers", 'pip install -e ".[cuda13]"',
                  "cupy-cuda13x[ctk]", "device='cpu'"):
        assert words in message, message


def test_a_working_install_is_probed_once(monkeypatch):
    install(monkeypatch)
    monkeypatch.setattr(backend, '_probed', False)
    calls = []
    real = FAKE.ElementwiseKernel

    def counting(*args):
        calls.append(args[-1])
        return real(*args)
    monkeypatch.setattr(FAKE, 'ElementwiseKernel', counting)
    assert autograd.cuda.is_available() and autograd.cuda.is_available()
    assert calls == ['autograd_probe']


def test_the_trainer_says_how_to_install(broken_cupy):
    from autograd.examples import mnist
    args = mnist.parse_args(['--device', 'cuda'])
    with pytest.raises(mnist.Stop, match=r'cupy-cuda13x\[ctk\]'):
        mnist.run(args)
