CASES = [
    {"name": "example from the statement", "args": [[["a", "x", "b"]], [{"a", "b"}], 3], "expected": 5 / 6},
    {"name": "perfect ranking", "args": [[[1, 2, 3]], [{1, 2}], 3], "expected": 1.0},
    {"name": "no hits", "args": [[[7, 8, 9]], [{1}], 3], "expected": 0.0},
]
