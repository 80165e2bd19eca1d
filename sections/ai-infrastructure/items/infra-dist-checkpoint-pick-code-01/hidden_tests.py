def _full(step, world, commit=True):
    ev = [["shard", step, r] for r in range(world)]
    return ev + ([["commit", step, 0]] if commit else [])


CASES = [
    {"name": "example from the stem", "args": [[["shard", 100, 0], ["shard", 100, 1], ["commit", 100, 0],
                                                 ["shard", 200, 1], ["shard", 200, 0]], 2], "expected": 100},
    {"name": "out of order", "args": [list(reversed(_full(100, 4) + _full(200, 4) + _full(300, 4))), 4], "expected": 300},
    {"name": "newest step is missing a shard", "args": [_full(100, 4) + _full(200, 4)[:3] + [["commit", 200, 0]], 4],
     "expected": 100},
    {"name": "retried shards do not count twice", "args": [_full(100, 3) + [["shard", 200, 0], ["shard", 200, 0],
                                                                             ["shard", 200, 1], ["commit", 200, 0]], 3],
     "expected": 100},
    {"name": "newest complete but uncommitted", "args": [_full(100, 2) + _full(500, 2, commit=False), 2], "expected": 100},
    {"name": "nothing committed", "args": [_full(100, 2, commit=False), 2], "expected": None},
    {"name": "no events", "args": [[], 8], "expected": None},
    {"name": "single rank", "args": [_full(10, 1) + _full(20, 1) + [["shard", 30, 0]], 1], "expected": 20},
    {"name": "shard from a rank outside the world does not help",
     "args": [_full(100, 2) + [["shard", 200, 0], ["shard", 200, 5], ["commit", 200, 0]], 2], "expected": 100},
    {"name": "steps not multiples and duplicates of commits",
     "args": [_full(7, 3) + _full(13, 3) + [["commit", 13, 0]] + _full(11, 3), 3], "expected": 13},
]
