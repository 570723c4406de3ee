"""nn.RNN, nn.LSTM, nn.GRU and their cells, with torch's parameter names, shapes, initialisation and numbers.

Parameters per layer k and direction (suffix '' or '_reverse'), registered in torch's order so that
state_dict keys match and a seeded init draws the same numbers:
  weight_ih_l{k} (G*H, I or D*P), weight_hh_l{k} (G*H, P), bias_ih_l{k} (G*H), bias_hh_l{k} (G*H),
  weight_hr_l{k} (P, H) for LSTM with proj_size > 0;  G = 4 (LSTM), 3 (GRU), 1 (RNN); P = proj_size or H.
All start ~ U(-1/sqrt(H), 1/sqrt(H)). Each layer and direction runs as one fused node (autograd/ops/rnn.py).
"""
import math
import numbers
import warnings

from autograd.creation import empty, zeros
from autograd.ops.rnn import _GATES, recurrent_layer
from autograd.ops.shape import cat, stack

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter
from .utils.rnn import PackedSequence

__all__ = ['RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell']


class RNNBase(Module):
    """The multi-layer, optionally bidirectional recurrence shared by RNN, LSTM and GRU."""

    def __init__(self, mode, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        if (not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1 or isinstance(dropout, bool)):
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so non-zero dropout "
                          f"expects num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}")
        if not isinstance(hidden_size, int):
            raise TypeError(f"hidden_size should be of type int, got: {type(hidden_size).__name__}")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if mode not in _GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        gate_size = _GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        real_hidden = proj_size if proj_size > 0 else hidden_size
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_input = input_size if layer == 0 else real_hidden * directions
                suffix = '_reverse' if direction == 1 else ''
                shapes = [('weight_ih', (gate_size, layer_input)), ('weight_hh', (gate_size, real_hidden))]
                if bias:
                    shapes += [('bias_ih', (gate_size,)), ('bias_hh', (gate_size,))]
                if proj_size > 0:
                    shapes += [('weight_hr', (proj_size, hidden_size))]
                names = []
                for stem, shape in shapes:
                    name = f'{stem}_l{layer}{suffix}'
                    setattr(self, name, Parameter(empty(shape, device=device, dtype=dtype)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, name, None) for name in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    def flatten_parameters(self):
        """Accepted for cuDNN compatibility; the weights are always used as they are."""

    def _layer_weights(self, index):
        p = dict((name.split('_l')[0], getattr(self, name)) for name in self._all_weights[index])
        return p['weight_ih'], p['weight_hh'], p.get('bias_ih'), p.get('bias_hh'), p.get('weight_hr')

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s

    def _check_hidden(self, hx, expected, what='Expected hidden size'):
        if tuple(hx.shape) != expected:
            raise RuntimeError(f"{what} {expected}, got {list(hx.shape)}")

    def forward(self, input, hx=None):
        """input (L, N, I) / (N, L, I) with batch_first / (L, I) unbatched / a PackedSequence; hx (D*layers, N, P)
        (LSTM: a tuple (h0, c0), c0 (D*layers, N, H)), zeros when None. Returns (output, h_n) (LSTM: (h_n, c_n))."""
        lstm = self.mode == 'LSTM'
        directions = 2 if self.bidirectional else 1
        real_hidden = self.proj_size if self.proj_size > 0 else self.hidden_size
        packed = isinstance(input, PackedSequence)
        unbatched = False
        if packed:
            x, batch_sizes = input.data, [int(n) for n in input.batch_sizes.tolist()]
            batch = batch_sizes[0]
            if hx is not None and input.sorted_indices is not None:
                hx = (tuple(h.index_select(1, input.sorted_indices) for h in hx) if lstm
                      else hx.index_select(1, input.sorted_indices))
        else:
            if input.dim() not in (2, 3):
                raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D "
                                 "tensor instead")
            unbatched = input.dim() == 2
            if hx is not None:
                dims = tuple(h.dim() for h in hx) if lstm else (hx.dim(),)
                want = 2 if unbatched else 3
                if any(d != want for d in dims):
                    kind = 'unbatched 2-D' if unbatched else 'batched 3-D'
                    got = ('(' + ', '.join(f'{d}-D' for d in dims) + ') tensors') if lstm else f'{dims[0]}-D tensor'
                    what = 'hx and cx should also be' if lstm else 'hx should also be'
                    raise RuntimeError(f"For {kind} input, {what} {want}-D but got {got}")
            if unbatched:
                input = input.unsqueeze(1)
                if hx is not None:
                    hx = tuple(h.unsqueeze(1) for h in hx) if lstm else hx.unsqueeze(1)
            elif self.batch_first:
                input = input.transpose(0, 1)
            steps, batch = input.shape[0], input.shape[1]
            batch_sizes = [batch] * steps
            x = input.reshape(steps * batch, input.shape[2])
        weight = self._flat_weights[0]
        if x.dtype != weight.dtype:
            raise ValueError(f"RNN input dtype ({x.dtype}) does not match weight dtype ({weight.dtype}). Convert "
                             f"input: input.to({weight.dtype}), or convert model: model.to({x.dtype})")
        if x.shape[-1] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {x.shape[-1]}")
        n_states = self.num_layers * directions
        if hx is None:
            h0 = zeros((n_states, batch, real_hidden), dtype=x.dtype, device=x.device)
            c0 = zeros((n_states, batch, self.hidden_size), dtype=x.dtype, device=x.device) if lstm else None
        elif lstm:
            h0, c0 = hx
            self._check_hidden(h0, (n_states, batch, real_hidden), 'Expected hidden[0] size')
            self._check_hidden(c0, (n_states, batch, self.hidden_size), 'Expected hidden[1] size')
        else:
            h0, c0 = hx, None
            self._check_hidden(h0, (n_states, batch, real_hidden))
        hs, cs = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                k = layer * directions + direction
                out, h, c = recurrent_layer(self.mode, x, h0[k], None if c0 is None else c0[k],
                                            *self._layer_weights(k), batch_sizes, direction == 1)
                outs.append(out)
                hs.append(h)
                cs.append(c)
            x = outs[0] if directions == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, True)
        h_n = stack(hs, 0)
        c_n = stack(cs, 0) if lstm else None
        if packed:
            if input.unsorted_indices is not None:
                h_n = h_n.index_select(1, input.unsorted_indices)
                c_n = c_n.index_select(1, input.unsorted_indices) if lstm else None
            output = PackedSequence(x, input.batch_sizes, input.sorted_indices, input.unsorted_indices)
        else:
            output = x.view(steps, batch, x.shape[-1])
            if unbatched:
                output, h_n = output.squeeze(1), h_n.squeeze(1)
                c_n = c_n.squeeze(1) if lstm else None
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, ((h_n, c_n) if lstm else h_n)


class RNN(RNNBase):
    """Elman RNN: h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh) (or relu)."""

    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.nonlinearity = args[3]
            args = args[:3] + args[4:]
        else:
            self.nonlinearity = kwargs.pop('nonlinearity', 'tanh')
        if self.nonlinearity == 'tanh':
            mode = 'RNN_TANH'
        elif self.nonlinearity == 'relu':
            mode = 'RNN_RELU'
        else:
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__(mode, *args, **kwargs)


class LSTM(RNNBase):
    """i,f,g,o = sigma, sigma, tanh, sigma of (x W_ih^T + b_ih + h W_hh^T + b_hh); c' = f*c + i*g;
    h' = o*tanh(c') (times W_hr^T with proj_size)."""

    def __init__(self, *args, **kwargs):
        super().__init__('LSTM', *args, **kwargs)


class GRU(RNNBase):
    """r,z = sigma(...); n = tanh(x W_in^T + b_in + r*(h W_hn^T + b_hn)); h' = (1-z)*n + z*h."""

    def __init__(self, *args, **kwargs):
        if 'proj_size' in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__('GRU', *args, **kwargs)


class RNNCellBase(Module):
    """One step: weight_ih (G*H, I), weight_hh (G*H, H), bias_ih, bias_hh (G*H), all ~ U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size, hidden_size, bias, num_chunks, device=None, dtype=None):
        super().__init__()
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(empty((num_chunks * hidden_size, input_size), device=device, dtype=dtype))
        self.weight_hh = Parameter(empty((num_chunks * hidden_size, hidden_size), device=device, dtype=dtype))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, device=device, dtype=dtype))
        else:
            self.register_parameter('bias_ih', None)
            self.register_parameter('bias_hh', None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for weight in self.parameters():
            init.uniform_(weight, -stdv, stdv)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if getattr(self, 'nonlinearity', 'tanh') != 'tanh':
            s += f", nonlinearity={self.nonlinearity}"
        return s

    def _step(self, mode, input, h, c):
        if input.dim() not in (1, 2):
            raise ValueError(f"{type(self).__name__}: Expected input to be 1D or 2D, got {input.dim()}D instead")
        if input.shape[-1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[-1]} expected "
                               f"{self.input_size}")
        for state in (h, c):
            if state is not None and state.dim() != input.dim():
                raise RuntimeError(f"{type(self).__name__}: Expected hidden to be {input.dim()}D, got "
                                   f"{state.dim()}D instead")
        unbatched = input.dim() == 1
        if unbatched:
            input = input.unsqueeze(0)
        batch = input.shape[0]
        if h is None:
            h = zeros((batch, self.hidden_size), dtype=input.dtype, device=input.device)
        elif unbatched:
            h = h.unsqueeze(0)
        if mode == 'LSTM':
            if c is None:
                c = zeros((batch, self.hidden_size), dtype=input.dtype, device=input.device)
            elif unbatched:
                c = c.unsqueeze(0)
        _, h, c = recurrent_layer(mode, input, h, c, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh,
                                  None, [batch], False)
        if unbatched:
            h = h.squeeze(0)
            c = c.squeeze(0) if c is not None else None
        return h, c


class RNNCell(RNNCellBase):
    """h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) (or relu)."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity='tanh', device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        if self.nonlinearity not in ('tanh', 'relu'):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        return self._step('RNN_TANH' if self.nonlinearity == 'tanh' else 'RNN_RELU', input, hx, None)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; forward(input, (h, c)) returns (h', c')."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        h, c = (None, None) if hx is None else hx
        return self._step('LSTM', input, h, c)


class GRUCell(RNNCellBase):
    """One GRU step; forward(input, h) returns h'."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input, hx=None):
        return self._step('GRU', input, hx, None)[0]
