CASES = [
    {"name": "one prerequisite", "args": [3, [(2, 0)]], "expected": [1, 2, 0]},
    {"name": "diamond", "args": [4, [(0, 1), (0, 2), (1, 3), (2, 3)]], "expected": [0, 1, 2, 3]},
    {"name": "no prerequisites", "args": [3, []], "expected": [0, 1, 2]},
]
