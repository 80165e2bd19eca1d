import numpy as np


def dominant_eigenvalue(A, n_iter):
    """Eigenvalue of largest magnitude of a symmetric matrix, by power iteration."""
    A = np.asarray(A, dtype=float)
    v = np.ones(A.shape[0]) / np.sqrt(A.shape[0])
    for _ in range(n_iter):
        w = A @ v
        norm = np.linalg.norm(w)
        if norm == 0.0:
            return 0.0
        v = w / norm
    return float(v @ A @ v)
