"""torch.nn.modules.rnn: rnn classes under the path torch gives them (autograd.nn's own objects)."""
from ._reexport import reexport

NAMES = (
    'RNNBase', 'RNN', 'LSTM', 'GRU', 'RNNCellBase', 'RNNCell', 'LSTMCell', 'GRUCell'
)
__getattr__, __dir__ = reexport(__name__, NAMES)
