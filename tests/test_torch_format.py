"""Checkpoints move between torch and this library: torch.load(weights_only=True) reads what autograd.save
writes and autograd.load reads what torch.save writes, values bit for bit (a file holds bytes: both sides
read the very same bytes, so equality is exact), sharing kept, nothing in a hostile file run."""
import collections
import io
import os
import pathlib
import pickle
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
import autograd.nn as nn
from autograd.examples.models import build


def via_torch(obj, **save_args):
    """torch.save(obj) -> autograd.load."""
    buf = io.BytesIO()
    torch.save(obj, buf, **save_args)
    buf.seek(0)
    return autograd.load(buf)


def via_ours(obj):
    """autograd.save(obj) -> torch.load(weights_only=True)."""
    buf = io.BytesIO()
    autograd.save(obj, buf)
    buf.seek(0)
    return torch.load(buf, weights_only=True)


def same(ours, theirs):
    """Equal structure, container and key types, dtypes, shapes, values (exact) and requires_grad."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, autograd.Tensor), type(ours)
        assert type(ours).__name__ == type(theirs).__name__
        name = str(theirs.dtype).split('.')[-1]
        assert str(ours.dtype).split('.')[-1] == ('float32' if name == 'bfloat16' else name)
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.requires_grad == theirs.requires_grad
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().float().numpy()
                                      if name == 'bfloat16' else theirs.detach().numpy())
    elif isinstance(theirs, dict):
        assert type(ours).__name__ == type(theirs).__name__
        assert [(type(k), k) for k in ours] == [(type(k), k) for k in theirs]
        for k in theirs:
            same(ours[k], theirs[k])
    elif isinstance(theirs, (list, tuple)):
        assert type(ours).__name__ == type(theirs).__name__ and len(ours) == len(theirs)
        for a, b in zip(ours, theirs):
            same(a, b)
    elif isinstance(theirs, float) and theirs != theirs:
        assert ours != ours
    elif isinstance(theirs, (torch.dtype, torch.device)):
        assert str(ours).split('.')[-1] == str(theirs).split('.')[-1]
    else:
        assert type(ours) is type(theirs) and ours == theirs, (ours, theirs)


def mnist_net(nn):
    """pytorch/examples' MNIST Net, as a Sequential."""
    return nn.Sequential(nn.Conv2d(1, 32, 3, 1), nn.ReLU(), nn.Conv2d(32, 64, 3, 1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Dropout(0.25), nn.Flatten(), nn.Linear(9216, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, 10), nn.LogSoftmax(dim=1))


def resnet(nn):
    """A small ResNet stem and one basic block's layers (conv-bn-relu, downsampling shortcut)."""
    return nn.Sequential(nn.Conv2d(3, 8, 7, 2, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
                         nn.Conv2d(8, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         nn.Conv2d(16, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16),
                         nn.Sequential(nn.Conv2d(8, 16, 1, 2, bias=False), nn.BatchNorm2d(16)),
                         nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(16, 10))


LAYERS = {
    'linear': lambda nn: nn.Linear(5, 3), 'linear_nobias': lambda nn: nn.Linear(5, 3, bias=False),
    'bilinear': lambda nn: nn.Bilinear(2, 3, 4), 'conv1d': lambda nn: nn.Conv1d(2, 4, 3),
    'conv2d': lambda nn: nn.Conv2d(3, 4, (3, 2), groups=1), 'conv_t2d': lambda nn: nn.ConvTranspose2d(4, 2, 3),
    'bn1d': lambda nn: nn.BatchNorm1d(3), 'bn2d': lambda nn: nn.BatchNorm2d(4, affine=False),
    'layernorm': lambda nn: nn.LayerNorm((2, 3)), 'groupnorm': lambda nn: nn.GroupNorm(2, 4),
    'embedding': lambda nn: nn.Embedding(7, 3), 'prelu_free': lambda nn: nn.Sequential(nn.ReLU(), nn.Tanh()),
    'mlp': lambda nn: build('mlp', nn), 'lenet': lambda nn: build('lenet', nn),
    'seed_cnn': lambda nn: build('seed_cnn', nn), 'mnist_net': mnist_net, 'resnet': resnet,
    'seed_lenet': lambda nn: _seed('seed_lenet', nn), 'seed_logistic': lambda nn: _seed('seed_logistic', nn),
    'seed_resnet34': lambda nn: _seed('seed_resnet34', nn),
}


def _seed(name, nn_):
    """A model class of the seed tutorials (tests/test_nn_module.py), in torch or in this library."""
    import test_nn_module
    return getattr(test_nn_module, name)(torch if nn_ is torch.nn else autograd)


def trained_bn(model, lib):
    """Move BatchNorm running stats and num_batches_tracked off their initial values."""
    for m in model.modules():
        if type(m).__name__.startswith('BatchNorm'):
            m.running_mean.copy_(lib.arange(m.num_features) * 0.5)
            m.num_batches_tracked.fill_(7)
    return model


@pytest.mark.parametrize('name', sorted(LAYERS))
def test_state_dicts_of_every_layer_both_ways(name):
    torch.manual_seed(0)
    theirs = trained_bn(LAYERS[name](torch.nn), torch)
    ours = LAYERS[name](nn)
    # torch -> ours: the loaded state dict equals torch's and loads into our model
    loaded = via_torch(theirs.state_dict())
    same(loaded, theirs.state_dict())
    ours.load_state_dict(loaded)
    # ours -> torch: torch (weights_only=True) reads our model's state dict and loads it
    autograd.manual_seed(1)
    ours = trained_bn(LAYERS[name](nn), autograd)
    back = via_ours(ours.state_dict())
    assert list(back) == list(ours.state_dict())
    for k, v in ours.state_dict().items():
        assert str(back[k].dtype).split('.')[-1] == str(v.dtype).split('.')[-1]
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    theirs.load_state_dict(back)


def test_adam_state_dict_with_step_counts_both_ways():
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-2, betas=(0.8, 0.9))
    for _ in range(3):
        opt.zero_grad()
        model(torch.randn(4, 3)).pow(2).sum().backward()
        opt.step()
    theirs = opt.state_dict()
    ours_state = via_torch(theirs)
    same(ours_state, theirs)
    # it continues training in our Adam exactly where torch's stopped, and goes back to torch intact
    ours_model = nn.Linear(3, 2)
    ours_model.load_state_dict(via_torch(model.state_dict()))
    ours_opt = autograd.optim.Adam(ours_model.parameters(), lr=1e-2, betas=(0.8, 0.9))
    ours_opt.load_state_dict(ours_state)
    x = np.random.default_rng(0).standard_normal((4, 3)).astype(np.float32)
    for lib, m, o in ((torch, model, opt), (autograd, ours_model, ours_opt)):
        o.zero_grad()
        m(lib.tensor(x)).pow(2).sum().backward()
        o.step()
    from tolerance import assert_close
    assert_close(ours_model.weight.detach().numpy(), model.weight.detach().numpy(), 'float32')
    back = via_ours(ours_opt.state_dict())
    assert list(back['state']) == [0, 1] and float(back['state'][0]['step']) == 4.0
    opt.load_state_dict(back)


def test_views_and_shared_storages_stay_shared_both_ways():
    x = torch.arange(12.)
    obj = {'x': x, 'strided': x[1:9:3], 'matrix_t': x.view(3, 4).t(), 'again': x}
    ours = via_torch(obj)
    same(ours, obj)
    assert ours['again'] is ours['x']
    ours['x'][4] = 100.0                       # one storage: the views see the write
    assert ours['strided'].tolist()[1] == 100.0 and ours['matrix_t'].tolist()[0][1] == 100.0
    y = autograd.arange(12.)
    mine = {'y': y, 'strided': y[1:9:3], 'matrix_t': y.view(3, 4).t(), 'row': y.view(3, 4)[2]}
    theirs = via_ours(mine)
    ptr = theirs['y'].untyped_storage().data_ptr()
    assert all(theirs[k].untyped_storage().data_ptr() == ptr for k in mine)
    assert theirs['strided'].storage_offset() == 1 and theirs['strided'].stride() == (3,)
    assert theirs['matrix_t'].stride() == (1, 4) and theirs['row'].storage_offset() == 8
    for k in mine:
        np.testing.assert_array_equal(theirs[k].numpy(), mine[k].numpy())


@pytest.mark.parametrize('dtype', ['float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8',
                                   'bool', 'complex64', 'complex128'])
def test_dtypes_empty_and_zero_d_tensors_both_ways(dtype):
    tdt = getattr(torch, dtype)
    obj = [torch.ones(2, 3, dtype=tdt), torch.zeros(0, 3, dtype=tdt), torch.tensor(1, dtype=tdt),
           torch.ones(2, 0, dtype=tdt).t()]
    same(via_torch(obj), obj)
    mine = [autograd.ones(2, 3, dtype=getattr(autograd, dtype)), autograd.zeros(0, 3, dtype=getattr(autograd, dtype)),
            autograd.tensor(1, dtype=getattr(autograd, dtype))]
    same(mine, via_ours(mine))


def test_bfloat16_loads_as_float32_and_says_so():
    t = torch.tensor([1.5, -2.25, 3e38, float('inf')], dtype=torch.bfloat16)
    with pytest.warns(UserWarning, match="bfloat16 .*loaded as float32"):
        ours = via_torch({'w': t, 'view': t[1:3]})
    assert ours['w'].dtype == autograd.float32
    np.testing.assert_array_equal(ours['w'].numpy(), t.float().numpy())
    np.testing.assert_array_equal(ours['view'].numpy(), t[1:3].float().numpy())


def test_checkpoint_of_nested_containers_and_scalars_both_ways():
    leaf = torch.randn(2, 2, requires_grad=True)
    obj = {'epoch': 3, 'loss': 0.25, 'nan': float('nan'), 'inf': float('-inf'), 'name': 'run', 'big': 2 ** 70,
           'neg': -70000, 'flags': [True, False, None], 'pair': (1, 2.5, 'x', (4,)), 7: 'int key', 2.5: 'f',
           (1, 'a'): 'tuple key', None: 'none key', 'leaf': leaf, 'param': torch.nn.Parameter(torch.ones(2)),
           'frozen': torch.nn.Parameter(torch.ones(1), requires_grad=False), 'od': collections.OrderedDict(a=1),
           'size': torch.Size([2, 3]), 'dtype': torch.float16, 'device': torch.device('cpu'), 'bytes': b'\x00\xff'}
    ours = via_torch(obj)
    same(ours, obj)
    back = via_ours(ours)
    same(ours, back)
    assert type(back['param']) is torch.nn.Parameter and back['frozen'].requires_grad is False


@settings(max_examples=25, deadline=None)
@given(shape=st.lists(st.integers(0, 4), max_size=4), dtype=st.sampled_from(['float32', 'float64', 'int64', 'bool']),
       transpose=st.booleans(), step=st.integers(1, 2), requires_grad=st.booleans())
def test_tensor_property_both_ways(shape, dtype, transpose, step, requires_grad):
    a = np.asarray(np.random.default_rng(0).standard_normal(shape) * 10).astype(dtype)
    t = torch.from_numpy(a)
    if transpose and t.ndim:
        t = t.t() if t.ndim == 2 else t.permute(*reversed(range(t.ndim)))
    if t.ndim:
        t = t[::step]
    t.requires_grad_(requires_grad and dtype.startswith('float'))
    ours = via_torch(t)
    same(ours, t)
    same(ours, via_ours(ours))


def test_mmap_and_map_location(tmp_path):
    path = tmp_path / 'ckpt.pt'
    torch.save({'w': torch.arange(6.).view(2, 3), 'b': torch.ones(70, dtype=torch.float64)}, path)
    mapped = autograd.load(path, mmap=True)
    base = mapped['w'].numpy()
    while base.base is not None and not isinstance(base, np.memmap):
        base = base.base
    assert isinstance(base, np.memmap)
    np.testing.assert_array_equal(mapped['w'].numpy(), np.arange(6.).reshape(2, 3))
    mapped['w'][0, 0] = 5.0                                 # copy-on-write: the file is unchanged
    assert torch.load(path)['w'][0, 0].item() == 0.0
    for loc in ('cpu', autograd.device('cpu'), {'cpu': 'cpu'}, lambda t, where: t):
        assert autograd.load(path, map_location=loc)['b'].device.type == 'cpu'
    with pytest.raises(ValueError, match="must be a file path"):
        autograd.load(io.BytesIO(path.read_bytes()), mmap=True)
    with open(path, 'rb') as fh:   # what torch itself writes: 64-byte aligned storages, like ours
        assert autograd.load(fh)['b'].tolist() == [1.0] * 70
    ours = tmp_path / 'ours.pt'
    autograd.save({'b': autograd.ones(70, dtype=autograd.float64)}, ours)
    assert torch.load(ours, mmap=True)['b'].sum().item() == 70.0


def test_file_layout_is_torchs(tmp_path):
    import zipfile
    autograd.save({'w': autograd.ones(3)}, tmp_path / 'model.pt')
    torch.save({'w': torch.ones(3)}, tmp_path / 'theirs.pt')
    with zipfile.ZipFile(tmp_path / 'model.pt') as ours, zipfile.ZipFile(tmp_path / 'theirs.pt') as theirs:
        names = [n.replace('model/', '') for n in ours.namelist()]
        assert names == [n.replace('theirs/', '') for n in theirs.namelist() if 'serialization_id' not in n]
        for n in ('byteorder', 'version', '.format_version', '.storage_alignment', 'data/0'):
            assert ours.read('model/' + n) == theirs.read('theirs/' + n)
        assert all(i.compress_type == zipfile.ZIP_STORED for i in ours.infolist())
        raw = (tmp_path / 'model.pt').read_bytes()
        info = ours.getinfo('model/data/0')
        name_len, extra_len = np.frombuffer(raw[info.header_offset + 26:info.header_offset + 30], '<u2')
        assert (info.header_offset + 30 + name_len + extra_len) % 64 == 0   # .storage_alignment holds


def test_save_to_an_unseekable_stream_loads_in_torch():
    class Pipe(io.RawIOBase):
        def __init__(self):
            self.data = bytearray()

        def writable(self):
            return True

        def write(self, b):
            self.data += b
            return len(b)
    pipe = Pipe()
    autograd.save({'w': autograd.arange(5.)}, pipe)
    assert torch.load(io.BytesIO(bytes(pipe.data)))['w'].tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]


def test_legacy_format_of_old_torch():
    x = torch.arange(6.)
    obj = {'x': x, 'v': x[2:5], 'h': torch.ones(2, dtype=torch.float16), 'n': 3}
    ours = via_torch(obj, _use_new_zipfile_serialization=False)
    same(ours, obj)
    ours['x'][3] = 9.0
    assert ours['v'].tolist() == [2.0, 9.0, 4.0]


class Point:
    def __init__(self, x, y):
        self.x, self.y = x, y


class Payload:
    path = None

    def __reduce__(self):
        return (pathlib.Path.touch, (pathlib.Path(self.path),))


def test_safe_globals_allow_user_classes_like_torch(tmp_path):
    path = tmp_path / 'p.pt'
    torch.save({'pt': Point(1, torch.ones(2))}, path)
    for lib in (torch, autograd):
        with pytest.raises(pickle.UnpicklingError, match="GLOBAL .*Point was not an allowed global"):
            lib.load(path)
    with autograd.serialization.safe_globals([Point]):
        pt = autograd.load(path)['pt']
    assert type(pt) is Point and pt.x == 1 and pt.y.tolist() == [1.0, 1.0]
    with pytest.raises(pickle.UnpicklingError):
        autograd.load(path)   # the context manager removed it again
    autograd.serialization.add_safe_globals([Point])
    try:
        assert Point in autograd.serialization.get_safe_globals()
        assert autograd.load(path)['pt'].x == 1
    finally:
        autograd.serialization.clear_safe_globals()
    with pytest.raises(pickle.UnpicklingError, match="os.system whose module os is blocked"):
        with autograd.serialization.safe_globals([os.system]):
            autograd.load(io.BytesIO(b'\x80\x02cos\nsystem\n.'))


@pytest.mark.parametrize('opcodes', [
    b'\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1s\x85R.',             # GLOBAL eval + REDUCE
    b'\x80\x02ccollections\nOrderedDict\n)R}X\x01\x00\x00\x00ak\x01sb.',  # BUILD with odd state is only data
    b'\x80\x02X\x01\x00\x00\x00a\x85X\x01\x00\x00\x00b\x86Q.',            # persistent id that is not a storage
    b'\x80\x02]X\x01\x00\x00\x00a\x8a\x01\x01s.',                          # SETITEM on a list
])
def test_crafted_pickles_are_refused_like_torch(opcodes):
    results = []
    for lib in (torch, autograd):
        try:
            results.append(('ok', repr(lib.load(io.BytesIO(opcodes)))))
        except Exception as exc:
            results.append((type(exc).__name__, None))
    assert results[0][0] == results[1][0]


def test_hostile_file_never_runs_in_any_container(tmp_path):
    Payload.path = str(tmp_path / 'pwned')
    for obj in ({'evil': Payload()}, [torch.ones(1), Payload()], (Payload(),)):
        for legacy in (False, True):
            buf = io.BytesIO()
            torch.save(obj, buf, _use_new_zipfile_serialization=not legacy)
            with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
                autograd.load(io.BytesIO(buf.getvalue()))
    assert not os.path.exists(Payload.path)


def test_truncated_torch_files_raise_clear_errors(tmp_path):
    buf = io.BytesIO()
    torch.save({'w': torch.ones(50)}, buf)
    data = buf.getvalue()
    for cut in (10, len(data) // 2, len(data) - 30):
        with pytest.raises(RuntimeError, match="corrupted or truncated"):
            autograd.load(io.BytesIO(data[:cut]))
    buf = io.BytesIO()
    torch.save({'w': torch.ones(50)}, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    for cut in (len(data) - 30, len(data) - 200):
        with pytest.raises((RuntimeError, EOFError), match="truncated"):
            autograd.load(io.BytesIO(data[:cut]))


def test_whole_module_needs_weights_only_false():
    model = nn.Linear(2, 2)
    buf = io.BytesIO()
    autograd.save(model, buf)
    with pytest.raises(pickle.UnpicklingError, match="Weights only load failed"):
        autograd.load(io.BytesIO(buf.getvalue()))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        loaded = autograd.load(io.BytesIO(buf.getvalue()), weights_only=False)
    np.testing.assert_array_equal(loaded.weight.detach().numpy(), model.weight.detach().numpy())


def test_tar_format_of_torch_before_0_4_is_refused_clearly():
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w') as tar:
        info = tarfile.TarInfo('sys_info')
        info.size = 3
        tar.addfile(info, io.BytesIO(b'abc'))
    with pytest.raises(RuntimeError, match="tar format"):
        autograd.load(io.BytesIO(buf.getvalue()))
