import math

import numpy as np


def _ref(z, y):
    # per-example, with Python's exact-enough log1p/exp on the safe side of each branch
    losses, grads = [], []
    for zi, yi in zip(z, y):
        if zi >= 0:
            loss = (1 - yi) * zi + math.log1p(math.exp(-zi))
            p = 1 / (1 + math.exp(-zi))
        else:
            loss = -yi * zi + math.log1p(math.exp(zi))
            p = math.exp(zi) / (1 + math.exp(zi))
        losses.append(loss)
        grads.append((p - yi) / len(z))
    return (float(sum(losses) / len(z)), np.array(grads))


def _case(name, z, y, tol=1e-9):
    z, y = np.array(z, dtype=float), np.array(y)
    return {"name": name, "args": [z, y], "expected": _ref(z, y), "tol": tol}


CASES = [
    _case("moderate logits", [0.5, -1.2, 2.0, -0.3], [1, 0, 0, 1]),
    _case("confident and wrong: positive label, z = -40", [-40.0], [1]),
    _case("confident and wrong: negative label, z = 40", [40.0], [0]),
    _case("extreme logits", [1000.0, -1000.0, 1000.0, -1000.0], [1, 0, 0, 1]),
    _case("confident and right", [35.0, -35.0], [1, 0]),
    _case("mixed batch", [-3.0, 0.0, 3.0, 800.0, -800.0, 20.0], [0, 1, 1, 1, 1, 0]),
    _case("all zeros", [0.0, 0.0, 0.0], [0, 1, 0]),
    _case("random batch", list(np.random.default_rng(3).normal(scale=10, size=50)),
          list(np.random.default_rng(4).integers(0, 2, size=50))),
]
