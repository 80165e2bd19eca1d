import numpy as np


def moving_average(x, k):
    """Trailing mean of each window of k consecutive values; length len(x) - k + 1.

    Correct but O(len(x) * k): make it linear in len(x) and return the same values.
    An empty float array when k > len(x).
    """
    x = np.asarray(x, dtype=float)
    out = []
    for i in range(k - 1, len(x)):
        total = 0.0
        for j in range(i - k + 1, i + 1):
            total += x[j]
        out.append(total / k)
    return np.array(out)
