"""Every op in op_specs.OPS against torch: forward values, result dtypes, gradients for a random seed
gradient (a vector-Jacobian product), and second derivatives, over hypothesis-drawn shapes and options."""
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
from op_specs import OPS
from tolerance import tolerance

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _values(rng, shape, op, dtype, point=None):
    """Values from the row's domain; with a hard `point` (op_specs' module docstring) some or all replaced."""
    lo, hi = op.domain
    v = rng.uniform(lo, hi, shape)
    if op.positive:
        v = np.where(v >= 0, 1.0, -1.0) * (0.5 + np.abs(v))
    if point == 'tie':
        v = rng.choice(np.ravel(v)[:2] if np.size(v) >= 2 else np.ravel(v), size=shape)
    elif point in ('zero', 'inf', 'nan'):
        fill = {'zero': 0.0, 'nan': np.nan, 'inf': np.where(rng.random(shape) < 0.5, -np.inf, np.inf)}[point]
        v = np.where(rng.random(shape) < 0.35, fill, v)
    return np.asarray(v, dtype=dtype)


def _emptied(shapes, k):
    """The shapes with their k-th dim from the right set to 0 where it is not 1 (so broadcasting still
    holds); the first shape's when every one of them has 1 there. 0-d shapes stay as they are."""
    ranked = [s for s in shapes if len(s) >= k]
    if not ranked:
        return shapes
    first = next(i for i, s in enumerate(shapes) if len(s) >= k)
    all_one = all(s[-k] == 1 for s in ranked)
    out = []
    for i, s in enumerate(shapes):
        if len(s) >= k and (s[-k] != 1 or (all_one and i == first)):
            s = s[:len(s) - k] + (0,) + s[len(s) - k + 1:]
        out.append(s)
    return out


def _outputs(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def _build(m, op, arrays, extras, opts, device):
    dev = {} if m is torch else {'device': device}
    tensors = [m.tensor(a, requires_grad=op.grad, **dev) for a in arrays]
    extra = [m.tensor(e, **dev) for e in extras]
    return tensors, _outputs(op.call(m, *tensors, *extra, **opts))


def _host(t):
    return (t.detach().cpu() + 0).numpy() if isinstance(t, torch.Tensor) else autograd.backend.to_host(t.detach().array)


def _compare(ours, theirs, tol, what):
    assert len(ours) == len(theirs), f"{what}: {len(ours)} outputs, torch has {len(theirs)}"
    for a, b in zip(ours, theirs):
        assert a.dtype.name == str(b.dtype).replace('torch.', ''), f"{what}: dtype {a.dtype} vs torch {b.dtype}"
        assert tuple(a.shape) == tuple(b.shape), f"{what}: shape {tuple(a.shape)} vs torch {tuple(b.shape)}"
        np.testing.assert_allclose(_host(a), _host(b), err_msg=what, **tol)


def _draw_case(data, op, dtype):
    shapes, opts = op.inputs(data.draw)
    point = data.draw(st.sampled_from((None,) + tuple(op.hard)), label='hard point')
    if point == 'empty':
        shapes = _emptied([tuple(s) for s in shapes], data.draw(st.integers(1, 4), label='empty dim from the right'))
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    arrays = [_values(rng, s, op, dtype, point) for s in shapes]
    extras = op.index_inputs(shapes, opts, rng) if op.index_inputs else []
    return arrays, extras, opts, rng


def check_op(op, data, dtype, device, double=False):
    arrays, extras, opts, rng = _draw_case(data, op, dtype)
    tol = tolerance(dtype, op.condition)
    try:
        t_in, t_out = _build(torch, op, arrays, extras, opts, device)
    except Exception as error:   # torch refuses these inputs: so must we, with the same exception class
        with pytest.raises(type(error)):
            _build(autograd, op, arrays, extras, opts, device)
        return
    a_in, a_out = _build(autograd, op, arrays, extras, opts, device)
    _compare(a_out, t_out, tol, f"{op.name} forward {opts}")
    if not op.grad:
        assert not any(o.requires_grad for o in a_out), f"{op.name}: output should not require grad"
        return
    pairs = [(a, t) for a, t in zip(a_out, t_out) if t.requires_grad]
    if not pairs:
        return
    seeds = [rng.standard_normal(tuple(t.shape)).astype(dtype) for _, t in pairs]
    t_grads = torch.autograd.grad([t for _, t in pairs], t_in, [torch.tensor(s) for s in seeds],
                                  allow_unused=True, create_graph=double)
    a_grads = autograd.autograd.grad([a for a, _ in pairs], a_in, [autograd.tensor(s, device=device) for s in seeds],
                                     allow_unused=True, create_graph=double)
    for i, (ga, gt) in enumerate(zip(a_grads, t_grads)):
        if gt is None:
            assert ga is None or not _host(ga).any(), f"{op.name}: input {i} should get no gradient"
            continue
        assert ga is not None, f"{op.name}: input {i} got no gradient, torch's is {gt}"
        _compare([ga], [gt], tol, f"{op.name} grad of input {i} {opts}")
    if double:
        used = [(ga, gt, a, t) for ga, gt, a, t in zip(a_grads, t_grads, a_in, t_in)
                if gt is not None and gt.requires_grad and ga.requires_grad]
        for ga, gt in zip(a_grads, t_grads):   # a first derivative we did not record must be constant in torch
            if gt is not None and gt.requires_grad and not ga.requires_grad:
                for g2 in torch.autograd.grad(gt.sum(), t_in, allow_unused=True, materialize_grads=True,
                                               retain_graph=True):
                    assert not _host(g2 + 0).any(), f"{op.name}: torch has a second derivative we did not record"
        if not used:
            return
        seeds2 = [rng.standard_normal(tuple(gt.shape)).astype(dtype) for _, gt, _, _ in used]
        t2 = torch.autograd.grad([u[1] for u in used], t_in, [torch.tensor(s) for s in seeds2], allow_unused=True)
        a2 = autograd.autograd.grad([u[0] for u in used], a_in, [autograd.tensor(s, device=device) for s in seeds2],
                                    allow_unused=True)
        for i, (ga, gt) in enumerate(zip(a2, t2)):
            if gt is None:
                assert ga is None or not _host(ga).any(), f"{op.name}: input {i} should get no second derivative"
                continue
            assert ga is not None, f"{op.name}: input {i} got no second derivative"
            _compare([ga], [gt], tolerance(dtype, op.condition ** 2),   # the condition enters twice
                     f"{op.name} second derivative of input {i} {opts}")


@pytest.mark.parametrize('op', OPS, ids=[op.name for op in OPS])
@settings(max_examples=15, **SETTINGS)
@given(data=st.data())
def test_float64_forward_and_backward(op, data, device):
    check_op(op, data, np.float64, device)


@pytest.mark.parametrize('op', OPS, ids=[op.name for op in OPS])
@settings(max_examples=6, **SETTINGS)
@given(data=st.data())
def test_float32_forward_and_backward(op, data, device):
    check_op(op, data, np.float32, device)


DOUBLE = [op for op in OPS if op.grad and op.name not in ('prod', 'cumprod')]


@pytest.mark.parametrize('op', DOUBLE, ids=[op.name for op in DOUBLE])
@settings(max_examples=5, **SETTINGS)
@given(data=st.data())
def test_second_derivatives(op, data, device):
    check_op(op, data, np.float64, device, double=True)


def test_every_row_declares_known_hard_points():
    """The table is declarative: each row's hard points are names the harness knows (op_specs' docstring)."""
    from op_specs import HARD
    for op in OPS:
        assert set(op.hard) <= set(HARD), f"{op.name}: unknown hard points {set(op.hard) - set(HARD)}"
        assert op.condition >= 1, f"{op.name}: a condition factor scales tolerances up, never down"
