"""glibc malloc's thresholds for a training process: why CNN epochs can run 2x slower than they should, and the
one call a training script makes to stop it.

NumPy takes every array's memory from malloc. glibc serves a request above its *mmap threshold* with fresh
pages from the kernel, and gives the top of its heap back to the kernel whenever more than the *trim threshold*
(twice the mmap threshold) lies free there; pages handed back are page-faulted in again (and zeroed) when the
next batch needs them. glibc raises both thresholds itself, to the size of the largest mmapped block a
process frees, but never above 32 MiB (mallopt(3), "M_MMAP_THRESHOLD"). A training step allocates a few MB of
activations, im2col columns and gradients and frees them all at its end: where the largest of them sets the
thresholds (a 60,000-image float32 MNIST array is 188 MB, too large to raise them) the heap's top is trimmed
and re-faulted on every step. Measured (benchmarks/RESULTS.md): the seed CNN's epoch took about 1,400 minor
page faults per batch and 1.2-2.4x torch's time; with the thresholds at glibc's own maximum, none and 1.05x.
torch's performance guide answers the same problem with an allocator choice per script (jemalloc/tcmalloc).

This is a process-wide setting, so the library never applies it on import: a training script (and this
project's MNIST trainer and benchmarks) calls set_malloc_thresholds() once at start. The shell equivalent is
`MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=67108864 python train.py`.
"""
import ctypes
import os
import platform

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3   # <malloc.h>
GLIBC_MAX_MMAP_THRESHOLD = 32 << 20           # DEFAULT_MMAP_THRESHOLD_MAX on 64-bit: the dynamic ceiling
USER_VARIABLES = ('MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_', 'MALLOC_TOP_PAD_')
USER_TUNABLES = ('glibc.malloc.mmap_threshold', 'glibc.malloc.trim_threshold', 'glibc.malloc.top_pad')


def set_malloc_thresholds(mmap_threshold=GLIBC_MAX_MMAP_THRESHOLD, trim_threshold=None):
    """Fix glibc's mmap and trim thresholds for the rest of this process, so that the memory one training step
    frees is reused by the next instead of being returned to the kernel and faulted in again.

    mmap_threshold (bytes, default 32 MiB: the highest value glibc's own adjustment reaches): requests above it
    get their own mapping. trim_threshold (bytes, default twice mmap_threshold, glibc's own ratio): free memory
    at the heap's top beyond it goes back to the kernel. The cost is that up to trim_threshold of freed memory
    stays with the process. Returns True if set; False (and changes nothing) where the C library is not glibc,
    or where the environment already sets malloc's thresholds (MALLOC_*_ variables or glibc.malloc tunables:
    the user's choice stands), or where glibc's mallopt refuses the value. Raises ValueError for a size that
    is not an int in [0, 2**31) (mallopt takes a C int).
    """
    if trim_threshold is None and isinstance(mmap_threshold, int):
        trim_threshold = min(2 * mmap_threshold, (1 << 31) - 1)
    for name, value in (('mmap_threshold', mmap_threshold), ('trim_threshold', trim_threshold)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 1 << 31:
            raise ValueError(f"set_malloc_thresholds: {name} must be a number of bytes in [0, 2**31), got {value!r}")
    tunables = os.environ.get('GLIBC_TUNABLES', '')
    if (platform.libc_ver()[0] != 'glibc' or any(name in os.environ for name in USER_VARIABLES)
            or any(name in tunables for name in USER_TUNABLES)):
        return False
    mallopt = ctypes.CDLL('libc.so.6').mallopt
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, mmap_threshold) and mallopt(M_TRIM_THRESHOLD, trim_threshold))
