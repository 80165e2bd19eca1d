import math

import numpy as np


def cosine_matrix(X):
    """Pairwise cosine similarities of the rows of X; 0.0 where either row is all zeros."""
    n = len(X)
    out = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            dot = sum(a * b for a, b in zip(X[i], X[j]))
            ni = math.sqrt(sum(a * a for a in X[i]))
            nj = math.sqrt(sum(b * b for b in X[j]))
            out[i, j] = dot / (ni * nj) if ni > 0 and nj > 0 else 0.0
    return out
