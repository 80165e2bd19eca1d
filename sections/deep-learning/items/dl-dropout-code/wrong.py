import numpy as np


def dropout_forward(x, p, mask, training):
    """Inverted dropout forward pass that rescales by the drop probability instead of the keep probability."""
    x = np.asarray(x, dtype=float)
    if not training:
        return x.copy()
    if p >= 1.0:
        return np.zeros_like(x)
    return x * np.asarray(mask, dtype=float) / p
