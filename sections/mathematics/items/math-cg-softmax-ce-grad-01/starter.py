import numpy as np


def ce_grad(logits, labels):
    """Gradient of the mean softmax cross-entropy loss with respect to the logits.

    logits: float array of shape (n, k); labels: int array of shape (n,) with values in 0..k-1.
    Returns a float array of shape (n, k).
    """
    ...
