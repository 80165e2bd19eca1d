import numpy as np


def _reference(Xtr, ytr, Xte, k):
    out = []
    for x in Xte:
        d = np.sqrt(((Xtr - x) ** 2).sum(1))
        order = sorted(range(len(Xtr)), key=lambda i: (d[i], i))[:k]
        labels = [int(ytr[i]) for i in order]
        best = max(labels.count(v) for v in set(labels))
        out.append(min(v for v in set(labels) if labels.count(v) == best))
    return np.array(out, dtype=np.int64)


def _case(name, n_train, n_test, dim, n_labels, k, seed, integer=False):
    rng = np.random.default_rng(seed)
    if integer:
        Xtr, Xte = rng.integers(0, 4, size=(n_train, dim)).astype(float), rng.integers(0, 4, size=(n_test, dim)).astype(float)
    else:
        Xtr, Xte = rng.normal(size=(n_train, dim)), rng.normal(size=(n_test, dim))
    ytr = rng.integers(0, n_labels, size=n_train)
    return {"name": name, "args": [Xtr, ytr, Xte, k], "expected": _reference(Xtr, ytr, Xte, k)}


def _big():
    rng = np.random.default_rng(99)
    centers = rng.normal(scale=3, size=(5, 20))
    ytr = rng.integers(0, 5, size=3000)
    Xtr = centers[ytr] + rng.normal(size=(3000, 20))
    yte = rng.integers(0, 5, size=1000)
    Xte = centers[yte] + rng.normal(size=(1000, 20))
    # expected: the nearest-centre structure makes the vote clear; verify with a chunked exact search
    out = []
    for start in range(0, 1000, 250):
        chunk = Xte[start:start + 250]
        d = ((chunk[:, None, :] - Xtr[None, :, :]) ** 2).sum(-1)
        nearest = np.argsort(d, axis=1, kind="stable")[:, :7]
        for row in ytr[nearest]:
            c = np.bincount(row, minlength=5)
            out.append(int(np.flatnonzero(c == c.max())[0]))
    return {"name": "3,000 x 1,000 points within the time limit", "args": [Xtr, ytr, Xte, 7],
            "expected": np.array(out, dtype=np.int64)}


CASES = [
    _case("random, k = 1", 30, 10, 3, 3, 1, 1),
    _case("random, k = 5", 50, 20, 4, 3, 5, 2),
    _case("many distance ties on a grid", 40, 15, 2, 4, 4, 3, integer=True),
    _case("even k with vote ties", 30, 20, 2, 2, 2, 4),
    _case("k equals the training size", 12, 5, 2, 3, 12, 5),
    _case("labels with gaps", 25, 10, 3, 6, 3, 6),
    {"name": "vote tie goes to the smallest label", "args": [np.array([[0.0], [2.0]]), np.array([3, 1]),
                                                            np.array([[0.9]]), 2], "expected": np.array([1])},
    _big(),
]
