import numpy as np


def assign_clusters(X, centroids):
    """k-means assignment step: index of the nearest centroid for each row of X."""
    X = np.asarray(X, dtype=float)
    C = np.asarray(centroids, dtype=float)
    d2 = ((X[:, None, :] - C[None, :, :]) ** 2).sum(axis=2)
    return np.argmin(d2, axis=1).astype(int)
