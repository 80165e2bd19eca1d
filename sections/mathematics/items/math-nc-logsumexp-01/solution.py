import numpy as np


def logsumexp(x):
    """Return log(sum(exp(x))) as a float, computed stably."""
    x = np.asarray(x, dtype=float)
    m = np.max(x)
    return float(m + np.log(np.sum(np.exp(x - m))))
