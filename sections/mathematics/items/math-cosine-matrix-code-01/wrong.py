import numpy as np


def cosine_matrix(X):
    """Vectorized, but divides by the raw norms, so zero rows give nan."""
    X = np.asarray(X, dtype=float)
    norms = np.linalg.norm(X, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (X @ X.T) / np.outer(norms, norms)
