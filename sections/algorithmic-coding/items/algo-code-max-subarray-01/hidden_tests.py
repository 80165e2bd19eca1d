CASES = [
    {"name": "all negative", "args": [[-3, -1, -2]], "expected": -1},
    {"name": "single negative", "args": [[-7]], "expected": -7},
    {"name": "zeros", "args": [[0, 0, 0]], "expected": 0},
    {"name": "best is in the middle", "args": [[-2, -3, 4, -1, -2, 1, 5, -3]], "expected": 7},
    {"name": "dip worth crossing", "args": [[2, -1, 2]], "expected": 3},
    {"name": "dip not worth crossing", "args": [[5, -6, 4]], "expected": 5},
    {"name": "whole array", "args": [[4, -1, 2, 1]], "expected": 6},
    {"name": "large values", "args": [[10**12, -1, 10**12]], "expected": 2 * 10**12 - 1},
    {"name": "long input", "args": [[(-1) ** i * (i % 7) for i in range(100000)]], "expected": 9},
    {"name": "negative with zero", "args": [[-1, 0, -2]], "expected": 0},
]
