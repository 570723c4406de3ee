"""Torch's dtypes as objects over NumPy dtypes, and torch's type-promotion rules."""
import builtins
import numpy as np


class dtype:
    __slots__ = ('name', 'numpy_dtype', 'is_floating_point', 'is_complex', 'is_signed', 'itemsize', 'scalar_name')

    def __init__(self, name, numpy_dtype):
        self.name = name
        self.numpy_dtype = np.dtype(numpy_dtype)
        kind = self.numpy_dtype.kind
        self.is_floating_point = kind == 'f'
        self.is_complex = kind == 'c'
        self.is_signed = kind in 'ifc'
        self.itemsize = self.numpy_dtype.itemsize
        self.scalar_name = _SCALAR_NAMES[name]   # how torch's error messages name it: Float, Long, ...

    def __repr__(self):
        return 'autograd.' + self.name

    def __reduce__(self):
        return self.name


_SCALAR_NAMES = {'float16': 'Half', 'float32': 'Float', 'float64': 'Double', 'complex64': 'ComplexFloat',
                 'complex128': 'ComplexDouble', 'uint8': 'Byte', 'int8': 'Char', 'int16': 'Short', 'int32': 'Int',
                 'int64': 'Long', 'bool': 'Bool'}

float16 = dtype('float16', np.float16)
float32 = dtype('float32', np.float32)
float64 = dtype('float64', np.float64)
complex64 = dtype('complex64', np.complex64)
complex128 = dtype('complex128', np.complex128)
uint8 = dtype('uint8', np.uint8)
int8 = dtype('int8', np.int8)
int16 = dtype('int16', np.int16)
int32 = dtype('int32', np.int32)
int64 = dtype('int64', np.int64)
bool = dtype('bool', np.bool_)
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64
cfloat, cdouble = complex64, complex128

ALL = (float16, float32, float64, complex64, complex128, uint8, int8, int16, int32, int64, bool)
_BY_NUMPY = {d.numpy_dtype: d for d in ALL}
_CATEGORY = {'b': 0, 'u': 1, 'i': 1, 'f': 2, 'c': 3}

default_float = float32


def from_numpy(np_dtype):
    """The dtype object for a NumPy dtype; TypeError for the ones torch lacks."""
    try:
        return _BY_NUMPY[np_dtype]
    except KeyError:
        d = np.dtype(np_dtype)
        if d in _BY_NUMPY:
            return _BY_NUMPY[d]
        raise TypeError(f"can't convert np.ndarray of type {d}. The only supported types are: "
                        "float64, float32, float16, complex64, complex128, int64, int32, int16, int8, uint8, and bool.")


def to_numpy(d):
    """NumPy dtype for a dtype object, a NumPy dtype or a Python type (float, int, bool)."""
    if isinstance(d, dtype):
        return d.numpy_dtype
    if d is builtins.float:   # torch maps Python's float to float64, whatever the default dtype
        return np.dtype(np.float64)
    if d is builtins.int:
        return np.dtype(np.int64)
    if d is builtins.bool:
        return np.dtype(np.bool_)
    return from_numpy(np.dtype(d)).numpy_dtype


def category(np_dtype):
    return _CATEGORY[np_dtype.kind]


def promote_types(a, b):
    """Torch's promotion of two NumPy dtypes: an integer meeting a float takes the float."""
    if a == b:
        return a
    ca, cb = _CATEGORY[a.kind], _CATEGORY[b.kind]
    if ca != cb and ca >= 2 and cb < 2:
        return a
    if ca != cb and cb >= 2 and ca < 2:
        return b
    return np.promote_types(a, b)


def scalar_dtype(value):
    """The dtype a Python number takes when it meets a tensor."""
    if isinstance(value, builtins.bool) or isinstance(value, np.bool_):
        return np.dtype(np.bool_)
    if isinstance(value, (builtins.int, np.integer)):
        return np.dtype(np.int64)
    if isinstance(value, (builtins.float, np.floating)):
        return default_float.numpy_dtype
    if isinstance(value, (builtins.complex, np.complexfloating)):
        return np.dtype(np.complex64)
    raise TypeError(f"unsupported operand type: {type(value).__name__}")


def _combine(higher, lower):
    """Torch's rule: a lower-priority operand only matters when it is of a higher category."""
    if higher is None:
        return lower
    if lower is None:
        return higher
    ch, cl = _CATEGORY[higher.kind], _CATEGORY[lower.kind]
    if cl > ch:
        if ch == 2 and cl == 3:
            return np.dtype(np.complex128) if higher == np.float64 else np.dtype(np.complex64)
        return promote_types(higher, lower) if ch == 0 or cl >= 2 else higher
    return higher


_RESULT_TYPES = {}   # (operands) -> dtype, for up to three operands: a few dozen combinations in practice


def result_type(operands):
    """Result dtype of an op over (numpy dtype, priority) pairs.

    Priority 2: tensors with dimensions, 1: zero-dim tensors, 0: Python scalars (torch's rule).
    A pure function of its operands, cached for up to three (it costs 1-3 us; mixed-dtype ops and numbers
    meeting integer tensors call it once per op)."""
    key = tuple(operands)
    if len(key) <= 3:
        cached = _RESULT_TYPES.get(key)
        if cached is None:
            cached = _RESULT_TYPES[key] = _result_type(key)
        return cached
    return _result_type(key)


def _result_type(operands):
    levels = [None, None, None]
    for dt, prio in operands:
        cur = levels[prio]
        levels[prio] = dt if cur is None else promote_types(cur, dt)
    return _combine(levels[2], _combine(levels[1], levels[0]))
