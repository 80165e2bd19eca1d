import numpy as np


def conv2d(x, w, b, stride):
    """Forward pass of a 2-D convolution (cross-correlation, no padding)."""
    x = np.asarray(x, dtype=float)
    k = w.shape[2]
    patches = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("chwij,fcij->fhw", patches, w) + np.asarray(b, dtype=float)[:, None, None]
