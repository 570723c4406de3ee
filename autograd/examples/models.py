"""The MNIST models of the training example and the benchmarks, built from any torch-like `nn` namespace.

`build(name, nn)` with nn = autograd.nn or torch.nn gives the same architecture (same state_dict keys and
shapes) in either library, so the benchmarks time identical work. Every model takes N x 1 x 28 x 28 images
and returns N x 10 logits.
"""


def mlp(nn):
    """The seeds' quickstart MLP: 784-512-512-10 with ReLUs (669,706 parameters)."""
    return nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(),
                         nn.Linear(512, 10))


def lenet(nn):
    """A LeNet: two 5x5 convolutions with 2x2 max pooling, then fc128 and fc10 with dropout (80,202
    parameters, about 1.1M multiply-adds per image). Reaches 99% on the MNIST test set in a few epochs."""
    return nn.Sequential(nn.Conv2d(1, 16, 5), nn.ReLU(), nn.MaxPool2d(2),      # 16 x 12 x 12
                         nn.Conv2d(16, 32, 5), nn.ReLU(), nn.MaxPool2d(2),     # 32 x 4 x 4
                         nn.Flatten(), nn.Dropout(0.25), nn.Linear(32 * 4 * 4, 128), nn.ReLU(),
                         nn.Dropout(0.25), nn.Linear(128, 10))


def seed_cnn(nn):
    """The seeds' three-convolution CNN ("What is torch.nn really?"): stride-2 3x3 convolutions down to
    10 x 4 x 4, averaged to the 10 logits."""
    return nn.Sequential(nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Conv2d(16, 16, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Conv2d(16, 10, 3, stride=2, padding=1), nn.ReLU(),
                         nn.AvgPool2d(4), nn.Flatten())


MODELS = {'mlp': mlp, 'cnn': lenet, 'lenet': lenet, 'seed_cnn': seed_cnn}


def build(name, nn=None):
    """The model called `name` (one of MODELS) made of nn's layers (autograd.nn when nn is None)."""
    if nn is None:
        import autograd.nn as nn
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODELS)}")
    return MODELS[name](nn)
