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


def tolerance(dtype, scale=1.0):
    """dict(rtol=..., atol=...) for comparing results of `dtype` computed along different paths.
    Integer and bool dtypes compare exactly. scale: the op's condition factor (>= 1)."""
    name = _name(dtype)
    if name not in RELATIVE:
        return dict(rtol=0.0, atol=0.0)
    return dict(rtol=RELATIVE[name] * scale, atol=ABSOLUTE[name] * scale)


def assert_close(actual, expected, dtype=None, scale=1.0, what=''):
    """np.testing.assert_allclose with the tolerance of `dtype` (default: expected's dtype)."""
    expected = np.asarray(expected)
    tol = tolerance(dtype if dtype is not None else expected.dtype, scale)
    np.testing.assert_allclose(np.asarray(actual), expected, err_msg=what, **tol)
