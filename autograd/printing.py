"""repr(tensor) exactly as torch prints it, and set_printoptions.

Follows torch/_tensor_str.py: one formatter per tensor (two for complex: real and imaginary parts)
fixes the notation and column width from the values that will be shown, then the nested brackets
are laid out row by row, wrapping long rows at `linewidth` and eliding the middle of every dimension
longer than 2 * edgeitems once the tensor has more than `threshold` elements.
"""
import contextlib
import dataclasses
import math

import numpy as np

from . import backend, dtypes


@dataclasses.dataclass
class PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: object = None   # None: chosen per tensor; True/False: forced


OPTIONS = PrintOptions()
_PROFILES = {'default': dict(precision=4, threshold=1000, edgeitems=3, linewidth=80),
             'short': dict(precision=2, threshold=1000, edgeitems=2, linewidth=80),
             'full': dict(precision=4, threshold=math.inf, edgeitems=3, linewidth=80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None):
    """torch.set_printoptions. As in torch, sci_mode is reset to None unless given."""
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; use one of {list(_PROFILES)}")
        for name, value in _PROFILES[profile].items():
            setattr(OPTIONS, name, value)
    for name, value in (('precision', precision), ('threshold', threshold), ('edgeitems', edgeitems),
                        ('linewidth', linewidth)):
        if value is not None:
            setattr(OPTIONS, name, value)
    OPTIONS.sci_mode = sci_mode


def get_printoptions():
    return dataclasses.asdict(OPTIONS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Temporarily change the print options (torch._tensor_str.printoptions)."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Notation and width shared by every element of one (real) array of values to be shown."""

    def __init__(self, values):
        self.floating = values.dtype.kind == 'f'
        self.int_mode = True
        self.sci_mode = False
        self.width = 1
        flat = values.reshape(-1)
        if not self.floating:
            self.width = max([1] + [len(str(v)) for v in flat.tolist()])
            return
        shown = flat[np.isfinite(flat) & (flat != 0)]
        if shown.size == 0:   # only zeros, nan and inf: integer notation, width 1
            return
        magnitudes = np.abs(shown).astype(np.float64)
        smallest, largest = magnitudes.min(), magnitudes.max()
        self.int_mode = bool((shown == np.ceil(shown)).all())
        if OPTIONS.sci_mode is None:
            self.sci_mode = bool(largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4)
        else:
            self.sci_mode = OPTIONS.sci_mode
        p = OPTIONS.precision
        if self.sci_mode:
            texts = [f"{v:.{p}e}" for v in shown.tolist()]
        elif self.int_mode:   # the width counts the '.' that marks a float
            texts = [f"{v:.0f}." for v in shown.tolist()]
        else:
            texts = [f"{v:.{p}f}" for v in shown.tolist()]
        self.width = max(self.width, max(len(s) for s in texts))

    def format(self, value):
        if not self.floating:
            text = str(value)
        elif self.sci_mode:
            text = f"{value:{self.width}.{OPTIONS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{OPTIONS.precision}f}"
        return (self.width - len(text)) * " " + text


class _ComplexFormatter:
    """Real and imaginary parts each with their own formatter, written as a+bj."""

    def __init__(self, values):
        self.real, self.imag = _Formatter(values.real), _Formatter(values.imag)
        self.width = self.real.width + self.imag.width + 1   # + 'j'

    def format(self, value):
        real = self.real.format(value.real)
        imag = (self.imag.format(value.imag) + "j").lstrip()
        return real + imag if imag[0] in "+-" else real + "+" + imag


def _keep_edges(array, edgeitems):
    """The first and last `edgeitems` entries of every axis longer than 2 * edgeitems (on the array's
    device, so that only what is shown is copied to the host)."""
    xp = backend.array_module(array)
    for axis, n in enumerate(array.shape):
        if n > 2 * edgeitems:
            head = (slice(None),) * axis + (slice(0, edgeitems),)
            tail = (slice(None),) * axis + (slice(n - edgeitems, n),)
            array = xp.concatenate([array[head], array[tail]], axis=axis)
    return array


def _layout(values, elided, indent, formatter):
    """Bracketed text of a host array; elided[k] says axis k lost its middle (shown as '...')."""
    edge = OPTIONS.edgeitems
    if values.ndim == 0:
        return formatter.format(values.item())
    if values.ndim == 1:
        items = [formatter.format(v) for v in values.tolist()]
        if elided[0]:
            items = items[:edge] + [" ..."] + items[edge:]
        per_line = max(1, math.floor((OPTIONS.linewidth - indent) / (formatter.width + 2)))
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_layout(values[i], elided[1:], indent + 1, formatter) for i in range(values.shape[0])]
    if elided[0]:
        rows = rows[:edge] + ["..."] + rows[edge:]
    return "[" + ("," + "\n" * (values.ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _contents(array, indent):
    """The bracketed values of a non-empty array, summarized past the threshold."""
    summarize = array.size > OPTIONS.threshold
    edge = OPTIONS.edgeitems
    if summarize and not edge:
        return "[...]"
    if summarize:
        elided = [n > 2 * edge for n in array.shape]
        array = _keep_edges(array, edge)
    else:
        elided = [False] * array.ndim
    values = backend.to_host(array)
    formatter = _ComplexFormatter(values) if values.dtype.kind == 'c' else _Formatter(values)
    return _layout(values, elided, indent, formatter)


def _join_suffixes(text, suffixes, indent):
    """Append ', suffix' pieces, starting a new line where one would pass the line width."""
    # torch's measure of the last line (two more than its length when there is no newline)
    last_line = len(text) - text.rfind("\n") + 1
    pieces = [text]
    for suffix in suffixes:
        # measured as torch spells it ('torch.float64'), so lines break exactly where torch's do
        length = len(suffix.replace("autograd.", "torch."))
        if last_line + length + 2 > OPTIONS.linewidth:
            pieces.append(",\n" + " " * indent + suffix)
            last_line = indent + length
        else:
            pieces.append(", " + suffix)
            last_line += length + 2
    return "".join(pieces) + ")"


def tensor_repr(t):
    """repr(t), character for character as torch prints it, with 'autograd.' for 'torch.'."""
    prefix = "tensor("
    indent = len(prefix)
    array = t.array
    suffixes = []
    device = t.device
    if device.type != 'cpu':
        suffixes.append(f"device='{device}'")
    dtype = t.dtype
    default_float = dtypes.default_float
    default_complex = dtypes.complex128 if default_float is dtypes.float64 else dtypes.complex64
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype is not default_float:   # nothing shows the kind of an empty tensor
            suffixes.append(f"dtype={dtype}")
        body = "[]"
    else:
        if not OPTIONS.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        if dtype not in (default_float, default_complex, dtypes.int64, dtypes.bool):
            suffixes.append(f"dtype={dtype}")
        body = _contents(array, indent)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _join_suffixes(prefix + body, suffixes, indent)
