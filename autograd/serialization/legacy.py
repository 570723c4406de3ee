"""Reads the format earlier versions of this library wrote (autograd.save before it wrote torch's format).

The file is a zip archive holding `structure.json` (the object as tagged JSON) and one `arrays/<i>.npy`
per tensor or NumPy array, read back with allow_pickle=False; objects that were not made of tensors,
numbers, strings and containers were pickled into `data.pkl` instead (loaded only with weights_only=False).
"""
import collections
import json
import pickle

import numpy as np

from .. import backend, dtypes
from ..tensor import Size, wrap

FORMAT = 'autograd.save'
VERSION = 1
STRUCTURE = 'structure.json'
PICKLE = 'data.pkl'
_FACTORIES = {'dict': dict, 'list': list, 'int': int, 'float': float, None: None}
_DTYPES_BY_NAME = {d.name: d for d in dtypes.ALL}


def load_archive(zf, name, map_location, weights_only, pickle_load_args):
    header = _read_header(zf, name)
    if 'pickle' in header:
        if weights_only:
            raise pickle.UnpicklingError(
                f"{name} holds a pickled {header.get('pickled_type', 'object')} (saved by an earlier "
                "autograd.save because it is not made only of tensors, numbers, strings and containers)")
        return pickle.loads(zf.read(PICKLE), **pickle_load_args)
    return _Decoder(zf, name, map_location).decode(header['object'])

def _read_header(zf, name):
    names = zf.namelist()
    if STRUCTURE not in names:
        raise RuntimeError(f"autograd.load: {name} is a zip archive without {STRUCTURE} or data.pkl; it "
                           "was written neither by torch.save nor by autograd.save.")
    try:
        header = json.loads(zf.read(STRUCTURE))
    except ValueError as exc:
        raise RuntimeError(f"autograd.load: {name} has a corrupt {STRUCTURE} ({exc}).") from None
    if not isinstance(header, dict) or header.get('format') != FORMAT:
        raise RuntimeError(f"autograd.load: {name} was not written by autograd.save (format tag missing).")
    if header.get('version', 0) > VERSION:
        raise RuntimeError(f"autograd.load: {name} uses format version {header['version']}; this library "
                           f"reads up to version {VERSION}. Upgrade it to load this file.")
    if 'pickle' not in header and 'object' not in header:
        raise RuntimeError(f"autograd.load: {name} has no object in {STRUCTURE}.")
    return header


class _Decoder:
    """Rebuilds the object from tagged JSON; only the tags below exist, nothing is looked up by name."""

    def __init__(self, zf, name, map_location):
        self.zf, self.name, self.map_location = zf, name, map_location
        self.tensors = {}

    def fail(self, what):
        raise RuntimeError(f"autograd.load: {self.name} is corrupt: {what}.")

    def decode(self, node):
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if not isinstance(node, dict) or '$' not in node:
            self.fail(f"unexpected {type(node).__name__} in the structure")
        tag = node['$']
        try:
            if tag == 'tensor':
                return self.tensor(node)
            if tag == 'ndarray':
                return self.array(node['id'])
            if tag == 'numpy_scalar':
                return self.array(node['id'])[()]
            if tag in ('list', 'tuple', 'Size'):
                items = [self.decode(x) for x in node['items']]
                return items if tag == 'list' else tuple(items) if tag == 'tuple' else Size(items)
            if tag in ('dict', 'OrderedDict', 'defaultdict'):
                items = [(self.decode(k), self.decode(v)) for k, v in node['items']]
                if tag == 'defaultdict':
                    return collections.defaultdict(_FACTORIES[node['factory']], items)
                return dict(items) if tag == 'dict' else collections.OrderedDict(items)
            if tag == 'float':
                return float(node['value'])
            if tag == 'complex':
                return complex(self.decode(node['real']), self.decode(node['imag']))
            if tag == 'bytes':
                return bytes.fromhex(node['hex'])
            if tag == 'dtype':
                d = _DTYPES_BY_NAME.get(node['name'])
                return d if d is not None else self.fail(f"unknown dtype {node['name']!r}")
            if tag == 'device':
                return backend.device(node['name'])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self.fail(f"malformed {tag!r} entry ({type(exc).__name__}: {exc})")
        self.fail(f"unknown tag {tag!r}")

    def array(self, index):
        if not isinstance(index, int):
            self.fail(f"array id {index!r} is not an int")
        try:
            with self.zf.open(f'arrays/{index}.npy') as fh:
                return np.lib.format.read_array(fh, allow_pickle=False)
        except KeyError:
            self.fail(f"arrays/{index}.npy is missing")
        except ValueError as exc:
            self.fail(f"arrays/{index}.npy is unreadable ({exc})")

    def tensor(self, node):
        index = node['id']
        if index in self.tensors:
            return self.tensors[index]
        array = self.array(index)
        try:
            dtypes.from_numpy(array.dtype)
        except TypeError:
            self.fail(f"arrays/{index}.npy has dtype {array.dtype}, which no tensor can hold")
        from . import _place
        t = _place(wrap(array), node.get('device', 'cpu'), self.map_location)
        if node.get('parameter'):
            t = _parameter_class()(t, bool(node['requires_grad']))
        else:
            t.requires_grad = bool(node['requires_grad']) and t.array.dtype.kind in 'fc'
        self.tensors[index] = t
        return t


def _parameter_class():
    from nn.parameter import Parameter
    return Parameter
