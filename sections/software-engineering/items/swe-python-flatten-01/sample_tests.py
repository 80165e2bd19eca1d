CASES = [
    {"name": "one level", "args": [[1, [2, 3], 4]], "expected": [1, 2, 3, 4]},
    {"name": "empty list", "args": [[]], "expected": []},
    {"name": "tuples and strings", "args": [[(1, 2), "ab"]], "expected": [1, 2, "ab"]},
]
