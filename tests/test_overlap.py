"""Writes into memory that is read at the same time, against torch: every kind of write (in-place ops, setitem,
copy_, fill_, the index/scatter writes, out=) on every kind of layout (aliased elements of an expanded tensor,
partial, full and no overlap with an input, layouts torch finds too hard to compare). Each case must raise
torch's RuntimeError with torch's text, or leave the very values torch leaves."""
import warnings

import numpy as np
import pytest
import torch

import autograd
from tolerance import assert_close
from torch_oracle import error_of, host


def _layouts():
    """name -> build(m) returning (base, target written to, input read), target and input of one shape (4,)."""
    def arange(m, n=8):
        return m.arange(n, dtype=m.float64) + 1
    return {
        'expanded': lambda m: (lambda b: (b, b.expand(4), m.arange(4, dtype=m.float64)))(m.ones(1, dtype=m.float64)),
        'partial': lambda m: (lambda b: (b, b[1:5], b[:4]))(arange(m)),
        'same_view': lambda m: (lambda b: (b, b[:4], b[:4]))(arange(m)),
        'disjoint': lambda m: (lambda b: (b, b[:4], b[4:]))(arange(m)),
        'reversed_in_place': lambda m: (lambda b: (b, b.view(2, 2).reshape(4), b.view(2, 2).t().reshape(4)))(
            arange(m, 4)),
        'interleaved': lambda m: (lambda b: (b, b[::2], b[1::2]))(arange(m)),
        'column_vs_row': lambda m: (lambda b: (b, b[:, 0], b[0]))(arange(m, 16).view(4, 4)),
        'strided_partial': lambda m: (lambda b: (b, b[:4, 0], b[1:, 0]))(arange(m, 20).view(5, 4)),
    }


def _writes():
    """name -> write(m, target, input)."""
    idx = lambda m: m.tensor([0, 2])   # noqa: E731
    return {
        'add_': lambda m, t, i: t.add_(i),
        'sub_alpha': lambda m, t, i: t.sub_(i, alpha=2),
        'mul_': lambda m, t, i: t.mul_(i),
        'div_': lambda m, t, i: t.div_(i),
        'iadd': lambda m, t, i: t.__iadd__(i),
        'clamp_': lambda m, t, i: t.clamp_(min=i),
        'addcmul_': lambda m, t, i: t.addcmul_(i, i),
        'lerp_': lambda m, t, i: t.lerp_(i, 0.5),
        'exp_': lambda m, t, i: t.exp_(),
        'add_scalar': lambda m, t, i: t.add_(1),
        'copy_': lambda m, t, i: t.copy_(i),
        'setitem_all': lambda m, t, i: t.__setitem__(slice(None), i),
        'setitem_scalar': lambda m, t, i: t.__setitem__(Ellipsis, 2.),
        'setitem_one': lambda m, t, i: t.__setitem__(1, i[0]),
        'setitem_index': lambda m, t, i: t.__setitem__(idx(m), i[1:3]),
        'setitem_mask': lambda m, t, i: t.__setitem__(m.tensor([True, False, True, False]), i[:2]),
        'fill_number': lambda m, t, i: t.fill_(2.),
        'fill_tensor': lambda m, t, i: t.fill_(i[1]),
        'zero_': lambda m, t, i: t.zero_(),
        'masked_fill_': lambda m, t, i: t.masked_fill_(m.tensor([True, False, False, True]), 5.),
        'index_put_': lambda m, t, i: t.index_put_((idx(m),), i[:2]),
        'index_put_acc': lambda m, t, i: t.index_put_((idx(m),), i[:2], accumulate=True),
        'index_fill_': lambda m, t, i: t.index_fill_(0, idx(m), 7.),
        'index_add_': lambda m, t, i: t.index_add_(0, idx(m), i[:2]),
        'index_copy_': lambda m, t, i: t.index_copy_(0, idx(m), i[:2]),
        'scatter_': lambda m, t, i: t.scatter_(0, idx(m), i),
        'scatter_value': lambda m, t, i: t.scatter_(0, idx(m), 3.),
        'scatter_add_': lambda m, t, i: t.scatter_add_(0, idx(m), i),
        'scatter_reduce_': lambda m, t, i: t.scatter_reduce_(0, idx(m), i, 'amax'),
        'out_add': lambda m, t, i: m.add(i, 1, out=t),
        'out_mul': lambda m, t, i: m.mul(i, i, out=t),
        'out_exp': lambda m, t, i: m.exp(i, out=t),
        'out_cat': lambda m, t, i: m.cat([i[:2], i[2:]], out=t),
        'uniform_': lambda m, t, i: t.uniform_(),
        'normal_': lambda m, t, i: t.normal_(),
    }


LAYOUTS, WRITES = _layouts(), _writes()
RANDOM = ('uniform_', 'normal_')


@pytest.mark.parametrize('write', list(WRITES))
@pytest.mark.parametrize('layout', list(LAYOUTS))
def test_a_write_into_overlapping_memory_raises_or_writes_as_torch(layout, write):
    outcome = {}
    for m in (torch, autograd):
        base, target, source = LAYOUTS[layout](m)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')   # torch warns once per process; the warnings have their own test
            try:
                WRITES[write](m, target, source)
                outcome[m] = ('wrote', host(base).copy())
            except Exception as e:
                outcome[m] = (type(e).__name__, str(e))
    ours, theirs = outcome[autograd], outcome[torch]
    assert ours[0] == theirs[0], f"torch: {theirs}, ours: {ours}"
    if ours[0] != 'wrote':
        assert ours[1] == theirs[1]
    elif write not in RANDOM:
        assert_close(ours[1], theirs[1], 'float64')


@pytest.mark.parametrize('write, example', [
    (lambda m, t: t.masked_fill_(m.tensor([True, False, False]), 2.), 'tensor[mask] = scalar'),
    (lambda m, t: t.index_fill_(0, m.tensor([1]), 2.), 'tensor[mask] = scalar'),
    (lambda m, t: t.index_put_((m.tensor([1]),), m.tensor([2.])), 'tensor[indices] = tensor'),
    (lambda m, t: t.__setitem__(m.tensor([1]), 2.), 'tensor[indices] = tensor'),
])
def test_writes_torch_allows_into_expanded_tensors_warn_in_its_words(write, example):
    with pytest.warns(UserWarning, match='on expanded tensors is deprecated. Please clone') as record:
        write(autograd, autograd.ones(1).expand(3))
    assert example in str(record[0].message)


def test_the_issue_examples():
    for fn in (lambda m: m.ones(1, 1).expand(4, 5).add_(1),
               lambda m: (lambda a: a.__isub__(a[:, :1]))(m.tensor([[1., 2.]]))):
        assert error_of(fn, autograd) == error_of(fn, torch)


def test_overlap_checks_also_guard_recorded_writes():
    """With autograd recording, the same errors come before any graph is touched."""
    for fn in (lambda m: (lambda a: a[1:].add_(a[:-1]))(m.ones(4, requires_grad=True) * 1),
               lambda m: (lambda a: a[1:].copy_(a[:-1]))(m.ones(4, requires_grad=True) * 1),
               lambda m: (lambda a: a.__setitem__(slice(1, None), a[:-1]))(m.ones(4, requires_grad=True) * 1),
               lambda m: (m.ones(1, requires_grad=True) * 1).expand(3).mul_(2)):
        assert error_of(fn, autograd) == error_of(fn, torch)


def test_fill_of_an_expanded_tensor_writes_its_one_memory_location():
    """torch writes only the selected positions, so an unselected alias does not undo a selected one."""
    a, t = autograd.zeros(1, 2), torch.zeros(1, 2)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for m, b in ((autograd, a), (torch, t)):
            b.expand(3, 2).fill_(4.)
            b.expand(3, 2).masked_fill_(m.tensor([[False, True], [False, False], [False, False]]), 1.)
    assert np.array_equal(host(a), host(t))
