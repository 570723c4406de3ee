"""The table of op specifications that drives the property tests against torch.

Each row: a name, how to call the op on a module (torch or autograd) and its tensors, and a strategy that
draws input shapes and keyword options. Adding an op is adding a row.

Hard points (issue 8): besides the safe interior of `domain`, the property tests draw each row's `hard`
points, where ops most often differ from torch (gradients at kinks, NaN ordering, empty reductions):
  'zero'   about a third of the entries set to 0 (kinks of abs/relu/norm, poles of log/div, 0 ** p)
  'tie'    every entry one of two values (max/min/sort/median: which index wins, how the gradient splits)
  'inf'    about a third of the entries +-inf
  'nan'    about a third of the entries NaN (forward, and the gradient where torch defines one)
  'empty'  one dim of the inputs set to 0 (reductions and normalisations over nothing, empty results)
By default a row gets all of them (HARD); a row lists fewer only where the point cannot be drawn for it
(`VALUES`: its options depend on the sizes, so 'empty' comes from its own shape strategy or not at all) or
where torch's answer there is not defined by torch itself (NO_NAN_GRAD, topk's ties, var_mean's inf: each
row says why).
Torch refusing a point is fine: the test then demands the same exception class from us.
"""
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import view_specs as vs


VALUES = ('zero', 'tie', 'inf', 'nan')   # hard values: drawn into any row's inputs
HARD = VALUES + ('empty',)              # ... and a size-0 dim, for rows whose options do not depend on sizes
# torch's own CPU kernels disagree at NaN for these gradients: the vectorised loop gives 0, the scalar tail
# gives the gradient, so the answer depends on the tensor's size and the processor's vector width
NO_NAN_GRAD = ('zero', 'tie', 'inf', 'empty')
# a normalisation of a (nearly) constant group divides rounding noise by sqrt(var + eps) >= sqrt(1e-5);
# second derivatives pick the factor up twice (test_ops_property squares it)
NORM_CONDITION = 1e3


@dataclass
class Op:
    name: str
    call: Callable                      # call(m, *tensors, **options) with m = torch or autograd
    inputs: Callable                    # inputs(draw) -> (list of shapes, options dict)
    domain: tuple = (-3.0, 3.0)         # values are drawn uniformly from here ...
    positive: bool = False              # ... or, if set, with magnitude at least 0.5 (away from poles)
    grad: bool = True                   # differentiable in torch
    index_inputs: Callable = None       # index_inputs(shapes, options, rng) -> extra integer/bool tensors
    tags: tuple = field(default_factory=tuple)
    hard: tuple = HARD                  # the hard points drawn for this row (see the module docstring)
    condition: float = 1.0              # tolerance scale: how much the op amplifies rounding (see NORM_CONDITION)


def shape(min_dims=0, max_dims=4, min_side=1, max_side=5):
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def unary(min_dims=0, max_dims=4, min_side=0):
    return lambda draw: ([draw(shape(min_dims, max_dims, min_side))], {})


def binary():
    """Two shapes that broadcast together, including 0-d and size-1 dims."""
    def inputs(draw):
        shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=4))
        return list(shapes.input_shapes), {}
    return inputs


def reduce(keepdim=True, allow_none=True, multi=True, min_dims=0, min_side=1):
    """A shape and a dim (None, an int or a tuple) with keepdim."""
    def inputs(draw):
        s = draw(shape(min_dims, 4, min_side))
        rank = max(len(s), 1)
        choices = [st.integers(-rank, rank - 1)]
        if allow_none:
            choices.append(st.none())
        if multi and len(s) > 0:
            choices.append(st.lists(st.integers(0, len(s) - 1), min_size=1, max_size=len(s), unique=True)
                           .map(tuple))
        opts = {'dim': draw(st.one_of(*choices))}
        if keepdim:
            opts['keepdim'] = draw(st.booleans())
        return [s], opts
    return inputs


def one_dim(min_dims=1, min_side=1):
    def inputs(draw):
        s = draw(shape(min_dims, 4, min_side))
        return [s], {'dim': draw(st.integers(-len(s), len(s) - 1))}
    return inputs


def matmul_shapes(draw):
    """All of torch.matmul's rank cases: 1-D·1-D, 1-D·N-D, N-D·1-D and batched with broadcasting."""
    n, k, m = draw(st.integers(1, 4)), draw(st.integers(1, 4)), draw(st.integers(1, 4))
    batch = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3)).input_shapes
    ra, rb = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    a = (k,) if ra == 1 else batch[0][:ra - 2] + (n, k)
    b = (k,) if rb == 1 else batch[1][:rb - 2] + (k, m)
    return [a, b], {}


def fixed(*shapes, **options):
    return lambda draw: ([tuple(s) for s in shapes], dict(options))


def with_dims(base, **strategies):
    """Options drawn per shape: strategies map name -> (lambda shape: strategy)."""
    def inputs(draw):
        shapes, opts = base(draw)
        for name, make in strategies.items():
            opts[name] = draw(make(shapes[0]))
        return shapes, opts
    return inputs


def perm(s):
    return st.permutations(list(range(len(s)))).map(tuple)


def dim_of(s):
    return st.integers(-max(len(s), 1), max(len(s), 1) - 1)


def gather_index(shapes, opts, rng):
    s, d = shapes[0], opts['dim']
    size = s[d] if s else 1
    idx_shape = tuple(rng.integers(1, n + 1) if i != d % len(s) else rng.integers(1, 5) for i, n in enumerate(s))
    return [rng.integers(0, size, idx_shape)]


def scatter_index(shapes, opts, rng):
    """Indices for scatter: unique along dim so that which value wins is defined."""
    s, d = shapes[0], opts['dim'] % len(shapes[0])
    idx_shape = list(s)
    idx_shape[d] = rng.integers(1, s[d] + 1)
    idx = np.argsort(rng.random(tuple(s)), axis=d)
    return [np.take(idx, np.arange(idx_shape[d]), axis=d)]


def mask_for(shapes, opts, rng):
    return [rng.random(shapes[0]) < 0.5]


def select_index(shapes, opts, rng):
    s, d = shapes[0], opts['dim']
    return [rng.integers(0, s[d], rng.integers(1, 5))]


def square_last(draw):
    s = draw(shape(2, 4, 1))
    return [s], {'diagonal': draw(st.integers(-2, 2))}


def cat_shapes(draw):
    s = draw(shape(1, 3, 1))
    d = draw(st.integers(0, len(s) - 1))
    shapes = []
    for _ in range(draw(st.integers(1, 3))):
        t = list(s)
        t[d] = draw(st.integers(0, 3))
        shapes.append(tuple(t))
    return shapes, {'dim': d}


def stack_shapes(draw):
    s = draw(shape(0, 3, 1))
    return [s] * draw(st.integers(1, 3)), {'dim': draw(st.integers(-len(s) - 1, len(s)))}


def split_opts(draw):
    s = draw(shape(1, 3, 1))
    d = draw(st.integers(0, len(s) - 1))
    return [s], {'dim': d, 'size': draw(st.integers(1, s[d] + 1))}


def expand_opts(draw):
    s = draw(shape(0, 3, 1))
    lead = draw(st.lists(st.integers(1, 3), max_size=2))
    target = tuple(lead) + tuple(draw(st.integers(1, 3)) if n == 1 else n for n in s)
    return [s], {'size': target}


def reshape_opts(draw):
    s = draw(shape(0, 4, 1))
    n = int(np.prod(s))
    divisors = [d for d in range(1, n + 1) if n % d == 0]
    a = draw(st.sampled_from(divisors))
    target = draw(st.sampled_from([(n,), (a, n // a), (a, -1), (-1,), (1, a, n // a)]))
    return [s], {'shape': target}


def squeeze_opts(draw):
    s = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=2))
    return [s], {'dim': draw(st.one_of(st.none(), st.integers(-len(s), len(s) - 1)))}


def index_opts(draw):
    """Basic and advanced getitem: ints, slices with steps, None, Ellipsis, int lists, masks."""
    s = draw(shape(1, 3, 2))
    parts = []
    for n in s:
        kind = draw(st.sampled_from(['int', 'slice', 'full', 'list']))
        if kind == 'int':
            parts.append(draw(st.integers(-n, n - 1)))
        elif kind == 'slice':
            parts.append(slice(draw(st.integers(-n, n)), draw(st.integers(-n, n)), draw(st.integers(1, 3))))
        elif kind == 'list':
            parts.append(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=4)))
        else:
            parts.append(slice(None))
    if draw(st.booleans()):
        parts.insert(draw(st.integers(0, len(parts))), None)
    if sum(isinstance(p, list) for p in parts) > 1:   # several index lists must broadcast: use equal lengths
        k = min(len(p) for p in parts if isinstance(p, list))
        parts = [p[:k] if isinstance(p, list) else p for p in parts]
    return [s], {'index': tuple(parts)}


def einsum_opts(draw):
    eq, shapes = draw(st.sampled_from([
        ('ij,jk->ik', [(2, 3), (3, 4)]), ('bij,bjk->bik', [(2, 2, 3), (2, 3, 2)]), ('i,i->', [(4,), (4,)]),
        ('i,j->ij', [(3,), (2,)]), ('ij->ji', [(2, 3)]), ('ij->j', [(3, 4)]), ('...ij,...jk', [(2, 2, 3), (3, 2)]),
        ('ijk,ik->j', [(2, 3, 4), (2, 4)]), ('ij,ij->i', [(3, 4), (3, 4)])]))
    return shapes, {'equation': eq}


def _var_call(m, x, dim, keepdim, correction):
    return x.var(dim, keepdim=keepdim, correction=correction)


def _std_call(m, x, dim, keepdim, correction):
    return x.std(dim, keepdim=keepdim, correction=correction)


def _both(out):
    return tuple(out)


def _index(x, i):
    return x[i]


OPS = [
    # arithmetic with broadcasting
    Op('add', lambda m, a, b: a + b, binary()),
    Op('sub', lambda m, a, b: a - b, binary()),
    Op('mul', lambda m, a, b: a * b, binary()),
    Op('div', lambda m, a, b: a / b, binary(), positive=True),
    Op('pow', lambda m, a, b: a ** b, binary(), domain=(0.5, 2.0)),
    Op('pow_scalar', lambda m, a, e: a ** e, lambda d: ([d(shape())], {'e': d(st.sampled_from([2, 3, 0.5, -1.5]))}),
       domain=(0.5, 2.0)),
    Op('rpow_scalar', lambda m, a: 2.5 ** a, unary()),
    Op('radd_scalar', lambda m, a, s: s + a, lambda d: ([d(shape())], {'s': d(st.floats(-2, 2))})),
    Op('rsub_scalar', lambda m, a, s: s - a, lambda d: ([d(shape())], {'s': d(st.floats(-2, 2))})),
    Op('rdiv_scalar', lambda m, a, s: s / a, lambda d: ([d(shape())], {'s': d(st.floats(-2, 2))}), positive=True),
    Op('neg', lambda m, a: -a, unary()),
    Op('remainder', lambda m, a, b: a % b, binary(), positive=True),
    Op('fmod', lambda m, a, b: m.fmod(a, b), binary(), positive=True),
    Op('floor_divide', lambda m, a, b: a // b, binary(), positive=True, grad=False),
    Op('maximum', lambda m, a, b: m.maximum(a, b), binary()),
    Op('minimum', lambda m, a, b: m.minimum(a, b), binary()),
    Op('where', lambda m, a, b: m.where(a > 0, a, b), binary()),
    Op('clamp', lambda m, a, lo, hi: m.clamp(a, lo, hi),
       lambda d: ([d(shape())], {'lo': d(st.one_of(st.none(), st.floats(-2, 0))), 'hi': d(st.floats(0.1, 2))})),
    Op('clip_min', lambda m, a, lo: a.clip(min=lo), lambda d: ([d(shape())], {'lo': d(st.floats(-2, 2))})),
    Op('lerp', lambda m, a, b: m.lerp(a, b, 0.3), binary()),
    # unary elementwise
    Op('exp', lambda m, x: m.exp(x), unary()),
    Op('log', lambda m, x: m.log(x), unary(), domain=(0.1, 5.0)),
    Op('log1p', lambda m, x: m.log1p(x), unary(), domain=(-0.9, 5.0)),
    Op('expm1', lambda m, x: m.expm1(x), unary()),
    Op('sqrt', lambda m, x: m.sqrt(x), unary(), domain=(0.1, 5.0)),
    Op('rsqrt', lambda m, x: m.rsqrt(x), unary(), domain=(0.1, 5.0)),
    Op('sin', lambda m, x: m.sin(x), unary()),
    Op('cos', lambda m, x: m.cos(x), unary()),
    Op('tan', lambda m, x: m.tan(x), unary(), domain=(-1.2, 1.2)),
    Op('tanh', lambda m, x: m.tanh(x), unary()),
    Op('sigmoid', lambda m, x: m.sigmoid(x), unary(), domain=(-30.0, 30.0)),
    Op('relu', lambda m, x: m.relu(x), unary()),
    Op('abs', lambda m, x: m.abs(x), unary()),
    Op('sign', lambda m, x: m.sign(x), unary()),
    Op('square', lambda m, x: m.square(x), unary()),
    Op('reciprocal', lambda m, x: m.reciprocal(x), unary(), positive=True),
    Op('floor', lambda m, x: m.floor(x), unary()),
    Op('ceil', lambda m, x: m.ceil(x), unary()),
    Op('round', lambda m, x: m.round(x), unary()),
    Op('trunc', lambda m, x: m.trunc(x), unary()),
    Op('erf', lambda m, x: m.erf(x), unary()),
    Op('asin', lambda m, x: m.asin(x), unary(), domain=(-0.9, 0.9)),
    Op('atan', lambda m, x: m.atan(x), unary()),
    Op('sinh', lambda m, x: m.sinh(x), unary()),
    Op('log2', lambda m, x: m.log2(x), unary(), domain=(0.1, 5.0)),
    Op('log10', lambda m, x: m.log10(x), unary(), domain=(0.1, 5.0)),
    Op('exp2', lambda m, x: m.exp2(x), unary()),
    Op('acos', lambda m, x: m.acos(x), unary(), domain=(-0.9, 0.9)),
    Op('cosh', lambda m, x: m.cosh(x), unary()),
    Op('frac', lambda m, x: m.frac(x), unary()),
    Op('addcmul', lambda m, a, b: m.addcmul(a, a, b, value=0.5), binary()),
    Op('addcdiv', lambda m, a, b: m.addcdiv(a, a, b, value=2), binary(), positive=True),
    Op('expand_as', lambda m, a, b: a.expand_as(b + a), binary()),
    # reductions
    Op('sum', lambda m, x, dim, keepdim: x.sum(dim, keepdim=keepdim) if dim is not None else x.sum(),
       reduce(min_side=0)),
    Op('mean', lambda m, x, dim, keepdim: x.mean(dim, keepdim=keepdim) if dim is not None else x.mean(), reduce()),
    Op('prod', lambda m, x, dim, keepdim: x.prod(dim, keepdim=keepdim) if dim is not None else x.prod(),
       reduce(multi=False)),
    Op('max_dim', lambda m, x, dim, keepdim: _both(x.max(dim, keepdim=keepdim)),
       reduce(allow_none=False, multi=False)),
    Op('min_dim', lambda m, x, dim, keepdim: _both(x.min(dim, keepdim=keepdim)),
       reduce(allow_none=False, multi=False)),
    Op('max', lambda m, x: x.max(), unary()),
    Op('amax', lambda m, x, dim, keepdim: x.amax(dim if dim is not None else (), keepdim), reduce()),
    Op('amin', lambda m, x, dim, keepdim: x.amin(dim if dim is not None else (), keepdim), reduce()),
    Op('argmax', lambda m, x, dim, keepdim: x.argmax(dim, keepdim), reduce(multi=False), grad=False),
    Op('argmin', lambda m, x, dim, keepdim: x.argmin(dim, keepdim), reduce(multi=False), grad=False),
    Op('var', _var_call, with_dims(reduce(multi=True, min_dims=1), correction=lambda s: st.sampled_from([0, 1]))),
    # no ties: at (nearly) equal values std's gradient (x - mean) / (n * std) is rounding residue over a
    # rounding-sized std, set by the order the mean was summed in (torch's and NumPy's orders differ)
    Op('std', _std_call, with_dims(reduce(multi=True, min_dims=1), correction=lambda s: st.sampled_from([0, 1])),
       hard=('zero', 'inf', 'nan', 'empty')),
    Op('norm', lambda m, x, dim, keepdim, p: x.norm(p, dim, keepdim),
       with_dims(reduce(), p=lambda s: st.sampled_from([2, 1, 3, float('inf')]))),
    Op('logsumexp', lambda m, x, dim, keepdim: m.logsumexp(x, dim, keepdim), reduce(allow_none=False)),
    Op('softmax', lambda m, x, dim: m.softmax(x, dim), one_dim()),
    Op('log_softmax', lambda m, x, dim: m.log_softmax(x, dim), one_dim()),
    Op('cumsum', lambda m, x, dim: m.cumsum(x, dim), one_dim()),
    Op('cumprod', lambda m, x, dim: m.cumprod(x, dim), one_dim(), positive=True),
    Op('all', lambda m, x, dim, keepdim: (x > 0).all(dim, keepdim) if dim is not None else (x > 0).all(),
       reduce(multi=False), grad=False),
    Op('any', lambda m, x, dim, keepdim: (x > 0).any(dim, keepdim) if dim is not None else (x > 0).any(),
       reduce(multi=False), grad=False),
    # activations and normalisations (torch.nn.functional)
    Op('leaky_relu', lambda m, x: m.nn.functional.leaky_relu(x, 0.1), unary()),
    Op('elu', lambda m, x: m.nn.functional.elu(x, 1.5), unary(), hard=NO_NAN_GRAD),
    # torch's float32 gelu is NaN at +inf in its vectorised loop and inf in its scalar tail: no 'inf' drawn
    Op('gelu', lambda m, x, approximate: m.nn.functional.gelu(x, approximate=approximate),
       lambda d: ([d(shape(0, 4, 0))], {'approximate': d(st.sampled_from(['none', 'tanh']))}),
       hard=('zero', 'tie', 'nan', 'empty')),
    Op('silu', lambda m, x: m.nn.functional.silu(x), unary()),
    Op('mish', lambda m, x: m.nn.functional.mish(x), unary()),
    Op('softplus', lambda m, x, beta: m.nn.functional.softplus(x, beta, 5.0),
       lambda d: ([d(shape(0, 4, 0))], {'beta': d(st.sampled_from([1.0, 2.0]))})),
    Op('hardtanh', lambda m, x: m.nn.functional.hardtanh(x, -1.0, 0.5), unary(), hard=NO_NAN_GRAD),
    Op('relu6', lambda m, x: m.nn.functional.relu6(x), unary(), domain=(-3.0, 8.0), hard=NO_NAN_GRAD),
    Op('layer_norm', lambda m, x, w, b: m.nn.functional.layer_norm(x, x.shape[-1:], w, b),
       lambda d: (lambda sh: ([sh, sh[-1:], sh[-1:]], {}))(d(shape(1, 3, 1))), hard=('zero', 'tie', 'nan'),
       condition=NORM_CONDITION),   # known difference at an infinite weight: torch's fused backward spreads
                                    # its NaN over the whole row, our closed form keeps it at the entry
    Op('group_norm', lambda m, x: m.nn.functional.group_norm(x, 1), lambda d: ([d(shape(2, 4, 1))], {}),
       condition=NORM_CONDITION),
    Op('batch_norm', lambda m, x: m.nn.functional.batch_norm(x, None, None, training=True),
       lambda d: ([d(shape(2, 4, 1))], {}), condition=NORM_CONDITION),
    Op('normalize', lambda m, x, p: m.nn.functional.normalize(x, p, dim=-1),
       lambda d: ([d(shape(1, 3, 1))], {'p': d(st.sampled_from([1.0, 2.0, 3.0]))}), condition=NORM_CONDITION),
    Op('argsort', lambda m, x, dim, desc: x.argsort(dim, desc),
       lambda d: (lambda sh: ([sh], {'dim': d(st.integers(-len(sh), len(sh) - 1)), 'desc': d(st.booleans())}))(
           d(shape(1, 3))), grad=False),
    # torch's var_mean takes the mean from Welford's update: at +-inf it is inf or NaN by where the inf sits
    Op('var_mean', lambda m, x, dim, keepdim: _both(m.var_mean(x, dim, keepdim=keepdim)), reduce(min_dims=1),
       hard=('zero', 'tie', 'nan', 'empty')),
    # linear algebra
    Op('matmul', lambda m, a, b: a @ b, matmul_shapes, hard=VALUES),
    Op('mm', lambda m, a, b: m.mm(a, b), fixed((3, 4), (4, 2)), hard=VALUES),
    Op('bmm', lambda m, a, b: m.bmm(a, b), fixed((2, 3, 4), (2, 4, 5)), hard=VALUES),
    Op('mv', lambda m, a, b: m.mv(a, b), fixed((3, 4), (4,)), hard=VALUES),
    Op('dot', lambda m, a, b: m.dot(a, b), fixed((5,), (5,)), hard=VALUES),
    Op('outer', lambda m, a, b: m.outer(a, b), fixed((3,), (4,)), hard=VALUES),
    Op('addmm', lambda m, c, a, b, beta, alpha: m.addmm(c, a, b, beta=beta, alpha=alpha),
       lambda d: ([(3, 2), (3, 4), (4, 2)], {'beta': d(st.sampled_from([0.5, 1])), 'alpha': d(st.sampled_from([1, 2]))}),
       hard=VALUES),
    Op('einsum', lambda m, *ts, equation: m.einsum(equation, *ts), einsum_opts, hard=VALUES),
    # shape
    Op('reshape', lambda m, x, shape: x.reshape(shape), reshape_opts, hard=VALUES),
    Op('view', lambda m, x, shape: x.view(*shape), reshape_opts, hard=VALUES),
    Op('flatten', lambda m, x, s, e: x.flatten(s, e),
       lambda d: (lambda sh: ([sh], {'s': 0, 'e': d(st.integers(0, max(len(sh) - 1, 0)))}))(d(shape(1, 4)))),
    Op('unflatten', lambda m, x: x.unflatten(0, (2, -1)), fixed((4, 3)), hard=VALUES),
    Op('squeeze', lambda m, x, dim: x.squeeze(dim) if dim is not None else x.squeeze(), squeeze_opts),
    Op('unsqueeze', lambda m, x, dim: x.unsqueeze(dim),
       lambda d: (lambda sh: ([sh], {'dim': d(st.integers(-len(sh) - 1, len(sh)))}))(d(shape()))),
    Op('permute', lambda m, x, dims: x.permute(dims), with_dims(unary(), dims=perm)),
    Op('transpose', lambda m, x, a, b: x.transpose(a, b),
       with_dims(unary(min_dims=1), a=dim_of, b=dim_of)),
    Op('t', lambda m, x: x.t(), lambda d: ([d(shape(0, 2))], {})),
    Op('T', lambda m, x: x.T, lambda d: ([d(shape(0, 2))], {})),
    Op('mT', lambda m, x: x.mT, unary(min_dims=2)),
    Op('expand', lambda m, x, size: x.expand(*size), expand_opts, hard=VALUES),
    Op('repeat', lambda m, x, reps: x.repeat(*reps),
       lambda d: (lambda sh: ([sh], {'reps': tuple(d(st.lists(st.integers(1, 3), min_size=len(sh),
                                                               max_size=len(sh) + 1)))}))(d(shape(0, 3)))),
    Op('tile', lambda m, x, reps: x.tile(reps),
       lambda d: ([d(shape(0, 3))], {'reps': tuple(d(st.lists(st.integers(1, 3), min_size=1, max_size=3)))})),
    Op('flip', lambda m, x, dims: x.flip(dims),
       lambda d: (lambda sh: ([sh], {'dims': tuple(d(st.lists(st.integers(0, len(sh) - 1), unique=True,
                                                               max_size=len(sh))))}))(d(shape(1, 3)))),
    Op('roll', lambda m, x, shifts, dims: x.roll(shifts, dims),
       lambda d: (lambda sh: ([sh], {'shifts': d(st.integers(-3, 3)), 'dims': d(st.integers(0, len(sh) - 1))}))(
           d(shape(1, 3)))),
    Op('cat', lambda m, *ts, dim: m.cat(ts, dim), cat_shapes, hard=VALUES),
    Op('stack', lambda m, *ts, dim: m.stack(ts, dim), stack_shapes, hard=VALUES),
    Op('split', lambda m, x, dim, size: x.split(size, dim), split_opts),
    Op('chunk', lambda m, x, dim, size: x.chunk(size, dim), split_opts),
    Op('unbind', lambda m, x, dim: x.unbind(dim), one_dim()),
    Op('narrow', lambda m, x: x.narrow(1, 1, 2), fixed((3, 4, 2)), hard=VALUES),
    Op('clone', lambda m, x: x.clone(), unary()),
    Op('contiguous', lambda m, x: x.t().contiguous(), lambda d: ([d(shape(2, 2))], {})),
    Op('tril', lambda m, x, diagonal: x.tril(diagonal), square_last),
    Op('triu', lambda m, x, diagonal: x.triu(diagonal), square_last),
    Op('diag', lambda m, x, diagonal: m.diag(x, diagonal),
       lambda d: ([d(shape(1, 2, 1))], {'diagonal': d(st.integers(-1, 1))})),
    # indexing
    Op('getitem', lambda m, x, index: x[index], index_opts, hard=VALUES),
    Op('getitem_mask', lambda m, x, mask: x[mask], lambda d: ([d(shape(1, 3))], {}), index_inputs=mask_for),
    Op('getitem_rows', lambda m, x: x[range(3), [0, 2, 1]], fixed((3, 4)), hard=VALUES),
    Op('gather', lambda m, x, idx, dim: x.gather(dim, idx), one_dim(), index_inputs=gather_index, hard=VALUES),
    Op('scatter', lambda m, x, src, idx, dim: x.scatter(dim, idx, src[tuple(slice(0, n) for n in idx.shape)]),
       lambda d: (lambda sh: ([sh, sh], {'dim': d(st.integers(0, len(sh) - 1))}))(d(shape(1, 3))),
       index_inputs=scatter_index, hard=VALUES),
    Op('scatter_add', lambda m, x, src, idx, dim: x.scatter_add(dim, idx, src),
       lambda d: (lambda sh: ([sh, sh], {'dim': d(st.integers(0, len(sh) - 1))}))(d(shape(1, 3))),
       index_inputs=lambda shapes, opts, rng: [rng.integers(0, shapes[0][opts['dim']], shapes[0])], hard=VALUES),
    Op('index_select', lambda m, x, idx, dim: x.index_select(dim, idx),
       lambda d: (lambda sh: ([sh], {'dim': d(st.integers(0, len(sh) - 1))}))(d(shape(1, 3))),
       index_inputs=select_index, hard=VALUES),
    Op('masked_fill', lambda m, x, mask: x.masked_fill(mask, -1.5), unary(min_dims=1), index_inputs=mask_for),
    Op('masked_select', lambda m, x, mask: x.masked_select(mask), unary(min_dims=1), index_inputs=mask_for),
    Op('sort', lambda m, x, dim, desc: _both(x.sort(dim, desc)),
       lambda d: (lambda sh: ([sh], {'dim': d(st.integers(-len(sh), len(sh) - 1)), 'desc': d(st.booleans())}))(
           d(shape(1, 3)))),
    # which of several equal values topk returns is up to the selection algorithm (torch's nth_element), so
    # the row with indices and gradients draws no ties (zeros, infinities and NaNs repeat); the values row does
    Op('topk', lambda m, x: _both(x.topk(2, -1)), lambda d: ([d(shape(1, 3, 2))], {}), hard=('empty',)),
    Op('topk_values', lambda m, x, largest: x.topk(2, -1, largest).values,
       lambda d: ([d(shape(1, 3, 2))], {'largest': d(st.booleans())}), grad=False),
    # ---- issue 8 (views): scatter/index writes and as_strided (strategies in view_specs.py)
    # (their options depend on the sizes, so hard values only: VALUES)
    Op('scatter_reduce', lambda m, x, src, idx, dim, reduce, include_self:
       x.scatter_reduce(dim, idx, src, reduce, include_self=include_self),
       # no zeros here: torch refuses the double backward when >1 zeros meet at one position (zeros are tested
       # first-order in tests/test_scatter_index.py)
       vs.scatter_reduce_opts, index_inputs=vs.scatter_reduce_index, hard=('tie', 'inf', 'nan')),
    Op('scatter_value', lambda m, x, idx, dim: x.scatter(dim, idx, -0.5),
       lambda d: (lambda sh: ([sh], {'dim': d(st.integers(0, len(sh) - 1))}))(d(shape(1, 3))),
       index_inputs=lambda shapes, opts, rng: [rng.integers(0, shapes[0][opts['dim']], shapes[0])], hard=VALUES),
    Op('index_add', lambda m, x, src, idx, dim, alpha: x.index_add(dim, idx, src, alpha=alpha),
       with_dims(vs.index_source_opts, alpha=lambda s: st.sampled_from([1, -2.5])), index_inputs=vs.repeated_indices, hard=VALUES),
    Op('index_copy', lambda m, x, src, idx, dim: x.index_copy(dim, idx, src), vs.index_copy_opts,
       index_inputs=vs.unique_indices, hard=VALUES),
    Op('index_fill', lambda m, x, v, idx, dim: (x.index_fill(dim, idx, -1.5), x.index_fill(dim, idx, v)),
       vs.index_fill_opts, index_inputs=vs.fill_indices, hard=VALUES),
    Op('index_put', lambda m, x, v, *idx, k, n, accumulate: x.index_put(idx, v, accumulate=accumulate),
       vs.index_put_opts, index_inputs=vs.put_indices, hard=VALUES),
    Op('as_strided', lambda m, x, size, stride, offset: x.as_strided(size, stride, offset), vs.as_strided_opts, hard=VALUES),
    Op('as_strided_fn', lambda m, x, size, stride, offset: m.as_strided(x * 2, size, stride, offset),
       vs.as_strided_opts, hard=VALUES),
]
