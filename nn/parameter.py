"""Parameter: a leaf Tensor that a Module registers as learnable when assigned as an attribute."""
from autograd import backend
from autograd.tensor import Tensor, wrap


class Parameter(Tensor):
    """Parameter(data=None, requires_grad=True): shares data's array (no copy) and is always a leaf.

    Ops on a Parameter return plain Tensors, as in torch."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = Tensor([])
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter(data) expects a Tensor, but got {type(data).__name__}; "
                            "wrap arrays with autograd.tensor(...) or autograd.from_numpy(...) first")
        if requires_grad and data.array.dtype.kind not in 'fc':
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        p = Tensor.__new__(cls)
        p.array = data.array
        p.requires_grad = requires_grad
        p.grad = None
        p.grad_fn = None
        p._vc = data._vc   # same storage, same version counter (torch's _make_subclass)
        p._hooks = None
        p._accumulator = None
        p._retains_grad = False
        return p

    def __init__(self, data=None, requires_grad=True):
        pass   # everything is done in __new__; Tensor.__init__ would build a new array

    def __repr__(self):
        return 'Parameter containing:\n' + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(wrap(self.array.copy()), self.requires_grad)   # stays on its device
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (backend.to_host(self.array), self.requires_grad))


def _rebuild_parameter(array, requires_grad):
    return Parameter(wrap(array), requires_grad)
