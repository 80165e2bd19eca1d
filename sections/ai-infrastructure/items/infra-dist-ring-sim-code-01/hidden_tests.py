import numpy as np


def _case(name, n, length, seed):
    rng = np.random.default_rng(seed)
    buffers = [rng.integers(-50, 50, size=length).astype(float) for _ in range(n)]
    total = np.sum(buffers, axis=0) if n else None
    sizes = [len(c) for c in np.array_split(np.zeros(length), n)]
    if n == 1:
        sent = [0]
    else:
        # reduce-scatter: every chunk but (r + 1); all-gather: every chunk but (r + 2)
        sent = [2 * length - sizes[(r + 1) % n] - sizes[(r + 2) % n] for r in range(n)]
    return {"name": name, "args": [buffers], "expected": ([total.copy() for _ in range(n)], sent)}


CASES = [
    _case("two ranks", 2, 6, 1),
    _case("three ranks", 3, 9, 2),
    _case("four ranks", 4, 8, 3),
    _case("eight ranks, divisible length", 8, 64, 4),
    _case("five ranks, length not divisible", 5, 13, 5),
    _case("seven ranks, length not divisible", 7, 30, 6),
    _case("single rank sends nothing", 1, 5, 7),
    _case("more ranks than elements", 6, 4, 8),
    _case("sixteen ranks", 16, 160, 9),
]
