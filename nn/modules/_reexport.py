"""The torch.nn.modules.<x> import paths (programs, pickles and torch.load(weights_only) allow-lists name them).

Each submodule lists the class names torch defines there and hands them out lazily from autograd.nn, so a layer
added to nn later appears under its path without editing these files; names nn does not have raise
AttributeError as for any missing attribute.
"""
import importlib

# classes torch keeps out of the top-level torch.nn namespace: where they live here
ELSEWHERE = {'NonDynamicallyQuantizableLinear': 'nn.attention', 'RNNBase': 'nn.rnn', 'RNNCellBase': 'nn.rnn'}


def reexport(module_name, names):
    """(__getattr__, __dir__) for a submodule that re-exports `names` from autograd.nn."""
    def __getattr__(name):
        if name in names:
            nn = importlib.import_module(__name__.rsplit('.', 2)[0])
            if hasattr(nn, name):
                return getattr(nn, name)
            if name in ELSEWHERE:
                return getattr(importlib.import_module(ELSEWHERE[name]), name)
        raise AttributeError(f"module '{module_name}' has no attribute '{name}'")

    def __dir__():
        return [n for n in names if _has(n)]

    def _has(name):
        try:
            __getattr__(name)
            return True
        except AttributeError:
            return False
    return __getattr__, __dir__
