import numpy as np


def ring_allreduce(buffers):
    """Every rank sends its whole buffer to every other rank, which then sums locally."""
    n = len(buffers)
    data = [np.array(b, dtype=float) for b in buffers]
    total = np.sum(data, axis=0)
    sent = [(n - 1) * d.size for d in data]
    return [total.copy() for _ in range(n)], sent
