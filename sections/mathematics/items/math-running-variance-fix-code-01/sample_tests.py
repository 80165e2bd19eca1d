CASES = [
    {"name": "small values", "args": [[4.0, 7.0, 13.0, 16.0]], "expected": (4, 10.0, 30.0)},
    {"name": "empty", "args": [[]], "expected": (0, None, None)},
]
