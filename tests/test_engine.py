"""Engine semantics against torch: accumulation, retain_graph, VJP seeds, hooks, diamonds, deep graphs,
double backward, grad modes, the seeds' manual training loops, gradcheck (in-place ops: test_inplace.py;
custom Functions: test_custom_function.py).

Each test writes its scenario once as f(m) and runs it with m = torch and m = autograd."""
import sys

import numpy as np
import pytest
import torch

import autograd
from torch_oracle import MODULES, check

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
        check(f)


def test_third_derivative():
    def f(m):
        x = m.tensor([0.3, 1.2], requires_grad=True)
        y = (x.exp() * x.tanh()).sum()
        g1, = m.autograd.grad(y, x, create_graph=True)
        g2, = m.autograd.grad(g1.sum(), x, create_graph=True)
        g3, = m.autograd.grad(g2.sum(), x)
        return g1, g2, g3
    check(f)


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
    check(f)


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
    check(f)


def test_tutorial_one_layer_bce_with_logits_gradients_and_no_grad():
    """The autograd tutorial: z = matmul(x, w) + b, BCE-with-logits loss, backward, then no_grad / detach."""
    rng = np.random.default_rng(7)
    w0, b0 = rng.standard_normal((5, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)

    def f(m):
        x, y = m.ones(5), m.zeros(3)
        w, b = m.tensor(w0, requires_grad=True), m.tensor(b0, requires_grad=True)
        z = m.matmul(x, w) + b
        loss = m.nn.functional.binary_cross_entropy_with_logits(z, y)
        loss.backward()
        with m.no_grad():
            z2 = m.matmul(x, w) + b
        return loss, w.grad, b.grad, z.requires_grad, z2.requires_grad, z.detach().requires_grad
    check(f)


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
