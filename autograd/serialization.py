"""save / load without executing code on load.

The file is a zip archive holding `structure.json` (the object as tagged JSON) and one `arrays/<i>.npy`
per tensor or NumPy array, read back with allow_pickle=False. It represents tensors, NumPy arrays and
scalars, numbers, strings, bytes, None, bools, dtypes, devices, and dicts (any of those as keys, so the
int keys of an optimizer's state round-trip), OrderedDicts, lists and tuples nesting them. Anything else
(a whole Module, say) is pickled into the archive instead; loading that needs weights_only=False, because
unpickling can run arbitrary code.
"""
import collections
import io
import json
import math
import os
import pickle
import tempfile
import zipfile

import numpy as np

from . import backend, dtypes
from .tensor import Size, Tensor, wrap

__all__ = ['save', 'load']

FORMAT = 'autograd.save'
VERSION = 1
STRUCTURE = 'structure.json'
PICKLE = 'data.pkl'


class _NotRepresentable(Exception):
    pass


# ---- save -------------------------------------------------------------------------------------
def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True):
    """Write obj to f (a path or a binary file object). A path is written atomically: a temporary file
    in the same folder is filled, fsynced and renamed over f, so f is never left half-written."""
    arrays = []
    try:
        header = {'format': FORMAT, 'version': VERSION, 'object': _Encoder(arrays).encode(obj)}
        payload = None
    except _NotRepresentable:
        arrays = []
        header = {'format': FORMAT, 'version': VERSION, 'pickle': PICKLE,
                  'pickled_type': f"{type(obj).__module__}.{type(obj).__qualname__}"}
        payload = pickle_module.dumps(obj, protocol=max(pickle_protocol, 2))
    if isinstance(f, (str, os.PathLike)):
        _write_atomically(os.fspath(f), lambda fh: _write_archive(fh, header, arrays, payload))
    else:
        _write_archive(f, header, arrays, payload)


def _write_archive(fh, header, arrays, payload):
    with zipfile.ZipFile(fh, 'w', zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(STRUCTURE, json.dumps(header, allow_nan=False))
        for i, array in enumerate(arrays):
            with zf.open(f'arrays/{i}.npy', 'w', force_zip64=True) as out:
                np.lib.format.write_array(out, array, allow_pickle=False)
        if payload is not None:
            zf.writestr(PICKLE, payload)


def _write_atomically(path, write):
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix='.' + os.path.basename(path) + '.', suffix='.tmp')
    try:
        with os.fdopen(fd, 'wb') as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; give the file the usual permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    try:   # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


class _Encoder:
    """Turns an object into tagged JSON; tensors and arrays go to `arrays` and are referred to by index."""

    def __init__(self, arrays):
        self.arrays = arrays
        self.tensor_ids = {}   # id(tensor) -> array index, so a tensor saved twice loads as one object
        self.keep_alive = []

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int) and type(obj) in (int, bool):
            return obj
        if type(obj) is float:
            return obj if math.isfinite(obj) else {'$': 'float', 'value': repr(obj)}
        if type(obj) is complex:
            return {'$': 'complex', 'real': self.encode(obj.real), 'imag': self.encode(obj.imag)}
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if isinstance(obj, np.ndarray):
            return {'$': 'ndarray', 'id': self.array(obj)}
        if isinstance(obj, (np.number, np.bool_)):
            return {'$': 'numpy_scalar', 'id': self.array(np.asarray(obj))}
        if isinstance(obj, bytes):
            return {'$': 'bytes', 'hex': obj.hex()}
        if isinstance(obj, dtypes.dtype):
            return {'$': 'dtype', 'name': obj.name}
        if isinstance(obj, backend.device):
            return {'$': 'device', 'name': str(obj)}
        if type(obj) in (list, tuple, Size):
            return {'$': type(obj).__name__, 'items': [self.encode(x) for x in obj]}
        if type(obj) in (dict, collections.OrderedDict, collections.defaultdict):
            items = [[self.encode(k), self.encode(v)] for k, v in obj.items()]
            node = {'$': type(obj).__name__, 'items': items}
            if type(obj) is collections.defaultdict:
                factory = obj.default_factory
                if factory not in _FACTORIES.values():
                    raise _NotRepresentable()
                node['factory'] = None if factory is None else factory.__name__
            return node
        raise _NotRepresentable()

    def tensor(self, t):
        if id(t) not in self.tensor_ids:
            self.tensor_ids[id(t)] = self.array(backend.to_host(t.array))
            self.keep_alive.append(t)
        return {'$': 'tensor', 'id': self.tensor_ids[id(t)], 'requires_grad': bool(t.requires_grad),
                'device': str(t.device), 'parameter': type(t).__name__ == 'Parameter'}

    def array(self, a):
        if a.dtype.hasobject:
            raise _NotRepresentable()
        self.arrays.append(a)
        return len(self.arrays) - 1


_FACTORIES = {'dict': dict, 'list': list, 'int': int, 'float': float, None: None}
_DTYPES_BY_NAME = {d.name: d for d in dtypes.ALL}


# ---- load -------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Read what save wrote. weights_only=True (the default) reads only the JSON-and-arrays form and
    never unpickles; weights_only=False also unpickles (only for files you trust).

    map_location: None (where each tensor was saved), 'cpu', 'cuda', a device, a dict
    {saved location: new location}, or a function (cpu_tensor, saved_location) -> tensor or None."""
    weights_only = weights_only is not False   # None means the default, as in torch
    name = repr(os.fspath(f)) if isinstance(f, (str, os.PathLike)) else 'the file object'
    if isinstance(f, (str, os.PathLike)):
        with open(f, 'rb') as fh:
            return _load_stream(fh, name, map_location, weights_only, pickle_load_args)
    if not (hasattr(f, 'seekable') and f.seekable()):
        f = io.BytesIO(f.read())
    return _load_stream(f, name, map_location, weights_only, pickle_load_args)


def _load_stream(fh, name, map_location, weights_only, pickle_load_args):
    start = fh.tell()
    magic = fh.read(4)
    fh.seek(start)
    if not magic:
        raise RuntimeError(f"autograd.load: {name} is empty; it was not written by autograd.save "
                           "(or the write was interrupted).")
    if magic[:2] != b'PK':   # not a zip archive: a plain pickle at best
        if weights_only:
            what = "holds a plain pickle" if magic[:1] == b'\x80' else "is not a file written by autograd.save"
            raise pickle.UnpicklingError(_weights_only_message(name, what))
        return pickle.load(fh, **pickle_load_args)
    try:
        with zipfile.ZipFile(fh) as zf:
            header = _read_header(zf, name)
            if 'pickle' in header:
                if weights_only:
                    raise pickle.UnpicklingError(_weights_only_message(
                        name, f"holds a pickled {header.get('pickled_type', 'object')} (saved by autograd.save "
                              "because it is not made only of tensors, numbers, strings and containers)"))
                return pickle.loads(zf.read(PICKLE), **pickle_load_args)
            return _Decoder(zf, name, map_location).decode(header['object'])
    except zipfile.BadZipFile as exc:
        raise RuntimeError(f"autograd.load: failed reading the zip archive {name} ({exc}). The file is "
                           "corrupted or truncated: it was not saved completely, or was modified or "
                           "transferred incorrectly after saving.") from None


def _read_header(zf, name):
    names = zf.namelist()
    if STRUCTURE not in names:
        if any(n.endswith('data.pkl') for n in names):
            raise pickle.UnpicklingError(_weights_only_message(
                name, "is a PyTorch checkpoint (torch.save's pickle-based format), which autograd.load does "
                      "not read. Convert it with torch: torch.load it, turn tensors into NumPy arrays "
                      "(t.numpy()), wrap them with autograd.tensor and autograd.save the result"))
        raise RuntimeError(f"autograd.load: {name} is a zip archive without {STRUCTURE}; it was not "
                           "written by autograd.save.")
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


def _weights_only_message(name, what):
    return (f"Weights only load failed: {name} {what}. Loading it with weights_only=False will likely "
            "succeed, but unpickling can result in arbitrary code execution: do it only if you got the file "
            "from a trusted source. With weights_only=True, autograd.load reads only what autograd.save writes "
            "for tensors, numbers, strings, None and dicts/lists/tuples of them (e.g. state_dicts).")


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
        t = _place(wrap(array), node.get('device', 'cpu'), self.map_location)
        if node.get('parameter'):
            t = _parameter_class()(t, bool(node['requires_grad']))
        else:
            t.requires_grad = bool(node['requires_grad']) and t.array.dtype.kind in 'fc'
        self.tensors[index] = t
        return t


def _place(t, saved_location, map_location):
    """The tensor moved to where map_location says (torch's rules)."""
    target = saved_location
    if callable(map_location):
        result = map_location(t, saved_location)
        if result is not None:
            return wrap(result.array) if isinstance(result, Tensor) else wrap(result)
    elif isinstance(map_location, dict):
        target = map_location.get(saved_location, saved_location)
    elif map_location is not None:
        target = map_location
    dev = backend.device(target) if isinstance(target, (str, backend.device)) else backend.device(str(target))
    if dev.type == 'cuda' and not backend.cuda_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but CUDA is not available "
                           "(autograd.cuda.is_available() is False). If you are running on a CPU-only machine, "
                           "please use autograd.load with map_location='cpu' to map your tensors to the CPU.")
    return wrap(backend.to_device(t.array, dev))


def _parameter_class():
    from nn.parameter import Parameter
    return Parameter
