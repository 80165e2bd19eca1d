import numpy as np

# one example, zero weights: uniform softmax over 2 classes
CASES = [
    {"name": "zero weights, one example", "args": [np.zeros((2, 2)), np.zeros(2), np.array([[1.0, 2.0]]), np.array([0]),
                                                  np.zeros((2, 2)), np.zeros(2), 0.1, 0.9],
     "expected": (np.array([[0.05, -0.05], [0.1, -0.1]]), np.array([0.05, -0.05]),
                  np.array([[-0.5, 0.5], [-1.0, 1.0]]), np.array([-0.5, 0.5]), float(np.log(2)))},
    {"name": "momentum buffer carries over", "args": [np.zeros((1, 2)), np.zeros(2), np.array([[0.0]]), np.array([1]),
                                                      np.array([[1.0, -1.0]]), np.array([0.2, 0.0]), 1.0, 0.5],
     "expected": (np.array([[-0.5, 0.5]]), np.array([-0.6, 0.5]), np.array([[0.5, -0.5]]), np.array([0.6, -0.5]),
                  float(np.log(2)))},
]
