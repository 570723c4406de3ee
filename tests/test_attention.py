"""F.scaled_dot_product_attention, nn.MultiheadAttention, the Transformer layers and stacks, nn.EmbeddingBag and
the torch.nn.modules.<x> import paths, against torch with its weights copied in (forward values, gradients of
inputs and of every parameter, float64 and float32, hypothesis over sizes, options and masks)."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
from tests.test_rnn import DTYPES, both, compare_grads, one_torch_thread, pair  # noqa: F401 (fixture)
from tests.tolerance import assert_close
from tests.torch_oracle import host

SCALE = {'float64': 10.0, 'float32': 10.0}


@settings(max_examples=40, deadline=None)
@given(heads=st.integers(1, 3), gqa=st.integers(1, 2), L=st.integers(1, 5), S=st.integers(1, 5), E=st.integers(1, 4),
       mask=st.sampled_from(['none', 'bool', 'float', 'causal']), scale=st.sampled_from([None, 0.3]),
       dtype=st.sampled_from(sorted(DTYPES)), seed=st.integers(0, 999))
def test_scaled_dot_product_attention_matches_torch(heads, gqa, L, S, E, mask, scale, dtype, seed):
    rng = np.random.default_rng(seed)
    q = both(rng.standard_normal((2, heads * gqa, L, E)).astype(dtype))
    k = both(rng.standard_normal((2, heads, S, E)).astype(dtype))
    v = both(rng.standard_normal((2, heads, S, 3)).astype(dtype))
    attn_mask = [None, None]
    if mask == 'bool':
        m = rng.random((L, S)) < 0.6   # fully masked rows included: torch gives them zeros (safe softmax)
        attn_mask = [autograd.tensor(m), torch.tensor(m)]
    elif mask == 'float':
        attn_mask = list(both(rng.standard_normal((1, L, S)).astype(dtype), False))
    outs = []
    for i, lib in enumerate((autograd, torch)):
        out = lib.nn.functional.scaled_dot_product_attention(
            q[i], k[i], v[i], attn_mask=attn_mask[i], is_causal=mask == 'causal', scale=scale,
            enable_gqa=gqa > 1)
        (out * out).sum().backward()
        outs.append(out)
    assert_close(host(outs[0]), host(outs[1]), dtype, SCALE[dtype], what='attention output')
    for name, t in (('query', q), ('key', k), ('value', v)):
        assert_close(host(t[0].grad), host(t[1].grad), dtype, SCALE[dtype], what=f'grad of {name}')


@st.composite
def mha_cases(draw):
    return dict(embed=draw(st.sampled_from([4, 6])), heads=draw(st.sampled_from([1, 2])),
                kdim=draw(st.sampled_from([None, 3])), bias=draw(st.booleans()), bias_kv=draw(st.booleans()),
                zero_attn=draw(st.booleans()), batch_first=draw(st.booleans()), batched=draw(st.booleans()),
                self_attn=draw(st.booleans()), kpm=draw(st.sampled_from([None, 'bool', 'float'])),
                mask=draw(st.sampled_from([None, 'bool', 'float', '3d'])), need_weights=draw(st.booleans()),
                average=draw(st.booleans()), L=draw(st.integers(1, 4)), S=draw(st.integers(1, 4)),
                dtype=draw(st.sampled_from(sorted(DTYPES))), seed=draw(st.integers(0, 999)))


@settings(max_examples=35, deadline=None)
@given(mha_cases())
def test_multihead_attention_matches_torch(c):
    rng = np.random.default_rng(c['seed'])
    torch.manual_seed(c['seed'])
    kdim = None if c['self_attn'] else c['kdim']
    ours, theirs = pair('MultiheadAttention', c['embed'], c['heads'], bias=c['bias'], add_bias_kv=c['bias_kv'],
                        add_zero_attn=c['zero_attn'], kdim=kdim, vdim=kdim, batch_first=c['batch_first'],
                        dtype=c['dtype'])
    N, L, S = 2, c['L'], (c['L'] if c['self_attn'] else c['S'])

    def shape(n, e):
        if not c['batched']:
            return (n, e)
        return (N, n, e) if c['batch_first'] else (n, N, e)
    q = both(rng.standard_normal(shape(L, c['embed'])).astype(c['dtype']))
    kv_dim = c['embed'] if kdim is None else kdim
    k = q if c['self_attn'] else both(rng.standard_normal(shape(S, kv_dim)).astype(c['dtype']))
    v = q if c['self_attn'] else both(rng.standard_normal(shape(S, kv_dim)).astype(c['dtype']))
    kpm = [None, None]
    if c['kpm'] == 'bool':
        m = rng.random((N, S) if c['batched'] else (S,)) < 0.3
        m[..., 0] = False   # every query keeps one key
        kpm = [autograd.tensor(m), torch.tensor(m)]
    elif c['kpm'] == 'float':
        kpm = list(both(rng.standard_normal((N, S) if c['batched'] else (S,)).astype(c['dtype']), False))
    mask = [None, None]
    if c['mask'] == 'bool':
        m = rng.random((L, S)) < 0.3
        m[:, 0] = False
        mask = [autograd.tensor(m), torch.tensor(m)]
    elif c['mask'] == 'float':
        mask = list(both(rng.standard_normal((L, S)).astype(c['dtype']), False))
    elif c['mask'] == '3d':
        mask = list(both(rng.standard_normal(((N if c['batched'] else 1) * c['heads'], L, S)).astype(c['dtype']),
                         False))
    results = []
    for i, module in enumerate((ours, theirs)):
        out, w = module(q[i], k[i], v[i], key_padding_mask=kpm[i], need_weights=c['need_weights'],
                        attn_mask=mask[i], average_attn_weights=c['average'])
        loss = (out * out).sum() + (0 if w is None else (w * w).sum())
        loss.backward()
        results.append((out, w))
    dtype, scale = c['dtype'], SCALE[c['dtype']]
    assert_close(host(results[0][0]), host(results[1][0]), dtype, scale, what='attention output')
    assert (results[0][1] is None) == (results[1][1] is None)
    if results[1][1] is not None:
        assert_close(host(results[0][1]), host(results[1][1]), dtype, scale, what='attention weights')
    tensors = [q] if c['self_attn'] else [q, k, v]
    for t in tensors:
        assert_close(host(t[0].grad), host(t[1].grad), dtype, scale, what='grad of an input')
    compare_grads(ours, theirs, dtype, scale)


@settings(max_examples=8, deadline=None)
@given(kind=st.sampled_from(['encoder', 'decoder', 'transformer']), norm_first=st.booleans(),
       activation=st.sampled_from(['relu', 'gelu']), batch_first=st.booleans(), masks=st.booleans(),
       dtype=st.sampled_from(sorted(DTYPES)), seed=st.integers(0, 999))
def test_transformer_stacks_match_torch(kind, norm_first, activation, batch_first, masks, dtype, seed):
    """Training mode with dropout 0 (the graph torch trains through), then eval mode with dropout 0.1."""
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    d, heads, ff = 8, 2, 12
    layer_kw = dict(dim_feedforward=ff, dropout=0.0, activation=activation, batch_first=batch_first,
                    norm_first=norm_first)
    if kind == 'transformer':
        ours, theirs = pair('Transformer', d, heads, 2, 1, dtype=dtype, **layer_kw)
    else:
        name = 'TransformerEncoderLayer' if kind == 'encoder' else 'TransformerDecoderLayer'
        layer_t = getattr(torch.nn, name)(d, heads, **layer_kw).to(DTYPES[dtype][0])
        layer_a = getattr(autograd.nn, name)(d, heads, **layer_kw).to(DTYPES[dtype][1])
        stack = 'TransformerEncoder' if kind == 'encoder' else 'TransformerDecoder'
        theirs = getattr(torch.nn, stack)(layer_t, 2, norm=torch.nn.LayerNorm(d).to(DTYPES[dtype][0]),
                                          **({'enable_nested_tensor': False} if kind == 'encoder' else {}))
        ours = getattr(autograd.nn, stack)(layer_a, 2, norm=autograd.nn.LayerNorm(d).to(DTYPES[dtype][1]))
        ours.load_state_dict({k: autograd.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    N, S, T = 2, 5, 4
    src = both(rng.standard_normal((N, S, d) if batch_first else (S, N, d)).astype(dtype))
    tgt = both(rng.standard_normal((N, T, d) if batch_first else (T, N, d)).astype(dtype))
    kpm = rng.random((N, S)) < 0.3
    kpm[:, 0] = False
    for mode in ('train', 'eval'):
        results = []
        for i, (lib, module) in enumerate(((autograd, ours), (torch, theirs))):
            getattr(module, mode)()
            causal = lib.nn.Transformer.generate_square_subsequent_mask(T if kind != 'encoder' else S,
                                                                        dtype=DTYPES[dtype][1 - i])
            pad = lib.tensor(kpm) if masks else None
            if kind == 'encoder':
                out = module(src[i], mask=causal if masks else None)
            elif kind == 'decoder':
                out = module(tgt[i], src[i], tgt_mask=causal if masks else None, memory_key_padding_mask=pad)
            else:
                out = module(src[i], tgt[i], tgt_mask=causal if masks else None, src_key_padding_mask=pad,
                             memory_key_padding_mask=pad)
            if mode == 'train':
                (out.sin()).sum().backward()
            results.append(out)
        assert_close(host(results[0]), host(results[1]), dtype, SCALE[dtype], what=f'{kind} output ({mode})')
    assert_close(host(src[0].grad), host(src[1].grad), dtype, SCALE[dtype], what='grad of src')
    compare_grads(ours, theirs, dtype, SCALE[dtype])


def test_transformer_names_repr_mask_and_seeded_init_match_torch():
    torch.manual_seed(5)
    autograd.manual_seed(5)
    theirs = torch.nn.Transformer(8, 2, 1, 1, 16)
    ours = autograd.nn.Transformer(8, 2, 1, 1, 16)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        assert_close(host(ours.state_dict()[k]), v.numpy(), 'float32', what=k)
    m = autograd.nn.Transformer.generate_square_subsequent_mask(4)
    assert host(m).tolist() == torch.nn.Transformer.generate_square_subsequent_mask(4).numpy().tolist()
    assert repr(autograd.nn.MultiheadAttention(8, 2, kdim=3, vdim=5)) == \
        repr(torch.nn.MultiheadAttention(8, 2, kdim=3, vdim=5))


@pytest.mark.parametrize('call', [
    lambda lib: lib.nn.MultiheadAttention(8, 3),
    lambda lib: lib.nn.MultiheadAttention(8, 2)(lib.zeros(3, 1, 8), lib.zeros(3, 1, 8), lib.zeros(3, 1, 8),
                                                 is_causal=True),
    lambda lib: lib.nn.functional.scaled_dot_product_attention(lib.zeros(1, 2, 3), lib.zeros(1, 2, 3),
                                                                lib.zeros(1, 2, 3), is_causal=True,
                                                                attn_mask=lib.ones(2, 2, dtype=lib.bool)),
    lambda lib: lib.nn.TransformerEncoderLayer(8, 2, activation='tanh'),
    lambda lib: lib.nn.Transformer(8, 2, 1, 1, 16)(lib.zeros(3, 2, 8), lib.zeros(3, 1, 8)),
])
def test_attention_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(autograd)
    assert str(ours.value) == str(theirs.value)


@settings(max_examples=30, deadline=None)
@given(mode=st.sampled_from(['sum', 'mean', 'max']), two_d=st.booleans(), psw=st.booleans(),
       padding=st.sampled_from([None, 1]), last_offset=st.booleans(), seed=st.integers(0, 999))
def test_embedding_bag_matches_torch(mode, two_d, psw, padding, last_offset, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    ours, theirs = pair('EmbeddingBag', 6, 3, mode=mode, padding_idx=padding,
                        include_last_offset=last_offset and not two_d)
    if two_d:
        idx, offsets = rng.integers(0, 6, (3, 4)), None
    else:
        idx = rng.integers(0, 6, 7)
        offsets = np.array([0, 2, 2, 5] + ([7] if last_offset else []))   # one empty bag
    weights = rng.standard_normal(idx.shape) if psw and mode == 'sum' else None
    outs = []
    for lib, module in ((autograd, ours), (torch, theirs)):
        out = module(lib.tensor(idx), None if offsets is None else lib.tensor(offsets),
                     None if weights is None else lib.tensor(weights))
        (out * out).sum().backward()
        outs.append(out)
    assert_close(host(outs[0]), host(outs[1]), "float64", what="embedding_bag")
    compare_grads(ours, theirs, "float64", 1)
    assert repr(ours) == repr(theirs)


def test_torch_nn_modules_paths():
    import autograd.nn.modules.rnn
    from autograd.nn.modules.linear import Linear, NonDynamicallyQuantizableLinear
    from autograd.nn.modules.transformer import TransformerEncoderLayer
    assert autograd.nn.modules.rnn.LSTM is autograd.nn.LSTM and Linear is autograd.nn.Linear
    assert TransformerEncoderLayer is autograd.nn.TransformerEncoderLayer
    assert issubclass(NonDynamicallyQuantizableLinear, Linear)
    assert autograd.nn.modules.activation.MultiheadAttention is autograd.nn.MultiheadAttention
    assert autograd.nn.modules.sparse.EmbeddingBag is autograd.nn.EmbeddingBag
    assert autograd.nn.modules.container.ModuleList is autograd.nn.ModuleList
    assert autograd.nn.modules.module.Module is autograd.nn.Module
    # every class torch defines under torch.nn.modules.<x> that autograd.nn has is reachable there too
    for sub in ('activation', 'conv', 'dropout', 'linear', 'loss', 'normalization', 'pooling', 'rnn', 'sparse',
                'transformer', 'container', 'flatten'):
        theirs = getattr(torch.nn.modules, sub)
        ours = getattr(autograd.nn.modules, sub)
        for name in dir(theirs):
            if hasattr(autograd.nn, name) and isinstance(getattr(theirs, name), type) and \
                    getattr(theirs, name).__module__ == theirs.__name__:
                assert getattr(ours, name) is getattr(autograd.nn, name), f'nn.modules.{sub}.{name}'
    with pytest.raises(AttributeError):
        autograd.nn.modules.rnn.NotALayer


@pytest.mark.parametrize('need_weights', [True, False])
def test_attention_dropout_draws_torchs_masks(need_weights):
    """With the same seed, dropout inside attention drops the same weights as torch's (autograd's generator
    reproduces torch's CPU stream), in F.scaled_dot_product_attention and in MultiheadAttention training."""
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    torch.manual_seed(0)
    ours, theirs = pair('MultiheadAttention', 4, 2, dropout=0.5)
    outs = []
    for lib, module in ((autograd, ours), (torch, theirs)):
        lib.manual_seed(3)
        q = lib.tensor(x, requires_grad=True)
        out = module(q, q, q, need_weights=need_weights)[0]
        sdpa = lib.nn.functional.scaled_dot_product_attention(q.unsqueeze(0), q.unsqueeze(0), q.unsqueeze(0),
                                                              dropout_p=0.3)
        (out.sum() + sdpa.sum()).backward()
        outs.append((out, sdpa, q.grad))
    for a, b in zip(*outs):
        assert_close(host(a), host(b), 'float64', 10)
    compare_grads(ours, theirs, 'float64', 10)


@pytest.mark.parametrize('batch_first,padding', [(True, [[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]]),
                                                 (True, [[0, 0, 1, 0, 0], [0, 0, 0, 0, 1]]),
                                                 (False, [[0, 0, 0, 0, 0], [0, 0, 0, 1, 1]])])
def test_encoder_inference_with_padding_matches_torchs_nested_tensor_path(batch_first, padding):
    """In inference torch runs a batch_first encoder on nested tensors when the key padding is left-aligned:
    padded positions come out as norm(0). Otherwise (or batch_first=False) they are computed as usual."""
    torch.manual_seed(0)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16, batch_first=batch_first), 2,
                                         norm=torch.nn.LayerNorm(8)).eval()
    ours = autograd.nn.TransformerEncoder(autograd.nn.TransformerEncoderLayer(8, 2, 16, batch_first=batch_first),
                                          2, norm=autograd.nn.LayerNorm(8)).eval()
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    assert ours.use_nested_tensor == theirs.use_nested_tensor
    x = np.random.default_rng(0).standard_normal((2, 5, 8) if batch_first else (5, 2, 8)).astype(np.float32)
    kpm = np.array(padding, bool)
    with torch.no_grad():
        expected = theirs(torch.tensor(x), src_key_padding_mask=torch.tensor(kpm))
    with autograd.no_grad():
        got = ours(autograd.tensor(x), src_key_padding_mask=autograd.tensor(kpm))
    assert_close(host(got), host(expected), 'float32', 10)
