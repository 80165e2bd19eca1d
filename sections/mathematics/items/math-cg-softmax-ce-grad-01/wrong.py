import numpy as np


def ce_grad(logits, labels):
    """Gradient of the softmax cross-entropy loss (forgets to average over the batch)."""
    z = np.asarray(logits, dtype=float)
    y = np.asarray(labels, dtype=int)
    n = z.shape[0]
    shifted = z - z.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    p = e / e.sum(axis=1, keepdims=True)
    p[np.arange(n), y] -= 1.0
    return p
