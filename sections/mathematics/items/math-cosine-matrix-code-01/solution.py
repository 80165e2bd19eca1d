import numpy as np


def cosine_matrix(X):
    """Pairwise cosine similarities of the rows of X; 0.0 where either row is all zeros."""
    X = np.asarray(X, dtype=float)
    norms = np.linalg.norm(X, axis=1)
    safe = np.where(norms > 0, norms, 1.0)
    unit = X / safe[:, None]
    return unit @ unit.T
