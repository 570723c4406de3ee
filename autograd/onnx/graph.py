"""The ONNX graph under construction: value names for tensors, initializers for constants, nodes."""
import numpy as np

from .. import backend


class UnsupportedOperatorError(RuntimeError):
    """An op of the traced forward has no ONNX mapping (torch.onnx raises its own
    UnsupportedOperatorError the same way)."""


class Graph:
    def __init__(self, onnx, opset, fold, param_names, param_arrays=None):
        self.onnx, self.helper = onnx, onnx.helper
        self.opset, self.fold = opset, fold
        self.nodes, self.initializers = [], []
        self.names = {}          # id(tensor) -> value name
        self.arrays = {}         # id(tensor.array) -> value name
        self.constants = set()   # value names that are initializers (foldable)
        self.keep = []           # tensors whose ids are in self.names, kept alive
        self.param_names = param_names   # id(tensor) -> state_dict name
        self.param_arrays = param_arrays or {}   # id(array) -> state_dict name, for arrays passed as options
        self._used = set()
        self._counts = {}

    # ---- names ----
    def fresh(self, hint):
        n = self._counts.get(hint, 0)
        while True:
            name = hint if n == 0 and hint not in self._used else f"{hint}_{n}"
            n += 1
            if name not in self._used:
                self._counts[hint] = n
                self._used.add(name)
                return name

    def bind(self, tensor, name):
        self.names[id(tensor)] = name
        self.arrays[id(tensor.array)] = name   # detach() and friends wrap the same array in a new Tensor
        self.keep += [tensor, tensor.array]   # ids stay unique while the graph is built

    def value(self, tensor):
        """The value name of tensor; a tensor that no traced op produced is a constant (a parameter, a buffer,
        a scalar operand) and becomes an initializer."""
        if tensor is None:
            return ''
        name = self.names.get(id(tensor)) or self.arrays.get(id(tensor.array))
        if name is None:
            hint = self.param_names.get(id(tensor), 'onnx::Constant')
            name = self.constant(backend.to_host(tensor.detach().array), hint)
            self.bind(tensor, name)
        return name

    def array_hint(self, array, default):
        """The state_dict name of the buffer an option array (or the array it views) belongs to."""
        while array is not None:
            if id(array) in self.param_arrays:
                return self.param_arrays[id(array)]
            array = getattr(array, 'base', None)
        return default

    def constant(self, array, hint='onnx::Constant'):
        array = np.asarray(array)
        if array.dtype.kind == 'f' and array.dtype.byteorder == '>':
            array = array.astype(array.dtype.newbyteorder('='))
        name = self.fresh(hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name))
        self.constants.add(name)
        return name

    def ints(self, values, hint='onnx::Shape'):
        return self.constant(np.asarray(values, dtype=np.int64).reshape(-1), hint)

    def is_constant(self, name):
        return name in self.constants or name == ''

    # ---- nodes ----
    def node(self, op_type, inputs, n_out=1, **attrs):
        """Add a node; returns its output names (one name when n_out == 1)."""
        outputs = [self.fresh(f"/{op_type}_output_{i}") for i in range(n_out)]
        attrs = {k: v for k, v in attrs.items() if v is not None}
        self.nodes.append(self.helper.make_node(op_type, list(inputs), outputs, name=self.fresh(f"/{op_type}"),
                                                **attrs))
        return outputs[0] if n_out == 1 else outputs

    def elem_type(self, np_dtype):
        return self.helper.np_dtype_to_tensor_dtype(np.dtype(np_dtype))

    def cast(self, name, from_dtype, to_dtype):
        if np.dtype(from_dtype) == np.dtype(to_dtype):
            return name
        return self.node('Cast', [name], to=self.elem_type(to_dtype))

    def reshape(self, x, in_shape, out_shape):
        """Reshape whose batch dimension follows the input: 0 (copy the input's dim 0) where the output keeps
        it in front, -1 where it moved, so dynamic batch sizes work."""
        target = list(out_shape)
        if in_shape and target:
            if target[0] == in_shape[0]:
                target[0] = 0
            elif in_shape[0] in target and -1 not in target:
                target[target.index(in_shape[0])] = -1
        return self.node('Reshape', [x, self.ints(target)])

    def reduce(self, op_type, x, axes, keepdims):
        """ReduceX over axes (None: all); axes is an input from opset 18 (13 for ReduceSum), an attribute before."""
        keep = int(bool(keepdims))
        if axes is None:
            return self.node(op_type, [x], keepdims=keep)
        axes = [int(a) for a in axes]
        if self.opset >= (13 if op_type == 'ReduceSum' else 18):
            return self.node(op_type, [x, self.ints(axes)], keepdims=keep)
        return self.node(op_type, [x], axes=axes, keepdims=keep)
