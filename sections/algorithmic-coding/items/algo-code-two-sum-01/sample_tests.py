CASES = [
    {"name": "basic", "args": [[4, 9, 1, 6], 7], "expected": (2, 3)},
    {"name": "negative numbers", "args": [[-3, 8, 4, 11], 1], "expected": (0, 2)},
    {"name": "no pair", "args": [[1, 2], 10], "expected": None},
]
