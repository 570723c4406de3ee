"""torch.distributed on proven communication engines: MPI through mpi4py for CPU processes, NCCL through CuPy
for GPUs. No home-made transport.

Launch with an MPI launcher (`mpiexec -n 2 python train.py`; `pip install mpi4py mpich` provides both), then

    import autograd.distributed as dist
    dist.init_process_group('mpi')            # 'gloo' is an alias that runs on MPI; 'nccl' for CuPy tensors
    dist.all_reduce(t, op=dist.ReduceOp.SUM)  # in place, as torch

Ranks come from the launcher (MPI's COMM_WORLD); torchrun-style RANK / WORLD_SIZE / LOCAL_RANK variables, when
set, must agree with it, and are set for the program when absent. Every collective waits with the group's
timeout (a rank that never arrives is an error, not a hang) and first checks that all ranks passed tensors of
one shape and dtype, naming the ranks that differ.
"""
import datetime
import os

from .backends import MPIBackend, NCCLBackend, ReduceOp, Work, mpi4py_or_none

__all__ = ['Backend', 'GroupMember', 'ProcessGroup', 'ReduceOp', 'Work', 'all_gather', 'all_gather_into_tensor',
           'all_reduce', 'barrier', 'broadcast', 'destroy_process_group', 'gather', 'get_backend', 'get_rank',
           'get_world_size', 'init_process_group', 'irecv', 'is_available', 'is_initialized', 'is_mpi_available',
           'is_nccl_available', 'is_gloo_available', 'isend', 'new_group', 'recv', 'reduce', 'reduce_scatter_tensor',
           'scatter', 'send']

NOT_INITIALIZED = "Default process group has not been initialized, please make sure to call init_process_group."
DEFAULT_TIMEOUT = datetime.timedelta(minutes=30)


class Backend(str):
    """The backend names torch accepts; 'gloo' runs on MPI here (there is no gloo library in this project)."""
    MPI, GLOO, NCCL, UNDEFINED = 'mpi', 'gloo', 'nccl', 'undefined'

    def __new__(cls, name):
        name = name.lower()
        if name not in ('mpi', 'gloo', 'nccl'):
            raise ValueError(f"Invalid backend: '{name}'; this library runs 'mpi' (mpi4py), 'gloo' (an alias that "
                             f"runs on MPI) and 'nccl' (CuPy)")
        return str.__new__(cls, name)


class ProcessGroup:
    """A set of ranks and the engine that moves their data: `rank()` and `size()` are this process's place."""

    def __init__(self, engine, ranks, backend, timeout):
        self.engine, self.ranks, self.backend, self.timeout = engine, ranks, backend, timeout

    def rank(self):
        return self.engine.rank

    def size(self):
        return self.engine.size

    def __repr__(self):
        return f"ProcessGroup(backend={self.backend!r}, ranks={self.ranks})"


class GroupMember:
    WORLD = None
    NON_GROUP_MEMBER = object()


group = GroupMember


def is_available():
    return True


def is_mpi_available():
    return mpi4py_or_none() is not None


is_gloo_available = is_mpi_available


def is_nccl_available():
    try:
        from cupy.cuda import nccl
        return nccl.available if hasattr(nccl, 'available') else True
    except ImportError:
        return False


def is_initialized():
    return GroupMember.WORLD is not None


def _group(group):
    if GroupMember.WORLD is None:
        raise ValueError(NOT_INITIALIZED)
    return GroupMember.WORLD if group is None else group


def _seconds(timeout):
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    return timeout.total_seconds() if isinstance(timeout, datetime.timedelta) else float(timeout)


def init_process_group(backend=None, init_method=None, timeout=None, world_size=-1, rank=-1, store=None,
                       group_name='', pg_options=None, device_id=None):
    """Join the default group of all processes the MPI launcher started.

    backend: 'mpi' (default), 'gloo' (runs on MPI) or 'nccl' (CuPy tensors; the NCCL id is shared over MPI).
    world_size / rank, when given (or set as WORLD_SIZE / RANK), must equal the launcher's; init_method and
    store are accepted for torch compatibility and unused: MPI's launcher is the rendezvous.
    Raises RuntimeError when called twice, when mpi4py is missing, or when the ranks disagree with the launcher.
    """
    if GroupMember.WORLD is not None:
        raise RuntimeError("trying to initialize the default process group twice!")
    name = Backend(backend or 'mpi')
    MPI = mpi4py_or_none()
    if MPI is None:
        raise RuntimeError("init_process_group needs mpi4py and an MPI library: pip install mpi4py mpich "
                           "(then launch with mpiexec -n N python ...)")
    comm = MPI.COMM_WORLD
    expected_size = world_size if world_size != -1 else int(os.environ.get('WORLD_SIZE', comm.size))
    expected_rank = rank if rank != -1 else int(os.environ.get('RANK', comm.rank))
    if (expected_size, expected_rank) != (comm.size, comm.rank):
        raise RuntimeError(f"init_process_group: world_size={expected_size}, rank={expected_rank} were asked for, "
                           f"but the MPI launcher started this process as rank {comm.rank} of {comm.size}. Launch "
                           f"with `mpiexec -n {expected_size} python ...` (torchrun-style variables must match it)")
    os.environ.setdefault('RANK', str(comm.rank))
    os.environ.setdefault('WORLD_SIZE', str(comm.size))
    os.environ.setdefault('LOCAL_RANK', str(comm.Split_type(MPI.COMM_TYPE_SHARED).rank))
    seconds = _seconds(timeout)
    engine = NCCLBackend(comm, seconds) if name == 'nccl' else MPIBackend(comm, seconds)
    GroupMember.WORLD = ProcessGroup(engine, list(range(comm.size)), name, seconds)


def destroy_process_group(group=None):
    """Leave the default group (or free `group`); a later init_process_group starts afresh."""
    if group is None or group is GroupMember.WORLD:
        if GroupMember.WORLD is None:
            raise AssertionError("Process group cannot be None")
        GroupMember.WORLD.engine.close()
        GroupMember.WORLD = None
    else:
        group.engine.close()


def new_group(ranks=None, timeout=None, backend=None, pg_options=None, use_local_synchronization=False,
              group_desc=None, device_id=None):
    """A group of some ranks (all by default). Every rank must call it, as in torch; a rank outside `ranks`
    gets GroupMember.NON_GROUP_MEMBER."""
    world = _group(None)
    ranks = sorted(ranks) if ranks is not None else list(world.ranks)
    engine = world.engine.split(ranks, _seconds(timeout) if timeout is not None else world.timeout)
    if engine is None:
        return GroupMember.NON_GROUP_MEMBER
    return ProcessGroup(engine, ranks, Backend(backend or world.backend), engine.timeout)


def get_rank(group=None):
    return _group(group).rank()


def get_world_size(group=None):
    return _group(group).size()


def get_backend(group=None):
    return _group(group).backend


def _run(work, async_op):
    return work if async_op else work.wait()


def _local(group, rank):
    """A global rank as a rank of `group` (torch's src/dst arguments are global ranks)."""
    group = _group(group)
    if rank not in group.ranks:
        raise ValueError(f"rank {rank} is not part of the group {group.ranks}")
    return group.ranks.index(rank)


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `tensor` over all ranks, in place on every rank (SUM, AVG, PRODUCT, MAX, MIN, BAND, BOR, BXOR)."""
    return _run(_group(group).engine.all_reduce(tensor, op), async_op)


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):
    """Copy rank `src`'s tensor into `tensor` on every rank."""
    root = group_src if group_src is not None else _local(group, src or 0)
    return _run(_group(group).engine.broadcast(tensor, root), async_op)


def reduce(tensor, dst=None, op=ReduceOp.SUM, group=None, async_op=False, group_dst=None):
    """Reduce over all ranks into `tensor` on rank `dst`; other ranks' tensors are left as they were."""
    root = group_dst if group_dst is not None else _local(group, dst or 0)
    return _run(_group(group).engine.reduce(tensor, op, root), async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """tensor_list[i] <- rank i's tensor, on every rank."""
    return _run(_group(group).engine.all_gather(tensor_list, tensor), async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """output_tensor <- the ranks' input tensors concatenated along dim 0 (or stacked: world_size x input)."""
    return _run(_group(group).engine.all_gather_into_tensor(output_tensor, input_tensor), async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce `input` (world_size blocks along dim 0) over ranks; rank i keeps block i in `output`."""
    return _run(_group(group).engine.reduce_scatter_tensor(output, input, op), async_op)


def gather(tensor, gather_list=None, dst=None, group=None, async_op=False, group_dst=None):
    """gather_list[i] <- rank i's tensor, on rank `dst` only (other ranks pass gather_list=None)."""
    root = group_dst if group_dst is not None else _local(group, dst or 0)
    return _run(_group(group).engine.gather(tensor, gather_list, root), async_op)


def scatter(tensor, scatter_list=None, src=None, group=None, async_op=False, group_src=None):
    """tensor <- scatter_list[rank] sent by rank `src` (other ranks pass scatter_list=None)."""
    root = group_src if group_src is not None else _local(group, src or 0)
    return _run(_group(group).engine.scatter(tensor, scatter_list, root), async_op)


def send(tensor, dst=None, group=None, tag=0, group_dst=None):
    peer = group_dst if group_dst is not None else _local(group, dst)
    _group(group).engine.send(tensor, peer, tag).wait()


def recv(tensor, src=None, group=None, tag=0, group_src=None):
    """Receive into `tensor` from `src` (any rank when None); returns the sender's rank, as torch."""
    peer = group_src if group_src is not None else None if src is None else _local(group, src)
    work = _group(group).engine.recv(tensor, peer, tag)
    work.wait()
    return _group(group).ranks[work.source()]


def isend(tensor, dst=None, group=None, tag=0, group_dst=None):
    peer = group_dst if group_dst is not None else _local(group, dst)
    return _group(group).engine.send(tensor, peer, tag)


def irecv(tensor, src=None, group=None, tag=0, group_src=None):
    peer = group_src if group_src is not None else None if src is None else _local(group, src)
    return _group(group).engine.recv(tensor, peer, tag)


def barrier(group=None, async_op=False, device_ids=None, timeout=None):
    """Wait until every rank of the group has reached this call (within the group's timeout)."""
    return _run(_group(group).engine.barrier(), async_op)

