import numpy as np


def adam_quadratic(a, w0, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam without bias correction: the early steps come out wrong."""
    a = np.asarray(a, dtype=float)
    w = np.array(w0, dtype=float)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for _ in range(steps):
        g = a * w
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        w = w - lr * m / (np.sqrt(v) + eps)
    return w
