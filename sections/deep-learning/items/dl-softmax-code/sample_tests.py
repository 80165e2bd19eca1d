import numpy as np

CASES = [
    {"name": "uniform logits", "args": [np.zeros(4)], "expected": np.full(4, 0.25)},
    {"name": "three classes", "args": [np.array([1.0, 2.0, 3.0])],
     "expected": np.array([0.09003057317038046, 0.24472847105479767, 0.6652409557748219])},
    {"name": "a batch of two rows", "args": [np.array([[0.0, 0.0], [0.0, np.log(3.0)]])],
     "expected": np.array([[0.5, 0.5], [0.25, 0.75]])},
]
