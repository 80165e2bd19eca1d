import numpy as np

CASES = [
    {"name": "one channel, 2x2 kernel", "args": [np.arange(9.0).reshape(1, 3, 3), np.array([[[[1.0, 0.0], [0.0, -1.0]]]]),
                                                np.array([0.5]), 1],
     "expected": np.array([[[-3.5, -3.5], [-3.5, -3.5]]])},
    {"name": "stride 2", "args": [np.arange(16.0).reshape(1, 4, 4), np.ones((1, 1, 2, 2)), np.zeros(1), 2],
     "expected": np.array([[[10.0, 18.0], [42.0, 50.0]]])},
]
