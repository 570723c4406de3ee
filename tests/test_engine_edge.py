"""Engine edge cases against torch (issue 8 §2): anomaly mode, node type names, next_functions, .grad
assignment checks, hook ordering and the hook APIs, saved-tensor hooks, _version, error texts.

Each scenario is written once as f(m) and run with m = torch and m = autograd."""
import warnings

import numpy as np
import pytest
import torch

import autograd
import nn as our_nn
from torch_oracle import MODULES, check, error_of

NN = {torch: torch.nn, autograd: our_nn}


# ---- anomaly mode --------------------------------------------------------------------------------
def _anomaly_nan(m):
    x = m.tensor([0., 1.], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        with m.autograd.detect_anomaly():
            y = (x.sqrt() * 0).sum()   # the forward line the warning must show
            with pytest.raises(RuntimeError) as error:
                y.backward()
    return str(error.value), [str(w.message) for w in caught]


def test_detect_anomaly_raises_on_nan_with_torch_message_and_warns_with_the_forward_traceback():
    ours, theirs = _anomaly_nan(autograd), _anomaly_nan(torch)
    assert ours[0] == theirs[0] == "Function 'SqrtBackward0' returned nan values in its 0th output."
    assert ours[1][0] == theirs[1][0]   # "Anomaly Detection has been enabled. ..."
    head = "Error detected in SqrtBackward0. Traceback of forward call that caused the error:\n"
    for warned in (ours[1], theirs[1]):
        trace = [w for w in warned if w.startswith(head)]
        assert trace and 'y = (x.sqrt() * 0).sum()' in trace[0], warned
    assert 'autograd/ops' not in [w for w in ours[1] if w.startswith(head)][0]   # our own frames are hidden


def test_anomaly_flags_metadata_and_set_detect_anomaly_as_function_and_context():
    def f(m):
        x = m.tensor([1.], requires_grad=True)
        seen = [m.is_anomaly_enabled()]
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            with m.autograd.detect_anomaly(check_nan=False):
                seen += [m.is_anomaly_enabled(), m.is_anomaly_check_nan_enabled()]
                y = x.exp()
        seen += [m.is_anomaly_enabled(), m.is_anomaly_check_nan_enabled(), sorted(y.grad_fn.metadata)]
        seen.append(sorted((x * 2).grad_fn.metadata))
        m.autograd.set_detect_anomaly(True)
        seen.append(m.is_anomaly_enabled())
        m.autograd.set_detect_anomaly(False)
        with m.autograd.set_detect_anomaly(True, check_nan=False):
            seen += [m.is_anomaly_enabled(), m.is_anomaly_check_nan_enabled()]
        seen += [m.is_anomaly_enabled(), m.is_anomaly_check_nan_enabled()]
        return seen
    check(f)


def test_anomaly_without_check_nan_lets_nan_through_and_errors_in_backward_warn():
    class Fails(autograd.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, g):
            raise ValueError("broken backward")

    x = autograd.tensor([0., 1.], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        with autograd.autograd.detect_anomaly(check_nan=False):
            (x.sqrt() * 0).sum().backward()
            y = Fails.apply(x).sum()   # the forward line the warning must show
            with pytest.raises(ValueError, match="broken backward"):
                y.backward()
    assert np.isnan(x.grad.numpy()[0])
    messages = [str(w.message) for w in caught]
    assert any(m.startswith("Error detected in FailsBackward.") and 'y = Fails.apply(x).sum()' in m
               for m in messages), messages


def test_anomaly_mode_off_records_no_traceback():
    x = autograd.tensor([1.], requires_grad=True)
    assert 'traceback_' not in (x * 2).grad_fn.metadata
    assert not autograd.autograd.graph.Node.__dict__.get('traceback_')


# ---- node type names and next_functions ------------------------------------------------------------
GRAPHS = {
    'add': lambda m, x, w: x + w,
    'mul': lambda m, x, w: x * w,
    'sum': lambda m, x, w: (x * w).sum(),
    'mean': lambda m, x, w: x.mean(),
    'mse': lambda m, x, w: NN[m].MSELoss()(x, w),
    'mse_constant_target': lambda m, x, w: NN[m].functional.mse_loss(x, w.detach()),
    'smooth_l1': lambda m, x, w: NN[m].functional.smooth_l1_loss(x, w),
    'huber': lambda m, x, w: NN[m].functional.huber_loss(x, w),
    'relu': lambda m, x, w: x.relu(),
    'sigmoid': lambda m, x, w: x.sigmoid(),
    'exp_log1p': lambda m, x, w: x.exp().log1p(),
    'cumprod': lambda m, x, w: x.cumprod(0),
    'matmul': lambda m, x, w: x @ w.t(),
    'const': lambda m, x, w: x * 3 + 1,
    'view': lambda m, x, w: x.view(-1),
    'index': lambda m, x, w: x[0],
}


def structure(fn, depth=4):
    """A grad_fn's graph as nested (type name, [(child, input_nr)...]) down to `depth` levels."""
    if fn is None:
        return None
    name = type(fn).__name__
    if depth == 0 or name == 'AccumulateGrad':
        return name
    return name, [(structure(nxt, depth - 1), nr) for nxt, nr in fn.next_functions]


@pytest.mark.parametrize('case', sorted(GRAPHS))
def test_grad_fn_type_names_and_next_functions_are_torchs(case):
    def f(m):
        x = m.tensor([[0.5, -1.5], [2.0, 0.25]], requires_grad=True)
        w = m.tensor([[1.0, 2.0], [-0.5, 3.0]], requires_grad=True)
        out = GRAPHS[case](m, x, w)
        assert type(out.grad_fn).__name__ == out.grad_fn.name()
        return structure(out.grad_fn)
    check(f)


def test_blitz_tutorial_graph_walk_and_accumulate_grad_variable():
    """The 60-minute blitz's loss.grad_fn.next_functions[0][0] walk; AccumulateGrad.variable is the leaf."""
    for m in MODULES:
        m.manual_seed(0)
        net = NN[m].Sequential(NN[m].Linear(3, 4), NN[m].ReLU(), NN[m].Linear(4, 2))
        loss = NN[m].MSELoss()(net(m.randn(5, 3)), m.randn(5, 2))
        first = loss.grad_fn.next_functions[0][0]
        assert (type(loss.grad_fn).__name__, type(first).__name__) == ('MseLossBackward0', 'AddmmBackward0')
        assert loss.grad_fn.next_functions[1] == (None, 0)
        leaves = [n for n, _ in first.next_functions if type(n).__name__ == 'AccumulateGrad']
        assert leaves and all(any(n.variable is p for p in net.parameters()) for n in leaves)
        assert isinstance(first, m.autograd.graph.Node)
    x = autograd.tensor([1.], requires_grad=True)
    assert (x * 2).grad_fn.next_functions[0][0].variable is x


def test_custom_function_node_is_named_after_the_class():
    def f(m):
        class Double(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return g * 2
        y = Double.apply(m.tensor([1.], requires_grad=True))
        return type(y.grad_fn).__name__, y.grad_fn.name(), structure(y.grad_fn)
    check(f)


# ---- .grad assignment -----------------------------------------------------------------------------
@pytest.mark.parametrize('value', ['float', 'int', 'list', 'size', 'scalar_tensor', 'float64', 'int64', 'float16',
                                   'bool', 'none'])
def test_grad_assignment_checks_match_torch(value):
    def f(m):
        a = m.tensor([1., 2.], requires_grad=True)
        a.grad = {'float': 0., 'int': 1, 'list': [1., 2.], 'size': m.zeros(3), 'scalar_tensor': m.zeros(()),
                  'float64': m.zeros(2, dtype=m.float64), 'int64': m.zeros(2, dtype=m.int64),
                  'float16': m.zeros(2, dtype=m.float16), 'bool': m.zeros(2, dtype=m.bool), 'none': None}[value]
        return a.grad
    try:
        theirs = f(torch)
    except Exception as e:
        assert error_of(f, autograd) == (type(e).__name__, str(e))
        return
    assert theirs is None and f(autograd) is None


# ---- hooks ------------------------------------------------------------------------------------------
@pytest.mark.parametrize('order', ['retain_first', 'hook_first'])
def test_retain_grad_stores_the_gradient_after_the_tensors_hooks(order):
    def f(m):
        x = m.tensor([1.], requires_grad=True)
        y = x * 3
        if order == 'retain_first':
            y.retain_grad()
        y.register_hook(lambda g: g + 100)
        if order == 'hook_first':
            y.retain_grad()
        y.sum().backward()
        return y.grad, x.grad
    check(f)


def test_autograd_grad_runs_the_inputs_hooks():
    def f(m):
        x = m.tensor([2.], requires_grad=True)
        x.register_hook(lambda g: g * 2)
        h = x * 1
        h.register_hook(lambda g: g + 1)
        return m.autograd.grad((x * x).sum(), x), m.autograd.grad((h * h).sum(), h)
    check(f)


def test_hook_order_tensor_pre_post_and_post_accumulate_grad():
    def f(m):
        log = []
        x = m.tensor([2.], requires_grad=True)
        y = x * 3
        acc = y.grad_fn.next_functions[0][0]
        acc.register_prehook(lambda go: log.append(('acc pre', go[0].item())))
        acc.register_hook(lambda gi, go: log.append(('acc post', len(gi), go[0].item())))
        x.register_hook(lambda g: log.append(('x hook', g.item())))
        x.register_post_accumulate_grad_hook(lambda t: log.append(('x accumulated', t.grad.item())))
        y.grad_fn.register_prehook(lambda go: log.append(('mul pre', go[0].item())))
        y.grad_fn.register_hook(lambda gi, go: log.append(('mul post', [g if g is None else g.item() for g in gi])))
        y.register_hook(lambda g: log.append(('y hook', g.item())))
        y.retain_grad()
        handle = y.register_hook(lambda g: log.append(('removed',)))
        handle.remove()
        (y * 2).sum().backward()
        return log, y.grad
    check(f)


def test_hooks_may_replace_gradients():
    def f(m):
        x = m.tensor([2.], requires_grad=True)
        y = x * 3
        y.grad_fn.register_prehook(lambda go: (go[0] * 10,))
        y.grad_fn.register_hook(lambda gi, go: (gi[0] + 1, None))
        y.sum().backward()
        return x.grad
    check(f)


def test_post_accumulate_grad_hook_rejects_non_leaves():
    for m in MODULES:
        y = m.tensor([1.], requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="post accumulate grad hooks cannot be registered on non-leaf"):
            y.register_post_accumulate_grad_hook(lambda t: None)


@pytest.mark.parametrize('inputs_need_grad', [True, False])
def test_module_full_backward_hooks(inputs_need_grad):
    def f(m):
        log = []
        m.manual_seed(0)
        lin = NN[m].Linear(2, 3)
        lin.register_full_backward_pre_hook(lambda mod, go: log.append(('pre', go)))
        lin.register_full_backward_hook(lambda mod, gi, go: log.append(('hook', gi, go)))
        x = m.tensor([[1., -2.]], requires_grad=inputs_need_grad)
        y = lin(x)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            (y * m.tensor([1., 2., 3.])).sum().backward()
        return log, type(y.grad_fn).__name__, x.grad
    check(f)


def test_module_backward_hooks_may_replace_grad_output_and_grad_input():
    def f(m):
        m.manual_seed(0)
        lin = NN[m].Linear(2, 2)
        lin.register_full_backward_pre_hook(lambda mod, go: (go[0] * 2,))
        handle = lin.register_full_backward_hook(lambda mod, gi, go: (gi[0] + 1,))
        x = m.tensor([[1., -2.]], requires_grad=True)
        lin(x).sum().backward()
        first = x.grad.clone()
        handle.remove()
        x.grad = None
        lin(x).sum().backward()
        return first, x.grad, lin.weight.grad
    check(f)


# ---- saved tensors hooks ----------------------------------------------------------------------------
def test_saved_tensors_hooks_pack_and_unpack():
    def f(m):
        from_import = __import__(m.__name__ + '.autograd.graph', fromlist=['saved_tensors_hooks'])
        assert from_import.saved_tensors_hooks is m.autograd.graph.saved_tensors_hooks
        packed = []

        def pack(t):
            packed.append(tuple(t.shape))
            return t * 2          # what backward will see instead of the saved value

        x = m.tensor([1., 2.], requires_grad=True)
        w = m.tensor([3., 4.], requires_grad=True)
        with m.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            y = (x * w).sum()
            z = x.exp().sum()
        y.backward()
        z.backward()
        return sorted(packed), x.grad, w.grad
    check(f)


def test_increment_version_and_version_is_an_int():
    def f(m):
        x = m.zeros(2)
        v = [x._version]
        x.add_(1)
        x[0] = 5
        v.append(x._version)
        m.autograd.graph.increment_version(x)
        v.append(x._version)
        return v, type(x._version).__name__, x.view(2)._version, x.detach()._version
    check(f)


def test_saved_tensor_modified_by_increment_version_is_detected():
    for m in MODULES:
        x = m.tensor([1., 2.], requires_grad=True)
        a = x * 1
        y = (a * a).sum()
        m.autograd.graph.increment_version(a)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.backward()


# ---- error texts ------------------------------------------------------------------------------------
@pytest.mark.parametrize('make', [
    lambda m: m.tensor([1], requires_grad=True),
    lambda m: m.zeros(2, dtype=m.int64, requires_grad=True),
    lambda m: m.tensor([1]).requires_grad_(),
    lambda m: m.tensor([1.]).register_hook(lambda g: g),
    lambda m: m.tensor([1.]).retain_grad(),
    lambda m: (m.tensor([1.], requires_grad=True) * 2).requires_grad_(False),
], ids=['tensor', 'zeros', 'requires_grad_', 'register_hook', 'retain_grad', 'non_leaf'])
def test_requires_grad_errors_use_torchs_words(make):
    assert error_of(make, autograd) == error_of(make, torch)


# ---- every op of the table: the node type users see is the name torch prints ----------------------------
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402
from op_specs import OPS  # noqa: E402
from op_specs_api import API_OPS  # noqa: E402
from test_ops_property import _build, _draw_case  # noqa: E402

# Ops whose graph differs from torch's in structure, not only in name: composites here that are one node or a
# different chain in torch (einsum, diag). Their names are still checked against name(). (Now torch's: rsub and
# rpow with a Python number, square (PowBackward0), frac, remainder/fmod by overload, matmul by rank, addmm, and
# indexing's last select/slice/unsqueeze or alias; lerp, addcmul/addcdiv, var/std, var_mean/std_mean, stack,
# split/chunk/unbind and the no-op shortcuts of t/transpose/expand/flip: tests/test_layout_and_nodes.py checks
# their edges too.)
STRUCTURAL = {'einsum', 'diag'}
# The API table (tests/op_specs_api.py): composites that are one node in torch (linalg decompositions and
# solvers, quantile, rot90, addmv/addr/addbmm, pdist, nan_to_num, fmax/fmin, ldexp, nansum ...), and
# PolygammaBackward1 for polygamma_; median() of an empty tensor is an AddBackward0 composite, torch's a
# MedianBackward0. (The renames of LogAddExp, XLogY, CopySign, InverseHyperbolic, Bessel, one-bound Clamp,
# DiagEmbed, Entr, Erfcx, igamma, and the single nodes of trace, deg2rad/rad2deg, max/min(dim),
# median(dim)/nanmedian/mode/kthvalue, cummax/cummin, topk and logcumsumexp, 0-d inputs included, are torch's.)
STRUCTURAL |= {
    'linalg.slogdet', 'linalg.solve', 'triangular_solve', 'linalg.cholesky', 'cholesky_solve', 'linalg.eigh',
    'linalg.eigvalsh', 'linalg.svd', 'linalg.svdvals', 'linalg.pinv', 'linalg.lstsq', 'linalg.lu',
    'linalg.lu_solve', 'lu_unpack', 'linalg.tensorinv', 'linalg.matrix_power', 'linalg.cross', 'cross',
    'linalg.multi_dot', 'chain_matmul', 'linalg.matrix_norm', 'linalg.norm_ord',
    'linalg.matrix_norm_entrywise', 'kron', 'pdist', 'addmv', 'addr', 'addbmm', 'mvlgamma',
    'nan_to_num', 'fmax', 'fmin', 'ldexp', 'special.ndtr', 'special.ndtri',
    'special.log_ndtr', 'special.spherical_bessel_j0', 'median', 'method_median', 'quantile',
    'nanquantile', 'nansum', 'aminmax', 'combinations', 'rot90', 'pairwise_distance',
    'methods_binary', 'methods_unary', 'inplace_unary', 'inplace_binary', 'inplace_products',
    'method_polygamma', 'method_quantile'}
NAMED = [op for op in OPS + API_OPS if op.grad]


@pytest.mark.parametrize('op', NAMED, ids=[op.name for op in NAMED])
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_node_type_name_is_torchs_for_every_op(op, data):
    arrays, extras, opts, _ = _draw_case(data, op, np.float64)
    try:
        _, t_out = _build(torch, op, arrays, extras, opts, 'cpu')
    except Exception:
        return   # torch refuses these inputs; test_ops_property checks that we do too
    _, a_out = _build(autograd, op, arrays, extras, opts, 'cpu')
    for ours, theirs in zip(a_out, t_out):
        if ours.grad_fn is None:
            continue
        assert type(ours.grad_fn).__name__ == ours.grad_fn.name()
        if op.name not in STRUCTURAL and theirs.grad_fn is not None:
            assert type(ours.grad_fn).__name__ == type(theirs.grad_fn).__name__, f"{op.name} {opts}"


def test_reading_grad_of_a_non_leaf_warns_as_torch():
    import warnings

    def messages(m):
        x = m.ones(2, requires_grad=True)
        y = x * 2
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter('always')
            y.grad, x.grad, (m.ones(2) * 2).grad   # only y, a non-leaf that does not retain its gradient, warns
            y.retain_grad()
            y.grad
        return [(w.category, str(w.message).split(' (Triggered internally')[0]) for w in caught]
    assert messages(autograd) == messages(torch) != []
