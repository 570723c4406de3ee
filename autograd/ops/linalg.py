"""Matrix products: matmul in all of torch's rank cases, mm/bmm/mv/dot/outer/addmm, einsum."""
import string

from .. import backend
from ..function import Function
from .arithmetic import operands
from .shape import sum_to


def _shape_text(shape):
    return 'x'.join(str(s) for s in shape)


# The node torch's matmul ends with, by the operands' ranks (its last step: a view of the product or a squeeze
# of a vector's axis); bmm's own node is BmmBackward0
_MATMUL_NAMES = {(2, 2): 'MmBackward0', (1, 1): 'DotBackward0', (2, 1): 'MvBackward0', (1, 2): 'SqueezeBackward4'}


class Matmul(Function):
    def name(self):
        saved = self._saved_tuple()
        ranks = tuple(t.ndim for t in saved) if saved else (2, 2)
        if ranks == (3, 3) and self.__dict__.get('bmm'):
            return 'BmmBackward0'
        if self.__dict__.get('vdot'):   # linalg.vecdot of two vectors is torch's vdot
            return 'VdotBackward0'
        a, b = saved or (None, None)
        if self.needs_input_grad[0] and (ranks[0] == 2 and ranks[1] > 2 or
                                         ranks == (3, 3) and a.shape[0] == 1 != b.shape[0]):
            # torch computes (b^T @ a^T)^T for a matrix (or a batch of one against a batch) that requires grad:
            # a transpose, cloned to be contiguous unless the result has a size-1 matrix dim
            return 'CloneBackward0' if a.shape[-2] > 1 and b.shape[-1] > 1 else 'TransposeBackward0'
        return _MATMUL_NAMES.get(ranks, 'UnsafeViewBackward0')

    def forward(self, a, b, bmm=False, vdot=False):
        self.save_for_backward(a, b)
        if bmm:
            self.bmm = True
        if vdot:
            self.vdot = True
        try:
            return a.array @ b.array
        except ValueError:
            if a.array.ndim == 2 and b.array.ndim == 2:
                raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(a.array.shape)} and "
                                   f"{_shape_text(b.array.shape)})") from None
            raise RuntimeError("Expected size for first two dimensions of batch2 tensor to match: matmul of "
                               f"shapes {list(a.array.shape)} and {list(b.array.shape)} is not defined") from None

    def backward(self, grad):
        a, b = self.saved_tensors
        ga_needed, gb_needed = self.needs_input_grad
        if a.ndim == 2 and b.ndim == 2:   # the hot case: no reshaping
            return (grad @ b.mT if ga_needed else None), (a.mT @ grad if gb_needed else None)
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if ga_needed else None), (grad * a if gb_needed else None)
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g2 = grad
        if a.ndim == 1:
            g2 = g2.unsqueeze(-2)
        if b.ndim == 1:
            g2 = g2.unsqueeze(-1)
        ga = gb = None
        if ga_needed:
            ga = sum_to(g2 @ b2.mT, a2.shape)
            ga = ga.squeeze(0) if a.ndim == 1 else ga
        if gb_needed:
            gb = sum_to(a2.mT @ g2, b2.shape)
            gb = gb.squeeze(-1) if b.ndim == 1 else gb
        return ga, gb


def matmul(a, b):
    a, b = operands(a, b)
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are {a.ndim}D and {b.ndim}D")
    return Matmul.apply(a, b)


def mm(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(a, b)


def bmm(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if a.shape[0] != b.shape[0] or a.shape[2] != b.shape[1]:
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, "
                           f"{a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    a, b = operands(a, b)
    return Matmul.apply(a, b, bmm=True)


def mv(a, v):
    if a.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got {a.ndim}, {v.ndim}")
    return matmul(a, v)


def dot(a, b):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to "
                           f"have the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements "
                           "respectively")
    if a.dtype != b.dtype:
        raise RuntimeError(f"dot : expected both vectors to have same dtype, but found {a.dtype.scalar_name} "
                           f"and {b.dtype.scalar_name}")
    return matmul(a, b)


def outer(a, b):
    return a.unsqueeze(1) * b.unsqueeze(0)


class Addmm(Function):
    """beta * input + alpha * (mat1 @ mat2) as one node (torch's AddmmBackward0, three edges). input broadcasts
    to the (n, p) result; beta == 0 ignores it (NaN in input does not propagate, as BLAS's gemm). Gradients
    (derivatives.yaml): input beta * grad summed to its shape, mat1 alpha * grad @ mat2^T, mat2 alpha * mat1^T @
    grad."""
    def forward(self, input, mat1, mat2, beta=1, alpha=1):
        self.save_for_backward(mat1, mat2)
        self.beta, self.alpha, self.input_shape = beta, alpha, input.shape
        prod = mat1.array @ mat2.array
        if alpha != 1:
            prod = prod * alpha
        if beta == 0:
            return prod
        return prod + (input.array if beta == 1 else input.array * beta)

    def backward(self, grad):
        mat1, mat2 = self.saved_tensors
        need, beta, alpha = self.needs_input_grad, self.beta, self.alpha
        scaled = grad if alpha == 1 else grad * alpha
        gi = sum_to(grad if beta == 1 else grad * beta, self.input_shape) if need[0] else None
        return gi, (scaled @ mat2.mT if need[1] else None), (mat1.mT @ scaled if need[2] else None)


def addmm(input, mat1, mat2, beta=1, alpha=1):
    """beta * input + alpha * mat1 @ mat2: input broadcastable to (n, p), mat1 (n, m), mat2 (m, p), all of one
    dtype. Raises RuntimeError with torch's text for a dtype mix, a non-matrix, mismatched or unexpandable sizes."""
    for name, other in (('self', input), ('mat1', mat1)):
        if other.dtype != mat2.dtype:
            raise RuntimeError(f"{name} and mat2 must have the same dtype, but got {other.dtype.scalar_name} and "
                               f"{mat2.dtype.scalar_name}")
    for name, mat in (('mat1', mat1), ('mat2', mat2)):
        if mat.ndim != 2:
            raise RuntimeError(f"{name} must be a matrix, got {mat.ndim}-D tensor")
    if mat1.shape[1] != mat2.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape_text(mat1.shape)} and "
                           f"{_shape_text(mat2.shape)})")
    target = (mat1.shape[0], mat2.shape[1])
    shape = tuple(input.shape)
    if len(shape) > 2:   # input must expand to the result, as torch's expand
        kind = 'torch.' + input.type().split('.')[-1]   # torch's words, as the conv dtype errors
        raise RuntimeError(f"expand({kind}{{{list(shape)}}}, size={list(target)}): the number of sizes "
                           f"provided (2) must be greater or equal to the number of dimensions in the tensor "
                           f"({len(shape)})")
    for i in range(1, len(shape) + 1):
        if shape[-i] not in (1, target[-i]):
            raise RuntimeError(f"The expanded size of the tensor ({target[-i]}) must match the existing size "
                               f"({shape[-i]}) at non-singleton dimension {2 - i}.  Target sizes: {list(target)}.  "
                               f"Tensor sizes: {list(shape)}")
    return Addmm.apply(input, mat1, mat2, beta=beta, alpha=alpha)


def baddbmm(input, b1, b2, beta=1, alpha=1):
    return input * beta + bmm(b1, b2) * alpha


# ---- einsum ------------------------------------------------------------------------------------
def _parse_einsum(equation, operands_):
    """Explicit form 'ij,jk->ik' with any '...' replaced by letters."""
    equation = equation.replace(' ', '')
    lhs, rhs = equation.split('->') if '->' in equation else (equation, None)
    terms = lhs.split(',')
    if len(terms) != len(operands_):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                           if len(terms) < len(operands_) else
                           "einsum(): fewer operands were provided than specified in the equation")
    used = set(lhs)
    spare = [c for c in string.ascii_letters if c not in used]
    ell_rank = max((t.ndim - len(term.replace('...', '')) for term, t in zip(terms, operands_) if '...' in term),
                   default=0)
    ell = ''.join(spare[:ell_rank])
    fixed = []
    for term, t in zip(terms, operands_):
        if '...' in term:
            n = t.ndim - len(term.replace('...', ''))
            term = term.replace('...', ell[ell_rank - n:])
        fixed.append(term)
    if rhs is None:
        counts = {}
        for c in ''.join(fixed):
            counts[c] = counts.get(c, 0) + 1
        rhs = ell + ''.join(sorted(c for c in counts if counts[c] == 1 and c not in ell))
    else:
        rhs = rhs.replace('...', ell)
    return fixed, rhs


class Einsum(Function):
    def forward(self, *tensors, terms, out_term):
        self.save_for_backward(*tensors)
        self.terms = (terms, out_term)
        xp = backend.array_module(tensors[0].array)
        out = xp.einsum(','.join(terms) + '->' + out_term, *[t.array for t in tensors], optimize=True)
        if not out.flags.c_contiguous and set(''.join(terms)) - set(out_term):
            # a contraction: torch's sum or bmm writes a fresh row-major tensor (products without one keep
            # NumPy's layout, which is torch's permuted one)
            out = xp.ascontiguousarray(out)
        return out

    def backward(self, grad):
        tensors = self.saved_tensors
        terms, out_term = self.terms
        grads = []
        for i, (term, t) in enumerate(zip(terms, tensors)):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            others = [(terms[j], tensors[j]) for j in range(len(terms)) if j != i]
            available = set(out_term).union(*[set(s) for s, _ in others])
            target = ''.join(dict.fromkeys(c for c in term if c in available))
            g = einsum_terms([out_term] + [s for s, _ in others], target, [grad] + [o for _, o in others])
            # indices summed only within this operand come back by broadcasting; repeated ones via diagonal
            grads.append(_expand_to_term(g, target, term, t.shape))
        return tuple(grads)


def _expand_to_term(g, target, term, shape):
    if target == term:
        return g
    letters = ''.join(dict.fromkeys(term))
    if len(letters) != len(term):   # a repeated index (a diagonal) would need a scatter onto the diagonal
        raise RuntimeError("einsum backward through a repeated index (a diagonal) is not supported")
    view_shape = [g.shape[target.index(c)] if c in target else 1 for c in letters]
    order = [target.index(c) for c in letters if c in target]
    g = g.permute(*order).reshape(view_shape) if order else g.reshape(view_shape)
    sizes = {c: shape[term.index(c)] for c in letters}
    g = g.expand(*[sizes[c] for c in letters])
    return g.permute(*[letters.index(c) for c in term]) if letters != term else g


def einsum_terms(terms, out_term, tensors):
    return Einsum.apply(*tensors, terms=tuple(terms), out_term=out_term)


def einsum(equation, *tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    terms, out_term = _parse_einsum(equation, tensors)
    for term, t in zip(terms, tensors):
        if len(term) != t.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not match "
                               f"the number of dimensions ({t.ndim}) for operand {tensors.index(t)}"
                               " and no ellipsis was given")
    return einsum_terms(terms, out_term, tensors)
