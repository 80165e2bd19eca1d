CASES = [
    {"name": "5x5 filters on a 32x32 RGB image", "args": [32, 32, 3, 16, 5], "expected": (28, 28, 1216)},
    {"name": "no bias", "args": [28, 28, 1, 6, 5], "kwargs": {"bias": False}, "expected": (24, 24, 150)},
    {"name": "stride 2", "args": [32, 32, 8, 4, 2], "kwargs": {"stride": 2}, "expected": (16, 16, 132)},
]
