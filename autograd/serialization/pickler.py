"""Writes the pickle stream of torch's checkpoint format (protocol 2, as torch.save) for a fixed set of
types, opcode by opcode, the way torch.save lays them out, so torch.load(weights_only=True) reads it:

None, bool, int, float, complex, str, bytes, tuple, list, set, dict, OrderedDict (with its `_metadata`), Counter,
autograd.Size, dtypes, devices, Tensors and Parameters. Anything else raises NotRepresentable, and
save() falls back to a full pickle (loadable only with weights_only=False, as in torch).

A tensor is written as torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad,
OrderedDict()) where storage is a persistent id ('storage', torch.<Type>Storage, key, location, numel);
the bytes of storage <key> go to the archive's data/<key>. Tensors whose NumPy arrays are views of one
base array share one storage, with their offsets and strides, so the sharing survives the round trip.
"""
import collections
import struct

import numpy as np

from .. import backend, dtypes
from ..tensor import Size, Tensor
from .rebuild import STORAGE_BY_DTYPE

P = __import__('pickle')


class NotRepresentable(Exception):
    pass


class Pickler:
    def __init__(self):
        self.out = []
        self.memo = {}          # id(obj) -> memo index
        self.keep = []          # objects memoised by id, kept alive while writing
        self.storages = []      # (key, flat little-endian bytes-like array)
        self._storage_keys = {}  # id(root array) -> (key, root)

    def dumps(self, obj):
        self.out.append(P.PROTO + b'\x02')
        self.save(obj)
        self.out.append(P.STOP)
        return b''.join(self.out)

    # ---- memo ----
    def _get(self, obj):
        idx = self.memo.get(id(obj))
        if idx is None:
            return False
        self.out.append(P.BINGET + bytes([idx]) if idx < 256 else P.LONG_BINGET + struct.pack('<I', idx))
        return True

    def _put(self, obj):
        idx = len(self.memo)
        self.memo[id(obj)] = idx
        self.keep.append(obj)
        self.out.append(P.BINPUT + bytes([idx]) if idx < 256 else P.LONG_BINPUT + struct.pack('<I', idx))

    def _global(self, module, name):
        key = ('global', module, name)
        if key in self.memo:
            idx = self.memo[key]
            self.out.append(P.BINGET + bytes([idx]) if idx < 256 else P.LONG_BINGET + struct.pack('<I', idx))
            return
        self.out.append(P.GLOBAL + f'{module}\n{name}\n'.encode())
        idx = len(self.memo)
        self.memo[key] = idx
        self.out.append(P.BINPUT + bytes([idx]) if idx < 256 else P.LONG_BINPUT + struct.pack('<I', idx))

    # ---- values ----
    def save(self, obj):
        t = type(obj)
        if obj is None:
            self.out.append(P.NONE)
        elif t is bool:
            self.out.append(P.NEWTRUE if obj else P.NEWFALSE)
        elif t is int:
            self._int(obj)
        elif t is float:
            self.out.append(P.BINFLOAT + struct.pack('>d', obj))
        elif t is str:
            data = obj.encode('utf-8', 'surrogatepass')
            self.out.append(P.BINUNICODE + struct.pack('<I', len(data)) + data)
        elif t is complex:
            self._reduce('builtins', 'complex', (obj.real, obj.imag))
        elif t is bytes:   # protocol 2 has no bytes opcode: _codecs.encode(latin-1 text, 'latin1'), as pickle does
            self._reduce('_codecs', 'encode', (obj.decode('latin1'), 'latin1'))
        elif t is tuple:
            self._tuple(obj)
        elif t is Size:
            self._reduce('torch', 'Size', (tuple(obj),))
        elif isinstance(obj, Tensor):
            self._tensor(obj)
        elif isinstance(obj, dtypes.dtype):
            self._global('torch', obj.name)
        elif t is backend.device:
            self._reduce('torch', 'device', (obj.type,) if obj.index is None else (obj.type, obj.index))
        elif self._get(obj):
            pass
        elif t is list:
            self.out.append(P.EMPTY_LIST)
            self._put(obj)
            self._batched(obj, P.APPENDS)
        elif t is collections.Counter:
            self._reduce('collections', 'Counter', (dict(obj),))
        elif t is set:
            self._reduce('builtins', 'set', (list(obj),))
        elif t is dict:
            self.out.append(P.EMPTY_DICT)
            self._put(obj)
            self._batched([x for kv in obj.items() for x in kv], P.SETITEMS)
        elif t is collections.OrderedDict:
            self._global('collections', 'OrderedDict')
            self.out.append(P.EMPTY_TUPLE + P.REDUCE)
            self._put(obj)
            state = getattr(obj, '__dict__', None)
            if state:
                self.save(dict(state))
                self.out.append(P.BUILD)
            self._batched([x for kv in obj.items() for x in kv], P.SETITEMS)
        else:
            raise NotRepresentable(f"{t.__module__}.{t.__qualname__}")

    def _int(self, n):
        if 0 <= n < 256:
            self.out.append(P.BININT1 + bytes([n]))
        elif 0 <= n < 65536:
            self.out.append(P.BININT2 + struct.pack('<H', n))
        elif -2 ** 31 <= n < 2 ** 31:
            self.out.append(P.BININT + struct.pack('<i', n))
        else:
            data = P.encode_long(n)
            if len(data) > 255:
                raise NotRepresentable("int with more than 255 bytes")
            self.out.append(P.LONG1 + bytes([len(data)]) + data)

    def _tuple(self, items):
        n = len(items)
        if n == 0:
            self.out.append(P.EMPTY_TUPLE)
            return
        if n > 3:
            self.out.append(P.MARK)
        for x in items:
            self.save(x)
        self.out.append({1: P.TUPLE1, 2: P.TUPLE2, 3: P.TUPLE3}.get(n, P.TUPLE))

    def _batched(self, items, opcode, step=2000):
        for i in range(0, len(items), step):
            self.out.append(P.MARK)
            for x in items[i:i + step]:
                self.save(x)
            self.out.append(opcode)

    def _reduce(self, module, name, args):
        self._global(module, name)
        self._tuple(args)
        self.out.append(P.REDUCE)

    # ---- tensors ----
    def _tensor(self, t):
        if self._get(t):
            return
        if type(t) is not Tensor:
            from nn.parameter import Parameter
            if not isinstance(t, Parameter):
                raise NotRepresentable(f"{type(t).__module__}.{type(t).__qualname__}")
            self._global('torch._utils', '_rebuild_parameter')
            self._plain_tensor(t, requires_grad=False)
            self.save(bool(t.requires_grad))
            self._global('collections', 'OrderedDict')
            self.out.append(P.EMPTY_TUPLE + P.REDUCE + P.TUPLE3 + P.REDUCE)
        else:
            self._plain_tensor(t, requires_grad=t.requires_grad)
        self._put(t)

    def _plain_tensor(self, t, requires_grad):
        array = t.array
        if dtypes.from_numpy(array.dtype).name not in STORAGE_BY_DTYPE:
            raise NotRepresentable(f"tensor of {array.dtype}")
        location = 'cpu' if t.device.type == 'cpu' else f'cuda:{t.device.index or 0}'
        key, root, offset, strides = self._storage_of(backend.to_host(array))
        self._global('torch._utils', '_rebuild_tensor_v2')
        self.out.append(P.MARK)
        self.out.append(P.MARK)
        self.save('storage')
        self._global('torch', STORAGE_BY_DTYPE[dtypes.from_numpy(array.dtype).name])
        self.save(key)
        self.save(location)
        self.save(int(root.size))
        self.out.append(P.TUPLE + P.BINPERSID)
        self.save(int(offset))
        self._tuple(tuple(int(s) for s in array.shape))
        self._tuple(tuple(int(s) for s in strides))
        self.save(bool(requires_grad))
        self._global('collections', 'OrderedDict')
        self.out.append(P.EMPTY_TUPLE + P.REDUCE + P.TUPLE + P.REDUCE)

    def _storage_of(self, a):
        """(key, flat root array, element offset, element strides) of host array a. A view of a C-contiguous
        base array is written as that base's storage (one per base), so views keep sharing it."""
        root = a
        while isinstance(root.base, np.ndarray):
            root = root.base
        item = a.dtype.itemsize
        if (a.size > 0 and root.dtype == a.dtype and root.flags.c_contiguous
                and all(s >= 0 and s % item == 0 for s in a.strides)):
            delta = a.__array_interface__['data'][0] - root.__array_interface__['data'][0]
            last = delta // item + sum((n - 1) * s // item for n, s in zip(a.shape, a.strides))
            if delta >= 0 and delta % item == 0 and last < root.size:
                entry = self._storage_keys.get(id(root))
                if entry is None:
                    entry = self._storage_keys[id(root)] = (str(len(self.storages)), root)
                    self.keep.append(root)
                    self.storages.append((entry[0], root.reshape(-1)))
                return entry[0], root, delta // item, tuple(s // item for s in a.strides)
        copy = np.ascontiguousarray(a)   # a private copy (or an empty storage): nothing else shares it
        key = str(len(self.storages))
        self.storages.append((key, copy.reshape(-1)))
        return key, copy, 0, _contiguous_strides(a.shape)


def _contiguous_strides(shape):
    strides, acc = [], 1
    for n in reversed(shape):
        strides.append(acc)
        acc *= max(n, 1)
    return tuple(reversed(strides))
