"""Engine semantics against torch: accumulation, retain_graph, VJP seeds, hooks, diamonds, deep graphs,
double backward, grad modes, in-place ops and version counters, custom Functions.

Each test writes its scenario once as f(m) and runs it with m = torch and m = autograd."""
import sys

import numpy as np
import pytest
import torch

import autograd
from torch_oracle import MODULES, assert_same, check, error_of

A = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]


def grads(*tensors):
    return [t.grad for t in tensors]


# ---- accumulation, retain_graph, VJP seeds ------------------------------------------------------
def test_gradients_accumulate_across_backward_calls():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        (x * x).sum().backward()
        first = x.grad.clone()
        (x.sin()).sum().backward()
        return first, x.grad
    check(f)


def test_second_backward_through_freed_graph_says_retain_graph():
    for m in MODULES:
        x = m.tensor(A, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        with pytest.raises(RuntimeError, match="retain_graph=True"):
            y.backward()


def test_retain_graph_twice_accumulates_exactly_twice():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        once = x.grad.clone()
        y.backward()
        return once, x.grad, x.grad - 2 * once
    check(f)


def test_tutorial_vjp_with_retain_graph_and_zeroing():
    """The 'VJP in PyTorch' tutorial snippet: inp = eye(4, 5); out = (inp+1).pow(2).t()."""
    def f(m):
        inp = m.eye(4, 5, requires_grad=True)
        out = (inp + 1).pow(2).t()
        out.backward(m.ones_like(out), retain_graph=True)
        first = inp.grad.clone()
        out.backward(m.ones_like(out), retain_graph=True)
        second = inp.grad.clone()
        inp.grad.zero_()
        out.backward(m.ones_like(out), retain_graph=True)
        return first, second, inp.grad
    check(f)


def test_tutorial_pow_sum_backward():
    def f(m):
        x = m.tensor([[2., -1.], [1., 1.]], requires_grad=True)
        out = x.pow(2).sum()
        out.backward()
        return x.grad
    check(f)


def test_scalar_seed_equals_implicit_seed():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        (x ** 3).mean().backward(m.tensor(1.0))
        return x.grad
    check(f)


def test_non_scalar_backward_with_gradient_is_a_vjp():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = 2 * x + x * x
        y.backward(m.tensor([[1., 0., 2.], [0.5, -1., 3.]]))
        return x.grad
    check(f)


def test_non_scalar_backward_without_gradient_raises():
    for m in MODULES:
        y = m.tensor(A, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
            y.backward()


def test_wrong_shape_gradient_raises():
    for m in MODULES:
        y = m.tensor(A, requires_grad=True) * 2
        with pytest.raises(RuntimeError, match="Mismatch in shape"):
            y.backward(m.ones(3, 2))


def test_backward_of_tensor_without_grad_raises():
    for m in MODULES:
        with pytest.raises(RuntimeError, match="does not require grad"):
            m.tensor(A).sum().backward()


# ---- which tensors keep .grad -------------------------------------------------------------------
def test_only_leaves_and_retain_grad_tensors_keep_grad():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = x * 3
        z = y.exp()
        z.retain_grad()
        w = m.tensor(A)                    # a leaf that does not require grad
        (z * w).sum().backward()
        return x.grad, y.grad, z.grad, w.grad, x.is_leaf, y.is_leaf, w.is_leaf, z.retains_grad, y.retains_grad
    with pytest.warns(UserWarning):   # torch warns when .grad of a non-leaf is read
        check(f)


def test_retain_grad_accumulates_over_two_backwards():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = x * x
        y.retain_grad()
        y.sum().backward(retain_graph=True)
        (y * 2).sum().backward()
        return y.grad, x.grad
    check(f)


def test_leaf_grad_is_never_the_callers_seed_tensor():
    for m in MODULES:
        x = m.tensor(A, requires_grad=True)
        seed = m.ones(2, 3)
        (x * 1).backward(seed)
        x.grad.add_(1)
        assert float(seed.sum()) == 6.0


def test_gradients_of_two_leaves_never_alias():
    def f(m):
        w1 = m.tensor(A, requires_grad=True)
        w2 = m.tensor(A, requires_grad=True)
        (w1 + w2).sum().backward()
        assert w1.grad is not w2.grad
        w1.grad.mul_(5)
        w2.grad.add_(1)
        return w1.grad, w2.grad
    check(f)


@pytest.mark.parametrize('loss', [
    lambda m, w, b: w.sum(), lambda m, w, b: w.mean(), lambda m, w, b: (w + b).sum(),
    lambda m, w, b: w.expand(3, 2, 3).sum(), lambda m, w, b: w[0].sum() + b.sum(), lambda m, w, b: w.t().sum(),
    lambda m, w, b: m.cat([w, b[None]]).sum(), lambda m, w, b: w.max(), lambda m, w, b: w.reshape(6).sum(),
], ids=['sum', 'mean', 'broadcast-add', 'expand', 'row', 't', 'cat', 'max', 'reshape'])
def test_gradients_are_writable_own_storage(loss):
    """Backward of sum/expand/... must not leave read-only broadcast views or shared arrays in .grad."""
    def f(m):
        w = m.tensor(A, requires_grad=True)
        b = m.tensor([0.5, 0.25, 2.0], requires_grad=True)
        loss(m, w, b).backward()
        w.grad.add_(1)
        w.grad.data.mul_(2)
        if b.grad is not None:
            b.grad.zero_()
            b.grad += 3
        return w.grad, b.grad
    check(f)


# ---- hooks --------------------------------------------------------------------------------------
def test_hooks_read_and_replace_gradients():
    def f(m):
        seen = []
        x = m.tensor(A, requires_grad=True)
        y = x * 2
        hy = y.register_hook(lambda g: g * 10)
        x.register_hook(lambda g: seen.append(g.clone()))
        (y * y).sum().backward(retain_graph=True)
        first = x.grad.clone()
        hy.remove()
        x.grad = None
        (y * y).sum().backward()
        return first, x.grad, seen
    check(f)


def test_leaf_hook_replacement_and_removal():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        handle = x.register_hook(lambda g: g + 1)
        x.sum().backward()
        first = x.grad.clone()
        handle.remove()
        x.sum().backward()
        return first, x.grad
    check(f)


def test_hook_on_tensor_without_grad_raises():
    for m in MODULES:
        with pytest.raises(RuntimeError, match="doesn't require gradient"):
            m.ones(2).register_hook(lambda g: g)


# ---- graph shape: diamonds, shared inputs, depth --------------------------------------------------
def counting_function(m, calls):
    class Twice(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad * 2
    return Twice


def test_diamond_sums_exactly_and_runs_each_node_once():
    def f(m):
        calls = []
        x = m.tensor(A, requires_grad=True)
        shared = counting_function(m, calls).apply(x)
        out = (shared.sin() + shared.cos() * shared + shared ** 2).sum()
        out.backward()
        return x.grad, len(calls)
    check(f)


def test_same_tensor_used_twice_in_one_op():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        (x * x + x / (x + 3)).sum().backward()
        return x.grad
    check(f)


def test_chain_of_100000_ops_has_no_recursion_error():
    x = autograd.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    assert sys.getrecursionlimit() < 100_000
    y.backward()
    assert x.grad.item() == 1.0


# ---- double backward ----------------------------------------------------------------------------
def test_create_graph_second_derivative_of_cube():
    def f(m):
        x = m.tensor([1.0, -2.0, 0.5], requires_grad=True)
        g, = m.autograd.grad((x ** 3).sum(), x, create_graph=True)
        first = g.detach().clone()
        g.sum().backward()
        return first, x.grad, g.requires_grad
    check(f)


def test_create_graph_backward_then_grad_of_grad():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = (x.sin() * x ** 2).sum()
        y.backward(create_graph=True)
        g = x.grad
        gg, = m.autograd.grad(g.sum(), x)
        return g, gg
    with pytest.warns(UserWarning):   # torch warns about a reference cycle with create_graph in backward
        check(f, rtol=1e-5)


def test_third_derivative():
    def f(m):
        x = m.tensor([0.3, 1.2], requires_grad=True)
        y = (x.exp() * x.tanh()).sum()
        g1, = m.autograd.grad(y, x, create_graph=True)
        g2, = m.autograd.grad(g1.sum(), x, create_graph=True)
        g3, = m.autograd.grad(g2.sum(), x)
        return g1, g2, g3
    check(f, rtol=1e-5)


# ---- backward(inputs=...), autograd.grad -----------------------------------------------------------
def test_backward_inputs_only_accumulates_into_those():
    def f(m):
        a = m.tensor(A, requires_grad=True)
        b = m.tensor(A, requires_grad=True)
        h = a * b
        (h * a).sum().backward(inputs=[b])
        return a.grad, b.grad
    check(f)


def test_backward_inputs_non_leaf_gets_grad():
    def f(m):
        a = m.tensor(A, requires_grad=True)
        h = a * 3
        (h * h).sum().backward(inputs=[h])
        return a.grad, h.grad
    check(f)


def test_grad_does_not_touch_dot_grad():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = m.tensor(A, requires_grad=True)
        gx, gy = m.autograd.grad((x * y.exp()).sum(), [x, y])
        return gx, gy, x.grad, y.grad
    check(f)


def test_grad_allow_unused():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        unused = m.tensor(A, requires_grad=True)
        return m.autograd.grad((x * 2).sum(), [x, unused], allow_unused=True)
    check(f)
    for m in MODULES:
        x, unused = m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)
        with pytest.raises(RuntimeError, match="allow_unused=True"):
            m.autograd.grad((x * 2).sum(), [x, unused])


def test_grad_with_grad_outputs_and_multiple_outputs():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        return m.autograd.grad([x * 2, x.sum()], x, grad_outputs=[m.full((2, 3), 0.5), m.tensor(3.0)])
    check(f)


def test_autograd_backward_function():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        m.autograd.backward([(x * 2).sum(), (x * x).sum()])
        return x.grad
    check(f)


# ---- grad modes ---------------------------------------------------------------------------------
def test_no_grad_enable_grad_and_set_grad_enabled():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        with m.no_grad():
            a = x * 2
            with m.enable_grad():
                b = x * 2
        with m.set_grad_enabled(False):
            c = x * 2
        d = x * 2
        m.set_grad_enabled(False)
        e = x * 2
        m.set_grad_enabled(True)
        with m.inference_mode():
            g = x * 2
        with m.inference_mode(False):
            h = x * 2
        return [t.requires_grad for t in (a, b, c, d, e, g, h)] + [m.is_grad_enabled()]
    check(f)


def test_grad_modes_as_decorators():
    def f(m):
        x = m.tensor(A, requires_grad=True)

        @m.no_grad()
        def off():
            return x * 2

        @m.enable_grad()
        def on():
            return x * 2

        @m.set_grad_enabled(False)
        def off_too():
            return x * 2

        with m.no_grad():
            inner = on()
        return off().requires_grad, inner.requires_grad, off_too().requires_grad, m.is_grad_enabled()
    check(f)


def test_grad_mode_restored_after_exception():
    for m in MODULES:
        with pytest.raises(ValueError):
            with m.no_grad():
                raise ValueError
        assert m.is_grad_enabled()


def test_requires_grad_propagation():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        c = m.tensor(A)
        return [(c * 2).requires_grad, (x * c).requires_grad, (c + x).is_leaf, x.detach().requires_grad,
                (x > 0).requires_grad, x.argmax().requires_grad, (x // 1).requires_grad, x.sum().requires_grad,
                x.div(2, rounding_mode='floor').requires_grad, x.floor().requires_grad, (1 // x).requires_grad,
                x[0].requires_grad, x.long().requires_grad, x.double().requires_grad, x.clone().requires_grad]
    check(f)


def test_detach_shares_storage_and_detach_inplace():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = x * 2
        d = x.detach()
        d.add_(1)                     # shared storage: x changes too
        y.detach_()
        return x, d, y.requires_grad, y.is_leaf, y.grad_fn is None
    check(f)


def test_requires_grad_on_integer_tensors_raises():
    for m in MODULES:
        with pytest.raises(RuntimeError, match="floating point"):
            m.tensor([1, 2]).requires_grad_()
        with pytest.raises(RuntimeError, match="floating point"):
            m.tensor([1, 2], requires_grad=True)
        with pytest.raises(RuntimeError, match="leaf"):
            (m.ones(2, requires_grad=True) * 2).requires_grad_(False)


# ---- in-place operations and version counters --------------------------------------------------
def torch_part(message):
    """The part of the modified-by-inplace message torch and we share (our hint names the saving op)."""
    return message.split(' Hint:')[0].replace('torch.', 'autograd.')


@pytest.mark.parametrize('scenario', ['saved-input', 'saved-output', 'leaf', 'setitem', 'double'])
def test_modifying_a_saved_tensor_in_place_raises_naming_the_op(scenario):
    def f(m):
        x = m.tensor(A, requires_grad=True)
        if scenario == 'saved-input':
            y = x.sin()
            z = y * y
            y.mul_(2)
        elif scenario == 'saved-output':
            z = x.exp()
            z.add_(1)
        elif scenario == 'leaf':
            z = x * x
            with m.no_grad():
                x.add_(1)
        elif scenario == 'setitem':
            y = x * 1
            z = y * y
            y[0] = 3.0
        else:
            y = x.double() * 1
            z = y * y
            y.add_(1)
            y.add_(1)
        z.sum().backward()
    (theirs, t_msg), (ours, o_msg) = error_of(f, torch), error_of(f, autograd)
    assert ours == theirs == 'RuntimeError'
    if scenario == 'setitem':   # torch names its CopySlices node; ours is IndexPut
        t_msg = t_msg.replace('torch::autograd::CopySlices', 'IndexPut')
    assert torch_part(o_msg) == torch_part(t_msg)
    assert 'saved it for backward' in o_msg and 'clone()' in o_msg


def test_in_place_on_leaf_requiring_grad_raises():
    for m in MODULES:
        x = m.tensor(A, requires_grad=True)
        for op in (lambda: x.add_(1), lambda: x.mul_(2), lambda: x.zero_(), lambda: x.__setitem__(0, 1.0)):
            with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an "
                                                   "in-place operation."):
                op()


def test_in_place_chain_on_non_leaf():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = x * 2
        y.add_(1)
        y.mul_(3)
        y.sigmoid_()
        y.sum().backward()
        return y, x.grad, y.grad_fn is not None
    check(f)


def test_setitem_on_non_leaf_with_value_requiring_grad():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        v = m.tensor([7.0, 8.0], requires_grad=True)
        y = x * 1
        y[:, 1] = v
        y[0, 0] = v[1] * 2
        (y * y).sum().backward()
        return y, x.grad, v.grad
    check(f)


def test_setitem_with_mask_and_index_list_on_non_leaf():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = x.exp()
        y[y > 1.5] = 0.0
        y[[0, 1], [2, 0]] = x[0, :2] * 5
        y.sum().backward()
        return y, x.grad
    check(f)


VIEW_INPLACE = {
    'column-mul_': lambda m, x, y: y[:, 0].mul_(3),
    'transpose-mul_': lambda m, x, y: y.t().mul_(3),
    'row-zero_': lambda m, x, y: y[0].zero_(),
    'row-uniform_-to-constant': lambda m, x, y: y[1].uniform_(0.5, 0.5),
    'element-add_': lambda m, x, y: y[0, 1].add_(5),
    'view-of-view-exp_': lambda m, x, y: y.view(4)[1:3].exp_(),
    'row-of-view-setitem': lambda m, x, y: y[1].__setitem__(0, x[0, 0] * 10),
    'row-add_-tensor-requiring-grad': lambda m, x, y: y[1].add_(x[0] * x[1]),
    'unsqueeze_-then-use': lambda m, x, y: y.unsqueeze_(0),
}


@pytest.mark.parametrize('name', list(VIEW_INPLACE))
def test_in_place_through_a_view_updates_the_base_graph(name):
    """torch rebases the base's history (CopySlices) when a view of it is modified in place."""
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = x * 2
        VIEW_INPLACE[name](m, x, y)
        (y * y.detach().exp() * x.reshape(y.shape)).sum().backward()
        return y, x.grad
    check(f, rtol=1e-5)


def test_in_place_through_a_view_of_a_leaf_raises():
    for m in MODULES:
        x = m.tensor(A, requires_grad=True)
        for op in (lambda: x[0].mul_(2), lambda: x.t().add_(1), lambda: x.view(6).zero_(), lambda: x.unsqueeze_(0)):
            with pytest.raises(RuntimeError, match="leaf Variable that requires grad is being used in an in-place"):
                op()
        with m.no_grad():
            x[0].mul_(2)                 # allowed without grad, and written through
        assert x[0, 0].item() == 2 * A[0][0]


def test_base_gains_a_graph_when_its_view_takes_a_tensor_requiring_grad():
    def f(m):
        b = m.zeros(2, 3)
        w = m.tensor([5.0, 6.0, 7.0], requires_grad=True)
        b[0].add_(w)
        (b * b).sum().backward()
        return b, w.grad, b.is_leaf
    check(f)


def test_views_share_the_version_counter():
    for m in MODULES:
        x = m.tensor(A, requires_grad=True)
        y = x.exp()                      # saves its output
        y[0].mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()
        y = x * 1
        v = y.view(6)
        z = v * v                        # saves v
        y.add_(1)                        # writes v's memory through its base
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()


@pytest.mark.xfail(strict=True, reason="a view taken before its base is modified in place keeps its old grad_fn; "
                   "torch regenerates the view's grad_fn from the base when the version changed")
def test_view_taken_before_the_base_is_modified_follows_the_base():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = x * 2
        row = y[0]
        y.mul_(3)
        row.sum().backward()
        return row, x.grad
    check(f)


def test_writing_through_data_is_not_tracked():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        x.data.mul_(2)              # allowed on a leaf; no graph, no version error
        y = x * x
        x.data.add_(1)              # .data has its own version counter: backward still runs
        y.sum().backward()
        return x, x.grad, x.data.requires_grad
    check(f)


def test_inplace_under_no_grad_on_leaf_is_allowed():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        with m.no_grad():
            x.add_(1)
            x[0, 0] = 10.0
            x *= 2
        (x * x).sum().backward()
        return x, x.grad, x.is_leaf
    check(f)


def test_detach_shares_the_version_counter_and_data_does_not():
    def f(m, through_data):
        x = m.tensor(A, requires_grad=True)
        y = x * x
        (x.data if through_data else x.detach()).mul_(2)
        y.sum().backward()
        return x.grad
    check(lambda m: f(m, through_data=True))
    for m in MODULES:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            f(m, through_data=False)


# ---- the seeds' manual training loops -------------------------------------------------------------
def test_weight_update_through_data_loop():
    """w.data.sub_(lr * w.grad.data); w.grad.data.zero_() (linear regression tutorial)."""
    def f(m):
        xs = m.linspace(0, 1, 20).reshape(20, 1)
        ys = 3 * xs + 0.5
        w = m.full((1, 1), 0.1, requires_grad=True)
        b = m.zeros(1, 1, requires_grad=True)
        losses = []
        for _ in range(30):
            loss = 0.5 * (xs.mm(w) + b.expand_as(ys) - ys).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            w.data.sub_(0.02 * w.grad.data)
            b.data.sub_(0.02 * b.grad.data)
            w.grad.data.zero_()
            b.grad.data.zero_()
        return w, b, losses
    check(f, rtol=1e-5)


def test_clone_detach_requires_grad_and_no_grad_update_loop():
    """updated_W = [w.clone().detach().requires_grad_(True)]; with no_grad(): w -= lr * w.grad."""
    W = [np.array([[-0.0053, 0.3793], [-0.5820, -0.5204], [-0.2723, 0.1896]], dtype=np.float32).T,
         np.array([-0.0140, 0.5607, -0.0628], dtype=np.float32),
         np.array([[0.1528, -0.1745, -0.1135]], dtype=np.float32).T,
         np.array([-0.5516], dtype=np.float32)]

    def f(m):
        x, y = [m.tensor(i).float() for i in (np.array([[1, 1]]), np.array([[0]]))]
        weights = [m.tensor(w, requires_grad=True) for w in W]
        updated = [w.clone().detach().requires_grad_(True) for w in weights]
        losses = []
        for _ in range(50):
            hidden = 1 / (1 + m.exp(-(m.matmul(x, updated[0]) + updated[1])))
            loss = m.mean(m.square(m.matmul(hidden, updated[2]) + updated[3] - y))
            losses.append(loss.item())
            loss.backward()
            for w in updated:
                with m.no_grad():
                    w -= 0.1 * w.grad
                w.grad.zero_()
        return updated, losses, [w.grad for w in weights], [w.is_leaf for w in updated]
    check(f, rtol=1e-5)


# ---- custom Functions ---------------------------------------------------------------------------
def make_custom(m):
    class ScaledExp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, scale, offset):
            y = (x * scale).exp() + offset
            ctx.save_for_backward(x, y)
            ctx.scale = scale
            ctx.offset = offset
            return y

        @staticmethod
        def backward(ctx, grad):
            x, y = ctx.saved_tensors
            flags = tuple(ctx.needs_input_grad)
            ctx.flags = flags
            return grad * (y - ctx.offset) * ctx.scale, None, None
    return ScaledExp


def test_custom_function_saved_tensors_and_non_tensor_args():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        y = make_custom(m).apply(x, 0.5, 2.0)
        y.sum().backward()
        return y, x.grad, y.grad_fn.flags, y.grad_fn.name()
    check(f)


def test_custom_function_needs_input_grad_with_tensor_args():
    def f(m):
        seen = []

        class Mul(m.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.save_for_backward(a, b)
                return a * b

            @staticmethod
            def backward(ctx, grad):
                a, b = ctx.saved_tensors
                seen.append(tuple(ctx.needs_input_grad))
                return grad * b, grad * a

        a, b = m.tensor(A, requires_grad=True), m.tensor(A)
        Mul.apply(a, b).sum().backward()
        return a.grad, b.grad, seen
    check(f)


@pytest.mark.parametrize('materialize', [True, False])
def test_custom_function_mark_non_differentiable(materialize):
    def f(m):
        received = []

        class SortWithIndex(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.set_materialize_grads(materialize)
                values, index = x.sort()
                ctx.mark_non_differentiable(index)
                ctx.save_for_backward(index)
                return values, index, 'label', x.long()

            @staticmethod
            def backward(ctx, grad_values, grad_index, grad_label, grad_long):
                received.extend([grad_index, grad_label, grad_long])
                index, = ctx.saved_tensors
                return m.zeros_like(grad_values).scatter(-1, index, grad_values)

        x = m.tensor(A, requires_grad=True)
        values, index, label, as_long = SortWithIndex.apply(x)
        (values * m.arange(3.)).sum().backward()
        return values, index, label, index.requires_grad, as_long.requires_grad, x.grad, received
    check(f)


def once_differentiable_cube(m):
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return grad * 3 * x ** 2
    return Cube


def test_once_differentiable_gives_first_derivative_and_refuses_the_second():
    def f(m):
        x = m.tensor(A, requires_grad=True)
        g, = m.autograd.grad(once_differentiable_cube(m).apply(x).sum(), x, create_graph=True)
        with pytest.raises(RuntimeError):
            g.sum().backward()
        return g.detach()
    check(f)


def test_custom_function_double_backward_through_tensor_ops():
    def f(m):
        class Square(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad):
                x, = ctx.saved_tensors
                return 2 * x * grad

        x = m.tensor(A, requires_grad=True)
        g, = m.autograd.grad(Square.apply(x).sum(), x, create_graph=True)
        gg, = m.autograd.grad((g * x).sum(), x)
        return g, gg
    check(f)


def test_custom_function_saved_tensor_modified_raises():
    for m in MODULES:
        x = m.tensor(A, requires_grad=True)
        h = x * 1
        y = make_custom(m).apply(h, 1.0, 0.0)
        h.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            y.sum().backward()


def test_custom_function_wrong_number_of_gradients_raises():
    def f(m):
        class Bad(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, y):
                return x * y

            @staticmethod
            def backward(ctx, grad):
                return grad

        Bad.apply(m.ones(2, requires_grad=True), m.ones(2, requires_grad=True)).sum().backward()
    (theirs, t_msg), (ours, o_msg) = error_of(f, torch), error_of(f, autograd)
    assert ours == theirs == 'RuntimeError' and 'incorrect number of gradients' in o_msg


# ---- gradcheck on composites ----------------------------------------------------------------------
@pytest.mark.parametrize('fn', [
    lambda x, y: (x.sin() * y.exp()).sum(dim=1),
    lambda x, y: (x @ y.t()).tanh().softmax(dim=-1),
    lambda x, y: ((x - y) ** 2).mean() / (x.abs() + 1).prod(),
    lambda x, y: (x.unsqueeze(0) * y.unsqueeze(1)).logsumexp(dim=2),
], ids=['sin-exp-sum', 'matmul-tanh-softmax', 'mse-over-prod', 'outer-logsumexp'])
def test_gradcheck_and_gradgradcheck_on_composites(fn):
    rng = np.random.default_rng(0)
    x = autograd.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    y = autograd.tensor(rng.normal(size=(3, 4)), requires_grad=True)
    assert x.dtype == autograd.float64
    assert autograd.autograd.gradcheck(fn, (x, y))
    assert autograd.autograd.gradgradcheck(fn, (x, y))
