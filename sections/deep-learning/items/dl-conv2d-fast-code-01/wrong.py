import numpy as np


def conv2d(x, w, b, stride):
    """Vectorized, but flips the kernel (true convolution instead of cross-correlation)."""
    x = np.asarray(x, dtype=float)
    k = w.shape[2]
    patches = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))[:, ::stride, ::stride]
    return np.einsum("chwij,fcij->fhw", patches, w[:, :, ::-1, ::-1]) + np.asarray(b, dtype=float)[:, None, None]
