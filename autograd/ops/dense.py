"""Fused layer ops of torch.nn.functional: linear, embedding, dropout, constant padding.

Each backward has a fast path on raw arrays and, when a graph of the backward is being recorded
(create_graph=True), a path in Tensor ops so that gradients can be differentiated again.
"""
from .. import backend, grad_mode, random
from ..function import Function
from ..tensor import wrap


_LINEAR_NODE_NAMES = {(1, True): 'ViewBackward0', (1, False): 'SqueezeBackward4', (2, True): 'AddmmBackward0',
                      (2, False): 'MmBackward0', (3, True): 'ViewBackward0', (3, False): 'UnsafeViewBackward0'}


class Linear(Function):
    """y = x @ weight.T + bias for x (*, in), weight (out, in), bias (out,) as one node: torch's
    addmm(bias, x, weight.t()) (mm without bias), with its edges in torch's order, (bias, x, weight) or
    (x, weight); torch has a TBackward0 node between the weight and the addmm, this node reads the weight itself.

    backward: dbias = g2.sum(0), dx = g @ weight, dweight = g2.T @ x2, with g2, x2 the 2-D views."""

    def name(self):
        return self.node_name

    @staticmethod
    def aten_shapes(inputs):
        """The input shapes the profiler records: torch's aten::linear(input, weight, bias) order."""
        return [list(t.shape) for t in inputs[-2:]] + ([list(inputs[0].shape)] if len(inputs) == 3 else [])

    def forward(self, *inputs):
        x, weight = inputs[-2:]
        bias = inputs[0] if len(inputs) == 3 else None
        # torch's grad_fn depends on the path its linear takes: addmm, mm, or a view around a matmul
        self.node_name = _LINEAR_NODE_NAMES[min(x.array.ndim, 3), bias is not None]
        self.save_for_backward(x, weight)
        return linear_array(x.array, weight.array, bias.array if bias is not None else None)

    def backward(self, grad):
        x, weight = self.saved_tensors
        needs = self.needs_input_grad
        has_bias = len(needs) == 3
        need_b, need_x, need_w = needs if has_bias else (False,) + tuple(needs)
        n_out, n_in = weight.shape
        if grad_mode.state.enabled:
            g2 = grad.reshape(-1, n_out)
            dx = grad.matmul(weight) if need_x else None
            dw = g2.t().mm(x.reshape(-1, n_in)) if need_w else None
            db = g2.sum(0) if need_b else None
        else:
            g = grad.array
            g2 = g.reshape(-1, n_out)
            dx = wrap((g2 @ weight.array).reshape(x.shape)) if need_x else None   # 2-D: see linear_array
            dw = wrap(g2.T @ x.array.reshape(-1, n_in)) if need_w else None
            db = wrap(g2.sum(axis=0)) if need_b else None
        return (db, dx, dw) if has_bias else (dx, dw)


SMALL_BATCH = 128   # measured crossover of the two product orientations below (OpenBLAS, float32)


def linear_array(x, w, b):
    """x @ w.T + b. For a small 2-D batch OpenBLAS is faster on (w @ x.T).T, a transposed view that the bias
    add then writes back as rows (64x784 by 512x784 with bias: 426 us against 471 us); for larger batches
    x @ w.T is (256 rows: 1.35 ms against 1.51 ms)."""
    xp = backend.array_module(x)
    if x.ndim > 2:   # NumPy multiplies a stack matrix by matrix (35x20x200 by 200x10000: 205 ms); as 2-D, BLAS: 45 ms
        return linear_array(x.reshape(-1, x.shape[-1]), w, b).reshape(*x.shape[:-1], w.shape[0])
    if x.ndim == 2 and x.shape[0] <= SMALL_BATCH and xp is backend.numpy:
        columns = (w @ x.T).T
        return xp.add(columns, b, order='C') if b is not None else xp.ascontiguousarray(columns)
    out = x @ w.T
    if b is not None:
        out += b
    return out


class Embedding(Function):
    """weight[indices]; the weight's gradient sums the rows of grad by index, except padding_idx's row."""

    def name(self):
        return 'EmbeddingBackward0'

    def forward(self, weight, indices, padding_idx):
        self.save_for_backward(indices)
        self.weight_shape, self.padding_idx = weight.shape, padding_idx
        return weight.array[indices.array]

    def backward(self, grad):
        indices, = self.saved_tensors
        rows, dim = self.weight_shape
        flat_idx = indices.reshape(-1)
        if grad_mode.state.enabled:
            g2 = grad.reshape(-1, dim)
            if self.padding_idx is not None:
                g2 = g2 * (flat_idx != self.padding_idx).unsqueeze(1)
            dw = g2.new_zeros(rows, dim).scatter_add(0, flat_idx.unsqueeze(1).expand(-1, dim), g2)
            return dw, None
        xp = backend.array_module(grad.array)
        dw = xp.zeros((rows, dim), dtype=grad.array.dtype)
        backend.add_at(dw, flat_idx.array, grad.array.reshape(-1, dim))
        if self.padding_idx is not None:
            dw[self.padding_idx] = 0
        return wrap(dw), None


class Dropout(Function):
    """x * mask, mask = bernoulli(1 - p) / (1 - p), drawn in mask_shape (x's shape, or (N, C, 1, ...)
    for channel dropout) and broadcast over x."""

    def name(self):
        return 'MulBackward0'

    def forward(self, x, p, mask_shape, generator):
        xp = backend.array_module(x.array)
        keep = xp.empty(mask_shape, dtype=x.array.dtype)
        random.fill_bernoulli(keep, 1 - p, generator)
        if p < 1:
            keep *= 1 / (1 - p)
        self.mask = keep
        return x.array * keep

    def backward(self, grad):
        if grad_mode.state.enabled:
            return grad * wrap(self.mask)
        return wrap(grad.array * self.mask)


class ConstantPad(Function):
    """Pad (or, with negative amounts, crop) each dim by (before, after) with a constant value."""

    def name(self):
        return 'ConstantPadNdBackward0'

    def forward(self, x, widths, value):
        a = x.array
        xp = backend.array_module(a)
        self.in_shape = a.shape
        crop = tuple(slice(max(-lo, 0), a.shape[d] - max(-hi, 0)) for d, (lo, hi) in enumerate(widths))
        a = a[crop]
        out = xp.full(tuple(s + max(lo, 0) + max(hi, 0) for s, (lo, hi) in zip(a.shape, widths)), value,
                      dtype=a.dtype)
        self.inner = tuple(slice(max(lo, 0), max(lo, 0) + s) for s, (lo, hi) in zip(a.shape, widths))
        self.crop = crop
        out[self.inner] = a
        return out

    def backward(self, grad):
        inner = grad[self.inner] if grad_mode.state.enabled else wrap(grad.array[self.inner])
        if all(c.start == 0 and c.stop == s for c, s in zip(self.crop, self.in_shape)):
            return inner
        widths = tuple((c.start, s - c.stop) for c, s in zip(self.crop, self.in_shape))
        return ConstantPad.apply(inner, widths=widths, value=0)   # cropped-away entries get zero gradient
