"""The tensor API against torch: construction and dtype inference, factories, 0-d tensors and Python scalars,
attributes, conversions, comparisons and logic, __setitem__, and the errors bad shapes and indices raise."""
import math
import operator

import numpy as np
import pytest
import torch

import autograd
from torch_oracle import MODULES, check, error_of, host


# ---- construction and dtype inference -------------------------------------------------------------
@pytest.mark.parametrize('data', [
    1.5, 3, True, [1, 2, 3], [1.0, 2, 3], [True, False], [True, 2], [True, 2.5], [[1, 2], [3, 4]],
    [[1.5, 2], [3, 4]], [], [[]], [[], []], (1, 2.5), [1e40], [-0.0], [2 ** 40], [[True], [False]],
], ids=repr)
def test_tensor_infers_dtype_from_python_data(data):
    check(lambda m: m.tensor(data))


@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.float16, np.int8, np.int16, np.int32, np.int64,
                                   np.uint8, np.bool_])
def test_numpy_arrays_and_scalars_keep_their_dtype(dtype):
    array = np.array([[0, 1], [2, 3]]).astype(dtype)
    check(lambda m: [m.tensor(array), m.as_tensor(array), m.from_numpy(array), m.tensor(array[0, 1])])


def test_numpy_scalar_types_in_lists():
    check(lambda m: [m.tensor([np.float64(1.5), 2.0]), m.tensor(np.float32(2.5)), m.tensor([np.int32(3)])])


def test_lists_of_tensors():
    check(lambda m: [m.tensor([m.tensor(1.5), m.tensor(2.0)]), m.tensor([m.tensor(1), m.tensor(2)]),
                     m.tensor([m.tensor(1.5, dtype=m.float64), m.tensor(2.0, dtype=m.float64)]),
                     m.stack([m.tensor([1., 2.]), m.tensor([3., 4.])])])


@pytest.mark.parametrize('dtype', ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool', 'float16', 'int16'])
def test_explicit_dtype(dtype):
    check(lambda m: [m.tensor([1.7, -2.2, 0.0], dtype=getattr(m, dtype)),
                     m.tensor([[1, 0], [3, 4]], dtype=getattr(m, dtype))])


def test_python_types_as_dtype():
    check(lambda m: [m.tensor([1, 2], dtype=float), m.tensor([1.5], dtype=int), m.zeros(2, dtype=bool),
                     m.ones(2, dtype=float).dtype])


def test_requires_grad_on_construction():
    check(lambda m: [m.tensor([1.0, 2.0], requires_grad=True), m.tensor([1.0], requires_grad=True).is_leaf,
                     m.zeros(2, requires_grad=True), m.ones(2, 2, requires_grad=True).grad])
    for m in MODULES:
        with pytest.raises(RuntimeError, match="floating point"):
            m.tensor([1, 2], requires_grad=True)
        with pytest.raises(RuntimeError, match="floating point"):
            m.zeros(2, dtype=m.int64, requires_grad=True)


def test_tensor_of_tensor_copies_and_detaches():
    def f(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = m.tensor(x.detach())
        y.add_(1)
        return x, y
    check(f)


def test_bad_data_raises_like_torch():
    bad = [lambda m: m.tensor([[1, 2], [3]]), lambda m: m.tensor('abc'), lambda m: m.tensor([1, 'a']),
           lambda m: m.tensor([[1, 2], 3]), lambda m: m.tensor(None), lambda m: m.tensor({1: 2})]
    for fn in bad:
        check(fn)


def test_from_numpy_shares_memory_and_numpy_shares_back():
    def f(m):
        a = np.arange(6.0).reshape(2, 3)
        t = m.from_numpy(a)
        a[0, 0] = 100.0
        t[1, 1] = -1.0
        back = t.numpy()
        back[0, 2] = 7.0
        s = m.as_tensor(a)
        s.add_(1)
        copied = m.tensor(a)
        copied.zero_()
        return t, a.tolist(), s.dtype
    check(f)


def test_as_tensor_copies_when_it_must():
    def f(m):
        a = np.arange(3, dtype=np.int64)
        t = m.as_tensor(a, dtype=m.float32)
        t.add_(1)
        lst = m.as_tensor([1.5, 2.0])
        u = m.as_tensor(lst)
        return t, a.tolist(), lst, u is lst
    check(f)


def test_numpy_of_tensor_requiring_grad_raises():
    for m in MODULES:
        with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):
            m.ones(2, requires_grad=True).numpy()


# ---- factories --------------------------------------------------------------------------------------
@pytest.mark.parametrize('make', [
    lambda m: m.zeros(2, 3), lambda m: m.zeros((2, 3)), lambda m: m.zeros([2, 3], dtype=m.int64),
    lambda m: m.ones(3), lambda m: m.ones(2, 1, dtype=m.bool), lambda m: m.ones(()), lambda m: m.zeros(0, 3),
    lambda m: m.full((2, 2), 7), lambda m: m.full((2,), 2.5), lambda m: m.full((2,), True),
    lambda m: m.full([1, 2], 3, dtype=m.float64), lambda m: m.empty(2, 3).shape,
    lambda m: m.empty(2, dtype=m.int32).dtype,
    lambda m: m.eye(3), lambda m: m.eye(2, 4), lambda m: m.eye(3, dtype=m.int64),
    lambda m: m.zeros(m.Size([2, 3])), lambda m: m.ones(m.tensor([2, 3]).tolist()),
])
def test_shape_factories(make):
    check(make)


@pytest.mark.parametrize('args', [(5,), (2, 7), (1, 2.5, 0.5), (0, 1, 0.1), (-1, 1, 0.3), (10, 0, -3), (0.0, 1.0),
                                  (1, 10, 3), (0, -2.5, -0.5), (0, 0.9, 0.3), (3.0,), (0, 5, 1.5)], ids=repr)
def test_arange_dtypes_and_values(args):
    check(lambda m: [m.arange(*args), m.arange(*args, dtype=m.float64)])


def test_arange_errors():
    for fn in (lambda m: m.arange(0, 5, 0), lambda m: m.arange(5, 0, 1)):
        check(fn)


@pytest.mark.parametrize('args', [(0, 1, 5), (-1, 1, 2), (0, 1, 1), (2, -3, 7), (0, 10, 11), (0.1, 0.7, 50),
                                  (3, 3, 4), (0, 1, 0), (-math.pi, math.pi, 2000)], ids=repr)
def test_linspace_endpoints_and_dtype(args):
    """Endpoints exactly; interior values within an ulp: torch's CPU kernel rounds differently per SIMD lane
    (its result depends on the vector width of the machine), ours rounds the float64 value once."""
    def f(m):
        return [m.linspace(*args), m.linspace(*args, dtype=m.float64)]
    check(f)
    if args[2]:
        for ours, theirs in zip(f(autograd), f(torch)):
            assert host(ours)[[0, -1]].tolist() == theirs.numpy()[[0, -1]].tolist()


def test_like_factories():
    def f(m):
        base = m.tensor([[1, 2, 3]], dtype=m.int32)
        fl = m.tensor([1.5, 2.5], requires_grad=True)
        return [m.zeros_like(base), m.ones_like(base), m.full_like(base, 7), m.full_like(fl, 0.5),
                m.empty_like(fl).shape, m.zeros_like(fl), m.ones_like(fl, dtype=m.float64),
                m.zeros_like(base, dtype=m.float32), base.new_zeros(2), base.new_ones((1, 2)),
                fl.new_full((2,), 3), fl.new_tensor([1, 2]), m.ones_like(fl, requires_grad=True)]
    check(f)


def test_legacy_constructors():
    check(lambda m: [m.LongTensor([1, 2]), m.FloatTensor([1, 2]), m.FloatTensor(2, 3).shape,
                     m.Tensor([1, 2]), m.Tensor(2, 3).shape, m.Tensor(2, 3).dtype, m.DoubleTensor([1]),
                     m.IntTensor([1.7]), m.BoolTensor([1, 0]), m.ByteTensor([3]), m.Tensor([[1, 2]]),
                     m.Tensor(), m.LongTensor(np.array([1, 2])), m.Tensor(np.array([1, 2]))])


# ---- 0-d tensors and Python scalars -------------------------------------------------------------------
def test_zero_dim_conversions():
    def f(m):
        x, i, b = m.tensor(2.75), m.tensor(-3), m.tensor(True)
        return [x.item(), float(x), int(x), bool(x), x.tolist(), i.item(), int(i), float(i), b.item(),
                x.dim(), x.shape, x.numel(), i.tolist(), m.tensor([[5]]).item(), float(m.tensor([4.5])),
                round(float(m.tensor(0.1)), 9), x.float().item(), [1, 2, 3][m.tensor(1)],
                m.tensor([1.5, 2.5]).tolist(), m.tensor([[1, 2]]).tolist(), m.tensor(1.0).item() == 1.0]
    check(f)


def test_item_of_many_elements_raises():
    check(lambda m: m.tensor([1.0, 2.0]).item())
    check(lambda m: bool(m.tensor([1.0, 2.0])))
    check(lambda m: len(m.tensor(1.0)))
    check(lambda m: [1, 2][m.tensor(1.0)])


BINARY = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod,
          operator.pow, operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


@pytest.mark.parametrize('op', BINARY, ids=lambda op: op.__name__)
@pytest.mark.parametrize('scalar', [2, 2.5, -1.5, True], ids=repr)
@pytest.mark.parametrize('data', [1.5, [1.0, -2.0, 3.0], 4, [3, 5, -7]], ids=repr)
def test_python_scalars_on_either_side_of_operators(op, scalar, data):
    check(lambda m: [op(m.tensor(data), scalar), op(scalar, m.tensor(data))])


@pytest.mark.parametrize('op', [operator.and_, operator.or_, operator.xor], ids=lambda op: op.__name__)
def test_logical_operators_on_bools_and_ints(op):
    check(lambda m: [op(m.tensor([True, False, True]), m.tensor([True, True, False])),
                     op(m.tensor([True, False]), True), op(False, m.tensor([True, False])),
                     op(m.tensor([12, 5]), m.tensor([10, 3])), op(m.tensor([12, 5]), 6)])
    check(lambda m: op(m.tensor([1.5]), m.tensor([2.5])))


def test_unary_operators():
    check(lambda m: [~m.tensor([True, False]), ~m.tensor([5, -2]), -m.tensor([1, -2]), -m.tensor(2.5),
                     abs(m.tensor([-1.5, 2.0])), +m.tensor([3]), m.tensor([True, False]).logical_not()])
    check(lambda m: -m.tensor([True]))
    check(lambda m: ~m.tensor([1.5]))


def test_comparisons_and_bool_arithmetic():
    check(lambda m: [m.tensor([1, 2, 3]) == m.tensor([1, 0, 3]), m.tensor([True, False]) == True,  # noqa: E712
                     m.tensor([True, False]) + m.tensor([True, True]), m.tensor([True, False]) * 3,
                     m.tensor([True, False]).sum(), (m.tensor([1.0, 2.0]) > 1.5).float().mean(),
                     m.tensor([1, 2]) == 1.0, m.tensor([1.5]) == m.tensor([1.5], dtype=m.float64),
                     m.tensor([True, False]) & (m.tensor([1, 2]) > 1)])
    check(lambda m: m.tensor([True]) - m.tensor([False]))


def test_tensor_equality_with_non_tensors():
    check(lambda m: [m.tensor([1, 2]) == None, m.tensor([1]) != 'a'])  # noqa: E711


# ---- attributes -------------------------------------------------------------------------------------
def test_attributes():
    def f(m):
        x = m.arange(24.).reshape(2, 3, 4)
        return [x.shape, x.size(), x.size(1), x.size(-1), x.dim(), x.ndim, x.numel(), x.dtype, str(x.device),
                x.is_leaf, x.T.shape, x.mT.shape, x.requires_grad, x.grad, x.grad_fn, x.is_floating_point(),
                x.element_size(), len(x), x.shape[1:], tuple(x.shape) == (2, 3, 4), x.shape == (2, 3, 4),
                x.nelement(), m.tensor(1).is_floating_point(), x.is_cuda, x.device.type]
    check(f)


def test_T_and_mT_values():
    check(lambda m: [m.arange(6.).reshape(2, 3).T, m.arange(24).reshape(2, 3, 4).mT, m.arange(3).T])


def test_size_errors():
    check(lambda m: m.ones(2, 3).size(2))
    check(lambda m: m.ones(2, 3).shape[2])


# ---- conversions ------------------------------------------------------------------------------------
@pytest.mark.parametrize('method', ['float', 'double', 'long', 'int', 'bool', 'half', 'byte', 'short'])
def test_conversion_methods(method):
    check(lambda m: [getattr(m.tensor([-1.7, 0.0, 2.5]), method)(), getattr(m.tensor([3, 0]), method)(),
                     getattr(m.tensor([True, False]), method)()])


def test_to_and_type():
    def f(m):
        x = m.tensor([1.5, -2.5])
        return [x.to(m.float64), x.to(m.int64), x.to('cpu'), x.to('cpu', m.float64), x.to(dtype=m.int32),
                x.to(m.tensor([1])), x.type(), x.type(m.float64), x.long().type(), x.type_as(m.tensor([1])),
                x.to(m.float32) is x, x.to(m.float32, copy=True) is x, x.cpu() is x, x.bool().type(),
                x.type(m.__name__ + '.DoubleTensor').dtype, x.to(float), x.to(int), x.to('cpu', float)]
    check(lambda m: [r.replace(m.__name__ + '.', 'torch.') if isinstance(r, str) else r for r in f(m)])


def test_conversion_keeps_gradient_flowing_between_floats():
    def f(m):
        x = m.tensor([1.5, -2.5], requires_grad=True)
        y = x.double() * 2
        y.sum().backward()
        return y, x.grad, x.long().requires_grad, x.to(m.float64).requires_grad
    check(f)


def test_cuda_without_gpu_raises_a_clear_error():
    if autograd.cuda.is_available():
        pytest.skip("a GPU is present: cuda() succeeds here")
    for fn in (lambda m: m.ones(2).cuda(), lambda m: m.ones(2).to('cuda'), lambda m: m.ones(2, device='cuda')):
        cls, msg = error_of(fn, autograd)   # torch's CPU build raises AssertionError; the brief asks RuntimeError
        assert cls == 'RuntimeError' and 'cuda' in msg and "device='cpu'" in msg, msg


# ---- indexing and __setitem__ --------------------------------------------------------------------------
INDICES = [0, -1, slice(1, None), (0, 1), (slice(None), 2), (Ellipsis, 1), (None, 0), [0, 2], [[0, 1], [1, 0]],
           ([0, 1], [2, 3]), (slice(None), [3, 0]), (1, [0, 0, 2]), 'mask', 'row-mask', (slice(None, None, 2), -1)]


def _index(m, idx, x):
    if idx == 'mask':
        return x > 5
    if idx == 'row-mask':
        return m.tensor([True, False, True])
    return idx


@pytest.mark.parametrize('idx', INDICES, ids=repr)
def test_getitem(idx):
    def f(m):
        x = m.arange(12.).reshape(3, 4)
        return x[_index(m, idx, x)]
    check(f)


@pytest.mark.parametrize('value', ['scalar', 'int', 'broadcast', 'tensor0d'])
@pytest.mark.parametrize('idx', INDICES, ids=repr)
def test_setitem(idx, value):
    def f(m):
        x = m.arange(12.).reshape(3, 4)
        index = _index(m, idx, x)
        target = x[index].shape
        v = {'scalar': -1.5, 'int': 7, 'broadcast': m.arange(float(target[-1])) if len(target) else 2.0,
             'tensor0d': m.tensor(9.0)}[value]
        x[index] = v
        return x
    check(f)


def test_setitem_on_int_tensor_casts_value():
    def f(m):
        x = m.zeros(4, dtype=m.int64)
        x[0] = 2.7
        x[1:3] = m.tensor([1.9, -1.9])
        b = m.zeros(3, dtype=m.bool)
        b[1] = 5
        return x, b
    check(f)


def test_setitem_shape_mismatch_raises():
    check(lambda m: m.zeros(3, 4).__setitem__(0, m.ones(3)))


def test_setitem_views_write_through():
    def f(m):
        x = m.zeros(3, 4)
        row = x[1]
        row[2] = 5.0
        x[:, 0] += 1
        x[0][1] = 3.0
        return x
    check(f)


@pytest.mark.parametrize('fn', [
    lambda m: m.zeros(3, 4)[3], lambda m: m.zeros(3, 4)[0, 4], lambda m: m.zeros(3, 4)[-4],
    lambda m: m.zeros(3, 4)[m.tensor([0, 5])], lambda m: m.zeros(3)[0, 0], lambda m: m.zeros(3).__setitem__(3, 1.0),
    lambda m: m.zeros(3)[1.5], lambda m: m.zeros(3)[m.tensor([True, False])],
])
def test_indexing_out_of_range_raises(fn):
    check(fn)


# ---- error classes for bad shapes -------------------------------------------------------------------------
@pytest.mark.parametrize('fn', [
    lambda m: m.ones(2, 3) @ m.ones(2, 3), lambda m: m.ones(2, 3).mm(m.ones(4, 2)), lambda m: m.ones(3) @ m.ones(4),
    lambda m: m.ones(2, 3).matmul(m.ones(2)), lambda m: m.ones(2, 3, 4).bmm(m.ones(2, 3, 4)),
    lambda m: m.ones(()).matmul(m.ones(2)), lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]),
    lambda m: m.cat([m.ones(2, 3), m.ones(2)]), lambda m: m.cat([]), lambda m: m.cat([m.ones(2)], dim=1),
    lambda m: m.stack([m.ones(2), m.ones(3)]), lambda m: m.ones(2, 3).view(4), lambda m: m.ones(2, 3).view(-1, 4),
    lambda m: m.ones(2, 3).view(-1, -1), lambda m: m.ones(2, 3).reshape(5),
    lambda m: m.ones(2, 3).expand(3, 3), lambda m: m.ones(2, 3).expand(3), lambda m: m.ones(2, 3) + m.ones(3, 2),
    lambda m: m.ones(2, 3).sum(2), lambda m: m.ones(2, 3).permute(0, 0), lambda m: m.ones(2, 3).transpose(0, 2),
    lambda m: m.ones(2, 3).squeeze(3), lambda m: m.ones(2, 3).unsqueeze(3), lambda m: m.ones(2, 3).flatten(2),
    lambda m: m.ones(2, 3).add_(m.ones(2, 1, 3)), lambda m: m.ones(2, dtype=m.int64).add_(1.5),
    lambda m: m.ones(2).mul_(m.ones(3)), lambda m: m.ones(2, 3).view(2, 3, 1).squeeze(2).view(-1),
], ids=range(28))
def test_bad_shapes_raise_torchs_exception_class(fn):
    check(fn)


def test_view_of_non_viewable_strides_raises():
    check(lambda m: m.ones(2, 3).t().view(6))


@pytest.mark.parametrize('fn', [
    lambda m: m.ones(2, 3) @ m.ones(2, 3), lambda m: m.ones(2, 3).mm(m.ones(4, 2)),
    lambda m: m.ones(2, 3, 4).bmm(m.ones(2, 3, 4)), lambda m: m.ones(()).matmul(m.ones(2)),
    lambda m: m.cat([m.ones(2, 3), m.ones(2, 4)]), lambda m: m.cat([m.ones(2, 3), m.ones(2)]),
    lambda m: m.stack([m.ones(2), m.ones(3)]), lambda m: m.ones(2, 3).view(4), lambda m: m.ones(2, 3).view(-1, 4),
    lambda m: m.ones(2, 3).reshape(5), lambda m: m.ones(2, 3).expand(3, 3), lambda m: m.ones(2, 3).expand(3),
    lambda m: m.ones(2, 3).sum(2), lambda m: m.ones(2, 3).permute(0, 0), lambda m: m.ones(2, 3).transpose(0, 2),
    lambda m: m.ones(2, 3).unsqueeze(3), lambda m: m.zeros(3, 4)[3], lambda m: m.zeros(3, 4)[0, 4],
    lambda m: m.zeros(3, 4)[m.tensor([0, 5])], lambda m: m.ones(2, 3) + m.ones(3, 2),
    lambda m: m.ones(2).long().add_(1.5), lambda m: m.ones(2, 3).add_(m.ones(2, 1, 3)),
], ids=range(22))
def test_shape_error_messages_match_torch(fn):
    (theirs, t_msg), (ours, o_msg) = error_of(fn, torch), error_of(fn, autograd)
    assert (ours, o_msg) == (theirs, t_msg.replace('torch.', 'autograd.'))


def test_matmul_error_names_the_shapes():
    cls, msg = error_of(lambda m: m.ones(2, 3) @ m.ones(2, 3), autograd)
    assert cls == 'RuntimeError' and '2x3' in msg
    cls, msg = error_of(lambda m: m.ones(2, 3).view(4), autograd)
    assert cls == 'RuntimeError' and '[4]' in msg and '6' in msg
    cls, msg = error_of(lambda m: m.ones(2, 3).expand(3, 3), autograd)
    assert cls == 'RuntimeError' and '3' in msg


# ---- misc methods used throughout tutorials ------------------------------------------------------------------
def test_clone_contiguous_and_views_share_storage():
    def f(m):
        x = m.arange(6.).reshape(2, 3)
        v = x.view(3, 2)
        c = x.clone()
        v[0, 0] = 100.0
        c[1, 1] = -1.0
        t = x.t()
        return x, c, t.is_contiguous(), t.contiguous().is_contiguous(), x.is_contiguous()
    check(f)


def test_iteration_len_and_unpacking():
    def f(m):
        x = m.arange(6).reshape(3, 2)
        rows = [r for r in x]
        a, b = m.tensor([1.5, 2.5])
        return rows, a, b, len(x), list(m.tensor([4, 5])), sum(m.tensor([1, 2, 3]))
    check(f)


def test_zero_dim_iteration_raises():
    check(lambda m: list(m.tensor(1.0)))


def test_format_of_zero_dim():
    for m in MODULES:
        assert f"{m.tensor(2.345678):.2f}" == "2.35"
        assert f"{m.tensor(3):d}" == "3"
    assert '{}'.format(autograd.tensor(1.5)) == '{}'.format(torch.tensor(1.5))


def test_math_functions_on_zero_dim():
    check(lambda m: [math.sqrt(m.tensor(4.0)), math.exp(m.tensor(0.5)), math.floor(m.tensor(2.7)),
                     np.float32(2.0) * m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0]) * np.float64(2.0),
                     max(m.tensor(1.0), m.tensor(2.0))])


def test_hash_and_identity_in_collections():
    for m in MODULES:
        a, b = m.ones(2), m.ones(2)
        assert len({a, b}) == 2 and a in [a]
        d = {a: 1}
        assert d[a] == 1


@pytest.mark.xfail(strict=True, reason="NumPy warns (RuntimeWarning: divide by zero / invalid value) where torch "
                   "silently returns inf/nan; silencing it needs np.seterr at import (global) or an errstate per op "
                   "(~1.4 us each): left to the lead")
def test_inf_and_nan_results_do_not_warn():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        x = autograd.tensor([0.0, -1.0])
        x.log(), x.sqrt(), 1 / x, x ** 0.5, x / x
