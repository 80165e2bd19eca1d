import math

import numpy as np

CASES = [
    {"name": "zero weights give ln 2", "args": [np.zeros(2), np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([1, 0])],
     "expected": math.log(2)},
    {"name": "one example, logit 1, label 1", "args": [np.array([1.0]), np.array([[1.0]]), np.array([1])],
     "expected": math.log(1 + math.exp(-1))},
    {"name": "two examples", "args": [np.array([0.5, -1.0]), np.array([[2.0, 1.0], [0.0, 1.0]]), np.array([0, 0])],
     "expected": (math.log(2) + math.log(1 + math.exp(-1))) / 2},
]
