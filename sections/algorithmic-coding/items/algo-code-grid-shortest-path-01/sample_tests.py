CASES = [
    {"name": "small maze", "args": [["..#", "#..", "#.."]], "expected": 4},
    {"name": "blocked", "args": [[".#", "#."]], "expected": -1},
    {"name": "open square", "args": [["...", "...", "..."]], "expected": 4},
]
