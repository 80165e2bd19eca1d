import numpy as np


def softmax(z):
    """Softmax along the last axis of z (1-D or 2-D numpy array).

    Returns a float array of the same shape whose slices along the last axis sum to 1.
    Must not overflow for large logits.
    """
    ...
