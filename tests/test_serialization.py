"""autograd.save / load: round trips equal torch's own round trips, and loading never runs code."""
import collections
import io
import os
import pathlib
import pickle
import zipfile

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
from autograd import serialization


def to_ours(obj):
    """The same structure with torch tensors replaced by autograd tensors (requires_grad kept)."""
    if isinstance(obj, torch.Tensor):
        t = autograd.tensor(obj.detach().numpy().copy())
        t.requires_grad = obj.requires_grad
        return t
    if isinstance(obj, dict):
        out = type(obj)() if type(obj) in (dict, collections.OrderedDict) else {}
        for k, v in obj.items():
            out[k] = to_ours(v)
        return out
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_ours(v) for v in obj)
    return obj


def same(ours, theirs):
    """Equal structure, container types, key types, dtypes, values and requires_grad."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, autograd.Tensor)
        assert str(ours.dtype).split('.')[-1] == str(theirs.dtype).split('.')[-1]
        assert ours.requires_grad == theirs.requires_grad and ours.is_leaf
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    elif isinstance(theirs, dict):
        assert type(ours) is type(theirs)
        assert [(type(k), k) for k in ours] == [(type(k), k) for k in theirs]
        for k in theirs:
            same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours) is type(theirs) and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
    elif isinstance(theirs, float) and theirs != theirs:
        assert ours != ours
    else:
        assert type(ours) is type(theirs) and ours == theirs, (ours, theirs)


def torch_round_trip(obj):
    buf = io.BytesIO()
    torch.save(obj, buf)
    buf.seek(0)
    return torch.load(buf)


def our_round_trip(obj, **load_args):
    buf = io.BytesIO()
    autograd.save(obj, buf)
    buf.seek(0)
    return autograd.load(buf, **load_args)


def torch_checkpoints():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.BatchNorm1d(3))
    opts = [torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.8, 0.9)),
            torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True)]
    for opt in opts:
        model(torch.randn(5, 4)).sum().backward()
        opt.step()
    leaf = torch.randn(2, 2, requires_grad=True)
    return {
        'model': model.state_dict(),
        'adam': opts[0].state_dict(),
        'sgd': opts[1].state_dict(),
        'nested': {'epoch': 3, 'loss': 0.25, 'nan': float('nan'), 'inf': float('-inf'), 'name': 'run',
                   'flags': [True, False, None], 'pair': (1, 2.5), 'tensors': [leaf, torch.arange(4)],
                   7: 'int key', 2.5: 'float key', (1, 'a'): 'tuple key', None: 'none key', 'big': 2 ** 70},
        'dtypes': [torch.zeros(2, dtype=d) for d in (torch.float16, torch.float64, torch.int8, torch.int16,
                                                    torch.int32, torch.uint8, torch.bool, torch.complex64)],
        'scalar': torch.tensor(3.5),
        'empty': torch.zeros(0, 3),
    }


@pytest.mark.parametrize('key', ['model', 'adam', 'sgd', 'nested', 'dtypes', 'scalar', 'empty'])
def test_round_trip_matches_torch_round_trip(key):
    original = torch_checkpoints()[key]
    same(our_round_trip(to_ours(original)), torch_round_trip(original))


def test_optimizer_state_dict_keeps_int_keys_and_reloads_into_optimizer():
    p = autograd.randn(3, requires_grad=True)
    opt = autograd.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()
    state = our_round_trip(opt.state_dict())
    assert list(state['state']) == [0] and state['param_groups'][0]['betas'] == (0.9, 0.999)
    fresh = autograd.optim.Adam([p], lr=0.5)
    fresh.load_state_dict(state)
    np.testing.assert_array_equal(fresh.state[p]['exp_avg'].numpy(), opt.state[p]['exp_avg'].numpy())


@settings(max_examples=30, deadline=None)
@given(shape=st.lists(st.integers(0, 4), max_size=4), dtype=st.sampled_from(['float32', 'float64', 'int64', 'bool']),
       requires_grad=st.booleans(), transpose=st.booleans())
def test_tensor_round_trip_property(shape, dtype, requires_grad, transpose):
    a = (np.random.default_rng(0).standard_normal(shape) * 10).astype(dtype)
    if transpose:
        a = a.T   # a non-C-contiguous array
    t = torch.tensor(a, requires_grad=requires_grad and dtype.startswith('float'))
    same(our_round_trip(to_ours(t)), torch_round_trip(t))


def test_non_leaf_tensor_loads_as_leaf_with_requires_grad_like_torch():
    x = torch.ones(2, requires_grad=True)
    theirs = torch_round_trip(x * 2)
    x = autograd.ones(2, requires_grad=True)
    ours = our_round_trip(x * 2)
    assert (ours.requires_grad, ours.is_leaf) == (theirs.requires_grad, theirs.is_leaf) == (True, True)


def test_shared_tensor_loads_as_one_object():
    t = autograd.ones(3)
    out = our_round_trip({'a': t, 'b': [t]})
    assert out['a'] is out['b'][0]


def test_numpy_values_dtype_device_objects_round_trip():
    weights = {'b': b'\x00raw', 'dt': autograd.float16, 'dev': autograd.device('cpu'), 'c': 1 + 2j,
               'size': autograd.zeros(2, 3).shape, 'counter': collections.Counter('aab'), 'set': {1, 2}}
    out = our_round_trip(weights)   # all of these are weights_only types, as in torch
    assert out['b'] == b'\x00raw' and out['dt'] is autograd.float16 and out['dev'] == autograd.device('cpu')
    assert out['c'] == 1 + 2j and out['counter'] == collections.Counter('aab') and out['set'] == {1, 2}
    assert type(out['size']) is autograd.Size and out['size'] == (2, 3)
    # NumPy values and defaultdicts are not: torch needs weights_only=False (or safe_globals) for them too
    obj = {'arr': np.arange(6).reshape(2, 3), 'f': np.float32(1.5), 'i': np.int64(3),
           'dd': collections.defaultdict(list, {1: [2]})}
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        our_round_trip(obj)
    out = our_round_trip(obj, weights_only=False)
    np.testing.assert_array_equal(out['arr'], obj['arr'])
    assert type(out['f']) is np.float32 and out['f'] == 1.5 and type(out['i']) is np.int64
    assert out['dd'] == obj['dd'] and out['dd'].default_factory is list


def test_paths_are_written_atomically(tmp_path, monkeypatch):
    target = tmp_path / 'ckpt.pt'
    autograd.save({'w': autograd.ones(2)}, target)                    # pathlib
    autograd.save({'w': autograd.zeros(2)}, str(tmp_path / 'b.pt'))  # str
    assert autograd.load(str(target))['w'].tolist() == [1.0, 1.0]
    assert autograd.load(tmp_path / 'b.pt')['w'].tolist() == [0.0, 0.0]
    assert oct(os.stat(target).st_mode & 0o777) == oct(0o666 & ~_umask())

    def crash(*args, **kwargs):
        raise OSError("disk full")
    monkeypatch.setattr(zipfile.ZipFile, 'writestr', crash)
    with pytest.raises(OSError, match="disk full"):
        autograd.save({'w': autograd.full((2,), 7.0)}, target)
    assert sorted(os.listdir(tmp_path)) == ['b.pt', 'ckpt.pt']   # no temp file left behind
    assert autograd.load(target)['w'].tolist() == [1.0, 1.0]      # the old file is intact


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


class Payload:
    """Unpickling this creates a file: the proof that code ran."""
    path = None

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def test_malicious_pickle_never_runs(tmp_path):
    Payload.path = str(tmp_path / 'pwned')
    evil = tmp_path / 'evil.pt'
    with open(evil, 'wb') as fh:
        pickle.dump({'weights': Payload()}, fh)
    for weights_only in (True, None):   # None is the default, as in torch
        with pytest.raises(pickle.UnpicklingError, match="(?s)Weights only load failed.*`weights_only` set to `False`"):
            autograd.load(evil, weights_only=weights_only)
    assert not os.path.exists(Payload.path)
    torch_style = tmp_path / 'torch_style.pt'
    torch.save({'w': torch.ones(2), 'evil': Payload()}, torch_style)
    with pytest.raises(pickle.UnpicklingError) as theirs:
        torch.load(torch_style)
    with pytest.raises(pickle.UnpicklingError) as ours:
        autograd.load(torch_style)
    assert str(ours.value) == str(theirs.value) and "was not an allowed global" in str(ours.value)
    assert not os.path.exists(Payload.path)
    # a pickle inside our own archive (what save does for arbitrary objects) is refused too
    ours = tmp_path / 'ours.pt'
    autograd.save({'evil': Payload()}, ours)
    with pytest.raises(pickle.UnpicklingError, match="was not an allowed global"):
        autograd.load(ours)
    assert not os.path.exists(Payload.path)
    autograd.load(ours, weights_only=False)   # the explicit opt-in does unpickle
    assert os.path.exists(Payload.path)


def test_whole_objects_pickle_and_need_weights_only_false():
    obj = {'fn': collections.defaultdict(int, a=2), 't': autograd.ones(2, requires_grad=True)}
    buf = io.BytesIO()
    autograd.save(obj, buf)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        autograd.load(io.BytesIO(buf.getvalue()))
    out = autograd.load(io.BytesIO(buf.getvalue()), weights_only=False)
    assert out['fn'] == {'a': 2} and out['t'].requires_grad and out['t'].tolist() == [1.0, 1.0]
    plain = pickle.dumps([1, 2], protocol=2)   # a bare pickle is not a checkpoint, for torch either
    for lib in (torch, autograd):
        with pytest.raises(RuntimeError, match="Invalid magic number; corrupt file"):
            lib.load(io.BytesIO(plain), weights_only=False)


def test_whole_module_round_trip_with_weights_only_false():
    nn = pytest.importorskip('autograd.nn', reason="nn package not importable yet")
    if not hasattr(nn, 'Linear'):
        pytest.skip("autograd.nn.Linear is not written yet")
    model = nn.Linear(3, 2)
    buf = io.BytesIO()
    autograd.save(model, buf)
    buf.seek(0)
    loaded = autograd.load(buf, weights_only=False)
    np.testing.assert_array_equal(loaded.weight.detach().numpy(), model.weight.detach().numpy())
    assert type(loaded.weight) is type(model.weight)


def test_model_state_dict_round_trip_into_fresh_model(tmp_path):
    nn = pytest.importorskip('autograd.nn', reason="nn package not importable yet")
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    autograd.save(model.state_dict(), tmp_path / 'model.pt')
    state = autograd.load(tmp_path / 'model.pt')
    assert type(state) is type(model.state_dict()) and list(state) == list(model.state_dict())
    fresh = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    fresh.load_state_dict(state)
    x = autograd.randn(5, 4)
    np.testing.assert_array_equal(fresh(x).detach().numpy(), model(x).detach().numpy())


def test_parameters_round_trip_as_parameters():
    from nn.parameter import Parameter
    p = Parameter(autograd.randn(2, 2))
    out = our_round_trip({'p': p})['p']
    assert type(out) is Parameter and out.requires_grad
    np.testing.assert_array_equal(out.detach().numpy(), p.detach().numpy())


def test_garbage_and_truncated_files_raise_clear_errors(tmp_path):
    for lib in (torch, autograd):   # torch's classes and texts
        with pytest.raises(pickle.UnpicklingError, match="(?s)Weights only load failed.*Unsupported operand 103"):
            lib.load(io.BytesIO(b'garbage' * 10))
        with pytest.raises(EOFError):
            lib.load(io.BytesIO(b''))
    buf = io.BytesIO()
    autograd.save({'w': autograd.ones(100)}, buf)
    data = buf.getvalue()
    for cut in (len(data) // 2, len(data) - 5, 10):
        with pytest.raises(RuntimeError, match="corrupted or truncated"):
            autograd.load(io.BytesIO(data[:cut]))
    path = tmp_path / 'bad.pt'
    path.write_bytes(data[:len(data) // 2])
    with pytest.raises(RuntimeError, match="bad.pt"):
        autograd.load(path)


def _archive(structure, arrays=()):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, 'w') as zf:
        zf.writestr('structure.json', structure)
        for name, a in arrays:
            with zf.open(name, 'w') as fh:
                np.lib.format.write_array(fh, a, allow_pickle=True)
    buf.seek(0)
    return buf


@pytest.mark.parametrize('structure,arrays,match', [
    ('{"format": "autograd.save", "version": 1, "object": {"$": "tensor", "id": 0, "requires_grad": false}}',
     [('arrays/0.npy', np.array([object()], dtype=object))], "unreadable"),
    ('{"format": "autograd.save", "version": 1, "object": {"$": "tensor", "id": 0, "requires_grad": false}}',
     [('arrays/0.npy', np.array(['text']))], "no tensor can hold"),
    ('{"format": "autograd.save", "version": 1, "object": {"$": "tensor", "id": 3, "requires_grad": false}}',
     [], "arrays/3.npy is missing"),
    ('{"format": "autograd.save", "version": 1, "object": {"$": "os.system", "args": ["touch x"]}}',
     [], "unknown tag 'os.system'"),
    ('{"format": "autograd.save", "version": 1, "object": {"$": "dtype", "name": "Tensor"}}', [], "unknown dtype"),
    ('{"format": "autograd.save", "version": 1, "object": [1, 2]}', [], "unexpected list"),
    ('{"format": "autograd.save", "version": 9, "object": 1}', [], "format version 9"),
    ('not json', [], "corrupt structure.json"),
])
def test_crafted_archives_are_rejected(structure, arrays, match):
    with pytest.raises(RuntimeError, match=match):
        autograd.load(_archive(structure, arrays))


def test_map_location_moves_tensors(device):
    buf = io.BytesIO()
    autograd.save({'w': autograd.ones(2, device=device)}, buf)
    for loc in ('cpu', autograd.device('cpu'), {device + (':0' if device == 'cuda' else ''): 'cpu'},
                lambda storage, location: storage):
        buf.seek(0)
        assert autograd.load(buf, map_location=loc)['w'].device.type == 'cpu'
    buf.seek(0)
    assert autograd.load(buf, map_location=device)['w'].device.type == device


def test_cuda_checkpoint_on_cpu_only_machine_says_to_use_map_location(monkeypatch):
    buf = io.BytesIO()
    autograd.save({'w': autograd.ones(2)}, buf)
    monkeypatch.setattr(serialization.backend, 'cuda_available', lambda: False)
    buf.seek(0)
    with pytest.raises(RuntimeError, match="map_location='cpu'"):
        autograd.load(buf, map_location='cuda')


def test_reads_files_of_the_previous_zip_json_format():
    """Checkpoints written by earlier versions of autograd.save (structure.json + arrays/<i>.npy) still load."""
    structure = ('{"format": "autograd.save", "version": 1, "object": {"$": "OrderedDict", "items": ['
                 '["w", {"$": "tensor", "id": 0, "requires_grad": true, "device": "cpu", "parameter": true}], '
                 '["again", {"$": "tensor", "id": 0, "requires_grad": true, "device": "cpu", "parameter": true}], '
                 '["step", {"$": "tensor", "id": 1, "requires_grad": false, "device": "cpu"}], '
                 '[7, {"$": "tuple", "items": [0.5, {"$": "float", "value": "nan"}, "s", null]}]]}}')
    out = autograd.load(_archive(structure, [('arrays/0.npy', np.arange(6, dtype=np.float32).reshape(2, 3)),
                                             ('arrays/1.npy', np.array(3.0))]))
    from nn.parameter import Parameter
    assert type(out) is collections.OrderedDict and list(out) == ['w', 'again', 'step', 7]
    assert type(out['w']) is Parameter and out['w'] is out['again'] and out['w'].requires_grad
    assert out['w'].tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and out['step'].item() == 3.0
    assert out[7][0] == 0.5 and out[7][1] != out[7][1] and out[7][2:] == ('s', None)
    pickled = io.BytesIO()
    with zipfile.ZipFile(pickled, 'w') as zf:   # the old format's pickle fallback: only with weights_only=False
        zf.writestr('structure.json', '{"format": "autograd.save", "version": 1, "pickle": "data.pkl", '
                                      '"pickled_type": "builtins.list"}')
        zf.writestr('data.pkl', pickle.dumps([1, 2]))
    with pytest.raises(pickle.UnpicklingError, match="holds a pickled builtins.list"):
        autograd.load(io.BytesIO(pickled.getvalue()))
    assert autograd.load(io.BytesIO(pickled.getvalue()), weights_only=False) == [1, 2]
