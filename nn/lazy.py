"""Lazy modules: LazyLinear, LazyConv1d/2d/3d, LazyConvTranspose1d/2d/3d, LazyBatchNorm1d/2d/3d,
LazyInstanceNorm1d/2d/3d. Their parameters are UninitializedParameter (buffers UninitializedBuffer) until the
first forward, which reads the input size, materialises and initialises them as the eager layer would, and
turns the module into that layer (LazyLinear becomes a Linear), as torch's LazyModuleMixin."""
from autograd.creation import empty, tensor
from autograd import dtypes
from autograd.grad_mode import no_grad
from autograd.tensor import Tensor

from .conv import Conv1d, Conv2d, ConvTranspose2d
from .conv_pool_extra import Conv3d, ConvTranspose1d, ConvTranspose3d
from .linear import Linear
from .norm_extra import BatchNorm3d, InstanceNorm1d, InstanceNorm2d, InstanceNorm3d
from .normalization import BatchNorm1d, BatchNorm2d
from .parameter import Parameter

__all__ = ['UninitializedParameter', 'UninitializedBuffer', 'LazyModuleMixin', 'LazyLinear', 'LazyConv1d',
           'LazyConv2d', 'LazyConv3d', 'LazyConvTranspose1d', 'LazyConvTranspose2d', 'LazyConvTranspose3d',
           'LazyBatchNorm1d', 'LazyBatchNorm2d', 'LazyBatchNorm3d', 'LazyInstanceNorm1d', 'LazyInstanceNorm2d',
           'LazyInstanceNorm3d']


class _Uninitialized:
    __slots__ = ()   # no __dict__ of its own, so materialize can switch __class__ to the plain type
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Give the tensor its shape (uninitialised memory, to be filled by reset_parameters)."""
        made = empty(shape, dtype=dtype if dtype is not None else _dtype_of(self.array), device=device)
        self.array = made.array
        self._vc[0] += 1
        self.__class__ = self.cls_to_become

    def __repr__(self):
        return f"<{type(self).__name__}>"

    __str__ = __repr__

    @property
    def shape(self):
        raise RuntimeError("Can't access the shape of an uninitialized parameter or buffer. This error usually "
                           "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
                           "initialized one. Call `forward` to initialize the parameters before accessing their "
                           "attributes.")


def _dtype_of(array):
    from autograd.tensor import wrap
    return wrap(array).dtype


class UninitializedParameter(_Uninitialized, Parameter):
    """A Parameter without a shape yet; materialize(shape) makes it a Parameter."""
    __slots__ = ()
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        return Parameter.__new__(cls, empty(0, device=device, dtype=dtype), requires_grad)

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass

    def __deepcopy__(self, memo):
        result = type(self)(self.requires_grad, dtype=self.dtype)
        memo[id(self)] = result
        return result


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer without a shape yet; materialize(shape) makes it a Tensor."""
    __slots__ = ()
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None):
        base = empty(0, device=device, dtype=dtype)
        b = Tensor.__new__(cls)
        for slot in ('_grad', 'grad_fn', '_hooks', '_accumulator', '_base'):
            setattr(b, slot, None)
        b.array, b.requires_grad, b._vc, b._retains_grad = base.array, requires_grad, base._vc, False
        return b

    def __init__(self, requires_grad=False, device=None, dtype=None):
        pass


def _is_lazy(t):
    return isinstance(t, _Uninitialized)


class LazyModuleMixin:
    """Mixed in before the eager layer: a forward pre-hook infers the shapes on the first call."""
    cls_to_become = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lazy_setup()

    def _lazy_setup(self):
        self._initialize_hook = self.register_forward_pre_hook(self._infer_parameters, with_kwargs=True)
        self._load_hook = self._register_load_state_dict_pre_hook(self._lazy_load_hook)

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        """Uninitialized tensors are saved as themselves (torch's), the others detached."""
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if _is_lazy(param) or keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if _is_lazy(buf) or keep_vars else buf.detach()

    def _lazy_load_hook(self, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys,
                        error_msgs):
        """Loading a checkpoint materialises the uninitialized tensors at the checkpoint's shapes."""
        for name, t in list(self._parameters.items()) + list(self._buffers.items()):
            key = prefix + name
            if key in state_dict and t is not None and _is_lazy(t):
                value = state_dict[key]
                if not _is_lazy(value):
                    with no_grad():
                        t.materialize(tuple(value.shape))

    def has_uninitialized_params(self):
        tensors = list(self._parameters.values()) + list(self._buffers.values())
        return any(_is_lazy(t) for t in tensors if t is not None)

    def _infer_parameters(self, module, args, kwargs=None):
        module.initialize_parameters(*args, **(kwargs or {}))
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {self._get_name()} has not been fully initialized")
        module._initialize_hook.remove()
        module._load_hook.remove()
        del module._initialize_hook, module._load_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


def _kwargs(self):
    p = next((t for t in self._parameters.values() if t is not None), None)
    return dict(dtype=p.dtype) if p is not None else {}


class LazyLinear(LazyModuleMixin, Linear):
    """Linear whose in_features is input.shape[-1] at the first call."""
    cls_to_become = Linear

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__(0, 0, False)
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_features = out_features
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            with no_grad():
                self.in_features = input.shape[-1]
                self.weight.materialize((self.out_features, self.in_features))
                if self.bias is not None:
                    self.bias.materialize((self.out_features,))
                self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    _spatial = 2

    def _lazy_init(self, out_channels, bias, device, dtype):
        self.weight = UninitializedParameter(device=device, dtype=dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self.in_channels = input.shape[0] if input.dim() == self._spatial + 1 else input.shape[1]
            if self.in_channels % self.groups != 0:
                raise ValueError("in_channels must be divisible by groups")
            if self.transposed:
                shape = (self.in_channels, self.out_channels // self.groups, *self.kernel_size)
            else:
                shape = (self.out_channels, self.in_channels // self.groups, *self.kernel_size)
            with no_grad():
                self.weight.materialize(shape)
                if self.bias is not None:
                    self.bias.materialize((self.out_channels,))
                self.reset_parameters()


def _lazy_conv(name, eager, spatial, transposed):
    if transposed:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True,
                     dilation=1, padding_mode='zeros', device=None, dtype=None):
            eager.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups, False, dilation,
                           padding_mode)
            self._lazy_setup()
            self._lazy_init(out_channels, bias, device, dtype)
    else:
        def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                     padding_mode='zeros', device=None, dtype=None):
            eager.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode)
            self._lazy_setup()
            self._lazy_init(out_channels, bias, device, dtype)
    return type(name, (_LazyConvMixin, eager), {'__init__': __init__, 'cls_to_become': eager, '_spatial': spatial,
                                                 '__module__': __name__, '__doc__': f"{eager.__name__} whose "
                                                 "in_channels is read from the first input."})


LazyConv1d = _lazy_conv('LazyConv1d', Conv1d, 1, False)
LazyConv2d = _lazy_conv('LazyConv2d', Conv2d, 2, False)
LazyConv3d = _lazy_conv('LazyConv3d', Conv3d, 3, False)
LazyConvTranspose1d = _lazy_conv('LazyConvTranspose1d', ConvTranspose1d, 1, True)
LazyConvTranspose2d = _lazy_conv('LazyConvTranspose2d', ConvTranspose2d, 2, True)
LazyConvTranspose3d = _lazy_conv('LazyConvTranspose3d', ConvTranspose3d, 3, True)


class _LazyNormMixin(LazyModuleMixin):
    def _lazy_init(self, affine, track_running_stats, device, dtype):
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype)
            self.bias = UninitializedParameter(device=device, dtype=dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=dtypes.int64, device=device)

    def reset_parameters(self):
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input, *args, **kwargs):
        if self.has_uninitialized_params():
            self.num_features = input.shape[1]   # torch's: also for an unbatched instance-norm input
            with no_grad():
                if self.affine:
                    self.weight.materialize((self.num_features,))
                    self.bias.materialize((self.num_features,))
                if self.track_running_stats:
                    self.running_mean.materialize((self.num_features,))
                    self.running_var.materialize((self.num_features,))
                self.reset_parameters()


def _lazy_norm(name, eager):
    # torch's _LazyNormBase defaults are affine=True, track_running_stats=True, also for the instance norms
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        eager.__init__(self, 0, eps, momentum, False, False)
        self.affine, self.track_running_stats = affine, track_running_stats
        self._lazy_setup()
        self._lazy_init(affine, track_running_stats, device, dtype)
    return type(name, (_LazyNormMixin, eager), {'__init__': __init__, 'cls_to_become': eager,
                                                 '__module__': __name__, '__doc__': f"{eager.__name__} whose "
                                                 "num_features is read from the first input."})


LazyBatchNorm1d = _lazy_norm('LazyBatchNorm1d', BatchNorm1d)
LazyBatchNorm2d = _lazy_norm('LazyBatchNorm2d', BatchNorm2d)
LazyBatchNorm3d = _lazy_norm('LazyBatchNorm3d', BatchNorm3d)
LazyInstanceNorm1d = _lazy_norm('LazyInstanceNorm1d', InstanceNorm1d)
LazyInstanceNorm2d = _lazy_norm('LazyInstanceNorm2d', InstanceNorm2d)
LazyInstanceNorm3d = _lazy_norm('LazyInstanceNorm3d', InstanceNorm3d)

