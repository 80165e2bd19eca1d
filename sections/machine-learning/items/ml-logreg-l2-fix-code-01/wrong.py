import numpy as np


def fit_logreg(X, y, lam, lr, n_iter):
    """Stops penalizing the intercept, but sums the data gradient instead of averaging it."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    w, b = np.zeros(X.shape[1]), 0.0
    for _ in range(n_iter):
        p = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        w -= lr * (X.T @ (p - y) + lam * w)
        b -= lr * float(np.sum(p - y))
    return w, b
