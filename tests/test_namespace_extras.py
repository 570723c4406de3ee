"""Torch-level conveniences the tutorials use: out= on functions, thread-count calls, 0-d scatter/gather
indices, ToPILImage — each compared with torch."""
import sys
import warnings

import numpy as np
import pytest
import torch

import autograd
from autograd.vision import transforms
from tolerance import assert_close


@pytest.mark.parametrize('name, args', [('matmul', ((2, 3), (3, 4))), ('mul', ((2, 3), (2, 3))),
                                        ('add', ((2, 3), (3,))), ('exp', ((4,),)), ('cat', None)])
def test_out_argument_writes_resizes_and_returns_out(name, args):
    rng = np.random.default_rng(0)
    results = []
    for m in (torch, autograd):
        if name == 'cat':
            inputs = ([m.tensor(rng.standard_normal((2, 2))), m.tensor(rng.standard_normal((1, 2)))],)
        else:
            inputs = tuple(m.tensor(rng.standard_normal(s)) for s in args)
        out = m.empty(7, dtype=m.float64)      # wrong shape: torch resizes it
        returned = getattr(m, name)(*inputs, out=out)
        assert returned is out
        results.append(out)
        rng = np.random.default_rng(0)
    assert tuple(results[0].shape) == tuple(results[1].shape)
    assert_close(results[1].numpy(), results[0].numpy())


def test_out_argument_refuses_inputs_that_require_grad():
    a = autograd.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        autograd.mul(a, a, out=autograd.empty(2))
    with pytest.raises(RuntimeError, match="out=... arguments don't support automatic differentiation"):
        torch.mul(torch.ones(2, requires_grad=True), 2, out=torch.empty(2))


def test_set_num_threads_without_threadpoolctl_warns_once_and_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, 'threadpoolctl', None)   # import threadpoolctl raises ImportError
    monkeypatch.setattr(autograd, '_warned_threads', False)
    before = autograd.get_num_threads()
    with pytest.warns(UserWarning, match=r"set_num_threads\(1\): threadpoolctl is not installed.*OPENBLAS_NUM_THREADS=1"):
        autograd.set_num_threads(1)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        autograd.set_num_threads(before)   # once per process
    assert autograd.get_num_threads() == before


def test_num_threads_round_trip():
    before = autograd.get_num_threads()
    autograd.set_num_threads(1)
    assert autograd.get_num_threads() == 1
    autograd.set_num_threads(before)
    assert autograd.get_num_threads() == before


def test_scatter_and_gather_accept_a_zero_dim_index_on_1d_input():
    for op in (lambda m: m.zeros(10).scatter_(0, m.tensor(3), value=1),
               lambda m: m.arange(5.).gather(0, m.tensor(2)),
               lambda m: m.zeros(4).scatter(0, m.tensor(1), m.tensor([7.]))):
        ours, theirs = op(autograd), op(torch)
        assert tuple(ours.shape) == tuple(theirs.shape)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        autograd.zeros(3, 4).scatter(1, autograd.tensor(2), 5.)


def test_to_pil_image_round_trips_through_to_tensor():
    pytest.importorskip('PIL', reason="ToPILImage needs Pillow")
    x = autograd.rand(3, 4, 5)
    image = transforms.ToPILImage()(x)
    assert image.size == (5, 4) and image.mode == 'RGB'
    back = transforms.ToTensor()(image)
    expected = np.floor(x.numpy() * 255).astype(np.uint8).astype(np.float32) / 255   # torchvision: mul(255).byte()
    assert_close(back.numpy(), expected)
    gray = transforms.ToPILImage()(autograd.rand(1, 6, 6))
    assert gray.mode == 'L' and gray.size == (6, 6)


def test_utils_submodules_the_readme_names_resolve_after_a_plain_import():
    import subprocess
    code = ("import autograd; u = autograd.utils; "
            "print(u.allocator.set_malloc_thresholds.__name__, u.viz.make_dot.__name__, u.safetensors.save_file.__name__)")
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ['set_malloc_thresholds', 'make_dot', 'save_file']
    with pytest.raises(AttributeError, match="has no attribute 'nope'"):
        autograd.utils.nope
