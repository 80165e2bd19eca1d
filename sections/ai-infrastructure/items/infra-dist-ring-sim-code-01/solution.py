import numpy as np


def ring_allreduce(buffers):
    """Simulate a ring all-reduce; return (results, sent)."""
    n = len(buffers)
    data = [np.array(b, dtype=float) for b in buffers]
    sent = [0] * n
    if n == 1:
        return [data[0]], sent
    chunks = [np.array_split(d, n) for d in data]
    for step in range(n - 1):                      # reduce-scatter
        messages = [(r, (r - step) % n, chunks[r][(r - step) % n].copy()) for r in range(n)]
        for r, idx, payload in messages:
            chunks[(r + 1) % n][idx] += payload
            sent[r] += payload.size
    for step in range(n - 1):                      # all-gather
        messages = [(r, (r + 1 - step) % n, chunks[r][(r + 1 - step) % n].copy()) for r in range(n)]
        for r, idx, payload in messages:
            chunks[(r + 1) % n][idx][:] = payload
            sent[r] += payload.size
    return [np.concatenate(c) for c in chunks], sent
