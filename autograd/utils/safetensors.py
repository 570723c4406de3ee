"""safetensors files, with safetensors.torch's functions: save_file / load_file / save / load /
save_model / load_model, built on the `safetensors` package's NumPy API (the optional `safetensors` extra).

A safetensors file holds named contiguous tensors and a str->str metadata dict, no code. It cannot hold two
names for one memory: save_file refuses tensors that share memory (as safetensors.torch does), and
save_model drops the duplicate names of shared (tied) weights, recording `dropped name -> kept name` in
the metadata, and load_model ties them back by loading the kept one (as safetensors documents:
https://huggingface.co/docs/safetensors/torch_shared_tensors). NumPy has no bfloat16: BF16 tensors load as
float32 (exact), with a warning.
"""
import collections
import os
import warnings

import numpy as np

from .. import backend
from ..tensor import Tensor, wrap

__all__ = ['save_file', 'load_file', 'save', 'load', 'save_model', 'load_model']

_DTYPES = {'F64': '<f8', 'F32': '<f4', 'F16': '<f2', 'I64': '<i8', 'I32': '<i4', 'I16': '<i2', 'I8': 'i1',
           'U8': 'u1', 'BOOL': '?', 'C64': '<c8', 'BF16': '<u2'}


def _package():
    try:
        import safetensors
        import safetensors.numpy
    except ImportError:
        raise ImportError("autograd.utils.safetensors needs the safetensors package: "
                          "pip install 'ndgrad[safetensors]' (or pip install safetensors)") from None
    return safetensors


# ---- save -------------------------------------------------------------------------------------------
def save(tensors, metadata=None):
    """The bytes of a safetensors file holding tensors (dict name -> contiguous Tensor)."""
    return _package().numpy.save(_arrays(tensors), metadata=metadata)


def save_file(tensors, filename, metadata=None):
    """Write tensors (dict name -> contiguous Tensor) and metadata (dict str -> str) to filename.
    Raises ValueError for a non-Tensor or non-contiguous tensor, RuntimeError for tensors sharing memory."""
    _package().numpy.save_file(_arrays(tensors), os.fspath(filename), metadata=metadata)


def _arrays(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    for k, v in tensors.items():
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received {type(v)}")
    failing = [names for names in _find_shared_tensors(tensors) if len(names) > 1]
    if failing:
        raise RuntimeError(
            "Some tensors share memory, this will lead to duplicate memory on disk and potential differences when "
            f"loading them again: {failing}.\nA potential way to correctly save your model is to use `save_model`.\n"
            "More information at https://huggingface.co/docs/safetensors/torch_shared_tensors")
    out = {}
    for k, v in tensors.items():
        if not v.is_contiguous():
            raise ValueError(
                f"You are trying to save a non contiguous tensor: `{k}` which is not allowed. It either means you"
                " are trying to save tensors which are reference of each other in which case it's recommended to "
                "save only the full tensors, and reslice at load time, or simply call `.contiguous()` on your "
                "tensor to pack it before saving.")
        array = backend.to_host(v.detach().array)
        out[k] = array if array.flags.c_contiguous else array.copy()   # (ascontiguousarray makes 0-d 1-d)
    return out


# ---- load -------------------------------------------------------------------------------------------
def load(data, device='cpu'):
    """dict name -> Tensor from the bytes of a safetensors file."""
    return _tensors(_package().deserialize(data), device, 'the data')


def load_file(filename, device='cpu'):
    """dict name -> Tensor (on device) from a safetensors file; BF16 tensors come back as float32."""
    with open(filename, 'rb') as fh:
        data = fh.read()
    return _tensors(_package().deserialize(data), device, repr(os.fspath(filename)))


def load_metadata(filename):
    """The file's metadata dict (str -> str), or None."""
    with _package().safe_open(os.fspath(filename), framework='np') as f:
        return f.metadata()


def _tensors(views, device, name):
    out, widened = {}, []
    dev = backend.device(device) if not isinstance(device, int) else backend.device('cuda', device)
    for k, v in views:
        if v['dtype'] not in _DTYPES:
            raise TypeError(f"autograd.utils.safetensors: {name} holds {k!r} as {v['dtype']}, which this library "
                            "cannot represent")
        array = np.frombuffer(v['data'], dtype=_DTYPES[v['dtype']]).reshape(v['shape'])
        if v['dtype'] == 'BF16':
            widened.append(k)
            array = (array.astype(np.uint32) << 16).view(np.float32)
        array = array.astype(array.dtype.newbyteorder('='), copy=True)   # writable and native
        out[k] = wrap(backend.to_device(array, dev) if dev.type != 'cpu' else array)
    if widened:
        warnings.warn(f"autograd.utils.safetensors: {name} holds bfloat16 tensors {widened}; NumPy has no bfloat16, "
                      "so they are loaded as float32 (exactly the same values)", UserWarning, stacklevel=3)
    return out


# ---- models with shared (tied) weights -------------------------------------------------------------
def save_model(model, filename, metadata=None, force_contiguous=True):
    """Save model.state_dict(), keeping one name of each group of tensors sharing memory; the dropped
    names are recorded in the metadata as `dropped: kept`."""
    state_dict = model.state_dict()
    for kept_name, to_remove_group in _remove_duplicate_names(state_dict).items():
        for to_remove in to_remove_group:
            metadata = {} if metadata is None else metadata
            if to_remove not in metadata:   # do not override user data
                metadata[to_remove] = kept_name
            del state_dict[to_remove]
    if force_contiguous:
        state_dict = {k: v.contiguous() for k, v in state_dict.items()}
    try:
        save_file(state_dict, filename, metadata=metadata)
    except ValueError as e:
        raise ValueError(str(e) + " Or use save_model(..., force_contiguous=True), read the docs for potential "
                                  "caveats.") from None


def load_model(model, filename, strict=True, device='cpu'):
    """Load a file written by save_model (or save_file of a state dict) into model. Returns
    (missing, unexpected) key lists; strict=True raises RuntimeError when either is not empty."""
    state_dict = load_file(filename, device=device)
    to_removes = _remove_duplicate_names(model.state_dict(), preferred_names=state_dict.keys())
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    missing, unexpected = set(missing), list(unexpected)
    for to_remove_group in to_removes.values():
        for to_remove in to_remove_group:
            if to_remove not in missing:
                unexpected.append(to_remove)
            else:
                missing.remove(to_remove)
    if strict and (missing or unexpected):
        error = f"Error(s) in loading state_dict for {model.__class__.__name__}:"
        if missing:
            error += "\n    Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in sorted(missing))
        if unexpected:
            error += "\n    Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in sorted(unexpected))
        raise RuntimeError(error)
    return missing, unexpected


# ---- which tensors share memory (safetensors.torch's rules, on NumPy base arrays) ------------------
def _root(t):
    a = t.array
    while isinstance(getattr(a, 'base', None), type(a)):
        a = a.base
    return a


def _ptr(a):
    return a.__array_interface__['data'][0] if isinstance(a, np.ndarray) else a.data.ptr


def _span(t):
    start = _ptr(t.array)
    return start, start + t.array.nbytes if t.array.size else start


def _find_shared_tensors(state_dict):
    groups = collections.defaultdict(set)
    for k, v in state_dict.items():
        root = _root(v)
        if root.nbytes:
            groups[(str(v.device), _ptr(root), root.nbytes)].add(k)
    shared = []
    for names in sorted(groups.values(), key=sorted):   # names overlapping in memory, within one base
        areas = sorted((*_span(state_dict[n]), n) for n in names)
        _, last_stop, last_name = areas[0]
        shared.append({last_name})
        for start, stop, name in areas[1:]:
            if start >= last_stop:
                shared.append({name})
            else:
                shared[-1].add(name)
            last_stop = max(last_stop, stop)
    return shared


def _is_complete(t):
    root = _root(t)
    return _ptr(t.array) == _ptr(root) and t.array.nbytes == root.nbytes


def _remove_duplicate_names(state_dict, *, preferred_names=None):
    preferred_names = set(preferred_names or [])
    to_remove = collections.defaultdict(list)
    for shared in _find_shared_tensors(state_dict):
        if len(shared) < 2:
            continue
        complete = {name for name in shared if _is_complete(state_dict[name])}
        if not complete:
            raise RuntimeError(
                "Error while trying to find names to remove to save state dict, but found no suitable name to keep"
                f" for saving amongst: {shared}. None is covering the entire storage. Refusing to save/load the model"
                " since you could be storing much more memory than needed. Please refer to"
                " https://huggingface.co/docs/safetensors/torch_shared_tensors for more information.")
        keep_name = sorted(complete)[0]
        if preferred_names & complete:
            keep_name = sorted(preferred_names & complete)[0]
        to_remove[keep_name] = [name for name in sorted(shared) if name != keep_name]
    return to_remove


