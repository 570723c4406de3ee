"""Op-table rows for the wider tensor API of issue 10 (linalg, special functions, order statistics,
shape and distance helpers), in op_specs.Op's format; tests/test_ops_api.py runs them with the same
check_op as the main table.

Decompositions are fed inputs on which they are smooth functions, and their outputs are compared in a
form both libraries agree on: symmetric positive-definite matrices for cholesky, a + a^T for eigh (its
gradient then symmetrises), eigen- and singular vectors with the sign of their first row made positive
(LAPACK may return either sign), matrices with 3 added on the diagonal where an inverse is taken.
"""

import numpy as np
from hypothesis import strategies as st

import op_specs
from op_specs import HARD, NO_NAN_GRAD, VALUES, binary, fixed, one_dim, reduce, shape, unary


Op = op_specs.Op   # every row declares its hard points (op_specs' module docstring), leaving out only where torch
                  # itself is undefined, and saying why


def square(min_n=1, max_n=4, batch=2):
    def inputs(draw):
        n = draw(st.integers(min_n, max_n))
        lead = tuple(draw(st.lists(st.integers(1, 2), max_size=batch)))
        return [lead + (n, n)], {}
    return inputs


def matrices(draw):
    lead = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    return [lead + (draw(st.integers(1, 4)), draw(st.integers(1, 4)))], {}


def tall(draw):
    n = draw(st.integers(1, 3))
    return [(draw(st.integers(n, 5)), n)], {}


def _eye(m, a):
    return m.eye(a.shape[-1], dtype=a.dtype, device=a.device)


def wellcond(m, a):
    return a + 3 * _eye(m, a)


def wellcond_rect(m, a):
    """3 added on the main diagonal of a (m x n): singular values kept away from 0 (entries in (-1, 1))."""
    return a + 3 * m.eye(a.shape[-2], a.shape[-1], dtype=a.dtype, device=a.device)


def spd(m, a):
    return a @ a.mT + a.shape[-1] * _eye(m, a)


def signed_columns(v):
    """Columns with the sign of their first entry made positive."""
    return v * v[..., :1, :].sign()


def eigh_call(m, a):
    values, vectors = m.linalg.eigh(a + a.mT)
    return values, signed_columns(vectors)


def svd_call(m, a, full):
    u, s, vh = m.linalg.svd(a, full_matrices=full)
    k = s.shape[-1]
    sign = u[..., :1, :k].sign()
    return u[..., :k] * sign, s, vh[..., :k, :] * sign.mT


def qr_call(m, a, mode):
    q, r = m.linalg.qr(a, mode=mode)
    k = min(a.shape[-2:])
    d = m.diagonal(r[..., :k, :k], 0, -2, -1).sign().unsqueeze(-2)
    return q[..., :k] * d, r[..., :k, :] * d.mT


def solve_shapes(draw):
    n = draw(st.integers(1, 4))
    lead = tuple(draw(st.lists(st.integers(1, 2), max_size=2)))
    vector = draw(st.booleans())
    b = lead + (n,) if vector else lead + (n, draw(st.integers(1, 3)))
    return [lead + (n, n), b], {'left': draw(st.booleans()) if not vector else True}


def tri_shapes(draw):
    n = draw(st.integers(1, 4))
    left = draw(st.booleans())
    k = draw(st.integers(1, 3))
    return [(n, n), (n, k) if left else (k, n)], {'upper': draw(st.booleans()), 'left': left,
                                                  'unit': draw(st.booleans())}


def norm_opts(draw):
    s = draw(shape(1, 3, 1))
    return [s], {'ord': draw(st.sampled_from([2, 1, 3, 0.5, float('inf'), float('-inf'), 0, -1])),
                 'keepdim': draw(st.booleans())}


def matrix_norm_opts(draw):
    return matrices(draw)[0], {'ord': draw(st.sampled_from(['fro', 'nuc', 1, -1, float('inf'), float('-inf'), 2,
                                                             -2])), 'keepdim': draw(st.booleans())}


def two_same(min_dims=1, max_dims=3):
    def inputs(draw):
        s = draw(shape(min_dims, max_dims, 1))
        return [s, s], {}
    return inputs


def off_poles(x):
    """Negative values at least 0.3 from the poles of lgamma/digamma (x in (0.5, 4) -> (-4.3, -0.3))."""
    return -x.floor() - 0.5 + 0.2 * (x - x.floor() - 0.5)


def as_int(t):
    """Integers from the drawn floats; inf and NaN first made finite (+-50, 0): C++ leaves their cast to
    int64 undefined (x86 gives INT64_MIN, and torch's lcm then divides INT64_MIN by -1: SIGFPE)."""
    return (t.nan_to_num(0.0, 50.0, -50.0) * 10).long()


def with_nans(m, a):
    return m.where(a > 2, float('nan'), a)


def kth_opts(draw):
    s = draw(shape(1, 3, 1))
    d = draw(st.integers(-len(s), len(s) - 1))
    return [s], {'dim': d, 'k': draw(st.integers(1, s[d])), 'keepdim': draw(st.booleans())}


def quantile_opts(draw):
    s, opts = reduce(multi=False)(draw)
    # no subnormal q: a helper's run found nanquantile differing from torch at q = 2.2e-313 (a stored example,
    # not reproduced since); subnormal arithmetic is not what this row tests
    # nor q within 1e-6 of 0 or 1 (but 0 and 1 themselves): torch computes the rank in the input's dtype, so in
    # float32 a tiny q * (n - 1) rounds to 0 and 'higher' picks the lower element
    q = st.one_of(st.sampled_from([0.0, 1.0]), st.floats(1e-6, 1 - 1e-6))
    opts['q'] = draw(st.one_of(q, st.lists(q, min_size=1, max_size=3)))
    opts['interpolation'] = draw(st.sampled_from(['linear', 'lower', 'higher', 'midpoint', 'nearest']))
    if opts['dim'] is None and int(np.prod(s)) > 16:
        # at most 16 sorted values: there torch's CPU sort (introsort) is an insertion sort, stable, so which
        # of equal values (zeros, ties, infs, NaNs) gets the gradient is defined; above 16 its order among
        # equal keys is arbitrary
        opts['dim'] = -1
    return s, opts


def _q(m, q, x):
    return m.tensor(q, dtype=m.float64, device=x.device) if isinstance(q, list) else q


def _quantile(m, x, dim, keepdim, q, interpolation, nan=False):
    fn = m.nanquantile if nan else m.quantile
    q = _q(m, q, x)
    if isinstance(q, float) is False:
        q = q.to(x.dtype)
    return fn(x, q, dim=dim, keepdim=keepdim, interpolation=interpolation)


def diff_opts(draw):
    s = draw(shape(1, 3, 1))
    return [s], {'n': draw(st.integers(1, 2)), 'dim': draw(st.integers(-len(s), len(s) - 1))}


def movedim_opts(draw):
    s = draw(shape(1, 4, 1))
    k = draw(st.integers(1, len(s)))
    src = draw(st.permutations(range(len(s))))[:k]
    dst = draw(st.permutations(range(len(s))))[:k]
    return [s], {'src': tuple(src), 'dst': tuple(dst)}


def split_opts(draw):
    s = draw(shape(1, 3, 1))
    d = draw(st.integers(0, len(s) - 1))
    sections = draw(st.one_of(st.integers(1, 4), st.lists(st.integers(-3, 5), max_size=3)))
    return [s], {'dim': d, 'sections': sections}


def rot_opts(draw):
    s = draw(shape(2, 3, 1))
    d = draw(st.permutations(range(len(s))))[:2]
    return [s], {'k': draw(st.integers(-3, 4)), 'dims': tuple(d)}


def _exponent(b):
    """ldexp's integer exponent from b: NaN and +-inf become 0 first, as their cast to int64 is undefined in C
    (torch's result is whatever the processor's conversion gives)."""
    return b.nan_to_num(0.0, 0.0, 0.0).round().abs().long()


def take_index(shapes, opts, rng):
    s = shapes[0]
    d = opts['dim']
    if d is None:   # over an empty input every index is out of range (torch raises: so must we)
        return [rng.integers(0, max(int(np.prod(s)), 1), rng.integers(1, 5))]
    idx_shape = list(s)
    idx_shape[d] = rng.integers(1, 4)
    return [rng.integers(0, max(s[d], 1), tuple(idx_shape))]


def put_index(shapes, opts, rng):
    n = int(np.prod(shapes[0]))
    k = min(shapes[1][0], n)
    return [rng.permutation(n)[:k] - (n if opts['negative'] else 0)]


def mask_index(shapes, opts, rng):
    return [rng.random(shapes[0]) < 0.5]


def sorted_seq(shapes, opts, rng):
    return [np.sort(rng.uniform(-3, 3, opts['n']))]


def bincount_index(shapes, opts, rng):
    return [rng.integers(0, 6, shapes[0][0])]


def cdist_shapes(draw):
    lead = tuple(draw(st.lists(st.integers(1, 2), max_size=1)))
    k = draw(st.integers(1, 3))
    return [lead + (draw(st.integers(1, 4)), k), lead + (draw(st.integers(1, 4)), k)], \
        {'p': draw(st.sampled_from([2.0, 1.0, 3.0, float('inf')]))}


POLYNOMIALS = ('chebyshev_polynomial_t', 'chebyshev_polynomial_u', 'chebyshev_polynomial_v', 'chebyshev_polynomial_w',
               'shifted_chebyshev_polynomial_t', 'shifted_chebyshev_polynomial_u', 'shifted_chebyshev_polynomial_v',
               'shifted_chebyshev_polynomial_w', 'hermite_polynomial_h', 'hermite_polynomial_he',
               'laguerre_polynomial_l', 'legendre_polynomial_p')


def _inplace(name):
    return lambda m, a, b: getattr(a.clone(), name)(b)


# Rows that call LAPACK draw no inf or NaN: what a factorisation returns for them is the LAPACK build's, not
# a value torch defines (torch's MKL build gives NaN, finite entries or an error by driver and size: svd raises
# on NaN but not on inf, lstsq hits an INTERNAL ASSERT on NaN, triangular solves skip zero entries and keep
# finite ones). Our side never hands them to an iterative driver (linalg_decomp._nonfinite_guard): no hang.
FINITE = ('zero', 'tie', 'empty')


API_OPS = [
    # ---- linalg ----
    Op('linalg.inv', lambda m, a: m.linalg.inv(wellcond(m, a)), square(), domain=(-1, 1), hard=FINITE),
    Op('linalg.inv_ex', lambda m, a: m.linalg.inv_ex(wellcond(m, a)).inverse, square(), domain=(-1, 1), hard=FINITE),
    Op('inverse', lambda m, a: m.inverse(wellcond(m, a)), square(), domain=(-1, 1), hard=FINITE),
    Op('linalg.det', lambda m, a: m.linalg.det(wellcond(m, a)), square(), domain=(-1, 1), hard=FINITE),
    # no zeros or ties: they make A singular, where torch's det gradient has two answers: its first-order
    # backward gives 0 (an LU solve against det * grad = 0), its create_graph backward the SVD's adjugate;
    # ties are also only numerically singular, so which path runs is decided by rounding
    Op('det', lambda m, a: a.det(), square(), domain=(-1, 1), hard=('empty',)),
    Op('linalg.slogdet', lambda m, a: tuple(m.linalg.slogdet(a - 3 * _eye(m, a))), square(), domain=(-1, 1),
       hard=FINITE),
    Op('logdet', lambda m, a: m.logdet(spd(m, a)), square(), domain=(-1, 1), hard=FINITE),
    Op('linalg.solve', lambda m, a, b, left: m.linalg.solve(wellcond(m, a), b, left=left), solve_shapes,
       domain=(-1, 1), hard=FINITE),
    Op('linalg.solve_triangular', lambda m, a, b, upper, left, unit: m.linalg.solve_triangular(
        wellcond(m, a), b, upper=upper, left=left, unitriangular=unit), tri_shapes, domain=(-1, 1), hard=FINITE),
    Op('triangular_solve', lambda m, a, b, upper, left, unit: tuple(m.triangular_solve(
        b.mT if not left else b, wellcond(m, a), upper=upper, transpose=unit)), tri_shapes, domain=(-1, 1),
       hard=FINITE),
    Op('linalg.cholesky', lambda m, a, upper: m.linalg.cholesky(spd(m, a), upper=upper),
       lambda d: (square()(d)[0], {'upper': d(st.booleans())}), domain=(-1, 1), hard=FINITE),
    Op('linalg.cholesky_ex', lambda m, a: m.linalg.cholesky_ex(spd(m, a)).L, square(), domain=(-1, 1), hard=FINITE),
    Op('cholesky_solve', lambda m, a, b, upper: m.cholesky_solve(b, m.linalg.cholesky(spd(m, a), upper=upper),
                                                                 upper=upper),
       lambda d: (lambda n: ([(n, n), (n, 2)], {'upper': d(st.booleans())}))(d(st.integers(1, 4))), domain=(-1, 1),
       hard=FINITE),
    # no zeros or ties: they repeat eigenvalues (a constant matrix, zero rows), where the eigenvectors, and
    # the eigenvalues' gradient V diag(g) V^T, depend on the basis LAPACK picks in the eigenspace
    Op('linalg.eigh', eigh_call, square(max_n=3), hard=('empty',)),
    # (no zeros or ties, as linalg.eigh's)
    Op('linalg.eigvalsh', lambda m, a: m.linalg.eigvalsh(a + a.mT), square(), hard=('empty',)),
    # no zeros or ties: they make repeated and zero singular values (rank deficiency), where the singular
    # vectors and gradients built on them depend on the basis LAPACK picks
    Op('linalg.svd', lambda m, a, full: svd_call(m, a, full),
       lambda d: (matrices(d)[0], {'full': d(st.booleans())}), hard=('empty',)),
    # (no zeros or ties, as linalg.svd's)
    Op('linalg.svdvals', lambda m, a: m.linalg.svdvals(a), matrices, hard=('empty',)),
    # no zeros or ties: rank deficiency makes a zero diagonal in R, where Q's column is LAPACK's choice of
    # Householder vector and torch's gradient (a solve with R) is undefined
    Op('linalg.qr', lambda m, a, mode: qr_call(m, a, mode if a.shape[-2] <= a.shape[-1] else 'reduced'),
       lambda d: (matrices(d)[0], {'mode': d(st.sampled_from(['reduced', 'complete']))}), domain=(-1, 1),
       hard=('empty',)),
    Op('linalg.pinv', lambda m, a: m.linalg.pinv(wellcond_rect(m, a)), matrices, domain=(-1, 1), hard=FINITE),
    Op('linalg.lstsq', lambda m, a, b: m.linalg.lstsq(wellcond_rect(m, a), b).solution,
       lambda d: (lambda s: ([s, (s[0], 2)], {}))(tall(d)[0][0]), domain=(-1, 1), hard=FINITE),
    # zeros: a structurally singular A has an exact zero pivot in any elimination order, and lu_factor then
    # raises torch's RuntimeError; no ties: their singularity is numerical, a zero pivot or a rounding one
    Op('linalg.lu_factor', lambda m, a: tuple(m.linalg.lu_factor(a)), square(), hard=('zero', 'empty')),
    # (no ties, as linalg.lu_factor's)
    # no ties (as linalg.lu_factor's) nor zeros: at a zero pivot the gradient's triangular solves divide by
    # zero, and BLAS trsm skips zero right-hand entries, so where inf and NaN land is the BLAS build's
    Op('linalg.lu', lambda m, a: tuple(m.linalg.lu(a)), square(), hard=('empty',)),
    Op('linalg.lu_solve', lambda m, a, b, left, adjoint: m.linalg.lu_solve(
        *m.linalg.lu_factor(wellcond(m, a)), b if left else b.mT, left=left, adjoint=adjoint),
       lambda d: (lambda n: ([(n, n), (n, 2)], {'left': d(st.booleans()), 'adjoint': d(st.booleans())}))(
           d(st.integers(1, 4))), domain=(-1, 1), hard=FINITE),
    # (no ties, as linalg.lu_factor's)
    Op('lu_unpack', lambda m, a: tuple(m.lu_unpack(*m.linalg.lu_factor(a))), square(), hard=('zero', 'empty')),
    Op('linalg.tensorinv', lambda m, a: m.linalg.tensorinv(wellcond(m, a.reshape(4, 4)).reshape(2, 2, 4), 2),
       fixed((16,)), domain=(-1, 1), hard=FINITE),
    Op('linalg.tensorsolve', lambda m, a, b: m.linalg.tensorsolve(
        wellcond(m, a.reshape(6, 6)).reshape(6, 2, 3), b), fixed((36,), (6,)), domain=(-1, 1), hard=FINITE),
    # no zeros or ties: the rank of a rank-deficient matrix compares rounding-level singular values (LAPACK's
    # own) with the tolerance eps * max(m, n) * s_max
    Op('linalg.matrix_rank', lambda m, a: m.linalg.matrix_rank(a), matrices, grad=False, hard=('empty',)),
    Op('linalg.matrix_power', lambda m, a, n: m.linalg.matrix_power(wellcond(m, a), n),
       lambda d: (square()(d)[0], {'n': d(st.integers(-2, 3))}), domain=(-1, 1), hard=FINITE),
    # inf/NaN: torch's own kernel (not LAPACK): the entry's exp for 1 x 1, else all NaN
    Op('linalg.matrix_exp', lambda m, a: m.linalg.matrix_exp(a), square(), domain=(-1, 1), hard=HARD),
    Op('linalg.cross', lambda m, a, b: m.linalg.cross(a, b),
       lambda d: ([d(shape(0, 2, 1)) + (3,), (3,)], {}), hard=HARD),
    Op('cross', lambda m, a, b: m.cross(a, b, dim=0), fixed((3, 2), (3, 2)), hard=HARD),
    Op('linalg.multi_dot', lambda m, a, b, c: m.linalg.multi_dot([a, b, c]), fixed((3,), (3, 4), (4, 2)), hard=HARD),
    Op('chain_matmul', lambda m, a, b, c: m.chain_matmul(a, b, c), fixed((2, 3), (3, 4), (4, 2)), hard=HARD),
    Op('linalg.vecdot', lambda m, a, b: m.linalg.vecdot(a, b), binary(), hard=HARD),
    Op('linalg.diagonal', lambda m, a, off: m.linalg.diagonal(a, offset=off),
       lambda d: (matrices(d)[0], {'off': d(st.integers(-2, 2))}), hard=HARD),
    Op('diagonal', lambda m, a, off, d1, d2: a.diagonal(off, d1, d2) if d1 != d2 else a.diagonal(off),
       lambda d: ([d(shape(2, 4, 1))], {'off': d(st.integers(-2, 2)), 'd1': d(st.integers(0, 1)),
                                        'd2': d(st.integers(-1, 1))}), hard=HARD),
    Op('diag_embed', lambda m, a, off: m.diag_embed(a, off),
       lambda d: ([d(shape(1, 3, 1))], {'off': d(st.integers(-1, 1))}), hard=HARD),
    Op('diagflat', lambda m, a, off: m.diagflat(a, off),
       lambda d: ([d(shape(0, 2, 1))], {'off': d(st.integers(-1, 1))}), hard=HARD),
    Op('linalg.vector_norm', lambda m, a, ord, keepdim: m.linalg.vector_norm(a, ord, -1, keepdim), norm_opts,
       positive=True, hard=HARD),
    # 'nuc', 2 and -2 are built on svdvals: no zeros or ties (as linalg.svd's) and no inf/NaN (LAPACK's);
    # the entrywise orders draw every hard point in the row after this one
    Op('linalg.matrix_norm', lambda m, a, ord, keepdim: m.linalg.matrix_norm(a, ord, keepdim=keepdim),
       matrix_norm_opts, hard=('empty',)),
    Op('linalg.matrix_norm_entrywise', lambda m, a, ord, keepdim: m.linalg.matrix_norm(a, ord, keepdim=keepdim),
       lambda d: (matrices(d)[0], {'ord': d(st.sampled_from(['fro', 1, -1, float('inf'), float('-inf')])),
                                   'keepdim': d(st.booleans())}), hard=HARD),
    Op('linalg.norm', lambda m, a: m.linalg.norm(a), unary(min_side=1), hard=HARD),
    # (as linalg.matrix_norm's: the entrywise orders are drawn at the hard points below)
    Op('linalg.norm_ord', lambda m, a, ord, dim, keepdim: m.linalg.norm(a, ord, dim, keepdim),
       lambda d: ([d(shape(2, 2, 1))], {'ord': d(st.sampled_from([None, 'fro', 'nuc', 1, 2, -1, float('inf')])),
                                        'dim': d(st.sampled_from([None, (0, 1), (1, 0)])),
                                        'keepdim': d(st.booleans())}), hard=('empty',)),
    Op('linalg.norm_vector_dim', lambda m, a, ord, dim: m.linalg.norm(a, ord, dim),
       lambda d: ([d(shape(1, 3, 1))], {'ord': d(st.sampled_from([None, 1, 2, 3, float('inf')])),
                                        'dim': d(st.integers(0, 0))}), positive=True, hard=HARD),
    Op('trace', lambda m, a: m.trace(a), lambda d: ([d(shape(2, 2, 1))], {}), hard=HARD),
    Op('kron', lambda m, a, b: m.kron(a, b), lambda d: ([d(shape(0, 3, 1, 3)), d(shape(0, 3, 1, 3))], {}), hard=HARD),
    Op('tensordot', lambda m, a, b: m.tensordot(a, b, dims=([1, 0], [0, 2])), fixed((2, 3, 4), (3, 2, 2)), hard=HARD),
    Op('tensordot_int', lambda m, a, b, k: m.tensordot(a, b, k),
       lambda d: (lambda k: ([(2, 3), [(2,), (3, 2), (2, 3, 2)][k]], {'k': k}))(d(st.integers(0, 2))), hard=HARD),
    Op('cdist', lambda m, a, b, p: m.cdist(a, b, p), cdist_shapes, positive=True, hard=HARD),
    # no empty dims: torch 2.13's _pdist_backward segfaults on an input with 0 rows (the process dies)
    Op('pdist', lambda m, a: m.pdist(a), lambda d: ([(d(st.integers(2, 4)), d(st.integers(1, 3)))], {}), hard=VALUES),
    Op('addmv', lambda m, c, a, b: m.addmv(c, a, b, beta=0.5, alpha=2), fixed((3,), (3, 4), (4,)), hard=HARD),
    Op('addr', lambda m, c, a, b: m.addr(c, a, b, alpha=2), fixed((3, 4), (3,), (4,)), hard=HARD),
    Op('addbmm', lambda m, c, a, b: m.addbmm(c, a, b, beta=2), fixed((3, 2), (2, 3, 4), (2, 4, 2)), hard=HARD),
    # ---- elementwise ----
    Op('atan2', lambda m, a, b: m.atan2(a, b), binary(), positive=True, hard=HARD),
    Op('arctan2_', _inplace('arctan2_'), two_same(), positive=True, hard=HARD),
    Op('hypot', lambda m, a, b: m.hypot(a, b), binary(), positive=True, hard=HARD),
    Op('logaddexp', lambda m, a, b: m.logaddexp(a, b), binary(), hard=HARD),
    Op('logaddexp2', lambda m, a, b: m.logaddexp2(a, b), binary(), hard=HARD),
    Op('xlogy', lambda m, a, b: m.xlogy(a * (a > 0), b), binary(), domain=(-1, 3), positive=True, hard=HARD),
    Op('lgamma', lambda m, x: m.lgamma(x), unary(), domain=(0.1, 8), hard=HARD),
    Op('digamma', lambda m, x: m.digamma(x), unary(), domain=(0.1, 8), hard=HARD),
    Op('lgamma_digamma_negative', lambda m, x: (m.lgamma(off_poles(x)), m.digamma(off_poles(x))), unary(),
       domain=(0.5, 4), hard=HARD),
    Op('polygamma', lambda m, x, n: m.polygamma(n, x), lambda d: ([d(shape())], {'n': d(st.integers(1, 3))}),
       domain=(0.3, 12), hard=HARD),
    Op('mvlgamma', lambda m, x: m.mvlgamma(x, 3), unary(), domain=(1.2, 6), hard=HARD),
    Op('erfinv', lambda m, x: m.erfinv(x), unary(), domain=(-0.95, 0.95), hard=HARD),
    Op('erfc', lambda m, x: m.erfc(x), unary(), hard=HARD),
    Op('sinc', lambda m, x: m.sinc(x), unary(), hard=HARD),
    Op('logit', lambda m, x: m.logit(x), unary(), domain=(0.05, 0.95), hard=HARD),
    # at NaN torch's own paths disagree: its logit_backward kernel gives NaN, the composite used under
    # create_graph gives 0 (and a NaN second derivative)
    Op('logit_eps', lambda m, x: m.logit(x, 0.2), unary(), domain=(0.0, 1.0), hard=('zero', 'tie', 'inf', 'empty')),
    Op('nan_to_num', lambda m, x: m.nan_to_num(m.log(x), posinf=5.0), unary(), domain=(-1, 3), hard=HARD),
    Op('copysign', lambda m, a, b: m.copysign(a, b), binary(), positive=True, hard=HARD),
    Op('fmax', lambda m, a, b: m.fmax(with_nans(m, a), b), binary(), hard=HARD),
    Op('fmin', lambda m, a, b: m.fmin(a, with_nans(m, b)), binary(), hard=HARD),
    Op('float_power', lambda m, a, b: m.float_power(a, b), binary(), domain=(0.5, 2), hard=HARD),
    Op('deg2rad', lambda m, x: m.deg2rad(x), unary(), hard=HARD),
    Op('rad2deg', lambda m, x: m.rad2deg(x), unary(), hard=HARD),
    Op('heaviside', lambda m, a, b: m.heaviside(a.round(), b), binary(), grad=False, hard=HARD),
    Op('signbit', lambda m, x: m.signbit(x), unary(), grad=False, hard=HARD),
    Op('frexp', lambda m, x: tuple(m.frexp(x)), unary(), grad=False, hard=HARD),
    Op('ldexp', lambda m, a, b: m.ldexp(a, as_int(b).abs() % 40), binary(), hard=HARD),
    Op('gcd', lambda m, a, b: m.gcd(as_int(a), as_int(b)), binary(), grad=False, hard=HARD),
    Op('lcm', lambda m, a, b: m.lcm(as_int(a), as_int(b)), binary(), grad=False, hard=HARD),
    Op('bitwise', lambda m, a, b: (m.bitwise_and(as_int(a), as_int(b)), m.bitwise_or(as_int(a), as_int(b)),
                                   m.bitwise_xor(as_int(a), as_int(b)), m.bitwise_not(as_int(a)),
                                   as_int(a) << as_int(b).abs() % 8, as_int(a) >> as_int(b).abs() % 8),
       binary(), grad=False, hard=HARD),
    Op('asinh', lambda m, x: m.asinh(x), unary(), hard=HARD),
    Op('acosh', lambda m, x: m.arccosh(x), unary(), domain=(1.1, 4), hard=HARD),
    Op('atanh', lambda m, x: m.atanh(x), unary(), domain=(-0.9, 0.9), hard=HARD),
    Op('clamp_min', lambda m, x: m.clamp_min(x, 0.5), unary(), hard=HARD),
    Op('clamp_max_', lambda m, x: x.clone().clamp_max_(0.5), unary(), hard=HARD),
    Op('sgn', lambda m, x: m.sgn(x) * x, unary(), hard=HARD),
    Op('fix', lambda m, x: m.fix(x), unary(), hard=HARD),
    Op('special.i0', lambda m, x: m.special.i0(x), unary(), domain=(-40, 40), hard=HARD),
    Op('special.i0e', lambda m, x: m.special.i0e(x), unary(), domain=(-40, 40), hard=HARD),
    Op('special.i1', lambda m, x: m.special.i1(x), unary(), domain=(-40, 40), hard=HARD),
    Op('special.i1e', lambda m, x: m.special.i1e(x), unary(), domain=(-40, 40), hard=HARD),
    Op('special.entr', lambda m, x: m.special.entr(x), unary(), domain=(0.1, 3), hard=HARD),
    Op('special.xlog1py', lambda m, a, b: m.special.xlog1py(a, b), binary(), domain=(-0.9, 3), hard=HARD),
    Op('special.ndtr', lambda m, x: m.special.ndtr(x), unary(), hard=HARD),
    Op('special.ndtri', lambda m, x: m.special.ndtri(x), unary(), domain=(0.05, 0.95), hard=HARD),
    Op('special.log_ndtr', lambda m, x: m.special.log_ndtr(x), unary(), hard=HARD),
    Op('special.erfcx', lambda m, x: m.special.erfcx(x), unary(), hard=HARD),
    Op('special.expit', lambda m, x: m.special.expit(x), unary(), hard=HARD),
    Op('special.zeta', lambda m, a, b: m.special.zeta(a, b), binary(), domain=(1.5, 5), grad=False, hard=HARD),
    # no NaN: at NaN torch's chebyshev_u, laguerre and legendre kernels return uninitialised memory
    # (5e-324, 6.9e-310 for n = 2: a value that is not computed), not a result to match
    Op('special.polynomials', lambda m, x, n: tuple(getattr(m.special, f)(x, n) for f in POLYNOMIALS),
       lambda d: ([d(shape())], {'n': d(st.integers(-1, 8))}), domain=(-1.5, 1.5), grad=False,
       hard=('zero', 'tie', 'inf', 'empty')),
    # no NaN x, as above; n is made finite first (inf or NaN as a degree: C++'s undefined cast to int64)
    Op('special.polynomials_tensor_n', lambda m, x, n: tuple(getattr(m.special, f)(x, n.nan_to_num(0.0, 8.0, 8.0)
                                                                                  .abs().round() - 1)
                                                             for f in POLYNOMIALS[:3]),
       binary(), domain=(-1.5, 1.5), grad=False, hard=('zero', 'tie', 'inf', 'empty')),
    Op('special.gammainc', lambda m, a, x: (m.special.gammainc(a.detach() + 0.1, x), m.special.gammaincc(
        a.detach() + 0.1, x)), binary(), domain=(0, 8), hard=HARD),
    Op('special.spherical_bessel_j0', lambda m, x: m.special.spherical_bessel_j0(x), unary(), hard=HARD),
    # ---- reductions ----
    # the full median() shares its gradient evenly among the entries equal to it (torch's
    # evenly_distribute_backward), so every hard point is defined
    Op('median', lambda m, x: m.median(x), unary(), hard=HARD),
    # empty dims only: with equal values (zeros, ties, infs, NaNs) the index returned is torch's selection
    # order, as for kthvalue and topk (a CI draw returned index 0 where torch returned 2 for equal values)
    Op('median_dim', lambda m, x, dim, keepdim: tuple(m.median(x, dim, keepdim)), reduce(allow_none=False, multi=False),
       hard=('empty',)),
    Op('nanmedian', lambda m, x, dim, keepdim: tuple(m.nanmedian(with_nans(m, x), dim, keepdim)),
       reduce(allow_none=False, multi=False), hard=('empty',)),
    # torch's mode at NaN: each NaN counts as its own value in its sort-and-count kernel (not matched here)
    # and empty dims only: which index of equal values mode returns is torch's kernel's order (a CI draw)
    Op('mode', lambda m, x, dim, keepdim: tuple(m.mode(x, dim, keepdim)), reduce(allow_none=False, multi=False),
       hard=('empty',)),
    # which of several equal values kthvalue returns is up to torch's selection (nth_element), as topk's in
    # op_specs: zeros, ties, infinities and NaNs all repeat values, so only empty dims are drawn
    Op('kthvalue', lambda m, x, dim, k, keepdim: tuple(x.kthvalue(k, dim, keepdim)), kth_opts, hard=('empty',)),
    # (quantile_opts sorts at most 16 values, where torch's sort is stable: see there)
    Op('quantile', lambda m, x, dim, keepdim, q, interpolation: _quantile(m, x, dim, keepdim, q, interpolation),
       quantile_opts, hard=HARD),
    Op('nanquantile', lambda m, x, dim, keepdim, q, interpolation: _quantile(m, with_nans(m, x), dim, keepdim, q,
                                                                             interpolation, nan=True),
       quantile_opts, hard=HARD),
    Op('nanmean', lambda m, x, dim, keepdim: m.nanmean(with_nans(m, x), dim, keepdim), reduce(), hard=HARD),
    Op('nansum', lambda m, x, dim, keepdim: m.nansum(with_nans(m, x), dim, keepdim), reduce(), hard=HARD),
    Op('aminmax', lambda m, x, dim, keepdim: tuple(m.aminmax(x, dim=dim, keepdim=keepdim)),
       reduce(multi=False, allow_none=False), hard=HARD),
    Op('cummax', lambda m, x, dim: tuple(m.cummax(x, dim)), one_dim(1), hard=HARD),
    Op('cummin', lambda m, x, dim: tuple(x.cummin(dim)), one_dim(1), hard=HARD),
    # inf and NaN left out: ours shifts by the max of the whole slice, so one inf or NaN spreads to the
    # earlier prefixes, where torch's scan keeps them finite (a difference to fix in api_reduce.logcumsumexp)
    Op('logcumsumexp', lambda m, x, dim: m.logcumsumexp(x, dim), one_dim(1), hard=('zero', 'tie', 'empty')),
    Op('diff', lambda m, x, n, dim: m.diff(x, n, dim), diff_opts, hard=HARD),
    Op('diff_prepend', lambda m, x, p: m.diff(x, prepend=p, append=x), fixed((2, 3), (2, 1)), hard=HARD),
    Op('histc', lambda m, x: m.histc(x, bins=5), unary(), grad=False, hard=HARD),
    Op('histc_range', lambda m, x: m.histc(x, bins=4, min=-1, max=2), unary(), grad=False, hard=HARD),
    Op('histogram', lambda m, x: tuple(m.histogram(x, bins=3)), unary(min_side=1), grad=False, hard=HARD),
    Op('bincount', lambda m, w, i: m.bincount(i, w, minlength=3), lambda d: ([(d(st.integers(0, 6)),)], {}),
       grad=False, index_inputs=bincount_index, hard=HARD),
    Op('bucketize', lambda m, x, b, right: m.bucketize(x, b, right=right),
       lambda d: ([d(shape())], {'right': d(st.booleans()), 'n': d(st.integers(1, 5))}), grad=False,
       index_inputs=sorted_seq, hard=HARD),
    Op('searchsorted', lambda m, x, b, side: m.searchsorted(b, x, side=side),
       lambda d: ([d(shape(1, 2))], {'side': d(st.sampled_from(['left', 'right'])), 'n': d(st.integers(1, 5))}),
       grad=False, index_inputs=sorted_seq, hard=HARD),
    # ---- shape and indexing ----
    Op('meshgrid', lambda m, a, b, indexing: m.meshgrid(a, b, indexing=indexing),
       lambda d: ([(d(st.integers(1, 3)),), (d(st.integers(1, 3)),)], {'indexing': d(st.sampled_from(['ij', 'xy']))}), hard=HARD),
    Op('cartesian_prod', lambda m, a, b: m.cartesian_prod(a, b), fixed((3,), (2,)), hard=HARD),
    Op('combinations', lambda m, a, r, rep: m.combinations(a, r, rep),
       lambda d: ([(d(st.integers(0, 4)),)], {'r': d(st.integers(1, 3)), 'rep': d(st.booleans())}), hard=HARD),
    # no tensor inputs: there is no value to make hard (its sizes include 0)
    Op('triu_tril_indices', lambda m, r, c, off: (m.triu_indices(r, c, off), m.tril_indices(r, c, off)),
       lambda d: ([], {'r': d(st.integers(0, 4)), 'c': d(st.integers(0, 4)), 'off': d(st.integers(-2, 2))}),
       grad=False, hard=()),
    Op('take_along_dim', lambda m, x, i, dim: m.take_along_dim(x, i, dim),
       lambda d: (lambda s: ([s], {'dim': d(st.one_of(st.none(), st.integers(0, len(s) - 1)))}))(d(shape(1, 3))),
       index_inputs=take_index, hard=HARD),
    Op('put', lambda m, x, s, i, acc, negative: x.put(i, s, accumulate=acc),
       lambda d: ([(2, 3), (d(st.integers(1, 6)),)], {'acc': d(st.booleans()), 'negative': d(st.booleans())}),
       index_inputs=put_index, hard=HARD),
    Op('masked_scatter', lambda m, x, s, mask: x.masked_scatter(mask, s),
       lambda d: (lambda sh: ([sh, (int(np.prod(sh)),)], {}))(d(shape(1, 3))), index_inputs=mask_index, hard=HARD),
    Op('movedim', lambda m, x, src, dst: m.movedim(x, src, dst), movedim_opts, hard=HARD),
    Op('tensor_split', lambda m, x, dim, sections: m.tensor_split(x, sections, dim), split_opts, hard=HARD),
    Op('hsplit', lambda m, x: m.hsplit(x, 2), fixed((3, 4)), hard=HARD),
    Op('vsplit', lambda m, x: m.vsplit(x, [1, 2]), fixed((3, 4)), hard=HARD),
    Op('dsplit', lambda m, x: x.dsplit(2), fixed((2, 1, 4)), hard=HARD),
    Op('atleast', lambda m, x: (m.atleast_1d(x), m.atleast_2d(x), m.atleast_3d(x)), unary(max_dims=3), hard=HARD),
    Op('broadcast_tensors', lambda m, a, b: m.broadcast_tensors(a, b), binary(), hard=HARD),
    Op('rot90', lambda m, x, k, dims: m.rot90(x, k, dims), rot_opts, hard=HARD),
    Op('fliplr_flipud', lambda m, x: (m.fliplr(x), m.flipud(x)), unary(min_dims=2, max_dims=3), hard=HARD),
    # no empty dims: torch's block_diag_backward reads the gradient of the blocks after an empty 1-D input one
    # row above where its forward put them (torch's gradient disagrees with its own forward; ours is the
    # forward's); test_shape_hard.py checks an empty 2-D block and the empty 1-D forward against torch
    Op('block_diag', lambda m, a, b, c: m.block_diag(a, b, c), fixed((2, 3), (3,), ()), hard=VALUES),
    Op('renorm', lambda m, x, p, dim: m.renorm(x, p, dim, 1.5),
       lambda d: (lambda s: ([s], {'p': d(st.sampled_from([1, 2, 3])), 'dim': d(st.integers(0, len(s) - 1))}))(
           d(shape(1, 3, 1))), hard=HARD),
    Op('dist', lambda m, a, b, p: m.dist(a, b, p), lambda d: (binary()(d)[0], {'p': d(st.sampled_from([1, 2, 3]))}),
       positive=True, hard=HARD),
    Op('cosine_similarity', lambda m, a, b, dim: m.cosine_similarity(a, b, dim),
       lambda d: (lambda s: ([s, s], {'dim': d(st.integers(-len(s), len(s) - 1))}))(d(shape(1, 3, 1))), hard=HARD),
    Op('pairwise_distance', lambda m, a, b: m.pairwise_distance(a, b), two_same(1, 2), hard=HARD),
    # ---- Tensor-method and in-place forms ----
    Op('methods_binary', lambda m, a, b: (a.atan2(b), a.hypot(b), a.logaddexp(b), a.logaddexp2(b), a.xlogy(b.abs()),
                                          a.copysign(b), a.fmax(b), a.fmin(b), a.float_power(b.abs()), a.dist(b),
                                          a.kron(b), a.ldexp(_exponent(b))),
       two_same(0, 2), positive=True, hard=HARD),
    Op('methods_unary', lambda m, x: (x.lgamma(), x.digamma(), x.erfc(), x.i0(), x.sinc(),
                                      x.deg2rad(), x.rad2deg(), x.asinh(), x.arcsinh(), x.acosh(), x.clamp_min(1.5),
                                      x.clamp_max(1.5), x.nansum(), x.nanmean(), x.diff(),
                                      x.movedim(0, -1), x.fliplr(), x.flipud(), x.rot90(), x.diag_embed(),
                                      x.diagflat(), x.trace(), x.aminmax().max),
       unary(2, 2, 1), domain=(1.05, 3), hard=HARD),
    Op('inplace_unary', lambda m, x: tuple(getattr(x.clone(), f)() for f in (
        'lgamma_', 'digamma_', 'erfc_', 'i0_', 'sinc_', 'deg2rad_', 'rad2deg_', 'sgn_', 'fix_',
        'absolute_', 'negative_', 'arctan_', 'nan_to_num_')) + (x.clone().clamp_min_(1.5),),
       unary(), domain=(1.05, 3), hard=HARD),
    # torch 2.13 has no derivative for asinh_/acosh_/atanh_ ("not implemented"): they are left out here
    Op('inplace_unit', lambda m, x: (x.clone().erfinv_(), x.clone().arcsin_(), x.clone().arccos_(),
                                     (x.abs() * 0.9 + 0.05).logit_()),
       unary(), domain=(-0.9, 0.9), hard=HARD),
    Op('inplace_binary', lambda m, a, b: (a.clone().atan2_(b), a.clone().hypot_(b), a.clone().copysign_(b),
                                          a.clone().xlogy_(b.abs()), a.clone().subtract_(b, alpha=2),
                                          a.clone().multiply_(b), a.clone().divide_(b), a.clone().true_divide_(b),
                                          a.clone().ldexp_(_exponent(b))),
       two_same(0, 3), positive=True, hard=HARD),
    Op('inplace_float_power', lambda m, a, b: a.clone().float_power_(b), two_same(0, 2), domain=(0.5, 2), hard=HARD),
    Op('inplace_products', lambda m, c, v, mat, b1, b2: (
        c[0].clone().addmv_(mat, v, beta=0.5, alpha=2), c.clone().addr_(c[:, 0], v, alpha=3),
        c.clone().addbmm_(b1, b2, beta=2), c.clone().renorm_(2, 0, 1.0)),
       fixed((3, 4), (4,), (4, 4), (2, 3, 2), (2, 2, 4)), hard=HARD),
    Op('inplace_put_scatter', lambda m, x, s, mask: (x.clone().put_(m.arange(3, device=x.device) * 2, s[:3], accumulate=True),
                                                     x.clone().masked_scatter_(mask, s)),
       fixed((2, 3), (6,)), index_inputs=lambda shapes, opts, rng: [rng.random((2, 3)) < 0.5], hard=HARD),
    # Method forms run their function's kernel: each draws what its function's row draws (that row says why)
    Op('method_polygamma', lambda m, x: (x.polygamma(2), x.clone().polygamma_(1)), unary(), domain=(1.05, 3), hard=HARD),
    Op('method_logcumsumexp', lambda m, x: x.logcumsumexp(0), unary(1), hard=('zero', 'tie', 'empty')),
    Op('method_median', lambda m, x: x.median(), unary(), hard=HARD),
    # at most 16 values: torch's sort is stable there (see quantile_opts), so the tie that gets the gradient is defined
    Op('method_quantile', lambda m, x: x.quantile(0.25), lambda d: ([d(shape(0, 2, 0, 4))], {}), hard=HARD),
    Op('nbytes_itemsize', lambda m, x: m.tensor([x.nbytes, x.itemsize], device=x.device), unary(), grad=False, hard=HARD),
]
