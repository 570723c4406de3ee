"""torch.onnx.export for this library: trace one forward pass and write it as an ONNX model.

    autograd.onnx.export(model, (x,), 'model.onnx', input_names=['input'], output_names=['logits'],
                         dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})

The forward runs once on the example inputs (in eval mode, as torch's default training=TrainingMode.EVAL)
while trace.py records every op; symbolic.py / symbolic_nn.py turn each op into ONNX nodes; parameters and
buffers become initializers named by their state_dict keys; ops whose inputs are all constants are
computed once and stored (do_constant_folding). The model is checked with onnx.checker and written with
the `onnx` package (the optional `onnx` extra). An op without a mapping raises UnsupportedOperatorError
naming it. Open the file in Netron (`pip install netron; netron model.onnx`) to look at the model.
"""
import enum
import os

from .. import backend, grad_mode
from ..tensor import Tensor
from .graph import Graph, UnsupportedOperatorError
from .symbolic_nn import SYMBOLIC   # symbolic.py's table, with symbolic_nn's conv and pool mappings added
from .trace import Tracer

__all__ = ['export', 'TrainingMode', 'UnsupportedOperatorError']

DEFAULT_OPSET = 20   # torch 2.13's default (torch.onnx._constants.ONNX_DEFAULT_OPSET)
MIN_OPSET = 13


# torch.onnx.export options about torch's own exporters (dynamo, reports, ...): accepted, without effect here
_TORCH_ONLY_OPTIONS = {'dynamo', 'external_data', 'dynamic_shapes', 'custom_translation_table', 'report', 'optimize',
                       'verify', 'profile', 'dump_exported_program', 'artifacts_dir', 'operator_export_type',
                       'custom_opsets', 'export_modules_as_functions', 'autograd_inlining'}


class TrainingMode(enum.IntEnum):
    EVAL = 0
    PRESERVE = 1
    TRAINING = 2


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("autograd.onnx.export needs the onnx package: pip install 'ndgrad[onnx]' "
                          "(or pip install onnx)") from None
    return onnx


def export(model, args=(), f=None, *, kwargs=None, verbose=None, input_names=None, output_names=None,
           opset_version=None, dynamic_axes=None, do_constant_folding=True, export_params=True,
           training=TrainingMode.EVAL, keep_initializers_as_inputs=False, **torch_options):
    """Export model (an nn.Module or a function of tensors) called as model(*args, **kwargs) to f (a path
    or a binary file object; None: only return it). Returns the onnx.ModelProto.

    input_names / output_names name the graph's inputs and outputs (default input_0.., output_0..);
    dynamic_axes maps such a name to {axis: 'name'} or [axis, ...]: those dimensions are symbolic (a
    dynamic batch: {'input': {0: 'batch'}}). opset_version defaults to 20. Raises
    UnsupportedOperatorError for an op without an ONNX mapping."""
    unknown = set(torch_options) - _TORCH_ONLY_OPTIONS
    if unknown:
        raise TypeError(f"export() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    if torch_options.get('dynamic_shapes') is not None:
        raise NotImplementedError("autograd.onnx.export traces one forward; say which dimensions vary with "
                                  "dynamic_axes={'input': {0: 'batch'}} instead of dynamic_shapes")
    onnx = _onnx()
    opset = DEFAULT_OPSET if opset_version is None else int(opset_version)
    if not MIN_OPSET <= opset <= onnx.defs.onnx_opset_version():
        raise ValueError(f"Unsupported ONNX opset version: {opset}. Supported: {MIN_OPSET} to "
                         f"{onnx.defs.onnx_opset_version()}")
    if not export_params:
        raise NotImplementedError("autograd.onnx.export(export_params=False) is not supported: the weights are "
                                  "stored as initializers")
    args = (args,) if isinstance(args, Tensor) else tuple(args)
    if args and isinstance(args[-1], dict) and kwargs is None:   # torch's trailing-dict convention
        args, kwargs = args[:-1], args[-1]
    inputs = [a for a in args if isinstance(a, Tensor)]
    input_names = list(input_names or [])
    input_names += [f"input_{i}" if len(inputs) > 1 else 'input' for i in range(len(input_names), len(inputs))]

    params = {}
    if hasattr(model, 'named_parameters'):
        params.update({id(t): n for n, t in model.named_parameters()})
        params.update({id(t): n for n, t in model.named_buffers()})
    was_training = getattr(model, 'training', None)
    if was_training is not None and training != TrainingMode.PRESERVE:
        model.train(training == TrainingMode.TRAINING)
    tracer = Tracer()
    try:
        with grad_mode.no_grad(), tracer.active():
            outputs = model(*args, **(kwargs or {}))
    finally:
        if was_training is not None:
            model.train(was_training)

    arrays = {}
    if hasattr(model, 'named_buffers'):
        arrays = {id(t.array): n for n, t in list(model.named_parameters()) + list(model.named_buffers())}
    g = Graph(onnx, opset, do_constant_folding, params, arrays)
    for t, name in zip(inputs, input_names):
        g.bind(t, name)
        g._used.add(name)
    for rec in tracer.records:
        _emit(g, rec)

    outputs = [outputs] if isinstance(outputs, Tensor) else list(outputs)
    output_names = list(output_names or [])
    output_names += [f"output_{i}" if len(outputs) > 1 else 'output' for i in range(len(output_names), len(outputs))]
    for t, name in zip(outputs, output_names):
        _name_output(g, g.value(t), name, input_names)

    dynamic = _dynamic_axes(dynamic_axes)
    helper = onnx.helper
    graph = helper.make_graph(
        g.nodes, 'main_graph',
        [_value_info(g, t, n, dynamic) for t, n in zip(inputs, input_names)],
        [_value_info(g, t, n, dynamic) for t, n in zip(outputs, output_names)],
        initializer=g.initializers)
    opset_import = [helper.make_opsetid('', opset)]
    proto = helper.make_model(graph, opset_imports=opset_import, producer_name='ndgrad',
                              ir_version=helper.find_min_ir_version_for(opset_import))
    onnx.checker.check_model(proto)
    if verbose:
        print(helper.printable_graph(proto.graph))
    if f is not None:
        if isinstance(f, (str, os.PathLike)):
            onnx.save_model(proto, os.fspath(f))
        else:
            f.write(proto.SerializeToString())
    return proto


def _emit(g, rec):
    if rec.op == '__alias__':   # an in-place op wrote its result into this tensor
        g.bind(rec.outputs[0], g.value(rec.inputs[0]))
        return
    symbolic = SYMBOLIC.get(rec.op)
    if symbolic is None:
        torch_name = rec.fn.__name__ if rec.fn is not None and rec.fn.__name__ != rec.op else None
        raise UnsupportedOperatorError(
            f"Exporting the operator '{rec.op}'{f' ({torch_name})' if torch_name else ''} to ONNX opset version "
            f"{g.opset} is not supported by autograd.onnx.export")
    ins = [g.value(t) if isinstance(t, Tensor) else '' for t in rec.inputs]
    if g.fold and any(ins) and all(g.is_constant(n) for n in ins):   # constant folding
        for t in rec.outputs:
            g.bind(t, g.constant(backend.to_host(t.detach().array), 'onnx::' + rec.op))
        return
    outs = symbolic(g, rec, ins)
    outs = [outs] if isinstance(outs, str) else list(outs)
    for t, name in zip(rec.outputs, outs):
        g.bind(t, name)


def _name_output(g, internal, name, input_names):
    """Give the value `internal` the graph output name `name`: rename its producer's output, or add an
    Identity where it is an input, an initializer or already another output."""
    producer = next((n for n in g.nodes if internal in n.output), None)
    if producer is None or internal in input_names or name in g._used and name != internal:
        g.nodes.append(g.helper.make_node('Identity', [internal], [name], name=g.fresh('/Identity')))
        g._used.add(name)
        return
    for node in g.nodes:
        for seq in (node.input, node.output):
            for i, n in enumerate(seq):
                if n == internal:
                    seq[i] = name
    g._used.add(name)


def _dynamic_axes(spec):
    out = {}
    for name, axes in (spec or {}).items():
        if isinstance(axes, dict):
            out[name] = {int(k): str(v) for k, v in axes.items()}
        else:
            out[name] = {int(a): f"{name}_dynamic_axes_{i + 1}" for i, a in enumerate(axes)}
    return out


def _value_info(g, t, name, dynamic):
    shape = [dynamic.get(name, {}).get(i, n) for i, n in enumerate(t.shape)]
    return g.helper.make_tensor_value_info(name, g.elem_type(t.array.dtype), shape)
