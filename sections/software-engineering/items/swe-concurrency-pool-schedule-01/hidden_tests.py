CASES = [
    {"name": "no tasks", "args": [[], 4], "expected": []},
    {"name": "slow first task", "args": [[5, 1, 1, 1], 2], "expected": [5, 1, 2, 3]},
    {"name": "equal durations, three workers", "args": [[1, 1, 1, 1, 1, 1, 1], 3], "expected": [1, 1, 1, 2, 2, 2, 3]},
    {"name": "single worker", "args": [[2, 0, 5], 1], "expected": [2, 2, 7]},
    {"name": "zero-length tasks", "args": [[0, 0, 3, 0], 2], "expected": [0, 0, 3, 0]},
    {"name": "mixed durations", "args": [[4, 2, 3, 1, 2], 2], "expected": [4, 2, 5, 5, 7]},
    {"name": "floats", "args": [[0.5, 1.5, 0.25, 1.0], 2], "expected": [0.5, 1.5, 0.75, 1.75], "tol": 1e-9},
    {"name": "many workers idle", "args": [[3, 3, 3], 10], "expected": [3, 3, 3]},
    {"name": "long queue", "args": [[1] * 100, 7], "expected": [i // 7 + 1 for i in range(100)]},
]
