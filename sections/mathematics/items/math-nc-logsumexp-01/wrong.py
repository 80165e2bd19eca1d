import numpy as np


def logsumexp(x):
    """Return log(sum(exp(x))) as a float (naive: overflows and underflows)."""
    x = np.asarray(x, dtype=float)
    return float(np.log(np.sum(np.exp(x))))
