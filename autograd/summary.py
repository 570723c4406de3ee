"""summary(model, input_size): the layer table printed by the torchsummary package (version 1.5.1).

Every module except Sequential, ModuleList and the model itself gets a forward hook; one forward pass on
random input of batch 2 records each call's output shape and the weight/bias sizes of its module."""
from collections import OrderedDict

import numpy as np

from . import backend
from .grad_mode import no_grad
from .random import rand

_RULE = "----------------------------------------------------------------"
_DOUBLE_RULE = "================================================================"


def summary(model, input_size, batch_size=-1, device=None):
    """Print the table. input_size: one shape without the batch dim, e.g. (1, 28, 28), or a list of them.

    device: 'cuda' or 'cpu' for the random input (torchsummary's argument); None: where the model's
    parameters are (CPU for a model without any)."""
    from nn import ModuleList, Sequential
    if device is None:
        first = next(model.parameters(), None)
        device = first.device.type if first is not None else 'cpu'
    device = str(device).lower()
    if device not in ('cuda', 'cpu'):
        raise AssertionError("Input device is not valid, please specify 'cuda' or 'cpu'")
    if device == 'cuda' and not backend.cuda_available():
        device = 'cpu'   # torchsummary falls back to CPU tensors when CUDA is unavailable
    if isinstance(input_size, tuple):
        input_size = [input_size]
    x = [rand(2, *size, device=device) for size in input_size]   # batch of 2 so that batch norm works

    layers = OrderedDict()

    def hook(module, input, output):
        key = f"{type(module).__name__}-{len(layers) + 1}"
        info = layers[key] = OrderedDict()
        if isinstance(output, (list, tuple)):
            info['output_shape'] = [[-1] + list(o.size())[1:] for o in output]
        else:
            info['output_shape'] = [batch_size] + list(output.size())[1:]
        params = 0
        weight, bias = getattr(module, 'weight', None), getattr(module, 'bias', None)
        if hasattr(weight, 'size'):
            params += int(np.prod(list(weight.size())))
            info['trainable'] = weight.requires_grad
        if hasattr(bias, 'size'):
            params += int(np.prod(list(bias.size())))
        info['nb_params'] = params

    hooks = [m.register_forward_hook(hook) for m in model.modules()
             if not isinstance(m, (Sequential, ModuleList)) and m is not model]
    try:
        with no_grad():
            model(*x)
    finally:
        for h in hooks:
            h.remove()

    print(_RULE)
    print("{:>20}  {:>25} {:>15}".format("Layer (type)", "Output Shape", "Param #"))
    print(_DOUBLE_RULE)
    total_params = total_output = trainable_params = 0
    for key, info in layers.items():
        print("{:>20}  {:>25} {:>15}".format(key, str(info['output_shape']), "{0:,}".format(info['nb_params'])))
        total_params += info['nb_params']
        total_output += np.prod(info['output_shape'])
        if info.get('trainable') is True:
            trainable_params += info['nb_params']
    # 4 bytes per number; the outputs count twice (their gradients)
    total_input_size = abs(np.prod(input_size) * batch_size * 4. / (1024 ** 2.))
    total_output_size = abs(2. * total_output * 4. / (1024 ** 2.))
    total_params_size = abs(total_params * 4. / (1024 ** 2.))
    total_size = total_params_size + total_output_size + total_input_size
    print(_DOUBLE_RULE)
    print("Total params: {0:,}".format(total_params))
    print("Trainable params: {0:,}".format(trainable_params))
    print("Non-trainable params: {0:,}".format(total_params - trainable_params))
    print(_RULE)
    print("Input size (MB): %0.2f" % total_input_size)
    print("Forward/backward pass size (MB): %0.2f" % total_output_size)
    print("Params size (MB): %0.2f" % total_params_size)
    print("Estimated Total Size (MB): %0.2f" % total_size)
    print(_RULE)
