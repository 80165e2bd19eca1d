import numpy as np


def _reference(X):
    # normalize with the explicit zero-row rule, then compare pairs via einsum on unit vectors
    X = np.asarray(X, dtype=float)
    norms = np.sqrt(np.einsum("ij,ij->i", X, X))
    unit = np.zeros_like(X)
    nz = norms > 0
    unit[nz] = X[nz] / norms[nz, None]
    return np.einsum("ik,jk->ij", unit, unit)


def _case(name, X):
    return {"name": name, "args": [X], "expected": _reference(X)}


_rng = np.random.default_rng(21)
_with_zeros = _rng.normal(size=(6, 4))
_with_zeros[[1, 4]] = 0.0
_big = _rng.normal(size=(600, 64))
_big[::97] = 0.0

CASES = [
    _case("random rows", _rng.normal(size=(5, 3))),
    _case("zero rows give 0, diagonal included", _with_zeros),
    _case("parallel and anti-parallel rows", np.array([[1.0, 2.0], [2.0, 4.0], [-1.0, -2.0]])),
    _case("single row", np.array([[3.0, 4.0, 0.0]])),
    _case("all rows zero", np.zeros((3, 2))),
    _case("very large and very small magnitudes", np.array([[1e150, 1e150], [1e-150, 0.0], [1.0, -1.0]])),
    _case("integer input", np.array([[1, 0, 1], [0, 1, 1], [2, 2, 2]])),
    _case("600 x 64 within the time limit", _big),
]
