import numpy as np


def dominant_eigenvalue(A, n_iter):
    """Returns the growth factor ||A v||, which loses the sign of the eigenvalue."""
    A = np.asarray(A, dtype=float)
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    norm = 0.0
    for _ in range(n_iter):
        w = A @ v
        norm = np.linalg.norm(w)
        if norm == 0.0:
            return 0.0
        v = w / norm
    return float(norm)
