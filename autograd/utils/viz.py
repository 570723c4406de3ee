"""Pictures of the backward graph: make_dot with torchviz's signature and conventions, plus what torchviz
cannot show (each node's output shape and dtype, the bytes it keeps for backward, its backward time).

    dot = make_dot(loss, params=dict(model.named_parameters()))   # a graphviz.Digraph
    dot.render('graph', format='svg')                              # needs Graphviz's `dot` program
    draw(loss, 'graph.png', params=...)                            # dot if installed, else matplotlib

Conventions (torchviz's): leaves that require grad are light blue boxes named from `params` with their
shape; backward nodes are grey boxes named as torch names them (AddmmBackward0); the output is green;
saved tensors (show_saved=True) are orange, joined to their node by an undirected edge. Edges point from
an input towards the node that uses it, i.e. in the direction of the forward pass.

make_dot needs the `graphviz` Python package (pip install graphviz, or the project's `viz` extra); rendering
it to a file needs the Graphviz program `dot` (apt install graphviz, brew install graphviz, or conda install
graphviz). draw() falls back to matplotlib + networkx when `dot` is missing, so a picture is always possible.
"""
import os
import shutil

from .. import instrument
from ..tensor import Tensor

__all__ = ['make_dot', 'draw', 'record_shapes', 'graph_of', 'saved_bytes']

NODE_ATTR = dict(style='filled', shape='box', align='left', fontsize='10', ranksep='0.1', height='0.2',
                 fontname='monospace')
LEAF, OUTPUT, SAVED, VIEW_BASE, NODE = 'lightblue', 'darkolivegreen1', 'orange', 'darkolivegreen3', 'lightgrey'
SAVED_PREFIX = '_saved_'
_X11 = {'darkolivegreen1': '#caff70', 'darkolivegreen3': '#a2cd5a'}   # Graphviz colour names matplotlib lacks


def size_to_str(size):
    return '(' + ', '.join(['%d' % v for v in size]) + ')'


def _format_bytes(n):
    for unit, size in (('GB', 1024 ** 3), ('MB', 1024 ** 2), ('KB', 1024)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


class record_shapes:
    """with record_shapes(): ... remembers each new node's output shape and dtype in node.metadata
    ('shape', 'dtype'), which make_dot(show_shapes=True) prints. Off, it costs nothing."""

    def on_forward(self, cls, inputs, options, call):
        out = call()
        if out.grad_fn is not None:
            out.grad_fn.metadata['shape'] = tuple(out.shape)
            out.grad_fn.metadata['dtype'] = str(out.dtype).split('.')[-1]
        return out

    def on_backward(self, fn, grad, call):
        return call(grad)

    def __enter__(self):
        instrument.tools.observers = instrument.tools.observers + [self]
        instrument.refresh()
        return self

    def __exit__(self, *exc):
        instrument.tools.observers = [o for o in instrument.tools.observers if o is not self]
        instrument.refresh()


def saved_bytes(fn):
    """Bytes of the arrays a node keeps for its backward: saved tensors, its saved output, and arrays it
    holds as attributes (masks, indices, ...). Each array counted once; 0 once a backward freed them."""
    seen, total = set(), 0

    def count(value):
        nonlocal total
        if isinstance(value, Tensor):
            value = value.array
        if hasattr(value, 'nbytes') and hasattr(value, 'dtype') and id(value) not in seen:
            seen.add(id(value))
            total += int(value.nbytes)
        elif isinstance(value, (tuple, list)):
            for v in value:
                count(v)
    count(fn._saved_tuple() if hasattr(fn, '_saved_tuple') else None)
    count(getattr(fn, '_out_array', None))
    for value in getattr(fn, '__dict__', {}).values():
        count(value)
    return total


def graph_of(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50, show_shapes=False,
             show_memory=False, profile=None):
    """The picture's content without any drawing library: (nodes, edges), nodes a dict id -> (label, color),
    edges a list of (tail id, head id, attrs). var: a Tensor or a sequence of Tensors (the outputs)."""
    param_map = {id(v): k for k, v in (params or {}).items()}
    times = getattr(profile, 'node_times', None) or {}
    nodes, edges, seen = {}, [], set()

    def var_label(t, name=None):
        name = name if name is not None else param_map.get(id(t), '')
        return '%s\n %s' % (name, size_to_str(t.shape))

    def fn_label(fn):
        lines = [type(fn).__name__]
        if show_attrs:
            for attr in saved_attribute_names(fn):
                value = getattr(fn, SAVED_PREFIX + attr, None)
                if not isinstance(value, Tensor):
                    lines.append(f"{attr}: {str(value)[:max_attr_chars]}")
        if show_shapes and 'shape' in getattr(fn, 'metadata', {}):
            lines.append(f"{size_to_str(fn.metadata['shape'])} {fn.metadata['dtype']}")
        if show_memory:
            lines.append(f"saved {_format_bytes(saved_bytes(fn))}")
        if fn in times:
            lines.append(f"{times[fn]:.1f} us")
        return '\n'.join(lines)

    def add_node(fn):
        stack = [fn]
        while stack:   # iterative: graphs of any depth
            fn = stack.pop()
            if fn in seen:
                continue
            seen.add(fn)
            if show_saved:
                for attr in saved_attribute_names(fn):
                    value = getattr(fn, SAVED_PREFIX + attr, None)
                    if isinstance(value, Tensor):
                        nodes[str(id(value)) + attr] = (var_label(value, attr), SAVED)
                        edges.append((str(id(fn)), str(id(value)) + attr, {'dir': 'none'}))
            if type(fn).__name__ == 'AccumulateGrad':
                leaf = fn.variable
                nodes[str(id(leaf))] = (var_label(leaf), LEAF)
                edges.append((str(id(leaf)), str(id(fn)), {}))
            nodes[str(id(fn))] = (fn_label(fn), NODE)
            for nxt, _ in fn.next_functions:
                if nxt is not None:
                    edges.append((str(id(nxt)), str(id(fn)), {}))
                    stack.append(nxt)

    outputs = var if isinstance(var, (tuple, list)) else (var,)
    for out in outputs:
        nodes[str(id(out))] = (var_label(out), OUTPUT)
        if out.grad_fn is not None:
            add_node(out.grad_fn)
            edges.append((str(id(out.grad_fn)), str(id(out)), {}))
        base = getattr(out, '_base', None)
        if base is not None and str(id(base)) not in nodes:
            nodes[str(id(base))] = (var_label(base), VIEW_BASE)
            edges.append((str(id(base)), str(id(out)), {'style': 'dotted'}))
    return nodes, edges


def saved_attribute_names(fn):
    from ..graph import saved_attribute_names as names
    return names(fn)


def make_dot(var, params=None, show_attrs=False, show_saved=False, max_attr_chars=50, *, show_shapes=False,
             show_memory=False, profile=None):
    """A graphviz.Digraph of the graph that produced var (torchviz.make_dot's signature and look).

    params: {name: tensor} to name the leaves (e.g. dict(model.named_parameters())).
    show_attrs / show_saved: the nodes' saved non-tensor attributes / saved tensors (torch's _saved_*).
    Beyond torchviz: show_shapes (each node's output shape and dtype, recorded by a forward run inside
    record_shapes()), show_memory (bytes each node keeps for backward), profile (a finished profiler whose
    backward timed the nodes: each node's time in us)."""
    try:
        from graphviz import Digraph
    except ImportError:
        raise ImportError("make_dot needs the graphviz Python package: pip install graphviz (or pip install -e "
                          "'.[viz]'). Rendering also needs Graphviz's `dot` program (apt install graphviz, brew "
                          "install graphviz or conda install graphviz); draw(var, 'graph.png') uses matplotlib "
                          "when it is missing.") from None
    nodes, edges = graph_of(var, params, show_attrs, show_saved, max_attr_chars, show_shapes, show_memory, profile)
    dot = Digraph(node_attr=NODE_ATTR, graph_attr=dict(size="12,12"))
    for key, (label, color) in nodes.items():
        dot.node(key, label, fillcolor=color)
    for tail, head, attrs in edges:
        dot.edge(tail, head, **attrs)
    _resize(dot, len(nodes))
    return dot


def _resize(dot, n_nodes, size_per_element=0.15, min_size=12):
    """torchviz's resize_graph: the page grows with the number of nodes."""
    size = max(min_size, size_per_element * n_nodes)
    dot.graph_attr.update(size=f"{size},{size}")


def draw(var, path, params=None, **options):
    """Write the graph picture to path (.svg, .png or .pdf): with Graphviz's dot when installed, else with
    matplotlib, nodes layered by topological generation (networkx). Returns the path written."""
    base, ext = os.path.splitext(path)
    fmt = ext.lstrip('.') or 'png'
    if shutil.which('dot') is not None:
        try:
            make_dot(var, params, **options).render(base, format=fmt, cleanup=True)
            return base + '.' + fmt
        except ImportError:
            pass
    nodes, edges = graph_of(var, params, **options)
    draw_matplotlib(nodes, edges, path)
    return path


def draw_matplotlib(nodes, edges, path):
    """The same boxes and edges drawn by matplotlib: one row per topological generation, the outputs at the
    bottom (as dot draws torchviz graphs)."""
    try:
        import matplotlib
        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
        import networkx as nx
    except ImportError:
        raise ImportError("drawing without Graphviz's dot needs matplotlib and networkx: pip install matplotlib "
                          "networkx (or pip install -e '.[viz]')") from None
    g = nx.DiGraph()
    g.add_nodes_from(nodes)
    g.add_edges_from((t, h) for t, h, _ in edges)
    # rows counted from the outputs upwards, so each input sits just above the node that uses it
    layers = list(nx.topological_generations(g.reverse(copy=False)))
    pos = {}
    for depth, layer in enumerate(layers):
        def below(key):   # order a row by where the nodes it feeds sit, to keep edges short
            xs = [pos[h][0] for h in g.successors(key) if h in pos]
            return (sum(xs) / len(xs) if xs else 0.0, key)
        for i, key in enumerate(sorted(layer, key=below)):
            pos[key] = (i - (len(layer) - 1) / 2, depth)
    width = max(len(layer) for layer in layers) if layers else 1
    fig, ax = plt.subplots(figsize=(max(4, 2.4 * width), max(3, 1.1 * len(layers))))
    for tail, head, attrs in edges:
        (x0, y0), (x1, y1) = pos[tail], pos[head]
        arrow = '-' if attrs.get('dir') == 'none' else '-|>'
        ax.annotate('', xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle=arrow, color='black', lw=0.8,
                                    linestyle=':' if attrs.get('style') == 'dotted' else '-',
                                    shrinkA=14, shrinkB=14))
    for key, (label, color) in nodes.items():
        x, y = pos[key]
        ax.text(x, y, label.strip(), ha='center', va='center', fontsize=7, family='monospace',
                bbox=dict(boxstyle='square,pad=0.3', facecolor=_X11.get(color, color), edgecolor='black', lw=0.6))
    xs = [p[0] for p in pos.values()] or [0]
    ax.set_xlim(min(xs) - 1, max(xs) + 1)
    ax.set_ylim(-1, len(layers))
    ax.axis('off')
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
