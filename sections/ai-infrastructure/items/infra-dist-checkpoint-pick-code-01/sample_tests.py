CASES = [
    {"name": "example from the stem", "args": [[["shard", 100, 0], ["shard", 100, 1], ["commit", 100, 0],
                                                 ["shard", 200, 1], ["shard", 200, 0]], 2], "expected": 100},
    {"name": "no events", "args": [[], 4], "expected": None},
]
