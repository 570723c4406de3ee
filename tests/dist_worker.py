"""Run by tests/test_distributed.py under `mpiexec -n 2`: every check of autograd.distributed that needs two
processes. Each rank writes what it saw to OUT/rank<r>.json; the test compares it with NumPy.

    mpiexec -n 2 python tests/dist_worker.py OUT [checks|dies|stalls]
"""
import json
import os
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import autograd  # noqa: E402
import autograd.distributed as dist  # noqa: E402
from autograd import nn  # noqa: E402
from autograd.nn.parallel import DistributedDataParallel as DDP  # noqa: E402

OPS = ['SUM', 'AVG', 'PRODUCT', 'MIN', 'MAX']


def data(rank, shape=(3, 4), dtype=np.float64):
    """Rank r's input: any rank can rebuild every other rank's, so each can compute the expected result."""
    return (np.random.default_rng(rank + 7).standard_normal(shape) * 3).astype(dtype)


def collectives(rank, size):
    out = {}
    for dtype in ('float64', 'float32', 'int64', 'float16'):
        for op in OPS:
            t = autograd.tensor(data(rank, dtype=dtype))
            dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
            out[f'all_reduce {op} {dtype}'] = t.tolist()
    t = autograd.tensor(data(rank))
    work = dist.all_reduce(t, async_op=True)
    work.wait()
    out['all_reduce async'] = t.tolist()
    t = autograd.tensor(data(rank)).t()                    # non-contiguous: written back through the view
    dist.all_reduce(t)
    out['all_reduce transposed'] = t.tolist()
    t = autograd.tensor(data(rank))
    dist.broadcast(t, src=1)
    out['broadcast from 1'] = t.tolist()
    t = autograd.tensor(data(rank))
    dist.reduce(t, dst=1, op=dist.ReduceOp.MAX)
    out['reduce MAX to 1'] = t.tolist()
    parts = [autograd.zeros(3, 4, dtype=autograd.float64) for _ in range(size)]
    dist.all_gather(parts, autograd.tensor(data(rank)))
    out['all_gather'] = [p.tolist() for p in parts]
    whole = autograd.zeros(size * 3, 4, dtype=autograd.float64)
    dist.all_gather_into_tensor(whole, autograd.tensor(data(rank)))
    out['all_gather_into_tensor'] = whole.tolist()
    mine = autograd.zeros(3, 4, dtype=autograd.float64)
    dist.reduce_scatter_tensor(mine, autograd.tensor(data(rank, (size * 3, 4))))
    out['reduce_scatter_tensor'] = mine.tolist()
    gathered = [autograd.zeros(3, 4, dtype=autograd.float64) for _ in range(size)] if rank == 0 else None
    dist.gather(autograd.tensor(data(rank)), gathered, dst=0)
    out['gather to 0'] = [g.tolist() for g in gathered] if gathered else None
    got = autograd.zeros(3, 4, dtype=autograd.float64)
    dist.scatter(got, [autograd.tensor(data(10 + i)) for i in range(size)] if rank == 0 else None, src=0)
    out['scatter from 0'] = got.tolist()
    if rank == 0:
        dist.send(autograd.tensor(data(20)), dst=1, tag=3)
    else:
        got = autograd.zeros(3, 4, dtype=autograd.float64)
        out['recv sender'] = dist.recv(got, src=None, tag=3)
        out['recv'] = got.tolist()
    pair = dist.new_group([0, 1])
    t = autograd.tensor(data(rank))
    dist.all_reduce(t, group=pair)
    out['new_group all_reduce'] = t.tolist()
    dist.barrier()
    try:
        dist.all_reduce(autograd.ones(2 + rank))           # shapes differ across ranks
        out['mismatch'] = None
    except RuntimeError as e:
        out['mismatch'] = str(e)
    out['rank, size, env'] = [dist.get_rank(), dist.get_world_size(), os.environ['RANK'], os.environ['WORLD_SIZE'],
                              os.environ['LOCAL_RANK']]
    return out


def mlp(dtype):
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 3))
    return model.to(getattr(autograd, dtype))


def batches(steps, batch, dtype):
    rng = np.random.default_rng(3)
    return [(rng.standard_normal((batch, 6)).astype(dtype), rng.integers(0, 3, batch)) for _ in range(steps)]


def train(model, data, optimizer, accumulate=1):
    loss_fn = nn.CrossEntropyLoss()
    for i, (x, y) in enumerate(data):
        loss = loss_fn(model(autograd.tensor(x)), autograd.tensor(y)) / accumulate
        loss.backward()
        if (i + 1) % accumulate == 0:
            optimizer.step()
            optimizer.zero_grad()
    inner = getattr(model, 'module', model)
    return [p.detach().array.tolist() for p in inner.parameters()]


def data_parallel(rank, size):
    """2 ranks with batch B each against 1 process with batch 2B (computed on every rank, no communication)."""
    out = {}
    for dtype in ('float64', 'float32'):
        whole = batches(5, 8 * size, dtype)
        single = mlp(dtype)
        out[f'single {dtype}'] = train(single, whole, autograd.optim.SGD(single.parameters(), lr=0.1, momentum=0.9))
        model = DDP(mlp(dtype), bucket_cap_mb=0.001)       # several buckets, so they overlap with backward
        share = [(x[rank::size], y[rank::size]) for x, y in whole]
        out[f'ddp {dtype}'] = train(model, share, autograd.optim.SGD(model.parameters(), lr=0.1, momentum=0.9))
        out[f'buckets {dtype}'] = len(model._buckets)
    # no_sync: two half-batches accumulated locally, then one synchronised backward = one big step
    whole = batches(2, 8 * size, 'float64')
    model = DDP(mlp('float64'))
    optimizer = autograd.optim.SGD(model.parameters(), lr=0.1)
    loss_fn = nn.CrossEntropyLoss()
    x, y = whole[0]
    mine = slice(rank * 8, (rank + 1) * 8)
    with model.no_sync():
        loss_fn(model(autograd.tensor(x[mine][:4])), autograd.tensor(y[mine][:4])).div(2).backward()
    loss_fn(model(autograd.tensor(x[mine][4:])), autograd.tensor(y[mine][4:])).div(2).backward()
    optimizer.step()
    out['no_sync'] = [p.detach().array.tolist() for p in model.module.parameters()]
    single = mlp('float64')
    loss_fn(single(autograd.tensor(x)), autograd.tensor(y)).backward()
    autograd.optim.SGD(single.parameters(), lr=0.1).step()
    out['no_sync single'] = [p.detach().array.tolist() for p in single.parameters()]
    out['state_dict keys'] = list(model.state_dict())[:2]
    # SyncBatchNorm: batch statistics over both ranks' halves = BatchNorm over the whole batch
    for dtype in ('float64',):
        def bn_model():
            autograd.manual_seed(0)
            return nn.Sequential(nn.Linear(6, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 3)).to(
                getattr(autograd, dtype))
        whole = batches(3, 8 * size, dtype)
        single = bn_model()
        out[f'bn single {dtype}'] = train(single, whole, autograd.optim.SGD(single.parameters(), lr=0.1))
        out[f'bn single stats {dtype}'] = single[1].running_var.tolist()
        synced = DDP(nn.SyncBatchNorm.convert_sync_batchnorm(bn_model()))
        share = [(x[rank::size], y[rank::size]) for x, y in whole]
        out[f'bn sync {dtype}'] = train(synced, share, autograd.optim.SGD(synced.parameters(), lr=0.1))
        out[f'bn sync stats {dtype}'] = synced.module[1].running_var.tolist()
        out['bn sync type'] = type(synced.module[1]).__name__
    return out


def main():
    folder, mode = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else 'checks'
    dist.init_process_group('gloo' if mode == 'checks' else 'mpi',
                            timeout=__import__('datetime').timedelta(seconds=60 if mode == 'checks' else 3))
    rank, size = dist.get_rank(), dist.get_world_size()
    result = {}
    try:
        if mode == 'checks':
            result.update(collectives(rank, size))
            result.update(data_parallel(rank, size))
        elif mode == 'dies':          # rank 1 dies; rank 0's collective must fail, not hang
            if rank == 1:
                os._exit(3)
            began = time.monotonic()
            try:
                dist.all_reduce(autograd.ones(3))
                result['error'] = None
            except RuntimeError as e:
                result['error'] = str(e)
            result['seconds'] = time.monotonic() - began
        elif mode == 'stalls':        # rank 1 is alive but never joins: rank 0 times out
            if rank == 0:
                began = time.monotonic()
                try:
                    dist.all_reduce(autograd.ones(3))
                    result['error'] = None
                except RuntimeError as e:
                    result['error'] = str(e)
                result['seconds'] = time.monotonic() - began
            else:
                time.sleep(6)
    except Exception:
        result['crash'] = traceback.format_exc()
    with open(os.path.join(folder, f'rank{rank}.json'), 'w') as f:
        json.dump(result, f)
    sys.stdout.flush()
    if mode != 'checks':
        os._exit(0)                   # a request is left pending on purpose: skip MPI_Finalize's wait for it
    dist.destroy_process_group()


if __name__ == '__main__':
    main()
