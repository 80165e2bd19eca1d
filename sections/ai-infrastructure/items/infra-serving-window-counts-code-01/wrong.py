import numpy as np


def recent_counts(timestamps_ms, window_ms):
    """Vectorized, but counts a request exactly window_ms earlier as inside the window."""
    t = np.asarray(timestamps_ms)
    lo = np.searchsorted(t, t - window_ms, side="left")
    return np.arange(len(t), dtype=np.int64) - lo + 1
