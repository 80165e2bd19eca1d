import numpy as np


def explained_variance_ratio(X, k):
    """Fraction of the total variance of X (shape (n, d)) captured by its first k principal components.

    Returns a float in (0, 1].
    """
    ...
