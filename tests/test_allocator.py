"""autograd.utils.allocator.set_malloc_thresholds: a training-like allocation pattern (a step's 8 MB of 1 MB arrays,
all freed at its end, in a process whose big data array is too large to raise glibc's thresholds) page-faults its
whole working set in again on every step under glibc's defaults, and not at all once the thresholds are set.
Each case runs in a fresh interpreter: the setting is process-wide, and the test process must keep glibc's."""
import os
import platform
import subprocess
import sys

import pytest

from autograd.utils import allocator

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STEPS = """
import resource
import numpy as np
from autograd.utils.allocator import set_malloc_thresholds
print(set_malloc_thresholds() if {tuned} else None)
data = np.ones(50 << 17)        # 50 MB: mmapped, above the 32 MiB ceiling of glibc's own adjustment
counts = []
for step in range(8):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    blocks = [np.ones(1 << 17) for _ in range(8)]
    del blocks
    counts.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(counts)
"""
glibc_only = pytest.mark.skipif(platform.libc_ver()[0] != 'glibc', reason="mallopt thresholds are glibc's")


def _run(tuned, **env):
    env = {k: v for k, v in os.environ.items() if not k.startswith('MALLOC_') and k != 'GLIBC_TUNABLES'} | env
    env['PYTHONPATH'] = REPO
    out = subprocess.run([sys.executable, '-c', STEPS.format(tuned=tuned)], env=env, capture_output=True,
                         text=True, check=True).stdout.split('\n')
    return out[0], eval(out[1])


@glibc_only
def test_thresholds_stop_the_per_step_page_faults():
    pages_per_step = 8 * (1 << 20) // os.sysconf('SC_PAGE_SIZE')
    applied, tuned = _run(True)
    assert applied == 'True'
    assert sum(tuned[1:]) < pages_per_step // 20, tuned        # after the first step: the heap is reused
    _, plain = _run(False)
    assert min(plain[1:]) > pages_per_step // 2, plain          # glibc's defaults: trimmed and re-faulted


@glibc_only
def test_the_users_own_malloc_settings_win():
    assert _run(True, MALLOC_TRIM_THRESHOLD_='131072')[0] == 'False'
    assert _run(True, GLIBC_TUNABLES='glibc.malloc.mmap_threshold=262144')[0] == 'False'
    assert _run(True, GLIBC_TUNABLES='glibc.rtld.optional_static_tls=512')[0] == 'True'   # not malloc's


def test_bad_sizes_raise_and_other_c_libraries_are_left_alone(monkeypatch):
    for bad in (-1, 1.5, True, 1 << 31):
        with pytest.raises(ValueError, match='set_malloc_thresholds: mmap_threshold'):
            allocator.set_malloc_thresholds(bad)
    with pytest.raises(ValueError, match='trim_threshold'):
        allocator.set_malloc_thresholds(1 << 20, -5)
    monkeypatch.setattr(platform, 'libc_ver', lambda: ('musl', '1.2'))
    assert allocator.set_malloc_thresholds() is False
