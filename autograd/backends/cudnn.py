"""torch.backends.cudnn: the flags torch exposes, with torch's defaults. No op reads them: convolutions here
run through the array library's matrix products whatever `benchmark` or `deterministic` say, and are
deterministic for a given input, thread count and device."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """False: cuDNN is not used by this library (torch's CPU build answers the same)."""
    return False


def version():
    """None, as torch without cuDNN."""
    return None
