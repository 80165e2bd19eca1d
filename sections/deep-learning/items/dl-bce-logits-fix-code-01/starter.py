import numpy as np


def bce_with_logits(z, y):
    """Mean binary cross-entropy from logits, and its gradient with respect to z."""
    z = np.asarray(z, dtype=float)
    y = np.asarray(y, dtype=float)
    p = 1.0 / (1.0 + np.exp(-z))
    loss = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    grad = (p - y) / len(z)
    return float(loss), grad
