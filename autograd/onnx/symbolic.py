"""ONNX for each recorded op: SYMBOLIC[op name](g, record, input names) -> output value name(s).

Function-level ops (a Function class name) read the Function's options from record.attrs; functional ops
(conv2d, max_pool2d, ...) read torch.nn.functional's arguments. Opset differences handled here:
ReduceMean/ReduceMax take axes as an input from opset 18; LayerNormalization exists from 17 and Gelu from
20, written out as their formulas below that.
"""
import math

import numpy as np

from .. import backend
from .graph import UnsupportedOperatorError

SYMBOLIC = {}


def register(*names):
    def add(fn):
        for name in names:
            SYMBOLIC[name] = fn
        return fn
    return add


def _dtype(t):
    return t.array.dtype


def _scalar(g, value, like):
    return g.constant(np.asarray(value, dtype=_dtype(like)))


# ---- elementwise -------------------------------------------------------------------------------------
_UNARY = {'Neg': 'Neg', 'Exp': 'Exp', 'Log': 'Log', 'Sqrt': 'Sqrt', 'Reciprocal': 'Reciprocal', 'Sin': 'Sin',
          'Cos': 'Cos', 'Tan': 'Tan', 'Asin': 'Asin', 'Acos': 'Acos', 'Atan': 'Atan', 'Sinh': 'Sinh',
          'Cosh': 'Cosh', 'Tanh': 'Tanh', 'Sigmoid': 'Sigmoid', 'Relu': 'Relu', 'ReLU': 'Relu', 'Abs': 'Abs',
          'Erf': 'Erf', 'Clone': 'Identity'}
_BINARY = {'Add': 'Add', 'Sub': 'Sub', 'Mul': 'Mul', 'Div': 'Div', 'Maximum': 'Max', 'Minimum': 'Min',
           'Pow': 'Pow'}


@register(*_UNARY)
def unary(g, rec, ins):
    return g.node(_UNARY[rec.op], [ins[0]])


@register(*_BINARY)
def binary(g, rec, ins):
    out_dtype = _dtype(rec.outputs[0])
    a, b = (g.cast(n, _dtype(t), out_dtype) if rec.op != 'Pow' or i == 0 else n
            for i, (n, t) in enumerate(zip(ins, rec.inputs)))
    return g.node(_BINARY[rec.op], [a, b])


@register('Rsqrt')
def rsqrt(g, rec, ins):
    return g.node('Reciprocal', [g.node('Sqrt', [ins[0]])])


@register('Log1p', 'Expm1', 'Exp2', 'Log2', 'Log10')
def log_exp_variants(g, rec, ins):
    x, like = ins[0], rec.inputs[0]
    if rec.op == 'Log1p':
        return g.node('Log', [g.node('Add', [x, _scalar(g, 1, like)])])
    if rec.op == 'Expm1':
        return g.node('Sub', [g.node('Exp', [x]), _scalar(g, 1, like)])
    if rec.op == 'Exp2':
        return g.node('Pow', [_scalar(g, 2, like), x])
    return g.node('Div', [g.node('Log', [x]), _scalar(g, math.log(2 if rec.op == 'Log2' else 10), like)])


@register('PowScalar')
def pow_scalar(g, rec, ins):
    return g.node('Pow', [ins[0], _scalar(g, rec.attrs['exponent'], rec.outputs[0])])


@register('Rsub', 'RPowScalar')
def scalar_first(g, rec, ins):   # other - x, base ** x: the Python number as the first operand
    if rec.op == 'Rsub':
        return g.node('Sub', [_scalar(g, rec.attrs['other'].item(), rec.outputs[0]), ins[0]])
    return g.node('Pow', [_scalar(g, rec.attrs['base'].item(), rec.outputs[0]), ins[0]])


@register('Cast', 'cast')
def cast(g, rec, ins):
    return g.node('Cast', [ins[0]], to=g.elem_type(rec.attrs['dtype']))


@register('Clamp')
def clamp(g, rec, ins):
    lo, hi = rec.attrs.get('min'), rec.attrs.get('max')
    like = rec.outputs[0]
    return g.node('Clip', [ins[0], '' if lo is None else _scalar(g, lo, like),
                           '' if hi is None else _scalar(g, hi, like)])


_COMPARE = {'eq': 'Equal', 'lt': 'Less', 'le': 'LessOrEqual', 'gt': 'Greater', 'ge': 'GreaterOrEqual'}


@register('compare')
def compare(g, rec, ins):
    a, b = rec.inputs
    common = np.result_type(_dtype(a), _dtype(b))
    a_name, b_name = g.cast(ins[0], _dtype(a), common), g.cast(ins[1], _dtype(b), common)
    op = rec.attrs['op']
    if op == 'ne':
        return g.node('Not', [g.node('Equal', [a_name, b_name])])
    return g.node(_COMPARE[op], [a_name, b_name])


@register('argmax', 'argmin')
def arg_extremum(g, rec, ins):
    dim, keepdim = rec.attrs['dim'], bool(rec.attrs['keepdim'])
    op_type = 'ArgMax' if rec.op == 'argmax' else 'ArgMin'
    if dim is None:   # over the flattened tensor
        out = g.node(op_type, [g.node('Reshape', [ins[0], g.ints([-1])])], axis=0, keepdims=0)
        if keepdim:
            out = g.node('Reshape', [out, g.ints([1] * rec.inputs[0].ndim)])
        return out
    return g.node(op_type, [ins[0]], axis=int(dim), keepdims=int(keepdim))


@register('Where', 'MaskedFill')
def where(g, rec, ins):
    return g.node('Where', ins[:3])


# ---- activations -------------------------------------------------------------------------------------
@register('Hardtanh')
def hardtanh(g, rec, ins):
    like = rec.inputs[0]
    return g.node('Clip', [ins[0], _scalar(g, rec.attrs['min_val'], like), _scalar(g, rec.attrs['max_val'], like)])


@register('LeakyReLU')
def leaky_relu(g, rec, ins):
    return g.node('LeakyRelu', [ins[0]], alpha=float(rec.attrs['negative_slope']))


@register('ELU')
def elu(g, rec, ins):
    return g.node('Elu', [ins[0]], alpha=float(rec.attrs['alpha']))


@register('GELU')
def gelu(g, rec, ins):
    x, like, approximate = ins[0], rec.inputs[0], rec.attrs['approximate']
    if g.opset >= 20:
        return g.node('Gelu', [x], approximate=approximate)
    half = g.node('Mul', [x, _scalar(g, 0.5, like)])
    if approximate == 'tanh':   # 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
        cube = g.node('Mul', [g.node('Pow', [x, _scalar(g, 3.0, like)]), _scalar(g, 0.044715, like)])
        inner = g.node('Mul', [g.node('Add', [x, cube]), _scalar(g, math.sqrt(2 / math.pi), like)])
        return g.node('Mul', [half, g.node('Add', [g.node('Tanh', [inner]), _scalar(g, 1.0, like)])])
    erf = g.node('Erf', [g.node('Mul', [x, _scalar(g, math.sqrt(0.5), like)])])   # 0.5 x (1 + erf(x / sqrt 2))
    return g.node('Mul', [half, g.node('Add', [erf, _scalar(g, 1.0, like)])])


@register('SiLU')
def silu(g, rec, ins):
    return g.node('Mul', [ins[0], g.node('Sigmoid', [ins[0]])])


@register('Mish')
def mish(g, rec, ins):
    return g.node('Mul', [ins[0], g.node('Tanh', [g.node('Softplus', [ins[0]])])])


@register('Softplus')
def softplus(g, rec, ins):
    # beyond threshold torch returns x; Softplus there differs from x by less than exp(-threshold)
    beta, like = float(rec.attrs['beta']), rec.inputs[0]
    if beta == 1.0:
        return g.node('Softplus', [ins[0]])
    scaled = g.node('Softplus', [g.node('Mul', [ins[0], _scalar(g, beta, like)])])
    return g.node('Div', [scaled, _scalar(g, beta, like)])


@register('Softmax', 'LogSoftmax')
def softmax(g, rec, ins):
    return g.node(rec.op, [ins[0]], axis=int(rec.attrs['dim']))


# ---- reductions, products ---------------------------------------------------------------------------
@register('Sum', 'Mean')
def reduce(g, rec, ins):
    op_type = {'Sum': 'ReduceSum', 'Mean': 'ReduceMean'}[rec.op]
    dims = rec.attrs['dims']
    return g.reduce(op_type, ins[0], None if dims is None else list(dims), rec.attrs['keepdim'])


@register('Matmul')
def matmul(g, rec, ins):
    return g.node('MatMul', ins[:2])


@register('Linear')
def linear(g, rec, ins):   # inputs (bias, x, weight) or (x, weight): torch's addmm order of edges
    x, w = ins[-2], ins[-1]
    b = ins[0] if len(ins) == 3 else ''
    if rec.inputs[-2].ndim == 2:
        return g.node('Gemm', [x, w] + ([b] if b else []), transB=1)
    if g.fold and g.is_constant(w):   # a constant weight is stored transposed instead of transposed per call
        wt = g.constant(backend.to_host(rec.inputs[-1].detach().array).T, hint=w + '.T')
    else:
        wt = g.node('Transpose', [w], perm=[1, 0])
    y = g.node('MatMul', [x, wt])
    return g.node('Add', [y, b]) if b else y


@register('Embedding')
def embedding(g, rec, ins):
    return g.node('Gather', [ins[0], g.cast(ins[1], _dtype(rec.inputs[1]), np.int64)], axis=0)


# ---- shapes ------------------------------------------------------------------------------------------
@register('Reshape', 'SqueezeAll', 'SqueezeDims', 'Unsqueeze', 'View')
def reshape(g, rec, ins):
    return g.reshape(ins[0], tuple(rec.inputs[0].shape), tuple(rec.outputs[0].shape))


@register('Permute', 'Transpose', 'T')
def permute(g, rec, ins):
    return g.node('Transpose', [ins[0]], perm=[int(d) for d in rec.attrs['dims']])


@register('Expand')
def expand(g, rec, ins):
    shape = list(rec.attrs['shape'])
    in_shape = tuple(rec.inputs[0].shape)
    offset = len(shape) - len(in_shape)
    for i, n in enumerate(in_shape):   # Expand broadcasts: 1 keeps the input's (possibly dynamic) size
        if shape[offset + i] == n:
            shape[offset + i] = 1
    return g.node('Expand', [ins[0], g.ints(shape)])


@register('Cat')
def cat(g, rec, ins):
    return g.node('Concat', ins, axis=int(rec.attrs['dim']))


@register('Slice')
def slice_(g, rec, ins):
    index, shape = rec.attrs['index'], tuple(rec.inputs[0].shape)
    if any(p is None or p is Ellipsis for p in index):
        raise UnsupportedOperatorError("Exporting x[...] with None or Ellipsis in the index to ONNX is not "
                                       "supported; use unsqueeze() / explicit slices")
    starts, ends, axes, steps, squeeze = [], [], [], [], []
    for axis, p in enumerate(index):
        if isinstance(p, slice):
            start, stop, step = p.indices(shape[axis])
            if step <= 0:
                raise UnsupportedOperatorError("Exporting a negative-step slice to ONNX is not supported")
            if (start, stop, step) == (0, shape[axis], 1):
                continue   # the whole axis (keeps a dynamic batch dimension dynamic)
        else:
            start, stop, step = int(p) % shape[axis], int(p) % shape[axis] + 1, 1
            squeeze.append(axis)
        starts.append(start), ends.append(stop), axes.append(axis), steps.append(step)
    out = ins[0]
    if axes:
        out = g.node('Slice', [out, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if squeeze:
        out = g.node('Squeeze', [out, g.ints(squeeze)])
    return out if out != ins[0] else g.node('Identity', [out])


@register('ConstantPad')
def constant_pad(g, rec, ins):
    widths = rec.attrs['widths']
    pads = [int(lo) for lo, _ in widths] + [int(hi) for _, hi in widths]
    return g.node('Pad', [ins[0], g.ints(pads), _scalar(g, rec.attrs['value'], rec.inputs[0])], mode='constant')


# ---- normalization -----------------------------------------------------------------------------------
@register('Normalize')
def normalize(g, rec, ins):
    x, affine, attrs = rec.inputs[0], ins[1:], rec.attrs
    name = attrs.get('node_name', '')
    like = rec.inputs[0]
    channels = x.shape[1] if x.ndim > 1 else None
    if attrs.get('stats') is not None and 'BatchNorm' in name:   # batch norm with running statistics
        mean, var = (np.asarray(s).reshape(-1) for s in attrs['stats'])
        scale = affine[0] if affine else g.constant(np.ones(channels, _dtype(like)))
        bias = affine[1] if affine else g.constant(np.zeros(channels, _dtype(like)))
        mean_name = g.constant(mean, g.array_hint(attrs['stats'][0], 'running_mean'))
        var_name = g.constant(var, g.array_hint(attrs['stats'][1], 'running_var'))
        return g.node('BatchNormalization', [ins[0], scale, bias, mean_name, var_name], epsilon=float(attrs['eps']))
    if 'LayerNorm' in name:
        axes = sorted(attrs['axes'])
        axis = axes[0] - x.ndim
        if g.opset >= 17:
            inputs = [ins[0]] + (list(affine) if affine else [g.constant(np.ones(x.shape[axes[0]:], _dtype(like)))])
            return g.node('LayerNormalization', inputs, axis=axis, epsilon=float(attrs['eps']))
        red = list(range(axis, 0))
        centered = g.node('Sub', [ins[0], g.reduce('ReduceMean', ins[0], red, True)])
        var = g.reduce('ReduceMean', g.node('Mul', [centered, centered]), red, True)
        std = g.node('Sqrt', [g.node('Add', [var, _scalar(g, attrs['eps'], like)])])
        out = g.node('Div', [centered, std])
        return g.node('Add', [g.node('Mul', [out, affine[0]]), affine[1]]) if affine else out
    if 'GroupNorm' in name:   # over (N, G, C/G * spatial), as the formula: (x - mean) / sqrt(var + eps)
        groups = attrs['work_shape'][1]
        grouped = g.node('Reshape', [ins[0], g.ints([0, groups, -1])])
        centered = g.node('Sub', [grouped, g.reduce('ReduceMean', grouped, [2], True)])
        var = g.reduce('ReduceMean', g.node('Mul', [centered, centered]), [2], True)
        normed = g.node('Div', [centered, g.node('Sqrt', [g.node('Add', [var, _scalar(g, attrs['eps'], like)])])])
        out = g.node('Reshape', [normed, g.ints([0] + list(x.shape[1:]))])
        if not affine:
            return out
        per_channel = g.ints([channels] + [1] * (x.ndim - 2))
        return g.node('Add', [g.node('Mul', [out, g.node('Reshape', [affine[0], per_channel])]),
                              g.node('Reshape', [affine[1], per_channel])])
    if 'BatchNorm' in name:
        raise UnsupportedOperatorError("batch_norm in training mode (batch statistics) cannot be exported: "
                                       "export with model.eval(), or with training=TrainingMode.EVAL (the default)")
    raise UnsupportedOperatorError(f"Exporting the operator '{name or 'Normalize'}' to ONNX is not supported")
