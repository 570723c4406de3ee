"""autograd.distributed and DistributedDataParallel with two real MPI processes (`mpiexec -n 2`, bounded in time).

tests/dist_worker.py runs every two-process check once and writes what each rank saw; these tests compare it
with NumPy (collectives), with one process training on the whole batch (DDP), and check the failure modes.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.utils.data.distributed

import autograd
import autograd.distributed as dist
from autograd.nn.parallel import DistributedDataParallel
from autograd.utils.data.distributed import DistributedSampler
from tolerance import assert_close

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'dist_worker.py')
MPIEXEC = shutil.which('mpiexec')
try:
    import mpi4py  # noqa: F401
    HAVE_MPI = MPIEXEC is not None
except ImportError:
    HAVE_MPI = False
needs_mpi = pytest.mark.skipif(not HAVE_MPI, reason="needs mpi4py and mpiexec: pip install mpi4py mpich (the test "
                               "extra installs them)")
sys.path.insert(0, os.path.dirname(WORKER))
import dist_worker  # noqa: E402


def launch(tmp_path, mode, limit=120):
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1')
    env.pop('RANK', None), env.pop('WORLD_SIZE', None)
    proc = subprocess.run([MPIEXEC, '-n', '2', sys.executable, WORKER, str(tmp_path), mode], env=env,
                          capture_output=True, text=True, timeout=limit)
    ranks = []
    for r in range(2):
        path = tmp_path / f'rank{r}.json'
        ranks.append(json.loads(path.read_text()) if path.exists() else None)
    return proc, ranks


@pytest.fixture(scope='module')
def seen(tmp_path_factory):
    if not HAVE_MPI:
        pytest.skip("needs mpi4py and mpiexec: pip install mpi4py mpich")
    proc, ranks = launch(tmp_path_factory.mktemp('dist'), 'checks')
    assert proc.returncode == 0 and all(ranks), proc.stdout[-3000:] + proc.stderr[-3000:]
    for r in ranks:
        assert 'crash' not in r, r['crash']
    return ranks


def inputs(shape=(3, 4), dtype='float64', ranks=(0, 1)):
    return [dist_worker.data(r, shape, dtype) for r in ranks]


REDUCE = {'SUM': np.add.reduce, 'PRODUCT': np.multiply.reduce, 'MIN': np.minimum.reduce,
          'MAX': np.maximum.reduce}


@needs_mpi
@pytest.mark.parametrize('dtype', ['float64', 'float32', 'int64', 'float16'])
@pytest.mark.parametrize('op', dist_worker.OPS)
def test_all_reduce_every_op_and_dtype_equals_numpy(seen, op, dtype):
    xs = inputs(dtype=dtype)
    wide = [x.astype(np.float32) if dtype == 'float16' else x for x in xs]   # MPI reduces half in float32
    if op == 'AVG':
        total = np.add.reduce(wide)
        expected = total // 2 if dtype == 'int64' else total / 2
    else:
        expected = REDUCE[op](wide)
    for rank in seen:
        assert_close(np.array(rank[f'all_reduce {op} {dtype}'], dtype), expected.astype(dtype), dtype, what=op)


@needs_mpi
def test_the_other_collectives_equal_numpy(seen):
    xs = inputs()
    for r, rank in enumerate(seen):
        assert_close(rank['all_reduce async'], xs[0] + xs[1])
        assert_close(rank['all_reduce transposed'], (xs[0] + xs[1]).T)
        assert_close(rank['broadcast from 1'], xs[1])
        assert_close(rank['reduce MAX to 1'], np.maximum(xs[0], xs[1]) if r == 1 else xs[r])
        assert_close(rank['all_gather'], np.stack(xs))
        assert_close(rank['all_gather_into_tensor'], np.concatenate(xs))
        blocks = np.add.reduce(inputs((6, 4)))
        assert_close(rank['reduce_scatter_tensor'], blocks[3 * r:3 * r + 3])
        assert_close(rank['scatter from 0'], dist_worker.data(10 + r))
        assert_close(rank['new_group all_reduce'], xs[0] + xs[1])
        assert rank['rank, size, env'] == [r, 2, str(r), '2', str(r)]
    assert_close(seen[0]['gather to 0'], np.stack(xs))
    assert seen[1]['gather to 0'] is None
    assert seen[1]['recv sender'] == 0
    assert_close(seen[1]['recv'], dist_worker.data(20))


@needs_mpi
def test_mismatched_shapes_raise_on_every_rank_naming_both(seen):
    for rank in seen:
        assert 'rank 0 has shape [2]' in rank['mismatch'] and 'rank 1 has shape [3]' in rank['mismatch']


@needs_mpi
@pytest.mark.parametrize('dtype', ['float64', 'float32'])
def test_two_ranks_with_batch_b_train_as_one_process_with_batch_2b(seen, dtype):
    """5 SGD-momentum steps of an MLP: DDP's bucketed gradient averaging is the big batch's gradient."""
    for rank in seen:
        assert rank[f'buckets {dtype}'] > 1
        for ours, single in zip(rank[f'ddp {dtype}'], rank[f'single {dtype}']):
            assert_close(ours, single, dtype, scale=10, what=f'DDP {dtype}')


@needs_mpi
def test_no_sync_accumulation_equals_one_big_step(seen):
    for rank in seen:
        for ours, single in zip(rank['no_sync'], rank['no_sync single']):
            assert_close(ours, single, 'float64')
        assert rank['state_dict keys'] == ['module.0.weight', 'module.0.bias']


@needs_mpi
def test_sync_batchnorm_over_two_ranks_equals_batchnorm_over_the_whole_batch(seen):
    """convert_sync_batchnorm + DDP, 2 ranks with half the batch each: parameters and running statistics equal
    one process's BatchNorm on the whole batch after 3 SGD steps."""
    for rank in seen:
        assert rank['bn sync type'] == 'SyncBatchNorm'
        for ours, single in zip(rank['bn sync float64'], rank['bn single float64']):
            assert_close(ours, single, 'float64', scale=10, what='SyncBatchNorm parameters')
        assert_close(rank['bn sync stats float64'], rank['bn single stats float64'], 'float64', scale=10)


@needs_mpi
def test_a_rank_that_stalls_makes_the_other_fail_within_the_timeout(tmp_path):
    proc, ranks = launch(tmp_path, 'stalls', limit=60)
    assert ranks[0] is not None, proc.stderr[-2000:]
    assert 'timed out after 3 s' in ranks[0]['error'] and ranks[0]['seconds'] < 10


@needs_mpi
def test_a_rank_that_dies_ends_the_run_instead_of_hanging(tmp_path):
    proc, ranks = launch(tmp_path, 'dies', limit=60)        # TimeoutExpired here would be the hang
    assert proc.returncode != 0
    assert ranks[0] is None or ranks[0]['error'] is not None


# ---- one process: the API without MPI ----------------------------------------------------------------
def test_collectives_before_init_raise_torchs_error():
    for call in (lambda m: m.distributed.get_rank(), lambda m: m.distributed.all_reduce(m.ones(2)),
                 lambda m: m.distributed.barrier()):
        with pytest.raises(ValueError) as theirs:
            call(torch)
        with pytest.raises(ValueError) as ours:
            call(autograd)
        assert str(ours.value) == str(theirs.value)
    assert not dist.is_initialized() and dist.is_available()
    with pytest.raises(ValueError, match='Default process group has not been initialized'):
        DistributedDataParallel(autograd.nn.Linear(2, 2))


def test_reduce_op_names_and_backend_names_are_torchs():
    assert [repr(getattr(dist.ReduceOp, n)) for n in ('SUM', 'AVG', 'MAX')] == \
        [repr(getattr(torch.distributed.ReduceOp, n)) for n in ('SUM', 'AVG', 'MAX')]
    assert dist.Backend('GLOO') == 'gloo' and dist.Backend.MPI == torch.distributed.Backend.MPI
    with pytest.raises(ValueError, match='Invalid backend'):
        dist.Backend('tcp')


@pytest.mark.parametrize('n, replicas, rank, shuffle, drop_last', [
    (10, 3, 0, True, False), (10, 3, 2, True, True), (7, 4, 3, False, False), (2, 5, 4, True, False),
    (0, 2, 1, True, False), (101, 2, 1, True, True)])
def test_distributed_sampler_gives_torchs_indices(n, replicas, rank, shuffle, drop_last):
    for epoch in (0, 1, 7):
        ours = DistributedSampler(range(n), replicas, rank, shuffle=shuffle, seed=11, drop_last=drop_last)
        theirs = torch.utils.data.distributed.DistributedSampler(range(n), replicas, rank, shuffle=shuffle,
                                                                 seed=11, drop_last=drop_last)
        ours.set_epoch(epoch), theirs.set_epoch(epoch)
        assert list(ours) == list(theirs) and len(ours) == len(theirs)
    with pytest.raises(ValueError, match=r'Invalid rank 3, rank should be in the interval \[0, 2\]'):
        DistributedSampler(range(4), 3, 3)


@needs_mpi
def test_the_trainer_runs_data_parallel_under_mpiexec(tmp_path, data_dir):
    """`mpiexec -n 2 python -m autograd.examples.mnist --distributed`: rank 0 alone prints and writes; --resume."""
    env = dict(os.environ, OMP_NUM_THREADS='1', OPENBLAS_NUM_THREADS='1', AUTOGRAD_DATA_DIR=data_dir)
    base = [MPIEXEC, '-n', '2', sys.executable, '-m', 'autograd.examples.mnist', '--model', 'mlp', '--limit', '512',
            '--batch-size', '64', '--distributed', '--out', str(tmp_path)]
    first = subprocess.run(base + ['--epochs', '1'], env=env, capture_output=True, text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    assert first.stdout.count('epoch 1/1:') == 1 and '2 processes' in first.stdout
    summary = json.loads((tmp_path / 'summary.json').read_text())
    assert summary['epochs'] == 1 and summary['final_test_accuracy'] > 0.5
    again = subprocess.run(base + ['--epochs', '2', '--resume', str(tmp_path / 'checkpoint.pt')], env=env,
                           capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and 'resumed from' in again.stdout and 'epoch 2/2:' in again.stdout, again.stderr
