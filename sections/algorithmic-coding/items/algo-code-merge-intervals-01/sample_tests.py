CASES = [
    {"name": "unsorted input", "args": [[[8, 9], [1, 2], [2, 4]]], "expected": [[1, 4], [8, 9]]},
    {"name": "touching intervals merge", "args": [[[1, 3], [3, 5]]], "expected": [[1, 5]]},
    {"name": "disjoint intervals stay", "args": [[[1, 2], [4, 5]]], "expected": [[1, 2], [4, 5]]},
]
