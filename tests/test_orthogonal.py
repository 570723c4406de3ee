"""nn.utils.parametrizations.orthogonal against torch: the orthogonalised weight, the gradient of the
unconstrained matrix through each map (matrix_exp, cayley, householder), a few SGD steps, state-dict keys and
errors, over hypothesis-drawn shapes (square, tall, wide, batched)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
from tolerance import assert_close


def _run(lib, shape, orthogonal_map, steps=3):
    lib.manual_seed(0)
    module = lib.nn.Module()
    module.weight = lib.nn.Parameter(lib.randn(*shape, dtype=lib.float64))
    lib.nn.utils.parametrizations.orthogonal(module, orthogonal_map=orthogonal_map)
    opt = lib.optim.SGD(module.parameters(), lr=0.1)
    x = lib.arange(float(shape[-1]), dtype=lib.float64).sin()
    grads = []
    for _ in range(steps):
        opt.zero_grad()
        (module.weight @ x).pow(3).sum().backward()
        grads.append(module.parametrizations.weight.original.grad.numpy().copy())
        opt.step()
    return module.weight.detach().numpy(), grads, sorted(module.state_dict())


@settings(max_examples=12, deadline=None)
@given(shape=st.sampled_from([(3, 3), (5, 3), (3, 5), (2, 4, 4), (2, 5, 2), (1, 1)]),
       orthogonal_map=st.sampled_from([None, 'matrix_exp', 'cayley', 'householder']))
def test_orthogonal_parametrization_matches_torch(shape, orthogonal_map):
    ours, theirs = _run(autograd, shape, orthogonal_map), _run(torch, shape, orthogonal_map)
    assert_close(ours[0], theirs[0], 'float64', scale=10, what='weight')
    for a, b in zip(ours[1], theirs[1]):
        assert_close(a, b, 'float64', scale=10, what='gradient of the unconstrained matrix')
    assert ours[2] == theirs[2]
    w = ours[0] if ours[0].shape[-2] >= ours[0].shape[-1] else np.swapaxes(ours[0], -1, -2)
    assert_close(np.swapaxes(w, -1, -2) @ w, np.broadcast_to(np.eye(w.shape[-1]), w.shape[:-2] + (w.shape[-1],) * 2),
                 'float64', scale=100)


@pytest.mark.parametrize('make', [lambda m: m.nn.utils.parametrizations.orthogonal(m.nn.Linear(3, 3), 'qr'),
                                  lambda m: m.nn.utils.parametrizations.orthogonal(m.nn.Linear(3, 3), 'bias')])
def test_orthogonal_errors_are_torchs(make):
    with pytest.raises(ValueError) as theirs:
        make(torch)
    with pytest.raises(ValueError) as ours:
        make(autograd)
    assert str(ours.value) == str(theirs.value)
