"""DataLoader worker processes: torch.utils.data's _MultiProcessingDataLoaderIter on the standard library.

The main process draws the batch indices (so a seeded shuffle visits samples in torch's order) and hands
task number k to worker k mod num_workers (skipping workers whose IterableDataset copy is exhausted);
each worker fetches and collates its batches and sends them back through one result queue; the main
process yields them in task order, holding early arrivals. At most prefetch_factor * num_workers tasks are
outstanding. This is torch's protocol (torch/utils/data/dataloader.py, _utils/worker.py) step for step,
including the seeds: worker i runs `random.seed(base + i)`, `autograd.manual_seed(base + i)` and seeds
NumPy's legacy generator with torch's `_generate_state(base, i)`, so random draws inside a worker give
torch's numbers.

Clean-up: workers are daemonic, and a `weakref.finalize` on the iterator sends each worker its stop
signal, joins it and terminates any that hang, so an iterator dropped early, garbage collected, or left
by Ctrl-C (KeyboardInterrupt propagates out of __next__), or the interpreter's exit, leaves no process.
Workers also stop by themselves when their parent process disappears.
"""
import itertools
import multiprocessing
import os
import queue
import random
import sys
import traceback
import weakref

import numpy as np

_STATUS_INTERVAL = 5.0        # torch's MP_STATUS_CHECK_INTERVAL: how often a blocked get checks liveness

__all__ = ['WorkerInfo', 'get_worker_info']


class WorkerInfo:
    """What get_worker_info() returns inside a worker: id, num_workers, seed and this process's dataset copy."""

    __initialized = False

    def __init__(self, **kwargs):
        for k, v in kwargs.items():
            setattr(self, k, v)
        self.__keys = tuple(kwargs.keys())
        self.__initialized = True

    def __setattr__(self, key, val):
        if self.__initialized:
            raise RuntimeError(f"Cannot assign attributes to {self.__class__.__name__} objects")
        return super().__setattr__(key, val)

    def __repr__(self):
        items = [f"{k}={getattr(self, k)}" for k in self.__keys]
        return f"{self.__class__.__name__}({', '.join(items)})"


_worker_info = None


def get_worker_info():
    """The WorkerInfo of the current DataLoader worker process, or None in the main process."""
    return _worker_info


class ExceptionWrapper:
    """An exception and its formatted traceback, sent from a worker and re-raised in the main process
    with torch's message: 'Caught ValueError in DataLoader worker process 1.\\nOriginal Traceback ...'."""

    def __init__(self, exc_info=None, where="in background"):
        exc_info = exc_info or sys.exc_info()
        self.exc_type = exc_info[0]
        self.exc_msg = "".join(traceback.format_exception(*exc_info))
        self.where = where

    def reraise(self):
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.exc_msg}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exception = self.exc_type(msg)
        except Exception:
            raise RuntimeError(msg) from None   # an exception class that cannot take one message
        raise exception


class _KeyErrorMessage(str):
    """KeyError repr()s its argument; this keeps the traceback readable (as torch does)."""

    def __repr__(self):
        return self


class _IterableStop:
    """A worker's IterableDataset copy is exhausted."""

    def __init__(self, worker_id):
        self.worker_id = worker_id


class _Resume:
    """Persistent workers: start a new pass (re-create the dataset iterator), acknowledged back."""


def generate_state(base_seed, worker_id):
    """torch's _generate_state: NumPy's SeedSequence hashing of (worker_id, base_seed) into 4 uint32 words."""
    mask = 0xFFFFFFFF
    entropy = [worker_id, base_seed & mask, base_seed >> 32, 0]
    const_a = [0x43B0D7E5]

    def hash_(value):
        value = (value ^ const_a[0]) & mask
        const_a[0] = (const_a[0] * 0x931E8875) & mask
        value = (value * const_a[0]) & mask
        return (value ^ (value >> 16)) & mask

    def mix(x, y):
        r = (((0xCA01F9DD * x) & mask) - ((0x4973F715 * y) & mask)) & mask
        return (r ^ (r >> 16)) & mask

    pool = [hash_(e) for e in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))
    const_b, state = 0x8B51F9DD, []
    for v in pool:
        v = (v ^ const_b) & mask
        const_b = (const_b * 0x58F38DED) & mask
        v = (v * const_b) & mask
        state.append((v ^ (v >> 16)) & mask)
    return state


# ---- inside a worker ------------------------------------------------------------------------------
class _Fetcher:
    """Turns a task into a batch: indices -> samples -> collate_fn, or the next batch of a stream."""

    def __init__(self, dataset, is_iterable, auto_collation, collate_fn, drop_last):
        self.dataset, self.auto_collation = dataset, auto_collation
        self.collate_fn, self.drop_last = collate_fn, drop_last
        self.stream = iter(dataset) if is_iterable else None
        self.ended = False

    def fetch(self, index):
        if self.stream is None:
            if not self.auto_collation:
                return self.collate_fn(self.dataset[index])
            many = getattr(self.dataset, '__getitems__', None)
            return self.collate_fn(many(index) if callable(many) else [self.dataset[i] for i in index])
        if not self.auto_collation:
            return self.collate_fn(next(self.stream))
        batch = []
        for _ in range(index):   # for a stream, the task carries the batch size
            try:
                batch.append(next(self.stream))
            except StopIteration:
                break
        if not batch or (self.drop_last and len(batch) < index):
            raise StopIteration
        return self.collate_fn(batch)


def _worker_loop(dataset, is_iterable, index_queue, result_queue, done_event, auto_collation, collate_fn,
                 drop_last, base_seed, init_fn, worker_id, num_workers, parent_pid):
    global _worker_info
    try:
        seed = base_seed + worker_id
        random.seed(seed)
        import autograd
        autograd.manual_seed(seed)
        np.random.seed(generate_state(base_seed, worker_id))
        _worker_info = WorkerInfo(id=worker_id, num_workers=num_workers, seed=seed, dataset=dataset)
        init_error, fetcher = None, None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _Fetcher(dataset, is_iterable, auto_collation, collate_fn, drop_last)
        except Exception:
            init_error = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
        ended = False
        while os.getppid() == parent_pid:   # a worker outliving its parent stops by itself
            try:
                task = index_queue.get(timeout=_STATUS_INTERVAL)
            except queue.Empty:
                continue
            if isinstance(task, _Resume):
                result_queue.put((task, None))
                ended = False
                fetcher = _Fetcher(dataset, is_iterable, auto_collation, collate_fn, drop_last)
                continue
            if task is None:
                break
            if done_event.is_set() or ended:
                continue
            idx, index = task
            if init_error is not None:
                data, init_error = init_error, None
            else:
                try:
                    data = fetcher.fetch(index)
                except StopIteration:
                    if not is_iterable:   # a StopIteration from a map-style dataset is a bug to report
                        data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
                    else:
                        data, ended = _IterableStop(worker_id), True
                except Exception:
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            result_queue.put((idx, data))
            del data, idx, index, task
    except KeyboardInterrupt:
        pass   # the main process raises KeyboardInterrupt itself and shuts the workers down
    if done_event.is_set():
        result_queue.cancel_join_thread()
        result_queue.close()


# ---- in the main process --------------------------------------------------------------------------
def _shutdown(workers, index_queues, result_queue, done_event, status):
    """Stop signal to every worker, join, terminate stragglers, close the queues. Idempotent."""
    if status['shutdown']:
        return
    status['shutdown'] = True
    try:
        done_event.set()
        for q in index_queues:
            try:
                q.put(None)
            except (OSError, ValueError):
                pass
        for w in workers:
            w.join(timeout=_STATUS_INTERVAL)
        for q in index_queues:
            q.cancel_join_thread()
            q.close()
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
                w.join(timeout=1.0)
        result_queue.cancel_join_thread()
        result_queue.close()


class MultiProcessIter:
    """One pass (or, with persistent_workers, every pass) of a DataLoader over worker processes."""

    def __init__(self, loader, base_seed, is_iterable):
        self._loader = loader
        self._num_workers = loader.num_workers
        self._prefetch = loader.prefetch_factor
        self._timeout = loader.timeout
        self._persistent = loader.persistent_workers
        self._in_order = getattr(loader, 'in_order', True)
        self._is_iterable = is_iterable
        self._auto_collation = loader.batch_size is not None or loader.batch_sampler is not None
        ctx = loader.multiprocessing_context
        if ctx is None:
            ctx = multiprocessing
        elif isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        self._result_queue = ctx.Queue()
        self._done_event = ctx.Event()
        self._index_queues, self._workers = [], []
        for i in range(self._num_workers):
            q = ctx.Queue()
            q.cancel_join_thread()   # never block the main process's exit on a dead worker's queue
            w = ctx.Process(target=_worker_loop, daemon=True, args=(
                loader.dataset, is_iterable, q, self._result_queue, self._done_event, self._auto_collation,
                loader.collate_fn, loader.drop_last, base_seed, loader.worker_init_fn, i, self._num_workers,
                os.getpid()))
            w.start()
            self._index_queues.append(q)
            self._workers.append(w)
        self._status = {'shutdown': False}
        self._finalizer = weakref.finalize(self, _shutdown, self._workers, self._index_queues,
                                           self._result_queue, self._done_event, self._status)
        self._reset(first=True)

    def _reset(self, first=False):
        loader = self._loader
        if self._is_iterable:
            self._index_iter = itertools.repeat(loader.batch_size if self._auto_collation else None)
        else:
            self._index_iter = iter(loader.batch_sampler if self._auto_collation else loader.sampler)
        self._send_idx = self._rcvd_idx = 0
        self._task_info = {}     # task -> (worker,) while outstanding, (worker, data) when it came early
        self._outstanding = 0
        self._active = [True] * self._num_workers
        self._num_tasks = [0] * self._num_workers   # tasks sent to each worker and not yet handed out
        self._cycle = itertools.cycle(range(self._num_workers))
        if not first:   # persistent workers: each acknowledges the new pass before any task is sent
            for q in self._index_queues:
                q.put(_Resume())
            pending = self._num_workers
            while pending:
                idx, _ = self._get()
                pending -= isinstance(idx, _Resume)
        for _ in range(self._prefetch * self._num_workers):
            self._put_task()

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def _put_task(self):
        try:
            index = next(self._index_iter)
        except StopIteration:
            return
        limit = self._prefetch * self._num_workers // max(sum(self._active), 1)
        for _ in range(self._num_workers):   # the next worker that still has data (and, out of order, room)
            worker = next(self._cycle)
            if self._active[worker] and (self._in_order or self._num_tasks[worker] < limit):
                break
        else:
            return
        self._index_queues[worker].put((self._send_idx, index))
        self._task_info[self._send_idx] = (worker,)
        self._num_tasks[worker] += 1
        self._outstanding += 1
        self._send_idx += 1

    def _get(self):
        if self._timeout > 0:
            try:
                return self._result_queue.get(timeout=self._timeout)
            except queue.Empty:
                self._check_workers()
                raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds") from None
        while True:
            try:
                return self._result_queue.get(timeout=_STATUS_INTERVAL)
            except queue.Empty:
                self._check_workers()

    def _check_workers(self):
        dead = [w for i, w in enumerate(self._workers) if self._active[i] and not w.is_alive()]
        if dead:
            self._shutdown()
            pids = ', '.join(str(w.pid) for w in dead)
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")

    def __next__(self):
        while True:
            while self._rcvd_idx < self._send_idx:   # skip tasks of workers whose stream has ended
                info = self._task_info.get(self._rcvd_idx)
                if info and (len(info) == 2 or self._active[info[0]]):
                    break
                self._task_info.pop(self._rcvd_idx, None)
                self._rcvd_idx += 1
            else:
                if not self._persistent:
                    self._shutdown()
                raise StopIteration
            if len(self._task_info[self._rcvd_idx]) == 2:
                worker, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process(data, worker)
            idx, data = self._get()
            self._outstanding -= 1
            if isinstance(data, _IterableStop):
                self._active[data.worker_id] = False
                if not self._persistent:
                    self._index_queues[data.worker_id].put(None)
                self._put_task()
                continue
            if idx != self._rcvd_idx:
                if not self._in_order:   # torch's in_order=False: hand it out now, not in index order
                    return self._process(data, self._task_info.pop(idx)[0])
                self._task_info[idx] += (data,)
                continue
            worker = self._task_info.pop(idx)[0]
            self._rcvd_idx += 1
            return self._process(data, worker)

    def _process(self, data, worker):
        self._num_tasks[worker] -= 1
        self._put_task()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return data

    def _shutdown(self):
        self._finalizer()

    @property
    def worker_pids(self):
        return [w.pid for w in self._workers]
