"""Shared fixtures: the device every test runs on, and the data folder for tests that read MNIST."""
import os

import pytest

import autograd

CUDA_SKIP = pytest.mark.skipif(not autograd.cuda.is_available(),
                               reason="no CUDA device here (CuPy missing or no GPU): CUDA cases run on a GPU machine")
DEVICES = ['cpu', pytest.param('cuda', marks=CUDA_SKIP)]


@pytest.fixture(params=DEVICES, scope="session")
def device(request):
    return request.param


@pytest.fixture
def data_dir():
    path = os.environ.get('AUTOGRAD_DATA_DIR')
    if not path or not os.path.isdir(path):
        pytest.skip("AUTOGRAD_DATA_DIR is not set to the folder holding mnist/ and fashion-mnist/")
    return path
