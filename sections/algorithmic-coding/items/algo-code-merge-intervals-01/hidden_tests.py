CASES = [
    {"name": "empty", "args": [[]], "expected": []},
    {"name": "single point interval", "args": [[[5, 5]]], "expected": [[5, 5]]},
    {"name": "contained intervals", "args": [[[1, 10], [2, 3], [4, 5]]], "expected": [[1, 10]]},
    {"name": "contained then separate", "args": [[[2, 3], [1, 6], [8, 9]]], "expected": [[1, 6], [8, 9]]},
    {"name": "adjacent but not touching", "args": [[[1, 2], [3, 4]]], "expected": [[1, 2], [3, 4]]},
    {"name": "chain of overlaps", "args": [[[5, 10], [1, 3], [2, 6], [11, 12]]], "expected": [[1, 10], [11, 12]]},
    {"name": "negative coordinates", "args": [[[-2, 0], [-5, -1]]], "expected": [[-5, 0]]},
    {"name": "duplicates", "args": [[[1, 4], [1, 4], [1, 4]]], "expected": [[1, 4]]},
    {"name": "same start, different ends", "args": [[[1, 7], [1, 2], [7, 8]]], "expected": [[1, 8]]},
    {"name": "many intervals", "args": [[[i, i + 1] for i in range(0, 20000, 3)]],
     "expected": [[i, i + 1] for i in range(0, 20000, 3)]},
]
