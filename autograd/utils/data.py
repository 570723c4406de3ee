"""torch.utils.data: datasets, samplers, collation and the DataLoader.

With num_workers=0 loading runs in the calling process; num_workers > 0 starts worker processes
(data_workers.py, torch's protocol and seeds). `pin_memory` is accepted: on the CPU there is nothing to
pin. When the dataset is a TensorDataset (possibly inside Subsets) and the default collation
is used, a batch is fetched with one fancy index per tensor instead of item by item plus a stack.
"""
import bisect
import collections.abc
import copy
import itertools
import math
import re
import warnings

import numpy as np

from .. import backend
from ..tensor import Tensor, wrap
from .data_workers import MultiProcessIter, WorkerInfo, get_worker_info

__all__ = ['Dataset', 'IterableDataset', 'TensorDataset', 'Subset', 'ConcatDataset', 'random_split',
           'Sampler', 'SequentialSampler', 'RandomSampler', 'SubsetRandomSampler', 'BatchSampler',
           'DataLoader', 'default_collate', 'default_convert', 'get_worker_info', 'WorkerInfo',
           'WeightedRandomSampler', 'ChainDataset', 'StackDataset']


def _autograd():
    import autograd   # the package namespace (stack, randperm, Generator) loads after this module
    return autograd


# ---- datasets ---------------------------------------------------------------------------------
class Dataset:
    """A map-style dataset: subclasses define __getitem__(index) and usually __len__."""

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A dataset read as a stream: subclasses define __iter__."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are rows of tensors that share their first dimension; t[index] for any index torch takes."""

    def __init__(self, *tensors):
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors: TensorDataset needs the same first dimension, "
                                 f"got {[tuple(t.shape) for t in tensors]}")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class Subset(Dataset):
    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __getitems__(self, indices):
        if callable(getattr(self.dataset, '__getitems__', None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    def __init__(self, datasets):
        self.datasets = list(datasets)
        if len(self.datasets) == 0:
            raise AssertionError("datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset")
        self.cumulative_sizes = list(itertools.accumulate(len(d) for d in self.datasets))

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise ValueError("absolute value of index should not exceed dataset length")
            idx = len(self) + idx
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        start = self.cumulative_sizes[which - 1] if which > 0 else 0
        return self.datasets[which][idx - start]


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping Subsets of the given lengths, or fractions summing to 1 (torch's rounding)."""
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        sizes = []
        for i, frac in enumerate(lengths):
            if frac < 0 or frac > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
            sizes.append(math.floor(len(dataset) * frac))
        for i in range(len(dataset) - sum(sizes)):   # hand the remainder out round-robin
            sizes[i % len(sizes)] += 1
        lengths = sizes
        for i, n in enumerate(lengths):
            if n == 0:
                warnings.warn(f"Length of split at index {i} is 0. This might result in an empty dataset.",
                              stacklevel=2)
    if sum(lengths) != len(dataset):
        raise ValueError("Sum of input lengths does not equal the length of the input dataset! "
                         f"(lengths {list(lengths)} sum to {sum(lengths)}, the dataset has {len(dataset)})")
    indices = _autograd().randperm(sum(lengths), generator=generator).tolist()
    return [Subset(dataset, indices[end - n:end]) for end, n in zip(itertools.accumulate(lengths), lengths)]


# ---- samplers ---------------------------------------------------------------------------------
class Sampler:
    """Iterates over dataset indices; subclasses define __iter__ and usually __len__."""

    def __init__(self, data_source=None):
        pass

    def __iter__(self):
        raise NotImplementedError

    def _index_array(self):
        """All indices of one pass as a NumPy int64 array, or a range; None if only iteration can tell."""
        return None


class SequentialSampler(Sampler):
    def __init__(self, data_source):
        self.data_source = data_source

    def __iter__(self):
        return iter(range(len(self.data_source)))

    def __len__(self):
        return len(self.data_source)

    def _index_array(self):
        return range(len(self.data_source))


class RandomSampler(Sampler):
    """A random permutation per pass (or draws with replacement), from `generator` when given."""

    def __init__(self, data_source, replacement=False, num_samples=None, generator=None):
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if not isinstance(self.replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={self.replacement}")
        if not isinstance(self.num_samples, int) or self.num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={self.num_samples}")

    @property
    def num_samples(self):
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self):
        return iter(self._index_array().tolist())

    def __len__(self):
        return self.num_samples

    def _index_array(self):
        """torch's exact sequence of draws, so a seeded shuffle visits samples in torch's order."""
        ag = _autograd()
        n, count = len(self.data_source), self.num_samples
        generator = self.generator
        if generator is None:   # torch seeds a private generator from the default one
            generator = ag.Generator().manual_seed(int(ag.empty((), dtype=ag.int64).random_().item()))
        if self.replacement:
            chunks = [_host(ag.randint(0, n, (32,), generator=generator)) for _ in range(count // 32)]
            chunks.append(_host(ag.randint(0, n, (count % 32,), generator=generator)))
            return np.concatenate(chunks)
        # whole permutations, then the start of one more, drawn even when empty (as torch does)
        perms = [_host(ag.randperm(n, generator=generator)) for _ in range(count // n)]
        perms.append(_host(ag.randperm(n, generator=generator))[:count % n])
        return np.concatenate(perms)


class SubsetRandomSampler(Sampler):
    def __init__(self, indices, generator=None):
        self.indices = indices
        self.generator = generator

    def __iter__(self):
        for i in _autograd().randperm(len(self.indices), generator=self.generator).tolist():
            yield self.indices[i]

    def __len__(self):
        return len(self.indices)


class BatchSampler(Sampler):
    """Groups the indices of `sampler` into lists of batch_size (the last one shorter unless drop_last)."""

    def __init__(self, sampler, batch_size, drop_last):
        if not isinstance(batch_size, int) or isinstance(batch_size, bool) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = batch_size
        self.drop_last = drop_last

    def __iter__(self):
        it = iter(self.sampler)
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self):
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return (len(self.sampler) + self.batch_size - 1) // self.batch_size

    def _array_batches(self):
        """The same batches as slices (sequential) or int64 arrays, without a Python int per index."""
        order = self.sampler._index_array() if isinstance(self.sampler, Sampler) else None
        if order is None:
            yield from (np.asarray(b, dtype=np.int64) for b in self)
            return
        n, bs = len(order), self.batch_size
        stop = n - n % bs if self.drop_last else n
        for start in range(0, stop, bs):
            if isinstance(order, range):
                yield slice(start, min(start + bs, n))
            else:
                yield order[start:start + bs]


def _host(t):
    return np.asarray(backend.to_host(t.array), dtype=np.int64)


# ---- collation --------------------------------------------------------------------------------
_STRING_OR_OBJECT = re.compile(r'[SaUO]')
_COLLATE_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def default_collate(batch):
    """Stack a list of samples into a batch the way torch does: tensors and arrays are stacked, floats
    become a float64 tensor, ints int64, strings stay a list, and tuples, lists and dicts are collated
    field by field (a tuple sample gives a list of fields)."""
    elem = batch[0]
    if isinstance(elem, Tensor):
        return _autograd().stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if _STRING_OR_OBJECT.search(elem.dtype.str):
            raise TypeError(_COLLATE_ERROR.format(elem.dtype))
        return default_collate([wrap(np.asarray(b)) for b in batch])
    if isinstance(elem, (np.bool_, np.number, np.object_)):
        return wrap(np.asarray(batch))
    if isinstance(elem, float):
        return wrap(np.array(batch, dtype=np.float64))
    if isinstance(elem, int):   # bools stay bool, ints become int64 (torch.tensor's inference)
        return wrap(np.array(batch, dtype=np.bool_ if isinstance(elem, bool) else np.int64))
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        return _rebuild_mapping(elem, {key: default_collate([d[key] for d in batch]) for key in elem})
    if isinstance(elem, tuple) and hasattr(elem, '_fields'):   # namedtuple
        return type(elem)(*(default_collate(s) for s in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        size = len(elem)
        if any(len(e) != size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        fields = [default_collate(s) for s in zip(*batch)]
        return fields if isinstance(elem, tuple) else _rebuild_sequence(elem, fields)
    raise TypeError(_COLLATE_ERROR.format(type(elem)))


def default_convert(data):
    """Without batching (batch_size=None): NumPy arrays and scalars become tensors, containers recurse."""
    if isinstance(data, Tensor):
        return data
    if type(data).__module__ == 'numpy' and not isinstance(data, np.str_):
        if isinstance(data, np.ndarray) and _STRING_OR_OBJECT.search(data.dtype.str):
            return data
        return wrap(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _rebuild_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, '_fields'):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _rebuild_sequence(data, [default_convert(d) for d in data])
    return data


def _rebuild_mapping(elem, items):
    try:
        if isinstance(elem, collections.abc.MutableMapping):
            clone = copy.copy(elem)   # keeps the mapping's type (OrderedDict, defaultdict, ...)
            clone.update(items)
            return clone
        return type(elem)(items)
    except TypeError:
        return items


def _rebuild_sequence(elem, fields):
    try:
        if isinstance(elem, collections.abc.MutableSequence):
            clone = copy.copy(elem)
            for i, f in enumerate(fields):
                clone[i] = f
            return clone
        return type(elem)(fields)
    except TypeError:
        return fields


# ---- the loader -------------------------------------------------------------------------------
class DataLoader:
    """Iterates over a dataset in batches: DataLoader(dataset, batch_size=64, shuffle=True).

    num_workers > 0 builds batches in that many worker processes (torch's order and seeds, see
    data_workers.py); prefetch_factor batches per worker are in flight, persistent_workers keeps them
    between passes, timeout bounds the wait for one batch. pin_memory is accepted (nothing to pin on CPU)."""

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable "
                             "multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in multiprocessing."
                             "let num_workers > 0 to enable multiprocessing, otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")
        if isinstance(dataset, IterableDataset):
            if shuffle not in (False, None):
                raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle option, "
                                 f"but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified sampler option, "
                                 f"but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError("DataLoader with IterableDataset: expected unspecified batch_sampler option, "
                                 f"but got batch_sampler={batch_sampler}")
        shuffle = bool(shuffle)
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, shuffle, "
                                 "sampler, and drop_last")
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive "
                             "with drop_last")
        if sampler is None and not isinstance(dataset, IterableDataset):
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not isinstance(dataset, IterableDataset):
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.multiprocessing_context = multiprocessing_context
        self.pin_memory_device = pin_memory_device
        self.in_order = in_order
        self._iterator = None   # the live worker pool when persistent_workers=True
        self.collate_fn = collate_fn or (default_collate if batch_size is not None or batch_sampler is not None
                                         else default_convert)

    def __len__(self):
        if isinstance(self.dataset, IterableDataset):
            n = len(self.dataset)
            if self.batch_size is None:
                return n
            return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)
        return len(self.batch_sampler if self.batch_sampler is not None else self.sampler)

    def __iter__(self):
        # torch draws a base seed for workers from the loader's generator as each pass starts: so do we,
        # to leave the random stream where torch leaves it
        ag = _autograd()
        if self.num_workers > 0 and self.persistent_workers and self._iterator is not None:
            self._iterator._reset()   # the same workers run the next pass; torch draws no new seed
            return self._iterator
        if self.pin_memory and not ag.cuda.is_available():   # once per new iterator, as torch
            warnings.warn("'pin_memory' argument is set as true but no accelerator is found, "
                          "then device pinned memory won't be used.", stacklevel=2)
        base_seed = int(ag.empty((), dtype=ag.int64).random_(generator=self.generator).item())
        if self.num_workers > 0:
            it = MultiProcessIter(self, base_seed, isinstance(self.dataset, IterableDataset))
            if self.persistent_workers:
                self._iterator = it
            return it
        if isinstance(self.dataset, IterableDataset):
            return self._iter_stream()
        if self.batch_sampler is None:
            return (self.collate_fn(self.dataset[i]) for i in self.sampler)
        plan = _tensor_batch_plan(self.dataset) if self.collate_fn is default_collate else None
        if plan is not None and type(self.batch_sampler) is BatchSampler:
            return _fast_tensor_batches(plan, self.batch_sampler._array_batches())
        return self._iter_map_batches()

    def _iter_map_batches(self):
        fetch_many = getattr(self.dataset, '__getitems__', None)
        for indices in self.batch_sampler:
            samples = fetch_many(indices) if callable(fetch_many) else [self.dataset[i] for i in indices]
            yield self.collate_fn(samples)

    def _iter_stream(self):
        it = iter(self.dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(x) for x in it)
            return
        while True:
            batch = list(itertools.islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)


def _tensor_batch_plan(dataset):
    """(tensors, index map or None) when batches can be cut straight out of TensorDataset tensors."""
    index_map = None
    while type(dataset) is Subset:
        idx = np.asarray(dataset.indices, dtype=np.int64).reshape(-1)
        index_map = idx if index_map is None else idx[index_map]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset or any(t.requires_grad for t in dataset.tensors):
        return None
    if index_map is not None:
        index_map = np.where(index_map < 0, index_map + len(dataset), index_map)
    return dataset.tensors, index_map


def _fast_tensor_batches(plan, batches):
    tensors, index_map = plan
    for idx in batches:
        if index_map is not None:
            idx = index_map[idx]
        out = []
        for t in tensors:
            a = t.array
            if isinstance(idx, slice):
                out.append(wrap(a[idx].copy()))   # a copy, as torch's stack makes: writes must not reach the dataset
            else:
                xp = backend.array_module(a)
                out.append(wrap(a[idx if xp is np else xp.asarray(idx)]))
        yield out


# torch.utils.data.distributed (a submodule in torch; this module is one file, so it is registered by name)
def _register_distributed():
    import sys
    from . import data_distributed
    sys.modules[__name__ + '.distributed'] = data_distributed
    return data_distributed


distributed = _register_distributed()

# the rest of torch.utils.data lives in data_extra.py, which subclasses the classes above
from .data_extra import ChainDataset, StackDataset, WeightedRandomSampler   # noqa: E402

# torch.utils.data.sampler / .dataset / .dataloader import paths
from .data_submodules import register as _register_submodules   # noqa: E402
_register_submodules(__import__('sys').modules[__name__])
