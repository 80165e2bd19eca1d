import numpy as np


def logistic_loss(w, X, y):
    """Mean binary cross-entropy of logistic regression with logits z = X @ w."""
    z = np.asarray(X, dtype=float) @ np.asarray(w, dtype=float)
    y = np.asarray(y, dtype=float)
    # -[y ln s(z) + (1-y) ln(1-s(z))] = ln(1 + e^z) - y z, computed stably.
    return float(np.mean(np.logaddexp(0.0, z) - y * z))
