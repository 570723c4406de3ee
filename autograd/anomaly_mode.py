"""torch.autograd.anomaly_mode: detect_anomaly and set_detect_anomaly (torch's semantics and messages).

In anomaly mode every recorded node keeps the traceback of the forward call that made it
(grad_fn.metadata['traceback_']); a backward that fails, or (check_nan) returns NaN, warns with that
traceback and raises RuntimeError("Function 'SqrtBackward0' returned nan values in its 0th output.").
The work happens in instrument.py, reached only while the mode is on."""
import warnings

from . import instrument

__all__ = ['detect_anomaly', 'set_detect_anomaly']


def is_anomaly_enabled():
    return instrument.tools.anomaly


def is_anomaly_check_nan_enabled():
    return instrument.tools.check_nan


def set_anomaly_enabled(enabled, check_nan=True):
    instrument.tools.anomaly = bool(enabled)
    instrument.tools.check_nan = bool(check_nan)
    instrument.refresh()


class detect_anomaly:
    """with detect_anomaly(check_nan=True): ... runs forward and backward in anomaly mode (slow: debugging only)."""

    def __init__(self, check_nan=True):
        self.prev = is_anomaly_enabled()
        self.check_nan = check_nan
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        warnings.warn("Anomaly Detection has been enabled. This mode will increase the runtime and should only be "
                      "enabled for debugging.", stacklevel=2)

    def __enter__(self):
        set_anomaly_enabled(True, self.check_nan)

    def __exit__(self, *args):
        set_anomaly_enabled(self.prev, self.prev_check_nan)


class set_detect_anomaly:
    """set_detect_anomaly(mode, check_nan=True): sets anomaly mode now; as a context manager, restores on exit."""

    def __init__(self, mode, check_nan=True):
        self.prev = is_anomaly_enabled()
        self.prev_check_nan = is_anomaly_check_nan_enabled()
        set_anomaly_enabled(mode, check_nan)

    def __enter__(self):
        pass

    def __exit__(self, *args):
        set_anomaly_enabled(self.prev, self.prev_check_nan)
