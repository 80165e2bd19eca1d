import numpy as np


def adam_quadratic(a, w0, lr, steps, beta1=0.9, beta2=0.999, eps=1e-8):
    """Run `steps` Adam updates on f(w) = 0.5 * sum(a * w**2) from w0; return the final w.

    a, w0: 1-D float arrays of equal length. Returns a float array (a copy of w0 if steps == 0).
    """
    ...
