import numpy as np


def dominant_eigenvalue(A, n_iter):
    """Eigenvalue of largest magnitude of a symmetric matrix, by power iteration."""
    ...
