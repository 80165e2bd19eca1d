import numpy as np


def recent_counts(timestamps_ms, window_ms):
    """For each request i, the number of requests j <= i with t[i] - t[j] < window_ms."""
    t = timestamps_ms
    out = np.zeros(len(t), dtype=np.int64)
    for i in range(len(t)):
        j = i
        while j >= 0 and t[i] - t[j] < window_ms:
            out[i] += 1
            j -= 1
    return out
