import numpy as np


def adam_quadratic(a, w0, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """Run `steps` Adam updates on f(w) = 0.5 * sum(a * w**2) from w0; return the final w."""
    a = np.asarray(a, dtype=float)
    w = np.array(w0, dtype=float)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t in range(1, steps + 1):
        g = a * w
        m = beta1 * m + (1 - beta1) * g
        v = beta2 * v + (1 - beta2) * g * g
        m_hat = m / (1 - beta1 ** t)
        v_hat = v / (1 - beta2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    return w
