"""Hard points of the wider API (op_specs_api's linalg, elementwise and reduction rows) that differed from
torch, each pinned against torch so that a regression reads as what broke. The op table sweeps the same
points over every row (tests/test_ops_api.py); these are the named cases."""
import math

import numpy as np
import pytest
import torch

import autograd
from torch_oracle import check

INF, NAN = math.inf, math.nan


def grads(fn, values, order=1, dtype='float64'):
    """fn(m, x) and its first (order=1) or second (order=2, a seeded vector-Jacobian product) derivative."""
    def run(m):
        x = m.tensor(values, dtype=getattr(m, dtype), requires_grad=True)
        out = fn(m, x)
        seed = m.tensor(np.linspace(0.3, 1.1, out.numel()).reshape(tuple(out.shape)), dtype=out.dtype)
        g, = m.autograd.grad(out, x, seed, create_graph=order == 2)
        if order == 1:
            return out.detach(), g
        seed2 = m.tensor(np.linspace(-0.7, 0.9, g.numel()).reshape(tuple(g.shape)), dtype=g.dtype)
        g2, = m.autograd.grad(g, x, seed2)
        return out.detach(), g.detach(), g2
    return run


# ---- second derivatives (the op table's API second derivatives now include the hard points) -------------
@pytest.mark.parametrize('p', [1.0, 2.0, 3.0])
def test_normalize_of_a_zero_vector_has_torchs_second_derivative(p):
    # clamp's backward selects (where) as torch's: the NaN of the norm's masked branch stays out
    check(grads(lambda m, x: m.nn.functional.normalize(x, p, dim=-1), [[0., 0., 0.], [1., -2., 0.5]], order=2))


def test_digamma_second_derivative_at_poles_and_sinc_at_zero():
    check(grads(lambda m, x: m.digamma(x), [0., -1., -2., 1.5], order=2))
    check(grads(lambda m, x: m.sinc(x), [0., 0.5, -1.5], order=2))


@pytest.mark.parametrize('n', [2, 3, 4])
def test_polygamma_signs_at_poles_and_nan_at_inf(n):
    check(lambda m: m.polygamma(n, m.tensor([0., -0., -1., -INF, INF, NAN, 2.5], dtype=m.float64)))


def test_clamp_keeps_an_infinite_gradient_out_of_clamped_entries():
    check(grads(lambda m, x: (x.clamp(-1, 1) * INF).nan_to_num(0.0) + x.clamp(-1, 1), [-2., 0.5, 3.]))


# ---- elementwise boundaries ---------------------------------------------------------------------------
@pytest.mark.parametrize('name', ['entr', 'erfcx', 'spherical_bessel_j0', 'i1', 'i1e', 'i0'])
def test_special_functions_at_zero_inf_and_nan(name):
    values = [0., 1e-20, -2., 30., -30., INF, -INF, NAN]
    check(lambda m: getattr(m.special, name)(m.tensor(values, dtype=m.float64)))
    if name != 'spherical_bessel_j0':   # torch has no derivative for it
        check(grads(lambda m, x: getattr(m.special, name)(x), values))


def test_gammainc_zeta_heaviside_mvlgamma_boundaries():
    v = [0., 0.1, 2.5, INF, -INF, NAN, 1.0]
    a, x = np.meshgrid(v, v)
    for name in ('gammainc', 'gammaincc', 'zeta'):
        check(lambda m: getattr(m.special, name)(m.tensor(a, dtype=m.float64), m.tensor(x, dtype=m.float64)))
    check(lambda m: m.heaviside(m.tensor([NAN, 0., -1., 2.]), m.tensor([0.5, 0.5, 0.5, 0.5])))
    check(lambda m: m.mvlgamma(m.tensor([0., 1., 1.1, INF, -INF, NAN], dtype=m.float64), 3))


# ---- reductions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize('values', [[1., 2., 2., 2., 0.], [NAN, 1., NAN], [INF, -INF, INF, 0.], [0., 0., 0.]])
def test_median_shares_its_gradient_among_equal_entries(values):
    check(grads(lambda m, x: x.median(), values))


@pytest.mark.parametrize('interpolation', ['linear', 'lower', 'higher', 'midpoint', 'nearest'])
def test_quantile_at_nan_inf_and_ties(interpolation):
    rows = [[NAN, 1., 2., NAN], [-INF, -INF, 1., INF], [0., 0., 3., 3.], [NAN, NAN, NAN, NAN]]
    for fn in ('quantile', 'nanquantile'):
        for q in (0.0, 0.5, 0.7, 1.0):
            check(grads(lambda m, x: getattr(m, fn)(x, q, dim=1, interpolation=interpolation), rows))


def test_quantile_of_an_empty_input_raises_and_histc_refuses_a_non_finite_range():
    check(lambda m: m.quantile(m.zeros(2, 0), 0.5, dim=1))
    check(lambda m: m.nanquantile(m.zeros(0), 0.5))
    check(lambda m: m.histc(m.tensor([1., INF]), bins=4))
    check(lambda m: m.histogram(m.tensor([NAN, 1.]), bins=3))


# ---- linalg -------------------------------------------------------------------------------------------
def test_svd_family_never_hangs_on_inf_or_nan():
    """LAPACK's SVD can loop for ever on inf: ours never calls it there. inf gives NaN (torch's CPU build);
    NaN raises torch's LinAlgError text (a RuntimeError in both libraries)."""
    a = [[1., INF], [0.5, 2.]]
    check(lambda m: m.linalg.svdvals(m.tensor(a, dtype=m.float64)))
    check(lambda m: m.linalg.matrix_rank(m.tensor(a, dtype=m.float64)))
    check(lambda m: m.linalg.eigvalsh(m.tensor([[1., INF], [INF, 2.]], dtype=m.float64)))
    for m in (torch, autograd):
        with pytest.raises(RuntimeError, match="linalg.svd: The algorithm failed to converge because the input "
                                               "matrix contained non-finite values"):
            m.linalg.svd(m.tensor([[1., NAN], [0.5, 2.]], dtype=m.float64))


def test_det_gradient_at_singular_matrices_first_order():
    check(grads(lambda m, x: m.linalg.det(x), [[[0.]], [[2.]]]))
    check(grads(lambda m, x: m.linalg.det(x), [[1., 2.], [2., 4.]]))
    check(grads(lambda m, x: m.linalg.det(x), [[[0., 0.], [2., 4.]], [[1., 2.], [3., 5.]]]))


def test_lu_factor_zero_pivot_and_empty_matrices():
    check(lambda m: m.linalg.lu_factor(m.tensor([[0., 1.], [0., 2.]])))
    for shape in [(2, 0), (0, 3), (0, 0)]:
        check(lambda m: tuple(m.linalg.lu_factor(m.zeros(shape))))
        check(lambda m: tuple(m.linalg.lu(m.zeros(shape))))


def test_matrix_exp_and_matrix_power_with_inf():
    a = [[1., INF], [0.5, 2.]]
    check(lambda m: m.linalg.matrix_exp(m.tensor(a, dtype=m.float64)))
    check(lambda m: m.linalg.matrix_exp(m.tensor([[-INF]], dtype=m.float64)))
    check(grads(lambda m, x: m.linalg.matrix_power(x, 0), a))
    check(grads(lambda m, x: m.linalg.matrix_power(x, 3), [[1., INF, 0.], [0., 2., 1.], [0., 0., 1.]]))


def test_multi_dot_multiplies_in_torchs_order():
    rng = np.random.default_rng(0)
    shapes = [(2, 3), (3, 4), (4, 2), (2, 5), (5, 1)]
    mats = [np.where(rng.random(s) < 0.3, INF, rng.normal(size=s)) for s in shapes]
    for k in (3, 4, 5):
        def run(m, k=k):
            xs = [m.tensor(a, requires_grad=True) for a in mats[:k]]
            out = m.linalg.multi_dot(xs)
            return (out.detach(),) + m.autograd.grad(out.sum(), xs)
        check(run)


def test_vector_and_matrix_norms_at_zeros_infs_and_empty_dims():
    for ord in (-1, -INF, 0, 0.5, 3):
        check(grads(lambda m, x: m.linalg.vector_norm(x, ord), [0., 0., 1.5, -2.]))
    check(grads(lambda m, x: m.linalg.vector_norm(x, -INF), [NAN, 1.]))
    check(lambda m: m.linalg.vector_norm(m.tensor([INF, 0., 1.]), 0))
    check(lambda m: m.linalg.vector_norm(m.zeros(2, 0), INF, -1))
    for ord in ('nuc', 2, 1, INF, -1, -INF, 'fro'):
        check(lambda m: m.linalg.matrix_norm(m.zeros(2, 0), ord))


@pytest.mark.parametrize('p', [0., 1., 1.5, 2., 3., INF])
def test_cdist_at_ties_zeros_inf_and_nan(p):
    x1 = [[0., 1., 1.], [INF, 0., 2.], [NAN, 1., 0.]]
    x2 = [[1., 0., 0.], [0., 1., 1.]]
    def run(m):
        a, b = m.tensor(x1, requires_grad=True), m.tensor(x2, requires_grad=True)
        out = m.cdist(a, b, p)
        return (out.detach(),) + m.autograd.grad(out.sum(), [a, b])
    check(run)


@pytest.mark.parametrize('A', [[[1., 0], [2, 0]], [[1., 2], [0, 0]], [[0., 0], [1, 1]], [[0., 0], [0, 0]],
                               [[2., 1, 0], [0, 0, 3], [0, 0, 1]]])
@pytest.mark.parametrize('upper', [False, True])
@pytest.mark.parametrize('left', [True, False])
def test_solve_triangular_of_a_singular_triangle_gives_torchs_infinities(A, upper, left):
    """A zero pivot: torch's substitution divides by it (inf/NaN) where LAPACK's solve refuses."""
    n = len(A)
    B = np.arange(1.0, 2 * n + 1).reshape(n, 2) if left else np.arange(1.0, 2 * n + 1).reshape(2, n)
    check(lambda m: m.linalg.solve_triangular(m.tensor(A, dtype=m.float64), m.tensor(B, dtype=m.float64),
                                              upper=upper, left=left))


@pytest.mark.parametrize('shapes', [((0, 0), (1, 1)), ((2, 2), (3, 1)), ((0, 0), (0, 2)), ((3, 3), (3, 0))])
def test_triangular_solves_refuse_mismatched_sizes_as_torch(shapes):
    """A CI draw gave triangular_solve an empty A and a 1x1 b: NumPy's ValueError where torch raises."""
    A, b = shapes
    for left in (True, False):
        B = b if left else b[::-1]
        assert_error_as_torch(lambda m: m.linalg.solve_triangular(m.eye(A[0]) if A[0] else m.zeros(A), m.ones(B),
                                                                   upper=True, left=left))
    assert_error_as_torch(lambda m: m.triangular_solve(m.ones(b), m.eye(A[0]) if A[0] else m.zeros(A)))


def assert_error_as_torch(fn):
    """The same exception class and message as torch's, or the same result."""
    try:
        fn(torch)
    except RuntimeError as error:
        with pytest.raises(RuntimeError) as ours:
            fn(autograd)
        assert str(ours.value) == str(error)
        return
    check(fn)
