"""More activations (issue 11), in the style of activation.py: value and derivative on arrays or Tensors.

The derivatives follow ATen's backward formulas at the kinks (e.g. hardswish's slope at x = +-3, the
shrinks' zero gradient on the closed interval [-lambd, lambd]), which a composition of other ops would not.
"""
import numpy as np

from .activation import Activation, _xp, exp, where


class Threshold(Activation):
    """x where x > threshold, else value."""
    node_name = 'ThresholdBackward0'

    @staticmethod
    def value(x, threshold, value):
        return where(x > threshold, x, value, x)

    @staticmethod
    def derivative(x, threshold, value):
        return x > threshold


class Hardshrink(Activation):
    node_name = 'HardshrinkBackward0'

    @staticmethod
    def value(x, lambd):
        return where((x >= -lambd) & (x <= lambd), 0.0, x, x)

    @staticmethod
    def derivative(x, lambd):
        return (x < -lambd) | (x > lambd)


class Softshrink(Activation):
    node_name = 'SoftshrinkBackward0'

    @staticmethod
    def value(x, lambd):
        return where(x > lambd, x - lambd, where(x < -lambd, x + lambd, 0.0, x), x)

    @staticmethod
    def derivative(x, lambd):
        return (x < -lambd) | (x > lambd)


class Hardswish(Activation):
    """x * relu6(x + 3) / 6; ATen's slope: 0 up to -3, x/3 + 1/2 on (-3, 3), 1 from 3 on."""
    node_name = 'HardswishBackward0'

    @staticmethod
    def value(x):
        return x * _xp(x).clip(x + 3, 0, 6) / 6

    @staticmethod
    def derivative(x):
        return where(x <= -3, 0.0, where(x < 3, x / 3 + 0.5, 1.0, x), x)


class Hardsigmoid(Activation):
    """relu6(x + 3) / 6; slope 1/6 strictly inside (-3, 3)."""
    node_name = 'HardsigmoidBackward0'

    @staticmethod
    def value(x):
        return _xp(x).clip(x + 3, 0, 6) / 6

    @staticmethod
    def derivative(x):
        # ATen writes the slope as the float literal 1.0f / 6.0f, also for double inputs
        return where((x > -3) & (x < 3), float(np.float32(1.0 / 6)), 0.0, x)


class CELU(Activation):
    """max(0, x) + min(0, alpha * (exp(x / alpha) - 1))."""
    node_name = 'CeluBackward0'

    @staticmethod
    def value(x, alpha):
        return where(x > 0, x, alpha * _xp(x).expm1(_xp(x).minimum(x, 0) / alpha), x)

    @staticmethod
    def derivative(x, alpha):
        # torch's derivatives.yaml passes input_scale = 1.0 / alpha.toFloat(): 1/alpha rounded via float32
        s = 1.0 / float(np.float32(alpha))
        return where(x > 0, 1.0, (s * alpha) * exp(x * (x < 0) * s), x)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class SELU(Activation):
    """scale * (max(0, x) + min(0, alpha * (exp(x) - 1))) with Klambauer et al.'s constants."""
    node_name = 'EluBackward0'

    @staticmethod
    def value(x):
        return where(x > 0, _SELU_SCALE * x, _SELU_SCALE * _SELU_ALPHA * _xp(x).expm1(_xp(x).minimum(x, 0)), x)

    @staticmethod
    def derivative(x):
        return where(x > 0, _SELU_SCALE, _SELU_SCALE * _SELU_ALPHA * exp(x * (x < 0)), x)
