"""Seeing inside the engine (issue 14): graph pictures (DOT source, matplotlib fallback), the profiler
(rows, counts, times, memory, torch's table layout, chrome trace), the backward trace, Node API parity."""
import json
import re

import numpy as np
import pytest
import torch

import autograd
import nn as our_nn
from autograd.utils import viz
from torch_oracle import check

NN = {torch: torch.nn, autograd: our_nn}


def mlp(m, seed=0):
    """The seeds' 3-Linear MLP (784-512-512-10 shrunk to 6-5-4-3)."""
    m.manual_seed(seed)
    nn = NN[m]
    return nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3))


def mlp_loss(m, model, batch=2):
    x = m.tensor(np.linspace(-1, 1, batch * 6, dtype=np.float32).reshape(batch, 6))
    y = m.tensor(np.arange(batch) % 3)
    return NN[m].CrossEntropyLoss()(model(x), y)


# ---- graph pictures ----------------------------------------------------------------------------------
def _labels(source):
    """(label, fill colour) of each node in DOT source; newlines inside labels as a literal backslash-n."""
    found = re.findall(r'\[label=(?:"([^"]*)"|(\S+))\s+fillcolor=(\w+)\]', source.replace('\n', '\\n'))
    return [(quoted or bare, color) for quoted, bare, color in found]


def test_make_dot_source_has_the_mlp_nodes_and_edges():
    pytest.importorskip('graphviz', reason="make_dot returns a graphviz.Digraph: pip install graphviz")
    model = mlp(autograd)
    loss = mlp_loss(autograd, model)
    dot = viz.make_dot(loss, params=dict(model.named_parameters()))
    labels = _labels(dot.source)
    names = [label.split('\\n')[0] for label, _ in labels]
    colors = {label.split('\\n')[0]: color for label, color in labels}
    assert names.count('AddmmBackward0') == 3 and names.count('ReluBackward0') == 2
    assert names.count('AccumulateGrad') == 6 and names.count('NllLossBackward0') == 1
    for name, p in model.named_parameters():   # leaves: blue, named from params, with their shape
        assert colors[name] == 'lightblue'
        assert f"{name}\\n {viz.size_to_str(p.shape)}" in [label for label, _ in labels]
    assert [c for _, c in labels].count('darkolivegreen1') == 1   # the output
    edges = re.findall(r'^\s*(\d+) -> (\d+)', dot.source, re.M)
    # leaf -> AccumulateGrad (6), AccumulateGrad -> Addmm (6), Addmm -> Relu (2), Relu -> Addmm (2),
    # Addmm -> NllLoss (1), NllLoss -> the output (1)
    assert len(edges) == 6 + 6 + 2 + 2 + 1 + 1
    # the same nodes as torch's graph, except torch's TBackward0 around each weight and its LogSoftmaxBackward0
    # (our cross-entropy is one fused node, NllLossBackward0 as torch's last node)
    theirs = []
    stack = [mlp_loss(torch, mlp(torch)).grad_fn]
    while stack:
        fn = stack.pop()
        theirs.append(type(fn).__name__)
        stack += [n for n, _ in fn.next_functions if n is not None]
    ours = [label.split('\\n')[0] for label, color in labels if color == 'lightgrey']
    assert sorted(n for n in theirs if n not in ('TBackward0', 'LogSoftmaxBackward0')) == sorted(ours)


def test_make_dot_extras_shapes_saved_bytes_times_and_saved_tensors():
    pytest.importorskip('graphviz', reason="make_dot returns a graphviz.Digraph: pip install graphviz")
    x = autograd.tensor([[1., 2., 3.]], requires_grad=True)
    w = autograd.tensor([[0.5, -1., 2.]], requires_grad=True)
    with viz.record_shapes():
        y = (x * w).exp().sum()
    with autograd.autograd.profiler.profile() as prof:
        y.backward(retain_graph=True)
    source = viz.make_dot(y, params={'x': x, 'w': w}, show_saved=True, show_shapes=True, show_memory=True,
                          profile=prof).source
    mul = [label for label, _ in _labels(source) if label.startswith('MulBackward0')][0].split('\\n')
    assert mul[1] == '(1, 3) float32' and mul[2] == 'saved 24 B' and re.fullmatch(r'[\d.]+ us', mul[3])
    saved = [label for label, color in _labels(source) if color == 'orange']
    assert sorted(saved) == ['other\\n (1, 3)', 'result\\n (1, 3)', 'self\\n (1, 3)']
    assert viz.saved_bytes(y.grad_fn.next_functions[0][0]) == 12   # exp keeps its result
    y.backward()
    assert viz.saved_bytes(y.grad_fn.next_functions[0][0]) == 0    # freed by a backward without retain_graph


def test_matplotlib_fallback_writes_a_png(tmp_path):
    pytest.importorskip('networkx', reason="the fallback lays the graph out with networkx")
    model = mlp(autograd)
    nodes, edges = viz.graph_of(mlp_loss(autograd, model), dict(model.named_parameters()))
    path = tmp_path / 'graph.png'
    viz.draw_matplotlib(nodes, edges, str(path))
    assert path.read_bytes()[:8] == b'\x89PNG\r\n\x1a\n' and path.stat().st_size > 5000


# ---- profiler ------------------------------------------------------------------------------------------
def _rows(prof):
    return {e.key: e for e in prof.key_averages()}


def test_profiler_counts_forward_and_backward_ops_of_the_mlp():
    model = mlp(autograd)
    steps = 2
    with autograd.autograd.profiler.profile(profile_memory=True) as prof:
        for _ in range(steps):
            with autograd.autograd.profiler.record_function('train_step'):
                model.zero_grad()
                mlp_loss(autograd, model, batch=4).backward()
    rows = _rows(prof)
    assert rows['aten::linear'].count == 3 * steps and rows['AddmmBackward0'].count == 3 * steps
    assert rows['aten::relu'].count == 2 * steps and rows['ReluBackward0'].count == 2 * steps
    assert rows['torch::autograd::AccumulateGrad'].count == 6 * steps and rows['train_step'].count == steps
    for e in prof.function_events:
        assert e.cpu_time_total > 0 and 0 <= e.self_cpu_time_total <= e.cpu_time_total
    step = rows['train_step']
    assert step.cpu_time_total >= sum(rows[k].cpu_time_total for k in ('aten::linear', 'AddmmBackward0'))
    # memory: a linear's output is batch x out float32 values
    linear = [e for e in prof.function_events if e.name == 'aten::linear']
    assert [e.cpu_memory_usage for e in linear[:3]] == [4 * 5 * 4, 4 * 4 * 4, 4 * 3 * 4]
    assert not autograd.grad_mode.state.instrumented   # off again: the ops' one flag test is False


def _columns(line):
    return re.split(r'\s{2,}', line.strip())


@pytest.mark.parametrize('memory', [False, True])
def test_profiler_table_has_torchs_layout(memory):
    tables = {}
    for m in (torch, autograd):
        model = mlp(m)
        with m.autograd.profiler.profile(profile_memory=memory) as prof:
            mlp_loss(m, model).backward()
        tables[m] = prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=5).strip().split('\n')
    ours, theirs = tables[autograd], tables[torch]
    assert _columns(ours[1]) == _columns(theirs[1])                 # the header row
    assert len(ours) == len(theirs) == 5 + 5                        # separators, header, 5 rows, total
    assert ours[-1].startswith('Self CPU time total: ')
    assert [len(c) for c in ours[0].split('  ') if c][1:] == [len(c) for c in theirs[0].split('  ') if c][1:]
    for row in ours[3:8]:
        assert re.fullmatch(r'[\d.]+%', _columns(row)[1]) and _columns(row)[-1].isdigit()


def test_key_averages_group_by_input_shape_and_chrome_trace(tmp_path):
    model = mlp(autograd)
    with autograd.profiler.profile(activities=[autograd.profiler.ProfilerActivity.CPU], record_shapes=True) as prof:
        mlp_loss(autograd, model, batch=2).backward()
    grouped = [e for e in prof.key_averages(group_by_input_shape=True) if e.key == 'aten::linear']
    assert [e.input_shapes for e in grouped] == [[[2, 6], [5, 6], [5]], [[2, 5], [4, 5], [4]], [[2, 4], [3, 4], [3]]]
    assert 'Input Shapes' in prof.key_averages(group_by_input_shape=True).table()
    path = tmp_path / 'trace.json'
    prof.export_chrome_trace(str(path))
    trace = json.loads(path.read_text())
    assert len(trace['traceEvents']) == len(prof.function_events)
    for e in trace['traceEvents']:
        assert e['ph'] == 'X' and e['dur'] >= 0 and isinstance(e['ts'], float) and e['name']
    assert {'AddmmBackward0', 'aten::linear'} <= {e['name'] for e in trace['traceEvents']}


def test_torch_profiler_schedule_records_the_active_steps():
    model = mlp(autograd)
    ready = []
    sched = autograd.profiler.schedule(wait=1, warmup=1, active=2, repeat=1)
    with autograd.profiler.profile(schedule=sched, on_trace_ready=lambda p: ready.append(
            _rows(p)['AddmmBackward0'].count)) as prof:
        for _ in range(6):
            mlp_loss(autograd, model).backward()
            prof.step()
    assert ready == [3 * 2]
    expected = [torch.profiler.schedule(wait=1, warmup=1, active=2, repeat=1)(i).name for i in range(7)]
    assert [sched(i).name for i in range(7)] == expected


# ---- backward trace ---------------------------------------------------------------------------------------
def test_trace_backward_records_the_chain_rule_step_by_step():
    x = autograd.tensor([1., 2., 3.], requires_grad=True)
    w = autograd.tensor([0.5, -1., 2.], requires_grad=True)
    y = (x * w).sum()
    with autograd.autograd.graph.trace_backward() as trace:
        y.backward()
    steps = trace.steps
    assert [s.name for s in steps] == ['SumBackward0', 'MulBackward0', 'AccumulateGrad', 'AccumulateGrad']
    assert steps[0].grad_in.tensor.item() == 1.0
    (nr, target, ones), = steps[0].sent
    assert (nr, target) == (0, 'MulBackward0') and ones.tensor.tolist() == [1., 1., 1.]
    assert steps[1].grad_in.tensor.tolist() == [1., 1., 1.]
    sent = {nr: s.tensor.tolist() for nr, _, s in steps[1].sent}
    assert sent == {0: w.tolist(), 1: x.tolist()}                  # d(x*w)/dx = w, d(x*w)/dw = x
    assert steps[1].freed and steps[1].saved_bytes == 24            # x and w, freed after Mul's backward
    leaves = {id(s.node.variable): s.grad_in.tensor.tolist() for s in steps[2:]}
    assert leaves == {id(x): w.tolist(), id(w): x.tolist()}
    text = str(trace)
    assert 'step 2: MulBackward0' in text and '-> input 1 (AccumulateGrad)' in text
    assert trace.table().split('\n')[0].split() == ['step', 'node', 'grad', 'in', 'sent', 'to', 'hooks', 'freed']


def test_trace_backward_lists_hooks_and_keeps_retained_graphs():
    x = autograd.tensor([2.], requires_grad=True)
    y = x * x

    def double(g):
        return g * 2
    y.register_hook(double)
    y.retain_grad()
    with autograd.autograd.graph.trace_backward() as trace:
        y.backward(retain_graph=True)
    assert trace.steps[0].hooks == ['tensor hook double', 'retain_grad'] and not trace.steps[0].freed
    assert x.grad.item() == 8.


# ---- Node API ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize('case', ['mul', 'div', 'exp', 'log', 'pow', 'pow_tensor', 'mm', 'mse', 'sum_dim', 'mean',
                                  'linear'])
def test_saved_attributes_match_torch(case):
    def f(m):
        a = m.tensor([[1., 2.], [3., 4.]], requires_grad=True)
        b = m.tensor([[0.5, 1.], [2., -1.]], requires_grad=True)
        out = {'mul': lambda: a * b, 'div': lambda: a / b, 'exp': lambda: a.exp(), 'log': lambda: a.log(),
               'pow': lambda: a ** 2, 'pow_tensor': lambda: a ** b, 'mm': lambda: a.mm(b),
               'mse': lambda: NN[m].functional.mse_loss(a, b, reduction='sum'), 'sum_dim': lambda: a.sum(1),
               'mean': lambda: a.mean(), 'linear': lambda: NN[m].functional.linear(a, b, b[0])}[case]()
        fn = out.grad_fn
        names = sorted(n[len('_saved_'):] for n in dir(fn) if n.startswith('_saved_') and 'strides' not in n)
        if m is autograd:
            names = sorted(autograd.autograd.graph.saved_attribute_names(fn))
        return names, [getattr(fn, '_saved_' + n) for n in names]
    check(f)


def test_node_name_metadata_and_unknown_saved_attribute():
    for m in (torch, autograd):
        fn = (m.tensor([1.], requires_grad=True) * 2).grad_fn
        fn.metadata['note'] = 1
        assert fn.name() == 'MulBackward0' and fn.metadata == {'note': 1}
        with pytest.raises(AttributeError):
            fn._saved_nothing


# ---- the MNIST example's --graph and --profile -----------------------------------------------------------
def test_mnist_example_draws_the_graph_and_profiles(tmp_path, data_dir, capsys):
    pytest.importorskip('networkx', reason="drawing without Graphviz's dot needs networkx")
    from autograd.examples import mnist
    path = tmp_path / 'graph.png'
    common = ['--model', 'mlp', '--data', data_dir, '--limit', '256', '--out', str(tmp_path / 'run')]
    mnist.main(common + ['--graph', str(path), '--profile', '2'])
    out = capsys.readouterr().out
    assert path.exists() and path.read_bytes()[:4] == b'\x89PNG'
    row = [line for line in out.split('\n') if line.strip().startswith('AddmmBackward0')]
    assert row and row[0].split()[-1] == str(3 * 2)   # 3 Linear layers, 2 steps
