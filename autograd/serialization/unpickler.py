"""The weights_only unpickler: reads a pickle stream opcode by opcode and builds only what torch's
weights_only unpickler (torch/_weights_only_unpickler.py, 2.13) builds.

Globals are never imported: a GLOBAL opcode is looked up by its dotted name in `allowed_globals()` (torch's
names mapped to this library's stand-ins: `torch._utils._rebuild_tensor_v2`, the storage classes, dtypes,
`collections.OrderedDict`, ...) or in the user's allowlist (`add_safe_globals`); anything else raises
pickle.UnpicklingError with torch's text. REDUCE/NEWOBJ call only such objects, BUILD sets state only on
tensors, OrderedDicts and allowlisted types, APPEND(S) only on lists, SETITEM(S) only on dicts. So a hostile
file can make this code raise, never run anything of its own.
"""
import collections
import functools
import pickle
import struct
import warnings
from _codecs import encode
from pickle import UnpicklingError

from . import rebuild

_BLOCKED_MODULES = ('sys', 'os', 'posix', 'nt')
_safe_globals = set()


# ---- the user's allowlist (torch.serialization.add_safe_globals and friends) -------------------------
def add_safe_globals(safe_globals):
    """Mark classes/functions (or (obj, 'module.name') pairs) safe for weights_only loads."""
    global _safe_globals
    _safe_globals = _safe_globals.union(set(safe_globals))


def get_safe_globals():
    return list(_safe_globals)


def clear_safe_globals():
    global _safe_globals
    _safe_globals = set()


def _remove_safe_globals(globals_to_remove):
    global _safe_globals
    _safe_globals = _safe_globals - set(globals_to_remove)


class safe_globals:
    """Context manager: the given globals are allowed inside the with block only."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        add_safe_globals(self.safe_globals)

    def __exit__(self, type, value, tb):
        _remove_safe_globals(self.safe_globals)


def user_allowed_globals():
    rc = {}
    for f in _safe_globals:
        if isinstance(f, tuple):
            if len(f) != 2:
                raise ValueError("Expected tuple of length 2 (global, str of callable full path), but got "
                                 f"tuple of length: {len(f)}")
            if type(f[1]) is not str:
                raise TypeError("Expected second item in tuple to be str of callable full path, but got: "
                                f"{type(f[1])}")
            f, name = f
            rc[name] = f
        else:
            rc[f"{f.__module__}.{f.__qualname__}"] = f
    return rc


@functools.lru_cache(maxsize=1)
def allowed_globals():
    """torch's default weights_only globals, by name, mapped to this library's objects."""
    from .. import backend
    from ..tensor import Size, Tensor
    from nn.parameter import Parameter
    rc = {
        'collections.OrderedDict': collections.OrderedDict,
        'collections.Counter': collections.Counter,
        'torch.nn.parameter.Parameter': Parameter,
        'torch.serialization._get_layout': rebuild._get_layout,
        'torch.Size': Size,
        'torch.Tensor': Tensor,
        'torch.device': backend.device,
        '_codecs.encode': encode,
        'builtins.bytearray': bytearray,
        'builtins.set': set,
        'builtins.complex': complex,
    }
    rc.update(rebuild.DTYPE_GLOBALS)
    rc.update(rebuild.STORAGE_GLOBALS)
    rc.update(rebuild.REBUILD_GLOBALS)
    return rc


# Python 2 names that protocol-2 pickles may carry (torch._utils.IMPORT_MAPPING, the ones that matter here)
_IMPORT_MAPPING = {'__builtin__': 'builtins', 'copy_reg': 'copyreg', '_abcoll': 'collections.abc'}


def _read_global(readline):
    module = readline()[:-1].decode('utf-8')
    name = readline()[:-1].decode('utf-8')
    return _IMPORT_MAPPING.get(module, module), name


def unsupported_global_message(full_path):
    if full_path.startswith('builtins.'):
        full_path = full_path[len('builtins.'):]
    return (f"Unsupported global: GLOBAL {full_path} was not an allowed global by default. "
            f"Please use `torch.serialization.add_safe_globals([{full_path}])` or the "
            f"`torch.serialization.safe_globals([{full_path}])` context manager to allowlist this global "
            "if you trust this class/function.")


class Unpickler:
    """Restricted unpickler; persistent_load(pid) resolves ('storage', ...) ids to storages."""

    def __init__(self, file, persistent_load=None):
        self.read, self.readline = file.read, file.readline
        self.memo = {}
        self._persistent_load = persistent_load

    def _lookup(self, module, name):
        full_path = f"{module}.{name}"
        if module in _BLOCKED_MODULES:
            raise UnpicklingError(f"Trying to load unsupported GLOBAL {full_path} whose module {module} "
                                  "is blocked.")
        allowed = allowed_globals()
        if full_path in allowed:
            return allowed[full_path]
        user = user_allowed_globals()
        if full_path in user:
            return user[full_path]
        raise UnpicklingError(unsupported_global_message(full_path))

    def _is_allowed(self, obj):
        return any(obj is v for v in allowed_globals().values()) or \
            any(obj is v for v in user_allowed_globals().values())

    def load(self):
        self.metastack, self.stack = [], []
        read, stack = self.read, None
        while True:
            key = read(1)
            if not key:
                raise EOFError("Ran out of input: the pickle stream ends before its STOP opcode "
                               "(the file is truncated)")
            op = key[0]
            stack = self.stack
            if op == pickle.GLOBAL[0]:
                stack.append(self._lookup(*_read_global(self.readline)))
            elif op == pickle.NEWOBJ[0]:
                args = stack.pop()
                cls = stack.pop()
                if not self._is_allowed(cls):
                    raise UnpicklingError("Can only create new object for nn.Parameter or classes allowlisted "
                                          f"via `add_safe_globals` but got {cls}")
                stack.append(cls(*args) if allowed_globals()['torch.nn.parameter.Parameter'] is cls
                             else cls.__new__(cls, *args))
            elif op == pickle.REDUCE[0]:
                args = stack.pop()
                func = stack[-1]
                if not self._is_allowed(func):
                    raise UnpicklingError(f"Trying to call reduce for unrecognized function {func}")
                stack[-1] = func(*args)
            elif op == pickle.BUILD[0]:
                self._build(stack.pop(), stack[-1])
            elif op == pickle.APPEND[0]:
                item = stack.pop()
                if type(stack[-1]) is not list:
                    raise UnpicklingError(f"Can only append to lists, but got {type(stack[-1])}")
                stack[-1].append(item)
            elif op == pickle.APPENDS[0]:
                items = self._pop_mark()
                if type(self.stack[-1]) is not list:
                    raise UnpicklingError(f"Can only extend lists, but got {type(self.stack[-1])}")
                self.stack[-1].extend(items)
            elif op == pickle.SETITEM[0]:
                v, k = stack.pop(), stack.pop()
                self._check_dict('SETITEM')
                stack[-1][k] = v
            elif op == pickle.SETITEMS[0]:
                items = self._pop_mark()
                self._check_dict('SETITEMS')
                for i in range(0, len(items), 2):
                    self.stack[-1][items[i]] = items[i + 1]
            elif op == pickle.MARK[0]:
                self.metastack.append(self.stack)
                self.stack = []
            elif op == pickle.TUPLE[0]:
                items = self._pop_mark()
                self.stack.append(tuple(items))
            elif op == pickle.TUPLE1[0]:
                stack[-1] = (stack[-1],)
            elif op == pickle.TUPLE2[0]:
                stack[-2:] = [(stack[-2], stack[-1])]
            elif op == pickle.TUPLE3[0]:
                stack[-3:] = [(stack[-3], stack[-2], stack[-1])]
            elif op in _CONSTANTS:
                stack.append(_CONSTANTS[op]())
            elif op == pickle.BININT[0]:
                stack.append(struct.unpack('<i', self._read(4))[0])
            elif op == pickle.BININT1[0]:
                stack.append(self._read(1)[0])
            elif op == pickle.BININT2[0]:
                stack.append(struct.unpack('<H', self._read(2))[0])
            elif op == pickle.BINFLOAT[0]:
                stack.append(struct.unpack('>d', self._read(8))[0])
            elif op == pickle.BINUNICODE[0]:
                n = struct.unpack('<I', self._read(4))[0]
                stack.append(str(self._read(n), 'utf-8', 'surrogatepass'))
            elif op == pickle.SHORT_BINSTRING[0]:
                stack.append(self._read(self._read(1)[0]).decode('ascii'))
            elif op == pickle.BINPERSID[0]:
                pid = stack.pop()
                if type(pid) is not tuple and type(pid) is not int:
                    raise UnpicklingError(f"persistent_load id must be tuple or int, but got {type(pid)}")
                if type(pid) is tuple and len(pid) > 0 and _ascii(pid[0]) != 'storage':
                    raise UnpicklingError(f"Only persistent_load of storage is allowed, but got {type(pid[0])}")
                if self._persistent_load is None:
                    raise UnpicklingError("unsupported persistent id encountered")
                stack.append(self._persistent_load(pid))
            elif op in (pickle.BINGET[0], pickle.LONG_BINGET[0]):
                idx = self._read(1)[0] if op == pickle.BINGET[0] else struct.unpack('<I', self._read(4))[0]
                if idx not in self.memo:
                    raise UnpicklingError(f"Memo value not found at index {idx}")
                stack.append(self.memo[idx])
            elif op in (pickle.BINPUT[0], pickle.LONG_BINPUT[0]):
                idx = self._read(1)[0] if op == pickle.BINPUT[0] else struct.unpack('<I', self._read(4))[0]
                self.memo[idx] = stack[-1]
            elif op == pickle.LONG1[0]:
                stack.append(pickle.decode_long(self._read(self._read(1)[0])))
            elif op == pickle.PROTO[0]:
                proto = self._read(1)[0]
                if proto != 2:
                    warnings.warn(f"Detected pickle protocol {proto} in the checkpoint, which was not the "
                                  "default pickle protocol used by `torch.load` (2). The weights_only Unpickler "
                                  "might not support all instructions implemented by this protocol.",
                                  stacklevel=2)
            elif op == pickle.STOP[0]:
                return self.stack.pop()
            else:
                raise UnpicklingError(f"Unsupported operand {op}")

    def _read(self, n):
        data = self.read(n)
        if len(data) != n:
            raise EOFError("Ran out of input: the pickle stream is truncated")
        return data

    def _build(self, state, inst):
        from ..tensor import Tensor
        if isinstance(inst, Tensor) or type(inst) is collections.OrderedDict:
            if isinstance(state, tuple) and len(state) == 2:   # (dict state, slot state)
                state = state[0]
            if state:
                inst.__dict__.update(state)
        elif self._is_allowed(type(inst)):
            setstate = getattr(type(inst), '__setstate__', None)
            if setstate is not None and setstate is not getattr(object, '__setstate__', None):
                inst.__setstate__(state)
            else:
                slotstate = None
                if isinstance(state, tuple) and len(state) == 2:
                    state, slotstate = state
                if state:
                    inst.__dict__.update(state)
                for k, v in (slotstate or {}).items():
                    setattr(inst, k, v)
        else:
            raise UnpicklingError("Can only build Tensor, Parameter, OrderedDict or types allowlisted "
                                  f"via `add_safe_globals`, but got {type(inst)}")

    def _pop_mark(self):
        if not self.metastack:
            raise UnpicklingError("could not find MARK")
        items = self.stack
        self.stack = self.metastack.pop()
        return items

    def _check_dict(self, opcode):
        if type(self.stack[-1]) not in (dict, collections.OrderedDict, collections.Counter):
            raise UnpicklingError(f"Can only {opcode} for dict, collections.OrderedDict, "
                                  f"collections.Counter, but got {type(self.stack[-1])}")


_CONSTANTS = {pickle.NONE[0]: lambda: None, pickle.NEWFALSE[0]: lambda: False, pickle.NEWTRUE[0]: lambda: True,
              pickle.EMPTY_TUPLE[0]: tuple, pickle.EMPTY_LIST[0]: list, pickle.EMPTY_DICT[0]: dict,
              pickle.EMPTY_SET[0]: set}


def _ascii(x):
    return x.decode('ascii') if isinstance(x, bytes) else x


class FullUnpickler(pickle.Unpickler):
    """weights_only=False: any global may load (only for trusted files), but torch's names resolve to this
    library's stand-ins, so a torch checkpoint's tensors come back as this library's tensors."""

    def __init__(self, file, persistent_load=None, **kwargs):
        super().__init__(file, **kwargs)
        self._pl = persistent_load

    def find_class(self, module, name):
        full_path = f"{_IMPORT_MAPPING.get(module, module)}.{name}"
        if full_path in allowed_globals():
            return allowed_globals()[full_path]
        if module.startswith('torch.') or module == 'torch':
            raise UnpicklingError(f"{full_path} is a PyTorch object this library has no counterpart for")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        if self._pl is None:
            raise UnpicklingError("unsupported persistent id encountered")
        return self._pl(pid)
