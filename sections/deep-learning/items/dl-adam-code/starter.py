import numpy as np


def adam_step(w, g, m, v, t, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam update.

    w, g, m, v: numpy arrays of the same shape (params, gradient, 1st and 2nd moments).
    t: step number, 1 for the first update.
    Returns (w_new, m_new, v_new), with m_new and v_new the uncorrected moment estimates.
    """
    ...
