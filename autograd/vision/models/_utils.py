"""Loading a local checkpoint into a freshly built model (there is no pretrained download)."""
import os


def load_weights(model, weights, progress=True):
    """weights: None, or the path of a state_dict file torch.save wrote (a torchvision checkpoint) or
    autograd.save wrote. Keys and shapes must be torchvision's; load_state_dict reports any difference."""
    if weights is None:
        return model
    if not isinstance(weights, (str, os.PathLike)) or not os.path.isfile(weights):
        raise ValueError(f"weights={weights!r}: pretrained weights are not downloaded here; pass the path of a "
                         "local torchvision checkpoint file (for example resnet18-f37072fd.pth), or None")
    import autograd
    state = autograd.load(weights, map_location='cpu', weights_only=True)
    if isinstance(state, dict) and 'state_dict' in state and 'fc.weight' not in state:
        state = state['state_dict']
    model.load_state_dict(state)
    return model
