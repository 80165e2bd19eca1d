import numpy as np


def _sym(eigs, seed):
    q, _ = np.linalg.qr(np.random.default_rng(seed).normal(size=(len(eigs), len(eigs))))
    return q @ np.diag(eigs) @ q.T


def _case(name, A, n_iter):
    w = np.linalg.eigvalsh(A)
    return {"name": name, "args": [A, n_iter], "expected": float(w[np.argmax(np.abs(w))]), "tol": 1e-6}


CASES = [
    _case("random symmetric, positive dominant", _sym([5.0, 2.0, -1.0, 0.5], 1), 200),
    _case("negative dominant eigenvalue", _sym([-6.0, 3.0, 1.0], 2), 200),
    _case("negative dominant, close second", _sym([-4.0, 3.0, -1.0, 2.0, 0.1], 3), 400),
    _case("1x1 matrix", np.array([[-2.5]]), 5),
    {"name": "zero matrix", "args": [np.zeros((3, 3)), 10], "expected": 0.0},
    _case("2x2 with off-diagonal", np.array([[1.0, 2.0], [2.0, -3.0]]), 200),
    _case("larger matrix", _sym(list(np.linspace(-1, 1, 9)) + [10.0], 4), 100),
    _case("badly scaled entries", _sym([1e6, 2e5, -3e5], 5), 200),
]
