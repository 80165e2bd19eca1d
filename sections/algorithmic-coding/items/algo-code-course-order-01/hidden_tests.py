CASES = [
    {"name": "no courses", "args": [0, []], "expected": []},
    {"name": "two-course cycle", "args": [2, [(0, 1), (1, 0)]], "expected": None},
    {"name": "cycle behind an available course", "args": [4, [(0, 1), (1, 2), (2, 1), (2, 3)]], "expected": None},
    {"name": "self prerequisite", "args": [3, [(1, 1)]], "expected": None},
    {"name": "repeated pairs", "args": [3, [(2, 1), (2, 1), (1, 0)]], "expected": [2, 1, 0]},
    {"name": "smallest available first", "args": [5, [(3, 0), (4, 1), (0, 2)]], "expected": [3, 0, 2, 4, 1]},
    {"name": "isolated courses interleave", "args": [4, [(3, 2)]], "expected": [0, 1, 3, 2]},
    {"name": "reverse chain", "args": [5, [(4, 3), (3, 2), (2, 1), (1, 0)]], "expected": [4, 3, 2, 1, 0]},
    {"name": "long chain", "args": [100000, [(i + 1, i) for i in range(99999)]],
     "expected": list(range(99999, -1, -1))},
    {"name": "large cycle", "args": [1000, [(i, (i + 1) % 1000) for i in range(1000)]], "expected": None},
]
