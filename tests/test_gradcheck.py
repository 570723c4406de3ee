"""gradcheck / gradgradcheck agree with torch's: same verdicts, same exception classes and messages."""
import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
from autograd.autograd import GradcheckError, gradcheck, gradgradcheck


def both(array, requires_grad=True):
    """The same float64 values as an autograd tensor and a torch tensor."""
    return (autograd.tensor(array, dtype=autograd.float64, requires_grad=requires_grad),
            torch.tensor(array, dtype=torch.float64, requires_grad=requires_grad))


def make_function(base, backward_fn):
    """x -> x * x as a custom Function of either library, with the given backward(x, grad)."""
    class Square(base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            x, = ctx.saved_tensors
            return backward_fn(x, grad)

    return Square


def outcome(check, func, inputs, **options):
    """(exception class name, message) of a check, or its return value."""
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        try:
            return check(func, inputs, **options)
        except Exception as exc:   # noqa: BLE001 - the class itself is what is compared
            return type(exc).__name__, str(exc).replace('torch.', 'autograd.')


FUNCTIONS = {   # each is written once and run in both libraries
    'mul_exp': lambda x, y: x * y + x.exp(),
    'div_abs': lambda x, y: x / (y.abs() + 1),
    'tanh_sigmoid': lambda x, y: x.tanh() * y.sigmoid(),
    'matmul': lambda x, y: x @ y.transpose(0, 1),
    'sum_mean': lambda x, y: (x * y).sum(0) + y.mean(),
    'two_outputs': lambda x, y: (x * 2, (x - y) ** 2),
}


@settings(max_examples=25, deadline=None)
@given(name=st.sampled_from(sorted(FUNCTIONS)), rows=st.integers(1, 3), cols=st.integers(1, 4),
       seed=st.integers(0, 2**31 - 1))
def test_correct_functions_pass(name, rows, cols, seed):
    rng = np.random.default_rng(seed)
    x, tx = both(rng.standard_normal((rows, cols)))
    y, ty = both(rng.standard_normal((rows, cols)))
    func = FUNCTIONS[name]
    assert outcome(torch.autograd.gradcheck, func, (tx, ty)) is True
    assert outcome(gradcheck, func, (x, y)) is True


@settings(max_examples=10, deadline=None)
@given(name=st.sampled_from(['mul_exp', 'tanh_sigmoid', 'matmul', 'two_outputs']), seed=st.integers(0, 2**31 - 1))
def test_correct_functions_pass_gradgradcheck(name, seed):
    rng = np.random.default_rng(seed)
    x, _ = both(rng.standard_normal((2, 3)))
    y, _ = both(rng.standard_normal((2, 3)))
    assert gradgradcheck(FUNCTIONS[name], (x, y))


@settings(max_examples=15, deadline=None)
@given(shape=st.lists(st.integers(1, 4), min_size=0, max_size=2).map(tuple), seed=st.integers(0, 2**31 - 1))
def test_wrong_backward_fails_with_torchs_message(shape, seed):
    x, tx = both(np.random.default_rng(seed).standard_normal(shape))
    wrong = lambda v, g: g * 3   # noqa: E731 - d(x*x)/dx is 2x
    mine = outcome(gradcheck, make_function(autograd.autograd.Function, wrong).apply, (x,))
    theirs = outcome(torch.autograd.gradcheck, make_function(torch.autograd.Function, wrong).apply, (tx,))
    assert mine[0] == 'GradcheckError' and mine[1].startswith('Jacobian mismatch for output 0 with respect to input 0')
    assert mine == theirs
    assert gradcheck(make_function(autograd.autograd.Function, wrong).apply, (x,), raise_exception=False) is False


def test_gradcheck_error_is_a_runtime_error():
    assert issubclass(GradcheckError, RuntimeError)


def test_right_backward_of_custom_function_passes():
    x, _ = both([0.5, -1.5, 2.0])
    assert gradcheck(make_function(autograd.autograd.Function, lambda v, g: 2 * v * g).apply, (x,))


def test_backward_that_changes_between_runs_is_not_reentrant():
    def drifting(lib):
        calls = itertools.count()
        return make_function(lib.autograd.Function, lambda v, g: g * 2 * v * (1 + 1e-3 * next(calls)))
    x, tx = both([0.5, -1.5, 2.0])
    mine = outcome(gradcheck, drifting(autograd).apply, (x,))
    theirs = outcome(torch.autograd.gradcheck, drifting(torch).apply, (tx,))
    assert mine[0] == 'GradcheckError' and 'Backward is not reentrant' in mine[1]
    assert theirs[1].startswith(mine[1])   # torch adds a paragraph about its OpInfo tests


def test_backward_not_multiplied_by_grad_output():
    # right for one-hot seeds, but a zero seed gives a non-zero gradient
    def backward(lib):
        return lambda v, g: 2 * v * g + (g.abs().sum() == 0).to(g.dtype)
    x, tx = both([0.5, -1.5, 2.0])
    mine = outcome(gradcheck, make_function(autograd.autograd.Function, backward(autograd)).apply, (x,))
    theirs = outcome(torch.autograd.gradcheck, make_function(torch.autograd.Function, backward(torch)).apply, (tx,))
    assert mine == theirs == ('GradcheckError', 'backward not multiplied by grad_output')


def test_no_input_requires_grad():
    x, tx = both([1.0, 2.0], requires_grad=False)
    mine, theirs = outcome(gradcheck, lambda a: a * 2, (x,)), outcome(torch.autograd.gradcheck, lambda a: a * 2, (tx,))
    assert mine == theirs and mine[0] == 'ValueError'


def test_single_precision_input_warns():
    x = autograd.tensor([1.0, 2.0], requires_grad=True)
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning) as mine:
        gradcheck(lambda a: a * a, (x,), raise_exception=False)
    with pytest.warns(UserWarning) as theirs:
        torch.autograd.gradcheck(lambda a: a * a, (tx,), raise_exception=False)
    assert str(mine[0].message) == str(theirs[0].message)


def test_overlapping_input_is_rejected():
    x, tx = both([[1.0, 2.0, 3.0]], requires_grad=False)
    mine = outcome(gradcheck, lambda a: a * 2, (x.expand(2, 3).requires_grad_(),))
    theirs = outcome(torch.autograd.gradcheck, lambda a: a * 2, (tx.expand(2, 3).requires_grad_(),))
    assert mine == theirs and mine[0] == 'RuntimeError'


@pytest.mark.parametrize('func, expected', [
    (lambda a: a.detach() * 0 + 1, True),                   # constant: zero numerical gradient
    (lambda a: a.detach() * 2, ('GradcheckError', 'Numerical gradient for function expected to be zero')),
])
def test_function_without_differentiable_outputs(func, expected):
    x, tx = both([1.0, 2.0])
    assert outcome(gradcheck, func, (x,)) == outcome(torch.autograd.gradcheck, func, (tx,)) == expected


def test_non_tensor_arguments_and_non_float_outputs_are_skipped():
    x, tx = both([[1.0, -2.0], [0.5, 3.0]])
    # (torch mis-pairs Jacobians when a non-float output comes before a float one: keep it last)
    func = lambda a, k: (a * k, (a ** 2).sum(), a.argmax())   # noqa: E731
    assert outcome(gradcheck, func, (x, 3)) is True
    assert outcome(torch.autograd.gradcheck, func, (tx, 3)) is True


def test_gradgradcheck_catches_a_wrong_second_derivative():
    # first derivative right (2x * g), but computed from a detached x: its own derivative in x is lost
    backward = lambda v, g: 2 * v.detach() * g   # noqa: E731
    x, tx = both([0.5, -1.5, 2.0])
    g, tg = both([1.0, -0.5, 0.25])
    mine = make_function(autograd.autograd.Function, backward).apply
    theirs = make_function(torch.autograd.Function, backward).apply
    assert gradcheck(mine, (x,))
    assert outcome(gradgradcheck, mine, (x,), grad_outputs=(g,)) == \
        outcome(torch.autograd.gradgradcheck, theirs, (tx,), grad_outputs=(tg,))
    assert gradgradcheck(mine, (x,), raise_exception=False) is False


def test_gradgradcheck_default_grad_outputs_follow_the_seed():
    x, _ = both([0.5, -1.5, 2.0])
    func = make_function(autograd.autograd.Function, lambda v, g: 2 * v.detach() * g).apply
    messages = []
    for _ in range(2):
        autograd.manual_seed(0)
        messages.append(outcome(gradgradcheck, func, (x,)))
    assert messages[0] == messages[1] and messages[0][0] == 'GradcheckError'


def test_forward_mode_options_are_refused():
    x, _ = both([1.0])
    with pytest.raises(NotImplementedError, match='check_forward_ad=False'):
        gradcheck(lambda a: a * 2, (x,), check_forward_ad=True)
