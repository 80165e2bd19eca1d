CASES = [
    {"name": "equal halves at two positions", "args": [[3, 3], 6], "expected": (0, 1)},
    {"name": "an element cannot pair with itself", "args": [[3], 6], "expected": None},
    {"name": "half of target appears once, pair found later", "args": [[3, 5, 1], 6], "expected": (1, 2)},
    {"name": "empty list", "args": [[], 0], "expected": None},
    {"name": "smallest j wins", "args": [[1, 5, 5, 1], 6], "expected": (0, 1)},
    {"name": "smallest i for that j", "args": [[2, 2, 7], 9], "expected": (0, 2)},
    {"name": "zeros", "args": [[0, 4, 0], 0], "expected": (0, 2)},
    {"name": "repeated half with gap", "args": [[6, 1, 6], 12], "expected": (0, 2)},
    {"name": "negative target", "args": [[5, -2, 7, -8], -10], "expected": (1, 3)},
    {"name": "large input, pair at the end", "args": [list(range(100000)), 199997], "expected": (99998, 99999)},
]
