import numpy as np


def moving_average(x, k):
    """Trailing mean of each window of k consecutive values."""
    x = np.asarray(x, dtype=float)
    # Mistake: an off-by-one in the prefix-sum differences (cumsum without the leading zero),
    # so every window loses its first value and the first window is missing.
    c = np.cumsum(x)
    return (c[k:] - c[:-k]) / k
