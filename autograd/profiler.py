"""The profiler: torch.profiler (profile, record_function, schedule, ProfilerActivity) and, through
autograd.autograd.profiler, torch.autograd.profiler's profile(enabled, record_shapes, profile_memory, ...).

While a profile is recording, every op's forward is timed as 'aten::<op>' (e.g. aten::mul, aten::linear)
and every backward node as torch names it (MulBackward0, AddmmBackward0, torch::autograd::AccumulateGrad);
events nest, so each has a total and a self time. Off, it costs nothing: the ops and the engine test one
flag (instrument.py), the same flag anomaly mode uses.

    with autograd.profiler.profile() as prof:
        loss = model(x).sum(); loss.backward()
    print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=10))
    prof.export_chrome_trace('trace.json')     # open in https://ui.perfetto.dev or chrome://tracing
"""
import enum
import functools
import re
import threading
import time
import weakref

from . import instrument
from .profiler_util import EventList, FunctionEvent

__all__ = ['profile', 'record_function', 'schedule', 'ProfilerActivity', 'ProfilerAction']


def _now_us():
    return time.perf_counter_ns() / 1000.0


def aten_name(cls):
    """'aten::' + the op's name in snake case, from torch's node name where the class has one:
    MulBackward0 -> aten::mul, MseLossBackward0 -> aten::mse_loss, ReluBackward0 -> aten::relu; classes
    named per call (Linear, Sum, ...) by their own name (aten::linear, aten::sum)."""
    name = _ATEN.get(cls)
    if name is None:
        base = re.match(r'(.+?)(Backward\d*)?$', cls.__name__).group(1)
        name = _ATEN[cls] = 'aten::' + re.sub(r'(?<=[a-z0-9])([A-Z])(?=[a-z])', r'_\1', base).lower()
    return name


_ATEN = {}


class _Recorder:
    """The observer instrument.py calls around each forward op and each backward node."""

    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False, sync=None):
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.sync = sync
        self.events, self.stack = [], []
        self.node_times = weakref.WeakKeyDictionary()   # backward node -> total microseconds (make_dot uses it)
        self.thread = threading.get_ident() % 2 ** 31
        self._ids = 0

    # ---- event bookkeeping
    def begin(self, name, shapes=None, annotation=False):
        """Open an event (nested in the open one, if any)."""
        if self.sync is not None:
            self.sync()
        self._ids += 1
        stack = None
        if self.with_stack:
            stack = [line.strip().split('\n')[0] for line in instrument.forward_traceback()]
        evt = FunctionEvent(self._ids, name, _now_us(), self.thread, shapes, stack, is_user_annotation=annotation)
        if self.stack:
            evt.cpu_parent = self.stack[-1]
            self.stack[-1].children.append(evt)
        self.stack.append(evt)
        self.events.append(evt)
        return evt

    def end(self, evt, nbytes=0):
        if self.sync is not None:
            self.sync()
        evt.time_range.end = _now_us()
        if self.profile_memory:
            evt.cpu_memory_usage += nbytes + sum(c.cpu_memory_usage for c in evt.children)
        if self.stack and self.stack[-1] is evt:
            self.stack.pop()

    # ---- instrument.py's observer interface
    def on_forward(self, cls, inputs, options, call):
        shapes = None
        if self.record_shapes:   # an op whose inputs are in another order than torch's op says how to list them
            shapes = cls.aten_shapes(inputs) if hasattr(cls, 'aten_shapes') else [list(t.shape) for t in inputs]
        evt = self.begin(aten_name(cls), shapes)
        out = None
        try:
            out = call()
            return out
        finally:   # memory: bytes of a newly allocated output (a view allocates nothing)
            fresh = out is not None and self.profile_memory and getattr(out.array, 'base', None) is None
            self.end(evt, out.array.nbytes if fresh else 0)

    def on_backward(self, fn, grad, call):
        name = fn.name()
        if name == 'AccumulateGrad':
            name = 'torch::autograd::AccumulateGrad'
        evt = self.begin(name, [list(grad.shape)] if self.record_shapes else None)
        grads = None
        try:
            grads = call(grad)
            return grads
        finally:
            nbytes = 0
            if self.profile_memory and grads is not None:
                nbytes = sum(g.array.nbytes for g in (grads if type(grads) is tuple else (grads,)) if g is not None)
            self.end(evt, nbytes)
            self.node_times[fn] = self.node_times.get(fn, 0.0) + evt.cpu_time_total


def _cuda_sync():
    from . import cuda
    if cuda.is_available():
        return cuda.synchronize
    return None


class _Profile:
    """What both profile classes share: start/stop the recorder, then the results."""

    def __init__(self, record_shapes=False, profile_memory=False, with_stack=False, use_cuda=False):
        self.record_shapes, self.profile_memory, self.with_stack = record_shapes, profile_memory, with_stack
        self.use_cuda = use_cuda
        self._recorder, self._events = None, []
        self.node_times = weakref.WeakKeyDictionary()

    def _start(self):
        self._recorder = _Recorder(self.record_shapes, self.profile_memory, self.with_stack,
                                   _cuda_sync() if self.use_cuda else None)
        instrument.tools.observers = instrument.tools.observers + [self._recorder]
        instrument.refresh()

    def _stop(self):
        recorder, self._recorder = self._recorder, None
        if recorder is None:
            return
        instrument.tools.observers = [o for o in instrument.tools.observers if o is not recorder]
        instrument.refresh()
        self._events.extend(recorder.events)
        for node, us in recorder.node_times.items():
            self.node_times[node] = self.node_times.get(node, 0.0) + us

    @property
    def function_events(self):
        return EventList(self._events, profile_memory=self.profile_memory)

    def events(self):
        return self.function_events

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        return self.function_events.key_averages(group_by_input_shape, group_by_stack_n)

    def table(self, sort_by=None, row_limit=100, **kwargs):
        return self.key_averages().table(sort_by=sort_by, row_limit=row_limit, **kwargs)

    def export_chrome_trace(self, path):
        self.function_events.export_chrome_trace(path)

    @property
    def self_cpu_time_total(self):
        return self.function_events.self_cpu_time_total

    def __str__(self):
        return self.table()


class ProfilerActivity(enum.Enum):
    CPU = 'CPU'
    CUDA = 'CUDA'


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """torch.profiler.schedule: skip_first steps, then cycles of wait, warmup and active steps (repeat times;
    0 = forever). Returns step -> ProfilerAction."""
    def action(step):
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat > 0 and step // cycle >= repeat:
            return ProfilerAction.NONE
        pos = step % cycle
        if pos < wait:
            return ProfilerAction.NONE
        if pos < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if pos < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return action


class profile(_Profile):
    """torch.profiler.profile(activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
    profile_memory=False, with_stack=False, ...): records while active; with a schedule, call prof.step() after
    each step, and on_trace_ready(prof) runs at the end of each active cycle."""

    def __init__(self, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None):
        activities = set(activities) if activities is not None else {ProfilerActivity.CPU}
        super().__init__(record_shapes, profile_memory, with_stack,
                         use_cuda=bool(use_cuda) or ProfilerActivity.CUDA in activities)
        self.activities, self.schedule, self.on_trace_ready = activities, schedule, on_trace_ready
        self.step_num = 0

    def _action(self):
        return self.schedule(self.step_num) if self.schedule is not None else ProfilerAction.RECORD

    def start(self):
        if self._action() in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE):
            self._start()

    def stop(self):
        recording = self._recorder is not None
        self._stop()
        if recording and self.on_trace_ready is not None and self.schedule is None:
            self.on_trace_ready(self)

    def step(self):
        """End the current step: a finished active cycle goes to on_trace_ready; the next step may record."""
        before = self._action()
        self.step_num += 1
        after = self._action()
        recording = after in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
        if before == ProfilerAction.RECORD_AND_SAVE:
            self._stop()
            if self.on_trace_ready is not None:
                self.on_trace_ready(self)
            if recording:
                self._events = []
        if recording and self._recorder is None:
            self._start()
        elif not recording:
            self._stop()

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


class record_function:
    """with record_function('name'): ... (or as a decorator): a named range in the profile around the block."""

    def __init__(self, name, args=None):
        self.name, self.args = name, args
        self._entries = []

    def __enter__(self):
        entries = []
        for observer in instrument.tools.observers:
            if isinstance(observer, _Recorder):
                shapes = [] if observer.record_shapes else None
                entries.append((observer, observer.begin(self.name, shapes, annotation=True)))
        self._entries.append(entries)
        return self

    def __exit__(self, *exc):
        for observer, evt in self._entries.pop():
            observer.end(evt)

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)
        return wrapper
