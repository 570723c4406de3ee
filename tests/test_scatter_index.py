"""scatter with reduce, scatter_reduce, index_put/add/copy/fill (functional, method and in-place forms) and
unique/unique_consecutive against torch: values, dtypes, node names, errors, and the gradients at the hard
points (ties for amax/amin, zeros for prod, empty groups for mean). The op table (tests/op_specs.py) draws
the random cases; this file pins the cases a random draw rarely hits."""
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
from torch_oracle import assert_same, check, error_of, host

REDUCES = ['sum', 'prod', 'mean', 'amax', 'amin']


def test_the_issue_example():
    check(lambda m: m.ones(3).scatter_(0, m.tensor([0, 2]), m.tensor([5., 6.]), reduce='add'))


@pytest.mark.parametrize('fn', [
    lambda m: m.ones(3).scatter_(0, m.tensor([0, 2]), 5., reduce='multiply'),
    lambda m: m.ones(3).scatter(0, m.tensor([0, 0]), m.tensor([5., 6.]), reduce='multiply'),
    lambda m: m.ones(3).scatter(0, m.tensor([0, 0]), m.tensor([5., 6.]), reduce='add'),
    lambda m: m.ones(2, 3).scatter(1, m.tensor([[0, 0], [2, 1]]), m.tensor([[5., 6.], [7., 8.]]), reduce='multiply'),
    lambda m: m.ones(3, dtype=m.long).scatter_(0, m.tensor([0, 1]), 5.5),
    lambda m: m.ones(3, dtype=m.long).scatter_(0, m.tensor([0, 1]), 5.5, reduce='add'),
    lambda m: m.ones(3, dtype=m.long).scatter_(0, m.tensor([0, 1], dtype=m.int32), 5),
    lambda m: m.scatter(m.ones(3), 0, m.tensor([0, 1]), value=2.),
    lambda m: m.scatter(m.ones(3), 0, m.tensor([0, 1]), 2., reduce='add'),
    lambda m: m.ones(()).scatter(0, m.tensor(0), 4.),
    lambda m: m.ones(3).scatter(0, m.tensor([0, 1]), m.tensor([5., 6.]), reduce='mean'),
    lambda m: m.ones(3).scatter(0, m.tensor([0, 3]), m.tensor([5., 6.])),
    lambda m: m.ones(3).scatter(0, m.tensor([-1]), 1.),
    lambda m: m.ones(3).scatter(0, m.tensor([0, 1, 2]), m.tensor([5., 6.])),
    lambda m: m.ones(3).scatter(0, m.tensor([0, 1]), m.tensor([5, 6])),
    lambda m: m.ones(3).scatter_(0, m.tensor([0., 1]), 5),
    lambda m: m.ones(3).scatter(0, m.tensor([[0, 1]]), 5.),
])
def test_scatter_with_reduce_and_value_forms(fn):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')   # the deprecation of reduce= with a tensor src
        check(fn)


def test_scatter_with_reduce_has_no_derivative_as_in_torch():
    for m in (torch, autograd):
        x = m.ones(3, requires_grad=True)
        y = x.scatter(0, m.tensor([0]), 2., reduce='add')
        assert y.requires_grad and y.grad_fn.name() == 'torch::autograd::NotImplemented'
    assert error_of(lambda m: m.ones(3, requires_grad=True).scatter(0, m.tensor([0]), 2., reduce='add').sum()
                    .backward(), autograd) == error_of(
        lambda m: m.ones(3, requires_grad=True).scatter(0, m.tensor([0]), 2., reduce='add').sum().backward(), torch)


def _grads(m, fn, *arrays):
    leaves = [m.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = fn(m, *leaves)
    seed = m.tensor(np.arange(1., out.numel() + 1).reshape(tuple(out.shape)))
    grads = m.autograd.grad(out, leaves, seed, allow_unused=True)
    return [out] + [g if g is not None else m.zeros(()) for g in grads]


@pytest.mark.parametrize('include_self', [True, False])
@pytest.mark.parametrize('reduce', REDUCES)
@pytest.mark.parametrize('x, src, index', [
    ([1., 3., 2.], [3., 3., 1., 4.], [0, 1, 1, 2]),          # ties between self and src, and within src
    ([1., 0., 2.], [3., 0., 0., 4.], [0, 1, 1, 2]),          # two zeros meet (prod)
    ([0., 2., 2.], [0., 5., 2., 2.], [0, 0, 2, 2]),          # one zero each, and three-way ties
    ([1., 2., 3., 4.], [5., 6.], [3, 3]),                    # positions nothing is scattered to
    ([[1., 5.], [2., 2.]], [[2., 5.], [2., 1.]], [[1, 0], [1, 0]]),
], ids=['ties', 'two_zeros', 'one_zero', 'untouched', '2d'])
def test_scatter_reduce_values_and_gradients_at_hard_points(x, src, index, reduce, include_self):
    def fn(m, a, s):
        return a.scatter_reduce(0, m.tensor(index), s, reduce, include_self=include_self)
    assert_same(_grads(autograd, fn, x, src), _grads(torch, fn, x, src))


@pytest.mark.parametrize('reduce', REDUCES)
def test_scatter_reduce_integers_and_in_place(reduce):
    for include_self in (True, False):
        check(lambda m: m.tensor([1, -7, 3]).scatter_reduce(0, m.tensor([0, 0, 2, 0]), m.tensor([-5, 4, 9, -2]),
                                                            reduce, include_self=include_self))
        check(lambda m: m.tensor([1., -7., 3.]).scatter_reduce_(0, m.tensor([0, 0]), m.tensor([-5., 4.]), reduce,
                                                                 include_self=include_self))
        check(lambda m: m.scatter_reduce(m.tensor([1., 2.]), 0, m.tensor([1, 1]), m.tensor([3., 4.]), reduce,
                                         include_self=include_self))


@pytest.mark.parametrize('fn', [
    lambda m: m.ones(3).scatter_reduce(0, m.tensor([0, 2]), m.tensor([5., 6.]), reduce='add'),
    lambda m: m.ones(3).scatter_reduce(0, m.tensor([0, 3]), m.tensor([5., 6.]), reduce='amax'),
    lambda m: m.ones(3).scatter_reduce(0, m.tensor([[0, 0]]), m.tensor([5., 6.]), reduce='amax'),
    lambda m: m.ones(3).scatter_reduce(0, m.tensor([0, 1]), m.tensor([5, 6]), 'sum'),
    lambda m: m.ones(()).scatter_reduce(0, m.tensor(0), m.tensor(2.), 'sum', include_self=False),
    lambda m: m.ones(3).scatter_reduce(0, m.tensor(0), m.tensor(2.), 'prod', include_self=False),
])
def test_scatter_reduce_edges_and_errors(fn):
    check(fn)


def test_scatter_reduce_node_names_are_torchs():
    for fn in (lambda m, x: x.scatter_reduce(0, m.tensor([0]), m.tensor([2.]), 'sum'),
               lambda m, x: x.scatter(0, m.tensor([0]), m.tensor([2.])),
               lambda m, x: x.scatter(0, m.tensor([0]), 2.),
               lambda m, x: x.scatter_add(0, m.tensor([0]), m.tensor([2.])),
               lambda m, x: x.index_add(0, m.tensor([0]), m.tensor([2.])),
               lambda m, x: x.index_copy(0, m.tensor([0]), m.tensor([2.])),
               lambda m, x: x.index_fill(0, m.tensor([0]), 2.),
               lambda m, x: x.index_fill(0, m.tensor([0]), m.tensor(2., requires_grad=True)),
               lambda m, x: x.index_put((m.tensor([0]),), m.tensor(2.)),
               lambda m, x: x.index_put((m.tensor([0]),), m.tensor(2.), accumulate=True),
               lambda m, x: x.as_strided((2,), (1,)),
               lambda m, x: m.unique(x), lambda m, x: m.unique(x, dim=0), lambda m, x: m.unique_consecutive(x)):
        names = [fn(m, m.ones(3, requires_grad=True)).grad_fn.name() for m in (torch, autograd)]
        assert names[0] == names[1]


@pytest.mark.parametrize('fn', [
    lambda m: m.ones(3).index_add(0, m.tensor([0, 0]), m.tensor([5., 7]), alpha=2),
    lambda m: m.ones(3, 2).index_add(1, m.tensor([1, 1, 0]), m.ones(3, 3)),
    lambda m: m.ones(()).index_add(0, m.tensor(0), m.tensor(2.)),
    lambda m: m.ones(3).index_add_(0, m.tensor([2]), m.tensor([5.])),
    lambda m: m.ones(3).index_add(0, m.tensor([[0, 0]]), m.tensor([5., 7])),
    lambda m: m.ones(3).index_add(0, m.tensor([0, 3]), m.tensor([5., 7])),
    lambda m: m.ones(3).index_add(0, m.tensor([0, -1]), m.tensor([5., 7])),
    lambda m: m.ones(3).index_add(0, m.tensor([0, 1]), m.tensor([5., 7, 8])),
    lambda m: m.ones(3).index_add(0, m.tensor([0., 1]), m.tensor([5., 7])),
    lambda m: m.ones(3).index_add(0, m.tensor([0, 1]), m.tensor([5, 7])),
    lambda m: m.ones(3, 2).index_add(1, m.tensor([0, 1]), m.ones(2, 2)),
    lambda m: m.ones(3).index_add(0, m.tensor(1), m.tensor(5.)),
    lambda m: m.ones(3).index_copy(0, m.tensor([2, 0]), m.tensor([5., 7])),
    lambda m: m.ones(3).index_copy_(0, m.tensor(1), m.tensor(5.)),
    lambda m: m.ones(()).index_copy(0, m.tensor([0]), m.tensor(2.)),
    lambda m: m.ones(3).index_copy(0, m.tensor([0, 1, 2]), m.tensor([5., 7])),
    lambda m: m.ones(3).index_copy(0, m.tensor([0, 3]), m.tensor([5., 7])),
    lambda m: m.ones(3).index_fill(0, m.tensor([0, -1]), 5),
    lambda m: m.ones(3, 2).index_fill(-1, m.tensor([1]), m.tensor(5.)),
    lambda m: m.ones(3, dtype=m.long).index_fill_(0, m.tensor([0, 1]), 5.5),
    lambda m: m.ones(()).index_fill(0, m.tensor(0), 2.),
    lambda m: m.ones(3).index_fill(0, m.tensor([0, 1]), m.tensor([5.])),
    lambda m: m.ones(3).index_fill(0, m.tensor([0, 3]), 5.),
    lambda m: m.ones(3).index_put((m.tensor([0, 0]),), m.tensor([5., 7]), accumulate=True),
    lambda m: m.ones(3, 2).index_put((m.tensor([0, 2]),), m.tensor([5., 7])),
    lambda m: m.ones(3, 2).index_put((m.tensor([0, 2]), m.tensor([1])), m.tensor(5.)),
    lambda m: m.ones(3, 2).index_put([m.tensor([True, False, True])], m.tensor(5.)),
    lambda m: m.ones(3, 2).index_put_((m.tensor([-1]),), m.tensor([5., 6.]), accumulate=True),
    lambda m: m.index_put(m.ones(3, 2), (m.tensor([0, 2]),), m.tensor(5.)),
    lambda m: m.ones(3, 2).index_put((None, m.tensor([1])), m.tensor(5.)),
    lambda m: m.ones(3, 2).index_put((m.tensor([0, 3]),), m.tensor(5.)),
    lambda m: m.ones(3, 2).index_put((m.tensor([0, 1]),), m.tensor([5, 6])),
    lambda m: m.ones(3, 2).index_put((m.tensor([0, 1]),), 5.),
    lambda m: m.ones(3, 2).index_put((m.tensor([0, 1]),), m.tensor([1., 2, 3])),
])
def test_index_writes_match_torch(fn):
    check(fn)


def test_index_fill_gives_a_value_repeated_in_the_index_one_gradient():
    def fn(m, x, v):
        return x.index_fill(0, m.tensor([1, 1, 0]), v.squeeze())   # torch's backward refuses negative ones
    assert_same(_grads(autograd, fn, [1., 2., 3.], [2.]), _grads(torch, fn, [1., 2., 3.], [2.]))


# ---- unique ----------------------------------------------------------------------------------------
def _unique_case(draw):
    shape = draw(st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple))
    values = draw(st.lists(st.sampled_from([0., 1., 2., -1., float('nan')]), min_size=int(np.prod(shape)),
                           max_size=int(np.prod(shape))))
    dtype = draw(st.sampled_from(['float32', 'int64', 'bool']))
    array = np.array(values, dtype=np.float64).reshape(shape)
    if dtype != 'float32':
        array = np.nan_to_num(array).astype(dtype)
    dim = draw(st.one_of(st.none(), st.integers(-len(shape), len(shape) - 1))) if shape else None
    inverse = draw(st.booleans())
    if dim is not None or inverse:   # NaNs are incomparable: which NaN group (or NaN slice) comes first is an
        array = np.nan_to_num(array, nan=3.)   # accident of torch's unstable sort
    return array.astype(dtype), dim, draw(st.booleans()), inverse, draw(st.booleans())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_unique_and_unique_consecutive_match_torch(data):
    array, dim, sorted_, inverse, counts = _unique_case(data.draw)
    check(lambda m: m.unique(m.tensor(array), sorted=sorted_, return_inverse=inverse, return_counts=counts, dim=dim))
    check(lambda m: m.tensor(array).unique_consecutive(return_inverse=inverse, return_counts=counts, dim=dim))


@pytest.mark.parametrize('fn', [
    lambda m: m.unique(m.tensor([[1, 2], [0, 5], [1, 2]]), dim=0, return_inverse=True, return_counts=True),
    lambda m: m.unique(m.tensor([[1, 2], [0, 5], [1, 2]]), dim=-1, sorted=False, return_inverse=True),
    lambda m: m.unique(m.tensor([[1., float('nan')], [0., 2], [1., float('nan')], [0, 2]]), dim=0,
                       return_inverse=True),   # NaN rows after the others, each its own group
    lambda m: m.unique(m.tensor([[1, 2], [0, 5]]), dim=2),
    lambda m: m.unique(m.zeros(2, 0), dim=0),
    lambda m: m.unique(m.tensor(3.), dim=0),
    lambda m: m.unique(m.tensor(3.), return_inverse=True, return_counts=True),
    lambda m: m.unique(m.tensor([[3, 1], [2, 1]]), True, True, True, 0),
    lambda m: m.unique_consecutive(m.tensor([[1, 1], [1, 1], [2, 3], [1, 1]]), dim=0, return_inverse=True,
                                   return_counts=True),
    lambda m: m.unique_consecutive(m.tensor([float('nan'), float('nan'), 1.]), return_counts=True),
])
def test_unique_edges_match_torch(fn):
    check(fn)


def test_unique_outputs_require_grad_but_have_no_derivative_as_in_torch():
    for f in (lambda m, x: m.unique(x), lambda m, x: m.unique(x, dim=0), lambda m, x: m.unique_consecutive(x)):
        outcome = [error_of(lambda m: f(m, m.tensor([1., 2., 1.], requires_grad=True)).sum().backward(), m)
                   for m in (torch, autograd)]
        assert outcome[0] == outcome[1]
    assert host(autograd.unique(autograd.tensor([2., 1.], requires_grad=True))).tolist() == [1., 2.]
