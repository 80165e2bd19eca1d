import numpy as np


def conv2d(x, w, b, stride):
    """Forward pass of a 2-D convolution (cross-correlation, no padding)."""
    C, H, W = x.shape
    F, _, k, _ = w.shape
    h_out, w_out = (H - k) // stride + 1, (W - k) // stride + 1
    out = np.zeros((F, h_out, w_out))
    for f in range(F):
        for i in range(h_out):
            for j in range(w_out):
                total = b[f]
                for c in range(C):
                    for di in range(k):
                        for dj in range(k):
                            total += x[c, i * stride + di, j * stride + dj] * w[f, c, di, dj]
                out[f, i, j] = total
    return out
