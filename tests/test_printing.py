"""repr(autograd tensor) must equal repr(torch tensor) with 'torch.' read as 'autograd.'."""
import contextlib

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
from autograd import printing
from autograd.tensor import wrap

DTYPES = [np.float32, np.float64, np.float16, np.complex64, np.complex128,
          np.int64, np.int32, np.int16, np.int8, np.uint8, np.bool_]
VALUE_KINDS = ['normal', 'tiny', 'huge', 'mixed', 'integers', 'negative', 'nonfinite', 'zeros', 'rounding']


def make_values(rng, shape, kind, dtype):
    """Values of one kind: each kind drives torch's formatter into a different notation or width."""
    n = int(np.prod(shape))
    if kind == 'tiny':
        x = rng.standard_normal(n) * 1e-7
    elif kind == 'huge':
        x = rng.standard_normal(n) * 1e12
    elif kind == 'mixed':     # magnitudes spread over 12 decades: ratio > 1000 forces scientific
        x = np.sign(rng.standard_normal(n)) * 10.0 ** rng.uniform(-6, 6, n)
    elif kind == 'integers':
        x = rng.integers(-200, 200, n).astype(np.float64)
    elif kind == 'negative':
        x = -rng.random(n) * 50
    elif kind == 'nonfinite':
        x = rng.standard_normal(n)
        x[rng.random(n) < 0.3] = np.nan
        x[rng.random(n) < 0.2] = np.inf
        x[rng.random(n) < 0.2] = -np.inf
    elif kind == 'zeros':
        x = np.zeros(n) * np.sign(rng.standard_normal(n))   # includes -0.
    elif kind == 'rounding':   # values whose 4-decimal text gains a digit (9.99996 -> 10.0000)
        x = rng.choice([9.99996, -0.99999, 99.99995, 0.5, 1e-4, 123.456], n)
    else:
        x = rng.standard_normal(n) * 3
    kind_of = np.dtype(dtype).kind
    if kind_of == 'c':
        with np.errstate(invalid='ignore'):   # inf * 1j
            x = x + 1j * np.roll(x, 1)[::-1]
    elif kind_of == 'b':
        x = rng.random(n) < 0.5
    elif kind_of in 'iu':
        info = np.iinfo(dtype)
        x = np.clip(np.nan_to_num(x, nan=0, posinf=info.max, neginf=info.min), info.min, info.max)
    with np.errstate(over='ignore', invalid='ignore'):
        return x.astype(dtype).reshape(shape)


def assert_same_repr(array, requires_grad=False):
    mine = wrap(array.copy(), requires_grad=requires_grad)
    theirs = torch.from_numpy(array.copy()).requires_grad_(requires_grad)
    expected = repr(theirs).replace('torch.', 'autograd.')
    assert repr(mine) == expected, f"\nmine:\n{mine!r}\ntorch:\n{expected}"
    assert str(mine) == expected


@contextlib.contextmanager
def both_printoptions(**options):
    printing.set_printoptions(**options)
    torch.set_printoptions(**options)
    try:
        yield
    finally:
        printing.set_printoptions(profile='default')
        torch.set_printoptions(profile='default')


shapes = st.one_of(
    st.lists(st.integers(0, 7), min_size=0, max_size=4).map(tuple),
    st.tuples(st.integers(990, 1100)),                      # around the 1000-element threshold
    st.tuples(st.integers(1, 40), st.integers(20, 60)),       # summarized matrices
    st.tuples(st.integers(7, 9), st.integers(1, 3), st.integers(7, 20), st.integers(7, 9)))


@settings(max_examples=int(__import__("os").environ.get("PRINT_EXAMPLES", 50)), deadline=None)
@given(shape=shapes, dtype=st.sampled_from(DTYPES), kind=st.sampled_from(VALUE_KINDS),
       seed=st.integers(0, 2**32 - 1), requires_grad=st.booleans())
def test_repr_matches_torch(shape, dtype, kind, seed, requires_grad):
    array = make_values(np.random.default_rng(seed), shape, kind, dtype)
    assert_same_repr(array, requires_grad and np.dtype(dtype).kind in 'fc')


@settings(max_examples=int(__import__("os").environ.get("PRINT_EXAMPLES", 40)), deadline=None)
@given(shape=st.lists(st.integers(0, 9), min_size=0, max_size=3).map(tuple),
       dtype=st.sampled_from([np.float32, np.float64, np.int64, np.complex64]),
       kind=st.sampled_from(VALUE_KINDS), seed=st.integers(0, 2**32 - 1),
       precision=st.integers(0, 8), threshold=st.integers(1, 60), edgeitems=st.integers(0, 4),
       linewidth=st.integers(10, 120), sci_mode=st.sampled_from([None, True, False]))
def test_repr_matches_torch_under_printoptions(shape, dtype, kind, seed, precision, threshold, edgeitems,
                                               linewidth, sci_mode):
    array = make_values(np.random.default_rng(seed), shape, kind, dtype)
    with both_printoptions(precision=precision, threshold=threshold, edgeitems=edgeitems,
                           linewidth=linewidth, sci_mode=sci_mode):
        assert_same_repr(array, requires_grad=np.dtype(dtype).kind == 'f')


@pytest.mark.parametrize('values', [
    3.0, -0.0, 1e-5, 1e10, float('nan'), float('inf'), 0.1, [], [[]], [1.0, 2.0], [0.1, 1e-5, 1e8],
    [1e-5, 1.0, float('nan')], [[1, 2], [3, 4]], [True, False], 7, [1 + 2j, -0.0 - 1j]])
def test_small_literals(values):
    expected = repr(torch.tensor(values)).replace('torch.', 'autograd.')
    assert repr(wrap(torch.tensor(values).numpy())) == expected


@pytest.mark.parametrize('shape', [(0,), (0, 3), (2, 0, 1), (0,) * 4])
@pytest.mark.parametrize('dtype', [np.float32, np.float64, np.int64, np.bool_, np.complex64])
def test_empty(shape, dtype):
    assert_same_repr(np.zeros(shape, dtype))


@pytest.mark.parametrize('profile', ['default', 'short', 'full'])
def test_profiles(profile):
    array = np.random.default_rng(0).standard_normal((40, 40)).astype(np.float32)
    with both_printoptions(profile=profile):
        assert_same_repr(array)


def test_printoptions_context_restores():
    before = printing.get_printoptions()
    with printing.printoptions(precision=1, linewidth=30):
        assert printing.get_printoptions()['precision'] == 1
        assert repr(wrap(np.array([0.25, 1.5], np.float32))) == 'tensor([0.2, 1.5])'
    assert printing.get_printoptions() == before


def test_unknown_profile_raises():
    with pytest.raises(ValueError, match="unknown profile 'long'"):
        printing.set_printoptions(profile='long')


def test_namespace_set_printoptions_changes_printing():
    try:
        autograd.set_printoptions(precision=2)
        assert repr(autograd.tensor([1.125, 2.0])) == 'tensor([1.12, 2.00])'
    finally:
        autograd.set_printoptions(profile='default')
    assert repr(autograd.tensor([1.125, 2.0])) == 'tensor([1.1250, 2.0000])'


GRAD_FN_OPS = {'add': lambda a: a + 1, 'mul': lambda a: a * 2, 'sum': lambda a: a.sum(),
               'mean': lambda a: a.mean(), 'exp': lambda a: a.exp(), 'tanh': lambda a: a.tanh()}


@pytest.mark.parametrize('op', GRAD_FN_OPS.values(), ids=GRAD_FN_OPS.keys())
def test_grad_fn_suffix_names_the_node(op):
    x = autograd.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    tx = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert repr(op(x)) == repr(op(tx)).replace('torch.', 'autograd.')


def make_square(base):
    """A custom Function named Square in either library (torch names its node after the class)."""
    class Square(base):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    return Square


def test_grad_fn_suffix_of_custom_function():
    mine = make_square(autograd.autograd.Function).apply(autograd.tensor([2.0], requires_grad=True))
    theirs = make_square(torch.autograd.Function).apply(torch.tensor([2.0], requires_grad=True))
    assert repr(mine) == repr(theirs)


def test_long_suffixes_wrap_onto_new_line():
    array = np.linspace(-1, 1, 9 * 7).reshape(9, 7)   # float64 rows of 7 fill the line
    assert_same_repr(array, requires_grad=True)


@pytest.mark.skipif(not autograd.backend.cuda_available(), reason="needs CuPy and a CUDA device")
@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_device_suffix_on_gpu(dtype):
    array = np.random.default_rng(1).standard_normal((30, 40)).astype(dtype)
    on_gpu = wrap(autograd.backend.to_device(array, autograd.backend.device('cuda:0')), requires_grad=True)
    # torch here has no CUDA: lay out its CPU tensor with the suffixes a CUDA tensor would get
    body = 'tensor(' + torch._tensor_str._tensor_str(torch.from_numpy(array), 7)
    suffixes = ["device='cuda:0'"] + (["dtype=torch.float64"] if dtype == np.float64 else [])
    expected = torch._tensor_str._add_suffixes(body, suffixes + ['requires_grad=True'], 7, False)
    assert repr(on_gpu) == expected.replace('torch.', 'autograd.')
