"""torch.testing.assert_close: values, shapes, dtypes and devices compared with torch's default tolerances
(rtol/atol by dtype: float32 1.3e-6/1e-5, float64 1e-7/1e-7, float16 1e-3/1e-5; exact for integers)."""
import numpy as np

from . import backend
from .tensor import Tensor

_DEFAULTS = {'float16': (1e-3, 1e-5), 'float32': (1.3e-6, 1e-5), 'float64': (1e-7, 1e-7),
             'complex64': (1.3e-6, 1e-5), 'complex128': (1e-7, 1e-7)}


def _array(x):
    if isinstance(x, Tensor):
        return backend.to_host(x.detach().array)
    return np.asarray(x)


def assert_close(actual, expected, *, allow_subclasses=True, rtol=None, atol=None, equal_nan=False,
                 check_device=True, check_dtype=True, check_layout=True, check_stride=False, msg=None):
    """Raise AssertionError unless |actual - expected| <= atol + rtol * |expected| elementwise."""
    if (rtol is None) != (atol is None):
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no "
                         f"{'rtol' if rtol is None else 'atol'}.")
    if isinstance(actual, (list, tuple)) and isinstance(expected, (list, tuple)):
        if len(actual) != len(expected):
            raise AssertionError(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}")
        for a, e in zip(actual, expected):
            assert_close(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan, check_device=check_device,
                         check_dtype=check_dtype, msg=msg)
        return
    if isinstance(actual, dict) and isinstance(expected, dict):
        for k in expected:
            assert_close(actual[k], expected[k], rtol=rtol, atol=atol, equal_nan=equal_nan, msg=msg)
        return
    a, e = _array(actual), _array(expected)
    if isinstance(actual, Tensor) and isinstance(expected, Tensor):
        if a.shape != e.shape:
            raise AssertionError(msg or f"The values for attribute 'shape' do not match: {actual.shape} != "
                                 f"{expected.shape}.")
        if check_dtype and actual.dtype != expected.dtype:
            raise AssertionError(msg or f"The values for attribute 'dtype' do not match: {actual.dtype} != "
                                 f"{expected.dtype}.")
        if check_device and actual.device != expected.device:
            raise AssertionError(msg or f"The values for attribute 'device' do not match: {actual.device} != "
                                 f"{expected.device}.")
    if rtol is None:
        rtol, atol = _DEFAULTS.get(np.result_type(a, e).name, (0.0, 0.0))
    close = np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not close.all():
        bad = int((~close).sum())
        diff = np.abs(a.astype(np.float64) - e.astype(np.float64)) if a.size else np.zeros(0)
        raise AssertionError(msg or (f"Tensor-likes are not close!\n\nMismatched elements: {bad} / {close.size} "
                                     f"({100 * bad / close.size:.1f}%)\nGreatest absolute difference: "
                                     f"{np.nanmax(diff)} (up to {atol} allowed)\nGreatest relative difference: "
                                     f"{np.nanmax(diff / np.maximum(np.abs(e), 1e-300))} (up to {rtol} allowed)"))


assert_allclose = assert_close
