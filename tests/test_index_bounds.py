"""Out-of-range indices raise torch's error class and words on every device.

CuPy checks no bounds (an index past the end wraps around), so on a GPU each index op checks its indices
itself; the strict fake CuPy wraps as CuPy does, so the 'cuda' half of this test fails without those checks."""
import re

import pytest
import torch

import autograd

F = 'nn.functional'
CASES = {
    'getitem': lambda m, d: m.arange(3., device=d)[m.tensor([0, 5], device=d)],
    'getitem negative': lambda m, d: m.arange(3., device=d)[m.tensor([-4], device=d)],
    'getitem second dim': lambda m, d: m.ones(2, 3, device=d)[:, m.tensor([3], device=d)],
    'getitem after ellipsis': lambda m, d: m.ones(2, 3, device=d)[..., m.tensor([1, 3], device=d)],
    'setitem': lambda m, d: m.zeros(3, device=d).__setitem__(m.tensor([3], device=d), 1.),
    'index_select': lambda m, d: m.arange(3., device=d).index_select(0, m.tensor([3], device=d)),
    'gather': lambda m, d: m.ones(2, 3, device=d).gather(1, m.tensor([[3], [0]], device=d)),
    'scatter': lambda m, d: m.zeros(3, device=d).scatter(0, m.tensor([3], device=d), m.ones(1, device=d)),
    'scatter_add': lambda m, d: m.zeros(3, device=d).scatter_add(0, m.tensor([-1], device=d), m.ones(1, device=d)),
    'embedding': lambda m, d: m.nn.functional.embedding(m.tensor([4], device=d), m.ones(3, 2, device=d)),
    'cross_entropy': lambda m, d: m.nn.functional.cross_entropy(m.ones(2, 3, device=d), m.tensor([0, 3], device=d)),
    'nll_loss': lambda m, d: m.nn.functional.nll_loss(m.ones(2, 3, device=d), m.tensor([0, 3], device=d)),
    'one_hot': lambda m, d: m.nn.functional.one_hot(m.tensor([3], device=d), 3),
}


@pytest.mark.parametrize('name', list(CASES))
def test_out_of_range_indices_raise_torchs_error_on_every_device(name, device):
    with pytest.raises(Exception) as theirs:
        CASES[name](torch, 'cpu')
    with pytest.raises(type(theirs.value)) as ours:
        CASES[name](autograd, device)
    # torch numbers the dimension of x[:, i] within the indexed view (0); ours names x's own dimension (1)
    words = re.sub(r'dimension \d+', 'dimension N', str(theirs.value).split(' (')[0].rstrip('.'))
    assert words in re.sub(r'dimension \d+', 'dimension N', str(ours.value)), (str(ours.value), str(theirs.value))


def test_in_range_indices_still_work_on_every_device(device):
    x = autograd.arange(6., device=device).reshape(2, 3)
    assert x[:, autograd.tensor([-3, 2], device=device)].tolist() == [[0., 2.], [3., 5.]]
