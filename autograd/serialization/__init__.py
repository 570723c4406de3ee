"""save / load in torch's checkpoint format, without executing code on load (torch.serialization).

save() writes torch's zip format (see torch_format.py) with a pickle stream written opcode by opcode from a
fixed set of types (pickler.py), so torch.load(f, weights_only=True) reads state dicts, optimizer state
dicts and containers of tensors and Python scalars; tensors sharing memory share a storage. Any other
object (a whole Module, a NumPy array) is pickled with the pickle module instead, and needs
weights_only=False to load, as in torch.

load() reads torch's zip format, torch's legacy (pre-1.6) format, and the zip+JSON format earlier versions
of this library wrote (legacy.py). With weights_only=True (the default) the pickle is read by a restricted
unpickler (unpickler.py) that builds only torch's weights_only globals and refuses others with torch's
UnpicklingError text; add_safe_globals / safe_globals allowlist user classes.
"""
import io
import os
import pickle
import re
import tempfile
import zipfile

from .. import backend
from ..tensor import Tensor, wrap
from . import legacy, torch_format
from .pickler import NotRepresentable, Pickler
from .unpickler import add_safe_globals, clear_safe_globals, get_safe_globals, safe_globals

__all__ = ['save', 'load', 'add_safe_globals', 'clear_safe_globals', 'get_safe_globals', 'safe_globals']

UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in `torch.load` "
    "from `False` to `True`. Re-running `torch.load` with `weights_only` set to `False` will likely succeed, "
    "but it can result in arbitrary code execution. Do it only if you got the file from a "
    "trusted source.")
DOCS_MESSAGE = ("\n\nCheck the documentation of torch.load to learn more about types accepted by default with "
                "weights_only https://pytorch.org/docs/stable/generated/torch.load.html.")


# ---- save -------------------------------------------------------------------------------------------
def save(obj, f, pickle_module=pickle, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Write obj to f (a path or a binary file object) in torch's zip format. A path is written atomically:
    a temporary file in the same folder is filled, fsynced and renamed over f."""
    pickler = Pickler()
    try:
        data_pkl = pickler.dumps(obj)
        storages = pickler.storages
    except NotRepresentable:   # not a weights-only object: a plain pickle, loadable with weights_only=False
        data_pkl, storages = pickle_module.dumps(obj, protocol=max(pickle_protocol, 2)), []
    name = torch_format.archive_name_for(f)
    if isinstance(f, (str, os.PathLike)):
        _write_atomically(os.fspath(f), lambda fh: torch_format.write_archive(fh, name, data_pkl, storages))
    else:
        torch_format.write_archive(f, name, data_pkl, storages)


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


# ---- load -------------------------------------------------------------------------------------------
def load(f, map_location=None, pickle_module=None, *, weights_only=True, mmap=None, **pickle_load_args):
    """Read a checkpoint written by torch.save or autograd.save.

    weights_only=True (the default; None means the default) builds only tensors, containers, numbers,
    strings and the globals torch allows (plus add_safe_globals); weights_only=False unpickles anything
    (only for files you trust). map_location: None (where each tensor was saved), 'cpu', 'cuda', a device,
    a dict {saved location: new location}, or a function (cpu_tensor, saved_location) -> tensor or None.
    mmap=True maps the storages from the file (numpy.memmap, copy-on-write) instead of reading them.
    Raises pickle.UnpicklingError (torch's text) for a disallowed global, RuntimeError for a corrupt or
    truncated file, EOFError for an empty one."""
    weights_only = weights_only is not False
    if isinstance(f, (str, os.PathLike)):
        name = repr(os.fspath(f))
        with open(f, 'rb') as fh:
            return _load_stream(fh, name, map_location, weights_only, os.fspath(f) if mmap else None,
                                pickle_load_args)
    if mmap:
        raise ValueError("f must be a file path in order to use the mmap argument")
    if not (hasattr(f, 'seekable') and f.seekable()):
        f = io.BytesIO(f.read())
    return _load_stream(f, 'the file object', map_location, weights_only, None, pickle_load_args)


def _load_stream(fh, name, map_location, weights_only, mmap_path, pickle_load_args):
    start = fh.tell()
    magic = fh.read(4)
    fh.seek(start)
    if not magic:
        raise EOFError(f"Ran out of input: {name} is empty (the write was interrupted, or it is not a checkpoint)")

    def placer(t, location, legacy=False):
        return _place(t, location, map_location)

    try:
        if magic[:2] == b'PK':
            return _load_zip(fh, name, placer, weights_only, mmap_path, map_location, pickle_load_args)
        if mmap_path is not None:
            raise RuntimeError("mmap can only be used with files saved with "
                               "`torch.save(_use_new_zipfile_serialization=True), please torch.save your "
                               "checkpoint with this option in order to use mmap.")
        if _is_tar(fh):
            raise RuntimeError(f"autograd.load: {name} is in torch's tar format (PyTorch < 0.4), which this "
                               "library does not read; load it with torch and torch.save it again")
        return torch_format.load_legacy(fh, name, placer, weights_only, pickle_load_args)
    except pickle.UnpicklingError as exc:
        if weights_only:
            raise pickle.UnpicklingError(_weights_only_message(str(exc))) from None
        raise


def _load_zip(fh, name, placer, weights_only, mmap_path, map_location, pickle_load_args):
    try:
        with zipfile.ZipFile(fh) as zf:
            prefix = torch_format.find_prefix(zf)
            if prefix is not None:
                return torch_format.load_zip(zf, name, prefix, placer, weights_only, mmap_path,
                                             pickle_load_args)
            return legacy.load_archive(zf, name, map_location, weights_only, pickle_load_args)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise RuntimeError(f"autograd.load: failed reading the zip archive {name} ({exc}). The file is "
                           "corrupted or truncated: it was not saved completely, or was modified or "
                           "transferred incorrectly after saving.") from None


def _is_tar(fh):
    start = fh.tell()
    block = fh.read(512)
    fh.seek(start)
    return len(block) == 512 and block[257:262] == b'ustar'


def _weights_only_message(message):
    """torch.serialization's wording around an UnpicklingError of the weights_only unpickler."""
    if re.search(r"GLOBAL (\S+) was not an allowed global by default.", message):
        updated = ("Weights only load failed. This file can still be loaded, to do so you have two options, "
                   "\033[1mdo those steps only if you trust the source of the checkpoint\033[0m. "
                   f"\n\t(1) {UNSAFE_MESSAGE}\n\t(2) Alternatively, to load with `weights_only=True` please "
                   "check the recommended steps in the following error message.\n\tWeightsUnpickler error: "
                   + message)
    else:
        updated = f"Weights only load failed. {UNSAFE_MESSAGE}\n"
        if not re.search(r"whose module (\S+) is blocked", message):
            updated += ("Please file an issue with the following so that we can make `weights_only=True` "
                        "compatible with your use case: WeightsUnpickler error: ")
        updated += "\n\n" + message
    return updated + DOCS_MESSAGE


def _place(t, saved_location, map_location):
    """The tensor moved to where map_location says (torch's rules)."""
    target = saved_location
    if callable(map_location):
        result = map_location(t, saved_location)
        if result is not None:
            return result if isinstance(result, Tensor) else wrap(result)
    elif isinstance(map_location, dict):
        target = map_location.get(saved_location, saved_location)
    elif map_location is not None:
        target = map_location
    dev = backend.device(target) if isinstance(target, (str, backend.device)) else backend.device(str(target))
    if dev.type == 'cuda' and not backend.cuda_available():
        raise RuntimeError("Attempting to deserialize object on a CUDA device but CUDA is not available "
                           "(autograd.cuda.is_available() is False). If you are running on a CPU-only machine, "
                           "please use autograd.load with map_location='cpu' to map your tensors to the CPU.")
    if dev.type == 'cpu' and t.device.type == 'cpu':
        return t
    return wrap(backend.to_device(t.array, dev))
