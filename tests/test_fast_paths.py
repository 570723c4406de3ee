"""The speed paths of issue 16 keep every semantic.

Elementwise backwards run on raw arrays when no graph of the backward is recorded, and the engine sums
gradients meeting at a node on the arrays. Both must give exactly what the Tensor-op path gives (the same
arithmetic in the same order: compared exactly), torch's values (compared within tolerance), and still
detect in-place changes of saved values.
"""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
from tolerance import assert_close

UNARY = ['exp', 'log', 'sqrt', 'tanh', 'sigmoid', 'relu', 'neg']
BINARY = ['add', 'sub', 'mul', 'div']


def _program(m, op, x, y):
    if op in UNARY:
        return getattr(m, op)(x * y)
    return getattr(m, op)(x, y) * y


def _grads(m, op, xs, ys, create_graph, dtype):
    x = m.tensor(xs, dtype=getattr(m, dtype), requires_grad=True)
    y = m.tensor(ys, dtype=getattr(m, dtype), requires_grad=True)
    out = _program(m, op, x, y).sum() + (x ** 2).sum() + (x * 3.0).sum()   # gradients meet at x's node
    return m.autograd.grad(out, (x, y), create_graph=create_graph)


values = st.floats(0.25, 4.0, allow_nan=False, width=32)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('op', UNARY + BINARY)
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_raw_backward_equals_tensor_backward_and_torch(op, dtype, data):
    shape_x = data.draw(st.sampled_from([(), (3,), (2, 3)]))
    shape_y = data.draw(st.sampled_from([(), (3,), (1, 3)]))   # broadcasting: gradients summed back
    xs = np.array(data.draw(st.lists(values, min_size=int(np.prod(shape_x)), max_size=int(np.prod(shape_x)))))
    ys = np.array(data.draw(st.lists(values, min_size=int(np.prod(shape_y)), max_size=int(np.prod(shape_y)))))
    xs, ys = xs.reshape(shape_x), ys.reshape(shape_y)
    fast = _grads(autograd, op, xs, ys, False, dtype)
    slow = _grads(autograd, op, xs, ys, True, dtype)
    ref = _grads(torch, op, xs, ys, False, dtype)
    for f, s, r in zip(fast, slow, ref):
        assert f.dtype == s.dtype == getattr(autograd, dtype) and f.shape == s.shape == r.shape
        assert not f.requires_grad and f.grad_fn is None
        np.testing.assert_array_equal(f.numpy(), s.detach().numpy())
        assert_close(f.numpy(), r.numpy(), dtype)


def test_raw_backward_still_detects_in_place_changes():
    for m in (autograd, torch):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        y = x.tanh()            # saves its output
        z = (x * 2) * x         # mul saves its inputs
        y.add_(1)
        with pytest.raises(RuntimeError, match='modified by an inplace operation'):
            y.sum().backward()
        w = x * 2
        v = w * w
        w.mul_(3)
        with pytest.raises(RuntimeError, match='modified by an inplace operation'):
            v.sum().backward()
        z.sum().backward()
        assert x.grad is not None


def test_gradient_of_another_dtype_takes_the_tensor_path():
    """backward(gradient=float64) through float32 ops: promotion as torch, not NumPy's 0-d rules."""
    out = {}
    for m in (autograd, torch):
        x = m.tensor(2.0, requires_grad=True)
        y = m.tensor([1.0, 3.0], requires_grad=True)
        (x * y).backward(m.tensor([1.0, 2.0], dtype=m.float64))
        out[m] = (x.grad, y.grad)
    for ours, theirs in zip(out[autograd], out[torch]):
        assert str(ours.dtype).split('.')[-1] == str(theirs.dtype).split('.')[-1]
        assert_close(ours.numpy(), theirs.numpy(), 'float32')


HARD = [-1000.0, -710.0, -100.0, -88.8, -88.7, -20.0, -1e-3, -0.0, 0.0, 1e-3, 0.5, 20.0, 100.0, 1000.0,
        float('inf'), float('-inf'), float('nan')]


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
@pytest.mark.parametrize('op', ['sigmoid', 'tanh', 'relu', 'exp'])
def test_fast_unary_forms_at_hard_points_match_torch(op, dtype):
    """The in-place sigmoid (-x clamped where exp would overflow) and the 0-d forms (Python floats for
    sigmoid, out=... for the rest): values and gradients at overflow, underflow, signed zeros, inf and NaN."""
    def run(m, values):
        x = m.tensor(values, dtype=getattr(m, dtype), requires_grad=True)
        y = getattr(m, op)(x)
        y.sum().backward()
        return y.detach().numpy(), x.grad.numpy()
    with np.errstate(over='ignore'):   # torch's exp overflows silently; ours is compared, not NumPy's warning
        for values in [HARD] + [[v] for v in HARD] + HARD:   # a vector, 1-element vectors, 0-d tensors
            ours, theirs = run(autograd, values), run(torch, values)
            for a, b in zip(ours, theirs):
                assert a.dtype == b.dtype and a.shape == b.shape
                assert_close(a, b, dtype)


@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_sigmoid_underflows_to_torchs_exact_zero(dtype):
    """Where exp(-x) overflows torch's sigmoid is exactly 0, so x * sigmoid(x) at -inf is NaN, not -inf."""
    for values in ([float('-inf'), -1000.0, -750.0, -100.0], float('-inf'), -1000.0):
        got = {}
        for m in (autograd, torch):
            x = m.tensor(values, dtype=getattr(m, dtype))
            with np.errstate(invalid='ignore'):   # -inf * 0 (torch's NaN; NumPy would also warn)
                got[m] = (m.sigmoid(x).numpy(), (x * m.sigmoid(x)).numpy())
        for a, b in zip(got[autograd], got[torch]):
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize('op', ['mul', 'add', 'sub', 'div', 'tanh', 'sigmoid', 'relu', 'exp'])
def test_0d_results_are_writable_arrays(op):
    """0-d outputs stay writable arrays (not NumPy scalars), so in-place ops on them work as on torch's."""
    x, y = autograd.tensor(0.5), autograd.tensor(0.25)
    out = getattr(autograd, op)(x, y) if op in BINARY else getattr(autograd, op)(x)
    assert type(out.array) is np.ndarray and out.array.flags.writeable and out.shape == ()
    before = out.array.copy()
    out.add_(1)
    assert out.item() == before + np.float32(1)   # float32 arithmetic, as the tensor's


def test_nodes_keep_no_containers_for_the_collector():
    """A node of a one- or two-input op keeps its edges, saved tensors and output in slots: it holds no
    tuple, list or dict that Python's cyclic collector would traverse (issue 16: full collections over a
    growing graph cost a tiny-op workload more than its arithmetic)."""
    import gc
    a = autograd.tensor(0.5, requires_grad=True)
    b = autograd.tensor([1.0, 2.0], requires_grad=True)
    outs = [a * b, a + b, a - b, a / b, b.relu(), b.tanh(), b.sigmoid(), b.exp(), b.log()]
    gc.collect()   # untracks tuples of atomic values (a tuple of shapes may need a second pass: inner ones first)
    gc.collect()
    for out in outs:   # the one exception: the version counter an op saving its output shares with it
        held = [type(o).__name__ for o in gc.get_referents(out.grad_fn)
                if gc.is_tracked(o) and isinstance(o, (tuple, list, dict)) and o is not out._vc]
        assert held == [], (out.grad_fn.name(), held)
