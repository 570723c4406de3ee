"""autograd.utils.data against torch.utils.data: the same datasets give the same batches, types and errors."""
import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tdata
from hypothesis import given, settings, strategies as st

import autograd
import autograd.utils.data as adata

Point = collections.namedtuple('Point', 'x y')


def plain(obj):
    """A framework-neutral form of a batch: tensors become (dtype name, array); containers keep their type."""
    if isinstance(obj, (autograd.Tensor, torch.Tensor)):
        return ('tensor', str(obj.dtype).split('.')[-1], np.asarray(obj.detach().cpu().numpy()))
    if isinstance(obj, dict):
        return (type(obj).__name__, {k: plain(v) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, '_fields'):
        return ('namedtuple', type(obj).__name__, [plain(v) for v in obj])
    if isinstance(obj, (list, tuple)):
        return (type(obj).__name__, [plain(v) for v in obj])
    return obj


def assert_same(ours, theirs):
    a, b = plain(ours), plain(theirs)
    _compare(a, b)


def _compare(a, b):
    if isinstance(a, tuple) and a and a[0] == 'tensor':
        assert isinstance(b, tuple) and b[0] == 'tensor', (a, b)
        assert a[1] == b[1], f"dtype {a[1]} != torch's {b[1]}"
        assert a[2].shape == b[2].shape
        np.testing.assert_array_equal(a[2], b[2])
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _compare(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), (a, b)
        for x, y in zip(a, b):
            _compare(x, y)
    else:
        assert a == b and type(a) is type(b), (a, b)


def both_tensor_datasets(n, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 3)).astype(np.float32)
    y = rng.integers(0, 10, n)
    ours = adata.TensorDataset(autograd.tensor(x), autograd.tensor(y))
    theirs = tdata.TensorDataset(torch.tensor(x), torch.tensor(y))
    return ours, theirs


def items_dataset(base, items):
    """A map-style dataset over a list of samples, subclassing either framework's Dataset."""
    class Items(base):
        def __len__(self):
            return len(items)

        def __getitem__(self, i):
            return items[i]
    return Items()


def batches(loader):
    return [b for b in loader]


# ---- datasets ---------------------------------------------------------------------------------
@pytest.mark.parametrize('index', [0, 5, -1, slice(2, 7), slice(None, None, 3), [1, 4, 4],
                                   np.array([0, 9, 2]), 'tensor'])
def test_tensor_dataset_indexing_matches_torch(index):
    ours, theirs = both_tensor_datasets(10)
    ti = torch.tensor([3, 1]) if isinstance(index, str) else index
    ai = autograd.tensor([3, 1]) if isinstance(index, str) else index
    assert_same(ours[ai], theirs[ti])
    assert len(ours) == len(theirs)


def test_tensor_dataset_size_mismatch():
    with pytest.raises(AssertionError, match="Size mismatch"):
        adata.TensorDataset(autograd.zeros(3, 2), autograd.zeros(4))


def test_subset_and_concat_match_torch():
    ours, theirs = both_tensor_datasets(12)
    idx = [7, 2, 11, 0]
    assert_same([adata.Subset(ours, idx)[i] for i in range(4)], [tdata.Subset(theirs, idx)[i] for i in range(4)])
    oc = adata.ConcatDataset([ours, adata.Subset(ours, idx)])
    tc = tdata.ConcatDataset([theirs, tdata.Subset(theirs, idx)])
    assert len(oc) == len(tc) == 16
    for i in [0, 11, 12, 15, -1, -16]:
        assert_same(oc[i], tc[i])
    with pytest.raises(ValueError, match="absolute value of index"):
        oc[-17]
    assert len(ours + ours) == 24


def test_dataset_base_requires_getitem():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        adata.Dataset()[0]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 60), lengths=st.lists(st.floats(0.05, 1.0), min_size=1, max_size=4), seed=st.integers(0, 99))
def test_random_split_fractions_sizes_match_torch_and_partition(n, lengths, seed):
    fracs = [x / sum(lengths) for x in lengths]
    fracs[-1] = 1 - sum(fracs[:-1])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            theirs = tdata.random_split(range(n), fracs)
        except ValueError:   # torch rejects rounding-edge fractions; ours must too
            with pytest.raises(ValueError):
                adata.random_split(range(n), fracs)
            return
        ours = adata.random_split(range(n), fracs, generator=autograd.Generator().manual_seed(seed))
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    seen = sorted(i for s in ours for i in s.indices)
    assert seen == list(range(n))


def test_random_split_lengths_generator_and_errors():
    a = adata.random_split(range(10), [3, 7], generator=autograd.Generator().manual_seed(42))
    b = adata.random_split(range(10), [3, 7], generator=autograd.Generator().manual_seed(42))
    assert [s.indices for s in a] == [s.indices for s in b]
    expected = autograd.randperm(10, generator=autograd.Generator().manual_seed(42)).tolist()
    assert a[0].indices + a[1].indices == expected
    with pytest.raises(ValueError, match="Sum of input lengths"):
        adata.random_split(range(10), [3, 6])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        tdata.random_split(range(10), [3, 6])


# ---- samplers ---------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 40), bs=st.integers(1, 12), drop_last=st.booleans())
def test_batch_sampler_matches_torch(n, bs, drop_last):
    ours = adata.BatchSampler(adata.SequentialSampler(range(n)), bs, drop_last)
    theirs = tdata.BatchSampler(tdata.SequentialSampler(range(n)), bs, drop_last)
    assert list(ours) == list(theirs)
    assert len(ours) == len(theirs)
    assert list(ours._array_batches()) == [slice(b[0], b[-1] + 1) for b in theirs]


def test_batch_sampler_validates_like_torch():
    for bad in (0, -1, True, 2.0):
        with pytest.raises(ValueError, match="batch_size should be a positive integer"):
            adata.BatchSampler(range(4), bad, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        adata.BatchSampler(range(4), 2, 1)


def test_random_sampler_permutation_seeded_and_with_replacement():
    g = autograd.Generator().manual_seed(3)
    order = list(adata.RandomSampler(range(20), generator=g))
    assert sorted(order) == list(range(20))
    assert order == autograd.randperm(20, generator=autograd.Generator().manual_seed(3)).tolist()
    longer = list(adata.RandomSampler(range(5), num_samples=12, generator=g))
    assert len(longer) == 12 and sorted(longer[:5]) == list(range(5)) and sorted(longer[5:10]) == list(range(5))
    drawn = list(adata.RandomSampler(range(5), replacement=True, num_samples=50, generator=g))
    assert len(drawn) == 50 and set(drawn) <= set(range(5))
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        adata.RandomSampler(range(5), num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        adata.RandomSampler(range(5), replacement=1)


def test_subset_random_sampler():
    idx = [10, 20, 30, 40]
    s = adata.SubsetRandomSampler(idx, generator=autograd.Generator().manual_seed(0))
    out = list(s)
    assert sorted(out) == idx and len(s) == 4


# ---- collation --------------------------------------------------------------------------------
COLLATE_CASES = {
    'ints': lambda T, A: [1, 2, 3],
    'floats': lambda T, A: [1.5, 2.0],
    'bools': lambda T, A: [True, False],
    'strings': lambda T, A: ['a', 'b'],
    'tuples': lambda T, A: [(1, 'a', 2.0), (3, 'b', 4.0)],
    'lists': lambda T, A: [[1, 2], [3, 4]],
    'dicts': lambda T, A: [{'x': 1, 'y': [1, 2]}, {'x': 2, 'y': [3, 4]}],
    'ordered': lambda T, A: [collections.OrderedDict(b=1.0, a=2), collections.OrderedDict(b=3.0, a=4)],
    'namedtuple': lambda T, A: [Point(1, 2.0), Point(3, 4.0)],
    'np_float32': lambda T, A: [np.ones((2, 3), np.float32), np.zeros((2, 3), np.float32)],
    'np_float64': lambda T, A: [np.arange(3.0), np.arange(3.0) * 2],
    'np_int': lambda T, A: [np.arange(4, dtype=np.int32), np.arange(4, dtype=np.int32)],
    'np_scalars': lambda T, A: [np.float32(1.5), np.float32(2)],
    'np_int_scalars': lambda T, A: [np.int16(1), np.int16(2)],
    'np_0d': lambda T, A: [np.array(1.5), np.array(2.5)],
    'tensors': lambda T, A: [T([[1.0, 2.0]]), T([[3.0, 4.0]])],
    'int_tensors': lambda T, A: [T([1, 2]), T([3, 4])],
    'scalar_tensors': lambda T, A: [T(1.0), T(2.0)],
    'tensor_pairs': lambda T, A: [(T([1.0]), 0), (T([2.0]), 1)],
}


@pytest.mark.parametrize('case', sorted(COLLATE_CASES))
def test_default_collate_matches_torch(case):
    make = COLLATE_CASES[case]
    ours = adata.default_collate(make(autograd.tensor, autograd))
    theirs = tdata.default_collate(make(torch.tensor, torch))
    assert_same(ours, theirs)


def test_default_collate_errors_match_torch():
    for batch in ([object(), object()], [np.array(['a', 'b']), np.array(['c', 'd'])]):
        with pytest.raises(TypeError) as theirs:
            tdata.default_collate(batch)
        with pytest.raises(TypeError) as ours:
            adata.default_collate(batch)
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        adata.default_collate([[1, 2], [3]])


@pytest.mark.parametrize('data', [np.arange(3), (np.float32(1), 'a'), {'k': np.ones(2)}, [1, np.int64(2)], 'txt'])
def test_default_convert_matches_torch(data):
    assert_same(adata.default_convert(data), tdata.default_convert(data))


# ---- the loader -------------------------------------------------------------------------------
@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 50), bs=st.integers(1, 16), drop_last=st.booleans())
def test_loader_over_tensor_dataset_matches_torch(n, bs, drop_last):
    ours, theirs = both_tensor_datasets(n)
    o = adata.DataLoader(ours, batch_size=bs, drop_last=drop_last)
    t = tdata.DataLoader(theirs, batch_size=bs, drop_last=drop_last)
    assert len(o) == len(t)
    assert_same(batches(o), batches(t))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(2, 40), bs=st.integers(1, 8), drop_last=st.booleans(), seed=st.integers(0, 2 ** 31))
def test_subset_loader_fast_path_matches_torch(n, bs, drop_last, seed):
    ours, theirs = both_tensor_datasets(n)
    idx = np.random.default_rng(seed).permutation(n)[: n // 2 + 1].tolist()
    idx[0] = idx[0] - n   # a negative index, which Subset allows
    o = adata.DataLoader(adata.Subset(adata.Subset(ours, list(range(n))), idx), batch_size=bs, drop_last=drop_last)
    t = tdata.DataLoader(tdata.Subset(tdata.Subset(theirs, list(range(n))), idx), batch_size=bs,
                         drop_last=drop_last)
    assert_same(batches(o), batches(t))


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 50), bs=st.integers(1, 16), drop_last=st.booleans(), seed=st.integers(0, 2 ** 31))
def test_shuffle_fast_path_equals_item_by_item_path(n, bs, drop_last, seed):
    """The one-fancy-index path gives what fetching items and stacking them gives, for the same seed."""
    ours, _ = both_tensor_datasets(n)
    fast = adata.DataLoader(ours, bs, shuffle=True, drop_last=drop_last,
                            generator=autograd.Generator().manual_seed(seed))
    slow = adata.DataLoader(ours, bs, shuffle=True, drop_last=drop_last, collate_fn=lambda b: adata.default_collate(b),
                            generator=autograd.Generator().manual_seed(seed))
    got = batches(fast)
    assert_same(got, batches(slow))
    # torch's own loader over the same seed gives the order (its base-seed draw, then randperm)
    order = [i for b in torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.arange(n)), bs, shuffle=True,
             generator=torch.Generator().manual_seed(seed)) for i in b[0].tolist()]
    keep = len(fast) * bs if drop_last else n
    y = ours.tensors[1].numpy()
    assert np.concatenate([b[1].numpy() for b in got]).tolist() == y[order[:keep]].tolist() if got else keep == 0


def test_shuffle_reshuffles_each_epoch_and_covers_dataset():
    ours, _ = both_tensor_datasets(64)
    loader = adata.DataLoader(ours, batch_size=10, shuffle=True, generator=autograd.Generator().manual_seed(0))
    epochs = [np.concatenate([b[0].numpy() for b in loader]) for _ in range(2)]
    rows = sorted(map(tuple, ours.tensors[0].numpy()))
    assert all(sorted(map(tuple, e)) == rows for e in epochs)
    assert not np.array_equal(epochs[0], epochs[1])


def test_global_seed_makes_shuffle_repeatable():
    ours, _ = both_tensor_datasets(30)
    autograd.manual_seed(5)
    a = [b[1].tolist() for b in adata.DataLoader(ours, batch_size=7, shuffle=True)]
    autograd.manual_seed(5)
    b = [b[1].tolist() for b in adata.DataLoader(ours, batch_size=7, shuffle=True)]
    assert a == b


def test_fast_path_batches_are_copies():
    ours, _ = both_tensor_datasets(8)
    before = ours.tensors[0].numpy().copy()
    for shuffle in (False, True):
        for x, _ in adata.DataLoader(ours, batch_size=4, shuffle=shuffle):
            x.array[...] = 99
    np.testing.assert_array_equal(ours.tensors[0].numpy(), before)


def test_loader_on_device_tensor_dataset(device):
    x = autograd.arange(12.0, device=device).reshape(6, 2)
    ds = adata.TensorDataset(x, autograd.arange(6, device=device))
    got = batches(adata.DataLoader(ds, batch_size=4, shuffle=True, generator=autograd.Generator().manual_seed(1)))
    assert all(b[0].device.type == device for b in got)
    assert sorted(np.concatenate([b[1].cpu().numpy() for b in got]).tolist()) == list(range(6))


ITEMS = [({'img': np.full((2, 2), i, np.float32), 'label': i, 'name': f'n{i}'}, float(i)) for i in range(7)]


@pytest.mark.parametrize('bs', [1, 3, None])
def test_loader_collates_generic_samples_like_torch(bs):
    o = adata.DataLoader(items_dataset(adata.Dataset, ITEMS), batch_size=bs)
    t = tdata.DataLoader(items_dataset(tdata.Dataset, ITEMS), batch_size=bs)
    assert len(o) == len(t)
    assert_same(batches(o), batches(t))


def test_loader_sampler_batch_sampler_and_collate_fn_like_torch():
    ours, theirs = both_tensor_datasets(10)
    sampler = [9, 0, 3, 3, 5]
    assert_same(batches(adata.DataLoader(ours, batch_size=2, sampler=sampler)),
                batches(tdata.DataLoader(theirs, batch_size=2, sampler=sampler)))
    bsampler = [[1, 2, 3], [7], [0, 9]]
    o = adata.DataLoader(ours, batch_sampler=bsampler)
    t = tdata.DataLoader(theirs, batch_sampler=bsampler)
    assert len(o) == len(t) == 3 and o.batch_size is None
    assert_same(batches(o), batches(t))
    o = adata.DataLoader(ours, batch_size=4, collate_fn=lambda b: len(b))
    assert batches(o) == [4, 4, 2] and o.dataset is ours


def test_loader_worker_options_give_the_same_batches():
    """Worker processes (tests/test_data_workers.py covers them) change where batches are made, not what
    they hold; pin_memory without an accelerator warns as torch does."""
    ours, theirs = both_tensor_datasets(9)
    o = adata.DataLoader(ours, batch_size=4, num_workers=2, pin_memory=True, persistent_workers=True,
                         prefetch_factor=2)
    with pytest.warns(UserWarning) as ours_warned:
        ours_batches = batches(o)
    t = tdata.DataLoader(theirs, batch_size=4, num_workers=2, pin_memory=True, persistent_workers=True)
    with pytest.warns(UserWarning) as torch_warned:
        assert_same(ours_batches, batches(t))
    assert [str(w.message) for w in ours_warned] == [str(w.message) for w in torch_warned]


@pytest.mark.parametrize('kwargs', [dict(sampler=[0], shuffle=True), dict(batch_sampler=[[0]], batch_size=2),
                                    dict(batch_sampler=[[0]], drop_last=True), dict(batch_size=None, drop_last=True),
                                    dict(num_workers=-1)])
def test_loader_option_conflicts_raise_like_torch(kwargs):
    ours, theirs = both_tensor_datasets(4)
    with pytest.raises(ValueError) as t:
        tdata.DataLoader(theirs, **kwargs)
    with pytest.raises(ValueError) as o:
        adata.DataLoader(ours, **kwargs)
    assert str(o.value).split(';')[0] == str(t.value).split(';')[0]


def stream(base, n):
    class Stream(base):
        def __iter__(self):
            return iter([(np.float32(i), i) for i in range(n)])

        def __len__(self):
            return n
    return Stream()


@pytest.mark.parametrize('bs,drop_last', [(3, False), (3, True), (1, False), (None, False)])
def test_iterable_dataset_like_torch(bs, drop_last):
    o = adata.DataLoader(stream(adata.IterableDataset, 8), batch_size=bs, drop_last=drop_last)
    t = tdata.DataLoader(stream(tdata.IterableDataset, 8), batch_size=bs, drop_last=drop_last)
    assert len(o) == len(t)
    assert_same(batches(o), batches(t))
    with pytest.raises(ValueError, match="expected unspecified shuffle option"):
        adata.DataLoader(stream(adata.IterableDataset, 8), shuffle=True)


def test_getitems_is_used_for_batches():
    class Batched(adata.Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitem__(self, i):
            raise AssertionError("__getitems__ should be used")

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [float(i) for i in indices]
    ds = Batched()
    out = batches(adata.DataLoader(ds, batch_size=2))
    assert ds.calls == [[0, 1], [2, 3], [4]]
    assert_same(out, [torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([2.0, 3.0], dtype=torch.float64),
                      torch.tensor([4.0], dtype=torch.float64)])


def test_reachable_as_autograd_utils_data():
    import autograd.utils
    assert autograd.utils.data.DataLoader is adata.DataLoader
    assert adata.get_worker_info() is None


def test_tensor_dataset_batches_skip_per_item_fetching(monkeypatch):
    """The fast path cuts whole batches out of the tensors: __getitem__ is never called."""
    ours, theirs = both_tensor_datasets(20)

    def per_item(self, index):
        raise AssertionError("fetched item by item")
    monkeypatch.setattr(adata.TensorDataset, '__getitem__', per_item)
    for collate in (None, adata.default_collate):
        got = batches(adata.DataLoader(adata.Subset(ours, list(range(19, -1, -1))), batch_size=6, collate_fn=collate))
        assert_same(got, batches(tdata.DataLoader(tdata.Subset(theirs, list(range(19, -1, -1))), batch_size=6)))
