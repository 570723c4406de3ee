"""torch's checkpoint files: the zip format torch.save writes since 1.6, and the legacy (pre-1.6)
concatenated-pickle format.

Zip layout (what torch 2.13 writes, all records stored uncompressed under one folder, `archive/` for a
buffer or the file's stem for a path):
    data.pkl            the object, pickled (protocol 2) with tensors as persistent storage ids
    .format_version     b'1'
    .storage_alignment  b'64': each data/<key> record's bytes start at a multiple of 64 in the file
    byteorder           b'little'
    data/<key>          the raw bytes of storage <key>, little-endian
    version             b'3\\n'
Legacy layout: pickles of MAGIC_NUMBER, PROTOCOL_VERSION, a sys-info dict, the object, the list of
storage keys; then per key an int64 element count and the raw bytes.
"""
import io
import os
import pickle
import struct
import zipfile

import numpy as np

from . import rebuild
from .unpickler import FullUnpickler, Unpickler

MAGIC_NUMBER = 0x1950a86a20f9469cfc6c
PROTOCOL_VERSION = 1001
ALIGNMENT = 64


# ---- write ----------------------------------------------------------------------------------------
def write_archive(fh, archive_name, data_pkl, storages):
    """Write the zip records in torch's order; storages are (key, flat C-contiguous array)."""
    try:
        start = fh.tell()
    except (OSError, AttributeError):   # a pipe: no offsets to align to (zipfile writes data descriptors)
        start = None
    with zipfile.ZipFile(fh, 'w', zipfile.ZIP_STORED, allowZip64=True) as zf:
        def record(name, payload):
            zf.writestr(_info(f'{archive_name}/{name}'), payload)
        record('data.pkl', data_pkl)
        record('.format_version', b'1')
        record('.storage_alignment', str(ALIGNMENT).encode())
        record('byteorder', b'little')
        for key, flat in storages:
            name = f'{archive_name}/data/{key}'
            info = _info(name)
            flat = np.ascontiguousarray(flat, dtype=flat.dtype.newbyteorder('<'))
            info.file_size = flat.nbytes
            if start is not None:   # pad the local header so the bytes start at a multiple of ALIGNMENT
                pad = -(fh.tell() - start + 30 + len(name.encode()) + 4) % ALIGNMENT
                info.extra = b'FB' + struct.pack('<H', pad) + b'Z' * pad   # torch's padding extra field
            with zf.open(info, 'w', force_zip64=flat.nbytes > 2 ** 31) as out:
                view = memoryview(flat.view(np.uint8))
                for i in range(0, flat.nbytes, 1 << 26):
                    out.write(view[i:i + (1 << 26)])
        record('version', b'3\n')


def _info(name):
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_STORED
    info.external_attr = 0o600 << 16
    return info


def archive_name_for(f):
    if isinstance(f, (str, os.PathLike)):
        stem = os.path.splitext(os.path.basename(os.fspath(f)))[0]
        return stem or 'archive'
    return 'archive'


# ---- read: zip ------------------------------------------------------------------------------------
def is_torch_zip(zf):
    return find_prefix(zf) is not None


def find_prefix(zf):
    for name in zf.namelist():
        parts = name.split('/')
        if len(parts) == 2 and parts[1] == 'data.pkl':
            return parts[0] + '/'
    return None


def load_zip(zf, name, prefix, placer, weights_only, mmap_path, pickle_load_args):
    """Unpickle prefix/data.pkl, resolving storage ids to the data/<key> records."""
    names = set(zf.namelist())
    if prefix + 'constants.pkl' in names:
        raise RuntimeError(f"autograd.load: {name} is a TorchScript archive (torch.jit.save); it holds code, "
                           "not only weights, and this library cannot run it. Save model.state_dict() instead.")
    byteorder = zf.read(prefix + 'byteorder') if prefix + 'byteorder' in names else b'little'
    if byteorder not in (b'little', b'big'):
        raise ValueError("Unknown endianness type: " + byteorder.decode(errors='replace'))
    loaded, warned = {}, []

    def warn():
        if not warned:
            warned.append(True)
            rebuild.bfloat16_warning(name)

    def persistent_load(pid):
        _, storage_type, key, location, numel = pid[:5]
        if not isinstance(storage_type, rebuild.StorageType):
            raise pickle.UnpicklingError(f"persistent id names {storage_type!r}, not a storage class")
        key = rebuild_str(key)
        if key not in loaded:
            record = f'{prefix}data/{key}'
            if record not in names:
                raise RuntimeError(f"autograd.load: {name} is corrupt: record {record} is missing")
            raw = _read_record(zf, record, mmap_path)
            array = rebuild.storage_array(raw, storage_type.dtype_name, key, warn, big=byteorder == b'big')
            loaded[key] = rebuild.Storage(array, storage_type.dtype_name, rebuild_str(location),
                                          lambda t, loc=rebuild_str(location): placer(t, loc))
        return loaded[key]

    with zf.open(prefix + 'data.pkl') as fh:
        data = io.BytesIO(fh.read())
    if weights_only:
        return Unpickler(data, persistent_load=persistent_load).load()
    return FullUnpickler(data, persistent_load=persistent_load, **pickle_load_args).load()


def rebuild_str(x):
    return x.decode('ascii') if isinstance(x, bytes) else str(x)


def _read_record(zf, record, mmap_path):
    info = zf.getinfo(record)
    if info.compress_type != zipfile.ZIP_STORED:
        mmap_path = None   # only stored bytes can be mapped
    if mmap_path is None or info.file_size == 0:
        return np.frombuffer(bytearray(zf.read(record)), np.uint8)
    with open(mmap_path, 'rb') as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
        if header[:4] != b'PK\x03\x04':
            raise RuntimeError(f"autograd.load: {mmap_path} is corrupt: bad local header for {record}")
        name_len, extra_len = struct.unpack('<HH', header[26:30])
    offset = info.header_offset + 30 + name_len + extra_len
    return np.memmap(mmap_path, dtype=np.uint8, mode='c', offset=offset, shape=(info.file_size,))


# ---- read: legacy (pre-1.6) ----------------------------------------------------------------------
def load_legacy(fh, name, placer, weights_only, pickle_load_args):
    """The non-zip format torch.save(..., _use_new_zipfile_serialization=False) writes."""
    def unpickle(persistent_load=None):
        if weights_only:
            return Unpickler(fh, persistent_load=persistent_load).load()
        return FullUnpickler(fh, persistent_load=persistent_load, **pickle_load_args).load()

    magic = unpickle()
    if magic != MAGIC_NUMBER:
        raise RuntimeError("Invalid magic number; corrupt file?")
    protocol = unpickle()
    if protocol != PROTOCOL_VERSION:
        raise RuntimeError(f"Invalid protocol version: {protocol}")
    sys_info = unpickle()
    little = sys_info.get('little_endian', True) if isinstance(sys_info, dict) else True
    storages, warned = {}, []

    def warn():
        if not warned:
            warned.append(True)
            rebuild.bfloat16_warning(name)

    def persistent_load(pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and isinstance(pid[1], rebuild.StorageType)):
            raise pickle.UnpicklingError(f"unsupported persistent id {pid!r:.80}")
        _, storage_type, key, location, numel = pid[:5]
        key = rebuild_str(key)
        if key not in storages:
            dtype_name = storage_type.dtype_name
            itemsize = np.dtype(rebuild.STORAGE_DTYPES[dtype_name][1]).itemsize \
                if dtype_name in rebuild.STORAGE_DTYPES else 1
            raw = np.zeros(int(numel) * itemsize, np.uint8)
            array = rebuild.storage_array(raw, dtype_name, key, warn) if dtype_name != 'bfloat16' \
                else np.zeros(int(numel), np.float32)
            storages[key] = rebuild.Storage(array, dtype_name, rebuild_str(location),
                                            lambda t, loc=rebuild_str(location): placer(t, loc, legacy=True))
        storage = storages[key]
        view = pid[5] if len(pid) > 5 else None
        if view is not None:   # (view key, offset, size): a slice of the root storage
            view_key, offset, size = view
            if view_key not in storages:
                storages[view_key] = rebuild.Storage(storage.array[offset:offset + size], storage.dtype_name,
                                                     storage.location, storage.place)
            return storages[view_key]
        return storage

    result = unpickle(persistent_load)
    keys = unpickle()
    for key in keys:
        key = rebuild_str(key)
        if key not in storages:
            raise RuntimeError(f"autograd.load: {name} is corrupt: storage {key} has data but no tensor")
        storage = storages[key]
        head = fh.read(8)
        if len(head) != 8:
            raise RuntimeError(f"autograd.load: {name} is truncated: storage {key}'s data is missing")
        numel = struct.unpack('<q' if little else '>q', head)[0]
        dtype = np.dtype(rebuild.STORAGE_DTYPES[storage.dtype_name][1])
        if not little:
            dtype = dtype.newbyteorder('>')
        data = fh.read(numel * dtype.itemsize)
        if len(data) != numel * dtype.itemsize or numel != storage.array.shape[0]:
            raise RuntimeError(f"autograd.load: {name} is truncated or corrupt: storage {key} should hold "
                               f"{storage.array.shape[0]} elements")
        values = np.frombuffer(data, dtype)
        if storage.dtype_name == 'bfloat16':
            values = (values.astype(np.uint32) << 16).view(np.float32)
        storage.array[...] = values
    return result
