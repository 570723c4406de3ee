"""The non-op parts of issue 10 against torch: accelerator, default device, finfo/iinfo, version,
testing.assert_close, manual_seed, eig/eigvals values, apply_/map_, return-type fields."""
import numpy as np
import pytest
import torch

import autograd
from tolerance import assert_close


def test_accelerator_matches_a_cpu_only_torch():
    if autograd.cuda.is_available():
        pytest.skip("a GPU is present here; torch (CPU build) has none to compare with")
    assert autograd.accelerator.is_available() == torch.accelerator.is_available()
    assert autograd.accelerator.current_accelerator() == torch.accelerator.current_accelerator()
    assert autograd.accelerator.device_count() == torch.accelerator.device_count()
    autograd.accelerator.synchronize()


def test_set_default_device_places_factories(device):
    autograd.set_default_device(device)
    try:
        expected = autograd.device(device)
        assert autograd.get_default_device().type == expected.type
        for t in (autograd.zeros(2), autograd.ones(2, 3), autograd.full((2,), 1.5), autograd.eye(2),
                  autograd.tensor([1.0, 2.0]), autograd.rand(3), autograd.randn(2), autograd.arange(3)):
            assert t.device.type == expected.type
        autograd.manual_seed(0)
        torch.manual_seed(0)
        assert_close(autograd.rand(4).cpu().numpy(), torch.rand(4).numpy())   # same stream on every device
    finally:
        autograd.set_default_device(None)
    assert autograd.zeros(1).device == autograd.device('cpu')


def test_set_default_device_round_trip():
    assert str(autograd.get_default_device()) == str(torch.get_default_device())
    autograd.set_default_device('cpu')
    try:
        assert autograd.zeros(2).device == autograd.device('cpu')
        assert autograd.get_default_device() == autograd.device('cpu')
    finally:
        autograd.set_default_device(None)


@pytest.mark.parametrize('name', ['float16', 'float32', 'float64'])
def test_finfo(name):
    ours, theirs = autograd.finfo(getattr(autograd, name)), torch.finfo(getattr(torch, name))
    for field in ('bits', 'eps', 'max', 'min', 'tiny', 'smallest_normal', 'resolution'):
        assert getattr(ours, field) == getattr(theirs, field), field
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize('name', ['uint8', 'int8', 'int16', 'int32', 'int64'])
def test_iinfo(name):
    ours, theirs = autograd.iinfo(getattr(autograd, name)), torch.iinfo(getattr(torch, name))
    assert (ours.bits, ours.min, ours.max) == (theirs.bits, theirs.min, theirs.max)
    assert repr(ours) == repr(theirs)
    with pytest.raises(TypeError):
        autograd.iinfo(autograd.float32)


def test_version_names():
    assert set(torch.version.__all__) <= set(dir(autograd.version))
    assert isinstance(autograd.__version__, str)


def test_testing_assert_close():
    a = autograd.tensor([1.0, 2.0])
    autograd.testing.assert_close(a, a + 1e-7)
    with pytest.raises(AssertionError):
        autograd.testing.assert_close(a, a + 1e-3)
    with pytest.raises(AssertionError):
        autograd.testing.assert_close(a, a.double())
    torch.testing.assert_close(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]) + 1e-7)


def test_manual_seed_seeds_the_generators_every_device_draws_from():
    autograd.manual_seed(3)
    torch.manual_seed(3)
    np.testing.assert_array_equal(autograd.rand(5).numpy(), torch.rand(5).numpy())
    autograd.cuda.manual_seed_all(4)
    torch.manual_seed(4)
    np.testing.assert_array_equal(autograd.randn(3).numpy(), torch.randn(3).numpy())


def test_eigvals_values_and_no_gradient():
    a = np.random.default_rng(0).standard_normal((3, 4, 4))
    ours = autograd.linalg.eigvals(autograd.tensor(a)).numpy()
    theirs = torch.linalg.eigvals(torch.tensor(a)).numpy()
    for part in (np.real, np.abs):   # the order of eigenvalues is LAPACK's: compare sorted parts
        assert_close(np.sort(part(ours), -1), np.sort(part(theirs), -1), scale=100)
    w, v = autograd.linalg.eig(autograd.tensor(a))
    assert w.dtype == autograd.complex128 and tuple(v.shape) == (3, 4, 4)
    with pytest.raises(NotImplementedError, match='eig'):
        autograd.linalg.eig(autograd.tensor(a, requires_grad=True))


def test_apply_map_nbytes_itemsize():
    a, t = autograd.tensor([1.0, -2.0, 3.0]), torch.tensor([1.0, -2.0, 3.0])
    a.apply_(lambda v: v * 2 + 1)
    t.apply_(lambda v: v * 2 + 1)
    np.testing.assert_array_equal(a.numpy(), t.numpy())
    a.map_(autograd.tensor([1.0, 1.0, 2.0]), lambda x, y: x * y)
    t.map_(torch.tensor([1.0, 1.0, 2.0]), lambda x, y: x * y)
    np.testing.assert_array_equal(a.numpy(), t.numpy())
    assert (a.nbytes, a.itemsize) == (t.nbytes, t.itemsize)


def test_return_type_fields():
    a = np.eye(3) * 2.0
    for op, fields in [('slogdet', ('sign', 'logabsdet')), ('eigh', ('eigenvalues', 'eigenvectors')),
                       ('qr', ('Q', 'R')), ('svd', ('U', 'S', 'Vh')), ('inv_ex', ('inverse', 'info'))]:
        ours = getattr(autograd.linalg, op)(autograd.tensor(a))
        theirs = getattr(torch.linalg, op)(torch.tensor(a))
        assert ours._fields == fields and all(hasattr(theirs, f) for f in fields)


def test_singular_inverse_raises_linalg_error():
    with pytest.raises(RuntimeError):
        torch.linalg.inv(torch.zeros(2, 2))
    with pytest.raises(autograd.linalg.LinAlgError, match='singular'):
        autograd.linalg.inv(autograd.zeros(2, 2))


def _raise_same(call, word):
    """call(torch) raises; call(autograd) must raise the same builtin class, naming `word`."""
    with pytest.raises(Exception) as theirs:
        call(torch)
    base = next(c for c in type(theirs.value).__mro__ if c.__module__ == 'builtins')
    with pytest.raises(base) as ours:
        call(autograd)
    assert word.lower() in str(ours.value).lower(), (str(ours.value), str(theirs.value))


BAD_CALLS = [
    (lambda m: m.linalg.inv(m.ones(2, 3)), 'square'),
    (lambda m: m.linalg.inv(m.ones(3)), 'dimensions'),
    (lambda m: m.linalg.solve(m.eye(3), m.ones(2, 2)), 'linalg.solve'),
    (lambda m: m.linalg.cholesky(-m.eye(2)), 'positive-definite'),
    (lambda m: m.linalg.det(m.ones(2, 2, dtype=m.int64)), 'floating point'),
    (lambda m: m.linalg.cross(m.ones(2, 4), m.ones(2, 4)), 'length 3'),
    (lambda m: m.linalg.multi_dot([m.ones(2, 2)]), 'at least 2'),
    (lambda m: m.linalg.vector_norm(m.ones(3, dtype=m.int64)), 'floating point'),
    (lambda m: m.linalg.qr(m.ones(2, 2), mode='bad'), 'mode'),
    (lambda m: m.kthvalue(m.ones(3), 5), 'k'),
    (lambda m: m.quantile(m.ones(3), 1.5), 'range'),
    (lambda m: m.quantile(m.ones(3, dtype=m.int64), 0.5), 'float'),
    (lambda m: m.meshgrid(m.ones(2), m.ones(2), indexing='ab'), 'indexing'),
    (lambda m: m.rot90(m.ones(2, 2), 1, (0, 0)), 'dims'),
    (lambda m: m.renorm(m.ones(3), 2, 0, 1.0), 'dimensions'),
    (lambda m: m.tensordot(m.ones(2, 3), m.ones(2, 3), ([1], [1])) if False else
     m.tensordot(m.ones(2, 3), m.ones(2, 3), ([1], [0])), 'size'),
    (lambda m: m.bincount(m.tensor([-1, 2])), 'non-negative'),
    (lambda m: m.polygamma(-1, m.ones(2)), 'negative'),
    (lambda m: m.movedim(m.ones(2, 3), (0, 1), (0,)), 'movedim'),
    (lambda m: m.tensor_split(m.ones(4), 0), 'sections'),
    (lambda m: m.hsplit(m.ones(3, 3), 2), 'hsplit'),
    (lambda m: m.broadcast_shapes((2, 3), (4, 3)), 'shape'),
    (lambda m: m.gcd(m.ones(2), m.ones(2)), 'gcd'),
    (lambda m: m.cdist(m.ones(2, 3), m.ones(2, 4)), 'columns'),
    (lambda m: m.pdist(m.ones(2, 3, 4)), '2D'),
    (lambda m: m.trace(m.ones(2, 2, 2)), 'matrix'),
    (lambda m: m.diff(m.tensor(1.0)), 'one-dimensional'),
    (lambda m: m.finfo(m.int32), 'floating point'),
    (lambda m: m.tensor([1.0]).float_power_(2), 'Double'),
]


@pytest.mark.parametrize('call,word', BAD_CALLS, ids=[str(i) for i in range(len(BAD_CALLS))])
def test_bad_input_raises_torchs_class_naming_the_problem(call, word):
    _raise_same(call, word)


@pytest.mark.parametrize('call', [lambda m: m.linalg.inv(m.zeros(2, 2)),
                                  lambda m: m.linalg.inv(m.tensor([[1.0, 2.0], [2.0, 4.0]])),
                                  lambda m: m.linalg.solve(m.tensor([[1.0, 2.0], [2.0, 4.0]]), m.ones(2)),
                                  lambda m: m.linalg.cholesky(m.tensor([[1.0, 2.0], [2.0, 1.0]])),
                                  lambda m: m.kthvalue(m.ones(2, 3), 4, 0)])
def test_linalg_errors_have_torchs_text(call):
    with pytest.raises(RuntimeError) as theirs:
        call(torch)
    with pytest.raises(RuntimeError) as ours:
        call(autograd)
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize('name', ['atan2', 'hypot', 'logaddexp', 'xlogy', 'copysign', 'fmax', 'float_power'])
def test_out_argument(name):
    a, b = np.array([0.5, -1.0, 2.0]), np.array([1.5, 2.0, -0.5])
    dt = 'float64' if name == 'float_power' else 'float32'
    ours = autograd.empty(0, dtype=getattr(autograd, dt))
    theirs = torch.empty(0, dtype=getattr(torch, dt))
    r1 = getattr(autograd, name)(autograd.tensor(a, dtype=autograd.float32), autograd.tensor(b, dtype=autograd.float32),
                                 out=ours)
    r2 = getattr(torch, name)(torch.tensor(a, dtype=torch.float32), torch.tensor(b, dtype=torch.float32), out=theirs)
    assert r1 is ours and r2 is theirs
    assert_close(ours.numpy(), theirs.numpy())


def test_functional_distances_are_the_tensor_functions():
    import nn.functional as F
    a = np.random.default_rng(0).standard_normal((4, 3))
    for name in ('cosine_similarity', 'pairwise_distance'):
        ours = getattr(F, name)(autograd.tensor(a), autograd.tensor(a[::-1].copy()))
        theirs = getattr(torch.nn.functional, name)(torch.tensor(a), torch.tensor(a[::-1].copy()))
        assert_close(ours.numpy(), theirs.numpy())
    assert_close(F.pdist(autograd.tensor(a)).numpy(), torch.nn.functional.pdist(torch.tensor(a)).numpy())


def test_vecdot_of_two_vectors_of_different_sizes_raises_torchs_error():
    """Found by a fresh-clone run: two 1-d vectors do not broadcast in torch's vecdot (a 0-d one does)."""
    for a, b in [((1,), (2,)), ((), (2,)), ((3, 1), (2,))]:
        theirs = ours = None
        try:
            theirs = tuple(torch.linalg.vecdot(torch.ones(a), torch.ones(b)).shape)
        except RuntimeError as e:
            with pytest.raises(RuntimeError, match=str(e).split(',')[0]):
                autograd.linalg.vecdot(autograd.ones(a), autograd.ones(b))
            continue
        ours = tuple(autograd.linalg.vecdot(autograd.ones(a), autograd.ones(b)).shape)
        assert ours == theirs
