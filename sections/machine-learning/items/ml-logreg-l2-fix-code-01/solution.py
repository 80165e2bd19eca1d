import numpy as np


def fit_logreg(X, y, lam, lr, n_iter):
    """L2-regularized logistic regression by gradient descent; returns (w, b)."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    Xb = np.hstack([X, np.ones((len(X), 1))])        # last column: intercept
    theta = np.zeros(Xb.shape[1])
    penalty = np.ones_like(theta)
    penalty[-1] = 0.0                                # the intercept is not penalized
    for _ in range(n_iter):
        p = 1.0 / (1.0 + np.exp(-(Xb @ theta)))
        grad = Xb.T @ (p - y) / len(y) + lam * penalty * theta
        theta -= lr * grad
    return theta[:-1], float(theta[-1])
