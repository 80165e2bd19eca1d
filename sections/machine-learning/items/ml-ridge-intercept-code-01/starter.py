import numpy as np


def ridge_fit(X, y, lam):
    """Ridge regression with an unpenalized intercept.

    Minimize sum_i (y_i - b - X[i] @ w)**2 + lam * ||w||**2 over b and w.
    X: 2-D array (n, d); y: 1-D array (n,); lam: float >= 0.
    Return a 1-D numpy array [b, w_1, ..., w_d] of length d + 1.
    """
    ...
