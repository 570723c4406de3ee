"""Models of public example programs that issue 11's layers unblock, written once and run on both libraries
(only the import differs), weights copied in, then forward, backward and optimizer steps compared:
pytorch/examples fast_neural_style's TransformerNet (ReflectionPad2d, InstanceNorm2d, F.interpolate),
super_resolution's Net (PixelShuffle, init.orthogonal_) trained with LBFGS here, and a DCGAN-style
generator (ConvTranspose2d, BatchNorm2d)."""
import numpy as np
import pytest
import torch

import autograd
from tests.tolerance import assert_close


def transformer_net(lib):
    nn = lib.nn

    class ConvLayer(nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride):
            super().__init__()
            self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
            self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            return self.conv2d(self.reflection_pad(x))

    class ResidualBlock(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in1 = nn.InstanceNorm2d(channels, affine=True)
            self.conv2 = ConvLayer(channels, channels, kernel_size=3, stride=1)
            self.in2 = nn.InstanceNorm2d(channels, affine=True)
            self.relu = nn.ReLU()

        def forward(self, x):
            residual = x
            out = self.relu(self.in1(self.conv1(x)))
            out = self.in2(self.conv2(out))
            return out + residual

    class UpsampleConvLayer(nn.Module):
        def __init__(self, in_channels, out_channels, kernel_size, stride, upsample=None):
            super().__init__()
            self.upsample = upsample
            self.reflection_pad = nn.ReflectionPad2d(kernel_size // 2)
            self.conv2d = nn.Conv2d(in_channels, out_channels, kernel_size, stride)

        def forward(self, x):
            if self.upsample:
                x = lib.nn.functional.interpolate(x, mode='nearest', scale_factor=self.upsample)
            return self.conv2d(self.reflection_pad(x))

    class TransformerNet(nn.Module):
        """fast_neural_style's network with its channel counts divided by 4 (the same layers, smaller)."""
        def __init__(self):
            super().__init__()
            self.conv1 = ConvLayer(3, 8, kernel_size=9, stride=1)
            self.in1 = nn.InstanceNorm2d(8, affine=True)
            self.conv2 = ConvLayer(8, 16, kernel_size=3, stride=2)
            self.in2 = nn.InstanceNorm2d(16, affine=True)
            self.conv3 = ConvLayer(16, 32, kernel_size=3, stride=2)
            self.in3 = nn.InstanceNorm2d(32, affine=True)
            self.res1, self.res2 = ResidualBlock(32), ResidualBlock(32)
            self.deconv1 = UpsampleConvLayer(32, 16, kernel_size=3, stride=1, upsample=2)
            self.in4 = nn.InstanceNorm2d(16, affine=True)
            self.deconv2 = UpsampleConvLayer(16, 8, kernel_size=3, stride=1, upsample=2)
            self.in5 = nn.InstanceNorm2d(8, affine=True)
            self.deconv3 = ConvLayer(8, 3, kernel_size=9, stride=1)
            self.relu = nn.ReLU()

        def forward(self, x):
            y = self.relu(self.in1(self.conv1(x)))
            y = self.relu(self.in2(self.conv2(y)))
            y = self.relu(self.in3(self.conv3(y)))
            y = self.res2(self.res1(y))
            y = self.relu(self.in4(self.deconv1(y)))
            y = self.relu(self.in5(self.deconv2(y)))
            return self.deconv3(y)
    return TransformerNet()


def super_resolution_net(lib, upscale_factor=3):
    nn, init = lib.nn, lib.nn.init

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.relu = nn.ReLU()
            self.conv1 = nn.Conv2d(1, 16, (5, 5), (1, 1), (2, 2))
            self.conv2 = nn.Conv2d(16, 16, (3, 3), (1, 1), (1, 1))
            self.conv3 = nn.Conv2d(16, 8, (3, 3), (1, 1), (1, 1))
            self.conv4 = nn.Conv2d(8, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
            self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
            init.orthogonal_(self.conv1.weight, init.calculate_gain('relu'))
            init.orthogonal_(self.conv2.weight, init.calculate_gain('relu'))
            init.orthogonal_(self.conv3.weight, init.calculate_gain('relu'))
            init.orthogonal_(self.conv4.weight)

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.relu(self.conv2(x))
            x = self.relu(self.conv3(x))
            return self.pixel_shuffle(self.conv4(x))
    return Net()


def dcgan_generator(lib, nz=8, ngf=4, nc=3):
    nn = lib.nn
    return nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False), nn.BatchNorm2d(ngf * 4), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False), nn.BatchNorm2d(ngf * 2), nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, nc, 4, 2, 1, bias=False), nn.Tanh())


def copy_weights(theirs, ours):
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})


@pytest.mark.parametrize('name,build,shape,make_opt', [
    ('TransformerNet', transformer_net, (2, 3, 16, 16), lambda lib, p: lib.optim.Adam(p, 1e-3)),
    ('super_resolution', super_resolution_net, (2, 1, 8, 8), lambda lib, p: lib.optim.LBFGS(p, lr=0.5, max_iter=4)),
    ('dcgan_generator', dcgan_generator, (2, 8, 1, 1), lambda lib, p: lib.optim.Adam(p, 2e-4, betas=(0.5, 0.999))),
])
def test_example_model_trains_like_torch(name, build, shape, make_opt):
    torch.manual_seed(0)
    theirs = build(torch).double()
    ours = build(autograd).double()
    copy_weights(theirs, ours)
    assert repr(ours) == repr(theirs)
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    with torch.no_grad():    # (in eval mode: no BatchNorm statistics update on torch's side only)
        target = theirs.eval()(torch.tensor(x)).numpy() + rng.standard_normal(1)[0] * 0.1 + 0.05
    theirs.train()
    opt, ref = make_opt(autograd, ours.parameters()), make_opt(torch, theirs.parameters())
    for step in range(3):
        losses = []
        for lib, model, o in ((autograd, ours, opt), (torch, theirs, ref)):
            def closure(lib=lib, model=model, o=o):
                o.zero_grad()
                loss = ((model(lib.tensor(x)) - lib.tensor(target)) ** 2).mean()
                loss.backward()
                return loss
            losses.append(o.step(closure).item())
        assert_close(losses[0], losses[1], dtype=np.float64, scale=100, what=f"{name} loss at step {step}")
    for (k, v), w in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert_close(v.numpy(), w.numpy(), dtype=np.float64, scale=1e3, what=f"{name}: {k}")
