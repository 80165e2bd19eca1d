import numpy as np


def standardize(X):
    """Standardize each column of X to mean 0 and population std 1; constant columns become 0."""
    X = np.asarray(X, dtype=float)
    mu = X.mean(axis=0)
    sd = X.std(axis=0)
    safe = np.where(sd > 0, sd, 1.0)
    return (X - mu) / safe
