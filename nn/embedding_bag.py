"""nn.EmbeddingBag and F.embedding_bag: sums, means or maxima of bags of embedding rows, without building
the (bags, items, dim) tensor of the looked-up rows per bag.

Bags are the rows of a 2-D input (B, N), or the runs input[offsets[b]:offsets[b+1]] of a 1-D input.
sum and mean scatter-add the looked-up rows (N, D), scaled by per_sample_weights or 1/count, into their bags'
rows; max takes each bag's maximum. Entries equal to
padding_idx are left out of their bag (and of its count); an empty bag gives zeros, as in torch.
"""
import numpy as np

from autograd.creation import empty, tensor as make_tensor, zeros
from autograd.ops.shape import stack

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ['embedding_bag', 'EmbeddingBag']


def _host(t):
    a = t.array
    return np.asarray(a.get() if hasattr(a, 'get') else a)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False, mode='mean',
                  sparse=False, per_sample_weights=None, include_last_offset=False, padding_idx=None):
    """input (B, N) or (N,) with offsets (B,) ((B+1,) with include_last_offset); weight (num, D) -> (B, D)."""
    if mode not in ('sum', 'mean', 'max'):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode}")
    if per_sample_weights is not None and mode != 'sum':
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
                                  f"on GitHub.")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is treated is a mini-batch of "
                             "fixed length sequences. However, found offsets of type "
                             f"{type(offsets).__name__}")
        bags, per_bag = input.shape
        starts = np.arange(0, bags * per_bag + 1, per_bag) if per_bag else np.zeros(bags + 1, dtype=np.int64)
        flat = input.reshape(-1)
        if per_sample_weights is not None:
            per_sample_weights = per_sample_weights.reshape(-1)
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        starts = _host(offsets).astype(np.int64)
        if not include_last_offset:
            starts = np.append(starts, input.shape[0])
        flat = input
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {input.dim()}")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += weight.shape[0]
    n_bags, n_items = len(starts) - 1, flat.shape[0]
    idx = _host(flat)
    keep = np.ones(n_items, dtype=bool) if padding_idx is None else idx != padding_idx
    rows = F.embedding(flat, weight, None, max_norm, norm_type, scale_grad_by_freq)
    if mode == 'max':
        parts = []
        for b in range(n_bags):
            members = np.flatnonzero(keep[starts[b]:starts[b + 1]]) + starts[b]
            if len(members):
                parts.append(rows[make_tensor(members, device=weight.device)].amax(0))
            else:
                parts.append(zeros(weight.shape[1], dtype=weight.dtype, device=weight.device))
        return stack(parts, 0) if parts else zeros((0, weight.shape[1]), dtype=weight.dtype, device=weight.device)
    # sum / mean: each kept row, scaled (per_sample_weights, 1/count), added into its bag's row
    bag_of = np.repeat(np.arange(n_bags), np.diff(starts))
    scale = keep.astype(weight.array.dtype)
    if mode == 'mean':
        counts = np.bincount(bag_of[keep], minlength=n_bags)
        scale = (scale / np.maximum(counts, 1)[bag_of]).astype(weight.array.dtype)   # scatter_add wants one dtype
    scaled = rows * make_tensor(scale, device=weight.device).unsqueeze(1)
    if per_sample_weights is not None:
        scaled = scaled * per_sample_weights.unsqueeze(1)
    index = make_tensor(bag_of, device=weight.device).unsqueeze(1).expand(-1, weight.shape[1])
    return zeros((n_bags, weight.shape[1]), dtype=rows.dtype, device=weight.device).scatter_add(0, index, scaled)


class EmbeddingBag(Module):
    """weight (num_embeddings, embedding_dim) ~ N(0, 1) (padding_idx's row zero); forward(input, offsets=None,
    per_sample_weights=None) reduces each bag with mode 'sum', 'mean' (default) or 'max'."""

    def __init__(self, num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                 mode='mean', sparse=False, _weight=None, include_last_offset=False, padding_idx=None, device=None,
                 dtype=None):
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if padding_idx is not None:
            if padding_idx > 0:
                assert padding_idx < num_embeddings, "padding_idx must be within num_embeddings"
            elif padding_idx < 0:
                assert padding_idx >= -num_embeddings, "padding_idx must be within num_embeddings"
                padding_idx = num_embeddings + padding_idx
        self.padding_idx = padding_idx
        if _weight is None:
            self.weight = Parameter(empty((num_embeddings, embedding_dim), device=device, dtype=dtype))
            self.reset_parameters()
        else:
            if list(_weight.shape) != [num_embeddings, embedding_dim]:
                raise AssertionError("Shape of weight does not match num_embeddings and embedding_dim")
            self.weight = Parameter(_weight)
        self.mode = mode
        self.sparse = sparse
        self.include_last_offset = include_last_offset

    def reset_parameters(self):
        init.normal_(self.weight)
        if self.padding_idx is not None:
            self.weight.array[self.padding_idx] = 0

    def forward(self, input, offsets=None, per_sample_weights=None):
        return embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                             self.mode, self.sparse, per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        s += f", mode='{self.mode}'"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
                        mode='mean', sparse=False, include_last_offset=False, padding_idx=None):
        if embeddings.dim() != 2:
            raise AssertionError("Embeddings parameter is expected to be 2-dimensional")
        rows, cols = embeddings.shape
        bag = cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, max_norm=max_norm,
                  norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, mode=mode, sparse=sparse,
                  include_last_offset=include_last_offset, padding_idx=padding_idx)
        bag.weight.requires_grad = not freeze
        return bag
