"""Module API of issue 11 against torch: nn.Buffer, set_submodule, state-dict save/load hooks,
nn.utils.parametrize and the weight/spectral norm reparametrisations."""
import numpy as np
import pytest
import torch

import autograd
import nn
from tests.tolerance import assert_close


def trace(lib):
    nn = lib.nn
    log = []
    m = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    m[0].register_state_dict_pre_hook(lambda mod, prefix, keep: log.append(('pre', type(mod).__name__, prefix, keep)))
    m.register_state_dict_post_hook(lambda mod, sd, prefix, meta: log.append(('post', prefix, list(sd))))
    m[1]._register_state_dict_hook(lambda mod, sd, prefix, meta: type(sd)((k, v) for k, v in sd.items() if 'num_batches' not in k))
    m[1].register_load_state_dict_pre_hook(lambda mod, sd, prefix, *rest: log.append(('load pre', type(mod).__name__, prefix, sorted(sd))))
    def post(mod, keys):
        log.append(('load post', sorted(keys.missing_keys)))
        keys.missing_keys.clear()
    m.register_load_state_dict_post_hook(post)
    m[1].register_load_state_dict_post_hook(lambda mod, keys: log.append(('load post child', sorted(keys.missing_keys))))
    sd = m.state_dict()
    log.append(sorted(sd))
    r = m.load_state_dict(sd)
    log.append(repr(r))
    m.b = nn.Buffer(lib.ones(2))
    m.c = nn.Buffer(lib.ones(1), persistent=False)
    log.append(sorted(m.state_dict()))
    m.set_submodule('0', nn.ReLU())
    log.append(repr(m))
    for call in [lambda: m.set_submodule('', nn.ReLU()), lambda: m.set_submodule('x', nn.ReLU(), strict=True), lambda: m.set_submodule('b', nn.ReLU())]:
        try: call()
        except Exception as e: log.append((type(e).__name__, str(e)))
    return log


def test_buffer_set_submodule_and_state_dict_hooks_match_torch():
    """The same calls on both sides log the same hook calls, keys, reprs and errors."""
    assert trace(autograd) == trace(torch)
