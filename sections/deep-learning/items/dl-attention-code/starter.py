import numpy as np


def attention(Q, K, V, mask=None):
    """Scaled dot-product attention.

    Q: (n, d_k), K: (m, d_k), V: (m, d_v); mask: optional bool (n, m), True = may attend.
    Returns an (n, d_v) array.
    """
    ...
