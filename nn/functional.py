"""torch.nn.functional: stateless layer functions. The Functions behind them live in autograd/ops/
(activation, normalization, dense); conv, pooling and loss functions are re-exported from their modules."""
import math
import numbers
import warnings

from autograd import backend, dtypes
from autograd.ops import activation as _act
from autograd.ops.conv import conv1d, conv2d, conv_transpose1d, conv_transpose2d, fold, unfold  # noqa: F401
from autograd.ops.dense import ConstantPad, Dropout, Embedding, Linear
from autograd.ops.loss import (binary_cross_entropy, binary_cross_entropy_with_logits,  # noqa: F401
                               cross_entropy, huber_loss, kl_div, l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from autograd.ops.normalization import Normalize
from autograd.ops.pooling import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool1d,  # noqa: F401
                                  avg_pool2d, max_pool1d, max_pool2d, max_unpool2d)
from autograd.tensor import wrap


# ---- linear layers ---------------------------------------------------------------------------------
def linear(input, weight, bias=None):
    """input (*, in) @ weight.T (out, in) + bias (out,), as one fused op."""
    if input.shape[-1] != weight.shape[-1]:
        rows = input.numel() // input.shape[-1] if input.shape[-1] else 0
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
                           f"{weight.shape[-1]}x{weight.shape[0]}) in linear: the input's last dimension "
                           f"must equal in_features={weight.shape[-1]}")
    if input.array.dtype != weight.array.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: {_c_name(input)} != "
                           f"{_c_name(weight)} (linear: convert the input with .to({weight.dtype}) or the "
                           "layer with .to(dtype))")
    if bias is None:
        return Linear.apply(input, weight)
    if bias.shape != (weight.shape[0],) and bias.numel() != 1:
        raise RuntimeError(f"linear: bias of shape {list(bias.shape)} does not match out_features="
                           f"{weight.shape[0]}; pass a bias of shape [{weight.shape[0]}]")
    return Linear.apply(bias, input, weight)   # torch's addmm order of edges


def _c_name(t):
    return {'float32': 'float', 'float64': 'double', 'float16': 'c10::Half'}.get(t.dtype.name, t.dtype.name)


def bilinear(input1, input2, weight, bias=None):
    """y[..., o] = sum_ij input1[..., i] weight[o, i, j] input2[..., j] + bias[o]."""
    n_out, n1, n2 = weight.shape
    for k, (x, n) in enumerate(((input1, n1), (input2, n2)), 1):
        if x.shape[-1] != n:
            raise RuntimeError(f"bilinear(): input{k} size does not match weight size: got {x.shape[-1]} "
                               f"but expected {n}")
    x1, x2 = input1.reshape(-1, n1), input2.reshape(-1, n2)
    tmp = x1.mm(weight.permute(1, 0, 2).reshape(n1, n_out * n2)).reshape(-1, n_out, n2)
    y = (tmp * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        y = y + bias
    return y.reshape(*input1.shape[:-1], n_out)


# ---- activations -----------------------------------------------------------------------------------
def _activate(fn, input, inplace, **options):
    if inplace:
        return input._inplace(lambda t: fn.apply(t, **options))
    return fn.apply(input, **options)


def relu(input, inplace=False):
    return _activate(_act.ReLU, input, inplace)


def relu_(input):
    return relu(input, inplace=True)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    if min_val > max_val:
        raise ValueError("min_val cannot be greater than max_val")
    return _activate(_act.Hardtanh, input, inplace, min_val=min_val, max_val=max_val)


def relu6(input, inplace=False):
    return hardtanh(input, 0.0, 6.0, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _activate(_act.LeakyReLU, input, inplace, negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return _activate(_act.ELU, input, inplace, alpha=alpha)


def gelu(input, approximate='none'):
    if approximate not in ('none', 'tanh'):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _act.GELU.apply(input, approximate=approximate)


def silu(input, inplace=False):
    return _activate(_act.SiLU, input, inplace)


def mish(input, inplace=False):
    return _activate(_act.Mish, input, inplace)


def sigmoid(input):
    return _act.Sigmoid.apply(input)


def tanh(input):
    return _act.Tanh.apply(input)


def softplus(input, beta=1.0, threshold=20.0):
    return _act.Softplus.apply(input, beta=beta, threshold=threshold)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
                  "dim=X as an argument.", stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim('softmax', input.ndim, _stacklevel)
    return input.softmax(dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    if dim is None:
        dim = _softmax_dim('log_softmax', input.ndim, _stacklevel)
    return input.log_softmax(dim, dtype=dtype)


# ---- dropout ---------------------------------------------------------------------------------------
def _dropout(input, p, training, inplace, mask_shape):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    return _activate(Dropout, input, inplace, p=p, mask_shape=mask_shape, generator=None)


def dropout(input, p=0.5, training=True, inplace=False):
    return _dropout(input, p, training, inplace, tuple(input.shape))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels: one draw per (N, C), broadcast over the spatial dims (3-D input: per (N, C))."""
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in (3, 4):
        warnings.warn(f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will "
                      "result in an error in a future release. To retain the behavior and silence this "
                      "warning, please use dropout instead. Note that dropout2d exists to provide channel-wise "
                      "dropout on inputs with 2 spatial dimensions, a channel dimension, and an optional batch "
                      "dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout "
                      "behavior is desired - input is interpreted as shape (N, C, L), where C is the channel dim. "
                      "This behavior will change in a future release to interpret the input as one without a "
                      "batch dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise dropout behavior, "
                      "please switch to using dropout1d instead.", stacklevel=2)
    mask_shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
    return _dropout(input, p, training, inplace, mask_shape)


# ---- normalization ---------------------------------------------------------------------------------
def _affine(weight, bias):
    """() when there is no affine transform, else (weight, bias) with a constant standing in for a None."""
    if weight is None and bias is None:
        return ()
    like = weight if weight is not None else bias
    xp = backend.array_module(like.array)
    if weight is None:
        weight = wrap(xp.ones(like.shape, dtype=like.array.dtype))
    if bias is None:
        bias = wrap(xp.zeros(like.shape, dtype=like.array.dtype))
    return weight, bias


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-05):
    """Normalize each channel (dim 1) over the batch and spatial dims; in training, update the running
    statistics in place (running = (1 - momentum) * running + momentum * batch, variance unbiased)."""
    if input.ndim < 2:
        raise ValueError(f"batch_norm: expected an input of shape (N, C, ...) but got {list(input.shape)}")
    channels = input.shape[1]
    if training:
        size = input.shape
        if math.prod(size[:1] + size[2:]) == 1:   # torch counts N * spatial, so also with 0 channels
            raise ValueError(f"Expected more than 1 value per channel when training, got input size {size}")
    for name, t in (('running_mean', running_mean), ('running_var', running_var), ('weight', weight),
                    ('bias', bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    axes = (0,) + tuple(range(2, input.ndim))
    param_shape = (1, channels) + (1,) * (input.ndim - 2)
    if input.numel() == 0:   # torch returns a copy (CloneBackward0), scaled and shifted when affine
        out = input.clone()
        if weight is not None:
            out = out * weight.reshape(param_shape)
        return out + bias.reshape(param_shape) if bias is not None else out
    stats = running = None
    if training:
        if running_mean is not None or running_var is not None:
            running = (running_mean.array if running_mean is not None else None,
                       running_var.array if running_var is not None else None, momentum)
    else:
        if running_mean is None or running_var is None:
            raise RuntimeError("batch_norm: running_mean and running_var must be defined in evaluation mode "
                               "(pass training=True to use the batch statistics)")
        stats = (running_mean.array.reshape(param_shape), running_var.array.reshape(param_shape))
    return Normalize.apply(input, *_affine(weight, bias), axes=axes, param_shape=param_shape, eps=eps,
                           stats=stats, running=running, node_name='NativeBatchNormBackward0')


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-05):
    """Normalize over the last len(normalized_shape) dims of each sample."""
    shape = (normalized_shape,) if isinstance(normalized_shape, numbers.Integral) else tuple(normalized_shape)
    k = len(shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != shape:
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"[*, {', '.join(str(s) for s in shape)}], but got input of size{list(input.shape)}")
    axes = tuple(range(input.ndim - k, input.ndim))
    return Normalize.apply(input, *_affine(weight, bias), axes=axes, param_shape=shape, eps=eps,
                           node_name='NativeLayerNormBackward0')


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-05):
    """Normalize each of num_groups groups of channels of each sample; per-channel affine."""
    if input.ndim < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received {input.ndim}")
    n, c = input.shape[0], input.shape[1]
    if (n * c // num_groups) * (input.numel() // (n * c) if n * c else 0) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{[n * c // num_groups, num_groups] + list(input.shape[2:])}")
    if c % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, but got "
                           f"input of shape {list(input.shape)} and num_groups={num_groups}")
    work_shape = (n, num_groups, c // num_groups, input.numel() // (n * c) if n * c else 0)
    return Normalize.apply(input, *_affine(weight, bias), axes=(2, 3), eps=eps, work_shape=work_shape,
                           param_shape=(1, num_groups, c // num_groups, 1), node_name='NativeGroupNormBackward0')


# ---- embeddings and encodings ----------------------------------------------------------------------
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False,
              sparse=False):
    """The rows of weight picked by the integer tensor input: shape input.shape + (embedding_dim,)."""
    if input.array.dtype.kind not in 'iu':
        raise RuntimeError("Expected tensor for argument #1 'indices' to have one of the following scalar "
                           f"types: Long, Int; but got {input.type()} instead (while checking arguments for "
                           "embedding)")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse gradients are not supported; "
                                  "use the defaults (False)")
    rows = weight.shape[0]
    if padding_idx is not None:
        if not -rows <= padding_idx < rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
        padding_idx %= rows
    idx = input.array
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= rows):
        raise IndexError(f"index out of range in self (embedding: indices must lie in [0, {rows - 1}], got "
                         f"min {int(idx.min())}, max {int(idx.max())})")
    if max_norm is not None:
        _embedding_renorm(weight, idx, max_norm, norm_type)
    return Embedding.apply(weight, input, padding_idx=padding_idx)


def _embedding_renorm(weight, idx, max_norm, norm_type):
    """Rescale, in place and untracked, the referenced rows whose norm exceeds max_norm (torch.embedding_renorm_)."""
    xp = backend.array_module(weight.array)
    rows = xp.unique(idx)
    norms = xp.linalg.norm(weight.array[rows], ord=norm_type, axis=1)
    scale = xp.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0).astype(weight.array.dtype)
    weight.array[rows] *= scale[:, None]


def one_hot(tensor, num_classes=-1):
    """int64 tensor of shape tensor.shape + (num_classes,) with a 1 at each class index."""
    if tensor.array.dtype != dtypes.int64.numpy_dtype:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    a = tensor.array
    xp = backend.array_module(a)
    if a.size and int(a.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if not a.size:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = int(a.max()) + 1
    elif a.size and int(a.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    return wrap((a[..., None] == xp.arange(num_classes)).astype(xp.int64))


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p along dim, eps)."""
    denom = input.norm(p, dim, keepdim=True).clamp(min=eps).expand_as(input)
    return input / denom


def pad(input, pad, mode='constant', value=None):
    """pad = (last_lo, last_hi, second_last_lo, ...): amounts per dim from the last one backwards.

    mode: 'constant' (value, default 0; negative amounts crop), 'reflect', 'replicate', 'circular'."""
    if len(pad) % 2:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError(f"Padding length should be less than or equal to two times the input dimension but "
                           f"got padding length {len(pad)} and input of dimension {input.ndim}")
    widths = [(0, 0)] * input.ndim
    for i in range(len(pad) // 2):
        widths[input.ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    if mode == 'constant':
        return ConstantPad.apply(input, widths=tuple(widths), value=0 if value is None else value)
    if mode not in ('reflect', 'replicate', 'circular'):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if not (len(pad) in (2, 4, 6) and len(pad) // 2 + 1 <= input.ndim <= len(pad) // 2 + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    out = input
    for d, (lo, hi) in enumerate(widths):
        if lo or hi:
            out = out.index_select(d, wrap(_pad_index(mode, input.shape[d], lo, hi, d, input, pad,
                                                      backend.array_module(input.array))))
    return out


def _pad_index(mode, n, lo, hi, d, input, pad, xp):
    """For each output position along one dim, the input position it copies."""
    j = xp.arange(-lo, n + hi)
    if mode == 'reflect':
        if lo >= n or hi >= n:
            raise RuntimeError(f"Argument #4: Padding size should be less than the corresponding input "
                               f"dimension, but got: padding ({lo}, {hi}) at dimension {d} of input "
                               f"{list(input.shape)}")
        j = xp.abs(j)
        j = xp.where(j >= n, 2 * (n - 1) - j, j)
    elif mode == 'replicate':
        j = xp.clip(j, 0, n - 1)
    else:
        if lo > n or hi > n:
            raise RuntimeError("Padding value causes wrapping around more than once.")
        j = j % n
    return j.astype(xp.int64)



# ---- issue 11 (helper nnlayers): functional forms kept in their own modules --------------------------
from .f_activation import (alpha_dropout, celu, celu_, dropout1d, dropout3d,  # noqa: E402,F401
                           feature_alpha_dropout, glu, hardshrink, hardsigmoid, hardswish, logsigmoid, prelu,
                           rrelu, rrelu_, selu, selu_, softmin, softshrink, softsign, tanhshrink, threshold,
                           threshold_)
from .f_conv3d import conv3d, conv_transpose3d  # noqa: E402,F401
from .f_loss import (cosine_embedding_loss, cosine_similarity, ctc_loss,  # noqa: E402,F401
                     gaussian_nll_loss, hinge_embedding_loss, margin_ranking_loss, multi_margin_loss,
                     multilabel_margin_loss, multilabel_soft_margin_loss, pairwise_distance, pdist,
                     poisson_nll_loss, soft_margin_loss, triplet_margin_loss, triplet_margin_with_distance_loss)
from .f_norm import instance_norm, local_response_norm, rms_norm  # noqa: E402,F401
from .f_pool3d import (adaptive_avg_pool3d, adaptive_max_pool3d, avg_pool3d,  # noqa: E402,F401
                       fractional_max_pool2d, lp_pool1d, lp_pool2d, lp_pool3d, max_pool3d, max_unpool1d)
from .f_resample import (affine_grid, channel_shuffle, grid_sample, interpolate,  # noqa: E402,F401
                         native_channel_shuffle, pixel_shuffle, pixel_unshuffle, upsample, upsample_bilinear,
                         upsample_nearest)
# sequence models (issue 9): attention and bags of embeddings live in their own modules
from .attention import multi_head_attention_forward, scaled_dot_product_attention  # noqa: F401,E402
from .embedding_bag import embedding_bag  # noqa: F401,E402
# ---- distances (issue 10; code in autograd/ops/api_shape.py) ----------------------------------------------
from autograd.ops.api_shape import cosine_similarity, pairwise_distance, pdist  # noqa: E402,F401
