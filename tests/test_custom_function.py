"""Custom autograd Functions against torch: saved tensors, needs_input_grad, non-tensor arguments,
mark_non_differentiable, once_differentiable, double backward, wrong gradient counts."""
import pytest
import torch

import autograd
from torch_oracle import MODULES, check, error_of

A = [[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]]


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
