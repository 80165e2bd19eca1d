import numpy as np


def explained_variance_ratio(X, k):
    """Fraction of variance captured by the first k components (forgets to center the data)."""
    X = np.asarray(X, dtype=float)
    s = np.linalg.svd(X, compute_uv=False)
    var = s ** 2
    return float(var[:k].sum() / var.sum())
