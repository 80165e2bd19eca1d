import numpy as np


def softmax(z):
    """Softmax along the last axis of z (1-D or 2-D numpy array)."""
    z = np.asarray(z, dtype=float)
    shifted = z - np.max(z, axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=-1, keepdims=True)
