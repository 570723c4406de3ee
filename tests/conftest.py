"""Shared fixtures: the device every test runs on, and the data folder for tests that read MNIST.

Device-parametrised tests run on 'cpu' and on 'cuda'. Where no GPU is present, 'cuda' is served by the strict
NumPy-backed fake CuPy of fake_cuda.py (installed per test, undone after it), so the whole device path is
exercised on every machine; on a GPU machine the same tests run on the real device.
"""
import os

import pytest

import autograd

REAL_CUDA = autograd.cuda.is_available()
DEVICES = ['cpu', 'cuda']


@pytest.fixture(params=DEVICES, scope="session")
def device(request):
    return request.param


@pytest.fixture(autouse=True)
def _fake_cuda_without_a_gpu(request, monkeypatch):
    """Autouse (not requested by tests), so hypothesis's function-scoped-fixture check does not apply."""
    if not REAL_CUDA and 'device' in request.fixturenames and request.getfixturevalue('device') == 'cuda':
        from fake_cuda import install
        install(monkeypatch)


@pytest.fixture
def data_dir():
    path = os.environ.get('AUTOGRAD_DATA_DIR')
    if not path or not os.path.isdir(path):
        pytest.skip("AUTOGRAD_DATA_DIR is not set to the folder holding mnist/ and fashion-mnist/")
    return path
