import numpy as np


def recent_counts(timestamps_ms, window_ms):
    """For each request i, the number of requests j <= i with t[i] - t[j] < window_ms."""
    t = np.asarray(timestamps_ms)
    lo = np.searchsorted(t, t - window_ms, side="right")
    return np.arange(len(t), dtype=np.int64) - lo + 1
