import numpy as np


def dropout_forward(x, p, mask, training):
    """Inverted dropout forward pass."""
    x = np.asarray(x, dtype=float)
    if not training:
        return x.copy()
    if p >= 1.0:
        return np.zeros_like(x)
    return x * np.asarray(mask, dtype=float) / (1.0 - p)
