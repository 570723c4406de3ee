"""autograd.onnx.export: every covered op exports, passes onnx.checker, and onnxruntime gives this library's
outputs (float32 tolerance) at a batch size other than the traced one (dynamic batch axes)."""
import io

import numpy as np
import pytest

import autograd
import autograd.nn as nn
import autograd.nn.functional as F
from autograd.examples.models import build
from tolerance import assert_close

onnx = pytest.importorskip('onnx', reason="the onnx extra is not installed")
ort = pytest.importorskip('onnxruntime', reason="onnxruntime (test extra) is not installed")


class Lambda(nn.Module):
    def __init__(self, fn, **modules):
        super().__init__()
        self.fn = fn
        for k, v in modules.items():
            setattr(self, k, v)

    def forward(self, *xs):
        return self.fn(self, *xs)


def image(c=3, h=8, w=8):
    return lambda n: autograd.randn(n, c, h, w)


def seq(c=4, length=10):
    return lambda n: autograd.randn(n, c, length)


def flat(d=6):
    return lambda n: autograd.randn(n, d)


def trained_bn(m):
    m.running_mean.copy_(autograd.randn(m.num_features) * 0.3)
    m.running_var.copy_(autograd.rand(m.num_features) + 0.5)
    return m


CASES = {
    'linear_gemm': (lambda: nn.Linear(6, 4), flat()),
    'linear_3d_matmul': (lambda: nn.Linear(4, 3), lambda n: autograd.randn(n, 5, 4)),
    'conv1d': (lambda: nn.Conv1d(4, 6, 3, stride=2, padding=1, dilation=1), seq()),
    'conv2d_groups_dilation': (lambda: nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2), image(4)),
    'conv2d_same': (lambda: nn.Conv2d(3, 5, (3, 4), padding='same'), image()),
    'conv2d_nobias_stride': (lambda: nn.Conv2d(3, 5, 3, stride=2, bias=False), image()),
    'conv_transpose2d': (lambda: nn.ConvTranspose2d(3, 4, 3, stride=2, padding=1, output_padding=1), image()),
    'max_pool2d': (lambda: nn.MaxPool2d(3, 2, padding=1), image()),
    'max_pool2d_ceil': (lambda: nn.MaxPool2d(2, ceil_mode=True), image(3, 7, 7)),
    'max_pool1d': (lambda: nn.MaxPool1d(2), seq()),
    'avg_pool2d': (lambda: nn.AvgPool2d(3, 2, padding=1, count_include_pad=False), image()),
    'avg_pool2d_include_pad': (lambda: nn.AvgPool2d(2, padding=1), image()),
    'avg_pool1d': (lambda: nn.AvgPool1d(3, 1), seq()),
    'adaptive_avg_pool2d': (lambda: nn.AdaptiveAvgPool2d((2, 4)), image()),
    'global_avg_pool': (lambda: nn.AdaptiveAvgPool2d(1), image()),
    'adaptive_max_pool2d': (lambda: nn.AdaptiveMaxPool2d((4, 2)), image()),
    'global_max_pool': (lambda: nn.AdaptiveMaxPool2d((1, 1)), image()),
    'batch_norm2d_eval': (lambda: trained_bn(nn.BatchNorm2d(3)), image()),
    'batch_norm1d_eval': (lambda: trained_bn(nn.BatchNorm1d(6)), flat()),
    'batch_norm_no_affine': (lambda: trained_bn(nn.BatchNorm2d(3, affine=False)), image()),
    'layer_norm': (lambda: nn.LayerNorm((8, 8)), image()),
    'group_norm': (lambda: nn.GroupNorm(2, 4), image(4)),
    'group_norm_no_affine_3d': (lambda: nn.GroupNorm(3, 6, affine=False), seq(6)),
    'layer_norm_no_affine': (lambda: nn.LayerNorm(6, elementwise_affine=False), flat()),
    'dropout_eval': (lambda: nn.Sequential(nn.Dropout(0.5), nn.Dropout2d(0.3)), image()),
    'flatten': (lambda: nn.Flatten(), image()),
    'scalar_first_rsub_rpow': (lambda: Lambda(lambda m, x: (1.5 - x) * 2 ** x), flat()),
    'flatten_middle': (lambda: nn.Flatten(2), image()),
    'view_permute_transpose': (lambda: Lambda(lambda m, x: x.view(x.size(0), 3, -1).permute(0, 2, 1)
                                              .transpose(1, 2).reshape(x.shape[0], -1)), image()),
    'unsqueeze_squeeze_t': (lambda: Lambda(lambda m, x: (x.unsqueeze(1).squeeze(1) @ m.w.t()),
                                           w=nn.Parameter(autograd.randn(5, 6))), flat()),
    'concat_and_slices': (lambda: Lambda(lambda m, x: autograd.cat([x, x[:, 1:4] * 2, x[:, -1:]], dim=1)), flat()),
    'select_index': (lambda: Lambda(lambda m, x: x[:, 2, 0] + x[:, 0, 1:3].sum(1)), image()),
    'elementwise': (lambda: Lambda(lambda m, x: ((x * 2 + 1) / 3 - x) ** 2 + (-x).exp() + x.abs().add(1).log()
                                   + x.abs().sqrt() - x.abs().add(1).rsqrt() + x.clamp(-0.5, 0.7)
                                   + autograd.maximum(x, x * 0.5) + 1 / (x.abs() + 1)), flat()),
    'reductions': (lambda: Lambda(lambda m, x: x.mean(dim=(2, 3)) + x.sum(1).mean(-1).sum(-1, keepdim=True)), image()),
    'activations': (lambda: nn.Sequential(nn.ReLU(), nn.Linear(6, 6), nn.ReLU6(), nn.LeakyReLU(0.2), nn.ELU(0.7),
                                          nn.Linear(6, 6), nn.GELU(), nn.SiLU(), nn.Mish(), nn.Linear(6, 6),
                                          nn.Sigmoid(), nn.Tanh(), nn.Softplus(beta=2.0), nn.Softplus(),
                                          nn.Hardtanh(-0.3, 0.4), nn.GELU(approximate='tanh')), flat()),
    'inplace_relu': (lambda: nn.Sequential(nn.Linear(6, 4), nn.ReLU(inplace=True), nn.Linear(4, 2)), flat()),
    'detach_and_data': (lambda: Lambda(lambda m, x: x.detach() * 2 + x.data), flat()),
    'comparisons_where_masked_fill': (lambda: Lambda(
        lambda m, x: autograd.where(x > 0.2, x, x * 0.1).masked_fill(x <= -0.5, 3.0)
        + (x >= x.mean(1, keepdim=True)).float() + (x != x[:, :1]).float() - (x == 0).float() + (x < 1).float()),
        flat()),
    'argmax': (lambda: Lambda(lambda m, x: m.fc(x).argmax(1) + m.fc(x).argmin(dim=-1, keepdim=True).sum(1),
                              fc=nn.Linear(6, 4)), flat()),
    'softmax': (lambda: nn.Softmax(dim=1), flat()),
    'log_softmax': (lambda: nn.LogSoftmax(dim=-1), flat()),
    'matmul': (lambda: Lambda(lambda m, x: autograd.matmul(x, m.w) @ m.w.t(),
                              w=nn.Parameter(autograd.randn(6, 3))), flat()),
    'embedding': (lambda: nn.Embedding(10, 4), lambda n: autograd.randint(0, 10, (n, 5))),
    'seed_mlp': (lambda: build('mlp'), image(1, 28, 28)),
    'lenet': (lambda: build('lenet'), image(1, 28, 28)),
    'seed_cnn': (lambda: build('seed_cnn'), image(1, 28, 28)),
}


def export_and_run(model, make_input, opset=None, **kwargs):
    """Export at batch 3 with a dynamic batch axis; return (ours, onnxruntime's) outputs at batch 2."""
    autograd.manual_seed(1)
    x = make_input(3)
    buf = io.BytesIO()
    proto = autograd.onnx.export(model, (x,), buf, input_names=['x'], output_names=['y'], opset_version=opset,
                                 dynamic_axes={'x': {0: 'batch'}, 'y': {0: 'batch'}}, **kwargs)
    onnx.checker.check_model(onnx.load_from_string(buf.getvalue()), full_check=True)
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == 'batch'
    session = ort.InferenceSession(buf.getvalue(), providers=['CPUExecutionProvider'])
    x2 = make_input(2)
    model.eval()
    with autograd.no_grad():
        ours = model(x2).numpy()
    theirs, = session.run(None, {'x': x2.numpy()})
    return ours, theirs, proto


@pytest.mark.parametrize('name', sorted(CASES))
def test_exported_op_runs_in_onnxruntime_with_our_numbers(name):
    autograd.manual_seed(0)
    build_model, make_input = CASES[name]
    ours, theirs, _ = export_and_run(build_model(), make_input)
    assert theirs.shape == ours.shape and theirs.dtype == ours.dtype
    assert_close(theirs, ours, ours.dtype, scale=10)


@pytest.mark.parametrize('opset', [13, 17, 18])
@pytest.mark.parametrize('name', ['activations', 'layer_norm', 'reductions', 'conv1d', 'batch_norm2d_eval'])
def test_older_opsets(name, opset):
    autograd.manual_seed(0)
    build_model, make_input = CASES[name]
    ours, theirs, proto = export_and_run(build_model(), make_input, opset=opset)
    assert proto.opset_import[0].version == opset
    assert_close(theirs, ours, 'float32', scale=10)


def test_graph_names_parameters_folds_constants_and_restores_training_mode():
    autograd.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.Flatten(), nn.Linear(2 * 6 * 6, 3))
    model.train()
    proto = autograd.onnx.export(model, autograd.randn(2, 1, 8, 8), None)
    assert model.training   # put back after the eval-mode trace
    inits = {i.name for i in proto.graph.initializer}
    assert {'0.weight', '0.bias', '1.weight', '1.bias', '1.running_mean', '1.running_var', '3.weight',
            '3.bias'} <= inits
    assert [n.op_type for n in proto.graph.node] == ['Conv', 'BatchNormalization', 'Reshape', 'Gemm']
    assert [i.name for i in proto.graph.input] == ['input'] and [o.name for o in proto.graph.output] == ['output']
    # an op on parameters only is computed once at export (do_constant_folding)
    lam = Lambda(lambda m, x: x @ (m.w * 2).t(), w=nn.Parameter(autograd.randn(3, 4)))
    folded = autograd.onnx.export(lam, autograd.randn(2, 4), None)
    assert [n.op_type for n in folded.graph.node] == ['MatMul']
    unfolded = autograd.onnx.export(lam, autograd.randn(2, 4), None, do_constant_folding=False)
    assert [n.op_type for n in unfolded.graph.node] == ['Mul', 'Transpose', 'MatMul']


def test_export_to_a_path_and_multiple_inputs_outputs(tmp_path):
    lam = Lambda(lambda m, a, b: (a + b, autograd.cat([a, b], 1).relu()))
    a, b = autograd.randn(2, 3), autograd.randn(2, 3)
    autograd.onnx.export(lam, (a, b), tmp_path / 'm.onnx', dynamic_axes={'input_0': [0], 'output_1': [0]})
    model = onnx.load(str(tmp_path / 'm.onnx'))
    assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == 'input_0_dynamic_axes_1'
    out = ort.InferenceSession(str(tmp_path / 'm.onnx')).run(None, {'input_0': a.numpy(), 'input_1': b.numpy()})
    np.testing.assert_array_equal(out[0], (a + b).numpy())
    np.testing.assert_array_equal(out[1], autograd.cat([a, b], 1).relu().numpy())


def test_unmapped_op_raises_naming_it():
    lam = Lambda(lambda m, x: x.cumsum(1))
    with pytest.raises(autograd.onnx.UnsupportedOperatorError, match="'Cumsum'.*not supported"):
        autograd.onnx.export(lam, autograd.randn(2, 3), None)
    with pytest.raises(autograd.onnx.UnsupportedOperatorError, match="return_indices"):
        autograd.onnx.export(nn.MaxPool2d(2, return_indices=True), autograd.randn(1, 1, 4, 4), None)
    with pytest.raises(autograd.onnx.UnsupportedOperatorError, match="multiple of the output size"):
        autograd.onnx.export(nn.AdaptiveAvgPool2d(3), autograd.randn(1, 1, 4, 4), None)
    with pytest.raises(TypeError, match="unexpected keyword argument 'input_name'"):
        autograd.onnx.export(nn.ReLU(), autograd.randn(2), None, input_name=['x'])
    autograd.onnx.export(nn.ReLU(), autograd.randn(2), None, dynamo=False, verify=False)   # torch's switches
    with pytest.raises(ValueError, match="Unsupported ONNX opset version: 9"):
        autograd.onnx.export(nn.ReLU(), autograd.randn(2), None, opset_version=9)


def test_tracing_leaves_the_library_unpatched():
    from autograd.function import Function
    from autograd.ops import conv, shape
    before = (Function.__dict__['apply'], shape._function_apply, conv.conv2d, F.conv2d, F.max_pool2d)
    with pytest.raises(autograd.onnx.UnsupportedOperatorError):
        autograd.onnx.export(Lambda(lambda m, x: x.cumsum(0)), autograd.randn(2), None)
    assert before == (Function.__dict__['apply'], shape._function_apply, conv.conv2d, F.conv2d, F.max_pool2d)
    from autograd import grad_mode, instrument
    assert instrument.tools.observers == [] and not grad_mode.state.instrumented   # the observer is gone



def _seed_model(name):
    import test_nn_module
    if name == 'seed_resnet34_stem':   # its stem and first stage: in-place residual adds (out += residual)
        net = test_nn_module.seed_resnet34(autograd, num_classes=10)
        return nn.Sequential(net.pre, net.layer1, nn.AdaptiveAvgPool2d(1), nn.Flatten()), (3, 32, 32)
    shapes = {'seed_mlp': (1, 28, 28), 'seed_small_net': (2,), 'seed_logistic': (784,), 'seed_lenet': (3, 32, 32),
              'seed_resnet34': (3, 224, 224)}
    return getattr(test_nn_module, name)(autograd), shapes[name]


@pytest.mark.parametrize('name', ['seed_mlp', 'seed_small_net', 'seed_logistic', 'seed_lenet', 'seed_resnet34_stem',
                                  pytest.param('seed_resnet34', marks=pytest.mark.deep)])
def test_seed_models_export(name):
    """The seeds' own model classes export and run in onnxruntime with this library's numbers."""
    autograd.manual_seed(0)
    model, shape = _seed_model(name)
    for m in model.modules():   # eval-mode BatchNorm with non-trivial running statistics
        if isinstance(m, nn.BatchNorm2d):
            trained_bn(m)
    ours, theirs, _ = export_and_run(model, lambda n: autograd.randn(n, *shape))
    assert theirs.shape == ours.shape
    assert_close(theirs, ours, 'float32', scale=100 if 'resnet' in name else 10)
