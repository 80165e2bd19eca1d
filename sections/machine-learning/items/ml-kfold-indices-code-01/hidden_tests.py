def _ref(n, sizes):
    out, start = [], 0
    for s in sizes:
        val = list(range(start, start + s))
        out.append([[i for i in range(n) if i not in val], val])
        start += s
    return out


CASES = [
    {"name": "6 into 3", "args": [6, 3], "expected": _ref(6, [2, 2, 2])},
    {"name": "example from the stem", "args": [5, 2], "expected": [[[3, 4], [0, 1, 2]], [[0, 1, 2], [3, 4]]]},
    {"name": "10 into 3", "args": [10, 3], "expected": _ref(10, [4, 3, 3])},
    {"name": "11 into 4", "args": [11, 4], "expected": _ref(11, [3, 3, 3, 2])},
    {"name": "k = 1: empty training set", "args": [4, 1], "expected": [[[], [0, 1, 2, 3]]]},
    {"name": "leave one out on 5", "args": [5, 5], "expected": _ref(5, [1, 1, 1, 1, 1])},
    {"name": "single example", "args": [1, 1], "expected": [[[], [0]]]},
    {"name": "20 into 5", "args": [20, 5], "expected": _ref(20, [4, 4, 4, 4, 4])},
    {"name": "13 into 5", "args": [13, 5], "expected": _ref(13, [3, 3, 3, 2, 2])},
]
