"""torch.version: this library's version under torch's names (no CUDA/HIP build information)."""
__version__ = '2.13.0+ndgrad'
cuda = None
hip = None
rocm = None
xpu = None
debug = False
git_version = 'unknown'
__all__ = ['__version__', 'cuda', 'debug', 'git_version', 'hip', 'rocm', 'xpu']
