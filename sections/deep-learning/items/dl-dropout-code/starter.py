import numpy as np


def dropout_forward(x, p, mask, training):
    """Inverted dropout forward pass.

    x: activations (numpy array); p: drop probability in [0, 1];
    mask: array like x, 1 = keep, 0 = drop; training: bool.
    Returns a new float array of the same shape as x.
    """
    ...
