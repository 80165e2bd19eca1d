CASES = [
    {"name": "one level", "args": [[1, [2, 3], 4]], "expected": [1, 2, 3, 4]},
    {"name": "empty", "args": [[]], "expected": []},
    {"name": "empty sublist", "args": [[[1], [], [2, 3]]], "expected": [1, 2, 3]},
]
