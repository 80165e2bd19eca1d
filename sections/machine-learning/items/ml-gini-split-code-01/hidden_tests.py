CASES = [
    {"name": "clean two-class split", "args": [[1, 2, 3, 4], [0, 0, 1, 1]], "expected": 2.5},
    {"name": "repeated values cannot be separated", "args": [[1, 1, 2, 3], [0, 1, 1, 1]], "expected": 1.5},
    {"name": "repeated values, unsorted", "args": [[5, 2, 2, 2, 9, 9], ["x", "x", "y", "y", "y", "y"]], "expected": 7.0},
    {"name": "single example", "args": [[7.0], [1]], "expected": None},
    {"name": "one distinct value", "args": [[3, 3, 3], [0, 1, 0]], "expected": None},
    {"name": "pure labels: smallest threshold", "args": [[3, 1, 2], [1, 1, 1]], "expected": 1.5},
    {"name": "symmetric tie: smallest threshold", "args": [[1, 2, 3, 4], [0, 1, 1, 0]], "expected": 1.5},
    {"name": "three classes", "args": [[0.5, 1.5, 2.5, 3.5, 4.5, 5.5], ["a", "a", "b", "b", "c", "c"]], "expected": 2.0},
    {"name": "negative values and noise", "args": [[-3.0, -1.0, -2.0, 0.0, 1.0, 2.0], [0, 0, 0, 1, 0, 1]], "expected": -0.5},
    {"name": "duplicates tempt a false pure split", "args": [[0, 0, 0, 0, 1, 2], [1, 1, 1, 0, 0, 0]], "expected": 0.5},
]
