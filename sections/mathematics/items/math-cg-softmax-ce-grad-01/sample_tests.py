import numpy as np

CASES = [
    {"name": "one example, equal logits",
     "args": [np.array([[0.0, 0.0]]), np.array([0])],
     "expected": np.array([[-0.5, 0.5]])},
    {"name": "one example, three classes",
     "args": [np.array([[0.0, np.log(2.0), np.log(5.0)]]), np.array([2])],
     "expected": np.array([[0.125, 0.25, -0.375]])},
    {"name": "two examples: the mean divides by n",
     "args": [np.array([[0.0, 0.0], [0.0, 0.0]]), np.array([0, 1])],
     "expected": np.array([[-0.25, 0.25], [0.25, -0.25]])},
]
