"""ONNX for the functional ops recorded whole: convolutions and poolings (torch.nn.functional arguments)."""
from .graph import UnsupportedOperatorError
from .symbolic import SYMBOLIC, register

__all__ = ['SYMBOLIC']


def _tuple(value, n):
    return tuple(int(v) for v in value) if isinstance(value, (tuple, list)) else (int(value),) * n


def _batched(rec, n_spatial):
    x = rec.inputs[0]
    if x.ndim != n_spatial + 2:
        raise UnsupportedOperatorError(f"Exporting {rec.op} of an unbatched {x.ndim}-d input to ONNX is not "
                                       "supported: add the batch dimension (x.unsqueeze(0))")


@register('conv1d', 'conv2d')
def conv(g, rec, ins):
    n = 1 if rec.op == 'conv1d' else 2
    _batched(rec, n)
    a = rec.attrs
    kernel = tuple(rec.inputs[1].shape[2:])
    dilation = _tuple(a['dilation'], n)
    padding = a['padding']
    if padding == 'valid':
        pads = (0,) * (2 * n)
    elif padding == 'same':   # torch puts the odd extra pixel at the end
        total = [d * (k - 1) for d, k in zip(dilation, kernel)]
        pads = tuple(t // 2 for t in total) + tuple(t - t // 2 for t in total)
    else:
        pads = _tuple(padding, n) * 2
    inputs = ins[:2] + ([ins[2]] if len(ins) > 2 and ins[2] else [])
    return g.node('Conv', inputs, kernel_shape=list(kernel), strides=list(_tuple(a['stride'], n)),
                  pads=list(pads), dilations=list(dilation), group=int(a['groups']))


@register('conv_transpose1d', 'conv_transpose2d')
def conv_transpose(g, rec, ins):
    n = 1 if rec.op == 'conv_transpose1d' else 2
    _batched(rec, n)
    a = rec.attrs
    inputs = ins[:2] + ([ins[2]] if len(ins) > 2 and ins[2] else [])
    return g.node('ConvTranspose', inputs, kernel_shape=list(rec.inputs[1].shape[2:]),
                  strides=list(_tuple(a['stride'], n)), pads=list(_tuple(a['padding'], n) * 2),
                  output_padding=list(_tuple(a['output_padding'], n)), dilations=list(_tuple(a['dilation'], n)),
                  group=int(a['groups']))


def _pool_args(rec, n):
    a = rec.attrs
    kernel = _tuple(a['kernel_size'], n)
    stride = kernel if a['stride'] is None or a['stride'] == [] or a['stride'] == () else _tuple(a['stride'], n)
    return kernel, stride, _tuple(a['padding'], n) * 2


@register('max_pool1d', 'max_pool2d')
def max_pool(g, rec, ins):
    n = 1 if rec.op == 'max_pool1d' else 2
    _batched(rec, n)
    if rec.attrs['return_indices']:
        raise UnsupportedOperatorError(f"Exporting {rec.op}(return_indices=True) to ONNX is not supported "
                                       "(ONNX's indices count over the whole tensor, torch's per plane)")
    kernel, stride, pads = _pool_args(rec, n)
    return g.node('MaxPool', [ins[0]], kernel_shape=list(kernel), strides=list(stride), pads=list(pads),
                  dilations=list(_tuple(rec.attrs['dilation'], n)), ceil_mode=int(bool(rec.attrs['ceil_mode'])))


@register('avg_pool1d', 'avg_pool2d')
def avg_pool(g, rec, ins):
    n = 1 if rec.op == 'avg_pool1d' else 2
    _batched(rec, n)
    if rec.attrs.get('divisor_override') is not None:
        raise UnsupportedOperatorError("Exporting avg_pool2d(divisor_override=...) to ONNX is not supported")
    kernel, stride, pads = _pool_args(rec, n)
    return g.node('AveragePool', [ins[0]], kernel_shape=list(kernel), strides=list(stride), pads=list(pads),
                  ceil_mode=int(bool(rec.attrs['ceil_mode'])),
                  count_include_pad=int(bool(rec.attrs['count_include_pad'])))


@register('adaptive_avg_pool2d', 'adaptive_max_pool2d')
def adaptive_pool(g, rec, ins):
    _batched(rec, 2)
    if rec.attrs.get('return_indices'):
        raise UnsupportedOperatorError("Exporting adaptive_max_pool2d(return_indices=True) to ONNX is not supported")
    size_in = tuple(rec.inputs[0].shape[2:])
    size_out = tuple(rec.outputs[0].shape[2:])
    is_max = rec.op == 'adaptive_max_pool2d'
    if size_out == (1, 1):
        return g.node('GlobalMaxPool' if is_max else 'GlobalAveragePool', [ins[0]])
    if any(i % o for i, o in zip(size_in, size_out)):
        raise UnsupportedOperatorError(f"Exporting {rec.op} from {list(size_in)} to {list(size_out)} to ONNX is not "
                                       "supported: ONNX pools have fixed windows, so the input size must be a "
                                       "multiple of the output size")
    kernel = [i // o for i, o in zip(size_in, size_out)]
    return g.node('MaxPool' if is_max else 'AveragePool', [ins[0]], kernel_shape=kernel, strides=kernel)
