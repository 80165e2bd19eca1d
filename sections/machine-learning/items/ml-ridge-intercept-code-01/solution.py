import numpy as np


def ridge_fit(X, y, lam):
    """Ridge regression with an unpenalized intercept; returns [b, w_1, ..., w_d]."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    x_mean = X.mean(axis=0)
    y_mean = y.mean()
    Xc = X - x_mean
    yc = y - y_mean
    d = X.shape[1]
    w = np.linalg.solve(Xc.T @ Xc + lam * np.eye(d), Xc.T @ yc)
    b = y_mean - x_mean @ w
    return np.concatenate([[b], w])
