"""The one place comparison tolerances come from.

Rules (issue 8): two results are compared exactly only when both sides run the very same arithmetic
(same library, same code path, same dtype). Anything else -- ours against torch, a fused kernel against
the array code, one BLAS thread against two -- differs by rounding, and rounding depends on the
processor, the BLAS build, the thread count and the summation order. So the tolerance comes from the
dtype's machine epsilon, times a margin for ordinary accumulation, times `scale` for an op whose
condition number is large (long reductions, matrix inverses, cancellations near singular points):

    rtol = RELATIVE[dtype] * scale        atol = ABSOLUTE[dtype] * scale

float64: rtol 1e-10 (~5e5 ulp: room for reordered sums over thousands of terms), atol 1e-12.
float32: rtol 2e-5 (~170 ulp), atol 1e-5 (values near zero after cancellation of O(1) terms).
float16 / bfloat16: a few ulp of their own epsilon at the same margins.

The rules every test follows (so the suite passes on any x86-64, at 1 or 2 BLAS threads, any hypothesis seed):
1. Exact comparison (==, array_equal, rtol=atol=0) only where both sides run the very same arithmetic:
   copies and device moves, integer/bool results and indices, values selected rather than computed (max,
   sort, gather, pooling), the same NumPy call on the same data, and the random streams (bit-exact with
   torch's generator by construction).
2. Everything else -- ours against torch, a fused kernel or the fake GPU against the array code, one BLAS
   thread against two -- compares within tolerance(dtype, scale); torch_oracle's assert_same/check take it
   from the result's dtype. No test writes rtol/atol numbers of its own.
3. scale is the op's condition factor, declared once next to the ops it covers, never per assertion:
   convolutions and pools 10 (sums of C*kh*kw products), losses 5, layers and whole networks 10,
   normalisations of (nearly) constant groups 1e3 = ~1/sqrt(eps) (op_specs.NORM_CONDITION), squared for
   second derivatives.
4. A Python float (an .item()) has lost its dtype: it compares at float32's tolerance.
5. NaNs must sit at the same places and infinities carry the same sign (assert_allclose's equal_nan).
6. Hypothesis draws each op-table row's hard points (zeros, ties, +-inf, NaN, empty dims); a row leaves one
   out only where torch's own answer is not defined by torch -- its vectorised and scalar CPU loops disagree
   (hardtanh/elu/relu6 gradients at NaN, float32 gelu at inf), or the order of its selection or summation
   decides (topk's indices among ties, var_mean's mean at inf) -- and says so in the row.
7. A long sum of large terms (a convolution's weight gradient sums N*OH*OW products of O(1)..O(100) values)
   loses absolute precision in proportion to its terms, so an element that cancels to near zero carries
   an error of the terms' size: tolerance(dtype, scale, magnitude=largest |value| of the result) scales the
   absolute tolerance by that magnitude (never below 1).
8. Text comparisons of printed tutorial output (test_seeds.py) compare numbers to one unit of their last
   printed digit (plus the program's stated rtol): printing rounds, so a last-digit flip is rounding too.
"""
import numpy as np

RELATIVE = {'float64': 1e-10, 'float32': 2e-5, 'float16': 2e-3, 'bfloat16': 1.6e-2}
ABSOLUTE = {'float64': 1e-12, 'float32': 1e-5, 'float16': 1e-3, 'bfloat16': 1e-2}


def _name(dtype):
    """'float32' from a NumPy dtype/type, a torch or autograd dtype, or a string."""
    if isinstance(dtype, str):
        return dtype.split('.')[-1]
    try:
        return np.dtype(dtype).name
    except TypeError:
        return str(dtype).split('.')[-1]


def tolerance(dtype, scale=1.0, magnitude=None):
    """dict(rtol=..., atol=...) for comparing results of `dtype` computed along different paths.
    Integer and bool dtypes compare exactly. scale: the op's condition factor (>= 1). magnitude: the largest
    |value| of a result that is a long sum (rule 7); atol grows with it."""
    name = _name(dtype)
    if name not in RELATIVE:
        return dict(rtol=0.0, atol=0.0)
    grow = 1.0 if magnitude is None or not np.isfinite(magnitude) else max(1.0, float(magnitude))
    return dict(rtol=RELATIVE[name] * scale, atol=ABSOLUTE[name] * scale * grow)


def assert_close(actual, expected, dtype=None, scale=1.0, what=''):
    """np.testing.assert_allclose with the tolerance of `dtype` (default: expected's dtype)."""
    expected = np.asarray(expected)
    tol = tolerance(dtype if dtype is not None else expected.dtype, scale)
    np.testing.assert_allclose(np.asarray(actual), expected, err_msg=what, **tol)
