"""vision.utils.make_grid / save_image against torchvision's algorithm (torchvision/utils.py) run with torch."""
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
from autograd.vision import utils
from tolerance import assert_close

Image = pytest.importorskip('PIL.Image', reason="Pillow writes the image files")


def torchvision_make_grid(tensor, nrow=8, padding=2, normalize=False, value_range=None, scale_each=False,
                          pad_value=0.0):
    if isinstance(tensor, list):
        tensor = torch.stack(tensor, dim=0)
    if tensor.dim() == 2:
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 3:
        if tensor.size(0) == 1:
            tensor = torch.cat((tensor, tensor, tensor), 0)
        tensor = tensor.unsqueeze(0)
    if tensor.dim() == 4 and tensor.size(1) == 1:
        tensor = torch.cat((tensor, tensor, tensor), 1)
    if normalize is True:
        tensor = tensor.clone()

        def norm_ip(img, low, high):
            img.clamp_(min=low, max=high)
            img.sub_(low).div_(max(high - low, 1e-5))

        def norm_range(t, value_range):
            if value_range is not None:
                norm_ip(t, value_range[0], value_range[1])
            else:
                norm_ip(t, float(t.min()), float(t.max()))
        if scale_each is True:
            for t in tensor:
                norm_range(t, value_range)
        else:
            norm_range(tensor, value_range)
    if tensor.size(0) == 1:
        return tensor.squeeze(0)
    nmaps = tensor.size(0)
    xmaps = min(nrow, nmaps)
    ymaps = int(math.ceil(float(nmaps) / xmaps))
    height, width = int(tensor.size(2) + padding), int(tensor.size(3) + padding)
    grid = tensor.new_full((tensor.size(1), height * ymaps + padding, width * xmaps + padding), pad_value)
    k = 0
    for y in range(ymaps):
        for x in range(xmaps):
            if k >= nmaps:
                break
            grid.narrow(1, y * height + padding, height - padding).narrow(2, x * width + padding, width - padding) \
                .copy_(tensor[k])
            k += 1
    return grid


@settings(max_examples=15, deadline=None)
@given(shape=st.sampled_from([(5, 3, 4, 6), (1, 1, 5, 5), (9, 1, 3, 2), (3, 7), (1, 4, 4), (2, 2, 3, 3)]),
       nrow=st.integers(1, 4), padding=st.integers(0, 3), normalize=st.booleans(), scale_each=st.booleans(),
       value_range=st.sampled_from([None, (-0.5, 0.5)]), pad_value=st.sampled_from([0.0, 1.0]),
       dtype=st.sampled_from(['float32', 'float64']), seed=st.integers(0, 1000))
def test_make_grid_and_save_image_match_torchvision(tmp_path_factory, shape, nrow, padding, normalize, scale_each,
                                                   value_range, pad_value, dtype, seed):
    x = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    kwargs = dict(nrow=nrow, padding=padding, normalize=normalize, value_range=value_range, scale_each=scale_each,
                  pad_value=pad_value)
    ours = utils.make_grid(autograd.tensor(x), **kwargs)
    expected = torchvision_make_grid(torch.tensor(x), **kwargs)
    assert tuple(ours.shape) == tuple(expected.shape) and str(ours.dtype).split('.')[1] == dtype
    assert_close(ours.numpy(), expected.numpy())
    if len(shape) == 4 and normalize:
        path = tmp_path_factory.mktemp('img') / 'grid.png'
        utils.save_image(autograd.tensor(x), str(path), **kwargs)
        pixels = expected.mul(255).add_(0.5).clamp_(0, 255).permute(1, 2, 0).to('cpu', torch.uint8).numpy()
        saved = np.asarray(Image.open(path))
        np.testing.assert_array_equal(saved, pixels)   # the same float ops, then the same rounding


def test_make_grid_list_and_errors():
    imgs = [autograd.rand(3, 4, 4) for _ in range(3)]
    expected = torchvision_make_grid([torch.tensor(i.numpy()) for i in imgs], nrow=2)
    np.testing.assert_array_equal(utils.make_grid(imgs, nrow=2).numpy(), expected.numpy())
    with pytest.raises(TypeError, match="tensor or list of tensors expected"):
        utils.make_grid(np.zeros((3, 4, 4)))
    with pytest.raises(TypeError, match="value_range has to be a tuple"):
        utils.make_grid(imgs[0], normalize=True, value_range=[0, 1])
