"""One direction of one recurrent layer (LSTM, GRU, RNN tanh/relu) over a whole sequence, as one graph node.

The sequence arrives as rows x (N, input_size) with batch_sizes (one int per step, non-increasing): step t
reads rows off[t]:off[t]+batch_sizes[t], the layout of a PackedSequence; a padded (T, B, I) input is the
same with every batch size B. At a step only the first n = batch_sizes[t] batch rows advance; the others
keep their state, so a packed sequence's h_n is each sequence's last state, and in the reverse direction
a sequence starts from h0 at its own last element.

Forward: one product for the input part of all gates of all steps (x @ w_ih.T + b_ih, as cuDNN), then per
step one product h @ w_hh.T for all gates. Gate formulas and gate order (LSTM i,f,g,o; GRU r,z,n) are
torch's (docs of nn.LSTM / nn.GRU / nn.RNN). Backward is closed form on raw arrays: per step the gate
gradients dG and one product dG @ w_hh; after the loop one product each for dx, dw_ih, dw_hh.

With create_graph=True the backward re-runs the same code on Tensors (the forward recorded from the saved
inputs, then the closed-form backward in Tensor ops), so the gradients are differentiable again.

The node has one output: the flat concatenation [output (N, P), h_n (B, P), c_n (B, H) for LSTM];
callers take views of it (P = proj_size or hidden_size).
"""
from .. import backend, grad_mode
from ..function import Function
from ..tensor import wrap
from .activation import sigmoid as _sigmoid


_GATES = {'LSTM': 4, 'GRU': 3, 'RNN_TANH': 1, 'RNN_RELU': 1}


class _ArrayOps:
    """The few operations the recurrence needs, on NumPy/CuPy arrays."""

    def __init__(self, xp):
        self.xp = xp

    def sigmoid(self, a):
        return _sigmoid(a)

    def tanh(self, a):
        return self.xp.tanh(a)

    def relu(self, a):
        return self.xp.maximum(a, 0)

    def relu_grad(self, h):
        return (h > 0).astype(h.dtype)

    def cat(self, parts):
        return parts[0] if len(parts) == 1 else self.xp.concatenate(parts, axis=0)

    def cat1(self, parts):
        return self.xp.concatenate(parts, axis=1)

    def flat(self, a):
        return a.reshape(-1)


class _TensorOps:
    """The same operations on Tensors, recording a graph (the create_graph path)."""

    def sigmoid(self, a):
        return a.sigmoid()

    def tanh(self, a):
        return a.tanh()

    def relu(self, a):
        return a.relu()

    def relu_grad(self, h):
        return (h > 0).to(h.dtype)

    def cat(self, parts):
        from .shape import cat
        return parts[0] if len(parts) == 1 else cat(parts, 0)

    def cat1(self, parts):
        from .shape import cat
        return cat(parts, 1)

    def flat(self, a):
        return a.reshape(-1)


def _steps(batch_sizes, reverse):
    """(offset, n) per step, in processing order."""
    off, steps = 0, []
    for n in batch_sizes:
        steps.append((off, n))
        off += n
    return steps[::-1] if reverse else steps


def _advance(K, state, new, n):
    """The state after a step: the n advanced rows, then the rows that wait (their old state)."""
    return new if n == state.shape[0] else K.cat([new, state[n:]])


def layer_forward(K, mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse):
    """Run the recurrence; returns (output rows (N, P), h_n, c_n or None, saved per-step values)."""
    hidden = w_ih.shape[0] // _GATES[mode]
    gx = x @ w_ih.T
    if b_ih is not None:
        gx = gx + b_ih
    h, c = h0, c0
    outs, saved = {}, {}
    for off, n in _steps(batch_sizes, reverse):
        hp = h[:n] if n < h.shape[0] else h
        gh = hp @ w_hh.T
        if b_hh is not None:
            gh = gh + b_hh
        gi = gx[off:off + n]
        if mode == 'LSTM':
            cp = c[:n] if n < c.shape[0] else c
            gates = gi + gh
            act = K.sigmoid(gates)
            i, f, o = act[:, :hidden], act[:, hidden:2 * hidden], act[:, 3 * hidden:]
            g = K.tanh(gates[:, 2 * hidden:3 * hidden])
            cn = f * cp + i * g
            tc = K.tanh(cn)
            r = o * tc
            hn = r if w_hr is None else r @ w_hr.T
            saved[off] = (hp, cp, i, f, g, o, tc, r)
            c = _advance(K, c, cn, n)
        elif mode == 'GRU':
            rz = K.sigmoid(gi[:, :2 * hidden] + gh[:, :2 * hidden])
            r, z = rz[:, :hidden], rz[:, hidden:]
            ghn = gh[:, 2 * hidden:]
            nn_ = K.tanh(gi[:, 2 * hidden:] + r * ghn)
            hn = nn_ + z * (hp - nn_)          # (1 - z) * n + z * h
            saved[off] = (hp, r, z, nn_, ghn)
        else:
            pre = gi + gh
            hn = K.tanh(pre) if mode == 'RNN_TANH' else K.relu(pre)
            saved[off] = (hp, hn)
        outs[off] = hn
        h = _advance(K, h, hn, n)
    out = K.cat([outs[k] for k in sorted(outs)])
    return out, h, c, saved


def layer_backward(K, mode, dout, dh, dc, x, w_ih, w_hh, w_hr, has_bias, saved, batch_sizes, reverse, needs):
    """Closed-form gradients of layer_forward; returns (dx, dh0, dc0, dw_ih, dw_hh, db_ih, db_hh, dw_hr)."""
    hidden = w_ih.shape[0] // _GATES[mode]
    d_in, d_hid, h_prev, r_all, dht_all = {}, {}, {}, {}, {}
    dw_hr = None
    for off, n in reversed(_steps(batch_sizes, reverse)):
        dht = dout[off:off + n] + (dh[:n] if n < dh.shape[0] else dh)
        s = saved[off]
        h_prev[off] = s[0]
        if mode == 'LSTM':
            hp, cp, i, f, g, o, tc, r = s
            if w_hr is not None:
                r_all[off], dht_all[off] = r, dht
                dr = dht @ w_hr
            else:
                dr = dht
            dct = (dc[:n] if n < dc.shape[0] else dc) + dr * o * (1 - tc * tc)
            dgate = K.cat1([dct * g * i * (1 - i), dct * cp * f * (1 - f), dct * i * (1 - g * g),
                            dr * tc * o * (1 - o)])
            d_in[off] = d_hid[off] = dgate
            dc = _advance(K, dc, dct * f, n)
            dhp = dgate @ w_hh
        elif mode == 'GRU':
            hp, r, z, nn_, ghn = s
            dan = dht * (1 - z) * (1 - nn_ * nn_)
            dar = dan * ghn * r * (1 - r)
            daz = dht * (hp - nn_) * z * (1 - z)
            d_in[off] = K.cat1([dar, daz, dan])
            d_hid[off] = dgh = K.cat1([dar, daz, dan * r])
            dhp = dht * z + dgh @ w_hh
        else:
            hp, hn = s
            da = dht * (1 - hn * hn) if mode == 'RNN_TANH' else dht * K.relu_grad(hn)
            d_in[off] = d_hid[off] = da
            dhp = da @ w_hh
        dh = _advance(K, dh, dhp, n)
    order = sorted(d_in)
    dgi = K.cat([d_in[k] for k in order])
    dgh = dgi if mode != 'GRU' else K.cat([d_hid[k] for k in order])
    hp_all = K.cat([h_prev[k] for k in order])
    dx = dgi @ w_ih if needs[0] else None
    dw_ih = dgi.T @ x if needs[3] else None
    dw_hh = dgh.T @ hp_all if needs[4] else None
    db_ih = dgi.sum(0) if has_bias and needs[5] else None
    db_hh = dgh.sum(0) if has_bias and needs[6] else None
    if w_hr is not None and needs[7]:
        dw_hr = K.cat([dht_all[k] for k in order]).T @ K.cat([r_all[k] for k in order])
    return dx, dh, dc, dw_ih, dw_hh, db_ih, db_hh, dw_hr


_SLOTS = ('x', 'h0', 'c0', 'w_ih', 'w_hh', 'b_ih', 'b_hh', 'w_hr')


class RecurrentLayer(Function):
    """One direction of one layer; inputs in _SLOTS order, the absent ones (c0 outside LSTM, biases,
    w_hr) left out. See the module docstring for the output layout."""

    def name(self):
        return {'LSTM': 'MkldnnRnnLayerBackward0', 'GRU': 'GruBackward0'}.get(self.mode, 'RnnTanhBackward0')

    def forward(self, *inputs, mode, batch_sizes, reverse, slots):
        self.mode, self.batch_sizes, self.reverse, self.slots = mode, batch_sizes, reverse, slots
        self.save_for_backward(*inputs)
        a = self._by_slot([t.array for t in inputs])
        K = _ArrayOps(backend.array_module(a['x']))
        out, h, c, self.saved = layer_forward(K, mode, a['x'], a['h0'], a['c0'], a['w_ih'], a['w_hh'],
                                              a['b_ih'], a['b_hh'], a['w_hr'], batch_sizes, reverse)
        self.sizes = (out.shape, h.shape, None if c is None else c.shape)
        parts = [out.reshape(-1), h.reshape(-1)] + ([] if c is None else [c.reshape(-1)])
        return K.xp.concatenate(parts)

    def _by_slot(self, values):
        d = dict.fromkeys(_SLOTS)
        d.update(zip(self.slots, values))
        return d

    def _split(self, flat):
        out_shape, h_shape, c_shape = self.sizes
        n_out, n_h = out_shape[0] * out_shape[1], h_shape[0] * h_shape[1]
        dout = flat[:n_out].reshape(out_shape)
        dh = flat[n_out:n_out + n_h].reshape(h_shape)
        dc = flat[n_out + n_h:].reshape(c_shape) if c_shape is not None else None
        return dout, dh, dc

    def backward(self, grad):
        inputs = self.saved_tensors
        needs = self._by_slot(self.needs_input_grad)
        needs = [bool(needs[k]) for k in _SLOTS]
        if grad_mode.state.enabled:   # create_graph: record the forward again, then differentiate in Tensor ops
            K = _TensorOps()
            t = self._by_slot(list(inputs))
            _, _, _, saved = layer_forward(K, self.mode, t['x'], t['h0'], t['c0'], t['w_ih'], t['w_hh'],
                                           t['b_ih'], t['b_hh'], t['w_hr'], self.batch_sizes, self.reverse)
            dout, dh, dc = self._split(grad)
            if dc is None:
                dc = dh   # unused outside LSTM
            grads = layer_backward(K, self.mode, dout, dh, dc, t['x'], t['w_ih'], t['w_hh'], t['w_hr'],
                                   t['b_ih'] is not None, saved, self.batch_sizes, self.reverse, needs)
        else:
            a = self._by_slot([x.array for x in inputs])
            K = _ArrayOps(backend.array_module(grad.array))
            dout, dh, dc = self._split(grad.array)
            grads = layer_backward(K, self.mode, dout, dh, dc, a['x'], a['w_ih'], a['w_hh'], a['w_hr'],
                                   a['b_ih'] is not None, self.saved, self.batch_sizes, self.reverse, needs)
            grads = [None if g is None else wrap(g) for g in grads]
        by_name = dict(zip(('x', 'h0', 'c0', 'w_ih', 'w_hh', 'b_ih', 'b_hh', 'w_hr'), grads))
        return tuple(by_name[k] if n else None for k, n in zip(self.slots, self.needs_input_grad))

    def release(self):
        super().release()
        self.saved = None


def recurrent_layer(mode, x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, batch_sizes, reverse):
    """Run one direction of one layer on rows x (N, I); returns (output (N, P), h_n (B, P), c_n or None)."""
    values = dict(zip(_SLOTS, (x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr)))
    slots = tuple(k for k in _SLOTS if values[k] is not None)
    flat = RecurrentLayer.apply(*[values[k] for k in slots], mode=mode, batch_sizes=tuple(batch_sizes),
                                reverse=reverse, slots=slots)
    hidden = w_hh.shape[1]
    n_out, batch = x.shape[0] * hidden, h0.shape[0]
    out = flat[:n_out].view(x.shape[0], hidden)
    h = flat[n_out:n_out + batch * hidden].view(batch, hidden)
    c = flat[n_out + batch * hidden:].view(batch, c0.shape[1]) if c0 is not None else None
    return out, h, c
