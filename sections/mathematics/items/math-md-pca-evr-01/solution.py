import numpy as np


def explained_variance_ratio(X, k):
    """Fraction of the total variance of X captured by its first k principal components."""
    X = np.asarray(X, dtype=float)
    Xc = X - X.mean(axis=0)
    s = np.linalg.svd(Xc, compute_uv=False)
    var = s ** 2
    return float(var[:k].sum() / var.sum())
