"""Every kernel of autograd/cuda_kernels.py compiles with NVRTC for float16, float32 and float64 -- no GPU needed.

The body is wrapped the way CuPy's ElementwiseKernel wraps it (T a typedef of the dtype's C type, CuPy's own
float16 class from cupy/float16.cuh, inputs as const T values, outputs as T references), and compiled for
sm_90 (an H100/H200) by libnvrtc through ctypes. It needs the NVRTC library and headers, which pip installs
without a GPU: `pip install --no-deps --target DIR cupy-cuda13x nvidia-cuda-nvrtc nvidia-cuda-runtime` and
AUTOGRAD_NVRTC_DIR=DIR (.ci/run does this), or CuPy with its [ctk] extra in the environment.
"""
import ctypes
import glob
import os
import site
import sys

import pytest

from autograd import cuda_kernels

C_TYPES = {'float16': 'float16', 'float32': 'float', 'float64': 'double'}


def _roots():
    roots = [os.environ.get('AUTOGRAD_NVRTC_DIR', '')] + site.getsitepackages() + [site.getusersitepackages()]
    return [r for r in roots + sys.path if r and os.path.isdir(r)]


def _first(patterns):
    for root in _roots():
        for pattern in patterns:
            found = sorted(glob.glob(os.path.join(root, pattern)))
            if found:
                return found[-1]
    return None


def _nvrtc():
    """(libnvrtc, include dirs) or None where NVRTC, CUDA's headers or CuPy's headers are missing."""
    lib = _first(['nvidia/cu13/lib/libnvrtc.so.*', 'nvidia/cuda_nvrtc/lib/libnvrtc.so.*'])
    cuda_include = _first(['nvidia/cu13/include/cuda_fp16.h', 'nvidia/cuda_runtime/include/cuda_fp16.h'])
    cupy_include = _first(['cupy/_core/include/cupy/float16.cuh'])
    if not (lib and cuda_include and cupy_include):
        return None
    for builtins in glob.glob(os.path.join(os.path.dirname(lib), 'libnvrtc-builtins.so*')):
        ctypes.CDLL(builtins, mode=ctypes.RTLD_GLOBAL)   # libnvrtc dlopens it by name
    return ctypes.CDLL(lib), [os.path.dirname(cuda_include), os.path.dirname(os.path.dirname(cupy_include)),
                              os.path.join(os.path.dirname(os.path.dirname(cupy_include)), '_cccl', 'libcudacxx')]


NVRTC = _nvrtc()
pytestmark = pytest.mark.skipif(NVRTC is None, reason="NVRTC and the CUDA/CuPy headers are not installed: pip install "
                                "--no-deps --target DIR cupy-cuda13x nvidia-cuda-nvrtc nvidia-cuda-runtime and set "
                                "AUTOGRAD_NVRTC_DIR=DIR (as .ci/run does)")


def cuda_source(name, dtype):
    """The kernel as CuPy's ElementwiseKernel would generate it for arrays of `dtype` (one element per thread)."""
    inputs, outputs, body = cuda_kernels.KERNELS[name]
    params, loads = [], []
    for i, (kind, var) in enumerate(p.split() for p in inputs.split(',')):
        params.append(f"const {kind}* in{i}")
        loads.append(f"const {kind} {var} = in{i}[i];")
    for i, (kind, var) in enumerate(p.split() for p in outputs.split(',')):
        params.append(f"{kind}* out{i}")
        loads.append(f"{kind} &{var} = out{i}[i];")
    return (f"#include <cupy/float16.cuh>\n#include <cupy/carray.cuh>\ntypedef {C_TYPES[dtype]} T;\n"
            f"extern \"C\" __global__ void {name}({', '.join(params)}, long long n) {{\n"
            f"  long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;\n  if (i >= n) return;\n"
            f"  {' '.join(loads)}\n  {body};\n}}\n")


def compile_log(source):
    """'' when NVRTC compiles the source for sm_90, else its log."""
    lib, includes = NVRTC
    prog = ctypes.c_void_p()
    assert lib.nvrtcCreateProgram(ctypes.byref(prog), source.encode(), b"kernel.cu", 0, None, None) == 0
    options = [f"-I{d}".encode() for d in includes] + [b"--gpu-architecture=compute_90", b"-std=c++17"]
    status = lib.nvrtcCompileProgram(prog, len(options), (ctypes.c_char_p * len(options))(*options))
    size = ctypes.c_size_t()
    lib.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
    log = ctypes.create_string_buffer(size.value)
    lib.nvrtcGetProgramLog(prog, log)
    lib.nvrtcDestroyProgram(ctypes.byref(prog))
    return '' if status == 0 else log.value.decode(errors='replace')


@pytest.mark.parametrize('dtype', list(C_TYPES))
@pytest.mark.parametrize('name', list(cuda_kernels.KERNELS))
def test_every_kernel_compiles_for_each_float_dtype(name, dtype):
    log = compile_log(cuda_source(name, dtype))
    assert log == '', f"{name} does not compile for {dtype}:\n{log}"


def test_the_compile_check_can_fail():
    """The float16 ternary that mixed float and T (the bug issue 12 found) must be refused."""
    source = cuda_source('autograd_relu_backward', 'float16').replace('gx = y > (T)0 ? g : (T)0',
                                                                       'gx = y > (T)0 ? -g : g')
    assert 'ambiguous' in compile_log(source)
