"""Result dtypes (and values) of operators over every pair of dtypes, dimensioned and 0-dim tensors and Python
scalars, against torch; unary float functions and reductions on integer tensors; in-place promotion rules."""
import operator

import numpy as np
import pytest
import torch

import autograd
from torch_oracle import check, dtype_name, host
from tolerance import tolerance

DTYPES = ['bool', 'uint8', 'int32', 'int64', 'float32', 'float64']
VALUES = {'bool': [True, True], 'uint8': [3, 2], 'int32': [7, -2], 'int64': [5, 3], 'float32': [1.5, -2.5],
          'float64': [2.25, 0.5]}
SCALARS = [True, 2, 1.5]


def operand(m, kind, device='cpu'):
    """('tensor', dtype, ndim) -> a tensor of either library (ours on device); a Python scalar stays as is."""
    if not isinstance(kind, tuple):
        return kind
    _, dtype, ndim = kind
    values = VALUES[dtype] if ndim else VALUES[dtype][0]
    return m.tensor(values, dtype=getattr(m, dtype), **({} if m is torch else {'device': device}))


TENSORS = [('tensor', d, n) for d in DTYPES for n in (1, 0)]
PAIRS = [(a, b) for a in TENSORS + SCALARS for b in TENSORS + SCALARS
         if isinstance(a, tuple) or isinstance(b, tuple)]


def outcome(m, op, a, b, device='cpu'):
    try:
        return op(operand(m, a, device), operand(m, b, device))
    except Exception as e:
        return type(e).__name__


def describe(kind):
    return f"{kind[1]}{'' if kind[2] else ' 0-d'}" if isinstance(kind, tuple) else repr(kind)


OPS = [operator.add, operator.sub, operator.mul, operator.truediv, operator.floordiv, operator.mod, operator.pow,
       operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge]


@pytest.mark.parametrize('op', OPS, ids=lambda op: op.__name__)
def test_binary_result_dtypes_and_values_over_all_pairs(op, device):
    mismatches = []
    for a, b in PAIRS:
        theirs, ours = outcome(torch, op, a, b), outcome(autograd, op, a, b, device)
        what = f"{describe(a)} {op.__name__} {describe(b)}"
        if isinstance(theirs, str) or isinstance(ours, str):
            if ours != theirs:
                mismatches.append(f"{what}: ours {ours!r}, torch {theirs!r}")
        elif dtype_name(ours.dtype) != dtype_name(theirs.dtype) or tuple(ours.shape) != tuple(theirs.shape):
            mismatches.append(f"{what}: ours {ours.dtype}{tuple(ours.shape)}, "
                              f"torch {theirs.dtype}{tuple(theirs.shape)}")
        elif not np.allclose(host(ours), theirs.numpy(), equal_nan=True, **tolerance(theirs.dtype)):
            mismatches.append(f"{what}: ours {host(ours)}, torch {theirs.numpy()}")
    assert not mismatches, f"{len(mismatches)} of {len(PAIRS)} pairs differ:\n" + "\n".join(mismatches)


@pytest.mark.parametrize('op', [operator.and_, operator.or_, operator.xor], ids=lambda op: op.__name__)
def test_bitwise_result_dtypes_over_integer_and_bool_pairs(op):
    kinds = [k for k in TENSORS if 'float' not in k[1]] + [True, 2]
    for a in kinds:
        for b in kinds:
            if isinstance(a, tuple) or isinstance(b, tuple):
                check(lambda m: op(operand(m, a), operand(m, b)))


UNARY_FLOAT = ['sqrt', 'exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid', 'rsqrt', 'log1p', 'expm1', 'reciprocal',
               'log2', 'exp2']
UNARY_KEEP = ['abs', 'neg', 'square', 'sign', 'floor', 'ceil', 'round', 'trunc', 'relu']


@pytest.mark.parametrize('dtype', ['uint8', 'int32', 'int64', 'bool'])
def test_unary_float_functions_on_integer_tensors_give_float32(dtype):
    for name in UNARY_FLOAT:
        check(lambda m: getattr(m.tensor(VALUES[dtype], dtype=getattr(m, dtype)).abs() if dtype != 'bool'
                                else m.tensor(VALUES[dtype]), name)())


@pytest.mark.parametrize('dtype', ['uint8', 'int32', 'int64', 'bool', 'float64'])
def test_unary_functions_that_keep_the_dtype(dtype):
    for name in UNARY_KEEP:
        check(lambda m: getattr(m.tensor(VALUES[dtype], dtype=getattr(m, dtype)), name)())


@pytest.mark.parametrize('dtype', ['bool', 'uint8', 'int32', 'int64', 'float32', 'float64'])
def test_reductions_of_integers_and_bools(dtype):
    def f(m):
        x = m.tensor([VALUES[dtype], VALUES[dtype][::-1]], dtype=getattr(m, dtype))
        return [x.sum(), x.sum(0), x.prod(), x.prod(1), x.cumsum(0), x.cumprod(1), x.sum(dtype=m.float32),
                x.max(), x.amin(0), x.argmax(), x.count_nonzero(), x.sum(1, keepdim=True)]
    check(f)


@pytest.mark.parametrize('dtype', ['bool', 'uint8', 'int32', 'int64'])
def test_mean_and_var_of_integers_raise(dtype):
    for name in ('mean', 'var', 'std'):
        check(lambda m: getattr(m.tensor(VALUES[dtype], dtype=getattr(m, dtype)), name)())
    check(lambda m: m.tensor(VALUES[dtype], dtype=getattr(m, dtype)).mean(dtype=m.float32))
    check(lambda m: m.tensor(VALUES[dtype], dtype=getattr(m, dtype)).float().mean())


@pytest.mark.parametrize('op', ['add_', 'sub_', 'mul_', 'div_'])
@pytest.mark.parametrize('self_dtype', DTYPES)
def test_in_place_ops_keep_self_dtype_or_refuse_upcasts(op, self_dtype):
    for other in TENSORS + SCALARS:
        def f(m):
            x = m.tensor(VALUES[self_dtype], dtype=getattr(m, self_dtype))
            getattr(x, op)(operand(m, other))
            return x
        check(f)


def test_where_clamp_and_cat_promote_like_torch():
    def f(m):
        i, x, d = m.tensor([1, 2]), m.tensor([1.5, 2.5]), m.tensor([0.5, 0.25], dtype=m.float64)
        return [m.where(i > 1, i, x), m.where(i > 1, x, d), m.where(i > 1, i, 2.5), m.where(i > 1, 1, 0),
                m.where(i > 1, 1.0, 0.0), i.clamp(0, 1), i.clamp(0.5, 1.5), x.clamp(0, 1), m.cat([i, x]),
                m.cat([x, d]), m.stack([i, i.int()]), m.maximum(i, x), m.minimum(x, d), i.masked_fill(i > 1, 2.7)]
    check(f)


def test_promote_types_and_result_type():
    def f(m):
        names = ['bool', 'uint8', 'int8', 'int32', 'int64', 'float16', 'float32', 'float64']
        table = [m.promote_types(getattr(m, a), getattr(m, b)) for a in names for b in names]
        return table + [m.result_type(m.tensor([1]), 1.5), m.result_type(m.tensor([1.5]), m.tensor(2.0,
                        dtype=m.float64)), m.result_type(m.tensor([1], dtype=m.uint8), 300)]
    check(f)


def test_default_dtype_governs_python_floats():
    def f(m):
        previous = m.get_default_dtype()
        m.set_default_dtype(m.float64)
        try:
            return [m.tensor([1.5]), m.tensor([1]) * 1.5, m.arange(0., 2.), m.zeros(1), m.tensor([1]) / 2,
                    m.get_default_dtype(), m.tensor(3) ** 0.5]
        finally:
            m.set_default_dtype(previous)
    check(f)
    assert autograd.get_default_dtype() == autograd.float32


def test_integer_division_by_zero_raises_and_float_division_gives_inf():
    for op in (operator.floordiv, operator.mod, lambda a, b: a.fmod(b), lambda a, b: a.div(b, rounding_mode='trunc')):
        check(lambda m: op(m.tensor([3, -3]), 0))
        check(lambda m: op(m.tensor([3, -3]), m.tensor([1, 0])))
    check(lambda m: [m.tensor([3, -3]) / 0, m.tensor([1.5, -1.5]) // 0.0, m.tensor([3, 0]) / m.tensor(0)])


def test_python_ints_outside_the_dtype_range_wrap_like_torch():
    check(lambda m: [m.tensor([50], dtype=m.uint8) + 300, m.tensor([50], dtype=m.uint8) < 300,
                     m.tensor([1], dtype=m.uint8) * -1, m.tensor([1], dtype=m.int32) + 2 ** 40,
                     200 + m.tensor([50], dtype=m.int8), m.tensor([1]) + 2 ** 63])
