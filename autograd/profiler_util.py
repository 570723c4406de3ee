"""The profiler's results, as torch.autograd.profiler_util has them: FunctionEvent (one op call),
FunctionEventAvg (calls grouped by name), EventList with key_averages(), table() in torch's column layout,
and export_chrome_trace() in the Trace Event Format that Perfetto and chrome://tracing open.

Times are in microseconds (torch's unit); memory in bytes."""
import json
import os


class Interval:
    __slots__ = ('start', 'end')

    def __init__(self, start, end):
        self.start, self.end = start, end

    def elapsed_us(self):
        return self.end - self.start


class FunctionEvent:
    """One recorded call: an op's forward ('aten::mul'), a backward node ('MulBackward0'), or a
    record_function range. Children are the events that ran inside it."""

    def __init__(self, id, name, start_us, thread=0, input_shapes=None, stack=None, is_user_annotation=False,
                 sequence_nr=-1):
        self.id, self.name, self.thread = id, name, thread
        self.time_range = Interval(start_us, start_us)
        self.input_shapes = input_shapes
        self.stack = stack or []
        self.children, self.cpu_parent = [], None
        self.cpu_memory_usage = 0
        self.is_user_annotation = is_user_annotation
        self.sequence_nr = sequence_nr
        self.count = 1
        self.device_type, self.is_async, self.is_legacy, self.node_id = 'CPU', False, True, -1
        self.self_device_time_total = self.device_time_total = 0
        self.self_device_memory_usage = 0
        self.overload_name = ''
        self.flops = 0

    key = property(lambda self: self.name)
    cpu_time_total = property(lambda self: self.time_range.elapsed_us())
    cpu_time = cpu_time_total

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.children)

    @property
    def self_cpu_memory_usage(self):
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.children)

    def __repr__(self):
        return (f"<FunctionEvent id={self.id} name={self.name} cpu_time={_format_time(self.cpu_time_total)} "
                f"start_us={self.time_range.start:.3f} end_us={self.time_range.end:.3f} "
                f"cpu_children={[c.id for c in self.children]} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage}>")


class FunctionEventAvg:
    """The calls of one key (and input shapes, when grouped by them) added up."""

    def __init__(self, key, input_shapes=None):
        self.key, self.input_shapes = key, input_shapes
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.cpu_parent, self.stack = None, []
        self.device_type, self.is_async, self.is_legacy, self.node_id = 'CPU', False, True, -1
        self.self_device_time_total = self.device_time_total = 0
        self.self_device_memory_usage = 0
        self.is_user_annotation = False
        self.overload_name = ''
        self.flops = 0

    def add(self, evt):
        self.count += evt.count
        self.cpu_time_total += evt.cpu_time_total
        self.self_cpu_time_total += evt.self_cpu_time_total
        self.cpu_memory_usage += evt.cpu_memory_usage
        self.self_cpu_memory_usage += evt.self_cpu_memory_usage
        if evt.cpu_parent is None:
            self.cpu_parent = None
        return self

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    @property
    def self_cpu_time(self):
        return self.self_cpu_time_total / self.count if self.count else 0.0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes} "
                f"cpu_memory_usage={self.cpu_memory_usage}>")


class EventList(list):
    """A list of FunctionEvent (or, from key_averages, FunctionEventAvg)."""

    def __init__(self, *args, profile_memory=False, **kwargs):
        super().__init__(*args)
        self._profile_memory = profile_memory

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        """One FunctionEventAvg per name (per name and input shapes when group_by_input_shape), in the order
        of first appearance."""
        groups = {}
        for evt in self:
            key = (evt.key, str(evt.input_shapes)) if group_by_input_shape else evt.key
            if key not in groups:
                groups[key] = FunctionEventAvg(evt.key, evt.input_shapes if group_by_input_shape else None)
            groups[key].add(evt)
        return EventList(groups.values(), profile_memory=self._profile_memory)

    def total_average(self):
        total = FunctionEventAvg('Total')
        for evt in self:
            total.add(evt)
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """torch's text table: Name, Self CPU %, Self CPU, CPU total %, CPU total, CPU time avg, [CPU Mem,
        Self CPU Mem,] # of Calls[, Input Shapes], then 'Self CPU time total: ...'. sort_by: an attribute,
        e.g. 'self_cpu_time_total', 'cpu_time_total', 'count', 'self_cpu_memory_usage' (largest first)."""
        return build_table(self, sort_by, row_limit, max_name_column_width, max_shapes_column_width, header,
                           top_level_events_only, self._profile_memory, time_unit)

    def export_chrome_trace(self, path):
        write_chrome_trace(self, path)


def _format_time(time_us):
    if time_us >= 1e6:
        return f"{time_us / 1e6:.3f}s"
    if time_us >= 1e3:
        return f"{time_us / 1e3:.3f}ms"
    return f"{time_us:.3f}us"


def _format_time_unit(time_us, unit):
    scale = {'s': 1e6, 'ms': 1e3, 'us': 1.0}.get(unit)
    return _format_time(time_us) if scale is None else f"{time_us / scale:.3f}{unit}"


def _format_memory(nbytes):
    for size, unit in ((1024 ** 3, 'GB'), (1024 ** 2, 'MB'), (1024, 'KB')):
        if abs(nbytes) >= size:
            return f"{nbytes * 1.0 / size:.2f} {unit}"
    return f"{nbytes} B"


def _format_share(time_us, total_us):
    return "NaN" if total_us == 0 else f"{time_us * 100.0 / total_us:.2f}%"


def build_table(events, sort_by=None, row_limit=100, max_name_column_width=55, max_shapes_column_width=80,
                header=None, top_level_events_only=False, profile_memory=False, time_unit=None):
    if len(events) == 0:
        return ""
    if sort_by is not None:
        events = sorted(events, key=lambda e: getattr(e, sort_by), reverse=True)
    has_shapes = any(e.input_shapes for e in events)
    name_width = min(max(len(e.key) for e in events) + 4, max_name_column_width)
    shapes_width = min(max(len(str(e.input_shapes)) for e in events) + 4, max_shapes_column_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
    if profile_memory:
        headers += ["CPU Mem", "Self CPU Mem"]
    headers.append("# of Calls")
    widths = [name_width] + [12] * (len(headers) - 1)
    if has_shapes:
        headers.append("Input Shapes")
        widths.append(shapes_width)
    row_format = ''.join("{: >" + str(w) + "}  " for w in widths)
    separator = ''.join("-" * w + "  " for w in widths)
    line_length = sum(widths) + 2 * (len(widths) - 1)
    total = sum(e.self_cpu_time_total for e in events)
    lines = []
    if header is not None:
        lines += ["=" * line_length, header]
    if top_level_events_only:
        lines += ["=" * line_length, "This report only display top-level ops statistics"]
    lines += [separator, row_format.format(*headers), separator]
    shown = 0
    for evt in events:
        if shown == row_limit:
            break
        if top_level_events_only and evt.cpu_parent is not None:
            continue
        shown += 1
        name = evt.key
        if len(name) >= max_name_column_width - 3:
            name = name[:max_name_column_width - 3] + "..."
        row = [name, _format_share(evt.self_cpu_time_total, total),
               _format_time_unit(evt.self_cpu_time_total, time_unit), _format_share(evt.cpu_time_total, total),
               _format_time_unit(evt.cpu_time_total, time_unit), _format_time_unit(evt.cpu_time, time_unit)]
        if profile_memory:
            row += [_format_memory(evt.cpu_memory_usage), _format_memory(evt.self_cpu_memory_usage)]
        row.append(evt.count)
        if has_shapes:
            row.append(str(evt.input_shapes)[:shapes_width])
        lines.append(row_format.format(*row))
    lines += [separator, f"Self CPU time total: {_format_time_unit(total, time_unit)}"]
    return '\n'.join(lines) + '\n'


def write_chrome_trace(events, path):
    """The events as complete ('X') trace events: {"traceEvents": [...]} with times in microseconds."""
    trace = []
    pid = os.getpid()
    for evt in events:
        entry = {"ph": "X", "cat": "user_annotation" if evt.is_user_annotation else "cpu_op", "name": evt.name,
                 "pid": pid, "tid": evt.thread, "ts": evt.time_range.start, "dur": evt.cpu_time_total,
                 "args": {"External id": evt.id}}
        if evt.input_shapes is not None:
            entry["args"]["Input Dims"] = evt.input_shapes
        if evt.cpu_memory_usage:
            entry["args"]["Bytes"] = evt.cpu_memory_usage
        if evt.sequence_nr >= 0:
            entry["args"]["Sequence number"] = evt.sequence_nr
        trace.append(entry)
    with open(path, 'w') as f:
        json.dump({"schemaVersion": 1, "traceEvents": trace, "displayTimeUnit": "ms"}, f)
