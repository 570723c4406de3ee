"""torch.autograd.profiler: the autograd profiler's profile(enabled=True, *, use_cuda=False,
record_shapes=False, profile_memory=False, with_stack=False, ...) and record_function (profiler.py records)."""
from .profiler import _Profile, record_function  # noqa: F401
from .profiler_util import EventList, FunctionEvent, FunctionEventAvg  # noqa: F401

__all__ = ['profile', 'record_function', 'EventList']


class profile(_Profile):
    """with profile() as prof: ...; then prof.key_averages().table(), prof.export_chrome_trace(path).
    use_cuda / use_device='cuda': synchronise the device around each op, so times include its kernels."""

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False, with_flops=False,
                 profile_memory=False, with_stack=False, with_modules=False, use_kineto=False, use_cpu=True,
                 experimental_config=None, acc_events=False, custom_trace_id_callback=None):
        super().__init__(record_shapes, profile_memory, with_stack, use_cuda=use_cuda or use_device == 'cuda')
        self.enabled = enabled

    def __enter__(self):
        if self.enabled:
            self._start()
        return self

    def __exit__(self, *exc):
        self._stop()
