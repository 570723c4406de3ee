"""F.grid_sample on 5-D (volumetric) input against torch: trilinear and nearest, every padding mode, both
align_corners, values and the gradients of input and grid; bicubic is refused as torch refuses it."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import autograd
from tolerance import assert_close


@settings(max_examples=20, deadline=None)
@given(mode=st.sampled_from(['bilinear', 'nearest']), padding_mode=st.sampled_from(['zeros', 'border', 'reflection']),
       align_corners=st.booleans(), dtype=st.sampled_from(['float64', 'float32']), seed=st.integers(0, 2 ** 31))
def test_volumetric_grid_sample_matches_torch(mode, padding_mode, align_corners, dtype, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, 3, 3, 4, 5)).astype(dtype)
    g = rng.uniform(-1.2, 1.2, (2, 2, 3, 4, 3)).astype(dtype)
    seed_grad = rng.standard_normal((2, 3, 2, 3, 4)).astype(dtype)
    out = []
    for m in (torch, autograd):
        xi, gi = m.tensor(x, requires_grad=True), m.tensor(g, requires_grad=True)
        y = m.nn.functional.grid_sample(xi, gi, mode=mode, padding_mode=padding_mode, align_corners=align_corners)
        y.backward(m.tensor(seed_grad))
        out.append((y.detach().numpy(), xi.grad.numpy(), gi.grad.numpy()))
    for what, ours, theirs in zip(('output', 'input grad', 'grid grad'), out[1], out[0]):
        assert_close(ours, theirs, dtype, scale=10, what=what)


def test_volumetric_bicubic_is_refused_as_in_torch():
    for m in (torch, autograd):
        with pytest.raises(RuntimeError, match='bicubic interpolation only supports 4D input'):
            m.nn.functional.grid_sample(m.zeros(1, 1, 2, 2, 2), m.zeros(1, 1, 1, 1, 3), mode='bicubic',
                                        align_corners=False)
