"""Issue 8's remaining gaps against torch: the memory layout ops return (so that view() views and refuses where
torch's does, and a view shares memory), torch's node names for composites, and hard points of the shape rows
that the op table cannot draw (block_diag over empty blocks, put's errors)."""
import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

import autograd
from tolerance import assert_close
from torch_oracle import error_of, host


def _permuted(m, shape=(3, 4, 5), order=(2, 1, 0)):
    """A non-contiguous float64 tensor: shape (5, 4, 3) for the defaults, strides (1, 5, 20)."""
    n = int(np.prod(shape))
    return m.arange(float(n), dtype=m.float64).reshape(shape).permute(*order)


# ---- layouts: ops whose result torch allocates row-major, and ops that keep the input's layout ------------------
LAYOUT_OPS = {
    'sum': lambda m, x: x.sum(2), 'sum_keepdim': lambda m, x: x.sum(1, keepdim=True), 'mean': lambda m, x: x.mean(2),
    'amax': lambda m, x: x.amax(0), 'max_dim': lambda m, x: x.max(2)[0], 'var': lambda m, x: x.var(2),
    'std': lambda m, x: x.std(1), 'prod': lambda m, x: x.prod(2), 'logsumexp': lambda m, x: x.logsumexp(2),
    'norm': lambda m, x: x.norm(dim=2), 'all': lambda m, x: (x > 3).all(2), 'any': lambda m, x: (x > 3).any(0),
    'softmax': lambda m, x: x.softmax(2), 'log_softmax': lambda m, x: x.log_softmax(0),
    'cumsum': lambda m, x: x.cumsum(1), 'cumprod': lambda m, x: x.cumprod(0),
    'cat': lambda m, x: m.cat([x, x], 2), 'stack': lambda m, x: m.stack([x, x]),
    'layer_norm': lambda m, x: m.nn.functional.layer_norm(x, tuple(x.shape[-1:])),
    'batch_norm': lambda m, x: m.nn.functional.batch_norm(x, None, None, training=True),
    'roll': lambda m, x: x.roll(1, 0), 'masked_fill': lambda m, x: x.masked_fill(x > 3, 1.),
    'index_select': lambda m, x: x.index_select(0, m.tensor([0, 1])),
    'exp': lambda m, x: x.exp(), 'add_scalar': lambda m, x: x + 1, 'clamp': lambda m, x: x.clamp(0, 1),
    'where': lambda m, x: m.where(x > 3, x, 0.), 'to': lambda m, x: x.to(m.float32),
    'gather': lambda m, x: x.gather(2, m.zeros(tuple(x.shape), dtype=m.long)), 'repeat': lambda m, x: x.repeat(1, 1, 2),
    'mse_none': lambda m, x: m.nn.functional.mse_loss(x, x * 2, reduction='none'),
    'transpose_view': lambda m, x: x.transpose(0, 1), 'slice_view': lambda m, x: x[1:, :, ::2],
    'diagonal': lambda m, x: x.diagonal(), 'diagonal_offset': lambda m, x: x[1:].diagonal(1, 2, 0),
    'diagonal_negative': lambda m, x: x.diagonal(-1, -1, 1),
    'topk': lambda m, x: x.topk(2, 1)[0], 'topk_indices': lambda m, x: x.topk(2, 0, largest=False)[1],
    'topk_unsorted': lambda m, x: x.topk(2, 2, sorted=False)[0],
    'cummax': lambda m, x: x.cummax(1)[0], 'cummax_indices': lambda m, x: x.cummax(2)[1],
    'cummin': lambda m, x: x.cummin(0)[0], 'cummin_indices': lambda m, x: x.cummin(1)[1],
    'einsum_sum': lambda m, x: m.einsum('ijk->ik', x), 'einsum_bmm': lambda m, x: m.einsum('ijk,ikl->ijl', x, x.transpose(1, 2)),
    'einsum_permute': lambda m, x: m.einsum('ijk->kji', x), 'einsum_product': lambda m, x: m.einsum('ijk,ijk->kij', x, x),
    'einsum_full': lambda m, x: m.einsum('ijk,ijk->', x, x),
}
# Known differences, all in the safe direction (ours is row-major where torch keeps the input's layout, so our
# view() views where torch's refuses; none refuses what torch views): sort, flip, dropout, index_put, elementwise
# ops on operands of different layouts (torch follows the first operand's), linalg results (column-major in
# torch, from LAPACK).


@pytest.mark.parametrize('name', LAYOUT_OPS)
def test_strides_of_results_are_torchs(name):
    ours, theirs = LAYOUT_OPS[name](autograd, _permuted(autograd)), LAYOUT_OPS[name](torch, _permuted(torch))
    assert (tuple(ours.shape), tuple(ours.stride()), ours.is_contiguous()) == \
        (tuple(theirs.shape), tuple(theirs.stride()), theirs.is_contiguous())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(LAYOUT_OPS)), order=st.permutations(range(3)),
       new_shape=st.sampled_from([(-1,), (2, -1), (-1, 2), (1, -1, 1)]))
def test_view_of_an_ops_result_views_and_refuses_as_torch(name, order, new_shape):
    """view() reads the strides the op gave: it refuses (torch's RuntimeError and words) exactly where torch's does,
    and otherwise returns a view with torch's strides that shares memory with its base."""
    out = {m: LAYOUT_OPS[name](m, _permuted(m, order=tuple(order))) for m in (torch, autograd)}
    if out[torch].numel() % 2 and new_shape != (-1,):
        new_shape = (-1,)
    try:
        theirs = out[torch].view(new_shape)
    except RuntimeError as e:
        assert error_of(lambda m: out[m].view(new_shape), autograd) == ('RuntimeError', str(e))
        return
    ours = out[autograd].view(new_shape)
    assert (tuple(ours.shape), tuple(ours.stride())) == (tuple(theirs.shape), tuple(theirs.stride()))
    assert_close(host(ours), host(theirs), str(theirs.dtype))
    assert np.shares_memory(ours.array, out[autograd].array)


@pytest.mark.parametrize('make', [
    lambda m: m.zeros(3, 4).t().exp(),                                   # elementwise keeps the transposed layout
    lambda m: m.tensor(np.asfortranarray(np.arange(6.).reshape(2, 3))),  # torch.tensor keeps NumPy's strides
    lambda m: m.from_numpy(np.asfortranarray(np.arange(6.).reshape(2, 3))),
    lambda m: m.zeros(2, 3, 4).permute(2, 0, 1).sin(),
], ids=['exp_of_t', 'tensor_of_fortran', 'from_numpy_fortran', 'sin_of_permuted'])
def test_view_refuses_layouts_made_by_ops_as_torch(make):
    assert error_of(lambda m: make(m).view(-1), autograd) == error_of(lambda m: make(m).view(-1), torch)


def test_a_view_of_an_ops_result_shares_writes_and_version_with_it():
    outs = {}
    for m in (torch, autograd):
        x = _permuted(m).sum(2)          # row-major (5, 4)
        y = x.view(2, 10)
        y[1, 3] = -1.
        x.view(-1)[0] = -2.
        outs[m] = (host(x).tolist(), host(y).tolist(), x._version, y._version)
    assert outs[autograd] == outs[torch]


@pytest.mark.parametrize('offset', [0, 2, -1, 9])
def test_diagonal_is_a_view_with_torchs_geometry_writes_and_version(offset):
    """diagonal() shares its base's storage: torch's strides and storage_offset, writes through it land in the base
    (and back), one version counter, and the base's graph takes an in-place write into it."""
    outs = {}
    for m in (torch, autograd):
        x = _permuted(m)[1:]
        d = x.diagonal(offset, 0, 2)
        # an empty view's strides are left out: ours are any empty array's row-major ones (views.strides_of)
        geometry = (tuple(d.shape), d.stride() if d.numel() else None, d.storage_offset(), d.is_contiguous())
        if d.numel():
            d[0] = -1.
            x[(0, 0, offset) if offset >= 0 else (-offset, 0, 0)] = -2.
        leaf = m.ones(4, 4, dtype=m.float64, requires_grad=True)
        y = leaf * 2
        y.diagonal(offset).mul_(3)
        y.sum().backward()
        outs[m] = (geometry, host(x).tolist(), host(d).tolist(), x._version, d._version, host(leaf.grad).tolist())
    assert outs[autograd] == outs[torch]


# ---- node names of composites -------------------------------------------------------------------------------
NAMED = {
    'lerp_scalar': lambda m, a, b, w: m.lerp(a, b, 0.3), 'lerp_tensor': lambda m, a, b, w: a.lerp(b, w),
    'lerp_': lambda m, a, b, w: b.clone().lerp_(a, 0.7), 'addcmul': lambda m, a, b, w: m.addcmul(a, b, w, value=2),
    'addcmul_': lambda m, a, b, w: b.clone().addcmul_(a, w), 'addcdiv': lambda m, a, b, w: m.addcdiv(a, b, w + 3),
    'var': lambda m, a, b, w: b.var(1), 'std': lambda m, a, b, w: b.std(), 'var_mean': lambda m, a, b, w: m.var_mean(b, 1),
    'std_mean': lambda m, a, b, w: m.std_mean(b), 'stack': lambda m, a, b, w: m.stack([a, w], 1),
    'split': lambda m, a, b, w: b.split(1), 'split_sizes': lambda m, a, b, w: b.split([1, 1]),
    'chunk': lambda m, a, b, w: b.chunk(2), 'unbind': lambda m, a, b, w: b.unbind(1),
    'cartesian_prod': lambda m, a, b, w: m.cartesian_prod(a, w), 'renorm': lambda m, a, b, w: b.renorm(2, 0, 1.),
    'square': lambda m, a, b, w: a.square(), 'frac': lambda m, a, b, w: m.frac(a * 2.5),
    'rsub': lambda m, a, b, w: 1 - a, 'rpow': lambda m, a, b, w: 2 ** a,
}


def test_matmul_node_name_for_every_rank_pair_grad_pattern_and_unit_size():
    """torch's matmul ends in a different op by ranks, by which operand requires grad, by size-1 matrix dims and
    by a batch of one against a batch (a transpose, its clone, a view, a squeeze, mm/mv/dot): the node name must
    follow all of them. Vectors, and matrices under every pair of broadcastable batch shapes."""
    import itertools
    batches = [None, (), (1,), (2,), (3,), (1, 1), (2, 1), (1, 2), (2, 3)]   # None: a vector
    for (m, k, n), ba, bb, (ga, gb) in itertools.product(
            itertools.product((1, 2), (1, 3), (1, 2)), batches, batches, [(True, True), (True, False), (False, True)]):
        sa = (k,) if ba is None else ba + (m, k)
        sb = (k,) if bb is None else bb + (k, n)
        try:
            torch.broadcast_shapes(sa[:-2] if ba else (), sb[:-2] if bb else ())
        except RuntimeError:
            continue
        names = [type((m_.ones(*sa, requires_grad=ga) @ m_.ones(*sb, requires_grad=gb)).grad_fn).__name__
                 for m_ in (autograd, torch)]
        assert names[0] == names[1], (sa, sb, ga, gb, names)


@pytest.mark.parametrize('index', [slice(None), slice(0, 3), slice(None, None, 1), (slice(None),), Ellipsis, (),
                                   (slice(None), slice(None)), (slice(None), None), (None, 0), (slice(1, 3), 0),
                                   (0, slice(1, 3)), (slice(-3, None),), (slice(None, 10), Ellipsis), 1, None])
def test_basic_index_node_is_named_by_torchs_last_step(index):
    """x[:] is torch's slice op (SliceBackward0) while x[:, :] does nothing (AliasBackward0); otherwise the last
    select/slice/unsqueeze that changed something names the node."""
    names = [type((m.ones(3, 4, requires_grad=True) * 1)[index].grad_fn).__name__ for m in (autograd, torch)]
    assert names[0] == names[1]


@pytest.mark.parametrize('bias', [True, False])
def test_linear_edges_are_in_torchs_addmm_order_as_the_blitz_tutorial_prints_them(bias):
    """nn.Linear's node has torch's (bias, input, weight) edges (mm: input, weight), so the 60-minute blitz's
    loss.grad_fn.next_functions[0][0].next_functions[0][0] is the same node type; torch has a TBackward0
    between the weight and the addmm, ours reads the weight itself (the one difference)."""
    def walk(m):
        m.manual_seed(0)
        net = m.nn.Sequential(m.nn.Linear(8, 4), m.nn.ReLU(), m.nn.Linear(4, 2, bias=bias))
        loss = m.nn.MSELoss()(net(m.randn(3, 8)), m.zeros(3, 2))
        first = loss.grad_fn.next_functions[0][0]
        names = [type(fn).__name__ for fn, _ in first.next_functions]
        return type(loss.grad_fn).__name__, type(first).__name__, names
    ours, theirs = walk(autograd), walk(torch)
    assert ours[:2] == theirs[:2]
    assert ours[2] == [n if n != 'TBackward0' else 'AccumulateGrad' for n in theirs[2]]


def test_number_remainder_tensor_has_torchs_not_implemented_node():
    def run(m):
        x = m.tensor([1.5, -2.0, 3.0], requires_grad=True)
        y = 7 % x
        edges = [type(fn).__name__ for fn, _ in y.grad_fn.next_functions]
        return host(y).tolist(), type(y.grad_fn).__name__, edges, error_of(lambda _: y.sum().backward(), m)
    assert run(autograd) == run(torch)


@pytest.mark.parametrize('values', [[1, 2], [True, False]])
def test_frac_refuses_integer_and_bool_tensors_as_torch(values):
    assert error_of(lambda m: m.frac(m.tensor(values)), autograd) == error_of(lambda m: m.frac(m.tensor(values)), torch)


@pytest.mark.parametrize('name', NAMED)
def test_composite_node_names_edges_and_gradients_are_torchs(name):
    rng = np.random.default_rng(0)
    arrays = rng.standard_normal(3), rng.standard_normal((2, 3)), rng.uniform(0.1, 0.9, 3)
    got = {}
    for m in (torch, autograd):
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        outs = NAMED[name](m, *ts)
        outs = list(outs) if isinstance(outs, (tuple, list)) else [outs]
        names = [type(o.grad_fn).__name__ for o in outs]
        # each node's edges lead to the inputs' AccumulateGrad nodes or to None, as torch's one node does
        edges = [[type(fn).__name__ if fn is not None else None for fn, _ in o.grad_fn.next_functions] for o in outs]
        grads = m.autograd.grad(sum((o * (i + 1)).sum() for i, o in enumerate(outs)), ts, allow_unused=True)
        got[m] = names, edges, [None if g is None else host(g) for g in grads]
    (n1, e1, g1), (n2, e2, g2) = got[autograd], got[torch]
    assert n1 == n2
    # the edges: std's node is over a VarBackward0 here (torch's reads the input); cartesian_prod's inputs
    # reach its stack through views that torch names UnsafeViewBackward0 (ours ViewBackward0)
    if name not in ('std', 'std_mean', 'cartesian_prod', 'lerp_', 'addcmul_'):
        assert e1 == e2
    for a, b in zip(g1, g2):
        assert (a is None) == (b is None)
        if b is not None:
            assert_close(a, b, 'float64')


# ---- hard points of shape rows the table does not draw ----------------------------------------------------
@pytest.mark.parametrize('shapes', [((2, 0), (1, 3)), ((0, 2), (3,), ()), ((2, 3), (0, 3)), ((2, 3), (0, 0), (2,))])
def test_block_diag_with_empty_2d_blocks_matches_torch(shapes):
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s) for s in shapes]
    got = {}
    for m in (torch, autograd):
        ts = [m.tensor(a, requires_grad=True) for a in arrays]
        y = m.block_diag(*ts)
        seed = m.tensor(np.arange(1., y.numel() + 1).reshape(tuple(y.shape)))
        got[m] = host(y), [host(g) for g in m.autograd.grad(y, ts, seed)]
    assert_close(got[autograd][0], got[torch][0], 'float64')
    for a, b in zip(got[autograd][1], got[torch][1]):
        assert_close(a, b, 'float64')


def test_block_diag_with_an_empty_1d_block_forward_matches_torch():
    """(Forward only: torch's backward reads the gradient of the blocks after an empty 1-D one a row too high.)"""
    for shapes in [((2, 3), (0,), ()), ((0,), (2, 2))]:
        ours = autograd.block_diag(*[autograd.ones(s) for s in shapes])
        theirs = torch.block_diag(*[torch.ones(s) for s in shapes])
        assert host(ours).tolist() == host(theirs).tolist()


@pytest.mark.parametrize('fn', [
    lambda m: m.zeros(0, 3).put(m.tensor([1]), m.tensor([1.])),
    lambda m: m.zeros(2, 3).put(m.tensor([6]), m.tensor([1.])),
    lambda m: m.zeros(2, 3).put(m.tensor([-7]), m.tensor([1.])),
    lambda m: m.zeros(2, 3).put_(m.tensor([0, 1]), m.tensor([1.]), accumulate=True),
    lambda m: m.zeros(2, 3).masked_scatter(m.ones(2, 3, dtype=m.bool), m.ones(2)),
], ids=['empty_self', 'past_end', 'before_start', 'sizes', 'masked_scatter_short'])
def test_put_and_masked_scatter_errors_are_torchs(fn):
    assert error_of(fn, autograd) == error_of(fn, torch)


def test_every_api_row_declares_known_hard_points():
    """The API table (tests/op_specs_api.py) declares each row's hard points, with names the harness knows."""
    from op_specs import HARD
    from op_specs_api import API_OPS
    for op in API_OPS:
        assert op.hard is not None and set(op.hard) <= set(HARD), f"{op.name}: hard={op.hard!r}"


@pytest.mark.parametrize('index', [[0], 0, [0, 0], [1]], ids=['one', 'scalar', 'two', 'out_of_range'])
def test_index_select_of_a_scalar_is_torchs(index):
    """index_select of a 0-d tensor: the scalar itself under torch's IndexSelectBackward0, torch's errors else."""
    def run(m):
        x = m.tensor(2., dtype=m.float64, requires_grad=True)
        y = x.index_select(0, m.tensor(index))
        return tuple(y.shape), y.item(), type(y.grad_fn).__name__, m.autograd.grad(y, x)[0].item()
    try:
        theirs = run(torch)
    except (RuntimeError, IndexError):
        assert error_of(run, autograd) == error_of(run, torch)
        return
    assert run(autograd) == theirs   # the scalar itself and a gradient of 1: the same arithmetic in both
