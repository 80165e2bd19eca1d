import numpy as np


def standardize(X):
    """Standardize each column of X (shape (n, d)) to mean 0 and population std 1.

    Constant columns become all zeros. Returns a new array; X is not modified.
    """
    ...
