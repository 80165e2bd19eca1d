import numpy as np

CASES = [
    {"name": "equal scores average the values (d_k = 1)", "args": [np.array([[0.0], [1.0]]), np.array([[1.0], [1.0]]), np.array([[1.0, 0.0], [3.0, 4.0]])],
     "expected": np.array([[2.0, 2.0], [2.0, 2.0]])},
    {"name": "d_k = 1 without mask", "args": [np.array([[1.0], [-2.0]]), np.array([[0.5], [1.5], [-1.0]]), np.array([[1.0], [2.0], [3.0]])],
     "expected": np.array([[1.8028955506054463], [2.8993757060282297]])},
    {"name": "single query, three keys, d_k = 1", "args": [np.array([[0.0]]), np.array([[1.0], [2.0], [3.0]]), np.array([[3.0], [6.0], [9.0]])],
     "expected": np.array([[6.0]])},
]
