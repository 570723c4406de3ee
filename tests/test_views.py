"""Memory layout against torch: stride(), storage_offset(), is_contiguous() after chains of view ops, view()'s
refusal of layouts torch cannot view, and as_strided (values, errors, gradients through overlapping layouts)."""
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
from tolerance import assert_close
from torch_oracle import error_of, host

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _step(draw, shape):
    """One view op that applies to `shape`, as (name, args)."""
    n = len(shape)
    kinds = ['unsqueeze', 'view', 'reshape', 'contiguous', 'clone', 'expand', 'none_index']
    if n:
        kinds += ['transpose', 'permute', 'slice', 'select', 'narrow', 'squeeze', 'flatten', 'split', 'unflatten']
    kind = draw(st.sampled_from(kinds))
    dim = draw(st.integers(0, n - 1)) if n else 0
    size = shape[dim] if n else 1
    if kind == 'transpose':
        return kind, (dim, draw(st.integers(0, n - 1)))
    if kind == 'permute':
        return kind, tuple(draw(st.permutations(range(n))))
    if kind == 'slice':
        start = draw(st.integers(0, size))
        return kind, (dim, start, draw(st.integers(start, size)), draw(st.integers(1, 3)))
    if kind == 'select':
        return (kind, (dim, draw(st.integers(0, size - 1)))) if size else ('contiguous', ())
    if kind == 'narrow':
        start = draw(st.integers(0, size))
        return kind, (dim, start, draw(st.integers(0, size - start)))
    if kind == 'unsqueeze':
        return kind, (draw(st.integers(0, n)),)
    if kind == 'squeeze':
        return kind, (draw(st.one_of(st.none(), st.integers(0, n - 1))),)
    if kind in ('view', 'reshape'):
        numel = int(np.prod(shape))
        divisors = [d for d in range(1, numel + 1) if numel % d == 0] or [0]
        a = draw(st.sampled_from(divisors))
        return kind, draw(st.sampled_from([(-1,), (a, -1), (-1, a, 1) if numel else (0, 1), (1, -1)]))
    if kind == 'expand':
        return kind, tuple(draw(st.integers(1, 3)) if s == 1 else s for s in shape) if n and draw(st.booleans()) \
            else (draw(st.integers(1, 2)),) + tuple(shape)
    if kind == 'flatten':
        return kind, (dim, draw(st.integers(dim, n - 1)))
    if kind == 'split':
        return kind, (draw(st.integers(1, max(size, 1))), dim, draw(st.integers(0, 5)))
    if kind == 'unflatten':
        return (kind, (dim, (1, size))) if draw(st.booleans()) else (kind, (dim, (size, 1)))
    if kind == 'none_index':
        return kind, (draw(st.integers(0, n)),)
    return kind, ()


def _apply(t, kind, args):
    if kind == 'transpose':
        return t.transpose(*args)
    if kind == 'permute':
        return t.permute(*args)
    if kind == 'slice':
        d, a, b, step = args
        return t[(slice(None),) * d + (slice(a, b, step),)]
    if kind == 'select':
        return t.select(*args)
    if kind == 'narrow':
        return t.narrow(*args)
    if kind == 'unsqueeze':
        return t.unsqueeze(*args)
    if kind == 'squeeze':
        return t.squeeze() if args[0] is None else t.squeeze(args[0])
    if kind == 'view':
        return t.view(*args)
    if kind == 'reshape':
        return t.reshape(*args)
    if kind == 'expand':
        return t.expand(*args)
    if kind == 'flatten':
        return t.flatten(*args)
    if kind == 'split':
        size, d, k = args
        parts = t.split(size, d)
        return parts[k % len(parts)]
    if kind == 'unflatten':
        return t.unflatten(*args)
    if kind == 'none_index':
        return t[(slice(None),) * args[0] + (None,)]
    if kind == 'contiguous':
        return t.contiguous()
    return t.clone()


def _layout(t):
    return tuple(t.shape), tuple(t.stride()), t.storage_offset(), t.is_contiguous()


@settings(max_examples=120, **SETTINGS)
@given(data=st.data())
def test_layout_after_a_chain_of_view_ops_matches_torch(data):
    shape = data.draw(st.lists(st.integers(0, 4), min_size=0, max_size=4).map(tuple), label='shape')
    ours, theirs = autograd.zeros(shape), torch.zeros(shape)
    for _ in range(data.draw(st.integers(1, 5))):
        kind, args = _step(data.draw, tuple(theirs.shape))
        try:
            theirs = _apply(theirs, kind, args)
        except RuntimeError as e:   # torch refuses (view of a layout it cannot view): so must we, in its words
            with pytest.raises(RuntimeError) as ours_error:
                _apply(ours, kind, args)
            assert str(ours_error.value) == str(e), f"{kind}{args}"
            return
        ours = _apply(ours, kind, args)
        got, want = _layout(ours), _layout(theirs)
        if theirs.numel() == 0:   # NumPy keeps no strides for empty arrays: only shape and contiguity compare
            got, want = (got[0], got[3]), (want[0], want[3])
        assert got == want, f"after {kind}{args}: ours {got}, torch {want}"


@pytest.mark.parametrize('fn', [
    lambda m: m.zeros(2, 3).t().view(6),
    lambda m: m.zeros(2, 3).t().view(-1),
    lambda m: m.zeros(2, 3, 4).transpose(0, 1).view(3, 8),
    lambda m: m.zeros(3, 4)[:, 1:3].view(6),
    lambda m: m.zeros(1, 3).expand(4, 3).view(12),
    lambda m: m.zeros(3, 4)[::2].view(8),
], ids=['t', 't_infer', 'transpose3d', 'column_slice', 'expand', 'row_step'])
def test_view_refuses_what_torch_refuses_with_its_message(fn):
    assert error_of(fn, autograd) == error_of(fn, torch)


@pytest.mark.parametrize('fn', [
    lambda m: m.zeros(2, 3).t().view(3, 2).stride(),
    lambda m: m.zeros(2, 3, 4).transpose(0, 1).view(3, 2, 2, 2).stride(),
    lambda m: m.zeros(3, 4)[:, 1:3].view(3, 2, 1).stride(),
    lambda m: m.zeros(()).view(1, 1).stride(),
    lambda m: m.zeros(4, 3).stride(-1), lambda m: m.zeros(4, 3).stride(0), lambda m: m.zeros(()).stride(),
    lambda m: m.zeros(3, 4).t().clone().stride(), lambda m: m.zeros(3, 4).t()[::2].clone().stride(),
    lambda m: m.zeros(3, 4).t().clone(memory_format=m.contiguous_format).stride(),
    lambda m: m.zeros(3, 4).t().contiguous().stride(), lambda m: m.zeros(3, 4).flip(0).stride(),
    lambda m: m.zeros(3, 4).t().exp().stride(),
    lambda m: m.zeros(3, 4)[1:, 1:].contiguous().storage_offset(),
    lambda m: m.zeros(3, 4)[1].detach().storage_offset(),
    lambda m: m.zeros(2, 3, 4, 5).permute(0, 2, 3, 1).is_contiguous(memory_format=m.channels_last),
    lambda m: m.zeros(2, 3, 4, 5).is_contiguous(memory_format=m.channels_last),
    lambda m: m.zeros(3, 4).is_contiguous(memory_format=m.contiguous_format),
    lambda m: m.zeros(2, 0, 3).transpose(0, 2).is_contiguous(),
    lambda m: m.zeros(1, 3).expand(1, 3).is_contiguous(), lambda m: m.zeros(4, 1).expand(4, 3).is_contiguous(),
])
def test_layout_queries_match_torch(fn):
    assert fn(autograd) == fn(torch)


@pytest.mark.parametrize('fn', [
    lambda m: m.zeros(4).stride(2), lambda m: m.zeros(()).stride(0), lambda m: m.zeros(2, 3).stride(-3),
])
def test_stride_of_a_missing_dim_raises_torchs_index_error(fn):
    assert error_of(fn, autograd) == error_of(fn, torch)


@pytest.mark.parametrize('fn', [
    lambda m: m.zeros(4).as_strided((3, 3), (1, 1), 3),
    lambda m: m.zeros(4).as_strided((2, 2), (1, 1), 2),
    lambda m: m.zeros(4).as_strided((2, 2), (1, -1)),
    lambda m: m.zeros(4).as_strided((2,), (1, 1)),
    lambda m: m.zeros(4).as_strided((2, 2), (1, 1), -1),
], ids=['out_of_bounds', 'offset_out_of_bounds', 'negative_stride', 'length_mismatch', 'negative_offset'])
def test_as_strided_errors_are_torchs(fn):
    assert error_of(fn, autograd) == error_of(fn, torch)


@pytest.mark.parametrize('fn', [
    lambda m, x: x.as_strided((3, 3), (1, 1)),                       # overlapping windows
    lambda m, x: x[2:].as_strided((2, 2), (1, 2)),                   # the view's own offset is the default
    lambda m, x: x.as_strided((2, 2), (1, 2), 1).t(),
    lambda m, x: m.as_strided(x.view(2, 4).t(), (4,), (2,), 1),      # addresses the storage, not the view
    lambda m, x: x[:1].expand(3).as_strided((2, 2), (0, 1), 0),      # input elements alias: torch divides
    lambda m, x: x.view(2, 4)[:, :2].as_strided((3,), (1,), 1),      # touches storage the input does not see
    lambda m, x: x.as_strided((0, 2), (1, 1)),
], ids=['windows', 'view_offset', 'then_t', 'of_transposed', 'aliased_input', 'outside_input', 'empty'])
def test_as_strided_values_and_gradients_match_torch(fn):
    rng = np.random.default_rng(0)
    data = rng.standard_normal(8)
    outs = {}
    for m in (torch, autograd):
        x = m.tensor(data, requires_grad=True)
        y = fn(m, x)
        seed = m.tensor(np.arange(1, y.numel() + 1, dtype=np.float64).reshape(tuple(y.shape)))
        g, = m.autograd.grad(y, x, seed)
        outs[m] = (host(y), tuple(y.stride()), y.storage_offset(), host(g))
    (y1, s1, o1, g1), (y2, s2, o2, g2) = outs[autograd], outs[torch]
    assert (s1, o1) == (s2, o2) or y1.size == 0
    assert_close(y1, y2, 'float64')
    assert_close(g1, g2, 'float64')


def test_as_strided_is_a_view_that_shares_version_and_memory():
    x = autograd.zeros(6)
    y = x.as_strided((2, 2), (2, 1), 1)
    y[1, 1] = 5.
    t = torch.zeros(6)
    u = t.as_strided((2, 2), (2, 1), 1)
    u[1, 1] = 5.
    assert host(x).tolist() == host(t).tolist()
    assert x._version == t._version
    assert y._base is x
