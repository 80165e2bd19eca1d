import numpy as np


def adam_step(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """Adam update without bias correction (a common omission)."""
    w = np.asarray(w, dtype=float)
    g = np.asarray(g, dtype=float)
    m_new = beta1 * np.asarray(m, dtype=float) + (1.0 - beta1) * g
    v_new = beta2 * np.asarray(v, dtype=float) + (1.0 - beta2) * g * g
    w_new = w - lr * m_new / (np.sqrt(v_new) + eps)
    return w_new, m_new, v_new
