import numpy as np


def moving_average(x, k):
    """Trailing mean of each window of k consecutive values, in O(len(x)) with a prefix sum."""
    x = np.asarray(x, dtype=float)
    if k > len(x):
        return np.zeros(0)
    c = np.concatenate(([0.0], np.cumsum(x)))
    return (c[k:] - c[:-k]) / k
