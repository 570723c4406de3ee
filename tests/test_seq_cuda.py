"""The sequence models on device='cuda' without a GPU (the NumPy-backed fake CuPy of fake_cuda.py): every result
and gradient stays on the device and equals the CPU's; a stray host array in their code fails here as on CuPy."""
import copy

import numpy as np
import pytest

import autograd
from autograd import nn
from fake_cuda import FakeDeviceArray, fake_cuda  # noqa: F401  (fixture)
from tests.tolerance import assert_close


def _run(device, model, make_inputs, forward):
    model = copy.deepcopy(model).to(device)
    inputs = make_inputs(device)
    out = forward(model, *inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    sum((o.sin().sum() for o in outs if o is not None), autograd.tensor(0.0, device=device)).backward()
    return [o for o in outs if o is not None], [p.grad for p in model.parameters()]


def _packed_lstm(model, x):
    packed = nn.utils.rnn.pack_padded_sequence(x, [4, 2, 3], enforce_sorted=False)
    out, (h, c) = model(packed)
    return nn.utils.rnn.pad_packed_sequence(out)[0], h, c


def _bag(model, idx, offsets):
    return model(idx, offsets)


CASES = {
    'LSTM packed, bidirectional, proj': (
        lambda: nn.LSTM(3, 4, 2, bidirectional=True, proj_size=2),
        lambda d: (autograd.tensor(np.random.default_rng(0).standard_normal((4, 3, 3)), dtype=autograd.float32,
                                   device=d),), _packed_lstm),
    'GRU batch_first': (
        lambda: nn.GRU(3, 4, batch_first=True),
        lambda d: (autograd.randn(2, 5, 3, generator=autograd.Generator().manual_seed(0)).to(d),),
        lambda m, x: m(x)),
    'LSTMCell': (
        lambda: nn.LSTMCell(3, 4),
        lambda d: (autograd.randn(2, 3, generator=autograd.Generator().manual_seed(0)).to(d),),
        lambda m, x: m(x)),
    'Transformer with masks': (
        lambda: nn.Transformer(8, 2, 1, 1, 16, dropout=0.0),
        lambda d: (autograd.randn(5, 2, 8, generator=autograd.Generator().manual_seed(0)).to(d),
                   autograd.randn(4, 2, 8, generator=autograd.Generator().manual_seed(1)).to(d),
                   nn.Transformer.generate_square_subsequent_mask(4, device=d),
                   autograd.tensor([[False] * 4 + [True], [False] * 5], device=d)),
        lambda m, s, t, mask, kpm: m(s, t, tgt_mask=mask, src_key_padding_mask=kpm)),
    'MultiheadAttention weights': (
        lambda: nn.MultiheadAttention(8, 2, add_bias_kv=True, kdim=3, vdim=3),
        lambda d: (autograd.randn(4, 2, 8, generator=autograd.Generator().manual_seed(0)).to(d),
                   autograd.randn(5, 2, 3, generator=autograd.Generator().manual_seed(1)).to(d)),
        lambda m, q, kv: m(q, kv, kv)),
    'EmbeddingBag mean': (
        lambda: nn.EmbeddingBag(6, 3, padding_idx=1),
        lambda d: (autograd.tensor([0, 1, 2, 5, 1, 3], device=d), autograd.tensor([0, 2, 2, 4], device=d)),
        _bag),
}


@pytest.mark.parametrize('case', sorted(CASES))
def test_sequence_models_run_on_the_device_as_on_the_cpu(fake_cuda, case):
    make_model, make_inputs, forward = CASES[case]
    autograd.manual_seed(0)
    model = make_model()
    cpu_outs, cpu_grads = _run('cpu', model, make_inputs, forward)
    dev_outs, dev_grads = _run('cuda', model, make_inputs, forward)
    for a, b in zip(dev_outs + dev_grads, cpu_outs + cpu_grads):
        assert isinstance(a.array, FakeDeviceArray), f"{case}: a result left the device"
        assert_close(autograd.backend.to_host(a.array), b.detach().numpy(), "float32", what=case)
