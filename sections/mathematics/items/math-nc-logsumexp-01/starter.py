import numpy as np


def logsumexp(x):
    """Return log(sum(exp(x))) as a float, computed stably.

    x: non-empty 1-D numpy array of finite floats.
    """
    ...
