"""nn.RNN / LSTM / GRU, their cells and nn.utils.rnn against torch, with torch's weights copied in: outputs,
final states and the gradients of the input, the initial states and every parameter (float64 and float32),
over hypothesis-drawn sizes, layers, directions, layouts, packed inputs and initial states."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
from tests.tolerance import assert_close
from tests.torch_oracle import host

MODES = {'LSTM': ('LSTM', {}), 'GRU': ('GRU', {}), 'RNN_TANH': ('RNN', {}),
         'RNN_RELU': ('RNN', {'nonlinearity': 'relu'})}
DTYPES = {'float64': (torch.float64, autograd.float64), 'float32': (torch.float32, autograd.float32)}
# a recurrence compounds rounding over its steps and layers: float32 results get room for that
SCALE = {'float64': 10.0, 'float32': 20.0}


@pytest.fixture(autouse=True, scope='module')
def one_torch_thread():
    """torch on one thread while these tests run: its OpenMP threads spin-wait on a busy 2-core machine (a
    first LSTM backward took 5.8 s at 2 threads against 0.02 s at 1); results do not depend on it."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def pair(cls_name, *args, dtype='float64', **kwargs):
    """The same module in torch and autograd, autograd's loaded with torch's state dict."""
    ours_cls, theirs_cls = getattr(autograd.nn, cls_name), getattr(torch.nn, cls_name)
    theirs = theirs_cls(*args, **kwargs).to(DTYPES[dtype][0])
    ours = ours_cls(*args, **kwargs).to(DTYPES[dtype][1])
    ours.load_state_dict({k: autograd.tensor(v.detach().numpy()) for k, v in theirs.state_dict().items()})
    return ours, theirs


def both(array, requires_grad=True):
    return (autograd.tensor(array, requires_grad=requires_grad), torch.tensor(array, requires_grad=requires_grad))


def compare_grads(ours, theirs, dtype, scale):
    for (name, p), (name_t, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert name == name_t
        assert_close(host(p.grad), host(q.grad), dtype, scale, what=f'grad of {name}')


@st.composite
def rnn_cases(draw, big=1):
    """One configuration; big scales the sizes (the deep sweep draws up to 4x larger ones)."""
    mode = draw(st.sampled_from(sorted(MODES)))
    case = dict(mode=mode, layers=draw(st.integers(1, 2 + big)), bidirectional=draw(st.booleans()),
                batch_first=draw(st.booleans()), bias=draw(st.booleans()), input_size=draw(st.integers(1, 4 * big)),
                hidden=draw(st.integers(1, 5 * big)), steps=draw(st.integers(1, 5 * big)),
                batch=draw(st.integers(1, 4 * big)),
                layout=draw(st.sampled_from(['padded', 'packed', 'packed_unsorted', 'unbatched'])),
                with_h0=draw(st.booleans()), dtype=draw(st.sampled_from(sorted(DTYPES))),
                seed=draw(st.integers(0, 2 ** 16)))
    case['proj'] = draw(st.integers(0, case['hidden'] - 1)) if mode == 'LSTM' else 0
    return case


@settings(max_examples=40, deadline=None)
@given(rnn_cases())
def test_recurrent_layers_match_torch(case):
    check_against_torch(case)


@pytest.mark.deep
@settings(max_examples=400, deadline=None)
@given(rnn_cases(big=4))
def test_recurrent_layers_match_torch_deep(case):
    check_against_torch(case)


def check_against_torch(case):
    rng = np.random.default_rng(case['seed'])
    cls_name, extra = MODES[case['mode']]
    if case['proj']:
        extra = dict(extra, proj_size=case['proj'])
    torch.manual_seed(case['seed'])
    ours, theirs = pair(cls_name, case['input_size'], case['hidden'], case['layers'], bias=case['bias'],
                        batch_first=case['batch_first'], bidirectional=case['bidirectional'], dtype=case['dtype'],
                        **extra)
    np_dtype = case['dtype']
    T, B, layout = case['steps'], case['batch'], case['layout']
    x = rng.standard_normal((T, B, case['input_size'])).astype(np_dtype)
    if layout == 'unbatched':
        x = x[:, 0]
    elif case['batch_first']:
        x = x.transpose(1, 0, 2).copy()
    xa, xt = both(x)
    directions = 2 if case['bidirectional'] else 1
    real_hidden = case['proj'] or case['hidden']
    state_batch = () if layout == 'unbatched' else (B,)
    states = None
    if case['with_h0']:
        shapes = [(case['layers'] * directions, *state_batch, real_hidden)]
        if case['mode'] == 'LSTM':
            shapes.append((case['layers'] * directions, *state_batch, case['hidden']))
        states = [both(rng.standard_normal(s).astype(np_dtype)) for s in shapes]
    if layout.startswith('packed'):
        lengths = sorted(rng.integers(1, T + 1, B).tolist(), reverse=True)
        lengths[0] = T
        sorted_ = layout == 'packed'
        if not sorted_:
            rng.shuffle(lengths)
        ins = (autograd.nn.utils.rnn.pack_padded_sequence(xa, lengths, case['batch_first'], sorted_),
               torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, case['batch_first'], sorted_))
    else:
        ins = (xa, xt)
    results = []
    for lib, module, inp, k in ((autograd, ours, ins[0], 0), (torch, theirs, ins[1], 1)):
        hx = None
        if states is not None:
            hx = tuple(s[k] for s in states) if case['mode'] == 'LSTM' else states[0][k]
        out, h = module(inp, hx)
        if layout.startswith('packed'):
            out = lib.nn.utils.rnn.pad_packed_sequence(out, batch_first=case['batch_first'])[0]
        finals = list(h) if case['mode'] == 'LSTM' else [h]
        seeds = np.random.default_rng(1).standard_normal(tuple(out.shape)).astype(np_dtype)
        loss = (out * lib.tensor(seeds)).sum() + sum(((f * 1.5).sin()).sum() for f in finals)
        loss.backward()
        results.append((out, finals))
    dtype, scale = case['dtype'], SCALE[case['dtype']]
    assert_close(host(results[0][0]), host(results[1][0]), dtype, scale, what='output')
    for i, (a, b) in enumerate(zip(results[0][1], results[1][1])):
        assert tuple(a.shape) == tuple(b.shape)
        assert_close(host(a), host(b), dtype, scale, what=f'final state {i}')
    assert_close(host(xa.grad), host(xt.grad), dtype, scale, what='grad of input')
    for i, s in enumerate(states or ()):
        assert_close(host(s[0].grad), host(s[1].grad), dtype, scale, what=f'grad of initial state {i}')
    compare_grads(ours, theirs, dtype, scale)


@settings(max_examples=25, deadline=None)
@given(cell=st.sampled_from(['RNNCell', 'LSTMCell', 'GRUCell', 'RNNCell_relu']), batched=st.booleans(),
       with_h=st.booleans(), bias=st.booleans(), dtype=st.sampled_from(sorted(DTYPES)), seed=st.integers(0, 999))
def test_cells_match_torch(cell, batched, with_h, bias, dtype, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    kwargs = {'nonlinearity': 'relu'} if cell == 'RNNCell_relu' else {}
    ours, theirs = pair(cell.split('_')[0], 3, 4, bias=bias, dtype=dtype, **kwargs)
    lead = (2,) if batched else ()
    xa, xt = both(rng.standard_normal((*lead, 3)).astype(dtype))
    states = [both(rng.standard_normal((*lead, 4)).astype(dtype)) for _ in range(2 if cell == 'LSTMCell' else 1)]
    outs = []
    for module, x, k in ((ours, xa, 0), (theirs, xt, 1)):
        hx = None
        if with_h:
            hx = tuple(s[k] for s in states) if cell == 'LSTMCell' else states[0][k]
        # two steps, so the state's gradient flows through a cell as well
        out = module(x, hx)
        out = module(x * 0.5, out)
        parts = list(out) if cell == 'LSTMCell' else [out]
        sum((p * (i + 1.5)).sin().sum() for i, p in enumerate(parts)).backward()
        outs.append(parts)
    for a, b in zip(*outs):
        assert_close(host(a), host(b), dtype, SCALE[dtype], what='cell output')
    assert_close(host(xa.grad), host(xt.grad), dtype, SCALE[dtype], what='grad of input')
    if with_h:
        for s in states:
            assert_close(host(s[0].grad), host(s[1].grad), dtype, SCALE[dtype], what='grad of state')
    compare_grads(ours, theirs, dtype, SCALE[dtype])


@pytest.mark.parametrize('mode,packed', [(m, False) for m in sorted(MODES)] + [('LSTM_proj', True), ('GRU', True)])
def test_double_backward_matches_torch(mode, packed):
    """create_graph=True through the layer: the gradient of a gradient norm, as torch's CPU kernels give it
    (also through packed sequences, initial states and an LSTM projection)."""
    rng = np.random.default_rng(0)
    cls_name, extra = MODES[mode.split('_proj')[0]]
    if mode.endswith('_proj'):
        extra = dict(extra, proj_size=2)
    torch.manual_seed(0)
    ours, theirs = pair(cls_name, 2, 3, 2, bidirectional=True, **extra)
    x = rng.standard_normal((4, 3, 2))
    xa, xt = both(x)
    for lib, module, inp in ((autograd, ours, xa), (torch, theirs, xt)):
        seq = lib.nn.utils.rnn.pack_padded_sequence(inp, [4, 2, 1]) if packed else inp
        out, h = module(seq)
        out = lib.nn.utils.rnn.pad_packed_sequence(out)[0] if packed else out
        h = h[0] if isinstance(h, tuple) else h
        g, = lib.autograd.grad((out ** 2).sum() + (h ** 3).sum(), inp, create_graph=True)
        (g ** 2).sum().backward()
    assert_close(host(xa.grad), host(xt.grad), 'float64', 10, what='second derivative wrt the input')
    compare_grads(ours, theirs, 'float64', 10)


def test_eval_mode_dropout_and_training_dropout_statistics():
    torch.manual_seed(0)
    ours, theirs = pair('LSTM', 3, 4, 3, dropout=0.5)
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((5, 2, 3))
    assert_close(host(ours(autograd.tensor(x))[0]), host(theirs(torch.tensor(x))[0]), 'float64', 10)
    ours.train()
    a, b = ours(autograd.tensor(x))[0], ours(autograd.tensor(x))[0]
    assert not np.allclose(host(a), host(b)), "training mode must draw new dropout masks"


def test_parameters_names_init_and_repr_match_torch():
    for args, kwargs in (((3, 4), {}), ((3, 4, 2), dict(bidirectional=True, proj_size=2, batch_first=True,
                                                         dropout=0.2)), ((2, 5), dict(bias=False))):
        torch.manual_seed(7)
        autograd.manual_seed(7)
        theirs, ours = torch.nn.LSTM(*args, **kwargs), autograd.nn.LSTM(*args, **kwargs)
        assert repr(ours) == repr(theirs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for k, v in theirs.state_dict().items():   # the seeded init draws torch's numbers
            assert_close(host(ours.state_dict()[k]), v.numpy(), 'float32', what=k)
        assert [[tuple(w.shape) for w in ws] for ws in ours.all_weights] == \
            [[tuple(w.shape) for w in ws] for ws in theirs.all_weights]
        ours.flatten_parameters()
    for name, args in (('GRU', (2, 3, 2)), ('RNN', (2, 3)), ('GRUCell', (2, 3)), ('LSTMCell', (2, 3)),
                       ('RNNCell', (2, 3))):
        assert repr(getattr(autograd.nn, name)(*args)) == repr(getattr(torch.nn, name)(*args))
    assert repr(autograd.nn.RNNCell(2, 3, nonlinearity='relu')) == repr(torch.nn.RNNCell(2, 3, nonlinearity='relu'))


@pytest.mark.parametrize('call', [
    lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(2, 1, 5)),
    lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(2, 1, 3), (lib.zeros(2, 1, 4), lib.zeros(1, 1, 4))),
    lambda lib: lib.nn.LSTM(3, 4)(lib.zeros(2, 1, 3), (lib.zeros(1, 1, 4), lib.zeros(1, 2, 4))),
    lambda lib: lib.nn.GRU(3, 4)(lib.zeros(2, 1, 3), lib.zeros(1, 2, 4)),
    lambda lib: lib.nn.GRU(3, 4)(lib.zeros(2, 1, 3), lib.zeros(1, 4)),
    lambda lib: lib.nn.RNN(3, 4)(lib.zeros(2, 3)[None, None]),
    lambda lib: lib.nn.RNN(3, 4, nonlinearity='sigmoid'),
    lambda lib: lib.nn.GRU(3, 4, proj_size=2),
    lambda lib: lib.nn.LSTM(3, 4, proj_size=4),
    lambda lib: lib.nn.GRUCell(3, 4)(lib.zeros(2, 2, 3)),
    lambda lib: lib.nn.LSTM(3, 4).double()(lib.zeros(2, 1, 3)),
])
def test_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(autograd)
    assert str(ours.value).replace('autograd.', 'torch.') == str(theirs.value)


# ---- nn.utils.rnn ----

@settings(max_examples=30, deadline=None)
@given(lengths=st.lists(st.integers(1, 5), min_size=1, max_size=4), batch_first=st.booleans(),
       padding_side=st.sampled_from(['left', 'right']), value=st.sampled_from([0.0, -1.5]),
       enforce_sorted=st.booleans(), total_extra=st.integers(0, 2))
def test_pad_and_pack_match_torch(lengths, batch_first, padding_side, value, enforce_sorted, total_extra):
    rng = np.random.default_rng(sum(lengths))
    seqs = [rng.standard_normal((n, 2)) for n in lengths]
    ours = [autograd.tensor(s, requires_grad=True) for s in seqs]
    theirs = [torch.tensor(s, requires_grad=True) for s in seqs]
    pa = autograd.nn.utils.rnn.pad_sequence(ours, batch_first, value, padding_side)
    pt = torch.nn.utils.rnn.pad_sequence(theirs, batch_first, value, padding_side)
    assert_close(host(pa), host(pt), 'float64', what='pad_sequence')
    if enforce_sorted:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])
        ours, theirs, lengths = [ours[i] for i in order], [theirs[i] for i in order], [lengths[i] for i in order]
    packs = [lib.nn.utils.rnn.pack_sequence(s, enforce_sorted=enforce_sorted)
             for lib, s in ((autograd, ours), (torch, theirs))]
    for field in ('data', 'batch_sizes', 'sorted_indices', 'unsorted_indices'):
        a, b = getattr(packs[0], field), getattr(packs[1], field)
        assert (a is None) == (b is None), field
        if b is not None:
            assert str(a.dtype).split('.')[-1] == str(b.dtype).split('.')[-1]
            assert_close(host(a), host(b), 'float64', what=field)
    total = max(lengths) + total_extra
    outs = [lib.nn.utils.rnn.pad_packed_sequence(p, batch_first, value, total)
            for lib, p in ((autograd, packs[0]), (torch, packs[1]))]
    assert_close(host(outs[0][0]), host(outs[1][0]), 'float64', what='pad_packed_sequence')
    assert host(outs[0][1]).tolist() == host(outs[1][1]).tolist()
    for out, seqs_ in ((outs[0][0], ours), (outs[1][0], theirs)):
        (out * out).sum().backward()
    for a, b in zip(ours, theirs):
        assert_close(host(a.grad), host(b.grad), 'float64', what='gradient through pack/pad')
    unpacked = autograd.nn.utils.rnn.unpack_sequence(packs[0])
    for a, b in zip(unpacked, torch.nn.utils.rnn.unpack_sequence(packs[1])):
        assert_close(host(a), host(b), 'float64', what='unpack_sequence')


@pytest.mark.parametrize('call', [
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(3, 2, 1), [1, 3]),
    lambda lib: lib.nn.utils.rnn.pack_padded_sequence(lib.zeros(3, 2, 1), [0, 3], enforce_sorted=False),
    lambda lib: lib.nn.utils.rnn.pad_packed_sequence(
        lib.nn.utils.rnn.pack_sequence([lib.zeros(3, 1)]), total_length=2),
    lambda lib: lib.nn.utils.rnn.pad_sequence([lib.zeros(3, 1)], padding_side='middle'),
])
def test_utils_rnn_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(autograd)
    assert str(ours.value) == str(theirs.value)


def test_packed_sequence_is_torchs_namedtuple():
    p = autograd.nn.utils.rnn.pack_sequence([autograd.ones(2, 1), autograd.ones(1, 1)])
    data, batch_sizes, sorted_indices, unsorted_indices = p
    assert autograd.nn.utils.rnn.PackedSequence._fields == torch.nn.utils.rnn.PackedSequence._fields
    assert batch_sizes.tolist() == [2, 1] and sorted_indices is None and unsorted_indices is None
    assert p.double().data.dtype == autograd.float64
