"""DistributedDataParallel: one model replica per process, gradients averaged across processes during backward.

How (torch's design, reference: Li et al., "PyTorch Distributed", VLDB 2020): parameters are grouped into buckets
of about bucket_cap_mb, in reverse registration order (roughly the order backward produces their gradients;
the first bucket is 1 MiB so communication starts early). Each parameter's post-accumulate-grad hook marks it
ready; when a bucket is complete its gradients are flattened and all-reduced without blocking, while backward
goes on computing the next ones. When the last bucket is launched, the reductions are awaited and the averaged
gradients written back into each .grad.
"""
import contextlib

from ..module import Module
from autograd import backend
from autograd.tensor import wrap

FIRST_BUCKET_BYTES = 1024 * 1024
NOT_FINISHED = ("Expected to have finished reduction in the prior iteration before starting a new one. This error "
                "indicates that your module has parameters that were not used in producing loss. You can enable "
                "unused parameter detection by passing the keyword argument `find_unused_parameters=True` to "
                "`torch.nn.parallel.DistributedDataParallel`, and by making sure all `forward` function outputs "
                "participate in calculating loss.")


class _Bucket:
    def __init__(self, params):
        self.params, self.ready, self.work, self.flat = params, set(), None, None
        self.sizes = [p.numel() for p in params]


class DistributedDataParallel(Module):
    """Wrap `module` for data-parallel training in the default process group (or `process_group`).

    At construction rank 0's parameters and buffers are broadcast to all ranks. Then each backward averages
    the gradients over the ranks (all-reduce SUM / world size), bucket by bucket, overlapping with backward.
    broadcast_buffers: also broadcast rank 0's buffers (BatchNorm statistics) at every forward.
    find_unused_parameters: parameters a forward did not use are reduced as zeros instead of stalling.
    no_sync(): a context in which backward only accumulates locally (gradient accumulation).
    device_ids, output_device, dim, gradient_as_bucket_view, static_graph: accepted as torch; one device per
    process is all this supports. state_dict keys carry the `module.` prefix, as torch's.
    Raises ValueError when no process group exists (torch's text)."""

    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True, init_sync=True,
                 process_group=None, bucket_cap_mb=None, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False, **kwargs):
        super().__init__()
        from autograd import distributed as dist
        self.module = module
        self.process_group = dist._group(process_group)
        self.device_ids, self.output_device, self.dim = device_ids, output_device, dim
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.gradient_as_bucket_view, self.static_graph = gradient_as_bucket_view, static_graph
        self.bucket_bytes_cap = int((25 if bucket_cap_mb is None else bucket_cap_mb) * 1024 * 1024)
        self.require_backward_grad_sync = True
        self._params = [p for p in module.parameters() if p.requires_grad]
        self._world = self.process_group.size()
        if init_sync:
            self._sync_module_states()
        self._buckets = self._make_buckets()
        self._bucket_of = {id(p): b for b in self._buckets for p in b.params}
        self._pending = False
        self._handles = [p.register_post_accumulate_grad_hook(self._on_grad_ready) for p in self._params]

    # ---- construction
    def _sync_module_states(self):
        """Rank 0's parameters and buffers on every rank (a differing shape raises, naming both ranks)."""
        for t in list(self.module.parameters()) + list(self.module.buffers()):
            self.process_group.engine.broadcast(t, 0).wait()

    def _make_buckets(self):
        """Reverse registration order, split at the byte cap (the first at 1 MiB) and wherever dtype or device
        changes; the same on every rank since every rank has the same model."""
        buckets, current, size = [], [], 0
        cap = min(FIRST_BUCKET_BYTES, self.bucket_bytes_cap)
        for p in reversed(self._params):
            nbytes = p.numel() * p.element_size()
            if current and (size + nbytes > cap or p.dtype != current[0].dtype or p.device != current[0].device):
                buckets.append(_Bucket(current))
                current, size, cap = [], 0, self.bucket_bytes_cap
            current.append(p)
            size += nbytes
        if current:
            buckets.append(_Bucket(current))
        return buckets

    # ---- forward
    def forward(self, *inputs, **kwargs):
        if self._pending:
            raise RuntimeError(NOT_FINISHED)
        if self.broadcast_buffers and self._world > 1:
            for b in self.module.buffers():
                self.process_group.engine.broadcast(b, 0).wait()
        out = self.module(*inputs, **kwargs)
        self._unused = self._find_unused(out) if self.find_unused_parameters else ()
        return out

    def _find_unused(self, out):
        """Parameters the output's graph does not reach: their buckets must not wait for them."""
        from autograd.tensor import Tensor
        stack = [t.grad_fn for t in _tensors(out) if isinstance(t, Tensor) and t.grad_fn is not None]
        seen, used = set(), set()
        while stack:
            node = stack.pop()
            if node is None or id(node) in seen:
                continue
            seen.add(id(node))
            variable = getattr(node, 'variable', None)
            if variable is not None:
                used.add(id(variable() if callable(variable) and not hasattr(variable, 'shape') else variable))
            for nxt in node.next_functions:
                stack.append(nxt[0] if isinstance(nxt, tuple) else nxt)
        return [p for p in self._params if id(p) not in used]

    # ---- backward
    def _on_grad_ready(self, param):
        if not self.require_backward_grad_sync:
            return
        if not self._pending:   # the first gradient of this backward: unused parameters are ready as zeros
            self._pending = True
            for p in getattr(self, '_unused', ()):
                self._mark(p)
        self._mark(param)

    def _mark(self, param):
        bucket = self._bucket_of[id(param)]
        if id(param) in bucket.ready:
            return
        bucket.ready.add(id(param))
        if len(bucket.ready) == len(bucket.params):
            self._launch(bucket)
        for b in self._buckets:   # let MPI progress the reductions in flight while backward computes
            if b.work is not None:
                b.work.is_completed()
        if all(b.work is not None for b in self._buckets):
            self._finish()

    def _launch(self, bucket):
        xp = backend.array_module(bucket.params[0].array)
        parts = [p.grad.array.reshape(-1) if p.grad is not None else xp.zeros(p.numel(), p.array.dtype)
                 for p in bucket.params]
        bucket.flat = wrap(xp.concatenate(parts) if len(parts) > 1 else parts[0].copy())
        bucket.work = self.process_group.engine.all_reduce(bucket.flat, 0, check=False)

    def _finish(self):
        for bucket in self._buckets:
            bucket.work.wait()
            flat = bucket.flat.array
            flat /= self._world
            offset = 0
            for p, n in zip(bucket.params, bucket.sizes):
                part = flat[offset:offset + n].reshape(p.shape)
                offset += n
                if p.grad is not None:
                    p.grad.array[...] = part
                elif bool((part != 0).any()):
                    p.grad = wrap(part.copy())
            bucket.ready.clear()
            bucket.work = bucket.flat = None
        self._pending = False

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes inside only accumulate .grad locally; the first one after it averages the sum."""
        previous, self.require_backward_grad_sync = self.require_backward_grad_sync, False
        try:
            yield
        finally:
            self.require_backward_grad_sync = previous


def _tensors(out):
    if isinstance(out, (list, tuple)):
        for o in out:
            yield from _tensors(o)
    elif isinstance(out, dict):
        for o in out.values():
            yield from _tensors(o)
    else:
        yield out

