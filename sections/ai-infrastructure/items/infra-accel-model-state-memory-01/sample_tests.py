CASES = [
    {"name": "fp32, one GPU", "args": [1e9, "fp32"], "expected": 16.0},
    {"name": "fp32, stage 2 on 4 GPUs", "args": [1e9, "fp32", 4, 2], "expected": 7.0},
    {"name": "mixed, stage 3 on 8 GPUs", "args": [1e9, "mixed", 8, 3], "expected": 2.0},
]
