"""autograd.utils.safetensors against safetensors.torch: files move both ways with the same bytes, metadata,
shared-tensor rules and errors."""
import numpy as np
import pytest
import torch

import autograd
import autograd.nn as nn

pytest.importorskip('safetensors', reason="the safetensors extra is not installed")
import safetensors.torch as st   # noqa: E402

from autograd.utils import safetensors as ast   # noqa: E402

DTYPES = ['float16', 'float32', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'bool']


def test_round_trip_both_ways_with_metadata(tmp_path):
    rng = np.random.default_rng(0)
    arrays = {f'w_{d}': (rng.standard_normal((3, 2)) * 5).astype(d) for d in DTYPES}
    arrays['scalar'] = np.asarray(np.float32(2.5))
    arrays['empty'] = np.zeros((0, 4), np.float32)
    ours = {k: autograd.tensor(v) for k, v in arrays.items()}
    ast.save_file(ours, tmp_path / 'ours.safetensors', metadata={'format': 'pt', 'epoch': '3'})
    theirs = st.load_file(tmp_path / 'ours.safetensors')
    assert set(theirs) == set(arrays)
    for k, v in arrays.items():
        assert str(theirs[k].dtype).split('.')[-1] == str(v.dtype) and tuple(theirs[k].shape) == v.shape
        np.testing.assert_array_equal(theirs[k].numpy(), v)
    assert ast.load_metadata(tmp_path / 'ours.safetensors') == {'format': 'pt', 'epoch': '3'}
    st.save_file({k: torch.from_numpy(v) for k, v in arrays.items()}, tmp_path / 'theirs.safetensors',
                 metadata={'a': 'b'})
    back = ast.load_file(tmp_path / 'theirs.safetensors')
    for k, v in arrays.items():
        assert str(back[k].dtype).split('.')[-1] == str(v.dtype) and back[k].shape == v.shape
        np.testing.assert_array_equal(back[k].numpy(), v)
    back['w_float32'][0, 0] = 1.0   # writable, owned memory
    in_memory = st.load(ast.save(ours, {'format': 'pt'}))
    assert all(np.array_equal(in_memory[k].numpy(), v) for k, v in arrays.items())
    assert ast.load(st.save({'x': torch.ones(2)}))['x'].tolist() == [1.0, 1.0]


def test_bfloat16_loads_as_float32_with_a_warning(tmp_path):
    t = torch.tensor([1.5, -3.0, 1e30], dtype=torch.bfloat16)
    st.save_file({'t': t}, tmp_path / 'bf.safetensors')
    with pytest.warns(UserWarning, match="bfloat16.*float32"):
        out = ast.load_file(tmp_path / 'bf.safetensors')
    assert out['t'].dtype == autograd.float32
    np.testing.assert_array_equal(out['t'].numpy(), t.float().numpy())


def test_shared_tensors_refused_by_save_file_like_safetensors(tmp_path):
    base = autograd.zeros(4, 3)
    with pytest.raises(RuntimeError, match="Some tensors share memory"):
        ast.save_file({'a': base, 'b': base}, tmp_path / 'x.safetensors')
    with pytest.raises(RuntimeError, match="Some tensors share memory"):
        ast.save_file({'a': base, 'row': base[1]}, tmp_path / 'x.safetensors')
    with pytest.raises(ValueError, match="non contiguous tensor: `t`"):
        ast.save_file({'t': base.t()}, tmp_path / 'x.safetensors')
    with pytest.raises(ValueError, match="expected torch.Tensor"):
        ast.save_file({'t': np.zeros(2)}, tmp_path / 'x.safetensors')
    ast.save_file({'a': base[:2], 'b': base[2:]}, tmp_path / 'x.safetensors')   # disjoint halves are fine


def tied(nn):
    class Tied(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(5, 3)
            self.head = nn.Linear(3, 5, bias=False)
            self.head.weight = self.embed.weight   # weight tying, as language models do
    return Tied()


def test_save_model_and_load_model_with_tied_weights_both_ways(tmp_path):
    autograd.manual_seed(0)
    ours = tied(nn)
    ast.save_model(ours, tmp_path / 'ours.safetensors')
    theirs = tied(torch.nn)
    missing, unexpected = st.load_model(theirs, tmp_path / 'ours.safetensors')
    assert (sorted(missing), unexpected) == ([], [])
    np.testing.assert_array_equal(theirs.head.weight.detach().numpy(), ours.embed.weight.detach().numpy())
    assert theirs.head.weight is theirs.embed.weight
    with st.safe_open(tmp_path / 'ours.safetensors', framework='pt') as f:
        assert list(f.keys()) == ['embed.weight'] and f.metadata() == {'head.weight': 'embed.weight'}
    torch.manual_seed(1)
    theirs = tied(torch.nn)
    st.save_model(theirs, tmp_path / 'theirs.safetensors')
    fresh = tied(nn)
    assert ast.load_model(fresh, tmp_path / 'theirs.safetensors') == (set(), [])
    np.testing.assert_array_equal(fresh.head.weight.detach().numpy(), theirs.embed.weight.detach().numpy())
    assert fresh.head.weight is fresh.embed.weight
    with pytest.raises(RuntimeError, match="Missing key.*\"weight\""):
        ast.load_model(nn.Linear(3, 5, bias=False), tmp_path / 'theirs.safetensors')


def test_device_placement(tmp_path, device):
    ast.save_file({'w': autograd.ones(3)}, tmp_path / 'w.safetensors')
    out = ast.load_file(tmp_path / 'w.safetensors', device=device)
    assert out['w'].device.type == device and out['w'].tolist() == [1.0, 1.0, 1.0]
    model = nn.Linear(3, 1)
    ast.save_model(model, tmp_path / 'm.safetensors')
    ast.load_model(model, tmp_path / 'm.safetensors', device='cpu')
