import numpy as np

CASES = [
    {"name": "uniform logits", "args": [np.zeros(5)], "expected": np.full(5, 0.2)},
    {"name": "three classes", "args": [np.array([3.0, 1.0, 0.0])],
     "expected": np.array([0.8437947344813395, 0.11419519938459448, 0.04201006613406605])},
    {"name": "single class is certain", "args": [np.array([7.5])], "expected": np.array([1.0])},
    {"name": "large equal logits do not overflow", "args": [np.array([1000.0, 1000.0])],
     "expected": np.array([0.5, 0.5]), "tol": 1e-9},
    {"name": "large logits keep their differences", "args": [np.array([1000.0, 1000.0 + np.log(3.0)])],
     "expected": np.array([0.25, 0.75])},
    {"name": "very negative logits do not underflow to 0/0", "args": [np.array([-1000.0, -1000.0, -1000.0])],
     "expected": np.full(3, 1.0 / 3.0)},
    {"name": "batch normalizes each row, not each column", "args": [np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])],
     "expected": np.array([[0.09003057317038046, 0.24472847105479767, 0.6652409557748219],
                           [1 / 3, 1 / 3, 1 / 3]])},
    {"name": "batch with one overflowing row", "args": [np.array([[800.0, 0.0], [0.0, 0.0]])],
     "expected": np.array([[1.0, 0.0], [0.5, 0.5]])},
    {"name": "shift invariance", "args": [np.array([[10.0, 11.0], [-5.0, -4.0]])],
     "expected": np.array([[0.2689414213699951, 0.7310585786300049], [0.2689414213699951, 0.7310585786300049]])},
    {"name": "integer input returns floats", "args": [np.array([0, 0])], "expected": np.array([0.5, 0.5])},
]
