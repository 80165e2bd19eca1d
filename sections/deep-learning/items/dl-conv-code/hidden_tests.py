# Expected values worked out by hand from floor((n + 2p - k) / s) + 1 and k*k*c_in*f (+ f).
CASES = [
    {"name": "5x5 filters on a 32x32 RGB image", "args": [32, 32, 3, 16, 5], "expected": (28, 28, 1216)},
    {"name": "same padding keeps the size", "args": [56, 56, 64, 128, 3], "kwargs": {"padding": 1},
     "expected": (56, 56, 73856)},
    {"name": "ResNet stem: 7x7, stride 2, padding 3", "args": [224, 224, 3, 64, 7],
     "kwargs": {"stride": 2, "padding": 3, "bias": False}, "expected": (112, 112, 9408)},
    {"name": "floor when the stride does not divide", "args": [7, 7, 1, 1, 2], "kwargs": {"stride": 2},
     "expected": (3, 3, 5)},
    {"name": "AlexNet conv1: 11x11, stride 4", "args": [227, 227, 3, 96, 11], "kwargs": {"stride": 4},
     "expected": (55, 55, 34944)},
    {"name": "1x1 convolution", "args": [14, 14, 512, 128, 1], "expected": (14, 14, 65664)},
    {"name": "non-square input with padding", "args": [30, 40, 16, 32, 3], "kwargs": {"padding": 1, "stride": 2},
     "expected": (15, 20, 4640)},
    {"name": "kernel equal to input size", "args": [4, 4, 10, 3, 4], "expected": (1, 1, 483)},
    {"name": "padding 2 with a 5x5 kernel", "args": [28, 28, 1, 6, 5], "kwargs": {"padding": 2},
     "expected": (28, 28, 156)},
]
