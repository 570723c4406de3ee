"""Whether operations record a graph: no_grad, enable_grad, set_grad_enabled, inference_mode."""
import functools


class _State:
    enabled = True
    instrumented = False   # anomaly mode, saved-tensor hooks, a profiler or a backward trace is on (instrument.py)


state = _State()


def is_grad_enabled():
    return state.enabled


class _GradMode:
    """Context manager and decorator that sets grad mode and restores it on exit."""
    mode = True

    def __enter__(self):
        self.prev = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc):
        state.enabled = self.prev

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)
        return wrapper


class no_grad(_GradMode):
    mode = False


class enable_grad(_GradMode):
    mode = True


class inference_mode(_GradMode):
    def __init__(self, mode=True):
        self.mode = not mode


class set_grad_enabled(_GradMode):
    def __init__(self, mode):
        self.prev = state.enabled
        self.mode = mode
        state.enabled = mode   # takes effect as a function call too, as in torch

    def __enter__(self):
        pass

    def __call__(self, fn):
        state.enabled = self.prev
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)
        return wrapper
