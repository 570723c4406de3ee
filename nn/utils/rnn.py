"""torch.nn.utils.rnn: padded batches of variable-length sequences and their packed form.

A PackedSequence holds the time steps of B sequences sorted by decreasing length, step after step:
data (sum(lengths), *) and batch_sizes[t] = how many sequences are longer than t (an int64 CPU tensor).
sorted_indices / unsorted_indices map between the caller's batch order and the sorted one (None when the
input was already sorted). Packing and unpacking are index gathers, so gradients flow through them.
"""
from collections import namedtuple

import numpy as np

from autograd.creation import full, tensor as make_tensor
from autograd.ops.shape import cat, stack
from autograd.tensor import Tensor

__all__ = ['PackedSequence', 'invert_permutation', 'pack_padded_sequence', 'pad_packed_sequence', 'pad_sequence',
           'unpad_sequence', 'pack_sequence', 'unpack_sequence']


class PackedSequence(namedtuple('PackedSequence_', ['data', 'batch_sizes', 'sorted_indices', 'unsorted_indices'])):
    """(data, batch_sizes, sorted_indices, unsorted_indices), as torch's; build it with pack_padded_sequence
    or pack_sequence rather than by hand."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None and sorted_indices is not None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is None:   # torch's (data, batch_sizes) tuple form
            data, batch_sizes = data
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def _map(self, fn):
        return type(self)(fn(self.data), self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def to(self, *args, **kwargs):
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        index_device = data.device
        move = (lambda t: None if t is None else t.to(index_device))
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cuda(self, *args, **kwargs):
        return self.to('cuda')

    def cpu(self, *args, **kwargs):
        return self.to('cpu')

    def double(self):
        return self._map(lambda t: t.double())

    def float(self):
        return self._map(lambda t: t.float())

    def half(self):
        return self._map(lambda t: t.half())

    @property
    def is_cuda(self):
        return self.data.is_cuda

    def is_pinned(self):
        return False


def invert_permutation(permutation):
    """The permutation that undoes `permutation` (an int64 tensor), or None."""
    if permutation is None:
        return None
    idx = permutation.array
    inverse = np.empty(len(idx), dtype=np.int64)
    inverse[np.asarray(idx.get() if hasattr(idx, 'get') else idx)] = np.arange(len(idx))
    return make_tensor(inverse, device=permutation.device)


def _lengths_list(lengths):
    if isinstance(lengths, Tensor):
        return [int(v) for v in lengths.reshape(-1).tolist()]
    return [int(v) for v in lengths]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *) with batch_first) of sequences of the given lengths.

    enforce_sorted=True requires lengths in decreasing order (RuntimeError otherwise); False sorts them and
    records the permutation in sorted_indices."""
    lengths = _lengths_list(lengths)
    if enforce_sorted:
        if any(a < b for a, b in zip(lengths, lengths[1:])):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence "
                               "to sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
        order = list(range(len(lengths)))
    else:
        order = sorted(range(len(lengths)), key=lambda i: -lengths[i])   # stable, as torch.sort(descending)
        sorted_indices = make_tensor(order, device=input.device)
    if any(n <= 0 for n in lengths):
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' "
                           "that is <= 0")
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if lengths and max(lengths) > steps:
        raise RuntimeError(f"pack_padded_sequence: a length ({max(lengths)}) is larger than the padded sequence "
                           f"length ({steps}); pass lengths of at most input.size({int(batch_first)})")
    sorted_lengths = [lengths[i] for i in order]
    batch_sizes = [sum(1 for n in sorted_lengths if n > t) for t in range(max(sorted_lengths, default=0))]
    rows = [t * batch + order[b] for t, n in enumerate(batch_sizes) for b in range(n)]
    data = input.reshape(steps * batch, *input.shape[2:])[make_tensor(rows, device=input.device)]
    return PackedSequence(data, make_tensor(batch_sizes), sorted_indices, invert_permutation(sorted_indices))


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Inverse of pack_padded_sequence: (padded (T, B, *) or (B, T, *), lengths int64 tensor in the
    caller's batch order). total_length pads T up to that length (ValueError if shorter than the longest)."""
    data, batch_sizes = sequence.data, _lengths_list(sequence.batch_sizes)
    steps, batch = len(batch_sizes), batch_sizes[0] if batch_sizes else 0
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, "
                             f"but got total_length={total_length} and max sequence length being {steps}")
        steps_out = total_length
    else:
        steps_out = steps
    unsorted = (list(range(batch)) if sequence.unsorted_indices is None
                else _lengths_list(sequence.unsorted_indices))
    pad_row = len(data)   # an extra row of padding_value
    index = np.full((steps_out, batch), pad_row, dtype=np.int64)
    off = 0
    for t, n in enumerate(batch_sizes):
        index[t, :n] = np.arange(off, off + n)
        off += n
    index = index[:, unsorted]   # back to the caller's batch order
    filler = full((1, *data.shape[1:]), padding_value, dtype=data.dtype, device=data.device)
    padded = cat([data, filler], 0)[make_tensor(index.reshape(-1), device=data.device)]
    padded = padded.reshape(steps_out, batch, *data.shape[1:])
    sorted_lengths = [sum(1 for n in batch_sizes if n > b) for b in range(batch)]
    lengths = make_tensor([sorted_lengths[i] for i in unsorted])
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, lengths


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side='right'):
    """Stack tensors of shapes (L_i, *) into (L, B, *) (or (B, L, *)), padding with padding_value on the
    'right' (after each sequence) or the 'left'."""
    if padding_side not in ('left', 'right'):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    if isinstance(sequences, Tensor):
        sequences = sequences.unbind(0)
    sequences = list(sequences)
    longest = max(s.shape[0] for s in sequences)
    padded = []
    for s in sequences:
        missing = longest - s.shape[0]
        if missing:
            fill = full((missing, *s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = cat([s, fill] if padding_side == 'right' else [fill, s], 0)
        padded.append(s)
    return stack(padded, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """The list of sequences (L_i, *) inside a right-padded batch."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [seq[:n] for seq, n in zip(padded_sequences.unbind(0), _lengths_list(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    """pack_padded_sequence(pad_sequence(sequences), their lengths)."""
    lengths = [s.size(0) for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """The list of sequences inside a PackedSequence, in the caller's order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
