CASES = [
    {"name": "mixed, no sharding", "args": [7e9], "expected": 112.0},
    {"name": "fp32, no sharding", "args": [1.3e9, "fp32"], "expected": 20.8},
    {"name": "ZeRO paper example, stage 0", "args": [7.5e9, "mixed", 64, 0], "expected": 120.0},
    {"name": "ZeRO paper example, stage 1", "args": [7.5e9, "mixed", 64, 1], "expected": 7.5 * (4 + 12 / 64)},
    {"name": "ZeRO paper example, stage 2", "args": [7.5e9, "mixed", 64, 2], "expected": 7.5 * (2 + 14 / 64)},
    {"name": "ZeRO paper example, stage 3", "args": [7.5e9, "mixed", 64, 3], "expected": 7.5 * 16 / 64},
    {"name": "sharding over one GPU changes nothing", "args": [2e9, "mixed", 1, 3], "expected": 32.0},
    {"name": "fp32 stage 1", "args": [1e9], "kwargs": {"precision": "fp32", "n_gpus": 8, "zero_stage": 1}, "expected": 9.0},
    {"name": "tiny model", "args": [1e6, "mixed", 2, 2], "expected": 1e6 * (2 + 14 / 2) / 1e9},
]
