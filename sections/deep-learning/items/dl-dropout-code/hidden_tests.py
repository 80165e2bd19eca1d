import numpy as np

CASES = [
    {"name": "training, p = 0.5", "args": [np.array([1.0, 2.0, 3.0, 4.0]), 0.5, np.array([0, 1, 1, 0]), True],
     "expected": np.array([0.0, 4.0, 6.0, 0.0])},
    {"name": "training, p = 0.2 scales by 1/0.8", "args": [np.array([3.0, 1.0, -2.0]), 0.2, np.array([1, 0, 1]), True],
     "expected": np.array([3.75, 0.0, -2.5])},
    {"name": "training, p = 0.75 scales by 4", "args": [np.array([0.5, 0.5, 0.5, 0.5]), 0.75, np.array([0, 0, 1, 0]), True],
     "expected": np.array([0.0, 0.0, 2.0, 0.0])},
    {"name": "inference ignores the mask", "args": [np.array([1.5, -2.0, 0.25]), 0.2, np.array([0, 0, 0]), False],
     "expected": np.array([1.5, -2.0, 0.25])},
    {"name": "inference with p = 0.9 does not rescale", "args": [np.array([[1.0, 2.0], [3.0, 4.0]]), 0.9,
     np.array([[1, 0], [0, 1]]), False], "expected": np.array([[1.0, 2.0], [3.0, 4.0]])},
    {"name": "p = 0 in training keeps everything unchanged", "args": [np.array([1.0, 2.0]), 0.0, np.array([1, 1]), True],
     "expected": np.array([1.0, 2.0])},
    {"name": "p = 1 in training drops everything", "args": [np.array([1.0, 2.0, 3.0]), 1.0, np.array([0, 0, 0]), True],
     "expected": np.array([0.0, 0.0, 0.0])},
    {"name": "2-D batch, p = 0.1", "args": [np.array([[0.9, 1.8], [2.7, 3.6]]), 0.1, np.array([[1, 1], [0, 1]]), True],
     "expected": np.array([[1.0, 2.0], [0.0, 4.0]])},
    {"name": "all kept, p = 0.5", "args": [np.array([1.0, 1.0]), 0.5, np.array([1, 1]), True],
     "expected": np.array([2.0, 2.0])},
]
