"""gradcheck and gradgradcheck (torch.autograd.gradcheck): backward against finite differences.

The analytical Jacobian of each differentiable output is built row by row: backward with a one-hot
seed gives one row per output element. The numerical one column by column: each input element is
moved by -eps and +eps in place and the central difference (f(x+eps) - f(x-eps)) / 2eps taken.
Both are laid out as torch lays them out, (input numel, output numel), so failure messages match.
"""
import warnings

import numpy as np

from . import backend, dtypes
from .engine import grad as autograd_grad
from .tensor import Tensor, wrap


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a gradient is wrong."""


def gradcheck(func, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
              check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
              check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True,
              fast_mode=False, masked=None):
    """True when backward of func matches finite differences for every input that requires grad.

    Inputs should be float64: with float32, eps=1e-6 is lost to rounding. On a mismatch raises
    GradcheckError showing both Jacobians, or returns False when raise_exception=False.
    fast_mode runs the full check (it is exact, only slower). check_undefined_grad has nothing to
    check here: this engine passes zeros, never undefined gradients, to backward."""
    if check_forward_ad or check_batched_grad or check_batched_forward_grad:
        raise NotImplementedError("gradcheck: forward-mode AD and batched (vmap) gradients do not exist in "
                                  "autograd; call gradcheck with check_forward_ad=False, check_batched_grad=False "
                                  "and check_batched_forward_grad=False")
    try:
        _check(func, _as_tuple(inputs), eps, atol, rtol, nondet_tol, check_grad_dtypes, check_backward_ad)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(func, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  gen_non_contig_grad_outputs=False, raise_exception=True, nondet_tol=0.0,
                  check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
                  check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False):
    """gradcheck of the gradients: checks the backward of backward (create_graph=True).

    grad_outputs default to random values in [-1, 1) drawn from autograd's global generator
    (reproducible under autograd.manual_seed); they are differentiated as inputs too."""
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        from .random import rand
        grad_outputs = tuple(
            (rand(o.shape, dtype=o.dtype if o.dtype.is_floating_point or o.dtype.is_complex else dtypes.float64,
                  device=o.device) * 2 - 1).requires_grad_()
            for o in _differentiable(_as_tuple(func(*inputs))))
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_grads = len(grad_outputs)
    diff_input_indices = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]

    def gradients_of_func(*args):
        outputs = _differentiable(_as_tuple(func(*args[:len(args) - n_grads])))
        diff_inputs = [args[i] for i in diff_input_indices]
        grads = autograd_grad(outputs, diff_inputs, args[len(args) - n_grads:], create_graph=True,
                              allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(gradients_of_func, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol, check_grad_dtypes=check_grad_dtypes,
                     check_forward_ad=check_fwd_over_rev, check_backward_ad=check_rev_over_rev)


def _as_tuple(x):
    if isinstance(x, tuple):
        return x
    return tuple(x) if isinstance(x, list) else (x,)


def _differentiable(outputs):
    return tuple(o for o in outputs if isinstance(o, Tensor) and o.requires_grad)


def _check(func, inputs, eps, atol, rtol, nondet_tol, check_grad_dtypes, check_backward_ad):
    diff_inputs = _check_inputs(inputs)
    func_out = _as_tuple(func(*inputs))
    outputs = _differentiable(func_out)
    if not check_backward_ad:
        return
    if any(t.is_complex() for t in diff_inputs + list(outputs)):
        raise NotImplementedError("gradcheck: complex inputs or outputs are not supported yet; check the real "
                                  "and imaginary parts as separate real functions")
    numerical = [_numerical_jacobians(func, inputs, func_out, t, eps) for t in diff_inputs]
    if not outputs:   # nothing to backward through: the function must then be constant
        for per_output in numerical:
            for jacobian in per_output.values():
                if jacobian.size and (jacobian != 0).any():
                    raise GradcheckError("Numerical gradient for function expected to be zero")
        return
    for i, out in enumerate(outputs):
        k = next(k for k, o in enumerate(func_out) if o is out)
        analytical = _analytical_jacobians(out, diff_inputs, nondet_tol, check_grad_dtypes)
        for j, (a, per_output) in enumerate(zip(analytical, numerical)):
            n = per_output[k]
            common = np.promote_types(a.dtype, n.dtype)
            xp = backend.array_module(a)
            if not xp.allclose(a.astype(common), n.astype(common), rtol=rtol, atol=atol):
                raise GradcheckError(f"Jacobian mismatch for output {i:d} with respect to input {j:d},\n"
                                     f"numerical:{wrap(n)}\nanalytical:{wrap(a)}\n")
    _check_backward_scales_with_grad_output(outputs, diff_inputs)


def _check_inputs(inputs):
    """The inputs that require grad; warns on single precision, rejects overlapping memory."""
    diff_inputs = []
    for idx, t in enumerate(inputs):
        if not (isinstance(t, Tensor) and t.requires_grad):
            continue
        if t.dtype not in (dtypes.float64, dtypes.complex128):
            warnings.warn(f"Input #{idx} requires gradient and is not a double precision floating point or "
                          "complex. This check will likely fail if all the inputs are not of double precision "
                          "floating point or complex. ", stacklevel=4)
        if any(stride == 0 and size > 1 for stride, size in zip(t.array.strides, t.array.shape)):
            raise RuntimeError(f"The {idx}th input has a dimension with stride 0. gradcheck only supports inputs "
                               "that are non-overlapping to be able to compute the numerical gradients correctly. "
                               "You should call .contiguous on the input before passing it to gradcheck.")
        diff_inputs.append(t)
    if not diff_inputs:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but none of them "
                         "have requires_grad=True.")
    return diff_inputs


def _numerical_jacobians(func, inputs, func_out, target, eps):
    """{output position: (target.numel(), output.numel()) central differences} for float outputs."""
    array = target.array
    xp = backend.array_module(array)
    kept = [k for k, o in enumerate(func_out) if isinstance(o, Tensor) and o.dtype.is_floating_point]
    jacobians = {k: xp.zeros((array.size, func_out[k].numel()), dtype=func_out[k].array.dtype) for k in kept}

    def evaluate():   # copies, since func may return (a view of) the array being perturbed
        out = _as_tuple(func(*inputs))
        return [out[k].array.copy() for k in kept]

    for flat in range(array.size):
        idx = np.unravel_index(flat, array.shape)
        orig = array[idx].copy()
        array[idx] = orig - eps     # writes through to target: func sees the moved value
        below = evaluate()
        array[idx] = orig + eps
        above = evaluate()
        array[idx] = orig
        for k, lo, hi in zip(kept, below, above):
            if lo.shape != hi.shape or lo.dtype != hi.dtype:
                raise AssertionError(f"Expected `func` to return outputs with the same shape and dtype when "
                                     f"inputs are perturbed on index {idx} by {eps}, but got: shapes {lo.shape} "
                                     f"and {hi.shape}, dtypes {lo.dtype} and {hi.dtype}.")
            jacobians[k][flat] = ((hi - lo) / (2 * eps)).reshape(-1)
    return jacobians


def _analytical_jacobians(output, diff_inputs, nondet_tol, check_grad_dtypes):
    """One (input numel, output numel) Jacobian per input from backward with one-hot seeds, computed
    twice: a backward that differs between identical runs is reported as not reentrant."""
    first = _jacobian_rows(output, diff_inputs, check_grad_dtypes)
    second = _jacobian_rows(output, diff_inputs, check_grad_dtypes)
    for a, b in zip(first, second):
        if a.size and float(abs(a - b).max()) > nondet_tol:
            raise GradcheckError("Backward is not reentrant, i.e., running backward with same input and "
                                 "grad_output multiple times gives different values, although analytical gradient "
                                 f"matches numerical gradient.The tolerance for nondeterminism was {nondet_tol}.")
    return first


def _jacobian_rows(output, diff_inputs, check_grad_dtypes):
    xp = backend.array_module(output.array)
    jacobians = [xp.zeros((t.numel(), output.numel()), dtype=t.array.dtype) for t in diff_inputs]
    for row in range(output.numel()):
        seed = xp.zeros(output.shape, dtype=output.array.dtype)
        seed.reshape(-1)[row] = 1
        grads = autograd_grad(output, diff_inputs, wrap(seed), retain_graph=True, allow_unused=True)
        for jacobian, t, g in zip(jacobians, diff_inputs, grads):
            if g is None:
                continue
            if g.shape != t.shape:
                raise GradcheckError(f"Analytical gradient has incorrect size: {tuple(g.shape)} for an input "
                                     f"of shape {tuple(t.shape)}")
            if check_grad_dtypes and g.dtype != t.dtype:
                raise GradcheckError(f"Gradient has dtype mismatch: {g.dtype} for an input of dtype {t.dtype}")
            jacobian[:, row] = g.array.reshape(-1)
    return jacobians


def _check_backward_scales_with_grad_output(outputs, diff_inputs):
    """Zero output gradients must give zero input gradients of the inputs' dtype, device and shape."""
    zeros = [wrap(backend.array_module(o.array).zeros(o.shape, dtype=o.array.dtype)) for o in outputs]
    grads = autograd_grad(outputs, diff_inputs, zeros, allow_unused=True)
    for g, t in zip(grads, diff_inputs):
        if g is None:
            continue
        if (g.array != 0).any():
            raise GradcheckError("backward not multiplied by grad_output")
        if g.dtype != t.dtype:
            raise GradcheckError(f"grad is incorrect type: {g.dtype} for an input of dtype {t.dtype}")
        if g.device != t.device:
            raise GradcheckError(f"grad is incorrect device: {g.device} for an input on {t.device}")
        if g.shape != t.shape:
            raise GradcheckError(f"grad is incorrect size: {tuple(g.shape)} for an input of shape {tuple(t.shape)}")
