"""DataLoader worker processes against torch's (same batches, order, worker seeds, errors) and the
samplers/datasets added with them. Worker tests start processes, so there are few of them, each covering
several options at once."""
import gc
import os
import random
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import torch
import torch.utils.data as tdata
from hypothesis import given, settings, strategies as st

import autograd
import autograd.utils.data as adata
from autograd.utils.data_workers import generate_state


def _plain(batch):
    return [x.tolist() if hasattr(x, 'tolist') else x for x in batch]


def _map_dataset(lib):
    class Draws(lib.utils.data.Dataset):
        """Each sample records who made it and what the worker's three random streams give."""
        def __len__(self):
            return 23

        def __getitem__(self, i):
            info = lib.utils.data.get_worker_info()
            return i, lib.rand(()).item(), info.id, info.num_workers, float(np.random.rand()), random.random()
    return Draws()


def _init_fn(worker_id):
    np.random.seed(1000 + worker_id)    # the user's re-seeding must win over the loader's


def test_generate_state_is_torchs():
    from torch.utils.data._utils.worker import _generate_state
    for base in (0, 1, 2 ** 32 - 1, 12345678901234, 2 ** 63 - 1):
        for wid in range(4):
            assert generate_state(base, wid) == _generate_state(base, wid)


@pytest.mark.filterwarnings("ignore:This DataLoader will create")
def test_workers_give_torchs_batches_seeds_and_order_over_persistent_passes():
    """Shuffled map-style data, 3 workers, prefetch 1, worker_init_fn, two passes of persistent workers:
    every batch (indices, the worker that built it, its torch/NumPy/random draws) equals torch's."""
    runs = {}
    for lib in (torch, autograd):
        lib.manual_seed(3)
        loader = lib.utils.data.DataLoader(_map_dataset(lib), batch_size=4, shuffle=True, num_workers=3,
                                           prefetch_factor=1, worker_init_fn=_init_fn, persistent_workers=True)
        runs[lib.__name__] = [[_plain(b) for b in loader] for _ in range(2)] + [lib.rand(2).tolist()]
    assert runs['autograd'] == runs['torch']


def test_iterable_dataset_sharded_with_get_worker_info():
    """Each worker reads its shard; batches interleave worker by worker, the shorter shard ends early,
    and a ChainDataset of such streams works too (batch_size None and drop_last included)."""
    def shards(lib, n):
        class Shard(lib.utils.data.IterableDataset):
            def __iter__(self):
                info = lib.utils.data.get_worker_info()
                return iter(range(info.id, n, info.num_workers))
        return Shard()
    for kwargs in (dict(batch_size=3), dict(batch_size=2, drop_last=True)):
        ours = [_plain(b) if isinstance(b, list) else b.tolist()
                for b in adata.DataLoader(adata.ChainDataset([shards(autograd, 11), shards(autograd, 4)]),
                                          num_workers=2, **kwargs)]
        theirs = [b.tolist() for b in tdata.DataLoader(tdata.ChainDataset([shards(torch, 11), shards(torch, 4)]),
                                                       num_workers=2, **kwargs)]
        assert ours == theirs
    ours = list(adata.DataLoader(shards(autograd, 5), batch_size=None, num_workers=2))
    assert ours == list(tdata.DataLoader(shards(torch, 5), batch_size=None, num_workers=2))


class _Faulty(adata.Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"no sample {i}")
        if i == 7:
            time.sleep(1.5)
        return autograd.tensor([float(i)])


def test_worker_error_timeout_and_no_leaked_processes():
    loader = adata.DataLoader(_Faulty(), batch_size=2, num_workers=2)
    it = iter(loader)
    pids = it.worker_pids
    assert next(it).tolist() == [[0.0], [1.0]]
    next(it)
    with pytest.raises(KeyError) as err:   # batch [4, 5]: worker 0 raised; its traceback comes along
        next(it)
    text = str(err.value)
    assert text.startswith("Caught KeyError in DataLoader worker process 0.\nOriginal Traceback")
    assert "no sample 5" in text and "in __getitem__" in text
    del err, it   # dropped half way: the finalizer stops and joins the workers
    gc.collect()
    deadline = time.time() + 10
    while time.time() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids)


def test_timeout():
    slow = iter(adata.DataLoader(_Faulty(), batch_size=2, num_workers=1, timeout=0.3, sampler=[7, 6]))
    with pytest.raises(RuntimeError, match=r"DataLoader timed out after 0.3 seconds"):
        next(slow)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie is dead: it only waits for its parent to read its status
        with open(f'/proc/{pid}/stat') as fh:
            return fh.read().split(')')[-1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def test_ctrl_c_leaves_no_worker_processes():
    script = textwrap.dedent("""
        import os, signal, autograd, autograd.utils.data as D
        loader = D.DataLoader(D.TensorDataset(autograd.arange(40.)), batch_size=2, num_workers=2)
        it = iter(loader)
        print(*it.worker_pids, flush=True)
        try:
            for i, b in enumerate(it):
                if i == 2:
                    os.kill(os.getpid(), signal.SIGINT)
        except KeyboardInterrupt:
            print('interrupted', flush=True)
        raise KeyboardInterrupt   # and the interpreter exits through it, workers still referenced
    """)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    proc = subprocess.run([sys.executable, '-c', script], capture_output=True, text=True, timeout=60, env=env)
    lines = proc.stdout.split('\n')
    assert lines[1] == 'interrupted', proc.stderr
    pids = [int(p) for p in lines[0].split()]
    time.sleep(0.2)
    assert not any(_alive(p) for p in pids)


def test_loader_option_errors_match_torch():
    ds = adata.TensorDataset(autograd.arange(4.))
    tds = tdata.TensorDataset(torch.arange(4.))
    for kwargs in (dict(prefetch_factor=2), dict(persistent_workers=True), dict(num_workers=1, prefetch_factor=-1)):
        with pytest.raises(ValueError) as ours:
            adata.DataLoader(ds, **kwargs)
        with pytest.raises(ValueError) as theirs:
            tdata.DataLoader(tds, **kwargs)
        assert str(ours.value) == str(theirs.value)
    assert adata.DataLoader(ds, num_workers=1).prefetch_factor == 2
    assert adata.get_worker_info() is None


@settings(max_examples=25, deadline=None)
# no subnormal weights: torch's multinomial and ours disagree on a 5e-324 weight (a CI draw)
@given(weights=st.lists(st.floats(0, 10, allow_subnormal=False), min_size=1, max_size=12).filter(lambda w: sum(w) > 0),
       num_samples=st.integers(1, 30), replacement=st.booleans(), seed=st.integers(0, 2 ** 32))
def test_weighted_random_sampler_draws_torchs_indices(weights, num_samples, replacement, seed):
    positive = sum(w > 0 for w in weights)
    if not replacement and num_samples > positive:
        num_samples = positive
    ours = adata.WeightedRandomSampler(weights, num_samples, replacement,
                                       generator=autograd.Generator().manual_seed(seed))
    theirs = tdata.WeightedRandomSampler(weights, num_samples, replacement,
                                         generator=torch.Generator().manual_seed(seed))
    assert len(ours) == len(theirs)
    assert list(ours) == list(theirs) and list(ours) == list(theirs)   # two passes: the generator moves on
    autograd.manual_seed(seed)
    torch.manual_seed(seed)
    assert list(adata.WeightedRandomSampler(weights, num_samples, replacement)) == \
        list(tdata.WeightedRandomSampler(weights, num_samples, replacement))


def test_weighted_random_sampler_errors_match_torch():
    for args in (([1., 2.], 0), ([1., 2.], 2, 1), ([[1., 2.]], 2)):
        with pytest.raises(ValueError) as ours:
            adata.WeightedRandomSampler(*args)
        with pytest.raises(ValueError) as theirs:
            tdata.WeightedRandomSampler(*args)
        assert str(ours.value) == str(theirs.value)


def test_stack_and_chain_datasets_match_torch():
    a, b = np.arange(6.), np.arange(6) * 10
    for make in (lambda D, t: D.StackDataset(D.TensorDataset(t.tensor(a)), b.tolist()),
                 lambda D, t: D.StackDataset(x=D.TensorDataset(t.tensor(a)), y=b.tolist())):
        ours, theirs = make(adata, autograd), make(tdata, torch)
        assert len(ours) == len(theirs)
        for o_batch, t_batch in zip(adata.DataLoader(ours, batch_size=4), tdata.DataLoader(theirs, batch_size=4)):
            o = o_batch if isinstance(o_batch, dict) else dict(enumerate(o_batch))
            t = t_batch if isinstance(t_batch, dict) else dict(enumerate(t_batch))
            assert str(o) .replace('autograd', '') and list(o) == list(t)
            for k in o:
                np.testing.assert_array_equal(np.asarray(_deep(o[k])), np.asarray(_deep(t[k])))
    for bad in ((), ([1], [1, 2])):
        with pytest.raises(ValueError) as ours:
            adata.StackDataset(*bad)
        with pytest.raises(ValueError) as theirs:
            tdata.StackDataset(*bad)
        assert str(ours.value) == str(theirs.value)

    class Count(adata.IterableDataset):
        def __init__(self, n):
            self.n = n

        def __iter__(self):
            return iter(range(self.n))

        def __len__(self):
            return self.n
    chained = Count(2) + Count(3)
    assert isinstance(chained, adata.ChainDataset) and list(chained) == [0, 1, 0, 1, 2] and len(chained) == 5
    with pytest.raises(AssertionError, match="ChainDataset only supports IterableDataset"):
        list(adata.ChainDataset([Count(1), [1, 2]]))


def _deep(x):
    if isinstance(x, (list, tuple)):
        return [_deep(v) for v in x]
    return x.tolist() if hasattr(x, 'tolist') else x


class _WaitsForNine:
    """Sample 0 blocks until sample 9 has been fetched (a marker file; at most 20 s), so its worker falls
    behind the other one for as long as the rest of the pass takes, whatever the machine's speed."""
    def __init__(self, marker, delay=0.0):
        self.marker, self.delay = marker, delay

    def __len__(self):
        return 10

    def __getitem__(self, i):
        if i == 9:
            open(self.marker, 'w').close()
        if i == 0:
            deadline = time.time() + (self.delay or 20.0)
            while time.time() < deadline and (self.delay or not os.path.exists(self.marker)):
                time.sleep(0.01)
        return i


def test_in_order_false_hands_out_batches_as_they_arrive(tmp_path):
    """in_order=False: batches are yielded as workers finish them, and new tasks go only to workers with room
    (torch's rule), so while worker 0 is stuck on sample 0 (holding 0 and 2), samples 4-9 all go to worker 1:
    torch and we yield 1, 3, 4, ..., 8 first, then 9, 0 and 2 (0 before 2, one worker's order). in_order=True
    (the default) waits for sample 0."""
    runs = {}
    for lib in (torch, autograd):
        marker = tmp_path / f"nine-{lib.__name__}"
        loader = lib.utils.data.DataLoader(_as_dataset(lib, marker),
                                           batch_size=1, num_workers=2, prefetch_factor=2, in_order=False)
        runs[lib.__name__] = [b.item() for b in loader]
    for order in runs.values():
        assert order[:7] == [1, 3, 4, 5, 6, 7, 8] and sorted(order[7:]) == [0, 2, 9]
        assert order.index(0) < order.index(2)
    ordered = [b.item() for b in adata.DataLoader(_as_dataset(autograd, tmp_path / "x", delay=0.3), batch_size=1,
                                                  num_workers=2)]
    assert ordered == list(range(10))


def _as_dataset(lib, marker, delay=0.0):
    class Waits(_WaitsForNine, lib.utils.data.Dataset):
        pass
    return Waits(str(marker), delay)
