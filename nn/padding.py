"""Padding layers: Zero/Constant/Reflection/Replication/CircularPad 1d/2d/3d, thin wrappers over F.pad.

padding is an int (the same on every side) or a 2*n tuple (last dim first: left, right, top, bottom, front,
back), stored as the 2*n tuple as in torch. Input: (C, *spatial) or (N, C, *spatial) with n spatial dims.
"""
from . import functional as F
from .module import Module


def _ntuple(padding, n):
    if isinstance(padding, int):
        return (padding,) * n
    padding = tuple(padding)
    if len(padding) != n:
        raise ValueError(f"expected padding to be an int or a tuple of {n} ints, got {padding}")
    return padding


class _PadNd(Module):
    _mode = 'constant'
    _n = 1

    def __init__(self, padding):
        super().__init__()
        self.padding = _ntuple(padding, 2 * self._n)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value):
        super().__init__(padding)
        self.value = value

    def forward(self, input):
        return F.pad(input, self.padding, 'constant', self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _CircularPadNd(_PadNd):
    _mode = 'circular'

    def forward(self, input):
        if input.dim() not in (self._n + 1, self._n + 2):   # torch checks this before F.pad
            raise ValueError(f"expected {self._n + 1}D or {self._n + 2}D input (got {input.dim()}D input)")
        return super().forward(input)


def _make(name, base, n, mode=None, doc=''):
    attrs = {'_n': n, '__doc__': doc, '__module__': __name__, '__qualname__': name}
    if mode:
        attrs['_mode'] = mode
    return type(name, (base,), attrs)


ConstantPad1d = _make('ConstantPad1d', _ConstantPadNd, 1, doc="Pad the last dim with a constant value.")
ConstantPad2d = _make('ConstantPad2d', _ConstantPadNd, 2, doc="Pad the last 2 dims with a constant value.")
ConstantPad3d = _make('ConstantPad3d', _ConstantPadNd, 3, doc="Pad the last 3 dims with a constant value.")


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros."""
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last 2 dims with zeros."""
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad3d(ConstantPad3d):
    """Pad the last 3 dims with zeros."""
    def __init__(self, padding):
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


ReflectionPad1d = _make('ReflectionPad1d', _PadNd, 1, 'reflect', "Mirror the last dim (edge not repeated).")
ReflectionPad2d = _make('ReflectionPad2d', _PadNd, 2, 'reflect', "Mirror the last 2 dims (edge not repeated).")
ReflectionPad3d = _make('ReflectionPad3d', _PadNd, 3, 'reflect', "Mirror the last 3 dims (edge not repeated).")
ReplicationPad1d = _make('ReplicationPad1d', _PadNd, 1, 'replicate', "Repeat the edge of the last dim.")
ReplicationPad2d = _make('ReplicationPad2d', _PadNd, 2, 'replicate', "Repeat the edges of the last 2 dims.")
ReplicationPad3d = _make('ReplicationPad3d', _PadNd, 3, 'replicate', "Repeat the edges of the last 3 dims.")
CircularPad1d = _make('CircularPad1d', _CircularPadNd, 1, doc="Wrap the last dim around.")
CircularPad2d = _make('CircularPad2d', _CircularPadNd, 2, doc="Wrap the last 2 dims around.")
CircularPad3d = _make('CircularPad3d', _CircularPadNd, 3, doc="Wrap the last 3 dims around.")
