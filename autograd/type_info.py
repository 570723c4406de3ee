"""torch.finfo / torch.iinfo: the numeric limits of a dtype, read from NumPy's (the same IEEE types)."""
import numpy as np

from . import dtypes


def _g(x):
    return format(float(x), '.6g')


class finfo:
    """bits, eps, max, min, tiny (= smallest_normal), resolution and dtype of a floating dtype
    (the default dtype when none is given)."""

    def __init__(self, type=None):
        d = dtypes.default_float if type is None else type
        if not isinstance(d, dtypes.dtype) or not (d.is_floating_point or d.is_complex):
            raise TypeError(f"finfo(): argument 'type' (position 1) must be torch.dtype, not {d!r}"
                            if not isinstance(d, dtypes.dtype) else
                            "torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(d.numpy_dtype)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)   # exactly 1e-06 for float32, as torch reports
        real = {'complex64': 'float32', 'complex128': 'float64'}.get(d.name, d.name)
        self.dtype = real

    def __repr__(self):
        return (f"finfo(resolution={_g(self.resolution)}, min={_g(self.min)}, max={_g(self.max)}, "
                f"eps={_g(self.eps)}, smallest_normal={_g(self.smallest_normal)}, tiny={_g(self.tiny)}, "
                f"dtype={self.dtype})")


class iinfo:
    """bits, max, min and dtype of an integer (or bool) dtype."""

    def __init__(self, type):
        if not isinstance(type, dtypes.dtype) or type.is_floating_point or type.is_complex:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                            "'torch.finfo'")
        info = np.iinfo(type.numpy_dtype) if type.name != 'bool' else None
        self.bits = int(type.itemsize * 8)
        self.max = int(info.max) if info is not None else 1
        self.min = int(info.min) if info is not None else 0
        self.dtype = type.name

    def __repr__(self):
        return f"iinfo(min={_g(self.min)}, max={_g(self.max)}, dtype={self.dtype})"
