"""autograd's CPU generator must reproduce torch's bit for bit: the same values, dtypes and shapes, and the same
generator state (get_rng_state bytes) after every call."""
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings, strategies as st

import autograd
from autograd import random as ag_random

SEEDS = [0, 1, 42, 2 ** 32 + 7, 2 ** 64 - 1, -5]
SIZES = [(), (0,), (1,), (3, 4), (15,), (16,), (17,), (31,), (5, 7), (2, 3, 11), (1000,)]


def host(x):
    return np.ascontiguousarray(x.detach().numpy() if isinstance(x, torch.Tensor) else np.asarray(x.array))


def assert_same(expected, got, what=''):
    e, g = host(expected), host(got)
    assert (g.dtype, g.shape) == (e.dtype, e.shape), f"{what}: got {g.dtype}{g.shape}, torch {e.dtype}{e.shape}"
    if g.tobytes() != e.tobytes():
        differ = np.count_nonzero(g.view(np.uint8) != e.view(np.uint8))
        raise AssertionError(f"{what}: {differ} bytes of {e.nbytes} differ from torch\n"
                             f"ours  {g.ravel()[:8]}\ntorch {e.ravel()[:8]}")


def both(program, seed=0):
    """Run program(module) under torch and autograd from the same seed; outputs and generator states must match."""
    torch.manual_seed(seed)
    expected = program(torch)
    autograd.manual_seed(seed)
    got = program(autograd)
    assert_same(expected, got, 'values')
    assert_same(torch.get_rng_state(), autograd.get_rng_state(), 'generator state')


# ---- seeding and state ----
@pytest.mark.parametrize('seed', SEEDS)
def test_manual_seed_state_bytes(seed):
    assert torch.manual_seed(seed).initial_seed() == autograd.manual_seed(seed).initial_seed()
    assert_same(torch.get_rng_state(), autograd.get_rng_state(), 'seeded state')


def test_fresh_generator_matches_torch_default_seed():
    g, G = torch.Generator(), autograd.Generator()
    assert g.initial_seed() == G.initial_seed()
    assert_same(g.get_state(), G.get_state())
    assert_same(torch.rand(20, generator=g), autograd.rand(20, generator=G))


def test_default_generator_is_seeded_nondeterministically():
    assert autograd.seed() != autograd.seed()


@pytest.mark.parametrize('draws', [0, 5, 623, 624, 625, 2000])
def test_state_loaded_from_torch_continues_torch_stream(draws):
    torch.manual_seed(3)
    torch.rand(draws)
    torch.randn(3)                                   # leaves a cached Box-Muller sample in the state
    autograd.set_rng_state(autograd.tensor(torch.get_rng_state().numpy()))
    assert_same(torch.get_rng_state(), autograd.get_rng_state())
    assert_same(torch.randn(5), autograd.randn(5))
    assert_same(torch.rand(700), autograd.rand(700))
    assert_same(torch.get_rng_state(), autograd.get_rng_state())


def test_get_set_state_round_trip_replays_draws():
    G = autograd.Generator().manual_seed(11)
    G.get_state()
    autograd.randn(7, generator=G)
    state = G.get_state()
    first = [autograd.randn(9, generator=G), autograd.rand(40, generator=G), autograd.randperm(30, generator=G)]
    G.set_state(state)
    again = [autograd.randn(9, generator=G), autograd.rand(40, generator=G), autograd.randperm(30, generator=G)]
    for a, b in zip(first, again):
        assert_same(a, b)


def test_explicit_generators_leave_default_stream_alone():
    g, G = torch.Generator().manual_seed(5), autograd.Generator().manual_seed(5)
    torch.manual_seed(9)
    autograd.manual_seed(9)
    for _ in range(3):
        assert_same(torch.randn(20, generator=g), autograd.randn(20, generator=G))
        assert_same(torch.rand(3), autograd.rand(3))
        assert_same(torch.randint(0, 10, (4,), generator=g), autograd.randint(0, 10, (4,), generator=G))
    assert_same(g.get_state(), G.get_state())
    assert_same(torch.get_rng_state(), autograd.get_rng_state())


def test_fork_rng_restores_state():
    autograd.manual_seed(2)
    with autograd.random.fork_rng():
        autograd.rand(50)
    torch.manual_seed(2)
    assert_same(torch.rand(5), autograd.rand(5))


# ---- factories ----
@pytest.mark.parametrize('seed', SEEDS[:4])
@pytest.mark.parametrize('size', SIZES)
@pytest.mark.parametrize('dtype', ['float32', 'float64', 'float16'])
def test_rand_randn(seed, size, dtype):
    both(lambda m: m.rand(size, dtype=getattr(m, dtype)), seed)
    both(lambda m: m.randn(size, dtype=getattr(m, dtype)), seed)


@pytest.mark.parametrize('n', [0, 1, 2, 3, 10, 100, 1000, 5000])
def test_randperm(n):
    both(lambda m: m.randperm(n))
    both(lambda m: m.randperm(n, dtype=m.float32), seed=n)


@pytest.mark.parametrize('low,high', [(0, 2), (-5, 17), (0, 2 ** 28 - 1), (0, 2 ** 28), (-2 ** 30, 2 ** 30),
                                      (0, 2 ** 40), (-2 ** 63, 2 ** 63 - 1)])
@pytest.mark.parametrize('size', [(1,), (7,), (4, 33)])
def test_randint_ranges(low, high, size):
    both(lambda m: m.randint(low, high, size))
    both(lambda m: m.randint(high, size) if low == 0 else m.randint(low, high, size=size), seed=1)


@pytest.mark.parametrize('dtype,high', [('int32', 1000), ('int16', 300), ('uint8', 256), ('int8', 100),
                                        ('bool', 2), ('float32', 70000), ('float64', 2 ** 31)])
def test_randint_dtypes(dtype, high):
    both(lambda m: m.randint(0, high, (50,), dtype=getattr(m, dtype)))


def test_like_factories():
    both(lambda m: m.rand_like(m.zeros(3, 17)))
    both(lambda m: m.randn_like(m.zeros(5, 6, dtype=m.float64)))
    both(lambda m: m.randint_like(m.zeros(20), 7))
    both(lambda m: m.randint_like(m.zeros(20, dtype=m.int32), -3, 9))


@pytest.mark.parametrize('n', [5, 16, 40])
def test_normal_overloads(n):
    both(lambda m: m.normal(0.3, 1.7, (n,)))
    both(lambda m: m.normal(m.arange(n) * 0.1, 0.7))
    both(lambda m: m.normal(0.1, m.arange(n) * 0.2))
    both(lambda m: m.normal(m.zeros(3, n) + 0.5, m.ones(n) * 2.5))
    both(lambda m: m.normal(m.zeros(n, dtype=m.float64) + 0.25, m.ones(n) * 3))


# ---- in-place fills (Tensor.uniform_ and friends) ----
@pytest.mark.parametrize('size', [(1,), (7,), (16,), (33,), (4, 25)])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_inplace_fills(size, dtype):
    def empty(m):
        return m.empty(size, dtype=getattr(m, dtype))
    both(lambda m: empty(m).uniform_(-0.37, 0.37))
    both(lambda m: empty(m).uniform_(1.5, 9.1))
    both(lambda m: empty(m).normal_(0.5, 2.3))
    both(lambda m: empty(m).bernoulli_(0.3))
    both(lambda m: empty(m).exponential_(1.7))
    both(lambda m: empty(m).random_(3, 11))


@pytest.mark.parametrize('dtype', ['int64', 'int32', 'int16', 'int8', 'uint8', 'bool', 'float32', 'float64',
                                   'float16'])
def test_random_(dtype):
    def empty(m):
        return m.empty(40, dtype=getattr(m, dtype))
    both(lambda m: empty(m).random_())
    if dtype != 'bool':
        both(lambda m: empty(m).random_(7))
        both(lambda m: empty(m).random_(2, 9))


def test_random_float_range_is_narrowed_like_torch():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')          # torch warns that float32 cannot hold the range exactly
        both(lambda m: m.empty(30).random_(-5, 2 ** 30))
        both(lambda m: m.empty(30, dtype=m.float64).random_(-5, 2 ** 60))


@pytest.mark.parametrize('op', ['uniform_', 'normal_', 'bernoulli_', 'exponential_'])
def test_fills_walk_non_contiguous_tensors_in_memory_order(op):
    both(lambda m: getattr(m.empty(6, 5).t(), op)())
    both(lambda m: getattr(m.empty(7, 3, dtype=m.float64).t(), op)())


# ---- discrete distributions ----
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_bernoulli_tensor_probabilities(dtype):
    p = np.random.default_rng(0).random((4, 7))
    both(lambda m: m.bernoulli(m.tensor(p, dtype=getattr(m, dtype))))
    both(lambda m: m.empty(4, 7).bernoulli_(m.tensor(p[0], dtype=getattr(m, dtype))))
    both(lambda m: m.bernoulli(m.zeros(9, dtype=getattr(m, dtype)), 0.4))


@pytest.mark.parametrize('num_samples,replacement', [(1, False), (1, True), (4, False), (9, True)])
@pytest.mark.parametrize('dtype', ['float32', 'float64'])
def test_multinomial(num_samples, replacement, dtype):
    probs = np.random.default_rng(1).random((5, 7)) + 0.01
    both(lambda m: m.multinomial(m.tensor(probs, dtype=getattr(m, dtype)), num_samples, replacement))
    both(lambda m: m.multinomial(m.tensor(probs[0], dtype=getattr(m, dtype)), num_samples, replacement))


# ---- what training code builds on: nn.Linear init and dropout masks ----
@pytest.mark.parametrize('fan_in,fan_out', [(4, 3), (784, 128), (10, 1)])
def test_linear_default_init_draws(fan_in, fan_out):
    torch.manual_seed(0)
    layer = torch.nn.Linear(fan_in, fan_out)
    autograd.manual_seed(0)
    gain = math.sqrt(2.0 / (1 + math.sqrt(5) ** 2))                   # kaiming_uniform_(a=sqrt(5))
    bound = math.sqrt(3.0) * (gain / math.sqrt(fan_in))
    weight = autograd.empty(fan_out, fan_in).uniform_(-bound, bound)
    bias = autograd.empty(fan_out).uniform_(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in))
    assert_same(layer.weight, weight)
    assert_same(layer.bias, bias)


@pytest.mark.parametrize('p', [0.1, 0.5, 0.8])
def test_dropout_mask_recipe_matches_torch_dropout(p):
    torch.manual_seed(4)
    expected = F.dropout(torch.ones(8, 60), p)
    autograd.manual_seed(4)
    mask = autograd.empty(8, 60).bernoulli_(1 - p)
    assert_same(expected, autograd.ones(8, 60) * (mask / (1 - p)))


def test_zero_uniform_gives_positive_zero_normal():
    # draw 1207482 of seed 123 has zero low 24 bits: log(1 - 0) = 0 and torch's fused `n * std + mean` yields +0.0
    both(lambda m: (m.rand(1207472), m.randn(16))[1], seed=123)


def test_dataloader_shuffle_recipe():
    """DataLoader(shuffle=True) draws its base seed, then RandomSampler seeds a fresh Generator with random_()."""
    torch.manual_seed(0)
    expected = [int(i) for i in torch.utils.data.DataLoader(range(50), shuffle=True)]
    autograd.manual_seed(0)
    autograd.empty((), dtype=autograd.int64).random_()
    sampler_seed = int(autograd.empty((), dtype=autograd.int64).random_().item())
    assert autograd.randperm(50, generator=autograd.Generator().manual_seed(sampler_seed)).tolist() == expected


# ---- sequences of calls: the state must advance exactly as torch's ----
CALLS = {
    'rand': lambda m, n: m.rand(n),
    'rand64': lambda m, n: m.rand(n, dtype=m.float64),
    'randn': lambda m, n: m.randn(n),
    'randn64': lambda m, n: m.randn(n, dtype=m.float64),
    'randint': lambda m, n: m.randint(-3, 50, (n,)),
    'randperm': lambda m, n: m.randperm(n),
    'normal_': lambda m, n: m.empty(n).normal_(1.0, 0.5),
    'bernoulli_': lambda m, n: m.empty(n).bernoulli_(0.7),
    'exponential_': lambda m, n: m.empty(n).exponential_(),
}


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2 ** 64 - 1),
       calls=st.lists(st.tuples(st.sampled_from(sorted(CALLS)), st.integers(0, 70)), min_size=1, max_size=6))
def test_call_sequences(seed, calls):
    torch.manual_seed(seed)
    expected = [CALLS[name](torch, n) for name, n in calls]
    autograd.manual_seed(seed)
    got = [CALLS[name](autograd, n) for name, n in calls]
    for (name, n), e, g in zip(calls, expected, got):
        assert_same(e, g, f'{name}({n})')
    assert_same(torch.get_rng_state(), autograd.get_rng_state(), 'state')


# ---- torch's exception classes ----
@pytest.mark.parametrize('call,error', [
    (lambda m: m.rand(2, dtype=m.int64), NotImplementedError),
    (lambda m: m.randn(2, dtype=m.int32), NotImplementedError),
    (lambda m: m.randint(3, 3, (2,)), RuntimeError),
    (lambda m: m.randint(0, 300, (2,), dtype=m.uint8), RuntimeError),
    (lambda m: m.empty(3).uniform_(2, 1), RuntimeError),
    (lambda m: m.empty(3).normal_(0, -1), RuntimeError),
    (lambda m: m.empty(3).bernoulli_(1.5), RuntimeError),
    (lambda m: m.empty(3).exponential_(0), RuntimeError),
    (lambda m: m.randperm(-1), RuntimeError),
    (lambda m: m.multinomial(m.tensor([0.2, 0.8]), 3), RuntimeError),
    (lambda m: m.multinomial(m.tensor([0.0, 0.0]), 1), RuntimeError),
    (lambda m: m.multinomial(m.tensor([0.2, -0.8]), 1), RuntimeError),
    (lambda m: m.set_rng_state(m.zeros(10, dtype=m.uint8)), RuntimeError),
    (lambda m: m.set_rng_state(m.zeros(5056)), TypeError),
    (lambda m: m.Generator().manual_seed(1.5), RuntimeError),
    (lambda m: m.manual_seed(2 ** 64), ValueError),
])
def test_errors_match_torch_classes(call, error):
    with pytest.raises(error):
        call(torch)
    with pytest.raises(error):
        call(autograd)


# ---- the exact-arithmetic helpers behind the fused kernels ----
finite = st.floats(-1e30, 1e30, allow_nan=False, allow_infinity=False)


@settings(max_examples=50, deadline=None)
@given(a=finite, b=finite, c=finite, cancel=st.booleans())
def test_fma_helpers_round_once(a, b, c, cancel):
    if cancel:
        c = -a * b * (1 + 2.0 ** -40)
    exact = Fraction(a) * Fraction(b) + Fraction(c)
    # the helpers serve the samplers, whose values are never subnormal: outside their domain
    assume(exact == 0 or abs(exact) >= Fraction(np.finfo(np.float64).tiny))
    assume(a * b == 0 or abs(a * b) >= np.finfo(np.float64).tiny)
    assert ag_random._fma64(np.array([a]), b, c)[0] == float(exact)
    a32, b32, c32 = np.float32(a / 1e25), np.float32(b / 1e25), np.float32(c / 1e50)
    exact32 = Fraction(float(a32)) * Fraction(float(b32)) + Fraction(float(c32))
    got = ag_random._fma32(np.array([a32]), b32, c32)[0]
    neighbours = [np.nextafter(got, np.float32(-np.inf)), np.nextafter(got, np.float32(np.inf))]
    assert all(abs(Fraction(float(got)) - exact32) <= abs(Fraction(float(x)) - exact32) for x in neighbours)


# ---- large fills run in blocks (random._CHUNK elements): the stream must not see the block edges ----
@pytest.mark.parametrize('dtype', ['float32', 'float64', 'float16'])
def test_blocked_fills_match_torch_across_block_edges(dtype):
    n = 2 * ag_random._CHUNK + 37            # two whole blocks and a ragged one, not a multiple of 16

    def empty(m):
        return m.empty(n, dtype=getattr(m, dtype))
    both(lambda m: empty(m).uniform_(-0.37, 0.37))
    both(lambda m: empty(m).normal_(0.5, 2.3))
    both(lambda m: m.rand(n, dtype=getattr(m, dtype)))
    if dtype != 'float16':
        both(lambda m: empty(m).bernoulli_(0.3))
        both(lambda m: m.randn(3, n // 3, dtype=getattr(m, dtype)))
